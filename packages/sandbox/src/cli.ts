import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile, SandboxConfigError, type SandboxConfigInput } from './config';
import { type SandboxInfo, type SandboxOptions, startSandbox } from './server';

/**
 * `alipay-sandbox [--port 7010] [--host 127.0.0.1] [--time-scale N] [--config merchants.json]`
 *
 * Contract scripts rely on: the FIRST line on stdout is one JSON object with the URLs and the generated
 * test credentials (SandboxInfo); human-readable text follows. The credentials the sandbox generates are
 * printed on purpose: they are throw-away test material of an offline emulator, never real keys. Keys that
 * come from `--config` are the operator's own (they may be reused elsewhere): those are printed only as a
 * masked hint — the operator has them in the file already.
 */

const HELP = `alipay-sandbox — offline Alipay gateway emulator / 支付宝离线网关模拟器

Usage: alipay-sandbox [--port 7010] [--host 127.0.0.1] [--time-scale N] [--config merchants.json]

  --port        TCP port (default 7010; 0 = any free port)
  --host        interface to listen on (default 127.0.0.1; anything but loopback warns: the control
                API and the keys are open to whoever reaches it)
  --time-scale  divide Alipay's delays by N (retries 4m,10m,10m,1h,2h,6h,15h; notify_id expiry; timeouts)
  --config      JSON file fixing partners, keys, apps, certificates (see README); its keys are
                echoed only as a masked hint

The first stdout line is a JSON object with the gateway URLs and the test credentials.`;

/** Hosts that only this machine reaches. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/**
 * Whether `host` is a loopback address: `localhost`, `::1` or any 127.x.y.z. Everything else (0.0.0.0,
 * a LAN address, a hostname) exposes the control API, which pays, refunds and moves the clock for anyone.
 */
function isLoopbackHost(host: string): boolean {
  const normalized = host.trim().toLowerCase();
  return LOOPBACK_HOSTS.has(normalized) || /^127(\.\d{1,3}){3}$/.test(normalized);
}

/** The warning printed on stderr when the sandbox listens beyond loopback. */
function nonLoopbackWarning(host: string): string {
  return [
    `alipay-sandbox: WARNING: --host ${host} is not a loopback address. Anyone who reaches this port can`,
    '  read the test keys (/__sandbox/config) and drive the control API (/__sandbox: pay, refund, move the',
    '  clock). Use it on a trusted network only; the default 127.0.0.1 keeps it on this machine.',
    `alipay-sandbox: 警告：--host ${host} 不是本机回环地址。任何能访问此端口的人都可以读取测试密钥`,
    '  （/__sandbox/config）并调用控制接口（/__sandbox：付款、退款、调整时钟）。请仅在可信网络中使用；',
    '  默认的 127.0.0.1 只允许本机访问。',
  ].join('\n');
}

/**
 * A masked hint of a key: the core's hint (at most the last 4 characters) for short keys, "PEM private
 * key" for PEM, plus the length and the first 8 hex digits of its SHA-256 — enough to tell which key
 * was loaded, useless to sign with.
 */
function keyHint(key: string): string {
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
  const shown = key.includes('-----BEGIN')
    ? 'PEM private key'
    : key.length >= 16
      ? `••••${key.slice(-4)}`
      : '••••';
  return `${shown} (${key.length} chars, sha256:${fingerprint})`;
}

/** Every secret string a config file fixes (MD5 keys, private keys, AES keys). */
function secretsOf(input: SandboxConfigInput): Set<string> {
  const secrets = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.length > 0) secrets.add(value);
  };
  for (const m of input.merchants ?? []) {
    add(m.key);
    add(m.rsaPrivateKey);
  }
  for (const a of input.apps ?? []) {
    add(a.privateKey);
    add(a.aesKey);
    add(a.alipayPrivateKey);
  }
  for (const c of input.antom?.clients ?? []) add(c.privateKey);
  add(input.antom?.antomKeys?.privateKey);
  add(input.alipayKeys?.privateKey);
  add(input.legacyRsaKeys?.privateKey);
  add(input.rootCaPrivateKey);
  return secrets;
}

/** A deep copy of `value` where every string that is one of `secrets` becomes its {@link keyHint}. */
function maskSecrets<T>(value: T, secrets: ReadonlySet<string>): T {
  if (typeof value === 'string') return (secrets.has(value) ? keyHint(value) : value) as T;
  if (Array.isArray(value)) return value.map(item => maskSecrets(item, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, maskSecrets(item, secrets)]),
    ) as T;
  }
  return value;
}

/** Directories of written key files, removed on exit. */
const keyFileDirs: string[] = [];

/**
 * Writes each Antom client's generated keys to PEM files in a fresh temporary directory (mode 0600) and
 * adds their paths to the info, for SDKs that read keys from files. Keys from --config are not written
 * (they are masked, and the operator has them already).
 */
