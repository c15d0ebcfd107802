import { buildSignString, rsaVerify } from '@alipay-commerce/core/primitives';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src';
import { control, legacyUrl, parseForm, payAtCashier, queryOf, verifyLegacyMd5, waitFor } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** Instant payment end to end: cashier → signed return → notify retried until `success`; notify_verify. */

const MIN = 60_000;

const suite = sandboxSuite('N');
const { order, A } = suite;

const directParams = (outTradeNo: string, extra: Record<string, string> = {}) =>
  suite.directParams({ out_trade_no: outTradeNo, subject: '即时到账测试', total_fee: '88.80', ...extra });

async function verify(partner: string, notifyId: string): Promise<string> {
  const res = await fetch(
    `${suite.sandbox.legacyGateway}?service=notify_verify&partner=${partner}&notify_id=${notifyId}`,
  );
  return res.text();
}

describe('legacy instant payment', () => {
  it('pays at the cashier: signed return redirect, then a signed notify', async () => {
    const outTradeNo = order();
    const { response } = await payAtCashier(
      legacyUrl(suite.sandbox, A(), directParams(outTradeNo, { extra_common_param: 'cart-7' })),
    );
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    expect(location.startsWith(`${suite.receiver.url}/return?`)).toBe(true);
    const ret = queryOf(location);
    expect(ret).toMatchObject({
      is_success: 'T',
      exterface: 'create_direct_pay_by_user',
      out_trade_no: outTradeNo,
      total_fee: '88.80',
      trade_status: 'TRADE_SUCCESS',
      notify_type: 'trade_status_sync',
      seller_email: A().sellerEmail,
      buyer_email: 'buyer@sandbox.alipay.test',
      extra_common_param: 'cart-7',
      sign_type: 'MD5',
    });
    expect(ret['trade_no']).toMatch(/^\d{28}$/);
    expect(verifyLegacyMd5(ret, A())).toBe(true);
    // The return's notify_id carries %2F inside the value (as in the samples): pass it on as-is.
    expect(ret['notify_id']).toContain('%2F');
    expect(await verify(A().partner, ret['notify_id']!)).toBe('true');
    expect(await verify(A().partner, encodeURIComponent(ret['notify_id']!))).toBe('false');

    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(notify.contentType).toMatch(/application\/x-www-form-urlencoded; charset=utf-8/i);
    expect(notify.params).toMatchObject({
      notify_type: 'trade_status_sync',
      trade_status: 'TRADE_SUCCESS',
      total_fee: '88.80',
      price: '88.80',
      quantity: '1',
      seller_id: A().sellerId,
      buyer_id: '2088102000000001',
      extra_common_param: 'cart-7',
      sign_type: 'MD5',
    });
    expect(notify.params['gmt_payment']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(verifyLegacyMd5(notify.params, A())).toBe(true);
    const trade = await control(suite.sandbox, 'GET', `/trades/${notify.params['trade_no']}`);
    expect(trade.trade.status).toBe('TRADE_SUCCESS');
  });

  it('retries on 4m, 10m, 10m, 1h, 2h, 6h, 15h until the body is exactly "success"', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), directParams(outTradeNo)));
    suite.receiver.replies = [
      'fail',
      'success\n',
      ' success',
      'SUCCESS',
      '<html>success</html>',
      { status: 500, body: 'success' },
    ];
    suite.receiver.fallback = 'fail';
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    expect(paid.deliveries).toHaveLength(1);
    expect(paid.deliveries[0].outcome).toBe('rejected');
    const notifyId = paid.deliveries[0].params.notify_id;

    const intervals = [4, 10, 10, 60, 120, 360, 900].map(m => m * MIN);
    for (const [i, interval] of intervals.entries()) {
      await control(suite.sandbox, 'POST', '/clock/advance', { ms: interval - 1000 });
      let d = (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries;
      expect(d).toHaveLength(i + 1); // not yet
      await control(suite.sandbox, 'POST', '/clock/advance', { ms: 1000 });
      d = (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries;
      expect(d).toHaveLength(i + 2);
      expect(d[i + 1].attempt).toBe(i + 2);
      // One notification, one notify_id across all retries; notify_time moves with each attempt.
      expect(d[i + 1].params.notify_id).toBe(notifyId);
      expect(d[i + 1].params.notify_time).not.toBe(d[i].params.notify_time);
      expect(await verify(A().partner, notifyId)).toBe('true');
    }
    const all = (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries;
    expect(all.map((d: { answer?: string }) => d.answer)).toEqual([
      'fail',
      'success\n',
      ' success',
      'SUCCESS',
      '<html>success</html>',
      'success',
      'fail',
      'fail',
    ]);
    expect(all.every((d: { outcome: string }) => d.outcome !== 'success')).toBe(true);
    // Eight attempts in all, then Alipay gives up; the notify_id expires after a grace minute.
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 24 * 60 * MIN });
    expect(
      (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries,
    ).toHaveLength(8);
    expect(await verify(A().partner, notifyId)).toBe('false');
  });

  it('stops retrying after success; the notify_id then expires', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), directParams(outTradeNo)));
    suite.receiver.replies = ['fail'];
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    const notifyId = paid.deliveries[0].params.notify_id;
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 4 * MIN });
    const d = (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries;
    expect(d.map((x: { outcome: string }) => x.outcome)).toEqual(['rejected', 'success']);
    expect(await verify(A().partner, notifyId)).toBe('true'); // still within the grace minute
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 2 * MIN });
    expect(await verify(A().partner, notifyId)).toBe('false');
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 24 * 60 * MIN });
    expect(
      (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries,
    ).toHaveLength(2);
  });

  it('notify_verify: true only for its own partner; false for unknown/expired; invalid for missing params', async () => {
    const outTradeNo = order();
    const { response } = await payAtCashier(legacyUrl(suite.sandbox, A(), directParams(outTradeNo)));
    const ret = queryOf(response.headers.get('location')!);
    const id = ret['notify_id']!;
    expect(await verify(A().partner, id)).toBe('true');
    expect(await verify(suite.sandbox.merchants[1]!.partner, id)).toBe('false');
    expect(await verify(A().partner, 'abcdef0123456789')).toBe('false');
    expect(
      await (
        await fetch(`${suite.sandbox.legacyGateway}?service=notify_verify&partner=${A().partner}`)
      ).text(),
    ).toBe('invalid');
    expect(
      await (await fetch(`${suite.sandbox.legacyGateway}?service=notify_verify&notify_id=x`)).text(),
    ).toBe('invalid');
    // The http fallback endpoint of the 2009 demo answers the same.
    expect(
      await (
        await fetch(`${suite.sandbox.url}/trade/notify_query.do?partner=${A().partner}&notify_id=${id}`)
      ).text(),
    ).toBe('true');
    // Return-URL notify_ids live about one minute.
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 61_000 });
    expect(await verify(A().partner, id)).toBe('false');
  });

  it('GBK merchants get GBK notifications (charset=GBK) signed over GBK bytes, and GBK return URLs', async () => {
    const outTradeNo = order();
    const url = legacyUrl(
      suite.sandbox,
      A(),
      directParams(outTradeNo, { subject: '中文商品', body: '描述' }),
      {
        charset: 'gbk',
      },
    );
    const { response } = await payAtCashier(url);
    const ret = queryOf(response.headers.get('location')!, 'gbk');
    expect(ret['subject']).toBe('中文商品');
    expect(verifyLegacyMd5(ret, A(), 'gbk')).toBe(true);
    expect(verifyLegacyMd5(ret, A(), 'utf-8')).toBe(false);
    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(notify.contentType).toMatch(/charset=GBK/);
    expect(notify.params['subject']).toBe('中文商品');
    expect(verifyLegacyMd5(notify.params, A(), 'gbk')).toBe(true);
    // The raw body holds GBK percent-escapes (中 = D6 D0).
    expect(notify.raw.toString('latin1')).toContain('%D6%D0');
    expect(parseForm(notify.raw, 'gbk')['subject']).toBe('中文商品');
  });

  it("sign_type=RSA requests get RSA notifications signed with Alipay's legacy key", async () => {
    const outTradeNo = order();
    const { response } = await payAtCashier(
      legacyUrl(suite.sandbox, A(), directParams(outTradeNo), { signType: 'RSA' }),
    );
    const ret = queryOf(response.headers.get('location')!);
    expect(ret['sign_type']).toBe('RSA');
    expect(rsaVerify(buildSignString(ret), ret['sign']!, A().alipayRsaPublicKey, 'RSA')).toBe(true);
    const notify = await waitFor(() =>
      suite.receiver.at('/notify').find(r => r.params['out_trade_no'] === outTradeNo),
    );
    expect(notify.params['sign_type']).toBe('RSA');
    expect(
      rsaVerify(buildSignString(notify.params), notify.params['sign']!, A().alipayRsaPublicKey, 'RSA'),
    ).toBe(true);
  });

  it('cancel at the cashier leaves the trade unpaid', async () => {
    const outTradeNo = order();
    const page = await fetch(
      legacyUrl(suite.sandbox, A(), directParams(outTradeNo, { show_url: 'http://shop.example/item/1' })),
    );
    const html = await page.text();
    const cancel = /formaction="([^"]+)"/.exec(html)![1]!;
    const res = await fetch(new URL(cancel, page.url), { method: 'POST', body: '', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://shop.example/item/1');
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?partner=${A().partner}`);
    expect(trade.trade.status).toBe('WAIT_BUYER_PAY');
  });

  it('a wrong password keeps the buyer on the cashier', async () => {
    const outTradeNo = order();
    const { response } = await payAtCashier(legacyUrl(suite.sandbox, A(), directParams(outTradeNo)), {
      password: 'nope',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('data-testid="error"');
  });

  it('the refund window ends in TRADE_FINISHED (notified) after 90 days', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), directParams(outTradeNo)));
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 90 * 24 * 60 * MIN });
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?partner=${A().partner}`);
    expect(trade.trade.status).toBe('TRADE_FINISHED');
    const notify = await waitFor(() =>
      suite.receiver
        .at('/notify')
        .find(r => r.params['out_trade_no'] === outTradeNo && r.params['trade_status'] === 'TRADE_FINISHED'),
    );
    expect(verifyLegacyMd5(notify.params, A())).toBe(true);
  });

  it('retries fire on real time too, divided by --time-scale', async () => {
    const fast = await startSandbox({
      timeScale: 60_000,
      config: { merchants: [{ partner: '2088101000000001' }] },
    });
    try {
      const m = fast.merchants[0]!;
      const outTradeNo = order();
      await fetch(
        legacyUrl(fast, m, {
          service: 'create_direct_pay_by_user',
          out_trade_no: outTradeNo,
          subject: 's',
          payment_type: '1',
          total_fee: '1.00',
          seller_email: m.sellerEmail,
          notify_url: `${suite.receiver.url}/fast`,
        }),
      );
      suite.receiver.fallback = 'fail';
      const started = Date.now();
      await control(fast, 'POST', '/pay', { outTradeNo, partner: m.partner });
      // 4m, 10m, 10m, 1h, 2h, 6h → 4, 10, 10, 60, 120, 360 ms at scale 60000.
      await waitFor(() => suite.receiver.at('/fast').length >= 7, 5000, 'seven attempts');
      const at = suite.receiver.at('/fast').map(r => r.at - started);
      expect(at[6]!).toBeGreaterThanOrEqual(560);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      expect(gaps[3]!).toBeGreaterThanOrEqual(55);
      expect(gaps[5]!).toBeGreaterThanOrEqual(340);
    } finally {
      await fast.close();
    }
  });
});
