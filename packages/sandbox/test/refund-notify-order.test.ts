import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beijingNow,
  control,
  formEncode,
  type Json,
  legacyUrl,
  Receiver,
  signOpenApiRequest,
  verifyLegacyMd5,
  verifyOpenApiParams,
  waitFor,
} from './helpers';
import { sandboxSuite } from './sandbox-suite';

/**
 * Alipay answers a refund call first and only then notifies about it (batch_refund_notify before the
 * trade's trade_status_sync). The `refund-notify-first` fault turns that around on purpose: the
 * notifications are delivered before the answer, like a notification overtaking the merchant's commit.
 */

const suite = sandboxSuite('NO');
const { A, app, paidDirect, paidOpenApi, deliveries, batchNo } = suite;
/** The batches' notify_url: answers `success` after 300 ms, so ordering after its answer is visible. */
let batchReceiver: Receiver;
const MIN = 60_000;
const BATCH_REPLY_MS = 300;

beforeAll(async () => {
  batchReceiver = await new Receiver().start();
  batchReceiver.fallback = { status: 200, body: 'success', delayMs: BATCH_REPLY_MS };
});
afterAll(async () => {
  await batchReceiver.close();
});

/** Calls an OpenAPI method and notes (performance.now()) when the answer reached the client. */
async function timedOpenApi(
  method: string,
  biz: Record<string, unknown>,
): Promise<{ json: Json; at: number }> {
  const res = await fetch(`${suite.sandbox.openapiGateway}?charset=utf-8`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: formEncode(signOpenApiRequest(app(), method, biz)),
  });
  const at = performance.now();
  const json = JSON.parse(await res.text()) as Json;
  return { json: json[`${method.replace(/\./g, '_')}_response`], at };
}

/** alipay.trade.refund of `amount` (default 1.00) with `out_request_no`, timed. */
const refundOpenApi = (outTradeNo: string, outRequestNo: string, amount = '1.00') =>
  timedOpenApi('alipay.trade.refund', {
    out_trade_no: outTradeNo,
    refund_amount: amount,
    out_request_no: outRequestNo,
  });

/** GET/POST a URL and note when the answer reached the client. */
async function timedFetch(url: string, init?: RequestInit): Promise<{ text: string; at: number }> {
  const res = await fetch(url, init);
  const at = performance.now();
  return { text: await res.text(), at };
}

async function batchParams(detail: string, service = 'refund_fastpay_by_platform_nopwd') {
  return {
    service,
    refund_date: beijingNow(),
    batch_no: await batchNo(),
    batch_num: String(detail.split('#').length),
    detail_data: detail,
    notify_url: `${batchReceiver.url}/batch-notify`,
  };
}

const refundNotify = (outTradeNo: string, outBizNo: string) =>
  suite.receiver
    .at('/notify')
    .find(r => r.params['out_trade_no'] === outTradeNo && r.params['out_biz_no'] === outBizNo);
const legacyRefundNotify = (outTradeNo: string) =>
  suite.receiver
    .at('/notify')
    .find(r => r.params['out_trade_no'] === outTradeNo && r.params['refund_status'] === 'REFUND_SUCCESS');
/** The seller confirms a held password refund on the sandbox's page; timed like the other answers. */
const confirmAsSeller = (pageUrl: string) =>
  timedFetch(pageUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `account=${encodeURIComponent(A().sellerEmail)}&password=${A().sellerPassword}`,
  });

/**
 * batch_refund_notify arrives after the answer (written at `answeredAt`), and the trade's own notification
 * starts only once the batch notification's first attempt was answered. Returns the trade's notification.
 */
async function expectBatchThenTrade(answeredAt: number, batchNo: string, outTradeNo: string) {
  const batch = await waitFor(() =>
    batchReceiver.at('/batch-notify').find(r => r.params['batch_no'] === batchNo),
  );
  const trade = await waitFor(() => legacyRefundNotify(outTradeNo));
  expect(batch.hr).toBeGreaterThan(answeredAt);
  expect(trade.hr).toBeGreaterThanOrEqual(batch.hr + BATCH_REPLY_MS - 5);
  return trade;
}

