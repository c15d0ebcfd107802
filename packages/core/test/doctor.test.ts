import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { diagnoseNotification } from '../src/doctor';
import { buildSignString } from '../src/sign/canonical';
import { rsaSign } from '../src/sign/rsa';
import {
  formBody as body,
  percentEncode as encode,
  LEGACY_TEST_KEY,
  LEGACY_TEST_PARTNER,
  signedLegacyNotification as legacyParams,
} from './helpers/legacy-notification';

const KEY = LEGACY_TEST_KEY;
const legacyConfig = {
  generation: 'legacy',
  interfaceType: 'direct',
  partnerId: LEGACY_TEST_PARTNER,
  key: KEY,
  sellerEmail: 'seller@example.com',
};
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof app.privateKey, type: 'pkcs8' | 'spki' | 'pkcs1') =>
  k.export({ type, format: 'pem' } as never).toString();
const openapiConfig = {
  generation: 'openapi',
  products: ['page'],
  appId: '2021000122600000',
  appPrivateKey: pem(app.privateKey, 'pkcs8'),
  alipayPublicKey: pem(alipay.publicKey, 'spki'),
};

function openapiParams(extra: Record<string, string> = {}, key = alipay.privateKey) {
  const params: Record<string, string> = {
    app_id: openapiConfig.appId,
    notify_id: 'n2',
    out_trade_no: 'O1',
    trade_no: 'T1',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '1.00',
    ...extra,
    sign_type: 'RSA2',
  };
  params['sign'] = rsaSign(buildSignString(params), key, 'RSA2');
  return params;
}

