import { outRequestNoFor } from '@alipay-commerce/core';
import {
  type ID,
  PaymentMethod,
  Refund,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlipayReconciliationService, AlipayService } from '../src';
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
 * Refunds whose answer from Alipay was lost: the request number is stored anyway, the reconciliation
 * asks Alipay (`queryRefund`) and sends the same request again when needed; a legacy batch is only
 * ever sent again under its first number, so a retry on another day cannot refund twice.
 */
describe('Alipay refunds after a lost answer', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;
  let service: AlipayService;
  let reconciliation: AlipayReconciliationService;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // A short timeout: the sandbox's gateway-hang fault stands for an answer that never comes.
    env = await startAlipayTestEnvironment('alipay-refund-recovery', { http: { timeoutMs: 1500 } });
    service = env.server.app.get(AlipayService);
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

  /** An admin refund while the gateway hangs: Alipay's answer is lost. */
  async function refundWithoutAnswer(paymentId: string, amount: number): Promise<CreatedRefund> {
    await control(sandbox, 'POST', 'faults', { scope: {}, fault: 'gateway-hang', count: 1 });
    const { refundOrder } = await env.adminClient.query(REFUND_ORDER, {
      input: { paymentId, amount, shipping: 0, adjustment: 0, lines: [], reason: 'lost answer test' },
    });
    expect(refundOrder.__typename, JSON.stringify(refundOrder)).toBe('Refund');
    await control(sandbox, 'DELETE', 'faults');
    return refundOrder as CreatedRefund;
  }

  /** Makes a refund old enough for the reconciliation (`pendingAfterMinutes`). */
  async function backdate(refundId: string, minutes = 10): Promise<void> {
    await env.server.app
      .get(TransactionalConnection)
      .rawConnection.getRepository(Refund)
      .update(
        { id: refundId.replace(/^T_/, '') as ID },
        { createdAt: new Date(Date.now() - minutes * 60_000) },
      );
  }

  async function refundOf(code: string, refundId: string) {
    const order = await adminOrder(env.adminClient, code);
    return order.payments.flatMap(p => p.refunds).find(r => r.id === refundId);
  }

  it('OpenAPI: the request number is stored at once; Alipay never got it (not_found), so it is sent again and settles', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 1200);
    const refundKey = created.metadata.refundKey as string;
    expect(created).toMatchObject({ state: 'Pending', transactionId: outRequestNoFor(refundKey) });
    expect(created.metadata).toMatchObject({ uncertain: true, refundRequestNo: created.transactionId });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');

    // Too young for the reconciliation: the refund notification gets its chance first.
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 0, resolved: 0 });
    await backdate(created.id);
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await refundOf(order.code, created.id);
    expect(settled).toMatchObject({ state: 'Settled', transactionId: created.transactionId });
    // Settled by the answer to the request sent again, or by Alipay's refund notification of it.
    expect(settled?.metadata.uncertain).toBe(false);
    const logged = env.logger.plugin().map(l => l.message);
    expect(logged.some(l => l.includes(`uncertain refund ${created.transactionId} → `))).toBe(true);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('12.00');
    // Nothing is left to resolve.
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 0, resolved: 0 });
  });

  it('OpenAPI: Alipay did refund but the answer and the notification were lost → queryRefund settles it, no second refund', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 700);
    const refundKey = created.metadata.refundKey as string;
    // The request had reached Alipay after all: made here with the same refund ID, notification dropped.
    await control(sandbox, 'POST', 'faults', {
      scope: { outTradeNo: order.outTradeNo },
      fault: 'drop-notify',
    });
    const ctx = await env.server.app.get(RequestContextService).create({ apiType: 'admin' });
    const method = await env.server.app
      .get(TransactionalConnection)
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code: 'alipay-openapi' });
    const gateway = service.gatewayFor(method);
    if (!gateway.ok) throw new Error('settings');
    await gateway.alipay.refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: refundKey,
      amountFen: 700,
    });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');

    await backdate(created.id);
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 1, resolved: 1 });
    const settled = await refundOf(order.code, created.id);
    expect(settled?.state).toBe('Settled');
    expect(settled?.metadata).toMatchObject({ uncertain: false, resolvedBy: 'queryRefund' });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('7.00');
    const notes = notesOf(await adminOrder(env.adminClient, order.code)).join('\n');
    expect(notes).toContain('Alipay confirms it; the refund is settled');
  });

  it('OpenAPI: a late refund notification finds the refund by its stored number', async () => {
    const order = await paidOrder('alipay-openapi', { appId: sandbox.apps[0]?.appId });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 300);
    const ctx = await env.server.app.get(RequestContextService).create({ apiType: 'admin' });
    const method = await env.server.app
      .get(TransactionalConnection)
      .getRepository(ctx, PaymentMethod)
      .findOneByOrFail({ code: 'alipay-openapi' });
    const gateway = service.gatewayFor(method);
    if (!gateway.ok) throw new Error('settings');
    await gateway.alipay.refund({
      outTradeNo: order.outTradeNo,
      tradeNo: payment.transactionId,
      refundId: created.metadata.refundKey as string,
      amountFen: 300,
    });
    // Alipay's refund notification (out_biz_no = the stored number) settles the Pending refund.
    await eventually(async () => (await refundOf(order.code, created.id))?.state === 'Settled');
    const refundNotices = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.out_biz_no);
    expect(refundNotices.map(d => [d.params.out_biz_no, d.answer])).toEqual([
      [created.transactionId, 'success'],
    ]);
  });

  it('legacy: the batch number is stored at once; sent again under the same number, then batch_refund_notify settles it', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 900);
    expect(created.state).toBe('Pending');
    expect(created.transactionId).toMatch(/^\d{8}\d{24}$/);
    expect(created.metadata).toMatchObject({ uncertain: true, refundRequestNo: created.transactionId });

    await backdate(created.id);
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 1, resolved: 1 });
    const accepted = await refundOf(order.code, created.id);
    expect(accepted?.metadata).toMatchObject({
      uncertain: false,
      alipayRefundStatus: 'pending',
      resolvedBy: 'queryRefund: unknown; sent again',
    });
    await eventually(async () => (await refundOf(order.code, created.id))?.state === 'Settled');
    const batches = (await deliveriesFor(sandbox, order.outTradeNo)).filter(d => d.params.batch_no);
    expect(batches.map(d => d.params.batch_no)).toEqual([created.transactionId]);
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('9.00');
  });

  it('legacy, on another day: the stored batch is sent, never a new one; Alipay refuses it → left for a person, not retried', async () => {
    const order = await paidOrder('alipay-nopwd', { partner: sandbox.merchants[0]?.partner });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    const created = await refundWithoutAnswer(payment.id, 400);
    await backdate(created.id);
    // The next day on Alipay's clock: a batch number dated yesterday is no longer accepted, and a
    // new number (today's) would be a second, independent refund.
    await control(sandbox, 'POST', 'clock/advance', { ms: 24 * 60 * 60_000 });
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 1, resolved: 1 });
    const left = await refundOf(order.code, created.id);
    expect(left?.state).toBe('Pending');
    expect(left?.transactionId).toBe(created.transactionId);
    expect(left?.metadata).toMatchObject({ uncertain: false, needsAttention: true });
    expect((await sandboxTrade(sandbox, order.outTradeNo)).refundedAmount).toBe('0.00');
    const notes = notesOf(await adminOrder(env.adminClient, order.code)).join('\n');
    expect(notes).toContain('check the trade on Alipay before refunding again');
    // Never sent again automatically.
    expect(await reconciliation.resolveUncertainRefunds()).toEqual({ checked: 0, resolved: 0 });
  });
});