describe('refund notifications come after the answer', () => {
  it('alipay.trade.refund: the answer reaches the merchant before the trade_status_sync with out_biz_no', async () => {
    const outTradeNo = await paidOpenApi();
    for (const [no, amount] of [
      ['P1', '4.00'],
      ['P2', '6.00'],
    ] as const) {
      const answer = await refundOpenApi(outTradeNo, no, amount);
      expect(answer.json).toMatchObject({ code: '10000', fund_change: 'Y' });
      const notify = await waitFor(() => refundNotify(outTradeNo, no));
      expect(notify.hr).toBeGreaterThan(answer.at);
      expect(verifyOpenApiParams(notify.params, app().alipayPublicKey)).toBe(true);
      expect(notify.params['trade_status']).toBe(no === 'P1' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED');
    }
  });

  it('alipay.trade.cancel of a paid trade: answer first, then the refund notification', async () => {
    const outTradeNo = await paidOpenApi();
    const answer = await timedOpenApi('alipay.trade.cancel', { out_trade_no: outTradeNo });
    expect(answer.json).toMatchObject({ code: '10000', action: 'refund' });
    const notify = await waitFor(() =>
      suite.receiver
        .at('/notify')
        .find(r => r.params['out_trade_no'] === outTradeNo && r.params['trade_status'] === 'TRADE_CLOSED'),
    );
    expect(notify.hr).toBeGreaterThan(answer.at);
  });

  it('refund_fastpay_by_platform_nopwd: XML answer, then batch_refund_notify, then trade_status_sync', async () => {
    const t = await paidDirect();
    const params = await batchParams(`${t.tradeNo}^2.00^order`);
    const answer = await timedFetch(legacyUrl(suite.sandbox, A(), params));
    expect(answer.text).toContain('<is_success>T</is_success>');
    const trade = await expectBatchThenTrade(answer.at, params.batch_no, t.outTradeNo);
    expect(verifyLegacyMd5(trade.params, A())).toBe(true);
    const kinds = (await deliveries(t.outTradeNo)).filter(d => d.attempt === 1).map(d => d.kind);
    expect(kinds.slice(-2)).toEqual(['batch_refund_notify', 'trade_status_sync']);
  });

  it('refund_fastpay_by_platform_pwd: the confirmation page answers first, then the notifications', async () => {
    const t = await paidDirect();
    const params = await batchParams(`${t.tradeNo}^1.50^pwd`, 'refund_fastpay_by_platform_pwd');
    const page = await fetch(legacyUrl(suite.sandbox, A(), params));
    expect(page.url).toMatch(/\/refund\/confirm\/[0-9a-f]+$/);
    await page.text();
    const confirmed = await confirmAsSeller(page.url);
    expect(confirmed.text).toContain('data-testid="success-num">1<');
    await expectBatchThenTrade(confirmed.at, params.batch_no, t.outTradeNo);
  });

  it('drop-notify and delay-notify still apply to refund notifications, on the sandbox clock', async () => {
    const outTradeNo = await paidOpenApi();
    await control(suite.sandbox, 'POST', '/faults', {
      scope: { outTradeNo },
      fault: 'drop-notify',
      count: 1,
    });
    await refundOpenApi(outTradeNo, 'DROP');
    const dropped = await waitFor(async () =>
      (await deliveries(outTradeNo)).find(d => d.params['out_biz_no'] === 'DROP'),
    );
    expect(dropped.outcome).toBe('dropped');
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 4 * MIN });
    const attempts = (await deliveries(outTradeNo)).filter(d => d.params['out_biz_no'] === 'DROP');
    expect(attempts.map(d => d.outcome)).toEqual(['dropped', 'success']);

    await control(suite.sandbox, 'POST', '/faults', {
      scope: { outTradeNo },
      fault: 'delay-notify',
      ms: 30_000,
      count: 1,
    });
    await refundOpenApi(outTradeNo, 'DELAY');
    // The delay is decided once the answer is out; nothing is sent before the clock gets there.
    await waitFor(async () => {
      const list = (await control(suite.sandbox, 'GET', '/notifications')).notifications as Json[];
      return list.find(n => n.outTradeNos.includes(outTradeNo) && n.nextAttemptAt !== null);
    });
    await new Promise(r => setTimeout(r, 50));
    expect((await deliveries(outTradeNo)).filter(d => d.params['out_biz_no'] === 'DELAY')).toHaveLength(0);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 30_000 });
    expect(
      (await deliveries(outTradeNo)).filter(d => d.params['out_biz_no'] === 'DELAY').map(d => d.outcome),
    ).toEqual(['success']);
  });
});

