import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlipayConfig } from '../src/config';
import { type LegacyConfig } from '../src/config/legacy';
import {
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  InterfaceNotContractedError,
} from '../src/errors';
import { parseFormBody } from '../src/http/form';
import { parseLegacyXml } from '../src/http/xml';
import { LegacyClient, legacyBatchNoFor } from '../src/legacy/client';
import { md5Sign, md5Verify } from '../src/sign/md5';
import { startResponder } from './helpers/http-responder';
import { sharedVectors } from './helpers/vectors';

const KEY = 'abcdefghijklmnopqrstuvwxyz012345';
const PARTNER = '2088101122136241';

function config(overrides: Partial<LegacyConfig> = {}): LegacyConfig {
  return parseAlipayConfig({
    generation: 'legacy',
    interfaceType: 'direct',
    partnerId: PARTNER,
    key: KEY,
    sellerEmail: 'seller@example.com',
    gateway: 'https://mapi.alipay.com/gateway.do',
    ...overrides,
  }) as LegacyConfig;
}

function queryOf(url: string, charset = 'utf-8'): Record<string, string> {
  return { ...parseFormBody(new URL(url).search.slice(1), `x; charset=${charset}`) };
}

const order = {
  outTradeNo: 'ORDER-1001',
  subject: '测试商品 Test',
  amountFen: 1234,
  notifyUrl: 'https://shop.example/payments/alipay/notify',
  returnUrl: 'https://shop.example/payments/alipay/return',
};

describe('legacy create interfaces', () => {
  it('create_direct_pay_by_user: all parameters, signed over the raw values', () => {
    const client = new LegacyClient({ config: config() });
    const request = client.createDirectPayByUser({
      ...order,
      body: 'desc',
      showUrl: 'https://shop.example/p/1',
      timeoutMinutes: 90,
      passback: 'channel-1',
      buyerIp: '10.0.0.1',
    });
    expect(request.url.startsWith('https://mapi.alipay.com/gateway.do?')).toBe(true);
    const params = queryOf(request.url);
    expect(params).toMatchObject({
      service: 'create_direct_pay_by_user',
      partner: PARTNER,
      _input_charset: 'utf-8',
      out_trade_no: 'ORDER-1001',
      subject: '测试商品 Test',
      payment_type: '1',
      total_fee: '12.34',
      seller_email: 'seller@example.com',
      body: 'desc',
      show_url: 'https://shop.example/p/1',
      it_b_pay: '90m',
      extra_common_param: 'channel-1',
      exter_invoke_ip: '10.0.0.1',
      notify_url: order.notifyUrl,
      return_url: order.returnUrl,
      sign_type: 'MD5',
    });
    expect(params['sign']).toBe(md5Sign(params, KEY));
    expect(md5Verify(params, KEY)).toBe(true);
    expect(request.params).toEqual(params);
  });

  it('it_b_pay uses whole hours and days', () => {
    const client = new LegacyClient({ config: config() });
    expect(queryOf(client.createDirectPayByUser({ ...order, timeoutMinutes: 120 }).url)['it_b_pay']).toBe(
      '2h',
    );
    expect(queryOf(client.createDirectPayByUser({ ...order, timeoutMinutes: 2880 }).url)['it_b_pay']).toBe(
      '2d',
    );
  });

  it('create_partner_trade_by_buyer: price excludes the logistics fee, receiver details kept', () => {
    const client = new LegacyClient({ config: config({ interfaceType: 'escrow' }) });
    const request = client.createPayment({
      ...order,
      amountFen: 10_800,
      shippingFeeFen: 800,
      receiver: { name: '李一啸', mobile: '13764886276' },
    });
    const params = queryOf(request.url);
    expect(params).toMatchObject({
      service: 'create_partner_trade_by_buyer',
      price: '100.00',
      quantity: '1',
      logistics_type: 'EXPRESS',
      logistics_fee: '8.00',
      logistics_payment: 'BUYER_PAY',
      receive_name: '李一啸',
      receive_mobile: '13764886276',
    });
    expect(params['total_fee']).toBeUndefined();
    expect(md5Verify(params, KEY)).toBe(true);
  });

  it('trade_create_by_buyer for virtual goods: DIRECT logistics, no fee', () => {
    const client = new LegacyClient({ config: config({ interfaceType: 'dual' }) });
    const params = queryOf(client.createPayment({ ...order, goods: 'virtual' }).url);
    expect(params).toMatchObject({
      service: 'trade_create_by_buyer',
      price: '12.34',
      logistics_type: 'DIRECT',
      logistics_fee: '0.00',
      logistics_payment: 'SELLER_PAY',
    });
  });

  it('C2C: the seller is chosen per call, the partner stays the same', () => {
    const client = new LegacyClient({ config: config() });
    const params = queryOf(
      client.createDirectPayByUser({ ...order, seller: { email: 'shop-owner-7@example.com' } }).url,
    );
    expect(params['seller_email']).toBe('shop-owner-7@example.com');
    expect(params['partner']).toBe(PARTNER);
    const byId = queryOf(client.createDirectPayByUser({ ...order, seller: { id: '2088000000000007' } }).url);
    expect(byId['seller_id']).toBe('2088000000000007');
    expect(byId['seller_email']).toBeUndefined();
  });

  it('GBK merchants: the URL carries GBK bytes and the signature covers them', () => {
    const client = new LegacyClient({ config: config({ charset: 'gbk' }) });
    const request = client.createDirectPayByUser(order);
    expect(request.url).toContain('subject=%B2%E2%CA%D4%C9%CC%C6%B7'); // 测试商品 in GBK
    const params = queryOf(request.url, 'gbk');
    expect(params['subject']).toBe('测试商品 Test');
    expect(params['_input_charset']).toBe('gbk');
    expect(md5Verify(params, KEY, { charset: 'gbk' })).toBe(true);
    expect(md5Verify(params, KEY, { charset: 'utf-8' })).toBe(false);
  });

  it('the POST form: charset in the action URL, escaped values, auto-submit', () => {
    const client = new LegacyClient({ config: config() });
    const request = client.createDirectPayByUser({ ...order, subject: 'a "quoted" <b>' });
    expect(request.html).toContain('action="https://mapi.alipay.com/gateway.do?_input_charset=utf-8"');
    expect(request.html).toContain('accept-charset="utf-8"');
    expect(request.html).toContain('value="a &quot;quoted&quot; &lt;b&gt;"');
    expect(request.html).not.toContain('<b>');
    expect(request.html).toContain('.submit()');
  });

  it('refuses extra_common_param with = or &, and bad shipping fees', () => {
    const client = new LegacyClient({ config: config({ interfaceType: 'escrow' }) });
    expect(() => client.createDirectPayByUser({ ...order, passback: 'a=b' })).toThrow(/extra_common_param/);
    expect(() => client.createPartnerTradeByBuyer({ ...order, shippingFeeFen: 1234 })).toThrow();
  });

  it('never puts the key in the URL or the form', () => {
    const client = new LegacyClient({ config: config() });
    const request = client.createDirectPayByUser(order);
    expect(request.url).not.toContain(KEY);
    expect(request.html).not.toContain(KEY);
  });
});

