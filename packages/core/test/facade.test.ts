import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TradeEvent } from '../src/events';
import { type Alipay, createAlipay } from '../src/facade';
import { parseFormBody } from '../src/http/form';
import { buildSignString } from '../src/sign/canonical';
import { md5Sign } from '../src/sign/md5';
import { rsaSign } from '../src/sign/rsa';
import { startResponder } from './helpers/http-responder';
import {
  formBodyBytes as form,
  LEGACY_TEST_KEY,
  LEGACY_TEST_PARTNER,
  signedLegacyNotification as legacyNotification,
} from './helpers/legacy-notification';

const KEY = LEGACY_TEST_KEY;
const PARTNER = LEGACY_TEST_PARTNER;
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = '2021000122600000';
const pem = (k: typeof app.privateKey, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' } as never).toString();

type Answer = { status?: number; body: string; contentType?: string };
let handler: (params: Record<string, string>) => Answer;
let responder: Awaited<ReturnType<typeof startResponder>>;
let legacy: Alipay;
let openapi: Alipay;

function openApiNotification(overrides: Record<string, string> = {}) {
  const params: Record<string, string> = {
    notify_type: 'trade_status_sync',
    notify_id: 'nid-2',
    notify_time: '2026-11-25 10:00:00',
    app_id: APP_ID,
    charset: 'utf-8',
    version: '1.0',
    out_trade_no: 'ORDER-1',
    trade_no: '2026112522001',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '12.34',
    seller_id: '2088000000000001',
    buyer_id: '2088000000000002',
    buyer_logon_id: 'bu***@example.com',
    gmt_payment: '2026-11-25 09:59:59',
    passback_params: 'a%20b',
    ...overrides,
  };
  params['sign_type'] = 'RSA2';
  params['sign'] = rsaSign(buildSignString(params), alipayKeys.privateKey, 'RSA2');
  return params;
}

function openApiAnswer(method: string, body: Record<string, unknown>): Answer {
  const content = JSON.stringify(body);
  const sign = rsaSign(content, alipayKeys.privateKey, 'RSA2');
  return {
    body: `{"${method.replace(/\./g, '_')}_response":${content},"sign":"${sign}"}`,
    contentType: 'application/json',
  };
}

/** Alipay's answer for a trade it never saw (a business error, signed like any answer). */
const TRADE_NOT_EXIST = {
  code: '40004',
  msg: 'Business Failed',
  sub_code: 'ACQ.TRADE_NOT_EXIST',
  sub_msg: '交易不存在',
};

/** A signed successful OpenAPI answer with the method's business fields. */
function openApiSuccess(method: string, fields: Record<string, unknown>): Answer {
  return openApiAnswer(method, { code: '10000', msg: 'Success', ...fields });
}

const xmlOk = '<?xml version="1.0" encoding="utf-8"?><alipay><is_success>T</is_success></alipay>';
const xmlFail = (code: string) =>
  `<?xml version="1.0" encoding="utf-8"?><alipay><is_success>F</is_success><error>${code}</error></alipay>`;

beforeAll(async () => {
  responder = await startResponder(req => {
    const params = {
      ...parseFormBody(req.url.search.slice(1)),
      ...(req.body.length ? parseFormBody(req.body) : {}),
    };
    return handler(params);
  });
  legacy = createAlipay(
    {
      generation: 'legacy',
      interfaceType: 'escrow',
      partnerId: PARTNER,
      key: KEY,
      sellerEmail: 'seller@example.com',
      gateway: `${responder.url}/gateway.do`,
      refundWithoutPassword: true,
    },
    { http: { retries: 0, timeoutMs: 500 } },
  );
  openapi = createAlipay(
    {
      generation: 'openapi',
      products: ['page', 'wap', 'qr'],
      alwaysQrOnDesktop: false,
      appId: APP_ID,
      appPrivateKey: pem(app.privateKey, 'pkcs8'),
      alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
      sellerId: '2088000000000001',
      gateway: `${responder.url}/openapi/gateway.do`,
    },
    { http: { retries: 0, timeoutMs: 500 } },
  );
});
afterAll(() => responder.close());

const order = {
  outTradeNo: 'ORDER-1',
  amountFen: 1234,
  subject: '测试商品',
  notifyUrl: 'https://shop.example/notify',
  returnUrl: 'https://shop.example/return',
};

describe('startPayment', () => {
  it('legacy: the contracted interface as a redirect or a form, whatever the device', async () => {
    const start = await legacy.startPayment({ ...order, shippingFeeFen: 200 }, { device: 'mobile' });
    expect(start.kind).toBe('redirect');
    if (start.kind !== 'redirect') return;
    expect(start.interface).toEqual({ generation: 'legacy', service: 'create_partner_trade_by_buyer' });
    expect(new URL(start.url).searchParams.get('price')).toBe('10.34');
    const asForm = await legacy.startPayment(order, {}, { as: 'form' });
    expect(asForm.kind).toBe('form');
  });

  it('OpenAPI: page on desktop, wap on mobile, QR from precreate', async () => {
    const desktop = await openapi.startPayment(order, { device: 'desktop' });
    expect(desktop.kind === 'redirect' && new URL(desktop.url).searchParams.get('method')).toBe(
      'alipay.trade.page.pay',
    );
    const mobile = await openapi.startPayment(order, {
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile',
    });
    expect(mobile.kind === 'redirect' && new URL(mobile.url).searchParams.get('method')).toBe(
      'alipay.trade.wap.pay',
    );
    handler = () =>
      openApiSuccess('alipay.trade.precreate', {
        out_trade_no: 'ORDER-1',
        qr_code: 'https://qr.alipay.com/abc',
      });
    const qrAlipay = createAlipay({
      generation: 'openapi',
      products: ['page', 'qr'],
      alwaysQrOnDesktop: true,
      appId: APP_ID,
      appPrivateKey: pem(app.privateKey, 'pkcs8'),
      alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
      gateway: `${responder.url}/openapi/gateway.do`,
    });
    const qr = await qrAlipay.startPayment(order, { device: 'desktop' });
    expect(qr).toMatchObject({ kind: 'qr', qrCode: 'https://qr.alipay.com/abc', outTradeNo: 'ORDER-1' });
    if (qr.kind === 'qr') expect(qr.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses non-CNY orders and impossible amounts', async () => {
    await expect(legacy.startPayment({ ...order, currency: 'USD' })).rejects.toThrow(/CNY/);
    await expect(openapi.startPayment({ ...order, amountFen: 0 })).rejects.toThrow();
  });
});

describe('handleNotification', () => {
  it('legacy: raw UTF-8 body → verified event; notify_verify asked with our partner', async () => {
    handler = p => ({ body: p['partner'] === PARTNER && p['notify_id'] === 'nid-1' ? 'true' : 'false' });
    const result = await legacy.handleNotification(
      form(legacyNotification()),
      'application/x-www-form-urlencoded',
    );
    expect(result).toMatchObject({ ok: true, reply: 'success', event: { status: 'paid', amountFen: 1234 } });
  });

  it('legacy: a GBK body with charset=GBK', async () => {
    handler = () => ({ body: 'true' });
    const gbk = createAlipay({
      generation: 'legacy',
      interfaceType: 'direct',
      partnerId: PARTNER,
      key: KEY,
      sellerEmail: 'seller@example.com',
      charset: 'gbk',
      gateway: `${responder.url}/gateway.do`,
    });
    const params = legacyNotification({}, 'gbk');
    const result = await gbk.handleNotification(
      form(params, 'gbk'),
      'application/x-www-form-urlencoded; charset=GBK',
    );
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'trade') expect(result.event.raw['subject']).toBe('测试商品');
  });

  it('OpenAPI: raw body → verified event; values decoded exactly once', async () => {
    const result = await openapi.handleNotification(
      form(openApiNotification()),
      'application/x-www-form-urlencoded; charset=utf-8',
    );
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'trade') {
      // The raw field is what Alipay sent, decoded once; passback is what the merchant passed (it was URL-encoded).
      expect(result.event).toMatchObject({ status: 'paid', amountFen: 1234, appId: APP_ID, passback: 'a b' });
      expect(result.event.raw['passback_params']).toBe('a%20b');
    }
  });

  it('the normalized event has the same shape for both generations', async () => {
    handler = () => ({ body: 'true' });
    const a = await legacy.handleNotification(form(legacyNotification()));
    const b = await openapi.handleNotification(form(openApiNotification()));
    if (!a.ok || !b.ok) throw new Error('both should verify');
    expect(Object.keys(a.event).sort()).toEqual(Object.keys(b.event).sort());
    expect(Object.keys((a.event as TradeEvent).timestamps)).toEqual(
      Object.keys((b.event as TradeEvent).timestamps),
    );
  });

  it('expectations: wrong amount (off by 0.01) and wrong trade are rejected, acknowledged, not retried', async () => {
    handler = () => ({ body: 'true' });
    expect(
      await legacy.handleNotification(form(legacyNotification()), undefined, { amountFen: 1235 }),
    ).toMatchObject({
      ok: false,
      reason: 'wrong_amount',
      retryable: false,
      reply: 'success',
    });
    expect(
      await openapi.handleNotification(form(openApiNotification()), undefined, { amountFen: 1233 }),
    ).toMatchObject({ reason: 'wrong_amount' });
    expect(
      await openapi.handleNotification(form(openApiNotification()), undefined, { outTradeNo: 'ORDER-2' }),
    ).toMatchObject({ reason: 'wrong_trade' });
    expect(
      await openapi.handleNotification(form(openApiNotification()), undefined, {
        outTradeNo: 'ORDER-1',
        amountFen: 1234,
      }),
    ).toMatchObject({ ok: true });
  });

  it('OpenAPI: another app, another seller, a forged sign', async () => {
    expect(
      await openapi.handleNotification(form(openApiNotification({ app_id: '2021000000000009' }))),
    ).toMatchObject({ reason: 'wrong_app', reply: 'fail' });
    expect(
      await openapi.handleNotification(form(openApiNotification({ seller_id: '2088000000000099' }))),
    ).toMatchObject({ reason: 'wrong_seller' });
    const forged = { ...openApiNotification(), total_amount: '0.01' };
    expect(await openapi.handleNotification(form(forged))).toMatchObject({
      reason: 'bad_signature',
      reply: 'fail',
    });
  });

  it('a refund notification is not held to the amount still owed', async () => {
    const refund = openApiNotification({
      refund_fee: '2.00',
      out_biz_no: 'R1',
      gmt_refund: '2026-11-25 11:00:00',
    });
    const result = await openapi.handleNotification(form(refund), undefined, { amountFen: 0 });
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === 'trade')
      expect(result.event).toMatchObject({ refundedFen: 200, refundRequestNo: 'R1' });
  });

  it('malformed bodies are acknowledged and change nothing', async () => {
    expect(await openapi.handleNotification('a=1&a=2')).toMatchObject({
      ok: false,
      reason: 'malformed_body',
      reply: 'success',
    });
    expect(await legacy.handleNotification(Buffer.alloc(100_000, 0x61))).toMatchObject({
      reason: 'malformed_body',
    });
  });
});

