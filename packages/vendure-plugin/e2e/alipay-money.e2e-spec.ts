import {
  type ID,
  Payment,
  PaymentMethod,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { AlipayService } from '../src/alipay.service';
import { AlipayLookupService } from '../src/alipay-lookup.service';
import { AlipayRefundService } from '../src/alipay-refund.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import {
  type AdminOrder,
  adminOrder,
  control,
  createAlipayMethod,
  createIntent,
  deliveriesFor,
  eventually,
  notesOf,
  open,
  payAsBuyer,
  prepareOrder,
  REFUND_ORDER,
  type Sandbox,
  sandboxTrade,
  signInAsFirstCustomer,
  startTestSandbox,
} from './alipay-e2e-kit';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

/**
 * Money recorded equals money moved: the bugs found by trying the plugin as an attacker and as a shop
 * owner would (issue "one trade lifecycle in the core"). Each test failed on the plugin before the
 * lifecycle moved into the core.
 */
describe('Alipay money: what the shop records is what Alipay moved', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;
  let partner: string;
  let appId: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await startAlipayTestEnvironment('alipay-money');
    await env.adminClient.asSuperAdmin();
    const [merchantA] = sandbox.merchants;
    const [app] = sandbox.apps;
    if (!merchantA || !app) throw new Error('sandbox accounts missing');
    partner = merchantA.partner;
    appId = app.appId;
    process.env.ALIPAY_E2E_MONEY_KEY = merchantA.key;
    process.env.ALIPAY_E2E_MONEY_APP_KEY = app.privateKey;
    const legacy = {
      gateway: sandbox.legacyGateway,
      partnerId: merchantA.partner,
      key: 'env:ALIPAY_E2E_MONEY_KEY',
      sellerEmail: merchantA.sellerEmail,
      refundWithoutPassword: true,
    };
    await createAlipayMethod(env.adminClient, 'alipay-openapi', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      appId: app.appId,
      appPrivateKey: 'env:ALIPAY_E2E_MONEY_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      sellerId: app.sellerId,
    });
    await createAlipayMethod(env.adminClient, 'alipay-nopwd', { ...legacy, interfaceType: 'legacy-direct' });
    await createAlipayMethod(env.adminClient, 'alipay-escrow', { ...legacy, interfaceType: 'legacy-escrow' });
    await signInAsFirstCustomer(env.adminClient, env.shopClient);
  });

  afterAll(async () => {
    await env?.destroy();
    await sandbox?.close();
  });

  /** An order paid through `method` (escrow: paid into escrow, PaymentAuthorized). */
  async function paidOrder(method: string, owner: { partner?: string; appId?: string }, escrow = false) {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, method, 'desktop');
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    const outTradeNo = intent.outTradeNo as string;
    await payAsBuyer(sandbox, { outTradeNo, ...owner, ...(escrow ? { mode: 'escrow' as const } : {}) });
    const order = await eventually(async () => {
      const current = await adminOrder(env.adminClient, code);
      return current.payments.length > 0 ? current : undefined;
    });
    return { ...order, outTradeNo };
  }

  async function refund(paymentId: string, amount: number) {
    const { refundOrder } = await env.adminClient.query(REFUND_ORDER, {
      input: { paymentId, amount, shipping: 0, adjustment: 0, lines: [], reason: 'money test / 资金测试' },
    });
    return refundOrder as {
      __typename: string;
      id?: string;
      state?: string;
      message?: string;
      transactionId?: string;
    };
  }

  const settledRefundsFen = (order: AdminOrder) =>
    order.payments
      .flatMap(p => p.refunds)
      .filter(r => r.state === 'Settled')
      .reduce((sum, r) => sum + r.total, 0);
  const openRefunds = (order: AdminOrder) =>
    order.payments.flatMap(p => p.refunds).filter(r => r.state === 'Pending');

  it('bug 1: two refunds of one payment at the same time: the settled refunds add up to what Alipay refunded', async () => {
    const order = await paidOrder('alipay-openapi', { appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    // Two admins (or a double click): 1.00 and 2.50 of the same payment, at once.
    const answers = await Promise.allSettled([refund(payment.id, 100), refund(payment.id, 250)]);
    const after = await eventually(async () => {
      const current = await adminOrder(env.adminClient, order.code);
      return openRefunds(current).length === 0 ? current : undefined;
    }, 20_000);
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    const refundedFen = Math.round(Number(trade.refundedAmount) * 100);
    expect(settledRefundsFen(after), JSON.stringify({ answers, refunds: after.payments[0]?.refunds })).toBe(
      refundedFen,
    );
    // Nothing was lost either: whatever Vendure accepted, Alipay refunded.
    expect(refundedFen).toBeGreaterThan(0);
  });

  it('bug 1, as two concurrent transactions on PostgreSQL see it (the same payment, no refund yet): never two refunds under one number', async () => {
    const order = await paidOrder('alipay-openapi', { appId });
    const app = env.server.app;
    const connection = app.get(TransactionalConnection);
    const ctx = await app.get(RequestContextService).create({ apiType: 'admin' });
    const paymentId = order.payments[0]?.id.replace(/^T_/, '') as ID;
    const payment = await connection
      .getRepository(ctx, Payment)
      .findOneOrFail({ where: { id: paymentId }, relations: ['refunds', 'order'] });
    const method = await connection
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code: 'alipay-openapi' });
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
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    expect(settledFen).toBe(Math.round(Number(trade.refundedAmount) * 100));
    expect(rows.every(r => r.status === 'succeeded' || r.status === 'failed')).toBe(true);
  });

  it('bug 2: an escrow trade Alipay closes after payment: the payment is cancelled, the order flagged, shipping refused', async () => {
    const order = await paidOrder('alipay-escrow', { partner }, true);
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);
    // The buyer gets the money back through Alipay (a refund agreed on Alipay's side): TRADE_CLOSED.
    const { status } = await control(sandbox, 'POST', 'alipay-refund', {
      outTradeNo: order.outTradeNo,
      partner,
    });
    expect(status).toBe(200);
    await eventually(async () => {
      const deliveries = await deliveriesFor(sandbox, order.outTradeNo);
      return deliveries.some(d => d.params.trade_status === 'TRADE_CLOSED' && d.answer === 'success');
    });
    const after = await adminOrder(env.adminClient, order.code);
    expect(after.payments.map(p => p.state)).toEqual(['Cancelled']);
    expect(notesOf(after).some(n => n.includes('closed escrow trade') && n.includes('请勿发货'))).toBe(true);

    const { addFulfillmentToOrder } = await env.adminClient.query(
      gql`
        mutation ($input: FulfillOrderInput!) {
          addFulfillmentToOrder(input: $input) {
            __typename
            ... on ErrorResult {
              message
            }
          }
        }
      `,
      {
        input: {
          lines: after.lines.map(line => ({ orderLineId: line.id, quantity: line.quantity })),
          handler: {
            code: 'manual-fulfillment',
            arguments: [
              { name: 'method', value: 'SF Express' },
              { name: 'trackingCode', value: 'SF0000' },
            ],
          },
        },
      },
    );
    expect(addFulfillmentToOrder.__typename).not.toBe('Fulfillment');
    expect((await sandboxTrade(sandbox, order.outTradeNo)).status).toBe('TRADE_CLOSED');

    // The admin flag: a custom field on the order.
    const { order: flagged } = await env.adminClient.query(
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
    const order = await paidOrder('alipay-nopwd', { partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    // Alipay's refund notification arrives before the refund call is answered.
    const fault = await control(sandbox, 'POST', 'faults', {
      fault: 'refund-notify-first',
      scope: { outTradeNo: order.outTradeNo },
    });
    expect(fault.status).toBe(201);
    const created = await refund(payment.id, 300);
    expect(created.__typename).toBe('Refund');
    await control(sandbox, 'DELETE', 'faults');
    const after = await eventually(async () => {
      const current = await adminOrder(env.adminClient, order.code);
      return openRefunds(current).length === 0 ? current : undefined;
    }, 20_000);
    expect(after.payments[0]?.refunds.map(r => [r.total, r.state])).toEqual([[300, 'Settled']]);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('3.00');
  });

  it('a refund Alipay makes on its own side (partly, then the rest) is recorded as settled refunds, and the order flagged', async () => {
    const order = await paidOrder('alipay-openapi', { appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    let answer = await control(sandbox, 'POST', 'alipay-refund', {
      outTradeNo: order.outTradeNo,
      appId,
      amountFen: 150,
    });
    expect(answer.status).toBe(200);
    const partly = await eventually(async () => {
      const current = await adminOrder(env.adminClient, order.code);
      return settledRefundsFen(current) === 150 ? current : undefined;
    });
    expect(partly.payments[0]?.refunds.map(r => [r.total, r.state])).toEqual([[150, 'Settled']]);
    expect(notesOf(partly).some(n => n.includes('outside the shop'))).toBe(true);
    answer = await control(sandbox, 'POST', 'alipay-refund', { outTradeNo: order.outTradeNo, appId });
    expect(answer.status).toBe(200);
    await eventually(
      async () => settledRefundsFen(await adminOrder(env.adminClient, order.code)) === payment.amount,
    );
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(Math.round(Number(trade.refundedAmount) * 100)).toBe(payment.amount);
  });

  it('legacy instant: a refund on Alipay’s side (its notification names no amount) is read from the trade', async () => {
    const order = await paidOrder('alipay-nopwd', { partner });
    const answer = await control(sandbox, 'POST', 'alipay-refund', {
      outTradeNo: order.outTradeNo,
      partner,
      amountFen: 120,
    });
    expect(answer.status).toBe(200);
    const after = await eventually(async () => {
      const current = await adminOrder(env.adminClient, order.code);
      return settledRefundsFen(current) === 120 ? current : undefined;
    });
    expect(after.payments[0]?.state).toBe('Settled');
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('1.20');
  });

  it('an escrow trade closed without refund_status is cancelled too', async () => {
    const order = await paidOrder('alipay-escrow', { partner }, true);
    await control(sandbox, 'POST', 'alipay-refund', {
      outTradeNo: order.outTradeNo,
      partner,
      refundStatus: false,
    });
    await eventually(async () =>
      (await adminOrder(env.adminClient, order.code)).payments.every(p => p.state === 'Cancelled'),
    );
  });

  it('a refund whose process died right after calling Alipay is completed by reconciliation, refunding once', async () => {
    const order = await paidOrder('alipay-openapi', { appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const app = env.server.app;
    const ctx = await app.get(RequestContextService).create({ apiType: 'admin' });
    const connection = app.get(TransactionalConnection);
    const paymentEntity = await connection
      .getRepository(ctx, Payment)
      .findOneOrFail({ where: { id: payment.id.replace(/^T_/, '') as ID }, relations: ['order'] });
    const method = await connection
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code: 'alipay-openapi' });
    // Recorded (as in Vendure's transaction), then Alipay called, then the process died: no result stored.
    const recorded = await app
      .get(AlipayRefundService)
      .createRefund(ctx, 400, paymentEntity.order, paymentEntity, method);
    const row = await connection
      .getRepository(ctx, AlipayRefund)
      .findOneByOrFail({ requestNo: recorded.transactionId as string });
    const gateway = app.get(AlipayLookupService).gatewayFor(method);
    if (!gateway.ok) throw new Error('settings');
    await gateway.alipay.refund({
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
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('4.00');
  });

  it('an Alipay-side refund while a shop refund is uncertain: recorded for its exact amount once the shop refund is resolved', async () => {
    const order = await paidOrder('alipay-openapi', { appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const share = Math.floor((payment.amount * 5) / 8);
    // The shop's refund meets a gateway answering 500: its outcome is unknown (uncertain).
    await control(sandbox, 'POST', 'faults', { fault: 'gateway-500', scope: { appId }, count: 1 });
    const created = await refund(payment.id, share);
    expect(created.__typename).toBe('Refund');
    const connection = env.server.app.get(TransactionalConnection);
    await eventually(async () => {
      const row = await connection.rawConnection
        .getRepository(AlipayRefund)
        .findOneBy({ requestNo: created.transactionId ?? '' });
      return row?.status === 'uncertain';
    });
    await control(sandbox, 'DELETE', 'faults');
    // Meanwhile Alipay refunds 5/8 on its own side: Vendure cannot take it while the uncertain one is pending.
    expect(
      (
        await control(sandbox, 'POST', 'alipay-refund', {
          outTradeNo: order.outTradeNo,
          appId,
          amountFen: share,
        })
      ).status,
    ).toBe(200);
    // Reconciliation: the uncertain refund is resolved (Alipay never had it, and there is no room left for it
    // now), then the Alipay-side refund is recorded.
    await connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ outTradeNo: order.outTradeNo }, { createdAt: new Date(Date.now() - 10 * 60_000) });
    await env.server.app.get(AlipayReconciliationService).reconcilePendingTrades();
    const after = await adminOrder(env.adminClient, order.code);
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    expect(settledRefundsFen(after), JSON.stringify(after.payments[0]?.refunds)).toBe(
      Math.round(Number(trade.refundedAmount) * 100),
    );
    expect(openRefunds(after)).toEqual([]);
  });
});
