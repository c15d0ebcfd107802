import { afterEach, describe, expect, it } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import type { AdminOrder } from './graphql-documents';
import { control, deliveriesFor, eventually, sandboxTrade } from './sandbox-steps';
import { adminOrder, notesOf } from './shop-steps';

/**
 * Refunds whose answer from Alipay was lost: the request number was stored before Alipay was called,
 * reconciliation asks Alipay (`queryRefund`, or the trade's refunded total for legacy) and sends the
 * same request again when needed; a legacy batch is only ever sent again under its first number, so a
 * retry on another day cannot refund twice.
 */
describe('Alipay refunds after a lost answer', () => {
  const shop = useShop(async () => {
    // A short timeout: the sandbox's gateway-hang fault stands for an answer that never comes.
    const started = await startAlipayShop('alipay-refund-recovery', {
      plugin: { http: { timeoutMs: 1500 } },
      signIn: true,
    });
    await started.createMethod('alipay-openapi', {
      interfaceType: 'openapi-page',
      ...started.openapiSettings(),
    });
    await started.createMethod('alipay-nopwd', {
      interfaceType: 'legacy-direct',
      ...started.legacySettings(),
      refundWithoutPassword: true,
    });
    return started;
  });
  const reconciliation = () => shop.env.server.app.get(AlipayReconciliationService);

  afterEach(async () => {
    await shop.clearFaults();
  });

  /** The plugin's record of a refund (by its request number). */
  const rowOf = (requestNo: string) => shop.repository(AlipayRefund).findOneByOrFail({ requestNo });

  /**
   * A paid order and an admin refund of it while the gateway hangs: the refund is recorded, sent once
   * committed, and Alipay's answer is lost (the call times out): the plugin records it as uncertain.
   */
  async function refundWithoutAnswer(method: 'alipay-openapi' | 'alipay-nopwd', amount: number) {
    const owner = method === 'alipay-openapi' ? { appId: shop.appId } : { partner: shop.partner };
    const order = await shop.paidOrder(method, owner);
    const payment = order.payments[0] as AdminOrder['payments'][number];
    await control(shop.sandbox, 'POST', 'faults', { scope: {}, fault: 'gateway-hang', count: 1 });
    const created = await shop.refund(payment.id, amount, 'lost answer test');
    await eventually(async () => (await rowOf(created.transactionId)).status === 'uncertain', 10_000);
    await shop.clearFaults();
    return { order, payment, created, row: await rowOf(created.transactionId) };
  }

  /**
   * The lost refund had reached Alipay after all: sent here by a second client under the stored
   * numbers; with `dropNotify`, Alipay's notifications about it are lost too.
   */
  async function refundReachedAlipay(
    method: 'alipay-openapi' | 'alipay-nopwd',
    { order, payment, row, created }: Awaited<ReturnType<typeof refundWithoutAnswer>>,
    { dropNotify = false } = {},
  ): Promise<void> {
    if (dropNotify) {
      await control(shop.sandbox, 'POST', 'faults', {
        scope: { outTradeNo: order.outTradeNo },
        fault: 'drop-notify',
      });
    }
    await (await shop.gatewayOf(method)).refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: row.refundId,
      ...(method === 'alipay-nopwd' ? { refundRequestNo: row.requestNo } : {}),
      amountFen: created.total,
    });
  }

  /** Makes a refund old enough for reconciliation (`pendingAfterMinutes`). */
  const backdate = (requestNo: string) => shop.backdateRefunds({ requestNo });

  it('OpenAPI: Alipay never got it (not_found): reconciliation sends the stored number again and it settles', async () => {
    const lost = await refundWithoutAnswer('alipay-openapi', 1200);
    const { order, created } = lost;
    expect(created.state).toBe('Pending');
    expect((await shop.refundOf(order.code, created.id))?.metadata).toMatchObject({
      uncertain: true,
      refundRequestNo: created.transactionId,
    });
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');

    // Too young for reconciliation: its own answer or notification gets its chance first.
    expect(await reconciliation().resolveOpenRefunds()).toEqual({ checked: 0, resolved: 0 });
    await backdate(created.transactionId);
    expect(await reconciliation().resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await shop.refundOf(order.code, created.id);
    expect(settled).toMatchObject({ state: 'Settled', transactionId: created.transactionId });
    expect(settled?.metadata.uncertain).toBe(false);
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('12.00');
    // Nothing is left to resolve.
    expect(await reconciliation().resolveOpenRefunds()).toEqual({ checked: 0, resolved: 0 });
  });

  it('OpenAPI: Alipay did refund but the answer and the notification were lost → queryRefund settles it, no second refund', async () => {
    const lost = await refundWithoutAnswer('alipay-openapi', 700);
    const { order, created } = lost;
    // The request had reached Alipay after all: made here with the same refund ID, notification dropped.
    await refundReachedAlipay('alipay-openapi', lost, { dropNotify: true });
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');

    await backdate(created.transactionId);
    expect(await reconciliation().resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await shop.refundOf(order.code, created.id);
    expect(settled?.state).toBe('Settled');
    expect(settled?.metadata).toMatchObject({ uncertain: false, alipayRefundStatus: 'succeeded' });
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');
  });

  it('OpenAPI: a late refund notification finds the refund by its stored number', async () => {
    const lost = await refundWithoutAnswer('alipay-openapi', 300);
    const { order, created } = lost;
    await refundReachedAlipay('alipay-openapi', lost);
    // Alipay's refund notification (out_biz_no = the stored number) settles the uncertain refund.
    await eventually(async () => (await shop.refundOf(order.code, created.id))?.state === 'Settled');
    const refundNotices = (await deliveriesFor(shop.sandbox, order.outTradeNo)).filter(
      d => d.params.out_biz_no,
    );
    expect(refundNotices.map(d => [d.params.out_biz_no, d.answer])).toEqual([
      [created.transactionId, 'success'],
    ]);
  });

  it('legacy: the batch number is stored before the call; the trade shows nothing refunded, so it is sent again under the same number and batch_refund_notify settles it', async () => {
    const lost = await refundWithoutAnswer('alipay-nopwd', 900);
    const { order, created } = lost;
    expect(created.transactionId).toMatch(/^\d{8}\d{24}$/);

    await backdate(created.transactionId);
    await reconciliation().resolveOpenRefunds();
    await eventually(async () => (await shop.refundOf(order.code, created.id))?.state === 'Settled');
    const batches = (await deliveriesFor(shop.sandbox, order.outTradeNo)).filter(d => d.params.batch_no);
    expect(batches.map(d => d.params.batch_no)).toEqual([created.transactionId]);
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('9.00');
  });

  it('legacy: a batch that went through although its answer and notifications were lost is settled from the trade’s refunded total', async () => {
    const lost = await refundWithoutAnswer('alipay-nopwd', 600);
    const { order, created } = lost;
    // The batch had reached Alipay after all (here: sent by a second client); every notification lost.
    await refundReachedAlipay('alipay-nopwd', lost, { dropNotify: true });
    await eventually(
      async () => (await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount === '6.00',
    );
    await backdate(created.transactionId);
    expect(await reconciliation().resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    expect((await shop.refundOf(order.code, created.id))?.state).toBe('Settled');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('6.00');
  });

  it('legacy, on another day: the stored batch is sent, never a new one; Alipay refuses it → flagged for a person, not retried', async () => {
    const lost = await refundWithoutAnswer('alipay-nopwd', 400);
    const { order, created } = lost;
    await backdate(created.transactionId);
    // The next day on Alipay's clock: a batch number dated yesterday is no longer accepted, and a
    // new number (today's) would be a second, independent refund.
    await control(shop.sandbox, 'POST', 'clock/advance', { ms: 24 * 60 * 60_000 });
    await reconciliation().resolveOpenRefunds();
    const left = await shop.refundOf(order.code, created.id);
    expect(left?.state).toBe('Pending');
    expect(left?.transactionId).toBe(created.transactionId);
    expect((await rowOf(created.transactionId)).attentionAt).not.toBeNull();
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');
    const notes = notesOf(await adminOrder(shop.adminClient, order.code)).join('\n');
    expect(notes).toContain('check the trade in Alipay');
    // Never sent again automatically.
    const sent = (await rowOf(created.transactionId)).attempts;
    await reconciliation().resolveOpenRefunds();
    expect((await rowOf(created.transactionId)).attempts).toBe(sent);
  });
});