describe('legacy server calls (against a local responder)', () => {
  let responder: Awaited<ReturnType<typeof startResponder>>;
  let answer: (params: Record<string, string>) => { status?: number; body: string; delayMs?: number };
  beforeAll(async () => {
    responder = await startResponder(req => answer({ ...parseFormBody(req.url.search.slice(1)) }));
  });
  afterAll(() => responder.close());
  const client = (overrides: Partial<LegacyConfig> = {}, http = {}) =>
    new LegacyClient({
      config: config({ gateway: `${responder.url}/gateway.do`, ...overrides }),
      http: { retryDelayMs: 1, ...http },
    });

  const ok = '<?xml version="1.0" encoding="utf-8"?><alipay><is_success>T</is_success></alipay>';
  const fail = (code: string) =>
    `<?xml version="1.0" encoding="utf-8"?><alipay><is_success>F</is_success><error>${code}</error></alipay>`;

  it('send_goods_confirm_by_platform sends a signed request with trade_no and logistics', async () => {
    answer = () => ({ body: ok });
    await client().sendGoodsConfirmByPlatform({
      tradeNo: '2015051900001000980052833539',
      logisticsName: 'SF Express',
      invoiceNo: 'SF123',
    });
    const sent = parseFormBody(responder.requests.at(-1)!.url.search.slice(1));
    expect(sent).toMatchObject({
      service: 'send_goods_confirm_by_platform',
      trade_no: '2015051900001000980052833539',
      logistics_name: 'SF Express',
      invoice_no: 'SF123',
      transport_type: 'EXPRESS',
    });
    expect(md5Verify(sent, KEY)).toBe(true);
  });

  it('HAS_NO_PRIVILEGE becomes InterfaceNotContractedError with the contract hint', async () => {
    answer = () => ({ body: fail('HAS_NO_PRIVILEGE') });
    const error = await client()
      .sendGoodsConfirmByPlatform({ tradeNo: 'T1', logisticsName: 'x' })
      .catch(e => e);
    expect(error).toBeInstanceOf(InterfaceNotContractedError);
    expect(error.service).toBe('send_goods_confirm_by_platform');
    expect(error.hint.zh).toContain('合同列表');
    expect(error.hint.en).toContain('contract');
    answer = () => ({ body: fail('ILLEGAL_PARTNER_EXTERFACE') });
    expect(
      await client()
        .closeTrade({ outTradeNo: 'x' })
        .catch(e => e),
    ).toBeInstanceOf(InterfaceNotContractedError);
  });

  it('other gateway errors keep their code and hint', async () => {
    answer = () => ({ body: fail('ILLEGAL_SIGN') });
    const error = await client()
      .closeTrade({ outTradeNo: 'x' })
      .catch(e => e);
    expect(error).toBeInstanceOf(AlipayGatewayError);
    expect(error.gatewayCode).toBe('ILLEGAL_SIGN');
    expect(error.hint.en).toMatch(/security key/);
    expect(error.message).not.toContain(KEY);
  });

  it('close_trade sends out_order_no (not out_trade_no)', async () => {
    answer = () => ({ body: ok });
    await client().closeTrade({ outTradeNo: 'ORDER-9' });
    const sent = parseFormBody(responder.requests.at(-1)!.url.search.slice(1));
    expect(sent['out_order_no']).toBe('ORDER-9');
    expect(sent['out_trade_no']).toBeUndefined();
  });

  it('single_trade_query verifies the signed XML and returns a query event', async () => {
    const trade = {
      out_trade_no: 'ORDER-1001',
      trade_no: '2015051900001000980052833539',
      trade_status: 'WAIT_SELLER_SEND_GOODS',
      total_fee: '12.34',
      buyer_email: 'buyer@example.com',
      seller_email: 'seller@example.com',
      gmt_payment: '2015-05-19 09:20:35',
    };
    const xml = (sign: string) =>
      `<?xml version="1.0" encoding="utf-8"?><alipay><is_success>T</is_success><request><param name="service">single_trade_query</param></request><response><trade>${Object.entries(
        trade,
      )
        .map(([k, v]) => `<${k}>${v}</${k}>`)
        .join('')}</trade></response><sign>${sign}</sign><sign_type>MD5</sign_type></alipay>`;
    answer = () => ({ body: xml(md5Sign(trade, KEY)) });
    const event = await client().singleTradeQuery({ outTradeNo: 'ORDER-1001' });
    expect(event).toMatchObject({
      type: 'trade',
      source: 'query',
      displayOnly: false,
      status: 'paid_awaiting_shipment',
      amountFen: 1234,
      outTradeNo: 'ORDER-1001',
      timestamps: { paid: '2015-05-19 09:20:35' },
    });
    answer = () => ({ body: xml(md5Sign({ ...trade, total_fee: '0.01' }, KEY)) });
    await expect(client().singleTradeQuery({ outTradeNo: 'ORDER-1001' })).rejects.toBeInstanceOf(
      AlipayResponseError,
    );
    answer = () => ({ body: fail('TRADE_NOT_EXIST') });
    expect(await client().singleTradeQuery({ outTradeNo: 'nope' })).toBeNull();
  });

  it('notify_verify: only the body "true" counts; notify_id is not encoded twice', async () => {
    answer = p =>
      ({
        body: p['notify_id'] === 'RqPnCoPT3K9/vwbh3' ? 'true' : 'false', // Alipay decodes the query once: the id it stored has a '/' where the notification showed %2F.
        contentType: 'text/plain',
      }) as never;
    expect(await client().notifyVerify('RqPnCoPT3K9%2Fvwbh3')).toBe(true);
    expect(responder.requests.at(-1)!.url.search).toContain('notify_id=RqPnCoPT3K9%2Fvwbh3');
    expect(responder.requests.at(-1)!.url.search).toContain(`partner=${PARTNER}`);
    expect(await client().notifyVerify('other')).toBe(false);
    answer = () => ({ body: 'invalid' });
    expect(await client().notifyVerify('x')).toBe(false);
    answer = () => ({ body: 'true\n' });
    expect(await client().notifyVerify('x')).toBe(true);
  });

  it('notify_verify: HTTP 500 and timeouts become retryable network errors (after bounded retries)', async () => {
    answer = () => ({ status: 500, body: 'boom' });
    const before = responder.requests.length;
    const error = await client({}, { retries: 2 })
      .notifyVerify('x')
      .catch(e => e);
    expect(error).toBeInstanceOf(AlipayNetworkError);
    expect(error.retryable).toBe(true);
    expect(responder.requests.length - before).toBe(3);
    answer = () => ({ body: 'true', delayMs: 500 });
    const timeout = await client({}, { timeoutMs: 50, retries: 0 })
      .notifyVerify('x')
      .catch(e => e);
    expect(timeout).toBeInstanceOf(AlipayNetworkError);
    expect(timeout.failure).toBe('timeout');
  });

  it('refunds are never retried automatically', async () => {
    answer = () => ({ status: 502, body: '' });
    const before = responder.requests.length;
    await expect(
      client({ refundWithoutPassword: true }).refundNoPassword({
        batchNo: '20260101001',
        items: [{ tradeNo: 'T1', amountFen: 100 }],
      }),
    ).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(responder.requests.length - before).toBe(1);
  });

  it('refund_fastpay_by_platform_nopwd: detail_data, batch_num, refund_date; duplicate batch is reported', async () => {
    answer = () => ({ body: ok });
    const now = new Date('2026-03-01T16:30:00Z'); // 2026-03-02 00:30 in Beijing
    const c = new LegacyClient({
      config: config({ gateway: `${responder.url}/gateway.do` }),
      now: () => now,
    });
    const batchNo = legacyBatchNoFor('refund_01', now);
    expect(batchNo).toMatch(/^20260302[0-9]{24}$/);
    expect(legacyBatchNoFor('refund_01', now)).toBe(batchNo);
    expect(legacyBatchNoFor('refund_02', now)).not.toBe(batchNo);
    const result = await c.refundNoPassword({
      batchNo,
      items: [{ tradeNo: '2013091142096412', amountFen: 1, reason: 'broken # item ^ x' }],
      notifyUrl: 'https://shop.example/payments/alipay/notify',
    });
    expect(result).toEqual({ batchNo, alreadySubmitted: false });
    const sent = parseFormBody(responder.requests.at(-1)!.url.search.slice(1));
    expect(sent).toMatchObject({
      service: 'refund_fastpay_by_platform_nopwd',
      batch_no: batchNo,
      batch_num: '1',
      detail_data: '2013091142096412^0.01^broken   item   x',
      refund_date: '2026-03-02 00:30:00',
      seller_email: 'seller@example.com',
    });
    expect(md5Verify(sent, KEY)).toBe(true);
    answer = () => ({ body: fail('DUPLICATE_BATCH_NO') });
    expect(await c.refundNoPassword({ batchNo, items: [{ tradeNo: 'T', amountFen: 1 }] })).toEqual({
      batchNo,
      alreadySubmitted: true,
    });
  });

  it('refunds name a seller given by ID seller_user_id', () => {
    const byId = client({ sellerEmail: undefined, sellerId: '2088000000000007' });
    const params = queryOf(
      byId.refundWithPassword({ batchNo: '20260302123', items: [{ tradeNo: 'T1', amountFen: 1 }] }).url,
    );
    expect(params['seller_user_id']).toBe('2088000000000007');
    expect(params['seller_id']).toBeUndefined();
  });

  it('refund_fastpay_by_platform_pwd is a signed page for the seller', () => {
    const request = client().refundWithPassword({
      batchNo: '20260302123',
      items: [{ tradeNo: 'T1', amountFen: 150 }],
    });
    const params = queryOf(request.url);
    expect(params['service']).toBe('refund_fastpay_by_platform_pwd');
    expect(params['detail_data']).toBe('T1^1.50^refund');
    expect(md5Verify(params, KEY)).toBe(true);
  });
});