function writeAntomKeyFiles(info: SandboxInfo, secrets: ReadonlySet<string>): SandboxInfo {
  if (info.antomClients.length === 0) return info;
  const dir = mkdtempSync(join(tmpdir(), 'alipay-sandbox-antom-'));
  // Throw-away material: removed when the sandbox stops (SIGINT/SIGTERM).
  keyFileDirs.push(dir);
  const write = (name: string, pem: string): string => {
    const path = join(dir, name);
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  };
  return {
    ...info,
    antomClients: info.antomClients.map(c => {
      const out = { ...c };
      const safe = c.clientId.replace(/[^A-Za-z0-9_]/g, '_');
      if (c.privateKey && !secrets.has(c.privateKey))
        out.privateKeyFile = write(`${safe}-merchant-private.pem`, c.privateKey);
      out.publicKeyFile = write(`${safe}-merchant-public.pem`, c.publicKey);
      out.antomPublicKeyFile = write(`${safe}-antom-public.pem`, c.antomPublicKey);
      return out;
    }),
  };
}

function humanText(info: SandboxInfo): string {
  const lines: string[] = [];
  lines.push('');
  lines.push('Alipay sandbox is running / 支付宝沙箱已启动');
  lines.push(`  Home 首页:                 ${info.url}/`);
  lines.push(`  Legacy gateway 旧版网关:    ${info.legacyGateway}`);
  lines.push(`  OpenAPI gateway 开放平台:   ${info.openapiGateway}`);
  lines.push(
    `  Control API 控制接口:       ${info.controlApi}/ (pay, clock/advance, deliveries, faults, reset)`,
  );
  lines.push(`  Time scale 时间倍率:        ${info.timeScale}`);
  lines.push('');
  lines.push(
    `Test buyer 测试买家: ${info.buyer.email}  password 密码: ${info.buyer.password} (cashier 登录密码, confirm receipt 支付密码; pre-filled 已预填)`,
  );
  lines.push('');
  lines.push('Merchants 商户 (partner + MD5 key):');
  for (const m of info.merchants) {
    lines.push(`  ${m.partner}  ${m.name}  seller ${m.sellerEmail}  key ${m.key}`);
    lines.push(`      contract 签约接口: ${m.contract.join(', ')}`);
  }
  lines.push('');
  lines.push('Apps 应用 (OpenAPI RSA2; keys in the JSON line above 密钥见上方 JSON):');
  for (const a of info.apps) {
    lines.push(
      `  ${a.appId}  ${a.name}  products ${a.products.join(',')}${a.certificates ? '  certificate mode 证书模式' : ''}`,
    );
  }
  lines.push('');
  lines.push(
    `Antom 跨境 (cross-border), gateway 网关 ${info.antomGateway} (keys in the JSON line 密钥见 JSON):`,
  );
  for (const c of info.antomClients) {
    lines.push(
      `  ${c.clientId}  ${c.name}  ${c.apiPrefix}/v1/payments/…  methods ${c.paymentMethods.join(',')}`,
    );
    if (c.privateKeyFile) lines.push(`      merchant private key 商户私钥: ${c.privateKeyFile}`);
    if (c.antomPublicKeyFile) lines.push(`      Antom public key Antom 公钥: ${c.antomPublicKeyFile}`);
  }
  lines.push('  Antom notifications must be answered with HTTP 200 and exactly');
  lines.push(
    '  {"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}} or they are retried.',
  );
  lines.push('');
  lines.push(
    'Cashier hints 收银台提示: send the buyer to the gateway URL; the cashier has #pay and #cancel;',
  );
  lines.push(
    '  the escrow buyer confirms receipt at /buyer/trades/<trade_no>. Notifications must be answered',
  );
  lines.push('  with exactly "success" (7 bytes) or they are retried.');
  lines.push(
    'Generated keys above are throw-away test material — never use them for real money. Keys from --config',
  );
  lines.push('  are shown masked (••••, length, sha256): you have them in your file.');
  lines.push(
    '以上自动生成的密钥为测试材料，切勿用于真实资金。来自 --config 的密钥只显示掩码（长度与 sha256 指纹）。',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'time-scale': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const options: SandboxOptions = { port: values.port === undefined ? 7010 : Number(values.port) };
  if (!Number.isInteger(options.port) || options.port! < 0 || options.port! > 65535)
    throw new Error('--port must be 0–65535');
  if (values.host) options.host = values.host;
  // Warn before listening: the warning must be seen even when the start fails or is piped away.
  if (options.host && !isLoopbackHost(options.host))
    process.stderr.write(`${nonLoopbackWarning(options.host)}\n`);
  if (values['time-scale'] !== undefined) {
    const scale = Number(values['time-scale']);
    if (!(scale > 0)) throw new Error('--time-scale must be a positive number');
    options.timeScale = scale;
  }
  let fromConfig = new Set<string>();
  if (values.config) {
    const input = await loadConfigFile(values.config);
    options.config = input;
    fromConfig = secretsOf(input);
  }
  const sandbox = await startSandbox(options);
  const info = maskSecrets(writeAntomKeyFiles(sandbox.info(), fromConfig), fromConfig);
  process.stdout.write(`${JSON.stringify(info)}\n${humanText(info)}\n`);
  const stop = (): void => {
    for (const dir of keyFileDirs) rmSync(dir, { recursive: true, force: true });
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  const message =
    error instanceof SandboxConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`alipay-sandbox: ${message}\n`);
  process.exit(1);
});
