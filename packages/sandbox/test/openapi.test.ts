import {
  aesDecrypt,
  aesEncrypt,
  buildSignString,
  rsaSign,
  rsaVerify,
} from '@alipay-commerce/core/primitives';
import { describe, expect, it } from 'vitest';
import { sandboxAppAuthToken } from '../src';
import { decodeText, encodeText } from '../src/charset';
import {
  beijingNow,
  callOpenApi,
  control,
  formEncode,
  type Json,
  payAtCashier,
  queryOf,
  signOpenApiRequest,
  verifyOpenApiParams,
  verifyOpenApiResponse,
  waitFor,
} from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** OpenAPI (app_id + RSA2): every method round trip, signed answers verified from the raw text. */

const suite = sandboxSuite('O', {
  config: {
    apps: [
      { appId: '2021000000000001', products: ['page', 'wap', 'qr'], aes: true, name: 'App Shop' },
      { appId: '2021000000000002', products: ['page'] },
    ],
  },
});
const { order, app, precreate } = suite;

const pageOnly = () => suite.sandbox.apps[1]!;
const common = () => ({
  notify_url: `${suite.receiver.url}/notify`,
  return_url: `${suite.receiver.url}/return`,
});

function pageUrl(
  method: string,
  biz: Record<string, unknown>,
  extra: Record<string, string> = common(),
): string {
  return `${suite.sandbox.openapiGateway}?${formEncode(signOpenApiRequest(app(), method, biz, extra))}`;
}

async function createPagePay(outTradeNo: string, amount = '100.00'): Promise<string> {
  const url = pageUrl('alipay.trade.page.pay', {
    out_trade_no: outTradeNo,
    total_amount: amount,
    subject: 'Iphone6 16G',
    product_code: 'FAST_INSTANT_TRADE_PAY',
    passback_params: encodeURIComponent('order=1&x=%'),
  });
  return url;
}

async function ok(method: string, biz: Record<string, unknown>): Promise<Json> {
  const res = await callOpenApi(suite.sandbox, app(), method, biz);
  expect(verifyOpenApiResponse(res.text, method, app().alipayPublicKey), res.text).toBe(true);
  return res.json[`${method.replace(/\./g, '_')}_response`];
}

