import {
  type ID,
  Payment,
  PaymentMethod,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayRefundService } from '../src/alipay-refund.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import {
  type AdminOrder,
  adminOrder,
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

/** Refunds of both generations: OpenAPI answers at once; legacy ones complete by batch_refund_notify. */
describe('Alipay refunds', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await startAlipayTestEnvironment('alipay-refunds');
    await env.adminClient.asSuperAdmin();
    const [merchantA, merchantB] = sandbox.merchants;
    const [app] = sandbox.apps;
    if (!merchantA || !merchantB || !app) throw new Error('sandbox accounts missing');
    process.env.ALIPAY_E2E_REFUND_KEY_A = merchantA.key;
    process.env.ALIPAY_E2E_REFUND_KEY_B = merchantB.key;
    process.env.ALIPAY_E2E_REFUND_APP_KEY = app.privateKey;
    await createAlipayMethod(env.adminClient, 'alipay-openapi', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      appId: app.appId,
      appPrivateKey: 'env:ALIPAY_E2E_REFUND_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      sellerId: app.sellerId,
    });
    await createAlipayMethod(env.adminClient, 'alipay-nopwd', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      partnerId: merchantA.partner,
      key: 'env:ALIPAY_E2E_REFUND_KEY_A',
      sellerEmail: merchantA.sellerEmail,
      refundWithoutPassword: true,
    });
    await createAlipayMethod(env.adminClient, 'alipay-pwd', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      partnerId: merchantB.partner,
      key: 'env:ALIPAY_E2E_REFUND_KEY_B',
      sellerEmail: merchantB.sellerEmail,
      refundWithoutPassword: false,
    });
    await signInAsFirstCustomer(env.adminClient, env.shopClient);
  });

  afterAll(async () => {
    await env?.destroy();
    await sandbox?.close();
  });

  /** A paid order (PaymentSettled) through the given method. */
  async function paidOrder(
    method: string,
    owner: { partner?: string; appId?: string },
  ): Promise<AdminOrder & { outTradeNo: string }> {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, method, 'desktop');
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    await payAsBuyer(sandbox, { outTradeNo: intent.outTradeNo as string, ...owner });
    const order = await adminOrder(env.adminClient, code);
    expect(order.state).toBe('PaymentSettled');
    return { ...order, outTradeNo: intent.outTradeNo as string };
  }

  async function refund(paymentId: string, amount: number) {
    const { refundOrder } = await env.adminClient.query(REFUND_ORDER, {
      // Vendure 3.7.3 still stores the deprecated shipping/adjustment columns as NOT NULL.
      input: {
        paymentId,
        amount,
        shipping: 0,
        adjustment: 0,
        lines: [],
        reason: 'Customer changed mind / 买家不想要了',
      },
    });
    expect(refundOrder.__typename, JSON.stringify(refundOrder)).toBe('Refund');
    return refundOrder as {
      id: string;
      state: string;
      total: number;
      transactionId: string;
      metadata: Record<string, unknown>;
    };
  }

  async function refundState(code: string, refundId: string): Promise<string | undefined> {
    return (await refundOf(code, refundId))?.state;
  }

  async function refundOf(code: string, refundId: string) {
    const order = await adminOrder(env.adminClient, code);
    return order.payments.flatMap(p => p.refunds).find(r => r.id === refundId);
  }

  /** Waits for the refund to settle (it is sent to Alipay once Vendure's transaction committed). */
  async function settledRefund(code: string, refundId: string) {
    return eventually(async () => {
      const current = await refundOf(code, refundId);
      return current?.state === 'Settled' ? current : undefined;
    });
  }

  it('OpenAPI: a partial then a full refund, each Pending until Alipay answers, then Settled; the refund notifications are no payments', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const partial = await refund(payment.id, 1000);
    // Recorded with its request number, sent to Alipay once Vendure's transaction has committed.
    expect(partial).toMatchObject({ state: 'Pending', total: 1000 });
    expect(partial.metadata).toMatchObject({
      alipayRefundStatus: 'requested',
      refundRequestNo: partial.transactionId,
    });
    const settled = await settledRefund(order.code, partial.id);
    expect(settled.metadata).toMatchObject({ alipayRefundStatus: 'succeeded' });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('10.00');

    const rest = await refund(payment.id, payment.amount - 1000);
    await settledRefund(order.code, rest.id);
    expect(rest.transactionId).not.toBe(partial.transactionId);
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(trade.refundedAmount).toBe((payment.amount / 100).toFixed(2));

    // Alipay notifies each refund on the trade's notify_url: acknowledged, never taken for a payment.
    const refundDeliveries = await eventually(async () => {
      const list = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.out_biz_no);
      return list.length === 2 ? list : undefined;
    });
    expect(refundDeliveries.map(d => d.answer)).toEqual(['success', 'success']);
    const after = await adminOrder(env.adminClient, order.code);
    expect(after.payments).toHaveLength(1);
    expect(after.payments[0]?.state).toBe('Settled');
    expect(after.payments[0]?.refunds.map(r => r.state)).toEqual(['Settled', 'Settled']);
  });

  it('a refund sent again (a lost answer, another process) refunds once: the same stored request number', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refund(payment.id, 500);
    await settledRefund(order.code, created.id);
    const app = env.server.app;
    const ctx = await app.get(RequestContextService).create({ apiType: 'admin' });
    const row = await app
      .get(TransactionalConnection)
      .getRepository(ctx, AlipayRefund)
      .findOneByOrFail({ requestNo: created.transactionId });
    // Sending it again answers the first result again (fund_change N): nothing moves twice.
    await app.get(AlipayRefundService).send(ctx, row);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('5.00');
    expect((await refundOf(order.code, created.id))?.state).toBe('Settled');
  });

  it('a second refund of a payment while one is still waiting for Alipay is refused, with a clear message', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const app = env.server.app;
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
    const { refundOrder } = await env.adminClient
      .query(REFUND_ORDER, {
        input: {
          paymentId: payment.id,
          amount: 200,
          shipping: 0,
          adjustment: 0,
          lines: [],
          reason: 'second',
        },
      })
      .catch((error: Error) => ({ refundOrder: { __typename: 'Error', message: error.message } }));
    expect(refundOrder.__typename).not.toBe('Refund');
    expect(refundOrder.message).toContain('Another refund of this Alipay payment');
    expect(refundOrder.message).toContain('另一笔退款');
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');
  });

  it('legacy with the no-password contract: Pending, then Settled by batch_refund_notify (partial and full)', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    for (const amount of [1000, payment.amount - 1000]) {
      const created = await refund(payment.id, amount);
      expect(created.state).toBe('Pending');
      expect(created.transactionId).toMatch(/^\d{8}\d+$/);
      expect(created.metadata).toMatchObject({
        alipayRefundStatus: 'requested',
        refundRequestNo: created.transactionId,
      });
      await eventually(async () => (await refundState(order.code, created.id)) === 'Settled');
    }
    const trade = await sandboxTrade(sandbox, order.outTradeNo);
    expect(trade.refundedAmount).toBe((payment.amount / 100).toFixed(2));
    const batchNotifies = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.batch_no);
    expect(batchNotifies.map(d => d.answer)).toEqual(['success', 'success']);
    // Alipay also sends trade_status_sync with refund_status: acknowledged, not taken for payments.
    const all = await deliveriesFor(sandbox, order.outTradeNo);
    expect(all.filter(d => d.params.refund_status).length).toBeGreaterThan(0);
    expect(all.every(d => d.answer === 'success')).toBe(true);
    const after = await adminOrder(env.adminClient, order.code);
    expect(after.payments).toHaveLength(1);
  });

  it('legacy without it: Pending with the confirmation link in metadata and history; the seller confirms; Settled', async () => {
    const merchantB = sandbox.merchants[1];
    const order = await paidOrder('alipay-pwd', { partner: merchantB?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refund(payment.id, 1500);
    expect(created.state).toBe('Pending');
    // Once sent, the refund carries the page where the seller confirms.
    const confirmUrl = await eventually(
      async () => (await refundOf(order.code, created.id))?.metadata.confirmUrl as string | undefined,
    );
    expect(new URL(confirmUrl).searchParams.get('service')).toBe('refund_fastpay_by_platform_pwd');
    const notes = notesOf(await adminOrder(env.adminClient, order.code));
    expect(notes.some(n => n.includes(confirmUrl) && n.includes('needs the seller'))).toBe(true);

    // The seller opens the link and confirms with the payment password.
    const page = await open(confirmUrl);
    expect(page.status).toBe(302);
    const confirmPage = new URL(page.location as string, sandbox.url).toString();
    const confirmed = await open(confirmPage, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: merchantB?.sellerEmail ?? '', password: '111111' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    await eventually(async () => (await refundState(order.code, created.id)) === 'Settled');
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('15.00');
  });
});
