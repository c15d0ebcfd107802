import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { submitCashier } from '../src/testing';
import { antomSuite, callAntom, merchantSign } from './antom-merchant';

/**
 * The Antom gateway over HTTP, as a merchant with its own node:crypto signer sees it: signed pay → the
 * cashier with the shop's and the CNY amount; signature, client and path checks answered with F results;
 * the tolerant Signature header; idempotent paymentRequestId.
 */

const LIVE_CLIENT = '5YBX2N2ZLIVE0001';
const suite = antomSuite('AG', {
  config: { antom: { clients: [{ clientId: 'SANDBOX_5YBX2N2ZSB0001' }, { clientId: LIVE_CLIENT }] } },
});
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

describe('Antom pay (CASHIER_PAYMENT)', () => {
  it('answers a signed pay with a signed U / PAYMENT_IN_PROCESS and a cashier showing both amounts', async () => {
    const body = suite.payBody();
    const answer = await suite.call('pay', body);
    expect(answer.status).toBe(200);
    expect(answer.json.result).toEqual({
      resultCode: 'PAYMENT_IN_PROCESS',
      resultStatus: 'U',
      resultMessage: 'payment in process',
    });
    expect(answer.verified).toBe(true);
    expect(answer.headers.get('client-id')).toBe(suite.client().clientId);
    expect(answer.json.paymentRequestId).toBe(body.paymentRequestId);
    expect(answer.json.paymentAmount).toEqual({ currency: 'USD', value: '1234' });
    expect(answer.json.paymentId).toMatch(/^\d{20,}$/);

    const page = await fetch(answer.json.normalUrl);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('data-testid="total">12.34 USD<');
    // 12.34 USD × 7.2 = 88.848 CNY, rounded half up to the fen.
    expect(html).toContain('data-testid="cny-amount">88.85<');
    expect(html).toContain('1 USD = 7.2 CNY');
  });

  it('follows the currency exponent: JPY has no decimals, IDR must end in 00, at least 0.1 CNY', async () => {
    const jpy = { currency: 'JPY', value: '500' };
    const yen = await suite.call('pay', suite.payBody({ paymentAmount: jpy }));
    expect(yen.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
    const yenPage = await (await fetch(yen.json.normalUrl)).text();
    expect(yenPage).toContain('data-testid="total">500 JPY<');
    expect(yenPage).toContain('data-testid="cny-amount">24.00<');

    const idr = await suite.call('pay', suite.payBody({ paymentAmount: { currency: 'IDR', value: '1050' } }));
    expect(idr.json.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(idr.verified).toBe(true);
    const idrOk = await suite.call(
      'pay',
      suite.payBody({ paymentAmount: { currency: 'IDR', value: '100000' } }),
    );
    expect(idrOk.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');

    const decimal = await suite.call(
      'pay',
      suite.payBody({ paymentAmount: { currency: 'USD', value: '12.34' } }),
    );
    expect(decimal.json.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    const unknown = await suite.call(
      'pay',
      suite.payBody({ paymentAmount: { currency: 'XAU', value: '1' } }),
    );
    expect(unknown.json.result).toMatchObject({ resultCode: 'CURRENCY_NOT_SUPPORT', resultStatus: 'F' });

    const cent = await suite.call('pay', suite.payBody({ paymentAmount: { currency: 'USD', value: '1' } }));
    const centPage = await (await fetch(cent.json.normalUrl)).text();
    expect(centPage).toContain('data-testid="cny-amount">0.10<');
  });

  it('shows no CNY amount for other wallets', async () => {
    const hk = await suite.call('pay', suite.payBody({ paymentMethod: { paymentMethodType: 'ALIPAY_HK' } }));
    const html = await (await fetch(hk.json.normalUrl)).text();
    expect(html).toContain('12.34 USD');
    expect(html).not.toContain('cny-amount');
  });

  it('answers a repeated paymentRequestId with the same answer, and a changed one with REPEAT_REQ_INCONSISTENT', async () => {
    const body = suite.payBody();
    const first = await suite.call('pay', body);
    const again = await suite.call('pay', body);
    expect(again.json).toEqual(first.json);
    const changed = await suite.call('pay', { ...body, paymentAmount: { currency: 'USD', value: '9999' } });
    expect(changed.json.result).toMatchObject({ resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' });
    const payments = (await suite.base.control.antomPayments()).filter(
      p => p.paymentRequestId === body.paymentRequestId,
    );
    expect(payments).toHaveLength(1);
    expect(payments[0]!.value).toBe('1234');
  });

  it('pays at the cashier: redirect to paymentRedirectUrl, payment SUCCESS', async () => {
    const body = suite.payBody();
    const answer = await suite.call('pay', body);
    const html = await (await fetch(answer.json.normalUrl)).text();
    const response = await submitCashier(html, answer.json.normalUrl);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(body.paymentRedirectUrl);
    const payment = await suite.base.control.antomPayment(answer.json.paymentId);
    expect(payment.status).toBe('SUCCESS');
    expect(payment.cnyAmount).toBe('88.85');
  });
});

describe('Antom request checks', () => {
  it('refuses a bad or missing signature with a signed F INVALID_SIGNATURE', async () => {
    const wrongKey = await suite.call('pay', suite.payBody(), { privateKey: otherKey });
    expect(wrongKey.json.result).toMatchObject({ resultCode: 'INVALID_SIGNATURE', resultStatus: 'F' });
    expect(wrongKey.verified).toBe(true);
    const missing = await suite.call('pay', suite.payBody(), { signatureHeader: () => '' });
    expect(missing.json.result).toMatchObject({ resultCode: 'INVALID_SIGNATURE', resultStatus: 'F' });
    const otherAlgorithm = await suite.call('pay', suite.payBody(), {
      signatureHeader: s => `algorithm=RSA,keyVersion=1,signature=${encodeURIComponent(s)}`,
    });
    expect(otherAlgorithm.json.result.resultCode).toBe('INVALID_SIGNATURE');
  });

  it('refuses a body other than the one signed', async () => {
    const body = suite.payBody();
    const client = suite.client();
    const time = String(Date.now());
    const path = `${client.apiPrefix}/v1/payments/pay`;
    const signature = merchantSign(
      `POST ${path}\n${client.clientId}.${time}.${JSON.stringify(body)}`,
      client.privateKey!,
    );
    const response = await fetch(`${suite.base.sandbox.antomGateway}${path}`, {
      method: 'POST',
      headers: {
        'client-id': client.clientId,
        'request-time': time,
        signature: `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`,
      },
      body: JSON.stringify({ ...body, paymentAmount: { currency: 'USD', value: '1' } }),
    });
    expect(((await response.json()) as { result: { resultCode: string } }).result.resultCode).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('refuses an unknown client with an unsigned F', async () => {
    const answer = await suite.call('pay', suite.payBody(), { clientId: 'SANDBOX_UNKNOWN0001' });
    expect(answer.json.result).toMatchObject({ resultCode: 'KEY_NOT_FOUND', resultStatus: 'F' });
    expect(answer.signed).toBe(false);
  });

  it('refuses the wrong path for the client: SANDBOX_ on /ams/api, a live client on /ams/sandbox/api', async () => {
    const onLive = await suite.call('pay', suite.payBody(), { prefix: '/ams/api' });
    expect(onLive.json.result).toMatchObject({ resultCode: 'INVALID_API', resultStatus: 'F' });
    const live = suite.base.sandbox.antomClients.find(c => c.clientId === LIVE_CLIENT)!;
    expect(live.apiPrefix).toBe('/ams/api');
    const liveOnSandbox = await callAntom(suite.base.sandbox.antomGateway, live, 'pay', suite.payBody(), {
      prefix: '/ams/sandbox/api',
    });
    expect(liveOnSandbox.json.result).toMatchObject({ resultCode: 'INVALID_API', resultStatus: 'F' });
    const liveOk = await callAntom(suite.base.sandbox.antomGateway, live, 'pay', suite.payBody());
    expect(liveOk.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
    expect(liveOk.verified).toBe(true);
    const unknownApi = await suite.call('capture', {});
    expect(unknownApi.json.result).toMatchObject({ resultCode: 'INVALID_API', resultStatus: 'F' });
  });

  it('reads the Signature header tolerantly: spaces, order, an unencoded + and an encoded %2B', async () => {
    const spaced = await suite.call('pay', suite.payBody(), {
      signatureHeader: s => `algorithm=RSA256, keyVersion=1, signature=${encodeURIComponent(s)}`,
    });
    expect(spaced.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
    const reordered = await suite.call('pay', suite.payBody(), {
      signatureHeader: s => `signature=${encodeURIComponent(s)} ,algorithm=RSA256 ,keyVersion=1`,
    });
    expect(reordered.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
    // Raw base64 with a '+': a form decoder would turn it into a space and fail the signature.
    let tried = 0;
    let sawPlus = false;
    while (!sawPlus && tried < 20) {
      tried++;
      let raw = '';
      const answer = await suite.call('pay', suite.payBody(), {
        signatureHeader: s => {
          raw = s;
          return `algorithm=RSA256,keyVersion=1,signature=${s}`;
        },
      });
      if (raw.includes('+')) {
        sawPlus = true;
        expect(answer.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
      }
    }
    expect(sawPlus).toBe(true);
  });

  it('signs over the path with its query', async () => {
    const answer = await suite.call('pay', suite.payBody(), { query: 'lang=en&x=1' });
    expect(answer.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
  });

  it('logs Antom calls with the control API', async () => {
    const body = suite.payBody();
    await suite.call('pay', body);
    const calls = await suite.base.control.gatewayCalls({ outTradeNo: body.paymentRequestId });
    expect(calls).toEqual([
      expect.objectContaining({ api: 'antom', name: 'pay', owner: suite.client().clientId }),
    ]);
  });
});