describe('legacy XML answers (shared samples)', () => {
  const samples = sharedVectors('legacy-notification-samples.json').xmlResponses as {
    id: string;
    xml: string;
  }[];
  it('parse with a real XML parser', () => {
    const byId = Object.fromEntries(samples.map(s => [s.id, parseLegacyXml(s.xml)]));
    expect(byId['send_goods_confirm_by_platform-success']).toMatchObject({ isSuccess: true });
    expect(byId['close_trade-failure']).toMatchObject({ isSuccess: false, error: 'TRADE_STATUS_NOT_AVAILD' });
    expect(byId['gateway-error-ILLEGAL_PARTNER']).toMatchObject({
      isSuccess: false,
      error: 'ILLEGAL_PARTNER',
    });
    const query = byId['single_trade_query-success-TRADE_CLOSED']!;
    expect(query.isSuccess).toBe(true);
    expect(query.request['service']).toBe('single_trade_query');
    expect(query.responseElement).toBe('trade');
    expect(query.response).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      total_fee: '640.00',
      out_trade_no: '1',
    });
    expect(query.sign).toBe('SIGN');
    const acquire = byId['alipay.acquire.query-success (MD5-signed XML, GBK)']!;
    expect(acquire.response['trade_status']).toBe('TRADE_SUCCESS');
    expect(acquire.sign).toBe('5b811166de20b0baca97533b80a0cf3b');
  });
  it('refuses malformed or foreign XML', () => {
    expect(() => parseLegacyXml('<alipay><is_success>T</alipay>')).toThrow(AlipayResponseError);
    expect(() => parseLegacyXml('<html>error</html>')).toThrow(AlipayResponseError);
    expect(() => parseLegacyXml('not xml')).toThrow(AlipayResponseError);
  });
});