describe('handleReturn', () => {
  it('is display-only for both generations and never calls Alipay', async () => {
    const before = responder.requests.length;
    const legacyReturn = legacy.handleReturn(
      new URLSearchParams(legacyNotification({ is_success: 'T' })).toString().replace(/\+/g, '%20'),
    );
    const params = openApiNotification({ method: 'alipay.trade.page.pay.return' });
    delete params['trade_status'];
    params['sign'] = rsaSign(buildSignString(params), alipayKeys.privateKey, 'RSA2');
    const openapiReturn = openapi.handleReturn(params);
    expect(legacyReturn).toMatchObject({ ok: true, event: { displayOnly: true } });
    expect(openapiReturn).toMatchObject({ ok: true, event: { displayOnly: true, source: 'return' } });
    expect(responder.requests.length).toBe(before);
  });
});

describe('server calls through the facade', () => {
  it('queryTrade: both generations give the same event type; not found → null', async () => {
    handler = () =>
      openApiSuccess('alipay.trade.query', {
        out_trade_no: 'ORDER-1',
        trade_no: 'T9',
        trade_status: 'TRADE_SUCCESS',
        total_amount: '12.34',
        buyer_logon_id: 'b***',
      });
    expect(await openapi.queryTrade({ outTradeNo: 'ORDER-1' })).toMatchObject({
      source: 'query',
      status: 'paid',
      amountFen: 1234,
    });
    handler = () => openApiAnswer('alipay.trade.query', TRADE_NOT_EXIST);
    expect(await openapi.queryTrade({ outTradeNo: 'nope' })).toBeNull();
    handler = () => ({ body: xmlFail('TRADE_NOT_EXIST') });
    expect(await legacy.queryTrade({ outTradeNo: 'nope' })).toBeNull();
  });

  it('confirmShipment: a repeat after a lost answer is recognized as already confirmed', async () => {
    handler = () => ({ body: xmlOk });
    expect(await legacy.confirmShipment({ tradeNo: 'T1', carrier: 'SF', trackingNumber: 'SF1' })).toEqual({
      alreadyConfirmed: false,
    });
    const trade = {
      out_trade_no: 'ORDER-1',
      trade_no: 'T1',
      trade_status: 'WAIT_BUYER_CONFIRM_GOODS',
      total_fee: '12.34',
    };
    handler = p =>
      p['service'] === 'send_goods_confirm_by_platform'
        ? { body: xmlFail('TRADE_STATUS_NOT_AVAILD') }
        : {
            body: `<alipay><is_success>T</is_success><response><trade>${Object.entries(trade)
              .map(([k, v]) => `<${k}>${v}</${k}>`)
              .join(
                '',
              )}</trade></response><sign>${md5Sign(trade, KEY)}</sign><sign_type>MD5</sign_type></alipay>`,
          };
    expect(await legacy.confirmShipment({ tradeNo: 'T1', carrier: 'SF' })).toEqual({
      alreadyConfirmed: true,
    });
  });

  it('refund: OpenAPI succeeds synchronously with a deterministic request number; legacy nopwd is pending', async () => {
    const seen: string[] = [];
    handler = p => {
      seen.push(JSON.parse(p['biz_content'] ?? '{}').out_request_no);
      return openApiSuccess('alipay.trade.refund', {
        out_trade_no: 'ORDER-1',
        trade_no: 'T9',
        refund_fee: '2.00',
        fund_change: 'Y',
      });
    };
    const first = await openapi.refund({ outTradeNo: 'ORDER-1', refundId: 'refund_1', amountFen: 200 });
    const again = await openapi.refund({ outTradeNo: 'ORDER-1', refundId: 'refund_1', amountFen: 200 });
    expect(first).toMatchObject({ status: 'succeeded', refundedTotalFen: 200 });
    expect(again.refundRequestNo).toBe(first.refundRequestNo);
    expect(seen[0]).toBe(seen[1]);
    handler = () => ({ body: xmlOk });
    expect(
      await legacy.refund({ outTradeNo: 'ORDER-1', tradeNo: 'T1', refundId: 'refund_1', amountFen: 200 }),
    ).toMatchObject({ status: 'pending' });
    const pwd = createAlipay({
      generation: 'legacy',
      interfaceType: 'direct',
      partnerId: PARTNER,
      key: KEY,
      gateway: `${responder.url}/gateway.do`,
    });
    const outcome = await pwd.refund({
      outTradeNo: 'ORDER-1',
      tradeNo: 'T1',
      refundId: 'refund_1',
      amountFen: 200,
    });
    expect(outcome.status).toBe('requires_action');
    if (outcome.status === 'requires_action')
      expect(outcome.confirmUrl).toContain('refund_fastpay_by_platform_pwd');
  });

  it('closeTrade: a trade Alipay never saw has nothing to close', async () => {
    handler = () => openApiAnswer('alipay.trade.close', TRADE_NOT_EXIST);
    expect(await openapi.closeTrade({ outTradeNo: 'ORDER-1' })).toEqual({ existed: false });
    handler = () => ({ body: xmlOk });
    expect(await legacy.closeTrade({ outTradeNo: 'ORDER-1' })).toEqual({ existed: true });
  });
});

