import { afterEach, describe, expect, it } from 'vitest';
import { AlipayNetworkError } from '../src/errors';
import { openApiSignString, outRequestNoFor } from '../src/openapi/client';
import * as fake from './helpers/openapi-gateway';

// The OpenAPI client's requests: browser payments (signed URL and form) and the shape of each server call.
// Answers it must refuse and the errors it maps are in openapi-errors.test.ts; AES and certificate mode in
// openapi-client-cert-aes.test.ts.
const gateway = fake.useFakeOpenApiGateway();

describe('pagePay / wapPay: signed browser requests, no server call', () => {
  it('pagePay puts every parameter, biz_content included, in a signed GET URL', () => {
    const result = gateway.client().pagePay({
      outTradeNo: 'order-1',
      amountFen: 12345,
      subject: 'Tea 茶 & "cups"',
      body: 'two cups',
      notifyUrl: 'https://shop.example/alipay/notify',
      returnUrl: 'https://shop.example/alipay/return',
      timeoutMinutes: 30,
      passback: 'cart=7&lang=zh',
      goodsType: 'virtual',
    });
    expect(gateway.requests).toHaveLength(0);
    const url = new URL(result.url);
    expect(`${url.origin}${url.pathname}`).toBe(gateway.url);
    expect(url.search.startsWith('?charset=utf-8&')).toBe(true);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual(result.params);
    expect(params).toMatchObject({
      app_id: fake.APP_ID,
      method: 'alipay.trade.page.pay',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2024-03-01 10:03:04',
      version: '1.0',
      notify_url: 'https://shop.example/alipay/notify',
      return_url: 'https://shop.example/alipay/return',
    });
    expect(params['encrypt_type']).toBeUndefined();
    expect(params['app_cert_sn']).toBeUndefined();
    expect(JSON.parse(params['biz_content']!)).toEqual({
      out_trade_no: 'order-1',
      total_amount: '123.45',
      subject: 'Tea 茶 & "cups"',
      body: 'two cups',
      timeout_express: '30m',
      passback_params: 'cart%3D7%26lang%3Dzh',
      goods_type: '0',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    fake.expectSignedByApp(params);
  });

  it('pagePay also gives an auto-submitting form posting to the gateway with ?charset=utf-8, values escaped', () => {
    const result = gateway.client().pagePay({
      outTradeNo: 'o2',
      amountFen: 1,
      subject: `<script>alert('x')</script> & "q"`,
    });
    const { html } = result;
    expect(html).toContain(`action="${gateway.url}?charset=utf-8"`);
    expect(html).toContain('method="POST"');
    expect(html).toMatch(/<script>document\.forms\['alipaysubmit'\]\.submit\(\);<\/script>$/);
    expect(html).not.toContain("<script>alert('x')</script>");
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\&quot;q\\&quot;');
    const inputs = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)];
    const decodeHtml = (s: string) =>
      s
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    const posted = Object.fromEntries(inputs.map(m => [m[1]!, decodeHtml(m[2]!)]));
    expect(posted).toEqual(result.params);
    fake.expectSignedByApp(posted);
  });

  it('wapPay uses QUICK_WAP_WAY and quit_url (default: the return URL)', () => {
    const explicit = gateway.client().wapPay({
      outTradeNo: 'w1',
      amountFen: 100,
      subject: 's',
      returnUrl: 'https://shop.example/r',
      quitUrl: 'https://shop.example/cart',
      goodsType: 'physical',
    });
    expect(explicit.params['method']).toBe('alipay.trade.wap.pay');
    expect(JSON.parse(explicit.params['biz_content']!)).toMatchObject({
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://shop.example/cart',
      total_amount: '1.00',
      goods_type: '1',
    });
    fake.expectSignedByApp(explicit.params);
    const fallback = gateway.client().wapPay({
      outTradeNo: 'w2',
      amountFen: 100,
      subject: 's',
      returnUrl: 'https://shop.example/r',
    });
    expect(JSON.parse(fallback.params['biz_content']!).quit_url).toBe('https://shop.example/r');
  });

  it('refuses bad amounts and timeouts before signing anything', () => {
    expect(() => gateway.client().pagePay({ outTradeNo: 'o', amountFen: 0, subject: 's' })).toThrow(/amount/);
    expect(() => gateway.client().pagePay({ outTradeNo: 'o', amountFen: 1.5, subject: 's' })).toThrow(
      /amount/,
    );
    expect(() =>
      gateway.client().pagePay({ outTradeNo: 'o', amountFen: 1, subject: 's', timeoutMinutes: 0 }),
    ).toThrow(TypeError);
    expect(() => gateway.client().pagePay({ outTradeNo: '', amountFen: 1, subject: 's' })).toThrow(TypeError);
  });

  it('sends app_auth_token (service-provider mode) as a signed common parameter', () => {
    const params = gateway.client({ appAuthToken: '202401BBxyz', sellerId: '2088000000000001' }).pagePay({
      outTradeNo: 'o',
      amountFen: 1,
      subject: 's',
    }).params;
    expect(params['app_auth_token']).toBe('202401BBxyz');
    expect(openApiSignString(params)).toContain('app_auth_token=202401BBxyz');
    fake.expectSignedByApp(params);
  });
});