describe('diagnoseNotification: each known mistake is named', () => {
  it('a good notification verifies', () => {
    expect(diagnoseNotification(body(legacyParams()), legacyConfig)).toMatchObject({
      verified: true,
      cause: undefined,
    });
    expect(diagnoseNotification(body(openapiParams()), openapiConfig).verified).toBe(true);
  });

  it('the app public key where Alipay’s belongs', () => {
    const d = diagnoseNotification(body(openapiParams()), {
      ...openapiConfig,
      alipayPublicKey: pem(app.publicKey, 'spki'),
    });
    expect(d.verified).toBe(false);
    expect(d.cause?.id).toBe('app-public-key');
    expect(d.summary.en).toMatch(/app public key/);
  });

  it('GBK bytes signed, UTF-8 configured (body without a charset)', () => {
    const d = diagnoseNotification(body(legacyParams({}, 'gbk'), 'gbk'), legacyConfig);
    expect(d.cause?.id).toBe('charset-gbk');
    expect(d.summary.en).toMatch(/gbk/);
  });

  it('GBK signed, body declared GBK, but the setting says utf-8', () => {
    const d = diagnoseNotification(body(legacyParams({}, 'gbk'), 'gbk'), legacyConfig, {
      contentType: 'application/x-www-form-urlencoded; charset=GBK',
    });
    expect(d.cause?.id).toBe('charset-gbk');
  });

  it('UTF-8 signed but the setting says gbk', () => {
    const d = diagnoseNotification(body(legacyParams()), { ...legacyConfig, charset: 'gbk' });
    expect(d.cause?.id).toBe('charset-utf-8');
  });

  it('a literal + turned into a space on the way', () => {
    const params = openapiParams({
      fund_bill_list: '[{"amount":"1.00","fundChannel":"ALIPAYACCOUNT"}]',
      buyer_logon_id: 'a+b@x.com',
    });
    const broken = body(params).replace(encode('a+b@x.com'), 'a+b%40x.com');
    const d = diagnoseNotification(broken, openapiConfig);
    expect(d.cause?.id).toBe('plus-as-space');
  });

  it('a capture of already-decoded values (decoding twice)', () => {
    const params = openapiParams({ passback_params: 'order%3D1' });
    const capture = Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const d = diagnoseNotification(capture, openapiConfig);
    expect(d.cause?.id).toBe('already-decoded');
  });

  it('values encoded twice on the way', () => {
    const params = legacyParams({ subject: 'a/b c' });
    const twice = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(encodeURIComponent(v))}`)
      .join('&');
    expect(diagnoseNotification(twice, legacyConfig).cause?.id).toBe('encoded-twice');
  });

  it('a field the framework added', () => {
    const d = diagnoseNotification(`${body(legacyParams())}&reference=shop-123`, legacyConfig);
    expect(d.cause?.id).toBe('extra-field:reference');
    expect(d.summary.en).toMatch(/reference/);
  });

  it('sign_type included in the signed string (non-standard legacy notification)', () => {
    const params: Record<string, string> = {
      notify_id: 'n',
      out_trade_no: 'O',
      trade_no: 'T',
      trade_status: 'TRADE_SUCCESS',
      total_fee: '1.00',
      sign_type: 'MD5',
    };
    const presign = buildSignString(params, { exclude: ['sign'] });
    params['sign'] = createHash('md5')
      .update(presign + KEY)
      .digest('hex');
    expect(diagnoseNotification(body(params), legacyConfig).cause?.id).toBe('sign-type-included');
  });

  it('signed with the app’s own key (not from Alipay)', () => {
    const d = diagnoseNotification(body(openapiParams({}, app.privateKey)), openapiConfig);
    expect(d.cause?.id).toBe('signed-with-app-key');
  });

  it('a PKCS#1 key under a PKCS#8/SPKI header', () => {
    const pkcs1Body = pem(alipay.publicKey, 'pkcs1').replace(/-----[^-]+-----/g, '');
    const mislabeled = `-----BEGIN PUBLIC KEY-----${pkcs1Body}-----END PUBLIC KEY-----`;
    const d = diagnoseNotification(body(openapiParams()), { ...openapiConfig, alipayPublicKey: mislabeled });
    expect(d.cause?.id).toBe('key-format');
  });

  it('a wrong MD5 key: nothing else explains it, the summary says to copy the key again', () => {
    const d = diagnoseNotification(body(legacyParams()), {
      ...legacyConfig,
      key: 'zyxwvutsrqponmlkjihgfedcba543210',
    });
    expect(d.verified).toBe(false);
    expect(d.cause).toBeUndefined();
    expect(d.summary.zh).toMatch(/安全校验码/);
  });

  it('reads admin settings too, and reports their problems', () => {
    const d = diagnoseNotification(body(legacyParams()), {
      interfaceType: 'legacy-direct',
      partnerId: '2088101122136241 ',
      key: KEY,
    });
    expect(d.verified).toBe(true);
    expect(d.findings.some(f => f.id === 'config:partnerId')).toBe(true);
  });

  it('never repeats the key in what it reports', () => {
    const d = diagnoseNotification(body(legacyParams()), {
      ...legacyConfig,
      key: 'zyxwvutsrqponmlkjihgfedcba543210',
    });
    expect(JSON.stringify(d)).not.toContain('zyxwvutsrqponmlkjihgfedcba543210');
  });
});

describe('alipay-commerce doctor (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-'));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(legacyConfig));
  });
  function run(args: string[], stdin: string) {
    let out = '';
    let err = '';
    const code = runCli(args, {
      stdin: () => Buffer.from(stdin),
      stdout: t => (out += t),
      stderr: t => (err += t),
    });
    return { code, out, err };
  }

  it('prints the verdict in English and Chinese; exit 0 when it verifies', () => {
    const result = run(['doctor', '--config', join(dir, 'settings.json')], body(legacyParams()));
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/verifies \/ 验签通过/);
  });

  it('reads a whole captured HTTP request, charset from its header; exit 1 with the cause', () => {
    const capture = `POST /payments/alipay/notify HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded; charset=GBK\r\n\r\n${body(legacyParams({}, 'gbk'), 'gbk')}`;
    const result = run(['doctor', '--config', join(dir, 'settings.json')], capture);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/charset-gbk/);
    expect(result.out).toMatch(/字符集/);
  });

  it('usage errors exit 2', () => {
    expect(run(['doctor'], 'x').code).toBe(2);
    expect(run(['nonsense'], '').code).toBe(2);
    expect(run(['doctor', '--config', join(dir, 'missing.json')], 'a=1').code).toBe(2);
  });

  it('the built binary runs with a shebang and reads standard input', () => {
    const cli = join(__dirname, '../dist/cli.js');
    if (!existsSync(cli)) execFileSync('pnpm', ['build'], { cwd: join(__dirname, '..') });
    const result = spawnSync(process.execPath, [cli, 'doctor', '--config', join(dir, 'settings.json')], {
      input: body(legacyParams()),
    });
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(/验签通过/);
  });
});