describe('OpenAPI page pay and trade methods', () => {
  it('page.pay → cashier → signed return and notify; query, refund (idempotent), refund query', async () => {
    const outTradeNo = order();
    const url = await createPagePay(outTradeNo);

    // Before the buyer logs in there is no trade.
    expect((await ok('alipay.trade.query', { out_trade_no: outTradeNo })).sub_code).toBe(
      'ACQ.TRADE_NOT_EXIST',
    );

    const { response, cashierHtml } = await payAtCashier(url);
    expect(cashierHtml).toContain('data-interface="page"');
    expect(cashierHtml).toContain('Iphone6 16G');
    expect(response.status).toBe(303);
    const ret = queryOf(response.headers.get('location')!);
    expect(ret).toMatchObject({
      method: 'alipay.trade.page.pay.return',
      out_trade_no: outTradeNo,
      total_amount: '100.00',
      app_id: app().appId,
      auth_app_id: app().appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      seller_id: app().sellerId,
    });
    expect(verifyOpenApiParams(ret, app().alipayPublicKey)).toBe(true);
    expect(verifyOpenApiParams(ret, app().publicKey)).toBe(false); // the app's own key is the wrong one

    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(notify.params).toMatchObject({
      notify_type: 'trade_status_sync',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '100.00',
      receipt_amount: '100.00',
      app_id: app().appId,
      seller_id: app().sellerId,
      passback_params: encodeURIComponent('order=1&x=%'),
    });
    // HTML-escaped as in live notifications (issue 19 gap 3): unescape before parsing.
    expect(JSON.parse(notify.params['fund_bill_list']!.replaceAll('&quot;', '"'))).toEqual([
      { amount: '100.00', fundChannel: 'ALIPAYACCOUNT' },
    ]);
    expect(verifyOpenApiParams(notify.params, app().alipayPublicKey)).toBe(true);

    const query = await ok('alipay.trade.query', { out_trade_no: outTradeNo });
    expect(query).toMatchObject({
      code: '10000',
      msg: 'Success',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '100.00',
    });
    expect(query.buyer_logon_id).toBe('buy***@sandbox.alipay.test');

    const refund1 = await ok('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '30.00',
      out_request_no: 'RF1',
    });
    expect(refund1).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '30.00' });
    const again = await ok('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '30.00',
      out_request_no: 'RF1',
    });
    expect(again).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '30.00' });
    const refund2 = await ok('alipay.trade.refund', {
      trade_no: ret['trade_no'],
      refund_amount: '20.00',
      out_request_no: 'RF2',
    });
    expect(refund2.refund_fee).toBe('50.00'); // the total refunded so far
    const over = await ok('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '50.01',
      out_request_no: 'RF3',
    });
    expect(over).toMatchObject({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?appId=${app().appId}`);
    expect(trade.trade.refundedAmount).toBe('50.00');
    expect(trade.trade.status).toBe('TRADE_SUCCESS');

    const refundNotify = await waitFor(() =>
      suite.receiver
        .at('/notify')
        .find(r => r.params['out_trade_no'] === outTradeNo && r.params['out_biz_no'] === 'RF2'),
    );
    expect(refundNotify.params['refund_fee']).toBe('50.00');
    expect(refundNotify.params['gmt_refund']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(verifyOpenApiParams(refundNotify.params, app().alipayPublicKey)).toBe(true);

    const rq = await ok('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: 'RF2',
      query_options: ['gmt_refund_pay'],
    });
    expect(rq).toMatchObject({
      code: '10000',
      refund_amount: '20.00',
      total_amount: '100.00',
      refund_status: 'REFUND_SUCCESS',
    });
    expect(rq.gmt_refund_pay).toBeDefined();
    const none = await ok('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: 'RF9',
    });
    expect(none.code).toBe('10000');
    expect(none.refund_amount).toBeUndefined();

    // Refunding the rest closes the trade; the close method then refuses.
    await ok('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '50.00',
      out_request_no: 'RF4',
    });
    expect((await ok('alipay.trade.query', { out_trade_no: outTradeNo })).trade_status).toBe('TRADE_CLOSED');
    expect((await ok('alipay.trade.close', { out_trade_no: outTradeNo })).sub_code).toBe(
      'ACQ.TRADE_STATUS_ERROR',
    );
  });

  it('a refund without out_request_no uses out_trade_no: repeating it does not refund twice', async () => {
    const outTradeNo = order();
    await fetch(await createPagePay(outTradeNo, '10.00'));
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, appId: app().appId });
    const first = await ok('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '1.00' });
    const second = await ok('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: '1.00' });
    expect([first.refund_fee, second.refund_fee, second.fund_change]).toEqual(['1.00', '1.00', 'N']);
    expect(
      (
        await ok('alipay.trade.fastpay.refund.query', {
          out_trade_no: outTradeNo,
          out_request_no: outTradeNo,
        })
      ).refund_amount,
    ).toBe('1.00');
  });

  it('close works on WAIT_BUYER_PAY only; a paid trade cannot be paid again', async () => {
    const outTradeNo = order();
    await fetch(await createPagePay(outTradeNo));
    expect(await ok('alipay.trade.close', { out_trade_no: outTradeNo })).toMatchObject({
      code: '10000',
      out_trade_no: outTradeNo,
    });
    expect((await ok('alipay.trade.query', { out_trade_no: outTradeNo })).trade_status).toBe('TRADE_CLOSED');
    const closedAgain = await fetch(await createPagePay(outTradeNo));
    expect(await closedAgain.text()).toContain('ACQ.TRADE_HAS_CLOSE');

    const paid = order();
    await fetch(await createPagePay(paid));
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo: paid, appId: app().appId });
    expect((await ok('alipay.trade.close', { out_trade_no: paid })).sub_code).toBe('ACQ.TRADE_STATUS_ERROR');
    expect(await (await fetch(await createPagePay(paid))).text()).toContain('ACQ.TRADE_HAS_SUCCESS');
    const changed = await fetch(await createPagePay(paid, '1.00'));
    expect(await changed.text()).toContain('ACQ.TRADE_HAS_SUCCESS');
  });

  it('the same out_trade_no with a different amount is ACQ.CONTEXT_INCONSISTENT', async () => {
    const outTradeNo = order();
    await fetch(await createPagePay(outTradeNo, '5.00'));
    const html = await (await fetch(await createPagePay(outTradeNo, '6.00'))).text();
    expect(html).toContain('错误代码 ACQ.CONTEXT_INCONSISTENT');
  });

  it('wap.pay shows the cashier, returns with method=alipay.trade.wap.pay.return; cancel goes to quit_url', async () => {
    const outTradeNo = order();
    const biz = {
      out_trade_no: outTradeNo,
      total_amount: '9.90',
      subject: '手机支付',
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'http://shop.example/quit',
    };
    const { response } = await payAtCashier(pageUrl('alipay.trade.wap.pay', biz));
    const ret = queryOf(response.headers.get('location')!);
    expect(ret['method']).toBe('alipay.trade.wap.pay.return');
    expect(verifyOpenApiParams(ret, app().alipayPublicKey)).toBe(true);

    const other = order();
    const page = await fetch(pageUrl('alipay.trade.wap.pay', { ...biz, out_trade_no: other }));
    const cancel = /formaction="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(new URL(cancel, page.url), { method: 'POST', body: '', redirect: 'manual' });
    expect(res.headers.get('location')).toBe('http://shop.example/quit');
  });

  it('precreate answers a qr_code URL; its PNG and SVG are served; scanning opens the cashier', async () => {
    const outTradeNo = order();
    const pre = await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.precreate',
      { out_trade_no: outTradeNo, total_amount: '0.01', subject: '当面付' },
      { notify_url: `${suite.receiver.url}/notify` },
    );
    expect(verifyOpenApiResponse(pre.text, 'alipay.trade.precreate', app().alipayPublicKey)).toBe(true);
    // Alipay writes '/' as '\/' in answers: the signature covers that exact text.
    expect(pre.text).toContain('"qr_code":"http:\\/\\/127.0.0.1');
    const body = pre.json['alipay_trade_precreate_response'];
    expect(body).toMatchObject({ code: '10000', out_trade_no: outTradeNo });
    const qr = body.qr_code as string;
    expect(qr.startsWith(`${suite.sandbox.url}/qr/`)).toBe(true);

    const png = await fetch(`${qr}.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.readUInt32BE(16)).toBeGreaterThan(100); // width
    const svg = await (await fetch(`${qr}.svg`)).text();
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    // Not scanned yet: no trade.
    expect((await ok('alipay.trade.query', { out_trade_no: outTradeNo })).sub_code).toBe(
      'ACQ.TRADE_NOT_EXIST',
    );
    const scanned = await fetch(qr);
    expect(scanned.url).toMatch(/\/cashier\/\d+$/);
    expect(await scanned.text()).toContain('data-interface="qr"');
    expect((await ok('alipay.trade.query', { out_trade_no: outTradeNo })).trade_status).toBe(
      'WAIT_BUYER_PAY',
    );
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, appId: app().appId });
    expect(paid.redirect).toBeNull();
    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(verifyOpenApiParams(notify.params, app().alipayPublicKey)).toBe(true);
  });

  it('cancel closes an unpaid trade and refunds a paid one', async () => {
    const unpaid = await precreate();
    await control(suite.sandbox, 'POST', '/open-cashier', { outTradeNo: unpaid, appId: app().appId });
    expect(await ok('alipay.trade.cancel', { out_trade_no: unpaid })).toMatchObject({
      code: '10000',
      action: 'close',
      retry_flag: 'N',
    });
    const paid = await precreate();
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo: paid, appId: app().appId });
    expect(await ok('alipay.trade.cancel', { out_trade_no: paid })).toMatchObject({
      code: '10000',
      action: 'refund',
    });
    expect((await ok('alipay.trade.query', { out_trade_no: paid })).trade_status).toBe('TRADE_CLOSED');
    expect((await ok('alipay.trade.cancel', { out_trade_no: 'missing' })).sub_code).toBe(
      'ACQ.TRADE_NOT_EXIST',
    );
  });

  it('AES content encryption: biz_content and the answer value are ciphertext', async () => {
    const outTradeNo = await precreate();
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, appId: app().appId });
    const res = await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.query',
      aesEncrypt(JSON.stringify({ out_trade_no: outTradeNo }), app().aesKey!),
      {
        encrypt_type: 'AES',
      },
    );
    const raw = res.json['alipay_trade_query_response'];
    expect(typeof raw).toBe('string');
    expect(verifyOpenApiResponse(res.text, 'alipay.trade.query', app().alipayPublicKey)).toBe(true);
    expect(JSON.parse(aesDecrypt(raw, app().aesKey!))).toMatchObject({
      code: '10000',
      trade_status: 'TRADE_SUCCESS',
    });
  });
});

