import { describe, expect, it } from 'vitest';
import {
  beijingNow,
  callOpenApi,
  control,
  type Json,
  legacyUrl,
  verifyLegacyMd5,
  verifyOpenApiParams,
  waitFor,
} from './helpers';
import { sandboxSuite } from './sandbox-suite';

/**
 * `POST /__sandbox/alipay-refund`: refunds and closes that happen on Alipay's side without the merchant's
 * API call (the buyer's escrow refund agreed through Alipay, customer service, the merchant portal).
 */

const DAY = 24 * 3600_000;

const suite = sandboxSuite('AR');
const { A, app, paidDirect, paidOpenApi, deliveries, createEscrow, precreate } = suite;

async function escrowTrade(
  service = 'create_partner_trade_by_buyer',
  price = '20.00',
): Promise<{ outTradeNo: string; tradeNo: string }> {
  const outTradeNo = await createEscrow({ service, price, subject: '担保退款' });
  const paid = await control(suite.sandbox, 'POST', '/pay', {
    outTradeNo,
    partner: A().partner,
    mode: 'escrow',
  });
  expect(paid.trade.status).toBe('WAIT_SELLER_SEND_GOODS');
  return { outTradeNo, tradeNo: paid.trade.tradeNo };
}

const alipayRefund = (body: Record<string, unknown>) =>
  control(suite.sandbox, 'POST', '/alipay-refund', body);

async function legacy(params: Record<string, string>): Promise<string> {
  return (await fetch(legacyUrl(suite.sandbox, A(), params))).text();
}

function tradeXml(xml: string): Record<string, string> {
  const trade = /<trade>([\s\S]*)<\/trade>/.exec(xml)![1]!;
  const out: Record<string, string> = {};
  for (const m of trade.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) out[m[1]!] = m[2]!;
  return out;
}

const query = async (outTradeNo: string) =>
  tradeXml(await legacy({ service: 'single_trade_query', out_trade_no: outTradeNo }));

async function openApi(method: string, biz: Record<string, unknown>): Promise<Json> {
  return (await callOpenApi(suite.sandbox, app(), method, biz)).json[
    `${method.replace(/\./g, '_')}_response`
  ];
}

describe('Alipay-side refund of a legacy escrow trade', () => {
  it('WAIT_SELLER_SEND_GOODS: refunded whole, TRADE_CLOSED notified with refund_status; query agrees', async () => {
    const t = await escrowTrade();
    const done = await alipayRefund({ outTradeNo: t.outTradeNo, partner: A().partner });
    expect(done.status).toBe(200);
    expect(done.trade).toMatchObject({
      status: 'TRADE_CLOSED',
      refundedFen: 2000,
      refundedAmount: '20.00',
    });
    expect(done.trade.gmtClose).toBeDefined();
    expect(done.trade.gmtRefund).toBeDefined();
    expect(done.trade.refunds).toHaveLength(1);
    expect(done.trade.refunds[0]).toMatchObject({ source: 'alipay', amountFen: 2000 });

    // Answered after the first attempt, which is among the deliveries.
    const closed = done.deliveries.find((d: Json) => d.tradeStatus === 'TRADE_CLOSED');
    expect(closed).toMatchObject({ attempt: 1, outcome: 'success', kind: 'trade_status_sync' });
    expect(closed.params).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      refund_status: 'REFUND_SUCCESS',
      out_trade_no: t.outTradeNo,
      total_fee: '20.00',
    });
    expect(closed.params['gmt_refund']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(closed.params['gmt_close']).toBeDefined();
    expect(verifyLegacyMd5(closed.params, A())).toBe(true);

    const q = await query(t.outTradeNo);
    expect(q).toMatchObject({
      trade_status: 'TRADE_CLOSED',
      to_buyer_fee: '20.00',
      to_seller_fee: '0.00',
      refund_status: 'REFUND_SUCCESS',
    });

    // A closed trade moves no further.
    const again = await alipayRefund({ outTradeNo: t.outTradeNo, partner: A().partner });
    expect(again).toMatchObject({ status: 409, code: 'TRADE_HAS_CLOSED' });
    const ship = await legacy({
      service: 'send_goods_confirm_by_platform',
      trade_no: t.tradeNo,
      logistics_name: 'EMS',
    });
    expect(ship).toContain('<error>TRADE_STATUS_NOT_AVAILD</error>');
  });

  it('WAIT_BUYER_CONFIRM_GOODS with refundStatus false: TRADE_CLOSED without refund_status; timers cancelled', async () => {
    const t = await escrowTrade();
    await legacy({ service: 'send_goods_confirm_by_platform', trade_no: t.tradeNo, logistics_name: 'SF' });
    const wrong = await alipayRefund({ tradeNo: t.tradeNo, amountFen: 1000 });
    expect(wrong.status).toBe(409);
    expect(wrong.code).toBe('REFUND_AMT_NOT_EQUAL_TOTAL');

    const done = await alipayRefund({ tradeNo: t.tradeNo, amountFen: 2000, refundStatus: false });
    expect(done.status).toBe(200);
    const closed = done.deliveries.find((d: Json) => d.tradeStatus === 'TRADE_CLOSED');
    expect(closed.params['trade_status']).toBe('TRADE_CLOSED');
    expect(closed.params['refund_status']).toBeUndefined();
    expect(closed.params['gmt_refund']).toBeUndefined();
    expect(verifyLegacyMd5(closed.params, A())).toBe(true);

    const q = await query(t.outTradeNo);
    expect(q.trade_status).toBe('TRADE_CLOSED');
    expect(q.to_buyer_fee).toBe('20.00'); // the money went back, whatever the notification said
    expect(q.refund_status).toBeUndefined();

    // The 10-day auto-confirmation was cancelled: nothing else is notified.
    const before = (await deliveries(t.outTradeNo)).length;
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 11 * DAY });
    expect(await deliveries(t.outTradeNo)).toHaveLength(before);
    expect((await control(suite.sandbox, 'GET', `/trades/${t.tradeNo}`)).trade.status).toBe('TRADE_CLOSED');
  });

  it('the dual interface paid as escrow is refundable the same way; paid instantly it is finished (409)', async () => {
    const dual = await escrowTrade('trade_create_by_buyer');
    const done = await alipayRefund({ outTradeNo: dual.outTradeNo, partner: A().partner });
    expect(done.trade.status).toBe('TRADE_CLOSED');

    const instant = await createEscrow({
      service: 'trade_create_by_buyer',
      price: '5.00',
      subject: 'dual instant',
      notify: false,
    });
    await control(suite.sandbox, 'POST', '/pay', {
      outTradeNo: instant,
      partner: A().partner,
      mode: 'instant',
    });
    const finished = await alipayRefund({ outTradeNo: instant, partner: A().partner });
    expect(finished).toMatchObject({ status: 409, code: 'TRADE_STATUS_NOT_AVAILD' });
  });
});

