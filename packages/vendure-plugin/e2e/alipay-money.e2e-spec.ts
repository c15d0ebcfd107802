import { TransactionalConnection } from '@vendure/core';
import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { AlipayService } from '../src/alipay.service';
import { AlipayRefundService } from '../src/alipay-refund.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import type { AdminOrder } from './graphql-documents';
import { control, deliveriesFor, eventually, sandboxTrade } from './sandbox-steps';
import { adminOrder, fulfilOrder, notesOf, refundPayment } from './shop-steps';

/**
 * Money recorded equals money moved: the bugs found by trying the plugin as an attacker and as a shop
 * owner would (issue "one trade lifecycle in the core"). Each test failed on the plugin before the
 * lifecycle moved into the core.
 */
describe('Alipay money: what the shop records is what Alipay moved', () => {
  const shop = useShop(async () => {
    const started = await startAlipayShop('alipay-money', { signIn: true });
    const legacy = { ...started.legacySettings(), refundWithoutPassword: true };
    await started.createMethod('alipay-openapi', {
      interfaceType: 'openapi-page',
      ...started.openapiSettings(),
    });
    await started.createMethod('alipay-nopwd', { ...legacy, interfaceType: 'legacy-direct' });
    await started.createMethod('alipay-escrow', { ...legacy, interfaceType: 'legacy-escrow' });
    return started;
  });

  const refund = (paymentId: string, amount: number) =>
    refundPayment(shop.env.adminClient, paymentId, amount, 'money test / 资金测试');

  const settledRefundsFen = (order: AdminOrder) =>
    order.payments
      .flatMap(p => p.refunds)
      .filter(r => r.state === 'Settled')
      .reduce((sum, r) => sum + r.total, 0);
  const openRefunds = (order: AdminOrder) =>
    order.payments.flatMap(p => p.refunds).filter(r => r.state === 'Pending');

  /**
   * Alipay refunds a trade on its own side (a buyer's complaint, the merchant portal), which the shop
   * learns of only by notification or by asking: `amountFen` of it, or the rest when absent.
   */
  const refundOnAlipaySide = async (
    outTradeNo: string,
    account: { appId: string } | { partner: string },
    refund: { amountFen?: number; refundStatus?: boolean } = {},
  ) => {
    const { status } = await control(shop.sandbox, 'POST', 'alipay-refund', {
      outTradeNo,
      ...account,
      ...refund,
    });
    expect(status).toBe(200);
  };
  /** The order once its settled refunds add up to `fen`. */
  const withSettledRefunds = (code: string, fen: number) =>
    eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return settledRefundsFen(current) === fen ? current : undefined;
    });

  it('bug 1: two refunds of one payment at the same time: the settled refunds add up to what Alipay refunded', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    // Two admins (or a double click): 1.00 and 2.50 of the same payment, at once.
    const answers = await Promise.allSettled([refund(payment.id, 100), refund(payment.id, 250)]);
    const after = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, order.code);
      return openRefunds(current).length === 0 ? current : undefined;
    }, 20_000);
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    const refundedFen = Math.round(Number(trade.refundedAmount) * 100);
    expect(settledRefundsFen(after), JSON.stringify({ answers, refunds: after.payments[0]?.refunds })).toBe(
      refundedFen,
    );
    // Nothing was lost either: whatever Vendure accepted, Alipay refunded.
    expect(refundedFen).toBeGreaterThan(0);
  });

  it('bug 1, as two concurrent transactions on PostgreSQL see it (the same payment, no refund yet): never two refunds under one number', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.appId });
    const app = shop.env.server.app;
    const connection = app.get(TransactionalConnection);
    const { ctx, payment, method } = await shop.paymentEntities(
      order.payments[0]?.id ?? '',
      'alipay-openapi',
    );
    const paymentId = payment.id;
    // Both transactions read the payment before either has written its refund (SQLite cannot run two
    // transactions at once, so they run one after the other here, from the same snapshot).
    const attempts: PromiseSettledResult<Awaited<ReturnType<AlipayService['createRefund']>>>[] = [];
    for (const amount of [100, 250]) {
      const [attempt] = await Promise.allSettled([
        app
          .get(AlipayService)
          .createRefund(
            ctx,
            { paymentId, amount } as never,
            amount,
            payment.order,
            payment,
            {} as never,
            method,
          ),
      ]);
      attempts.push(attempt as (typeof attempts)[number]);
    }
    const answered = attempts.flatMap(a => (a.status === 'fulfilled' ? [a.value] : []));
    const requestNos = answered.map(a => a.transactionId).filter(Boolean);
    expect(new Set(requestNos).size, JSON.stringify(attempts)).toBe(requestNos.length);
    // Vendure sends each recorded refund once its transaction committed; the result is what Alipay did.
    const refunds = app.get(AlipayRefundService);
    for (const requestNo of requestNos) {
      const row = await connection
        .getRepository(ctx, AlipayRefund)
        .findOneByOrFail({ requestNo: requestNo as string });
      await refunds.send(ctx, row);
    }
    const rows = await connection
      .getRepository(ctx, AlipayRefund)
      .find({ where: { outTradeNo: order.outTradeNo } });
    const settledFen = rows.filter(r => r.status === 'succeeded').reduce((sum, r) => sum + r.amountFen, 0);
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    expect(settledFen).toBe(Math.round(Number(trade.refundedAmount) * 100));
    expect(rows.every(r => r.status === 'succeeded' || r.status === 'failed')).toBe(true);
  });

  it('bug 2: an escrow trade Alipay closes after payment: the payment is cancelled, the order flagged, shipping refused', async () => {
    const order = await shop.paidOrder('alipay-escrow', { partner: shop.partner }, { mode: 'escrow' });
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);
    // The buyer gets the money back through Alipay (a refund agreed on Alipay's side): TRADE_CLOSED.
    await refundOnAlipaySide(order.outTradeNo, { partner: shop.partner });
    await eventually(async () => {
      const deliveries = await deliveriesFor(shop.sandbox, order.outTradeNo);
      return deliveries.some(d => d.params.trade_status === 'TRADE_CLOSED' && d.answer === 'success');
    });
    const after = await adminOrder(shop.env.adminClient, order.code);
    expect(after.payments.map(p => p.state)).toEqual(['Cancelled']);
    expect(notesOf(after).some(n => n.includes('closed escrow trade') && n.includes('请勿发货'))).toBe(true);

    const fulfillment = await fulfilOrder(shop.env.adminClient, after, 'SF0000');
    expect(fulfillment.__typename).not.toBe('Fulfillment');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).status).toBe('TRADE_CLOSED');

    // The admin flag: a custom field on the order.
    const { order: flagged } = await shop.env.adminClient.query(
      gql`
        query ($id: ID!) {
          order(id: $id) {
            customFields {
              alipayAlert
            }
          }
        }
      `,
      { id: after.id },
    );
    expect(flagged.customFields.alipayAlert).toContain('closed escrow trade');
  });

  it('bug 3: a batch_refund_notify that overtakes the refund’s own commit is not lost', async () => {
    const order = await shop.paidOrder('alipay-nopwd', { partner: shop.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    // Alipay's refund notification arrives before the refund call is answered.
    const fault = await control(shop.sandbox, 'POST', 'faults', {
      fault: 'refund-notify-first',
      scope: { outTradeNo: order.outTradeNo },
    });
    expect(fault.status).toBe(201);
    const created = await refund(payment.id, 300);
    expect(created.__typename).toBe('Refund');
    await control(shop.sandbox, 'DELETE', 'faults');
    const after = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, order.code);
      return openRefunds(current).length === 0 ? current : undefined;
    }, 20_000);
    expect(after.payments[0]?.refunds.map(r => [r.total, r.state])).toEqual([[300, 'Settled']]);
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('3.00');
  });

  it('a refund Alipay makes on its own side (partly, then the rest) is recorded as settled refunds, and the order flagged', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    await refundOnAlipaySide(order.outTradeNo, { appId: shop.appId }, { amountFen: 150 });
    const partly = await withSettledRefunds(order.code, 150);
    expect(partly.payments[0]?.refunds.map(r => [r.total, r.state])).toEqual([[150, 'Settled']]);
    expect(notesOf(partly).some(n => n.includes('outside the shop'))).toBe(true);
    await refundOnAlipaySide(order.outTradeNo, { appId: shop.appId });
    await withSettledRefunds(order.code, payment.amount);
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(Math.round(Number(trade.refundedAmount) * 100)).toBe(payment.amount);
  });

  it('legacy instant: a refund on Alipay’s side (its notification names no amount) is read from the trade', async () => {
    const order = await shop.paidOrder('alipay-nopwd', { partner: shop.partner });
    await refundOnAlipaySide(order.outTradeNo, { partner: shop.partner }, { amountFen: 120 });
    const after = await withSettledRefunds(order.code, 120);
    expect(after.payments[0]?.state).toBe('Settled');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('1.20');
  });

  it('an escrow trade closed without refund_status is cancelled too', async () => {
    const order = await shop.paidOrder('alipay-escrow', { partner: shop.partner }, { mode: 'escrow' });
    await refundOnAlipaySide(order.outTradeNo, { partner: shop.partner }, { refundStatus: false });
    await eventually(async () =>
      (await adminOrder(shop.env.adminClient, order.code)).payments.every(p => p.state === 'Cancelled'),
    );
  });

  it('a refund whose process died right after calling Alipay is completed by reconciliation, refunding once', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const app = shop.env.server.app;
    const connection = app.get(TransactionalConnection);
    const { ctx, payment: paymentEntity, method } = await shop.paymentEntities(payment.id, 'alipay-openapi');
    // Recorded (as in Vendure's transaction), then Alipay called, then the process died: no result stored.
    const recorded = await app
      .get(AlipayRefundService)
      .createRefund(ctx, 400, paymentEntity.order, paymentEntity, method);
    const row = await connection
      .getRepository(ctx, AlipayRefund)
      .findOneByOrFail({ requestNo: recorded.transactionId as string });
    await (await shop.gatewayOf('alipay-openapi')).refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: row.refundId,
      amountFen: 400,
    });
    await connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ id: row.id }, { attempts: 1, createdAt: new Date(Date.now() - 10 * 60_000) });
    expect(
      (await connection.getRepository(ctx, AlipayRefund).findOneByOrFail({ id: row.id })).status,
    ).not.toBe('succeeded');
    await app.get(AlipayReconciliationService).resolveOpenRefunds();
    const settled = await connection.getRepository(ctx, AlipayRefund).findOneByOrFail({ id: row.id });
    expect(settled.status).toBe('succeeded');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('4.00');
  });

  it('an Alipay-side refund while a shop refund is uncertain: recorded for its exact amount once the shop refund is resolved', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const share = Math.floor((payment.amount * 5) / 8);
    // The shop's refund meets a gateway answering 500: its outcome is unknown (uncertain).
    await control(shop.sandbox, 'POST', 'faults', {
      fault: 'gateway-500',
      scope: { appId: shop.appId },
      count: 1,
    });
    const created = await refund(payment.id, share);
    expect(created.__typename).toBe('Refund');
    const connection = shop.env.server.app.get(TransactionalConnection);
    await eventually(async () => {
      const row = await connection.rawConnection
        .getRepository(AlipayRefund)
        .findOneBy({ requestNo: created.transactionId ?? '' });
      return row?.status === 'uncertain';
    });
    await control(shop.sandbox, 'DELETE', 'faults');
    // Meanwhile Alipay refunds 5/8 on its own side: Vendure cannot take it while the uncertain one is pending.
    await refundOnAlipaySide(order.outTradeNo, { appId: shop.appId }, { amountFen: share });
    // Reconciliation: the uncertain refund is resolved (Alipay never had it, and there is no room left for it
    // now), then the Alipay-side refund is recorded.
    await shop.backdateRefunds({ outTradeNo: order.outTradeNo });
    await shop.env.server.app.get(AlipayReconciliationService).reconcilePendingTrades();
    const after = await adminOrder(shop.env.adminClient, order.code);
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    expect(settledRefundsFen(after), JSON.stringify(after.payments[0]?.refunds)).toBe(
      Math.round(Number(trade.refundedAmount) * 100),
    );
    expect(openRefunds(after)).toEqual([]);
  });
});