describe('OpenAPI errors', () => {
  it('isv.invalid-signature shows the gateway pre-sign string', async () => {
    const res = await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.query',
      { out_trade_no: 'x' },
      {},
      { privateKey: pageOnly().privateKey },
    );
    const body = res.json['alipay_trade_query_response'];
    expect(body).toMatchObject({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-signature',
    });
    expect(body.sub_msg).toContain('网关生成的验签字符串为：');
    expect(body.sub_msg).toContain(`app_id=${app().appId}&amp;biz_content=`);
    expect(body.sub_msg).toContain('sign_type=RSA2');
    expect(verifyOpenApiResponse(res.text, 'alipay.trade.query', app().alipayPublicKey)).toBe(true);
  });

  it('common-parameter errors use Alipay codes', async () => {
    const unknown = await callOpenApi(
      suite.sandbox,
      { ...app(), appId: '2021999999999999' },
      'alipay.trade.query',
      { out_trade_no: 'x' },
    );
    expect(unknown.json['alipay_trade_query_response']).toMatchObject({
      code: '40002',
      sub_code: 'isv.invalid-app-id',
    });
    expect(unknown.json['sign']).toBeUndefined();

    const utc = new Date().toISOString().slice(0, 19).replace('T', ' ');
    const wrongZone = await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.query',
      { out_trade_no: 'x' },
      {},
      { timestamp: utc },
    );
    expect(wrongZone.json['alipay_trade_query_response'].sub_code).toBe('isv.invalid-timestamp');
    const badFormat = await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.query',
      { out_trade_no: 'x' },
      {},
      { timestamp: beijingNow().replace(' ', 'T') },
    );
    expect(badFormat.json['alipay_trade_query_response'].sub_code).toBe('isv.invalid-timestamp');

    const noMethod = await fetch(`${suite.sandbox.openapiGateway}?charset=utf-8&app_id=${app().appId}`);
    expect(JSON.parse(await noMethod.text())).toMatchObject({
      error_response: { code: '40001', sub_code: 'isv.missing-method' },
    });
    const badMethod = await callOpenApi(suite.sandbox, app(), 'alipay.trade.nothing', {});
    expect(badMethod.json['error_response']).toMatchObject({ code: '40002', sub_code: 'isv.invalid-method' });

    const perm = await callOpenApi(suite.sandbox, pageOnly(), 'alipay.trade.precreate', {
      out_trade_no: 'x',
      total_amount: '1.00',
      subject: 'x',
    });
    expect(perm.json['alipay_trade_precreate_response']).toMatchObject({
      code: '40006',
      sub_code: 'isv.insufficient-isv-permissions',
    });
    expect(verifyOpenApiResponse(perm.text, 'alipay.trade.precreate', pageOnly().alipayPublicKey)).toBe(true);

    const missingBiz = await ok('alipay.trade.precreate', { out_trade_no: order(), subject: 'x' });
    expect(missingBiz).toMatchObject({ code: '40004', sub_code: 'ACQ.INVALID_PARAMETER' });
    const tooMuch = await ok('alipay.trade.precreate', {
      out_trade_no: order(),
      subject: 'x',
      total_amount: '100000000.01',
    });
    expect(tooMuch.sub_code).toBe('ACQ.TOTAL_FEE_EXCEED');
    const noKey = await ok('alipay.trade.query', {});
    expect(noKey.sub_code).toBe('ACQ.INVALID_PARAMETER');
  });

  it('page.pay errors are shown as an error page', async () => {
    const url = `${suite.sandbox.openapiGateway}?${formEncode(
      signOpenApiRequest(app(), 'alipay.trade.page.pay', {
        out_trade_no: order(),
        total_amount: '1.00',
        subject: 'x',
        product_code: 'WRONG',
      }),
    )}`;
    const html = await (await fetch(url)).text();
    expect(html).toContain('data-testid="error-page"');
    expect(html).toContain('ACQ.INVALID_PARAMETER');
    const tampered = signOpenApiRequest(app(), 'alipay.trade.page.pay', {
      out_trade_no: order(),
      total_amount: '1.00',
      subject: 'x',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    tampered['biz_content'] = tampered['biz_content']!.replace('1.00', '0.01');
    const page = await (await fetch(`${suite.sandbox.openapiGateway}?${formEncode(tampered)}`)).text();
    expect(page).toContain('错误代码 isv.invalid-signature');
  });

  it('charset=gbk (in the URL): GBK body, GBK signature, GBK answer', async () => {
    const params: Record<string, string> = {
      app_id: app().appId,
      method: 'alipay.trade.precreate',
      charset: 'gbk',
      sign_type: 'RSA2',
      timestamp: beijingNow(),
      version: '1.0',
      biz_content: JSON.stringify({ out_trade_no: order(), total_amount: '1.00', subject: '国标码商品' }),
    };
    params['sign'] = rsaSign(
      encodeText(buildSignString(params, { exclude: ['sign'] }), 'gbk'),
      app().privateKey,
      'RSA2',
    );
    const body = { ...params };
    delete (body as Record<string, string>)['charset'];
    const res = await fetch(`${suite.sandbox.openapiGateway}?charset=gbk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formEncode(body, 'gbk'),
    });
    expect(res.headers.get('content-type')).toMatch(/GBK/);
    const text = decodeText(new Uint8Array(await res.arrayBuffer()), 'gbk');
    const json = JSON.parse(text);
    expect(json['alipay_trade_precreate_response'].code).toBe('10000');
    const signed = text.slice(text.indexOf(':') + 1, text.lastIndexOf(',"sign":"'));
    expect(rsaVerify(encodeText(signed, 'gbk'), json.sign, app().alipayPublicKey, 'RSA2')).toBe(true);
  });

  it('signs answers over the exact UTF-8 text (Chinese stays raw)', async () => {
    const outTradeNo = order();
    const res = await callOpenApi(suite.sandbox, app(), 'alipay.trade.precreate', {
      out_trade_no: outTradeNo,
      total_amount: '1.00',
      subject: '中文',
    });
    const start = res.text.indexOf(':') + 1;
    const end = res.text.lastIndexOf(',"sign":"');
    expect(rsaVerify(res.text.slice(start, end), res.json['sign'], app().alipayPublicKey, 'RSA2')).toBe(true);
    // Re-serializing breaks the signature (the '/' escapes are gone).
    const reserialized = JSON.stringify(res.json['alipay_trade_precreate_response']);
    expect(rsaVerify(reserialized, res.json['sign'], app().alipayPublicKey, 'RSA2')).toBe(false);
  });
});

describe('service-provider mode (app_auth_token, issue 15 item 7)', () => {
  it('a trade made by one app for another carries app_id, auth_app_id and the authorising merchant’s seller', async () => {
    const outTradeNo = order();
    const url = pageUrl(
      'alipay.trade.page.pay',
      {
        out_trade_no: outTradeNo,
        total_amount: '8.00',
        subject: 'ISV',
        product_code: 'FAST_INSTANT_TRADE_PAY',
      },
      { ...common(), app_auth_token: sandboxAppAuthToken(pageOnly().appId) },
    );
    const { response } = await payAtCashier(url);
    const ret = queryOf(response.headers.get('location')!);
    expect(ret).toMatchObject({
      app_id: app().appId,
      auth_app_id: pageOnly().appId,
      seller_id: pageOnly().sellerId,
    });
    expect(verifyOpenApiParams(ret, app().alipayPublicKey)).toBe(true);
    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(notify.params).toMatchObject({
      app_id: app().appId,
      auth_app_id: pageOnly().appId,
      seller_id: pageOnly().sellerId,
    });
    expect(verifyOpenApiParams(notify.params, app().alipayPublicKey)).toBe(true);
  });

  it('an unknown token, or an app’s token used by that app itself, is refused', async () => {
    for (const token of ['not-a-token', sandboxAppAuthToken(app().appId)]) {
      const url = pageUrl(
        'alipay.trade.page.pay',
        {
          out_trade_no: order(),
          total_amount: '8.00',
          subject: 'ISV',
          product_code: 'FAST_INSTANT_TRADE_PAY',
        },
        { ...common(), app_auth_token: token },
      );
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.headers.get('x-alipay-sandbox-error'), token).toBe('aop.invalid-app-auth-token');
    }
  });
});