describe('testCredentials', () => {
  it('"trade not found" means the credentials work', async () => {
    handler = () => ({ body: xmlFail('TRADE_NOT_EXIST') });
    expect(await legacy.testCredentials()).toMatchObject({ ok: true });
    handler = () => openApiAnswer('alipay.trade.query', TRADE_NOT_EXIST);
    expect(await openapi.testCredentials()).toMatchObject({ ok: true });
  });
  it('a signature or partner error says which', async () => {
    handler = () => ({ body: xmlFail('ILLEGAL_SIGN') });
    const sign = await legacy.testCredentials();
    expect(sign).toMatchObject({ ok: false, code: 'ILLEGAL_SIGN' });
    expect(sign.message.en).toMatch(/security key/);
    handler = () => ({ body: xmlFail('ILLEGAL_PARTNER') });
    expect(await legacy.testCredentials()).toMatchObject({ ok: false, code: 'ILLEGAL_PARTNER' });
    handler = () =>
      openApiAnswer('alipay.trade.query', {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: 'isv.invalid-app-id',
        sub_msg: '无效的AppID参数',
      });
    expect(await openapi.testCredentials()).toMatchObject({ ok: false, code: 'isv.invalid-app-id' });
  });
  it('a wrong Alipay public key shows as an unverifiable answer', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    handler = () => {
      const content = JSON.stringify(TRADE_NOT_EXIST);
      return {
        body: `{"alipay_trade_query_response":${content},"sign":"${rsaSign(content, other.privateKey, 'RSA2')}"}`,
      };
    };
    const result = await openapi.testCredentials();
    expect(result.ok).toBe(false);
  });
  it('no network → not ok, retryable cause named', async () => {
    const offline = createAlipay(
      {
        generation: 'legacy',
        interfaceType: 'direct',
        partnerId: PARTNER,
        key: KEY,
        gateway: 'http://127.0.0.1:9/gateway.do',
      },
      { http: { retries: 0, timeoutMs: 300 } },
    );
    expect(await offline.testCredentials()).toMatchObject({ ok: false, code: 'NETWORK_NETWORK' });
  });
  it('HAS_NO_PRIVILEGE on the query still proves partner and key, with a warning', async () => {
    handler = () => ({ body: xmlFail('HAS_NO_PRIVILEGE') });
    const result = await legacy.testCredentials();
    expect(result.ok).toBe(true);
    expect(result.message.en).toMatch(/not in the contract/);
  });
});
