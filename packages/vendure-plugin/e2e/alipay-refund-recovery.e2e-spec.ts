import { PaymentMethod, RequestContextService, TransactionalConnection } from '@vendure/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { AlipayLookupService } from '../src/alipay-lookup.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import {
  type AdminOrder,
  adminOrder,
  type CreatedRefund,
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
 * Refunds whose answer from Alipay was lost: the request number was stored before Alipay was called,
 * reconciliation asks Alipay (`queryRefund`, or the trade's refunded total for legacy) and sends the
 * same request again when needed; a legacy batch is only ever sent again under its first number, so a
 * retry on another day cannot refund twice.
 */
describe('Alipay refunds after a lost answer', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;
  let lookups: AlipayLookupService;
  let reconciliation: AlipayReconciliationService;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // A short timeout: the sandbox's gateway-hang fault stands for an answer that never comes.
    env = await startAlipayTestEnvironment('alipay-refund-recovery', { http: { timeoutMs: 1500 } });
    lookups = env.server.app.get(AlipayLookupService);
    reconciliation = env.server.app.get(AlipayReconciliationService);
    await env.adminClient.asSuperAdmin();
    const [merchantA] = sandbox.merchants;
    const [app] = sandbox.apps;
    if (!merchantA || !app) throw new Error('sandbox accounts missing');
    process.env.ALIPAY_E2E_RECOVERY_KEY_A = merchantA.key;
    process.env.ALIPAY_E2E_RECOVERY_APP_KEY = app.privateKey;
    await createAlipayMethod(env.adminClient, 'alipay-openapi', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      appId: app.appId,
      appPrivateKey: 'env:ALIPAY_E2E_RECOVERY_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      sellerId: app.sellerId,
    });
    await createAlipayMethod(env.adminClient, 'alipay-nopwd', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      partnerId: merchantA.partner,
      key: 'env:ALIPAY_E2E_RECOVERY_KEY_A',
      sellerEmail: merchantA.sellerEmail,
      refundWithoutPassword: true,
    });
    await signInAsFirstCustomer(env.adminClient, env.shopClient);
  });

  afterEach(async () => {
    await control(sandbox, 'DELETE', 'faults');
  });

  afterAll(async () => {
    await env?.destroy();
    await sandbox?.close();
  });

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

  /** The plugin's record of a refund (by its request number). */
  async function rowOf(requestNo: string): Promise<AlipayRefund> {
    return env.server.app
      .get(TransactionalConnection)
      .rawConnection.getRepository(AlipayRefund)
      .findOneByOrFail({ requestNo });
  }

  /**
   * An admin refund while the gateway hangs: the refund is recorded, sent once committed, and Alipay's
   * answer is lost (the call times out): the plugin records it as uncertain.
   */
  async function refundWithoutAnswer(paymentId: string, amount: number): Promise<CreatedRefund> {
    await control(sandbox, 'POST', 'faults', { scope: {}, fault: 'gateway-hang', count: 1 });
    const { refundOrder } = await env.adminClient.query(REFUND_ORDER, {
      input: { paymentId, amount, shipping: 0, adjustment: 0, lines: [], reason: 'lost answer test' },
    });
    expect(refundOrder.__typename, JSON.stringify(refundOrder)).toBe('Refund');
    await eventually(async () => (await rowOf(refundOrder.transactionId)).status === 'uncertain', 10_000);
    await control(sandbox, 'DELETE', 'faults');
    return refundOrder as CreatedRefund;
  }

  /** Makes a refund old enough for reconciliation (`pendingAfterMinutes`). */
  async function backdate(requestNo: string, minutes = 10): Promise<void> {
    await env.server.app
      .get(TransactionalConnection)
      .rawConnection.getRepository(AlipayRefund)
      .update({ requestNo }, { createdAt: new Date(Date.now() - minutes * 60_000) });
  }

  /** The facade of a payment method, as an independent client of Alipay (a second process, say). */
  async function gatewayOf(code: string) {
    const ctx = await env.server.app.get(RequestContextService).create({ apiType: 'admin' });
    const method = await env.server.app
      .get(TransactionalConnection)
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code });
    const gateway = lookups.gatewayFor(method);
    if (!gateway.ok) throw new Error('settings');
    return gateway.alipay;
  }

  async function refundOf(code: string, refundId: string) {
    const order = await adminOrder(env.adminClient, code);
    return order.payments.flatMap(p => p.refunds).find(r => r.id === refundId);
  }

  it('OpenAPI: Alipay never got it (not_found): reconciliation sends the stored number again and it settles', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 1200);
    expect(created.state).toBe('Pending');
    expect((await refundOf(order.code, created.id))?.metadata).toMatchObject({
      uncertain: true,
      refundRequestNo: created.transactionId,
    });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');

    // Too young for reconciliation: its own answer or notification gets its chance first.
    expect(await reconciliation.resolveOpenRefunds()).toEqual({ checked: 0, resolved: 0 });
    await backdate(created.transactionId);
    expect(await reconciliation.resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await refundOf(order.code, created.id);
    expect(settled).toMatchObject({ state: 'Settled', transactionId: created.transactionId });
    expect(settled?.metadata.uncertain).toBe(false);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('12.00');
    // Nothing is left to resolve.
    expect(await reconciliation.resolveOpenRefunds()).toEqual({ checked: 0, resolved: 0 });
  });

  it('OpenAPI: Alipay did refund but the answer and the notification were lost → queryRefund settles it, no second refund', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 700);
    const row = await rowOf(created.transactionId);
    // The request had reached Alipay after all: made here with the same refund ID, notification dropped.
    await control(sandbox, 'POST', 'faults', {
      scope: { outTradeNo: order.outTradeNo },
      fault: 'drop-notify',
    });
    await (await gatewayOf('alipay-openapi')).refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: row.refundId,
      amountFen: 700,
    });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');

    await backdate(created.transactionId);
    expect(await reconciliation.resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await refundOf(order.code, created.id);
    expect(settled?.state).toBe('Settled');
    expect(settled?.metadata).toMatchObject({ uncertain: false, alipayRefundStatus: 'succeeded' });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');
  });

  it('OpenAPI: a late refund notification finds the refund by its stored number', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 300);
    const row = await rowOf(created.transactionId);
    await (await gatewayOf('alipay-openapi')).refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: row.refundId,
      amountFen: 300,
    });
    // Alipay's refund notification (out_biz_no = the stored number) settles the uncertain refund.
    await eventually(async () => (await refundOf(order.code, created.id))?.state === 'Settled');
    const refundNotices = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.out_biz_no);
    expect(refundNotices.map(d => [d.params.out_biz_no, d.answer])).toEqual([
      [created.transactionId, 'success'],
    ]);
  });

  it('legacy: the batch number is stored before the call; the trade shows nothing refunded, so it is sent again under the same number and batch_refund_notify settles it', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 900);
    expect(created.transactionId).toMatch(/^\d{8}\d{24}$/);

    await backdate(created.transactionId);
    await reconciliation.resolveOpenRefunds();
    await eventually(async () => (await refundOf(order.code, created.id))?.state === 'Settled');
    const batches = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.batch_no);
    expect(batches.map(d => d.params.batch_no)).toEqual([created.transactionId]);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('9.00');
  });

  it('legacy: a batch that went through although its answer and notifications were lost is settled from the trade’s refunded total', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 600);
    const row = await rowOf(created.transactionId);
    // The batch had reached Alipay after all (here: sent by a second client); every notification lost.
    await control(sandbox, 'POST', 'faults', {
      scope: { outTradeNo: order.outTradeNo },
      fault: 'drop-notify',
    });
    await (await gatewayOf('alipay-nopwd')).refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: row.refundId,
      refundRequestNo: row.requestNo,
      amountFen: 600,
    });
    await eventually(async () => (await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount === '6.00');
    await backdate(created.transactionId);
    expect(await reconciliation.resolveOpenRefunds()).toEqual({ checked: 1, resolved: 1 });
    expect((await refundOf(order.code, created.id))?.state).toBe('Settled');
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('6.00');
  });

  it('legacy, on another day: the stored batch is sent, never a new one; Alipay refuses it → flagged for a person, not retried', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 400);
    await backdate(created.transactionId);
    // The next day on Alipay's clock: a batch number dated yesterday is no longer accepted, and a
    // new number (today's) would be a second, independent refund.
    await control(sandbox, 'POST', 'clock/advance', { ms: 24 * 60 * 60_000 });
    await reconciliation.resolveOpenRefunds();
    const left = await refundOf(order.code, created.id);
    expect(left?.state).toBe('Pending');
    expect(left?.transactionId).toBe(created.transactionId);
    expect((await rowOf(created.transactionId)).attentionAt).not.toBeNull();
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');
    const notes = notesOf(await adminOrder(env.adminClient, order.code)).join('\n');
    expect(notes).toContain('check the trade in Alipay');
    // Never sent again automatically.
    const sent = (await rowOf(created.transactionId)).attempts;
    await reconciliation.resolveOpenRefunds();
    expect((await rowOf(created.transactionId)).attempts).toBe(sent);
  });
});