describe('Alipay-side refund of an instant trade', () => {
  it('legacy direct: partial, then the rest; refund_status notified, TRADE_CLOSED when full; query agrees', async () => {
    const t = await paidDirect('10.00');
    const part = await alipayRefund({ outTradeNo: t.outTradeNo, partner: A().partner, amountFen: 300 });
    expect(part.trade).toMatchObject({ status: 'TRADE_SUCCESS', refundedFen: 300 });
    const partNotify = part.deliveries.find((d: Json) => d.params['refund_status'] === 'REFUND_SUCCESS');
    expect(partNotify.params).toMatchObject({
      trade_status: 'TRADE_SUCCESS',
      refund_status: 'REFUND_SUCCESS',
    });
    expect(verifyLegacyMd5(partNotify.params, A())).toBe(true);
    expect(await query(t.outTradeNo)).toMatchObject({
      trade_status: 'TRADE_SUCCESS',
      to_buyer_fee: '3.00',
      to_seller_fee: '7.00',
      refund_status: 'REFUND_SUCCESS',
    });

    for (const amountFen of [0, 701, -5]) {
      const refused = await alipayRefund({ outTradeNo: t.outTradeNo, partner: A().partner, amountFen });
      expect(refused.status).toBe(409);
      expect(refused.code).toBe('REFUND_TRADE_FEE_ERROR');
    }

    const rest = await alipayRefund({ outTradeNo: t.outTradeNo, partner: A().partner });
    expect(rest.trade).toMatchObject({ status: 'TRADE_CLOSED', refundedFen: 1000 });
    expect(rest.trade.refunds.map((r: Json) => [r.source, r.amountFen])).toEqual([
      ['alipay', 300],
      ['alipay', 700],
    ]);
    const closed = rest.deliveries.find((d: Json) => d.tradeStatus === 'TRADE_CLOSED');
    expect(closed.params['refund_status']).toBe('REFUND_SUCCESS');
    expect(await query(t.outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED', to_buyer_fee: '10.00' });

    // The merchant's own refund now finds nothing left.
    const clock = await control(suite.sandbox, 'GET', '/clock');
    const batchNo = `${String(clock.nowBeijing).slice(0, 10).replace(/-/g, '')}AR${Date.now() % 100000}`;
    expect(
      await legacy({
        service: 'refund_fastpay_by_platform_nopwd',
        refund_date: beijingNow(),
        batch_no: batchNo,
        batch_num: '1',
        detail_data: `${t.tradeNo}^1.00^late`,
      }),
    ).toContain('<is_success>T</is_success>');
    const after = await control(suite.sandbox, 'GET', `/trades/${t.tradeNo}`);
    expect(after.trade.refundedFen).toBe(1000);
  });

  it('OpenAPI: notified with refund_fee and an out_biz_no Alipay made up; refund.query finds that one only', async () => {
    const outTradeNo = await paidOpenApi('10.00');
    const part = await alipayRefund({ outTradeNo, appId: app().appId, amountFen: 250 });
    expect(part.trade.refunds[0]).toMatchObject({ source: 'alipay', amountFen: 250 });
    const outBizNo = part.trade.refunds[0].outRequestNo as string;
    expect(outBizNo).toMatch(/^ALIPAY-REFUND-\d+$/);
    const notify = part.deliveries.find((d: Json) => d.params['out_biz_no'] === outBizNo);
    expect(notify.params).toMatchObject({
      trade_status: 'TRADE_SUCCESS',
      refund_fee: '2.50',
      out_trade_no: outTradeNo,
    });
    expect(notify.params['gmt_refund']).toMatch(/\.\d{3}$/);
    expect(verifyOpenApiParams(notify.params, app().alipayPublicKey)).toBe(true);

    const found = await openApi('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: outBizNo,
    });
    expect(found).toMatchObject({ code: '10000', refund_amount: '2.50', refund_status: 'REFUND_SUCCESS' });
    // The merchant's default out_request_no (= out_trade_no) is not that refund.
    const mine = await openApi('alipay.trade.fastpay.refund.query', {
      out_trade_no: outTradeNo,
      out_request_no: outTradeNo,
    });
    expect(mine.code).toBe('10000');
    expect(mine.refund_amount).toBeUndefined();

    // The merchant's refund sees what is left (7.50), then the trade closes.
    const over = await openApi('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '8.00',
      out_request_no: 'M1',
    });
    expect(over.sub_code).toBe('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
    const second = await alipayRefund({ outTradeNo, appId: app().appId, amountFen: 50 });
    const secondNo = second.trade.refunds[1].outRequestNo as string;
    expect(secondNo).not.toBe(outBizNo);
    const rest = await openApi('alipay.trade.refund', {
      out_trade_no: outTradeNo,
      refund_amount: '7.00',
      out_request_no: 'M1',
    });
    expect(rest).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '10.00' });
    expect((await openApi('alipay.trade.query', { out_trade_no: outTradeNo })).trade_status).toBe(
      'TRADE_CLOSED',
    );
    const closedAgain = await alipayRefund({ outTradeNo, appId: app().appId });
    expect(closedAgain).toMatchObject({ status: 409, code: 'TRADE_HAS_CLOSED' });
  });

  it('a full refund by default closes an OpenAPI trade with a TRADE_CLOSED notification', async () => {
    const outTradeNo = await paidOpenApi('3.00');
    const done = await alipayRefund({ outTradeNo, appId: app().appId });
    expect(done.trade).toMatchObject({ status: 'TRADE_CLOSED', refundedFen: 300 });
    const notify = done.deliveries.find((d: Json) => d.tradeStatus === 'TRADE_CLOSED');
    expect(notify.params).toMatchObject({ refund_fee: '3.00', trade_status: 'TRADE_CLOSED' });
    expect(notify.params['out_biz_no']).toMatch(/^ALIPAY-REFUND-\d+$/);
  });
});

