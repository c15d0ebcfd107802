import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANTOM_REGION_HOSTS, AntomClient, antomApiPath } from '../src/antom/client';
import { AntomResultError } from '../src/antom/result';
import type { AntomClientOptions } from '../src/antom/types';
import { AlipayConfigError, AlipayNetworkError, AlipayResponseError, MoneyError } from '../src/errors';
import {
  type AntomAnswer,
  type AntomRecorded,
  antomKeys,
  antomSign,
  envelope,
  startAntom,
} from './helpers/antom-gateway';

const LIVE_ID = '2188120000000001';
const SANDBOX_ID = 'SANDBOX_5Y3A2N2YEB3D0AB4';
const NOW = new Date('2026-12-06T10:00:00.000Z');

let antom: Awaited<ReturnType<typeof startAntom>>;
let respond: (request: AntomRecorded) => AntomAnswer;

beforeAll(async () => {
  antom = await startAntom(request => respond(request));
});
afterAll(() => antom.close());
beforeEach(() => {
  antom.requests.length = 0;
  respond = () => ({ body: envelope('F', 'UNEXPECTED') });
});

function client(overrides: Partial<AntomClientOptions> = {}): AntomClient {
  return new AntomClient({
    clientId: LIVE_ID,
    merchantPrivateKey: antomKeys.merchantPrivate,
    antomPublicKey: antomKeys.antomPublic,
    gateway: antom.origin,
    now: () => NOW,
    http: { retries: 2, retryDelayMs: 1, timeoutMs: 3_000 },
    ...overrides,
  });
}

const PAY = {
  paymentRequestId: 'order-1001-attempt-1',
  referenceOrderId: 'order-1001',
  orderDescription: '蓝色马克杯 Blue mug',
  amountMinor: 1099,
  currency: 'USD',
  paymentMethodType: 'ALIPAY_CN',
  paymentRedirectUrl: 'https://shop.example/return?order=1001',
  paymentNotifyUrl: 'https://shop.example/antom/notify',
};

