import {
  type ID,
  Payment,
  PaymentMethod,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { describe, expect, it } from 'vitest';
import { AlipayRefundService } from '../src/alipay-refund.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import type { AdminOrder } from './graphql-documents';
import { deliveriesFor, eventually, sandboxTrade } from './sandbox-steps';
import { adminOrder, notesOf, open, refundPayment } from './shop-steps';

/** Refunds of both generations: OpenAPI answers at once; legacy ones complete by batch_refund_notify. */
describe('Alipay refunds', () => {
  const shop = useShop(async () => {
    const started = await startAlipayShop('alipay-refunds', { signIn: true });
    await started.createMethod('alipay-openapi', {
      interfaceType: 'openapi-page',
      ...started.openapiSettings(),
    });
    await started.createMethod('alipay-nopwd', {
      interfaceType: 'legacy-direct',
      ...started.legacySettings(0),
      refundWithoutPassword: true,
    });
    await started.createMethod('alipay-pwd', {
      interfaceType: 'legacy-direct',
      ...started.legacySettings(1),
      refundWithoutPassword: false,
    });
    return started;
  });

  const refundState = async (code: string, refundId: string) => (await shop.refundOf(code, refundId))?.state;

  it('OpenAPI: a partial then a full refund, each Pending until Alipay answers, then Settled; the refund notifications are no payments', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const partial = await shop.refund(payment.id, 1000);
    // Recorded with its request number, sent to Alipay once Vendure's transaction has committed.
    expect(partial).toMatchObject({ state: 'Pending', total: 1000 });
    expect(partial.metadata).toMatchObject({
      alipayRefundStatus: 'requested',
      refundRequestNo: partial.transactionId,
    });
    const settled = await shop.settledRefund(order.code, partial.id);
    expect(settled.metadata).toMatchObject({ alipayRefundStatus: 'succeeded' });
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('10.00');

    const rest = await shop.refund(payment.id, payment.amount - 1000);
    await shop.settledRefund(order.code, rest.id);
    expect(rest.transactionId).not.toBe(partial.transactionId);
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(trade.refundedAmount).toBe((payment.amount / 100).toFixed(2));

    // Alipay notifies each refund on the trade's notify_url: acknowledged, never taken for a payment.
    const refundDeliveries = await eventually(async () => {
      const list = (await deliveriesFor(shop.sandbox, order.outTradeNo)).filter(d => d.params.out_biz_no);
      return list.length === 2 ? list : undefined;
    });
    expect(refundDeliveries.map(d => d.answer)).toEqual(['success', 'success']);
    const after = await adminOrder(shop.env.adminClient, order.code);
    expect(after.payments).toHaveLength(1);
    expect(after.payments[0]?.state).toBe('Settled');
    expect(after.payments[0]?.refunds.map(r => r.state)).toEqual(['Settled', 'Settled']);
  });

  it('a refund sent again (a lost answer, another process) refunds once: the same stored request number', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await shop.refund(payment.id, 500);
    await shop.settledRefund(order.code, created.id);
    const app = shop.env.server.app;
    const ctx = await app.get(RequestContextService).create({ apiType: 'admin' });
    const row = await app
      .get(TransactionalConnection)
      .getRepository(ctx, AlipayRefund)
      .findOneByOrFail({ requestNo: created.transactionId });
    // Sending it again answers the first result again (fund_change N): nothing moves twice.
    await app.get(AlipayRefundService).send(ctx, row);
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('5.00');
    expect((await shop.refundOf(order.code, created.id))?.state).toBe('Settled');
  });

  it('a second refund of a payment while one is still waiting for Alipay is refused, with a clear message', async () => {
    const order = await shop.paidOrder('alipay-openapi', { appId: shop.sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const app = shop.env.server.app;
    const ctx = await app.get(RequestContextService).create({ apiType: 'admin' });
    // A refund recorded, its answer not in yet (the process died before sending it, say).
    const connection = app.get(TransactionalConnection);
    const paymentEntity = await connection
      .getRepository(ctx, Payment)
      .findOneOrFail({ where: { id: payment.id.replace(/^T_/, '') as ID }, relations: ['order'] });
    const method = await connection
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code: 'alipay-openapi' });
    await app.get(AlipayRefundService).createRefund(ctx, 300, paymentEntity.order, paymentEntity, method);
    const refundOrder = await refundPayment(shop.env.adminClient, payment.id, 200, 'second').catch(
      (error: Error) => ({ __typename: 'Error', message: error.message }),
    );
    expect(refundOrder.__typename).not.toBe('Refund');
    expect(refundOrder.message).toContain('Another refund of this Alipay payment');
    expect(refundOrder.message).toContain('另一笔退款');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');
  });

  it('legacy with the no-password contract: Pending, then Settled by batch_refund_notify (partial and full)', async () => {
    const order = await shop.paidOrder('alipay-nopwd', { partner: shop.sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    for (const amount of [1000, payment.amount - 1000]) {
      const created = await shop.refund(payment.id, amount);
      expect(created.state).toBe('Pending');
      expect(created.transactionId).toMatch(/^\d{8}\d+$/);
      expect(created.metadata).toMatchObject({
        alipayRefundStatus: 'requested',
        refundRequestNo: created.transactionId,
      });
      await eventually(async () => (await refundState(order.code, created.id)) === 'Settled');
    }
    const trade = await sandboxTrade(shop.sandbox, order.outTradeNo);
    expect(trade.refundedAmount).toBe((payment.amount / 100).toFixed(2));
    const batchNotifies = (await deliveriesFor(shop.sandbox, order.outTradeNo)).filter(
      d => d.params.batch_no,
    );
    expect(batchNotifies.map(d => d.answer)).toEqual(['success', 'success']);
    // Alipay also sends trade_status_sync with refund_status: acknowledged, not taken for payments.
    const all = await deliveriesFor(shop.sandbox, order.outTradeNo);
    expect(all.filter(d => d.params.refund_status).length).toBeGreaterThan(0);
    expect(all.every(d => d.answer === 'success')).toBe(true);
    const after = await adminOrder(shop.env.adminClient, order.code);
    expect(after.payments).toHaveLength(1);
  });

  it('legacy without it: Pending with the confirmation link in metadata and history; the seller confirms; Settled', async () => {
    const merchantB = shop.sandbox.merchants[1];
    const order = await shop.paidOrder('alipay-pwd', { partner: merchantB?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await shop.refund(payment.id, 1500);
    expect(created.state).toBe('Pending');
    // Once sent, the refund carries the page where the seller confirms.
    const confirmUrl = await eventually(
      async () => (await shop.refundOf(order.code, created.id))?.metadata.confirmUrl as string | undefined,
    );
    expect(new URL(confirmUrl).searchParams.get('service')).toBe('refund_fastpay_by_platform_pwd');
    const notes = notesOf(await adminOrder(shop.env.adminClient, order.code));
    expect(notes.some(n => n.includes(confirmUrl) && n.includes('needs the seller'))).toBe(true);

    // The seller opens the link and confirms with the payment password.
    const page = await open(confirmUrl);
    expect(page.status).toBe(302);
    const confirmPage = new URL(page.location as string, shop.sandbox.url).toString();
    const confirmed = await open(confirmPage, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: merchantB?.sellerEmail ?? '', password: '111111' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    await eventually(async () => (await refundState(order.code, created.id)) === 'Settled');
    expect((await sandboxTrade(shop.sandbox, order.outTradeNo)).refundedAmount).toBe('15.00');
  });
});