describe('POST /__sandbox/alipay-refund: refusals and options', () => {
  it('unpaid, closed and finished trades are 409; bad input is 400; an unknown trade 404', async () => {
    const unpaid = await precreate();
    await control(suite.sandbox, 'POST', '/open-cashier', { outTradeNo: unpaid, appId: app().appId });
    expect(await alipayRefund({ outTradeNo: unpaid, appId: app().appId })).toMatchObject({
      status: 409,
      code: 'TRADE_STATUS_NOT_AVAILD',
    });
    const escrowUnpaid = await createEscrow({ subject: 'x', notify: false });
    expect((await alipayRefund({ outTradeNo: escrowUnpaid, partner: A().partner })).status).toBe(409);

    const finished = await escrowTrade();
    await legacy({
      service: 'send_goods_confirm_by_platform',
      trade_no: finished.tradeNo,
      logistics_name: 'x',
    });
    await control(suite.sandbox, 'POST', '/confirm-receipt', { tradeNo: finished.tradeNo });
    expect((await alipayRefund({ tradeNo: finished.tradeNo })).status).toBe(409);

    const paid = await paidOpenApi();
    for (const body of [
      { amountFen: 1.5 },
      { amountFen: '100' },
      { refundStatus: false },
      { refundStatus: 'no' },
    ]) {
      const bad = await alipayRefund({ outTradeNo: paid, appId: app().appId, ...body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    expect((await alipayRefund({ outTradeNo: 'nope', appId: app().appId })).status).toBe(404);
    expect(
      (await control(suite.sandbox, 'GET', `/trades/${paid}?appId=${app().appId}`)).trade.refundedFen,
    ).toBe(0);
  });

  it('waitForNotify false answers without waiting for the notification', async () => {
    const outTradeNo = await paidOpenApi();
    suite.receiver.replies = [{ status: 200, body: 'success', delayMs: 1500 }];
    const started = Date.now();
    const done = await alipayRefund({ outTradeNo, appId: app().appId, amountFen: 100, waitForNotify: false });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(done.trade.refundedFen).toBe(100);
    expect(done.deliveries.filter((d: Json) => d.params['out_biz_no'])).toHaveLength(0);
    // It is delivered all the same, once the merchant answers.
    const delivered = await waitFor(async () =>
      (await deliveries(outTradeNo)).find(d => d.params['out_biz_no'] && d.outcome === 'success'),
    );
    expect(delivered.params['refund_fee']).toBe('1.00');
  });
});
