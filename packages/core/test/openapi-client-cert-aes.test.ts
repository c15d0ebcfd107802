import { execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlipayConfig } from '../src/config';
import type { OpenApiConfig } from '../src/config/openapi';
import { AlipayConfigError, AlipayResponseError } from '../src/errors';
import { OpenApiClient, openApiSignString } from '../src/openapi/client';
import { aesDecrypt, aesEncrypt } from '../src/sign/aes';
import { certSerialNumber, rootCertSerialNumber } from '../src/sign/cert';
import * as fake from './helpers/openapi-gateway';

// The OpenAPI client's two optional modes: AES content encryption and certificate (公钥证书) mode.
const gateway = fake.useFakeOpenApiGateway();

describe('AES content encryption', () => {
  const encryptKey = 'aYA0GP8JEW+D7/UFaskCWA==';

  it('encrypts biz_content, signs encrypt_type, and decrypts a signed encrypted answer', async () => {
    const answerPlain = fake.alipayJson(
      fake.success({
        trade_no: 't',
        out_trade_no: 'o',
        trade_status: 'TRADE_FINISHED',
        total_amount: '5.00',
      }),
    );
    // Alipay signs the JSON string value, quotes included, then the client decrypts.
    const quotedCipher = JSON.stringify(aesEncrypt(answerPlain, encryptKey));
    gateway.respond = () => ({ body: fake.signedAnswer('alipay.trade.query', quotedCipher) });
    const event = await gateway.client({ encryptKey }).query({ outTradeNo: 'o' });
    expect(event?.status).toBe('finished');
    const [request] = gateway.requests;
    expect(request!.query['encrypt_type']).toBe('AES');
    expect(aesDecrypt(request!.form['biz_content']!, encryptKey)).toBe('{"out_trade_no":"o"}');
    fake.expectSignedByApp(fake.allParams(request!));
  });

  it('refuses an encrypted answer that is unsigned, or that the key cannot decrypt', async () => {
    const quotedCipher = JSON.stringify(aesEncrypt(fake.alipayJson(fake.success({})), encryptKey));
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.close', quotedCipher, { unsigned: true }),
    });
    await expect(gateway.client({ encryptKey }).close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(
      AlipayResponseError,
    );
    gateway.respond = () => ({ body: fake.signedAnswer('alipay.trade.close', quotedCipher) });
    const otherKey = Buffer.alloc(16, 7).toString('base64');
    await expect(gateway.client({ encryptKey: otherKey }).close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(
      AlipayResponseError,
    );
    await expect(gateway.client().close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(AlipayResponseError);
  });
});

describe('certificate mode', () => {
  let dir: string;
  let certs: { app: string; alipay: string; root: string; otherAlipay: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alipay-client-cert-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.crt',
      '-days',
      '2',
      '-subj',
      '/C=CN/O=Test/CN=Test Root',
    );
    const issue = (name: string, key: KeyObject, subject: string, serial: string) => {
      writeFileSync(join(dir, `${name}.key`), fake.pem(key));
      openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'root.crt',
        '-CAkey',
        'root.key',
        '-set_serial',
        serial,
        '-days',
        '2',
        '-out',
        `${name}.crt`,
      );
      return readFileSync(join(dir, `${name}.crt`), 'utf8');
    };
    certs = {
      app: issue('app', fake.appKeys.privateKey, `/C=CN/O=Shop/CN=${fake.APP_ID}`, '0x1001'),
      alipay: issue('alipay', fake.alipayKeys.privateKey, '/C=CN/O=Alipay/CN=alipay', '0x2002'),
      otherAlipay: issue('stranger', fake.strangerKeys.privateKey, '/C=CN/O=Alipay/CN=alipay', '0x3003'),
      root: readFileSync(join(dir, 'root.crt'), 'utf8'),
    };
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function certClient(alipayCertificate = certs.alipay): OpenApiClient {
    const cfg = parseAlipayConfig({
      generation: 'openapi',
      appId: fake.APP_ID,
      appPrivateKey: fake.pem(fake.appKeys.privateKey),
      appCertificate: certs.app,
      alipayCertificate,
      alipayRootCertificate: certs.root,
      gateway: gateway.url,
    }) as OpenApiConfig;
    return new OpenApiClient({ config: cfg, http: fake.HTTP, now: () => fake.NOW });
  }

  it('sends and signs app_cert_sn and alipay_root_cert_sn; verifies answers with the Alipay certificate’s key', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.close', fake.success({}), {
        certSn: certSerialNumber(certs.alipay),
      }),
    });
    const c = certClient();
    const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(der(c.alipayVerifyKey)).toBe(der(fake.alipayKeys.publicKey));
    await c.close({ tradeNo: 't' });
    const params = fake.allParams(gateway.requests[0]!);
    expect(params['app_cert_sn']).toBe(certSerialNumber(certs.app));
    expect(params['alipay_root_cert_sn']).toBe(rootCertSerialNumber(certs.root));
    expect(openApiSignString(params)).toMatch(
      /^alipay_root_cert_sn=[0-9a-f]{32}&app_cert_sn=[0-9a-f]{32}&app_id=/,
    );
    fake.expectSignedByApp(params);
  });

  it('says the Alipay certificate rotated when the answer names another alipay_cert_sn and fails to verify', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.close', fake.success({}), {
        key: fake.strangerKeys.privateKey,
        certSn: certSerialNumber(certs.otherAlipay),
      }),
    });
    const error = await certClient()
      .close({ tradeNo: 't' })
      .catch((e: unknown) => e as AlipayResponseError);
    expect(error).toBeInstanceOf(AlipayResponseError);
    expect((error as AlipayResponseError).hint.en).toMatch(/renewed/);
  });

  it('throws AlipayConfigError at construction when a certificate is unreadable', () => {
    const cfg = {
      ...gateway.config(),
      alipayPublicKey: undefined,
      appCertificate: certs.app,
      alipayCertificate: 'garbage',
      alipayRootCertificate: certs.root,
    };
    expect(() => new OpenApiClient({ config: cfg })).toThrow(AlipayConfigError);
    expect(
      () => new OpenApiClient({ config: { ...gateway.config(), alipayPublicKey: 'not a key' } }),
    ).toThrow(AlipayConfigError);
  });
});