const IN_PROCESS = {
  ...envelope('U', 'PAYMENT_IN_PROCESS', 'payment in process'),
  paymentRequestId: PAY.paymentRequestId,
  paymentId: '20261206194010800100188000000001',
  normalUrl: 'https://open-na-global.alipay.com/cashier?token=abc',
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('pay (CASHIER_PAYMENT)', () => {
  it('signs the exact body it sends and returns normalUrl for PAYMENT_IN_PROCESS', async () => {
    respond = () => ({ body: IN_PROCESS });
    const result = await client().pay({ ...PAY, settlementCurrency: 'usd' });
    expect(result).toEqual({
      outcome: 'redirect',
      paymentRequestId: PAY.paymentRequestId,
      paymentId: IN_PROCESS.paymentId,
      normalUrl: IN_PROCESS.normalUrl,
      result: IN_PROCESS.result,
    });
    const [request] = antom.requests;
    expect(request!.path).toBe('/ams/api/v1/payments/pay');
    // The double verified the signature with the merchant public key over the bytes it received.
    expect(request!.signatureValid).toBe(true);
    expect(request!.keyVersion).toBe('1');
    expect(request!.headers['client-id']).toBe(LIVE_ID);
    expect(request!.headers['request-time']).toBe('2026-12-06T10:00:00+00:00');
    expect(request!.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(request!.json).toEqual({
      productCode: 'CASHIER_PAYMENT',
      paymentRequestId: PAY.paymentRequestId,
      order: {
        referenceOrderId: 'order-1001',
        orderDescription: '蓝色马克杯 Blue mug',
        orderAmount: { currency: 'USD', value: '1099' },
        env: { terminalType: 'WEB' },
      },
      paymentAmount: { currency: 'USD', value: '1099' },
      paymentMethod: { paymentMethodType: 'ALIPAY_CN' },
      paymentRedirectUrl: PAY.paymentRedirectUrl,
      paymentNotifyUrl: PAY.paymentNotifyUrl,
      env: { terminalType: 'WEB' },
      settlementStrategy: { settlementCurrency: 'USD' },
    });
  });

  it('sends the key version, WAP with its OS, and amounts per currency (JPY without decimals)', async () => {
    respond = () => ({ body: IN_PROCESS });
    await client({ keyVersion: 3 }).pay({
      ...PAY,
      amountMinor: 1500,
      currency: 'jpy',
      terminalType: 'WAP',
      osType: 'IOS',
    });
    const [request] = antom.requests;
    expect(request!.signatureValid).toBe(true);
    expect(request!.keyVersion).toBe('3');
    expect(request!.json['paymentAmount']).toEqual({ currency: 'JPY', value: '1500' });
    expect(request!.json['env']).toEqual({ terminalType: 'WAP', osType: 'IOS' });
  });

  it('returns a redirectActionForm when Antom gives no normalUrl', async () => {
    const form = { method: 'POST', redirectUrl: 'https://cashier.example/pay', parameters: 'a=1&b=2' };
    respond = () => ({ body: { ...envelope('U', 'PAYMENT_IN_PROCESS'), redirectActionForm: form } });
    const result = await client().pay(PAY);
    expect(result).toMatchObject({ outcome: 'redirect', redirectActionForm: form });
    expect(result).not.toHaveProperty('normalUrl');
  });

  it('U is never success: UNKNOWN_EXCEPTION, or PAYMENT_IN_PROCESS without a URL, is "unknown"', async () => {
    respond = () => ({ body: envelope('U', 'UNKNOWN_EXCEPTION') });
    expect(await client().pay(PAY)).toEqual({
      outcome: 'unknown',
      paymentRequestId: PAY.paymentRequestId,
      result: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U', resultMessage: 'UNKNOWN_EXCEPTION' },
    });
    respond = () => ({ body: envelope('U', 'PAYMENT_IN_PROCESS') });
    expect((await client().pay(PAY)).outcome).toBe('unknown');
    // Even a U that says SUCCESS stays unknown.
    respond = () => ({ body: { ...envelope('U', 'SUCCESS'), normalUrl: 'https://x.example' } });
    expect((await client().pay(PAY)).outcome).toBe('unknown');
  });

  it('S is paid', async () => {
    respond = () => ({ body: { ...envelope('S', 'SUCCESS'), paymentId: 'p-1' } });
    expect(await client().pay(PAY)).toMatchObject({ outcome: 'paid', paymentId: 'p-1' });
  });

  it('a signed F throws AntomResultError with a bilingual hint', async () => {
    respond = () => ({ body: envelope('F', 'CURRENCY_NOT_SUPPORT', 'currency not supported') });
    const error = (await rejection(client().pay(PAY))) as AntomResultError;
    expect(error).toBeInstanceOf(AntomResultError);
    expect(error.gatewayCode).toBe('CURRENCY_NOT_SUPPORT');
    expect(error.gatewayMessage).toBe('currency not supported');
    expect(error.hint.zh).toMatch(/币种/);
    expect(error.api).toBe('pay');
  });

  it('refuses bad amounts before sending anything (IDR must end in 00)', async () => {
    await expect(client().pay({ ...PAY, currency: 'IDR', amountMinor: 1500050 })).rejects.toThrow(MoneyError);
    await expect(client().pay({ ...PAY, amountMinor: 10.5 })).rejects.toThrow(MoneyError);
    await expect(client().pay({ ...PAY, currency: 'XXX' })).rejects.toThrow(MoneyError);
    expect(antom.requests).toHaveLength(0);
    respond = () => ({ body: IN_PROCESS });
    await client().pay({ ...PAY, currency: 'IDR', amountMinor: 1500000 });
    expect(antom.requests[0]!.json['paymentAmount']).toEqual({ currency: 'IDR', value: '1500000' });
  });

  it('is never retried automatically (it creates a payment)', async () => {
    respond = () => ({ status: 503, body: 'busy', sign: false });
    await expect(client().pay(PAY)).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(antom.requests).toHaveLength(1);
  });
});

describe('answer verification', () => {
  it('an unsigned F is accepted as the failure it reports', async () => {
    respond = () => ({ body: envelope('F', 'SIGNATURE_INVALID', 'signature invalid'), sign: false });
    const error = (await rejection(client().pay(PAY))) as AntomResultError;
    expect(error).toBeInstanceOf(AntomResultError);
    expect(error.gatewayCode).toBe('SIGNATURE_INVALID');
    expect(error.hint.en).toMatch(/private key/);
  });

  it('an unsigned S or U is refused: it could be forged', async () => {
    respond = () => ({ body: { ...envelope('S', 'SUCCESS'), paymentId: 'p-1' }, sign: false });
    await expect(client().pay(PAY)).rejects.toBeInstanceOf(AlipayResponseError);
    respond = () => ({ body: IN_PROCESS, sign: false });
    await expect(client().pay(PAY)).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('a tampered body is refused, never parsed', async () => {
    respond = () => ({
      body: IN_PROCESS,
      tamper: body => body.replace('cashier?token=abc', 'evil.example/x'),
    });
    const error = (await rejection(client().pay(PAY))) as AlipayResponseError;
    expect(error).toBeInstanceOf(AlipayResponseError);
    expect(error.message).toMatch(/does not verify/);
    expect(error.hint.zh).toMatch(/Antom 公钥/);
  });

  it('an answer signed with another key (the merchant’s own) is refused', async () => {
    respond = () => ({ body: IN_PROCESS, signWith: antomKeys.merchantPrivate });
    await expect(client().pay(PAY)).rejects.toThrow(/does not verify/);
  });

  it('an answer signed for another client ID is refused', async () => {
    respond = request => {
      const body = JSON.stringify(IN_PROCESS);
      const signature = antomSign(request.path, 'OTHER_CLIENT', 't', body, antomKeys.antomPrivate);
      return {
        body,
        headers: {
          'client-id': 'OTHER_CLIENT',
          'response-time': 't',
          signature: `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`,
        },
      };
    };
    await expect(client().pay(PAY)).rejects.toThrow(/another client ID/);
  });

  it('a garbled signature header, or a missing response-time, is refused', async () => {
    respond = () => ({ body: IN_PROCESS, headers: { signature: 'algorithm=RSA256,keyVersion=1' } });
    await expect(client().pay(PAY)).rejects.toThrow(/unreadable signature/);
    respond = () => ({ body: IN_PROCESS, headers: { signature: 'signature=%%%' } });
    await expect(client().pay(PAY)).rejects.toThrow(/does not verify/);
    respond = () => ({ body: IN_PROCESS, headers: { 'response-time': '' } });
    await expect(client().pay(PAY)).rejects.toThrow(/response-time/);
  });

  it('a signed answer that is not a result envelope is refused', async () => {
    respond = () => ({ body: 'not json' });
    await expect(client().pay(PAY)).rejects.toThrow(/not UTF-8 JSON/);
    respond = () => ({ body: { result: { resultCode: 'SUCCESS', resultStatus: 'X' } } });
    await expect(client().pay(PAY)).rejects.toThrow(/result envelope/);
  });

  it('accepts a signature with + and / sent without URL encoding, and a header with spaces', async () => {
    // Find a response whose signature holds both + and /, then send it raw, with spaces in the header.
    let raw = '';
    respond = request => {
      const body = JSON.stringify(IN_PROCESS);
      const time = '2026-12-06T18:00:00+08:00';
      raw = antomSign(request.path, LIVE_ID, time, body, antomKeys.antomPrivate);
      return {
        body,
        headers: {
          'client-id': LIVE_ID,
          'response-time': time,
          signature: `signature=${raw}, keyVersion=1, algorithm=RSA256`,
        },
      };
    };
    expect((await client().pay(PAY)).outcome).toBe('redirect');
    expect(raw).toMatch(/\+/);
    expect(raw).toMatch(/\//);
  });
});

describe('paths and hosts', () => {
  it('a SANDBOX_ client ID uses /ams/sandbox/api; the signature covers that path', async () => {
    respond = () => ({ body: IN_PROCESS });
    await client({ clientId: SANDBOX_ID }).pay(PAY);
    expect(antom.requests[0]!.path).toBe('/ams/sandbox/api/v1/payments/pay');
    expect(antom.requests[0]!.signatureValid).toBe(true);
    expect(antomApiPath(SANDBOX_ID, 'refund')).toBe('/ams/sandbox/api/v1/payments/refund');
    expect(antomApiPath(LIVE_ID, 'inquiryPayment')).toBe('/ams/api/v1/payments/inquiryPayment');
    // Only the prefix counts: a client ID merely containing SANDBOX_ is live.
    expect(antomApiPath('X_SANDBOX_1', 'pay')).toBe('/ams/api/v1/payments/pay');
  });

  it('a gateway with a path prefix signs the full path sent', async () => {
    respond = () => ({ body: IN_PROCESS });
    await client({ gateway: `${antom.origin}/antom/` }).pay(PAY);
    expect(antom.requests[0]!.path).toBe('/antom/ams/api/v1/payments/pay');
    expect(antom.requests[0]!.signatureValid).toBe(true);
  });

  it.each([
    ['NA', 'open-na-global.alipay.com'],
    ['SEA', 'open-sea-global.alipay.com'],
    ['DE', 'open-de-global.alipay.com'],
    ['US', 'open.antglobal-us.com'],
  ] as const)('region %s calls https://%s', async (region, host) => {
    expect(ANTOM_REGION_HOSTS[region]).toBe(`https://${host}`);
    respond = () => ({ body: IN_PROCESS });
    const called: string[] = [];
    // Route the regional URL to the local double over real HTTP, recording where the client aimed.
    const forward: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      called.push(url.href);
      return fetch(`${antom.origin}${url.pathname}`, init);
    };
    const regional = new AntomClient({
      clientId: LIVE_ID,
      merchantPrivateKey: antomKeys.merchantPrivate,
      antomPublicKey: antomKeys.antomPublic,
      region,
      http: { fetch: forward },
    });
    expect(regional.gateway).toBe(`https://${host}`);
    expect((await regional.pay(PAY)).outcome).toBe('redirect');
    expect(called).toEqual([`https://${host}/ams/api/v1/payments/pay`]);
  });
});

describe('inquiryPayment', () => {
  it('returns the paymentStatus and amount of an S answer', async () => {
    respond = () => ({
      body: {
        ...envelope('S', 'SUCCESS', '成功'),
        paymentStatus: 'SUCCESS',
        paymentRequestId: PAY.paymentRequestId,
        paymentId: 'p-1',
        paymentAmount: { currency: 'USD', value: '1099' },
        paymentTime: '2026-12-06T18:00:05+08:00',
        paymentMethodType: 'ALIPAY_CN',
      },
    });
    const result = await client().inquiryPayment({ paymentRequestId: PAY.paymentRequestId });
    expect(result).toMatchObject({
      outcome: 'known',
      paymentStatus: 'SUCCESS',
      paymentId: 'p-1',
      amountMinor: 1099,
      currency: 'USD',
      paymentMethodType: 'ALIPAY_CN',
    });
    expect(antom.requests[0]!.path).toBe('/ams/api/v1/payments/inquiryPayment');
    expect(antom.requests[0]!.json).toEqual({ paymentRequestId: PAY.paymentRequestId });
    expect(antom.requests[0]!.signatureValid).toBe(true);
  });

  it('PROCESSING, CANCELLED, FAIL and PENDING are reported as they are', async () => {
    for (const status of ['PROCESSING', 'CANCELLED', 'FAIL', 'PENDING']) {
      respond = () => ({ body: { ...envelope('S', 'SUCCESS'), paymentStatus: status } });
      expect(await client().inquiryPayment({ paymentId: 'p-1' })).toMatchObject({
        outcome: 'known',
        paymentStatus: status,
      });
    }
  });

  it('ORDER_NOT_EXIST is not_found; U is unknown; a bad paymentStatus or a SUCCESS without amount is refused', async () => {
    respond = () => ({ body: envelope('F', 'ORDER_NOT_EXIST') });
    expect((await client().inquiryPayment({ paymentId: 'p-1' })).outcome).toBe('not_found');
    respond = () => ({ body: { ...envelope('U', 'UNKNOWN_EXCEPTION'), paymentStatus: 'SUCCESS' } });
    expect((await client().inquiryPayment({ paymentId: 'p-1' })).outcome).toBe('unknown');
    respond = () => ({ body: { ...envelope('S', 'SUCCESS'), paymentStatus: 'PAID' } });
    await expect(client().inquiryPayment({ paymentId: 'p-1' })).rejects.toBeInstanceOf(AlipayResponseError);
    respond = () => ({ body: { ...envelope('S', 'SUCCESS'), paymentStatus: 'SUCCESS' } });
    await expect(client().inquiryPayment({ paymentId: 'p-1' })).rejects.toThrow(/without paymentAmount/);
    await expect(client().inquiryPayment({})).rejects.toThrow(TypeError);
  });

  it('is retried on network trouble (it moves nothing)', async () => {
    let calls = 0;
    respond = () => {
      calls++;
      return calls === 1
        ? { status: 502, body: 'bad gateway', sign: false }
        : { body: { ...envelope('S', 'SUCCESS'), paymentStatus: 'PROCESSING' } };
    };
    expect((await client().inquiryPayment({ paymentId: 'p-1' })).outcome).toBe('known');
    expect(antom.requests).toHaveLength(2);
  });
});

describe('refund', () => {
  const REFUND = {
    paymentId: 'p-1',
    refundRequestId: 'refund-1001-1',
    amountMinor: 500,
    currency: 'USD',
    refundReason: 'returned',
    refundNotifyUrl: 'https://shop.example/antom/notify',
  };

  it('passes the caller’s refundRequestId through unchanged, on every attempt', async () => {
    respond = () => ({
      body: {
        ...envelope('S', 'SUCCESS'),
        refundId: 'r-1',
        refundRequestId: REFUND.refundRequestId,
        refundAmount: { currency: 'USD', value: '500' },
        refundTime: '2026-12-06T18:02:00+08:00',
      },
    });
    const first = await client().refund(REFUND);
    const second = await client().refund(REFUND);
    expect(first).toEqual({
      outcome: 'refunded',
      refundRequestId: 'refund-1001-1',
      refundId: 'r-1',
      amountMinor: 500,
      refundTime: '2026-12-06T18:02:00+08:00',
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'SUCCESS' },
    });
    expect(second).toEqual(first);
    expect(antom.requests.map(r => r.json)).toEqual([
      {
        refundRequestId: 'refund-1001-1',
        paymentId: 'p-1',
        refundAmount: { currency: 'USD', value: '500' },
        refundReason: 'returned',
        refundNotifyUrl: 'https://shop.example/antom/notify',
      },
      {
        refundRequestId: 'refund-1001-1',
        paymentId: 'p-1',
        refundAmount: { currency: 'USD', value: '500' },
        refundReason: 'returned',
        refundNotifyUrl: 'https://shop.example/antom/notify',
      },
    ]);
    expect(antom.requests.every(r => r.path === '/ams/api/v1/payments/refund' && r.signatureValid)).toBe(
      true,
    );
  });

  it('U (REFUND_IN_PROCESS) is unknown, not refunded; F throws; network trouble is not retried', async () => {
    respond = () => ({ body: envelope('U', 'REFUND_IN_PROCESS') });
    expect(await client().refund(REFUND)).toMatchObject({
      outcome: 'unknown',
      refundRequestId: 'refund-1001-1',
    });
    respond = () => ({ body: envelope('F', 'REFUND_AMOUNT_EXCEED') });
    await expect(client().refund(REFUND)).rejects.toBeInstanceOf(AntomResultError);
    antom.requests.length = 0;
    respond = () => ({ status: 500, body: 'oops', sign: false });
    await expect(client().refund(REFUND)).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(antom.requests).toHaveLength(1);
  });

  it('refuses an unusable refundRequestId or a refund amount in another currency', async () => {
    await expect(client().refund({ ...REFUND, refundRequestId: '' })).rejects.toThrow(TypeError);
    await expect(client().refund({ ...REFUND, refundRequestId: 'x'.repeat(65) })).rejects.toThrow(TypeError);
    expect(antom.requests).toHaveLength(0);
    respond = () => ({
      body: { ...envelope('S', 'SUCCESS'), refundAmount: { currency: 'EUR', value: '500' } },
    });
    await expect(client().refund(REFUND)).rejects.toThrow(/invalid refundAmount/);
  });
});

describe('cancel', () => {
  it('S is cancelled, U is unknown', async () => {
    respond = () => ({
      body: { ...envelope('S', 'SUCCESS'), paymentId: 'p-1', paymentRequestId: 'q-1', cancelTime: 't' },
    });
    expect(await client().cancel({ paymentRequestId: 'q-1' })).toMatchObject({
      outcome: 'cancelled',
      paymentId: 'p-1',
      cancelTime: 't',
    });
    expect(antom.requests[0]!.path).toBe('/ams/api/v1/payments/cancel');
    expect(antom.requests[0]!.json).toEqual({ paymentRequestId: 'q-1' });
    respond = () => ({ body: envelope('U', 'UNKNOWN_EXCEPTION') });
    expect((await client().cancel({ paymentId: 'p-1' })).outcome).toBe('unknown');
    respond = () => ({ body: envelope('F', 'ORDER_STATUS_INVALID') });
    await expect(client().cancel({ paymentId: 'p-1' })).rejects.toBeInstanceOf(AntomResultError);
  });
});

describe('network and configuration', () => {
  it('an unreachable host and a timeout are AlipayNetworkError', async () => {
    const closed = await startAntom(() => ({ body: IN_PROCESS }));
    const origin = closed.origin;
    await closed.close();
    const error = (await rejection(client({ gateway: origin }).pay(PAY))) as AlipayNetworkError;
    expect(error).toBeInstanceOf(AlipayNetworkError);
    expect(error.failure).toBe('network');
    const slow = await startAntom(() => ({ body: IN_PROCESS }));
    const stall: typeof fetch = (input, init) =>
      new Promise((resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
        void resolve;
        void input;
      });
    const timeout = (await rejection(
      client({ gateway: slow.origin, timeoutMs: 50, http: { fetch: stall } }).pay(PAY),
    )) as AlipayNetworkError;
    await slow.close();
    expect(timeout.failure).toBe('timeout');
  });

  it('unusable options throw AlipayConfigError naming each field, without the key text', () => {
    let error: AlipayConfigError | undefined;
    try {
      new AntomClient({
        clientId: '',
        merchantPrivateKey: 'not a key',
        antomPublicKey: 'nope',
        keyVersion: 'v1',
        region: 'MARS' as never,
      });
    } catch (caught) {
      error = caught as AlipayConfigError;
    }
    expect(error).toBeInstanceOf(AlipayConfigError);
    expect(error!.issues.map(i => i.field).sort()).toEqual(
      ['antomPublicKey', 'clientId', 'keyVersion', 'merchantPrivateKey', 'region'].sort(),
    );
    expect(error!.message).not.toContain('not a key');
    expect(() => client({ gateway: 'ftp://x' })).toThrow(AlipayConfigError);
    // The Antom public key where the private key belongs (and vice versa) is caught at construction.
    expect(() => client({ merchantPrivateKey: antomKeys.antomPublic })).toThrow(AlipayConfigError);
  });
});
