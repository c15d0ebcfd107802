import { describe, expect, it } from 'vitest';
import {
  AlipayGatewayError,
  AlipayResponseError,
  InterfaceNotContractedError,
  NOT_CONTRACTED_HINT,
} from '../src/errors';
import type { OpenApiClient } from '../src/openapi/client';
import { OpenApiSignatureRejectedError } from '../src/openapi/errors';
import * as fake from './helpers/openapi-gateway';

// What an OpenAPI answer becomes when it is not a verified success: an AlipayResponseError when it cannot be
// trusted, a typed gateway error with a bilingual hint when it is a verified (or unsigned error_response) error.
const gateway = fake.useFakeOpenApiGateway();

describe('server calls: answers that must not be trusted', () => {
  const query = () => gateway.client().query({ outTradeNo: 'o' });
  const paid = fake.success({
    trade_no: 't',
    out_trade_no: 'o',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '1.00',
  });

  it('a success answer without sign is an AlipayResponseError', async () => {
    gateway.respond = () => ({ body: fake.signedAnswer('alipay.trade.query', paid, { unsigned: true }) });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('an answer signed with another key, or tampered after signing, is an AlipayResponseError', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.query', paid, { key: fake.strangerKeys.privateKey }),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.query', paid).replace('"1.00"', '"9.00"'),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('an error answer with a bad sign is an AlipayResponseError, not the error it claims', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.query',
        { code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' },
        { key: fake.strangerKeys.privateKey },
      ),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('bodies that are not Alipay answers are AlipayResponseErrors', async () => {
    for (const body of [
      '<html>busy</html>',
      '{"foo_response":{"code":"10000"},"sign":"x"}',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ]) {
      gateway.respond = () => ({ body });
      await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
    }
  });

  it('a verified answer whose trade fields are unusable is an AlipayResponseError', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.query',
        fake.success({ trade_no: 't', out_trade_no: 'o', trade_status: 'TRADE_SUCCESS' }),
      ),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });
});

describe('server calls: error mapping', () => {
  async function errorOf(
    answer: string,
    call: (c: OpenApiClient) => Promise<unknown> = c => c.close({ outTradeNo: 'o' }),
  ) {
    gateway.respond = () => ({ body: answer });
    try {
      await call(gateway.client());
    } catch (error) {
      return error as AlipayGatewayError;
    }
    throw new Error('no error thrown');
  }

  it('ACQ.ACCESS_FORBIDDEN → InterfaceNotContractedError with the contract-list hint', async () => {
    const error = await errorOf(
      fake.signedAnswer('alipay.trade.precreate', {
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.ACCESS_FORBIDDEN',
        sub_msg: '无权限使用接口',
      }),
      c => c.precreate({ outTradeNo: 'o', amountFen: 1, subject: 's' }),
    );
    expect(error).toBeInstanceOf(InterfaceNotContractedError);
    expect(error.code).toBe('INTERFACE_NOT_CONTRACTED');
    expect((error as InterfaceNotContractedError).service).toBe('alipay.trade.precreate');
    expect(error.hint).toEqual(NOT_CONTRACTED_HINT);
    expect(error.hint.zh).toContain('合同列表');
    expect(error.subCode).toBe('ACQ.ACCESS_FORBIDDEN');
  });

  it('40006 isv.insufficient-isv-permissions in an unsigned error_response → InterfaceNotContractedError', async () => {
    const error = await errorOf(
      fake.signedAnswer(
        'alipay.trade.close',
        {
          code: '40006',
          msg: 'Insufficient Permissions',
          sub_code: 'isv.insufficient-isv-permissions',
          sub_msg: 'ISV权限不足',
        },
        { unsigned: true, responseKey: 'error_response' },
      ),
    );
    expect(error).toBeInstanceOf(InterfaceNotContractedError);
    expect(error.gatewayCode).toBe('40006');
  });

  it('isv.invalid-signature without sign: typed error carrying Alipay’s 验签字符串, tokens redacted', async () => {
    const subMsg =
      '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：app_auth_token=202401BBsecret&amp;app_id=2021000000000001&amp;biz_content={"out_trade_no":"o"}&amp;charset=utf-8&amp;method=alipay.trade.close&amp;sign_type=RSA2&amp;timestamp=2024-03-01 10:03:04&amp;version=1.0';
    const error = await errorOf(
      fake.signedAnswer(
        'alipay.trade.close',
        { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: subMsg },
        { unsigned: true },
      ),
    );
    expect(error).toBeInstanceOf(OpenApiSignatureRejectedError);
    expect(error.gatewayCode).toBe('40002');
    expect(error.message).toContain('验签字符串为：');
    expect(error.message).toContain('method=alipay.trade.close');
    expect(error.message).not.toContain('202401BBsecret');
    expect((error as OpenApiSignatureRejectedError).gatewaySignString).toBe(
      'app_auth_token=***&app_id=2021000000000001&biz_content={"out_trade_no":"o"}&charset=utf-8&method=alipay.trade.close&sign_type=RSA2&timestamp=2024-03-01 10:03:04&version=1.0',
    );
    expect(error.hint.zh).toContain('验签');
  });

  it('maps the documented sub-codes to bilingual hints, retryable where trying again helps', async () => {
    const cases: [string, string, boolean, RegExp][] = [
      ['40002', 'isv.invalid-app-id', false, /APPID/],
      ['40002', 'isv.invalid-timestamp', false, /GMT\+8/],
      ['40002', 'isv.app-cert-not-exist', false, /app_cert_sn/],
      ['40002', 'invalid-alipay-root-cert-sn', false, /alipayRootCert\.crt/],
      ['40001', 'isv.missing-signature', false, /required parameter/],
      ['20001', 'aop.invalid-auth-token', false, /app_auth_token/],
      ['40004', 'ACQ.TRADE_HAS_SUCCESS', false, /already paid/],
      ['40004', 'ACQ.TRADE_HAS_CLOSE', false, /closed/],
      ['40004', 'ACQ.TRADE_STATUS_ERROR', false, /state/],
      ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', false, /exceeds what is left to refund/],
      ['40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', false, /balance/],
      ['40004', 'ACQ.SYSTEM_ERROR', true, /temporary/],
      ['20000', 'isp.unknow-error', true, /temporarily unavailable/],
      ['40004', 'ACQ.SOMETHING_NEW', false, /ACQ\.SOMETHING_NEW/],
    ];
    for (const [code, subCode, retryable, hint] of cases) {
      const error = await errorOf(
        fake.signedAnswer('alipay.trade.close', { code, msg: 'm', sub_code: subCode, sub_msg: 'detail' }),
      );
      expect(error, subCode).toBeInstanceOf(AlipayGatewayError);
      expect(error).not.toBeInstanceOf(InterfaceNotContractedError);
      expect(error.gatewayCode).toBe(code);
      expect(error.subCode).toBe(subCode);
      expect(error.retryable, subCode).toBe(retryable);
      expect(error.hint.en, subCode).toMatch(hint);
      expect(error.hint.zh.length, subCode).toBeGreaterThan(0);
    }
  });
});
