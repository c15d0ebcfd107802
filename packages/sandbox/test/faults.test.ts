import { describe, expect, it } from 'vitest';
import { callOpenApi, control, legacyUrl, verifyLegacyMd5, verifyOpenApiParams, waitFor } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** Fault injection through the control API: every fault, its scope and count. */

const MIN = 60_000;

const suite = sandboxSuite('F');
const { order, A, app, deliveries, createEscrow, directParams } = suite;

async function directTrade(extra: Record<string, string> = {}): Promise<string> {
  const params = directParams({ subject: 'fault test', ...extra });
  await fetch(legacyUrl(suite.sandbox, A(), params));
  return params.out_trade_no;
}

async function fault(body: Record<string, unknown>): Promise<void> {
  const res = await control(suite.sandbox, 'POST', '/faults', body);
  expect(res.status).toBe(201);
}

describe('faults', () => {
  it('drop-notify drops attempts (count) and Alipay retries on schedule', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { outTradeNo }, fault: 'drop-notify', count: 1 });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    expect((await deliveries(outTradeNo)).map(d => d.outcome)).toEqual(['dropped']);
    expect(suite.receiver.at('/notify').filter(r => r.params['out_trade_no'] === outTradeNo)).toHaveLength(0);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 4 * MIN });
    expect((await deliveries(outTradeNo)).map(d => d.outcome)).toEqual(['dropped', 'success']);
  });

  it('drop-notify without count never delivers (polling is the fallback)', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { partner: A().partner }, fault: 'drop-notify' });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 26 * 60 * MIN });
    const d = await deliveries(outTradeNo);
    expect(d).toHaveLength(8);
    expect(d.every(x => x.outcome === 'dropped')).toBe(true);
  });

  it('duplicate-notify sends each attempt twice, concurrently, with the same notify_id', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { outTradeNo }, fault: 'duplicate-notify', count: 1 });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    const got = suite.receiver.at('/notify').filter(r => r.params['out_trade_no'] === outTradeNo);
    expect(got).toHaveLength(2);
    expect(got[0]!.params['notify_id']).toBe(got[1]!.params['notify_id']);
    expect((await deliveries(outTradeNo)).map(d => d.copy)).toEqual([1, 2]);
  });

  it('delay-notify holds the first attempt for ms of sandbox time', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { outTradeNo }, fault: 'delay-notify', ms: 30_000 });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    expect(await deliveries(outTradeNo)).toHaveLength(0);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 29_000 });
    expect(await deliveries(outTradeNo)).toHaveLength(0);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 1_000 });
    expect((await deliveries(outTradeNo)).map(d => d.outcome)).toEqual(['success']);
  });

  it('reorder-notify delivers a later status change first', async () => {
    const outTradeNo = await createEscrow({ subject: 'reorder' });
    await control(suite.sandbox, 'POST', '/open-cashier', { outTradeNo, partner: A().partner });
    await fault({ scope: { outTradeNo }, fault: 'reorder-notify', count: 1 });
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    await fetch(
      legacyUrl(suite.sandbox, A(), {
        service: 'send_goods_confirm_by_platform',
        trade_no: paid.trade.tradeNo,
        logistics_name: 'EMS',
      }),
    );
    await waitFor(async () => (await deliveries(outTradeNo)).length >= 3);
    expect((await deliveries(outTradeNo)).map(d => d.tradeStatus)).toEqual([
      'WAIT_BUYER_PAY',
      'WAIT_BUYER_CONFIRM_GOODS',
      'WAIT_SELLER_SEND_GOODS',
    ]);
  });

  it('reorder-notify with nothing to overtake it still delivers, late', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { outTradeNo }, fault: 'reorder-notify', count: 1 });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    expect(await deliveries(outTradeNo)).toHaveLength(0);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 10 * MIN });
    expect(await deliveries(outTradeNo)).toHaveLength(1);
  });

  it('gateway-500 answers HTTP 500 (count), for legacy and OpenAPI gateways', async () => {
    await fault({ scope: { partner: A().partner }, fault: 'gateway-500', count: 1 });
    const url = legacyUrl(suite.sandbox, A(), { service: 'single_trade_query', out_trade_no: 'x' });
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(200);
    await fault({ scope: { appId: app().appId }, fault: 'gateway-500' });
    const res = await callOpenApi(suite.sandbox, app(), 'alipay.trade.query', { out_trade_no: 'x' });
    expect(res.status).toBe(500);
  });

  it('gateway-hang never answers until the fault is removed', async () => {
    await fault({ scope: { appId: app().appId }, fault: 'gateway-hang' });
    const pending = callOpenApi(suite.sandbox, app(), 'alipay.trade.query', { out_trade_no: 'x' }).then(
      () => 'answered',
      () => 'dropped',
    );
    const raced = await Promise.race([pending, new Promise(r => setTimeout(() => r('hanging'), 300))]);
    expect(raced).toBe('hanging');
    await control(suite.sandbox, 'DELETE', '/faults'); // releases hung requests (connection closed)
    expect(await pending).toBe('dropped');
    expect(
      (await callOpenApi(suite.sandbox, app(), 'alipay.trade.query', { out_trade_no: 'x' })).status,
    ).toBe(200);
  });

  it('notify-verify-500 and notify-verify-hang affect notify_verify only', async () => {
    const verifyUrl = `${suite.sandbox.legacyGateway}?service=notify_verify&partner=${A().partner}&notify_id=abc`;
    await fault({ scope: { partner: A().partner }, fault: 'notify-verify-500', count: 1 });
    expect(
      (await fetch(legacyUrl(suite.sandbox, A(), { service: 'single_trade_query', out_trade_no: 'x' })))
        .status,
    ).toBe(200);
    expect((await fetch(verifyUrl)).status).toBe(500);
    expect(await (await fetch(verifyUrl)).text()).toBe('false');
    await fault({ scope: { partner: A().partner }, fault: 'notify-verify-hang', count: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 300);
    await expect(fetch(verifyUrl, { signal: controller.signal })).rejects.toThrow();
    clearTimeout(timer);
    expect(await (await fetch(verifyUrl)).text()).toBe('false');
  });

  it('tamper-signature spoils one signed message; the retry is signed correctly', async () => {
    const outTradeNo = await directTrade();
    await fault({ scope: { outTradeNo }, fault: 'tamper-signature', count: 2 });
    suite.receiver.replies = ['fail'];
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    // First the return redirect, then the first notify attempt are spoiled.
    expect(verifyLegacyMd5(paid.redirect.params, A())).toBe(false);
    const first = paid.deliveries[0];
    expect(first.tampered).toBe(true);
    expect(verifyLegacyMd5(first.params, A())).toBe(false);
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 4 * MIN });
    const second = (await deliveries(outTradeNo))[1]!;
    expect(second.tampered).toBe(false);
    expect(verifyLegacyMd5(second.params, A())).toBe(true);
  });

  it('tamper-signature on OpenAPI answers and notifications', async () => {
    const outTradeNo = order();
    await callOpenApi(
      suite.sandbox,
      app(),
      'alipay.trade.precreate',
      { out_trade_no: outTradeNo, total_amount: '1.00', subject: 'x' },
      {
        notify_url: `${suite.receiver.url}/notify`,
      },
    );
    await fault({ scope: { appId: app().appId }, fault: 'tamper-signature', count: 1 });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, appId: app().appId });
    const d = (await deliveries(outTradeNo))[0]!;
    expect(verifyOpenApiParams(d.params, app().alipayPublicKey)).toBe(false);
  });

  it('faults are scoped: another trade is not affected; listing and reset', async () => {
    const hit = await directTrade();
    const miss = await directTrade();
    await fault({ scope: { outTradeNo: hit }, fault: 'drop-notify' });
    expect((await control(suite.sandbox, 'GET', '/faults')).faults).toHaveLength(1);
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo: hit, partner: A().partner });
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo: miss, partner: A().partner });
    expect((await deliveries(hit))[0]!.outcome).toBe('dropped');
    expect((await deliveries(miss))[0]!.outcome).toBe('success');
    const bad = await control(suite.sandbox, 'POST', '/faults', { fault: 'explode' });
    expect(bad.status).toBe(400);
    expect((await control(suite.sandbox, 'POST', '/faults', { fault: 'delay-notify' })).status).toBe(400);
  });

  it('reset forgets trades, deliveries, faults and the clock offset', async () => {
    const outTradeNo = await directTrade();
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    await fault({ fault: 'gateway-500' });
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 3600_000 });
    const reset = await control(suite.sandbox, 'POST', '/reset');
    expect(reset.advancedBy).toBe(0);
    expect((await control(suite.sandbox, 'GET', '/trades')).trades).toHaveLength(0);
    expect(await deliveries(outTradeNo)).toHaveLength(0);
    expect((await control(suite.sandbox, 'GET', '/faults')).faults).toHaveLength(0);
  });
});
