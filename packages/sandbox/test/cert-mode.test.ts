import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certSerialNumber,
  publicKeyFromCert,
  rootCertSerialNumber,
  splitCertificates,
} from '@alipay-commerce/core/primitives';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src';
import { callOpenApi, verifyOpenApiResponse } from './helpers';

/** Public-key certificate mode: issued certificates, SN checks, alipay_cert_sn in answers. */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    config: {
      apps: [
        { appId: '2021000000000009', certificates: true, name: 'Cert Shop' },
        { appId: '2021000000000010' },
      ],
    },
  });
});
afterAll(() => sandbox.close());

const certApp = () => sandbox.apps[0]!;
const keyApp = () => sandbox.apps[1]!;

function openssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('certificate mode', () => {
  it('issues an app cert, an Alipay cert and a root bundle whose SNs follow Alipay’s rules', () => {
    const c = certApp().certificates!;
    expect(c.appCertSn).toBe(certSerialNumber(c.appCert));
    expect(c.alipayCertSn).toBe(certSerialNumber(c.alipayCert));
    expect(c.alipayRootCertSn).toBe(rootCertSerialNumber(c.alipayRootCert));
    // Three roots in the bundle, but the ECDSA one does not count: two SNs joined by '_'.
    expect(splitCertificates(c.alipayRootCert)).toHaveLength(3);
    expect(c.alipayRootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
    // The certificates carry the right keys and chain up to the root.
    const appCert = new X509Certificate(c.appCert);
    expect(appCert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(certApp().publicKey);
    expect(publicKeyFromCert(c.alipayCert)).toBe(certApp().alipayPublicKey);
    const [rootRsa, rootEc, class2] = splitCertificates(c.alipayRootCert);
    expect(class2!.verify(rootRsa!.publicKey)).toBe(true);
    expect(rootEc!.verify(rootEc!.publicKey)).toBe(true);
    expect(appCert.verify(class2!.publicKey)).toBe(true);
    expect(appCert.issuer).toContain('Class 2');
    expect(appCert.ca).toBe(false);
    expect(class2!.ca).toBe(true);
  });

  it.runIf(openssl())('openssl verifies the chain', () => {
    const c = certApp().certificates!;
    const dir = mkdtempSync(join(tmpdir(), 'alipay-certs-'));
    writeFileSync(join(dir, 'root.pem'), c.alipayRootCert);
    writeFileSync(join(dir, 'app.pem'), c.appCert);
    const out = execFileSync('openssl', [
      'verify',
      '-CAfile',
      join(dir, 'root.pem'),
      join(dir, 'app.pem'),
    ]).toString();
    expect(out).toContain('OK');
  });

  it('accepts requests with the right SNs and answers with alipay_cert_sn', async () => {
    const res = await callOpenApi(sandbox, certApp(), 'alipay.trade.query', { out_trade_no: 'none' });
    expect(res.json['alipay_cert_sn']).toBe(certApp().certificates!.alipayCertSn);
    expect(res.text).toMatch(/\},"sign":"[^"]+","alipay_cert_sn":"[0-9a-f]{32}"\}$/);
    expect(res.json['alipay_trade_query_response'].sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    expect(
      verifyOpenApiResponse(
        res.text,
        'alipay.trade.query',
        publicKeyFromCert(certApp().certificates!.alipayCert),
      ),
    ).toBe(true);
  });

  it('refuses missing or wrong SNs, and SNs sent by a public-key app', async () => {
    const c = certApp().certificates!;
    const q = { out_trade_no: 'none' };
    const sub = async (extra: Record<string, string>, app = certApp()) =>
      (await callOpenApi(sandbox, app, 'alipay.trade.query', q, extra)).json['alipay_trade_query_response'];
    expect(await sub({ app_cert_sn: '' })).toMatchObject({
      code: '40001',
      sub_code: 'isv.missing-app-cert-sn',
    });
    expect(await sub({ app_cert_sn: 'f'.repeat(32), alipay_root_cert_sn: c.alipayRootCertSn })).toMatchObject(
      {
        code: '40002',
        sub_code: 'isv.app-cert-not-exist',
      },
    );
    expect(await sub({ app_cert_sn: c.appCertSn })).toMatchObject({
      code: '40001',
      sub_code: 'isv.missing-alipay-root-cert-sn',
    });
    // All three roots hashed (the ECDSA one too) is wrong.
    const allThree = splitCertificates(c.alipayRootCert)
      .map(cert => certSerialNumber(cert.toString()))
      .join('_');
    expect(await sub({ app_cert_sn: c.appCertSn, alipay_root_cert_sn: allThree })).toMatchObject({
      code: '40002',
      sub_code: 'isv.invalid-alipay-root-cert-sn',
    });
    expect(
      await sub({ app_cert_sn: c.appCertSn, alipay_root_cert_sn: c.alipayRootCertSn }, keyApp()),
    ).toMatchObject({
      sub_code: 'isv.app-cert-not-exist',
    });
  });

  it('a fixed root CA key and fixed app keys give the same SNs on every start', async () => {
    const cfg = {
      rootCaPrivateKey: sandbox.apps[0]!.privateKey, // any RSA key will do as the CA key
      apps: [{ appId: '2021000000000009', privateKey: certApp().privateKey, certificates: true }],
      alipayKeys: { privateKey: keyApp().privateKey },
    };
    const one = await startSandbox({ config: cfg });
    const two = await startSandbox({ config: cfg });
    try {
      expect(one.apps[0]!.certificates!.appCertSn).toBe(two.apps[0]!.certificates!.appCertSn);
      expect(one.apps[0]!.certificates!.alipayRootCertSn).toBe(two.apps[0]!.certificates!.alipayRootCertSn);
      expect(one.apps[0]!.alipayPublicKey).toBe(keyApp().publicKey);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
