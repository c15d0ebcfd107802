import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAlipayConfig, safeParseAlipayConfig, settingsToConfig } from '../src/config';
import { resolveSettingsPolicy } from '../src/config/policy';
import { AlipayConfigError, type ConfigIssue } from '../src/errors';
import { checkDeviceCoverage } from '../src/select';
import { maskSecret } from '../src/settings-fields';

const legacy = {
  generation: 'legacy',
  interfaceType: 'direct',
  partnerId: '2088101122136241',
  key: 'abcdefghijklmnopqrstuvwxyz012345',
  sellerEmail: 'seller@example.com',
};

function issuesOf(input: unknown): ConfigIssue[] {
  const result = safeParseAlipayConfig(input);
  return result.ok ? [] : result.issues;
}
function fields(input: unknown): string[] {
  return issuesOf(input).map(i => i.field);
}

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof app.privateKey, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' } as never).toString();
const openapi = {
  generation: 'openapi',
  products: ['page', 'wap'],
  appId: '2021000122600000',
  appPrivateKey: pem(app.privateKey, 'pkcs8'),
  alipayPublicKey: pem(alipay.publicKey, 'spki'),
};

describe('legacy configuration', () => {
  it('accepts a valid config and applies defaults', () => {
    const config = parseAlipayConfig(legacy);
    expect(config).toMatchObject({
      charset: 'utf-8',
      signType: 'MD5',
      gateway: 'https://mapi.alipay.com/gateway.do',
      refundWithoutPassword: false,
    });
  });

  it('defaults the seller to the partner (B2C)', () => {
    const { sellerEmail: _s, ...noSeller } = legacy;
    expect(parseAlipayConfig(noSeller)).toMatchObject({ sellerId: '2088101122136241' });
  });

  it.each([
    ['partnerId', { partnerId: '1234567890123456' }, '2088'],
    ['partnerId', { partnerId: '208810112213624' }, '16-digit'],
    ['key', { key: 'short' }, '32'],
    ['key', { key: undefined }, 'required'],
    ['sellerEmail', { sellerEmail: 'not-an-account' }, 'e-mail'],
    ['sellerId', { sellerId: '123' }, '2088'],
    ['gateway', { gateway: 'ftp://x' }, 'http'],
  ])('%s: a wrong value is named and explained', (field, patch, words) => {
    const issues = issuesOf({ ...legacy, ...patch });
    const issue = issues.find(i => i.field === field);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message.en).toContain(words);
    expect(issue!.message.zh.length).toBeGreaterThan(4);
  });

  it('stray whitespace in pasted values is its own error (添加时不要带有空格)', () => {
    const issues = issuesOf({
      ...legacy,
      partnerId: ' 2088101122136241',
      key: 'abcdefghijklmnopqrstuvwxyz01234 ',
    });
    expect(issues.map(i => i.field).sort()).toEqual(['key', 'partnerId']);
    for (const issue of issues) {
      expect(issue.message.en).toMatch(/spaces/);
      expect(issue.message.zh).toMatch(/空格/);
    }
  });

  it('error messages never contain the key', () => {
    const secret = 'abcdefghijklmnopqrstuvwxyz01234!';
    const issues = issuesOf({ ...legacy, key: secret });
    expect(JSON.stringify(issues)).not.toContain(secret);
    try {
      parseAlipayConfig({ ...legacy, key: secret });
    } catch (error) {
      expect(error).toBeInstanceOf(AlipayConfigError);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('RSA sign type needs both keys', () => {
    expect(fields({ ...legacy, key: undefined, signType: 'RSA' }).sort()).toEqual([
      'alipayPublicKey',
      'merchantPrivateKey',
    ]);
    expect(
      safeParseAlipayConfig({
        ...legacy,
        key: undefined,
        signType: 'RSA',
        merchantPrivateKey: pem(app.privateKey, 'pkcs8'),
        alipayPublicKey: pem(alipay.publicKey, 'spki'),
      }).ok,
    ).toBe(true);
  });
});

describe('OpenAPI configuration', () => {
  it('accepts public-key mode', () => {
    expect(parseAlipayConfig(openapi)).toMatchObject({
      gateway: 'https://openapi.alipay.com/gateway.do',
      alwaysQrOnDesktop: false,
    });
  });

  it('detects the app public key pasted where Alipay’s belongs', () => {
    const issues = issuesOf({ ...openapi, alipayPublicKey: pem(app.publicKey, 'spki') });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('alipayPublicKey');
    expect(issues[0]!.message.en).toMatch(/your app’s own public key/);
    expect(issues[0]!.message.zh).toMatch(/应用公钥/);
  });

  it('refuses a private key in the public key field without echoing it', () => {
    const privatePem = pem(alipay.privateKey, 'pkcs8');
    const issues = issuesOf({ ...openapi, alipayPublicKey: privatePem });
    expect(issues[0]!.message.en).toMatch(/PRIVATE key/);
    expect(JSON.stringify(issues)).not.toContain(privatePem.slice(40, 80));
  });

  it('names bad fields', () => {
    expect(fields({ ...openapi, appId: '123', appPrivateKey: 'garbage' }).sort()).toEqual([
      'appId',
      'appPrivateKey',
    ]);
    expect(fields({ ...openapi, alipayPublicKey: undefined })).toEqual(['alipayPublicKey']);
    expect(fields({ ...openapi, encryptKey: 'short' })).toEqual(['encryptKey']);
    expect(fields({ ...openapi, products: [] })).toContain('interfaceType');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(fields({ ...openapi, appPrivateKey: pem(weak.privateKey, 'pkcs8') })).toEqual(['appPrivateKey']);
  });

  it('certificate mode: all three certificates, from contents or file paths; not mixed with a public key', () => {
    expect(fields({ ...openapi, appCertificate: 'x' }).sort()).toEqual(['alipayPublicKey']);
    const { alipayPublicKey: _k, ...certMode } = openapi;
    const dir = mkdtempSync(join(tmpdir(), 'cert-'));
    const missing = join(dir, 'missing.crt');
    const bad = join(dir, 'bad.crt');
    writeFileSync(bad, 'not a certificate');
    expect(fields({ ...certMode, appCertificate: bad, alipayCertificate: missing }).sort()).toEqual([
      'alipayCertificate',
      'alipayRootCertificate',
      'appCertificate',
    ]);
  });

  it('reports a device no contracted product can serve when settings are saved', () => {
    expect(fields({ ...openapi, products: ['wap'] })).toEqual(['interfaceType']);
    expect(fields({ ...openapi, products: ['page'], alwaysQrOnDesktop: true })).toEqual([
      'alwaysQrOnDesktop',
    ]);
    expect(checkDeviceCoverage(parseAlipayConfig({ ...openapi, products: ['qr'] }))).toEqual([]);
  });

  it('an unknown generation is named', () => {
    expect(fields({ partnerId: '1' })).toEqual(['generation']);
  });
});

describe('admin settings → config', () => {
  it('legacy interface types', () => {
    const result = settingsToConfig(
      {
        interfaceType: 'legacy-escrow',
        partnerId: legacy.partnerId,
        key: legacy.key,
        sellerEmail: '',
        charset: 'GBK',
        refundWithoutPassword: 'true',
        gateway: 'http://127.0.0.1:7010/gateway.do',
        // The offline sandbox on loopback: a development deployment allows it explicitly.
      },
      resolveSettingsPolicy({ allowLoopbackGateway: true }),
    );
    expect(result.ok).toBe(true);
    expect(result.config).toMatchObject({
      generation: 'legacy',
      interfaceType: 'escrow',
      charset: 'gbk',
      refundWithoutPassword: true,
      gateway: 'http://127.0.0.1:7010/gateway.do',
      sellerId: legacy.partnerId,
    });
  });

  it('the legacy gateway has no Alipay sandbox: explained', () => {
    const result = settingsToConfig({
      interfaceType: 'legacy-direct',
      partnerId: legacy.partnerId,
      key: legacy.key,
      gateway: 'sandbox',
    });
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({ field: 'gateway' });
    expect(result.issues[0]!.message.en).toMatch(/no sandbox/);
  });

  it('every settings error at once: a legacy gateway of `sandbox` does not hide a bad partner ID and key', () => {
    const result = settingsToConfig({
      interfaceType: 'legacy-direct',
      partnerId: '123',
      key: 'short',
      gateway: 'sandbox',
    });
    expect(result.ok).toBe(false);
    expect(result.issues.map(issue => issue.field).sort()).toEqual(['gateway', 'key', 'partnerId']);
    expect(result.issues[0]!.message.en).toMatch(/no sandbox/);
  });

  it('OpenAPI interface types map to products; sandbox maps to Alipay’s sandbox host', () => {
    const result = settingsToConfig({
      interfaceType: 'openapi-page-wap-qr',
      appId: openapi.appId,
      appPrivateKey: openapi.appPrivateKey,
      alipayPublicKey: openapi.alipayPublicKey,
      gateway: 'sandbox',
      alwaysQrOnDesktop: true,
    });
    expect(result.config).toMatchObject({
      products: ['page', 'wap', 'qr'],
      alwaysQrOnDesktop: true,
      gateway: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
    });
  });

  it('issues name the settings fields', () => {
    const result = settingsToConfig({ interfaceType: 'openapi-page', appId: '', appPrivateKey: '' });
    expect(result.issues.map(i => i.field).sort()).toEqual(['alipayPublicKey', 'appId', 'appPrivateKey']);
    expect(settingsToConfig({ interfaceType: 'mystery' }).issues[0]!.field).toBe('interfaceType');
  });
});

describe('maskSecret', () => {
  it('shows at most the last 4 characters of long secrets, nothing of short ones', () => {
    expect(maskSecret('abcdefghijklmnopqrstuvwxyz012345')).toBe('••••2345');
    expect(maskSecret('short')).toBe('••••');
    expect(maskSecret('')).toBe('');
  });
});
