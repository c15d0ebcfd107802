import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { md5Sign } from '@alipay-commerce/core/primitives';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_SERVICES } from '../src';

/** The CLI contract scripts rely on: line 1 of stdout is one JSON object with URLs and credentials. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const demoAccounts = join(root, '..', '..', 'examples', 'sandbox', 'demo-accounts.json');
const children: ChildProcess[] = [];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  // The contract is about the built CLI: build it when dist is missing or older than the sources.
  let built = 0;
  try {
    built = statSync(cli).mtimeMs;
  } catch {}
  if (built < newestSource(join(root, 'src')))
    execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 120_000);

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

async function start(
  args: string[],
): Promise<{ first: string; rest: () => string; stderr: () => string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  let stderr = '';
  child.stderr!.on('data', d => {
    stderr += d;
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.on('exit', code => reject(new Error(`exited ${code}: ${stderr}`)));
    rl.on('line', line => {
      lines.push(line);
      if (lines.length === 1) resolve(line);
    });
  });
  return { first, rest: () => lines.slice(1).join('\n'), stderr: () => stderr, child };
}

describe('alipay-sandbox CLI', () => {
  it('prints one JSON object on line 1, then human text; the gateways answer', async () => {
    const { first, rest } = await start(['--port', '0', '--time-scale', '60']);
    const info = JSON.parse(first);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.legacyGateway).toBe(`${info.url}/gateway.do`);
    expect(info.openapiGateway).toBe(`${info.url}/openapi/gateway.do`);
    expect(info.timeScale).toBe(60);
    const [a, b] = info.merchants;
    expect(a.partner).toMatch(/^2088\d{12}$/);
    expect(a.key).toMatch(/^[a-z0-9]{32}$/);
    expect(a.sellerEmail).toContain('@');
    expect(a.sellerId).toMatch(/^2088\d{12}$/);
    // Merchant A may call every legacy interface.
    expect(a.contract).toEqual(expect.arrayContaining([...LEGACY_SERVICES]));
    expect(b.contract).not.toContain('create_partner_trade_by_buyer');
    expect(b.contract).toContain('create_direct_pay_by_user');
    const [app] = info.apps;
    expect(app.appId).toMatch(/^\d{16}$/);
    expect(app.privateKey).toContain('PRIVATE KEY');
    expect(app.alipayPublicKey).toContain('PUBLIC KEY');
    expect(app.products).toEqual(['page', 'wap', 'qr']);
    expect(app.sellerId).toMatch(/^2088\d{12}$/);

    await new Promise(r => setTimeout(r, 50));
    expect(rest()).toContain('Test buyer');
    expect(rest()).toContain('测试买家');
    expect(rest()).toContain(info.legacyGateway);

    // A signed request works with the printed key.
    const params: Record<string, string> = {
      service: 'single_trade_query',
      partner: a.partner,
      _input_charset: 'utf-8',
      out_trade_no: 'none',
    };
    const sign = md5Sign(params, a.key);
    const xml = await (
      await fetch(`${info.legacyGateway}?${new URLSearchParams({ ...params, sign, sign_type: 'MD5' })}`)
    ).text();
    expect(xml).toContain('<error>TRADE_NOT_EXIST</error>');
    expect((await fetch(`${info.url}/`)).status).toBe(200);
  });

  it('appends the Antom gateway and clients to line 1, with key files that sign and verify', async () => {
    const { first, rest } = await start(['--port', '0']);
    const info = JSON.parse(first);
    // The fields other suites read stay where they were.
    expect(Object.keys(info).slice(0, 8)).toEqual([
      'url',
      'legacyGateway',
      'openapiGateway',
      'controlApi',
      'timeScale',
      'merchants',
      'apps',
      'buyer',
    ]);
    expect(info.antomGateway).toBe(info.url);
    const [client] = info.antomClients;
    expect(client.clientId).toMatch(/^SANDBOX_/);
    expect(client.apiPrefix).toBe('/ams/sandbox/api');
    expect(client.paymentMethods).toContain('ALIPAY_CN');
    expect(readFileSync(client.privateKeyFile, 'utf8')).toBe(client.privateKey);
    expect(readFileSync(client.antomPublicKeyFile, 'utf8')).toBe(client.antomPublicKey);
    expect(statSync(client.privateKeyFile).mode & 0o077).toBe(0);
    await new Promise(r => setTimeout(r, 50));
    expect(rest()).toContain(client.clientId);

    // The printed private key signs an inquiry the gateway accepts (F ORDER_NOT_EXIST, not INVALID_SIGNATURE).
    const path = `${client.apiPrefix}/v1/payments/inquiryPayment`;
    const body = JSON.stringify({ paymentRequestId: 'none' });
    const time = String(Date.now());
    const signature = createSign('RSA-SHA256')
      .update(`POST ${path}\n${client.clientId}.${time}.${body}`)
      .sign(readFileSync(client.privateKeyFile, 'utf8'), 'base64');
    const answer = await fetch(`${info.antomGateway}${path}`, {
      method: 'POST',
      headers: {
        'client-id': client.clientId,
        'request-time': time,
        signature: `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`,
      },
      body,
    });
    expect(((await answer.json()) as { result: { resultCode: string } }).result.resultCode).toBe(
      'ORDER_NOT_EXIST',
    );
  });

  it('--config antom: a configured private key is masked and not written to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alipay-sandbox-'));
    const file = join(dir, 'antom.json');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(
      file,
      JSON.stringify({ antom: { clients: [{ clientId: 'SANDBOX_MINE0001', privateKey: pem }] } }),
    );
    const { first, rest } = await start(['--port', '0', '--config', file]);
    await new Promise(r => setTimeout(r, 100));
    const [client] = JSON.parse(first).antomClients;
    expect(client.clientId).toBe('SANDBOX_MINE0001');
    expect(client.privateKey).toMatch(/^PEM private key \(\d+ chars, sha256:[0-9a-f]{8}\)$/);
    expect(client.privateKeyFile).toBeUndefined();
    expect(readFileSync(client.publicKeyFile, 'utf8')).toContain('PUBLIC KEY');
    expect(`${first}\n${rest()}`).not.toContain(pem.split('\n')[2]!);
  });

  it('--config fixes partners, keys, contracts and turns on certificate mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alipay-sandbox-'));
    const file = join(dir, 'merchants.json');
    writeFileSync(
      file,
      JSON.stringify({
        merchants: [
          {
            partner: '2088000000000042',
            key: '0123456789abcdefghijklmnopqrstuv',
            sellerEmail: 'shop@example.test',
            contract: ['create_partner_trade_by_buyer'],
          },
        ],
        apps: [{ appId: '9021000122682882', products: ['qr'], certificates: true }],
      }),
    );
    const { first } = await start(['--port', '0', '--config', file]);
    const info = JSON.parse(first);
    expect(info.merchants).toHaveLength(1);
    expect(info.merchants[0]).toMatchObject({
      partner: '2088000000000042',
      sellerEmail: 'shop@example.test',
      sellerId: '2088000000000042',
    });
    // A key the config file fixed is the operator's own: only a masked hint is echoed.
    expect(info.merchants[0].key).not.toBe('0123456789abcdefghijklmnopqrstuv');
    expect(info.merchants[0].contract).toEqual([
      'create_partner_trade_by_buyer',
      'notify_verify',
      'refund_fastpay_by_platform_pwd',
    ]);
    expect(info.apps[0].appId).toBe('9021000122682882');
    expect(info.apps[0].certificates.appCertSn).toMatch(/^[0-9a-f]{32}$/);
    expect(info.apps[0].certificates.alipayRootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
  });

  it('--config: keys from the file are echoed only as a masked hint, on every line (issue 15 item 9)', async () => {
    const accounts = JSON.parse(readFileSync(demoAccounts, 'utf8'));
    const md5Key: string = accounts.merchants[0].key;
    const appPrivateKey: string = accounts.apps[0].privateKey;
    const { first, rest } = await start(['--port', '0', '--config', demoAccounts]);
    await new Promise(r => setTimeout(r, 100));
    const output = `${first}\n${rest()}`;
    const info = JSON.parse(first);
    // Still usable by scripts: the URLs, the partner, the buyer…
    expect(info.merchants[0].partner).toBe(accounts.merchants[0].partner);
    expect(info.buyer.email).toContain('@');
    // …but neither the MD5 key nor the body of the app's private key appears anywhere.
    expect(output).not.toContain(md5Key);
    expect(output).not.toContain(md5Key.slice(0, 12));
    const keyBody = appPrivateKey.split('\n')[1]!;
    expect(output).not.toContain(keyBody);
    // Past the DER header every 2048-bit PKCS#8 key shares (the generated Antom key starts the same way).
    expect(output).not.toContain(JSON.stringify(appPrivateKey).slice(60, 120));
    const alipayKeyBody = accounts.alipayKeys.privateKey.split('\n')[1]!;
    expect(output).not.toContain(alipayKeyBody);
    // The hint names the length and a fingerprint, enough to tell two keys apart.
    expect(info.merchants[0].key).toMatch(/^••••[^ ]{4} \(32 chars, sha256:[0-9a-f]{8}\)$/);
    expect(info.apps[0].privateKey).toMatch(/^PEM private key \(\d+ chars, sha256:[0-9a-f]{8}\)$/);
    expect(rest()).toContain(info.merchants[0].key);
    // Keys the sandbox generated (not in the file) are still printed in full: the alipayPublicKey is public.
    expect(info.apps[0].alipayPublicKey).toContain('PUBLIC KEY');
  });

  it('generated keys (no --config) are still printed in full', async () => {
    const { first } = await start(['--port', '0']);
    const info = JSON.parse(first);
    expect(info.merchants[0].key).toMatch(/^[a-z0-9]{32}$/);
    expect(info.apps[0].privateKey).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('warns on stderr, in English and Chinese, when --host is not loopback (issue 15 item 9)', async () => {
    const { first, stderr } = await start(['--port', '0', '--host', '0.0.0.0']);
    expect(JSON.parse(first).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await new Promise(r => setTimeout(r, 50));
    expect(stderr()).toMatch(/WARNING.*0\.0\.0\.0.*not a loopback/);
    expect(stderr()).toContain('警告');
    expect(stderr()).toContain('/__sandbox');
  });

  it('does not warn for loopback hosts', async () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      const { first, stderr } = await start(['--port', '0', '--host', host]);
      expect(JSON.parse(first).url).toMatch(/^http:\/\//);
      await new Promise(r => setTimeout(r, 50));
      expect(stderr(), host).toBe('');
    }
  });

  it('exits 1 with a message for a bad config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alipay-sandbox-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ merchants: [{ partner: '123' }] }));
    await expect(start(['--port', '0', '--config', file])).rejects.toThrow(
      /exited 1: alipay-sandbox: merchants\[0\]\.partner/,
    );
  });
});
