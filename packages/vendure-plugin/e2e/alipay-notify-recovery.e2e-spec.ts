import { TransactionalConnection } from '@vendure/core';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import { AlipayTrade } from '../src/entities/alipay-trade.entity';
import { useShop } from './alipay-shop-fixture';
import { SYNC_STATUS } from './graphql-documents';
import { startNotifyShop } from './notify-fixture';
import { control, eventually, payAsBuyer, sandboxTrade } from './sandbox-steps';
import {
  activeOrderState,
  adminOrder,
  createIntent,
  notesOf,
  open,
  postNotification,
  prepareOrder,
  transitionToState,
} from './shop-steps';

/**
 * Notification reliability: lost notifications recovered by the sync mutation and by the reconciliation
 * task; orphan payments (a second paid trade, a trade the shop never made, a cancelled order) listed,
 * noted and refunded; no secret in any log line.
 */
describe('Alipay notifications: recovery and orphan payments', () => {
  const shop = useShop(() => startNotifyShop('alipay-notify-recovery'));

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('a dropped notification is recovered by syncAlipayPaymentStatus (a guest with the active order)', async () => {
    const guest = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
    const { code } = await prepareOrder(guest, { guestEmail: 'guest-sync@example.test' });
    const intent = await createIntent(guest, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify' });
    await payAsBuyer(shop.sandbox, { outTradeNo, partner: shop.partner });
    expect(await activeOrderState(guest)).toEqual({ code, state: 'AddingItems' });
    const { syncAlipayPaymentStatus } = await guest.query(SYNC_STATUS, { orderCode: code });
    expect(syncAlipayPaymentStatus).toMatchObject({ code, state: 'PaymentSettled' });
    // The storefront only ever sees the public part of the payment metadata.
    expect(syncAlipayPaymentStatus.payments[0].metadata).toEqual({
      public: { outTradeNo, tradeNo: syncAlipayPaymentStatus.payments[0].transactionId },
    });
    await control(shop.sandbox, 'DELETE', 'faults');
  });

  it('a dropped notification is recovered by the reconciliation task', async () => {
    const { code } = await prepareOrder(shop.env.shopClient);
    const intent = await createIntent(shop.env.shopClient, 'alipay-openapi', 'desktop');
    const outTradeNo = intent.outTradeNo as string;
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, shop.sandbox.url).toString());
    await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify' });
    await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    await shop.expectUnpaid(code);
    // Pretend the trade was created pendingAfterMinutes (5) ago.
    await shop.env.server.app
      .get(TransactionalConnection)
      .rawConnection.getRepository(AlipayTrade)
      .update({ outTradeNo }, { createdAt: new Date(Date.now() - 10 * 60_000) });
    const { runScheduledTask } = await shop.env.adminClient.query(gql`
      mutation {
        runScheduledTask(id: "alipay-reconcile-pending-trades") {
          success
        }
      }
    `);
    expect(runScheduledTask).toEqual({ success: true });
    const order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments[0]?.metadata).toMatchObject({ source: 'query', outTradeNo });
    await control(shop.sandbox, 'DELETE', 'faults');
  });

  it('a second paid trade for an already paid order is an orphan: listed, noted and refunded once', async () => {
    const { code, totalWithTax } = await prepareOrder(shop.env.shopClient);
    const stale = await createIntent(shop.env.shopClient, 'alipay-direct');
    const current = await createIntent(shop.env.shopClient, 'alipay-direct');
    await open(current.url as string);
    await payAsBuyer(shop.sandbox, { outTradeNo: current.outTradeNo as string, partner: shop.partner });
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
    // The buyer still had the first cashier open (never seen by Alipay, so it could not be closed).
    await open(stale.url as string);
    const { deliveries } = await payAsBuyer(shop.sandbox, {
      outTradeNo: stale.outTradeNo as string,
      partner: shop.partner,
    });
    expect(deliveries[0]?.answer).toBe('success');

    const query = gql`
      query {
        alipayOrphanPayments {
          outTradeNo
          tradeNo
          orderCode
          amount
          reason
          reasonText
          refundStatus
          refundRequestNo
        }
      }
    `;
    const orphan = await eventually(async () => {
      const { alipayOrphanPayments } = await shop.env.adminClient.query(query);
      const found = alipayOrphanPayments.find(
        (o: { outTradeNo: string }) => o.outTradeNo === stale.outTradeNo,
      );
      // Legacy no-password refunds complete with batch_refund_notify.
      return found?.refundStatus === 'succeeded' ? found : undefined;
    });
    expect(orphan).toMatchObject({
      orderCode: code,
      amount: totalWithTax,
      reason: 'order_already_paid',
      reasonText: 'the order was already paid by another payment / 订单已通过其他付款支付',
    });
    const order = await adminOrder(shop.env.adminClient, code);
    expect(order.payments).toHaveLength(1);
    expect(
      notesOf(order).some(n => n.includes(`${orphan.tradeNo}`) && n.includes('refunded automatically')),
    ).toBe(true);
    expect((await sandboxTrade(shop.sandbox, stale.outTradeNo as string)).refundedAmount).toBe(
      (totalWithTax / 100).toFixed(2),
    );

    // Asking again refunds nothing more.
    const { refundAlipayOrphanPayment } = await shop.env.adminClient.query(
      gql`
        mutation ($outTradeNo: String!) {
          refundAlipayOrphanPayment(outTradeNo: $outTradeNo) {
            refundStatus
          }
        }
      `,
      { outTradeNo: stale.outTradeNo },
    );
    expect(refundAlipayOrphanPayment).toEqual({ refundStatus: 'succeeded' });
    const refunds = (await sandboxTrade(shop.sandbox, stale.outTradeNo as string)) as unknown as {
      refunds: unknown[];
    };
    expect(refunds.refunds).toHaveLength(1);
  });

  it('a verified notification for a trade this shop never created is acknowledged and logged', async () => {
    const stranger = shop.openApiNotification({
      out_trade_no: 'NOT-OURS-1',
      trade_no: '2026112599999999999999999999',
      total_amount: '1.00',
    });
    expect((await postNotification(shop.notifyUrl('alipay-openapi'), stranger)).text).toBe('success');
    const line = shop.env.logger.plugin().find(l => l.message.includes('NOT-OURS-1'));
    expect(line?.message).toContain('for a trade this channel never created; acknowledged');
  });

  it('a payment for a cancelled order is an orphan and is refunded automatically', async () => {
    const { code, outTradeNo } = await shop.openedOpenApiTrade();
    const order = await adminOrder(shop.env.adminClient, code);
    expect(await transitionToState(shop.env.adminClient, 'Order', order.id, 'Cancelled')).toEqual({
      __typename: 'Order',
      state: 'Cancelled',
    });
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    expect(deliveries[0]?.answer).toBe('success');
    const after = await adminOrder(shop.env.adminClient, code);
    expect(after.state).toBe('Cancelled');
    expect(after.payments).toEqual([]);
    // OpenAPI refunds answer at once.
    const trade = await sandboxTrade(shop.sandbox, outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(trade.refundedAmount).toBe((trade.totalFen / 100).toFixed(2));
    expect(notesOf(after).some(n => n.includes('the order was cancelled') && n.includes('订单已取消'))).toBe(
      true,
    );
    const { alipayOrphanPayments } = await shop.env.adminClient.query(gql`
      query {
        alipayOrphanPayments {
          outTradeNo
          reason
          refundStatus
        }
      }
    `);
    expect(alipayOrphanPayments).toContainEqual({
      outTradeNo,
      reason: 'order_cancelled',
      refundStatus: 'succeeded',
    });
  });

  it('an orphan refund Alipay refused is not sent again by itself until an Alipay-side refund changes what is left', async () => {
    const { code, outTradeNo, total, signed } = await shop.openedOpenApiTrade();
    const order = await adminOrder(shop.env.adminClient, code);
    await transitionToState(shop.env.adminClient, 'Order', order.id, 'Cancelled');
    // The payment's and a 10.00 portal refund's notifications are lost: the shop does not know yet that
    // Alipay gave part of the money back.
    await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 2 });
    const { json: paid } = await control<{ trade: { tradeNo: string } }>(shop.sandbox, 'POST', 'pay', {
      outTradeNo,
      appId: shop.appId,
    });
    const tradeNo = paid.trade.tradeNo;
    await control(shop.sandbox, 'POST', 'alipay-refund', { outTradeNo, appId: shop.appId, amountFen: 1000 });
    // The payment's notification arrives: an orphan, refunded in full by the policy, which Alipay refuses.
    const notification = signed({ trade_no: tradeNo });
    expect((await postNotification(shop.notifyUrl('alipay-openapi'), notification)).text).toBe('success');
    const refunds = () =>
      shop.env.server.app
        .get(TransactionalConnection)
        .rawConnection.getRepository(AlipayRefund)
        .find({ where: { outTradeNo }, order: { id: 'ASC' } });
    expect((await refunds()).map(r => [r.origin, r.status, r.amountFen])).toEqual([
      ['orphan', 'failed', total],
    ]);
    const reconciliation = shop.env.server.app.get(AlipayReconciliationService);

    // Reconciliation does not send the refused refund again: nothing changed.
    await reconciliation.reconcilePendingTrades();
    expect((await refunds()).map(r => [r.origin, r.status])).toEqual([['orphan', 'failed']]);

    // Alipay's notification of the portal refund arrives: what is left changed, and the rest goes back.
    await control(shop.sandbox, 'POST', 'clock/advance', { ms: 5 * 60_000 });
    await eventually(async () => ((await refunds()).some(r => r.origin === 'alipay') ? true : undefined));
    await reconciliation.reconcilePendingTrades();
    const settled = await eventually(async () => {
      const rows = await refunds();
      return rows.filter(r => r.status === 'succeeded').reduce((sum, r) => sum + r.amountFen, 0) === total
        ? rows
        : undefined;
    });
    expect(settled.map(r => [r.origin, r.status, r.amountFen])).toEqual([
      ['orphan', 'failed', total],
      ['alipay', 'succeeded', 1000],
      ['orphan', 'succeeded', total - 1000],
    ]);
    expect((await sandboxTrade(shop.sandbox, outTradeNo)).refundedAmount).toBe((total / 100).toFixed(2));
    await reconciliation.reconcilePendingTrades();
    expect(await refunds()).toHaveLength(3);
  });

  it('every plugin log line names the order and the trade; no secret was ever logged', () => {
    shop.expectSafeLogs({ minLines: 5 });
  });
});