describe('server calls: request shape', () => {
  it('precreate POSTs common params in the query (charset first) and only biz_content in the form body', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.precreate',
        fake.success({ out_trade_no: 'qr-1', qr_code: 'https://qr.alipay.com/bax0001' }),
      ),
    });
    const result = await gateway.client().precreate({
      outTradeNo: 'qr-1',
      amountFen: 990,
      subject: '扫码 subject',
      notifyUrl: 'https://shop.example/n',
    });
    expect(result).toEqual({
      outTradeNo: 'qr-1',
      qrCode: 'https://qr.alipay.com/bax0001',
      expiresAt: new Date(fake.NOW.getTime() + 15 * 60_000),
    });
    expect(gateway.requests).toHaveLength(1);
    const [request] = gateway.requests;
    expect(request!.httpMethod).toBe('POST');
    expect(request!.path).toBe('/gateway.do');
    expect(request!.rawQuery.startsWith('charset=utf-8&')).toBe(true);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
    expect(Object.keys(request!.form)).toEqual(['biz_content']);
    expect(request!.query['biz_content']).toBeUndefined();
    expect(request!.query).toMatchObject({
      app_id: fake.APP_ID,
      method: 'alipay.trade.precreate',
      format: 'JSON',
      sign_type: 'RSA2',
      version: '1.0',
      timestamp: '2024-03-01 10:03:04',
      notify_url: 'https://shop.example/n',
    });
    expect(JSON.parse(request!.form['biz_content']!)).toEqual({
      out_trade_no: 'qr-1',
      total_amount: '9.90',
      subject: '扫码 subject',
      timeout_express: '15m',
      product_code: 'FACE_TO_FACE_PAYMENT',
    });
    fake.expectSignedByApp(fake.allParams(request!));
  });

  it('precreate honours timeoutMinutes for timeout_express and expiresAt', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.precreate', fake.success({ qr_code: 'https://qr.alipay.com/x' })),
    });
    const result = await gateway.client().precreate({
      outTradeNo: 'qr-2',
      amountFen: 1,
      subject: 's',
      timeoutMinutes: 90,
    });
    expect(JSON.parse(gateway.requests[0]!.form['biz_content']!).timeout_express).toBe('90m');
    expect(result.expiresAt.getTime() - fake.NOW.getTime()).toBe(90 * 60_000);
    expect(result.outTradeNo).toBe('qr-2');
  });

  it('query maps the answer to a query event (the truth, not display-only)', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.query',
        fake.success({
          trade_no: '2024030122001400000000000001',
          out_trade_no: 'order-9',
          buyer_logon_id: 'ghd***@sandbox.com',
          trade_status: 'TRADE_SUCCESS',
          total_amount: '88.80',
          buyer_pay_amount: '88.80',
          send_pay_date: '2024-03-01 10:01:00',
          buyer_user_id: '2088102174698127',
          fund_bill_list: [{ amount: '88.80', fund_channel: 'ALIPAYACCOUNT' }],
        }),
        { signFirst: true },
      ),
    });
    const event = await gateway.client().query({ outTradeNo: 'order-9' });
    expect(JSON.parse(gateway.requests[0]!.form['biz_content']!)).toEqual({ out_trade_no: 'order-9' });
    expect(gateway.requests[0]!.query['method']).toBe('alipay.trade.query');
    expect(event).toMatchObject({
      type: 'trade',
      generation: 'openapi',
      source: 'query',
      displayOnly: false,
      outTradeNo: 'order-9',
      tradeNo: '2024030122001400000000000001',
      status: 'paid',
      alipayStatus: 'TRADE_SUCCESS',
      amountFen: 8880,
      buyer: { id: '2088102174698127', account: 'ghd***@sandbox.com' },
      timestamps: { paid: '2024-03-01 10:01:00' },
    });
    expect(event!.raw['fund_bill_list']).toBe('[{"amount":"88.80","fund_channel":"ALIPAYACCOUNT"}]');
  });

  it('query by trade number sends trade_no; query without a reference is refused', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.query',
        fake.success({
          trade_no: 't',
          out_trade_no: 'o',
          trade_status: 'WAIT_BUYER_PAY',
          total_amount: '1.00',
        }),
      ),
    });
    const event = await gateway.client().query({ tradeNo: 't' });
    expect(JSON.parse(gateway.requests[0]!.form['biz_content']!)).toEqual({ trade_no: 't' });
    expect(event?.status).toBe('waiting_payment');
    await expect(gateway.client().query({})).rejects.toThrow(TypeError);
  });

  it('query returns null for ACQ.TRADE_NOT_EXIST', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.query', {
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.TRADE_NOT_EXIST',
        sub_msg: '交易不存在',
      }),
    });
    expect(await gateway.client().query({ outTradeNo: 'missing' })).toBeNull();
  });

  it('refund derives out_request_no from the refund ID, the same on every attempt', async () => {
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.refund',
        fake.success({ trade_no: 't', out_trade_no: 'o', refund_fee: '30.00', fund_change: 'Y' }),
      ),
    });
    const c = gateway.client();
    const first = await c.refund({
      outTradeNo: 'o',
      amountFen: 1000,
      refundId: 'rf/2024:01',
      reason: '退货',
    });
    expect(first).toEqual({
      outRequestNo: outRequestNoFor('rf/2024:01'),
      refundedTotalFen: 3000,
      fundChange: true,
    });
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.refund',
        fake.success({ trade_no: 't', out_trade_no: 'o', refund_fee: '30.00', fund_change: 'N' }),
      ),
    });
    const again = await c.refund({
      outTradeNo: 'o',
      amountFen: 1000,
      refundId: 'rf/2024:01',
      reason: '退货',
    });
    expect(again.fundChange).toBe(false);
    const [a, b] = gateway.requests.map(r => JSON.parse(r.form['biz_content']!));
    expect(a).toEqual({
      out_trade_no: 'o',
      refund_amount: '10.00',
      out_request_no: outRequestNoFor('rf/2024:01'),
      refund_reason: '退货',
    });
    expect(b.out_request_no).toBe(a.out_request_no);
    expect(gateway.requests[0]!.query['method']).toBe('alipay.trade.refund');
  });

  it('refund is never retried automatically, while query is', async () => {
    gateway.respond = () => ({ status: 502, body: 'Bad Gateway' });
    await expect(
      gateway.client().refund({ tradeNo: 't', amountFen: 1, refundId: 'r1' }),
    ).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(gateway.requests).toHaveLength(1);
    gateway.requests = [];
    await expect(gateway.client().query({ tradeNo: 't' })).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(gateway.requests).toHaveLength(1 + fake.HTTP.retries);
  });

  it('refundQuery is a success only when refund_amount comes back', async () => {
    const c = gateway.client();
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.fastpay.refund.query',
        fake.success({ out_request_no: 'r1', refund_amount: '10.00', total_amount: '30.00' }),
      ),
    });
    expect(await c.refundQuery({ outTradeNo: 'o', refundId: 'r1' })).toEqual({
      refunded: true,
      amountFen: 1000,
    });
    expect(JSON.parse(gateway.requests[0]!.form['biz_content']!)).toEqual({
      out_trade_no: 'o',
      out_request_no: 'r1',
      query_options: ['gmt_refund_pay'],
    });
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.fastpay.refund.query', fake.success({})),
    });
    expect(await c.refundQuery({ outTradeNo: 'o', refundId: 'r1' })).toEqual({ refunded: false });
    gateway.respond = () => ({
      body: fake.signedAnswer(
        'alipay.trade.fastpay.refund.query',
        fake.success({ refund_amount: '10.00', refund_status: 'REFUND_PROCESSING' }),
      ),
    });
    expect(await c.refundQuery({ tradeNo: 't', refundId: 'r1' })).toEqual({ refunded: false });
  });

  it('close and cancel send the trade reference; cancel reports action and retry_flag', async () => {
    const c = gateway.client();
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.close', fake.success({ out_trade_no: 'o' })),
    });
    await expect(c.close({ outTradeNo: 'o' })).resolves.toBeUndefined();
    expect(gateway.requests[0]!.query['method']).toBe('alipay.trade.close');
    expect(JSON.parse(gateway.requests[0]!.form['biz_content']!)).toEqual({ out_trade_no: 'o' });
    gateway.respond = () => ({
      body: fake.signedAnswer('alipay.trade.cancel', fake.success({ action: 'refund', retry_flag: 'N' })),
    });
    expect(await c.cancel({ outTradeNo: 'o', tradeNo: 't' })).toEqual({ action: 'refund', retry: false });
    expect(JSON.parse(gateway.requests[1]!.form['biz_content']!)).toEqual({
      out_trade_no: 'o',
      trade_no: 't',
    });
    fake.expectSignedByApp(fake.allParams(gateway.requests[1]!));
  });
});

describe('process time zone', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => {
    process.env['TZ'] = originalTz;
  });

  it('sends the timestamp in Beijing time under TZ=America/New_York', async () => {
    process.env['TZ'] = 'America/New_York';
    gateway.respond = () => ({ body: fake.signedAnswer('alipay.trade.close', fake.success({})) });
    await gateway.client().close({ tradeNo: 't' });
    expect(gateway.requests[0]!.query['timestamp']).toBe('2024-03-01 10:03:04');
  });
});