describe('fault refund-notify-first', () => {
  it('OpenAPI: the refund notification is delivered (first attempt done) before the refund is answered', async () => {
    const outTradeNo = await paidOpenApi();
    const added = await control(suite.sandbox, 'POST', '/faults', {
      scope: { outTradeNo },
      fault: 'refund-notify-first',
      count: 1,
    });
    expect(added.status).toBe(201);
    expect(added.fault).toMatchObject({ fault: 'refund-notify-first', remaining: 1 });
    suite.receiver.replies = ['fail']; // answered or failed: either way the first attempt is done first
    const answer = await refundOpenApi(outTradeNo, 'FIRST', '2.00');
    expect(answer.json).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '2.00' });
    const notify = refundNotify(outTradeNo, 'FIRST');
    expect(notify).toBeDefined();
    expect(notify!.hr).toBeLessThan(answer.at);
    const first = (await deliveries(outTradeNo)).filter(d => d.params['out_biz_no'] === 'FIRST');
    expect(first.map(d => d.outcome)).toEqual(['rejected']);
    // Alipay retries on its schedule as usual.
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 4 * MIN });
    expect(
      (await deliveries(outTradeNo)).filter(d => d.params['out_biz_no'] === 'FIRST').map(d => d.outcome),
    ).toEqual(['rejected', 'success']);

    // count 1: the next refund is answered first again.
    const next = await refundOpenApi(outTradeNo, 'SECOND');
    const later = await waitFor(() => refundNotify(outTradeNo, 'SECOND'));
    expect(later.hr).toBeGreaterThan(next.at);
  });

  it('OpenAPI: while the first call waits for its notification, a repeat is already answered fund_change N', async () => {
    const outTradeNo = await paidOpenApi();
    await control(suite.sandbox, 'POST', '/faults', { scope: { outTradeNo }, fault: 'refund-notify-first' });
    suite.receiver.replies = [{ status: 200, body: 'success', delayMs: 300 }];
    const biz = { out_trade_no: outTradeNo, refund_amount: '3.00', out_request_no: 'SLOW' };
    const first = timedOpenApi('alipay.trade.refund', biz);
    await waitFor(() => suite.receiver.at('/notify').some(r => r.params['out_biz_no'] === 'SLOW'));
    const repeat = await timedOpenApi('alipay.trade.refund', biz);
    const original = await first;
    expect(repeat.json).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '3.00' });
    expect(original.json).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '3.00' });
    expect(repeat.at).toBeLessThan(original.at);
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?appId=${app().appId}`);
    expect(trade.trade.refundedFen).toBe(300);
  });

  it('legacy nopwd: batch_refund_notify, then trade_status_sync, then the XML answer', async () => {
    const t = await paidDirect();
    await control(suite.sandbox, 'POST', '/faults', {
      scope: { partner: A().partner, outTradeNo: t.outTradeNo },
      fault: 'refund-notify-first',
      count: 1,
    });
    const params = await batchParams(`${t.tradeNo}^2.00^first`);
    const answer = await timedFetch(legacyUrl(suite.sandbox, A(), params));
    expect(answer.text).toContain('<is_success>T</is_success>');
    const batch = batchReceiver.at('/batch-notify').find(r => r.params['batch_no'] === params.batch_no);
    const trade = legacyRefundNotify(t.outTradeNo);
    expect(batch).toBeDefined();
    expect(trade).toBeDefined();
    expect(batch!.hr).toBeLessThan(trade!.hr);
    expect(trade!.hr).toBeLessThan(answer.at);
    expect((await control(suite.sandbox, 'GET', '/faults')).faults).toHaveLength(0);
  });

  it('legacy pwd: the notifications come before the confirmation page', async () => {
    const t = await paidDirect();
    await control(suite.sandbox, 'POST', '/faults', {
      scope: { outTradeNo: t.outTradeNo },
      fault: 'refund-notify-first',
      count: 1,
    });
    const params = await batchParams(`${t.tradeNo}^1.00^pwd first`, 'refund_fastpay_by_platform_pwd');
    const page = await fetch(legacyUrl(suite.sandbox, A(), params));
    await page.text();
    const confirmed = await confirmAsSeller(page.url);
    expect(confirmed.text).toContain('data-testid="success-num">1<');
    const trade = legacyRefundNotify(t.outTradeNo);
    expect(trade).toBeDefined();
    expect(trade!.hr).toBeLessThan(confirmed.at);
  });

  it('is scoped: another app/partner or trade is answered first as usual', async () => {
    const hit = await paidOpenApi();
    const miss = await paidOpenApi();
    await control(suite.sandbox, 'POST', '/faults', {
      scope: { outTradeNo: hit },
      fault: 'refund-notify-first',
    });
    await control(suite.sandbox, 'POST', '/faults', {
      scope: { partner: A().partner },
      fault: 'refund-notify-first',
    });
    const answer = await refundOpenApi(miss, 'MISS');
    const notify = await waitFor(() => refundNotify(miss, 'MISS'));
    expect(notify.hr).toBeGreaterThan(answer.at);
  });
});
