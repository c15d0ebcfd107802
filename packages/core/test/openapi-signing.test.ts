import { afterEach, describe, expect, it } from 'vitest';
import { parseAlipayConfig } from '../src/config';
import type { OpenApiConfig } from '../src/config/openapi';
import { OpenApiClient, openApiSignString, outRequestNoFor, signOpenApiParams } from '../src/openapi/client';
import { toPublicKey } from '../src/sign/keys';
import { rsaVerify } from '../src/sign/rsa';
import { byId, fixture, vectors } from './fixtures/openapi/vectors';

describe('signOpenApiParams: published known answers', () => {
  for (const id of ['chloerei-sdk-execute', 'chloerei-page-execute-url']) {
    it(`${id}: same sign as chloerei/alipay`, () => {
      const vector = byId(vectors.rsa2RequestSigning, id);
      const params = Object.fromEntries(new URLSearchParams(vector.query!));
      const { sign: expected, ...unsigned } = params;
      expect(unsigned['sign_type']).toBe('RSA2');
      expect(signOpenApiParams(unsigned, fixture(vector.privateKeyFile!))).toBe(expected);
      // sign_type and the certificate SNs are part of the signed string.
      expect(openApiSignString(params)).toContain('&sign_type=RSA2&');
      expect(openApiSignString(params)).toMatch(/^alipay_root_cert_sn=.*&app_cert_sn=/);
      expect(openApiSignString(params)).not.toContain('sign=');
    });
  }

  it('yansongda cert-mode payload: same sign as yansongda/pay, key given as one-line base64', () => {
    const vector = byId(vectors.rsa2RequestSigning, 'yansongda-cert-mode');
    expect(vector.privateKeyBase64).not.toContain('BEGIN');
    expect(signOpenApiParams(vector.params!, vector.privateKeyBase64!)).toBe(vector.expectedSign);
  });

  it('drops empty values and ignores an existing sign', () => {
    expect(openApiSignString({ b: '2', a: '1', empty: '', sign: 'x', sign_type: 'RSA2' })).toBe(
      'a=1&b=2&sign_type=RSA2',
    );
  });
});

const ysSigning = byId(vectors.rsa2RequestSigning, 'yansongda-cert-mode');

function yansongdaCertConfig(): OpenApiConfig {
  return parseAlipayConfig({
    generation: 'openapi',
    appId: '9021000122682882',
    appPrivateKey: ysSigning.privateKeyBase64!,
    appCertificate: fixture('yansongda-pay/alipayAppPublicCert.crt'),
    alipayCertificate: fixture('yansongda-pay/alipayPublicCert.crt'),
    alipayRootCertificate: fixture('yansongda-pay/alipayRootCert.crt'),
  }) as OpenApiConfig;
}

describe('OpenApiClient.signedParams', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => {
    process.env['TZ'] = originalTz;
  });

  it('reproduces yansongda’s cert-mode request byte for byte: SNs computed from the certificates, Beijing timestamp', () => {
    const client = new OpenApiClient({
      config: yansongdaCertConfig(),
      // 2023-12-21 06:54:37 in Beijing is 22:54:37 UTC the day before.
      now: () => new Date('2023-12-20T22:54:37Z'),
    });
    const params = client.signedParams(
      'alipay.trade.query',
      { out_trade_no: '1703141270' },
      { notifyUrl: 'http://hk.ysdor.cn/index.php', returnUrl: 'http://hk.ysdor.cn/index.php' },
    );
    const { sign, ...rest } = params;
    expect(rest).toEqual(ysSigning.params);
    expect(sign).toBe(ysSigning.expectedSign);
  });

  it('writes the timestamp in Asia/Shanghai whatever the process time zone', () => {
    process.env['TZ'] = 'America/New_York';
    const instant = new Date(Date.UTC(2024, 0, 1, 16, 30, 5));
    expect(instant.getHours()).toBe(11); // the zone change took effect
    const client = new OpenApiClient({ config: yansongdaCertConfig(), now: () => instant });
    expect(client.signedParams('alipay.trade.query', { out_trade_no: '1' })['timestamp']).toBe(
      '2024-01-02 00:30:05',
    );
    process.env['TZ'] = 'Pacific/Kiritimati'; // UTC+14
    expect(client.signedParams('alipay.trade.query', { out_trade_no: '1' })['timestamp']).toBe(
      '2024-01-02 00:30:05',
    );
  });

  it('uses the real clock by default, in Beijing time', () => {
    process.env['TZ'] = 'America/New_York';
    const client = new OpenApiClient({ config: yansongdaCertConfig() });
    const before = Date.now();
    const timestamp = client.signedParams('alipay.trade.query', { out_trade_no: '1' })['timestamp']!;
    const beijing = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'short',
      timeStyle: 'medium',
    }).format(before);
    expect(Math.abs(Date.parse(`${timestamp}Z`) - Date.parse(`${beijing}Z`))).toBeLessThanOrEqual(2000);
  });

  it('signs exactly the biz_content string it sends, and the whole set verifies with the app public key', () => {
    const config = yansongdaCertConfig();
    const client = new OpenApiClient({ config, now: () => new Date(0) });
    const params = client.signedParams('alipay.trade.refund', {
      out_trade_no: 'o',
      refund_amount: '1.00',
      note: '退款 "x" / y',
    });
    expect(params['biz_content']).toBe(
      '{"out_trade_no":"o","refund_amount":"1.00","note":"退款 \\"x\\" / y"}',
    );
    expect(params['app_cert_sn']).toBe('e90dd23a37c5c7b616e003970817ff82');
    expect(params['alipay_root_cert_sn']).toBe(
      '687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6',
    );
    const appPublicKey = toPublicKey(config.appPrivateKey);
    expect(rsaVerify(openApiSignString(params), params['sign']!, appPublicKey, 'RSA2')).toBe(true);
  });
});

describe('outRequestNoFor', () => {
  it('uses a refund ID that already fits as is', () => {
    expect(outRequestNoFor('refund_123')).toBe('refund_123');
    expect(outRequestNoFor('A'.repeat(64))).toBe('A'.repeat(64));
  });

  it('hashes anything else into a stable, valid number', () => {
    const ids = ['re_01HZ-XY', 'refund/1', '退款1', 'A'.repeat(65), 'a b', 'x:y'];
    const numbers = ids.map(outRequestNoFor);
    for (const [i, number] of numbers.entries()) {
      expect(number).toMatch(/^[A-Za-z0-9_]{1,64}$/);
      expect(number).toHaveLength(64);
      expect(outRequestNoFor(ids[i]!)).toBe(number); // stable across calls
    }
    expect(new Set(numbers).size).toBe(ids.length);
    // Pinned: a change here would make retried refunds after an upgrade refund twice.
    expect(outRequestNoFor('re_01HZ-XY')).toBe(
      'h_453dd33ad5fe2c895ce0a7b6f1c8e8d4e67d9499743dfaf40a057c8ec0746b',
    );
  });

  it('refuses an empty refund ID', () => {
    expect(() => outRequestNoFor('')).toThrow(TypeError);
  });
});
