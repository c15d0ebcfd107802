import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminOrder,
  adminOrder,
  type CreatedRefund,
  control,
  createAlipayMethod,
  createIntent,
  type Delivery,
  deliveriesFor,
  eventually,
  open,
  payAsBuyer,
  postNotification,
  prepareOrder,
  REFUND_ORDER,
  type Sandbox,
  sandboxTrade,
  signInAsFirstCustomer,
  startTestSandbox,
  UPDATE_PAYMENT_METHOD,
} from './alipay-e2e-kit';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

/** Legacy `batch_no`: the Beijing date (yyyyMMdd) then a serial. */
const LEGACY_BATCH_NO = /^\d{8}\d+$/;

/**
 * A merchant holding both contracts switches a payment method's interface type between legacy (partner +
 * MD5 key) and OpenAPI (app + RSA2): new payments use the new generation, but every trade made before
 * keeps being refunded, queried and verified with the generation it was made with; when that
 * generation's credentials are gone, the operation fails clearly instead of using the other one.
 */
describe('Alipay interface type switch', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;
  let merchant: Sandbox['merchants'][number];
  let app: Sandbox['apps'][number];

  /** The legacy settings of the sandbox's merchant A (no-password refunds). */
  function legacyArgs(): Record<string, string> {
    return {
      partnerId: merchant.partner,
      key: 'env:ALIPAY_E2E_SWITCH_KEY',
      sellerEmail: merchant.sellerEmail,
      refundWithoutPassword: 'true',
    };
  }

  /** The OpenAPI settings of the sandbox's app (public-key mode). */
  function openApiArgs(): Record<string, string> {
    return {
      appId: app.appId,
      appPrivateKey: 'env:ALIPAY_E2E_SWITCH_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      sellerId: app.sellerId,
    };
  }

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await startAlipayTestEnvironment('alipay-interface-switch');
    await env.adminClient.asSuperAdmin();
    const [merchantA] = sandbox.merchants;
    const [firstApp] = sandbox.apps;
    if (!merchantA || !firstApp) throw new Error('sandbox accounts missing');
    merchant = merchantA;
    app = firstApp;
    process.env.ALIPAY_E2E_SWITCH_KEY = merchant.key;
    process.env.ALIPAY_E2E_SWITCH_APP_KEY = app.privateKey;
    await signInAsFirstCustomer(env.adminClient, env.shopClient);
  });

  afterAll(async () => {
    await env?.destroy();
    await sandbox?.close();
  });

  /** Replaces every argument of a payment method, as the admin form does when saved. */
  async function updateArgs(id: string, args: Record<string, string>): Promise<void> {
    await env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: {
        id,
        handler: {
          code: 'alipay',
          arguments: Object.entries(args).map(([name, value]) => ({ name, value })),
        },
      },
    });
  }

  /** Starts a desktop payment for a fresh order and opens the cashier, as the buyer's browser does. */
  async function startPayment(method: string): Promise<{ code: string; outTradeNo: string; url: string }> {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, method, 'desktop');
    expect(intent.__typename, JSON.stringify(intent)).toBe('AlipayRedirect');
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    return { code, outTradeNo: intent.outTradeNo as string, url: intent.url as string };
  }

  async function refund(paymentId: string, amount: number): Promise<CreatedRefund> {
    const { refundOrder } = await env.adminClient.query(REFUND_ORDER, {
      // Vendure 3.7.3 still stores the deprecated shipping/adjustment columns as NOT NULL.
      input: { paymentId, amount, shipping: 0, adjustment: 0, lines: [], reason: 'switch test' },
    });
    expect(refundOrder.__typename, JSON.stringify(refundOrder)).toBe('Refund');
    return refundOrder as CreatedRefund;
  }

  async function refundOf(code: string, refundId: string) {
    const order = await adminOrder(env.adminClient, code);
    return order.payments.flatMap(p => p.refunds).find(r => r.id === refundId);
  }

  /** The first payment notification Alipay sent for a trade (what a late repeat would carry). */
  async function firstPaymentDelivery(outTradeNo: string): Promise<Delivery> {
    const deliveries = await deliveriesFor(sandbox, outTradeNo);
    const delivery = deliveries.find(d => d.params.trade_status === 'TRADE_SUCCESS' && !d.params.out_biz_no);
    if (!delivery) throw new Error(`no payment notification for ${outTradeNo}`);
    return delivery;
  }

  it('legacy trade, method switched to OpenAPI: the late notification verifies and the refund goes through the legacy gateway', async () => {
    const created = await createAlipayMethod(env.adminClient, 'alipay-switch-legacy', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      ...legacyArgs(),
    });
    const { code, outTradeNo, url } = await startPayment('alipay-switch-legacy');
    expect(url.startsWith(sandbox.legacyGateway)).toBe(true);
    // The buyer pays, but Alipay's notification is lost on the way…
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 1 });
    const paid = await payAsBuyer(sandbox, { outTradeNo, partner: merchant.partner });
    expect(paid.deliveries[0]?.outcome).toBe('dropped');
    expect((await adminOrder(env.adminClient, code)).payments).toHaveLength(0);

    // …and meanwhile the merchant switches the method to OpenAPI, keeping the legacy credentials.
    await updateArgs(created.id, {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      ...legacyArgs(),
      ...openApiArgs(),
    });

    // Alipay's retry (4 minutes later) is a legacy notification: verified with the legacy settings.
    await control(sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    expect(payment.metadata).toMatchObject({ interfaceType: 'legacy-direct', outTradeNo });
    expect((await deliveriesFor(sandbox, outTradeNo)).map(d => d.outcome)).toEqual(['dropped', 'success']);

    // A return-page status sync queries the legacy gateway (single_trade_query), not the OpenAPI one.
    const { syncAlipayPaymentStatus } = await env.shopClient.query(
      gql`
        mutation ($code: String!) {
          syncAlipayPaymentStatus(orderCode: $code) {
            state
          }
        }
      `,
      { code },
    );
    expect(syncAlipayPaymentStatus.state).toBe('PaymentSettled');

    // The refund is a legacy batch (batch_no, Pending) sent once recorded, completed by batch_refund_notify.
    const created1 = await refund(payment.id, 1000);
    expect(created1.state).toBe('Pending');
    expect(created1.transactionId).toMatch(LEGACY_BATCH_NO);
    expect(created1.metadata).toMatchObject({ alipayRefundStatus: 'requested' });
    await eventually(async () => (await refundOf(code, created1.id))?.state === 'Settled');
    const trade = await sandboxTrade(sandbox, outTradeNo);
    expect(trade.service).toBe('create_direct_pay_by_user');
    expect(trade.refundedAmount).toBe('10.00');
    const batchNotifies = (await deliveriesFor(sandbox, outTradeNo)).filter(d => d.params.batch_no);
    expect(batchNotifies.map(d => [d.params.batch_no, d.answer])).toEqual([
      [created1.transactionId, 'success'],
    ]);

    // A late repeat of the legacy payment notification still verifies (a duplicate, acknowledged).
    const late = await firstPaymentDelivery(outTradeNo);
    const answer = await postNotification(late.url, late.body, late.contentType);
    expect(answer.text).toBe('success');
    expect(
      env.logger
        .plugin()
        .some(l => l.message.includes(outTradeNo) && l.message.includes('already processed')),
    ).toBe(true);
    expect(
      env.logger.plugin().some(l => l.message.includes(outTradeNo) && l.message.includes('rejected')),
    ).toBe(false);

    // New payments use the current interface type: OpenAPI.
    const next = await startPayment('alipay-switch-legacy');
    expect(next.url.startsWith(sandbox.openapiGateway)).toBe(true);
    await payAsBuyer(sandbox, { outTradeNo: next.outTradeNo, appId: app.appId });
    const nextOrder = await adminOrder(env.adminClient, next.code);
    expect(nextOrder.state).toBe('PaymentSettled');
    expect(nextOrder.payments[0]?.metadata).toMatchObject({ interfaceType: 'openapi-page' });
  });

  it('OpenAPI trade, method switched to legacy: the refund goes through OpenAPI and its notifications verify', async () => {
    const created = await createAlipayMethod(env.adminClient, 'alipay-switch-openapi', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      ...openApiArgs(),
    });
    const { code, outTradeNo } = await startPayment('alipay-switch-openapi');
    await payAsBuyer(sandbox, { outTradeNo, appId: app.appId });
    const order = await adminOrder(env.adminClient, code);
    expect(order.state).toBe('PaymentSettled');
    const payment = order.payments[0] as AdminOrder['payments'][number];

    // Switched to legacy: the legacy seller is the partner (by e-mail), so the OpenAPI seller ID is cleared.
    await updateArgs(created.id, {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      ...openApiArgs(),
      sellerId: '',
      ...legacyArgs(),
    });

    // alipay.trade.refund, sent once the refund is recorded: Settled, with an out_request_no (not a batch number).
    const created1 = await refund(payment.id, 1000);
    expect(created1.transactionId).not.toMatch(LEGACY_BATCH_NO);
    const settled1 = await eventually(async () => {
      const current = await refundOf(code, created1.id);
      return current?.state === 'Settled' ? current : undefined;
    });
    expect(settled1.metadata).toMatchObject({
      alipayRefundStatus: 'succeeded',
      refundRequestNo: created1.transactionId,
    });
    expect((await sandboxTrade(sandbox, outTradeNo)).refundedAmount).toBe('10.00');
    // The OpenAPI refund notification is verified with the trade's (OpenAPI) settings.
    const refundNotices = await eventually(async () => {
      const list = (await deliveriesFor(sandbox, outTradeNo)).filter(d => d.params.out_biz_no);
      return list.length === 1 ? list : undefined;
    });
    expect(refundNotices.map(d => d.answer)).toEqual(['success']);

    // A late repeat of the OpenAPI payment notification still verifies.
    const late = await firstPaymentDelivery(outTradeNo);
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('success');

    // New payments are legacy now.
    const next = await startPayment('alipay-switch-openapi');
    expect(next.url.startsWith(sandbox.legacyGateway)).toBe(true);
    await payAsBuyer(sandbox, { outTradeNo: next.outTradeNo, partner: merchant.partner });
    const nextOrder = await adminOrder(env.adminClient, next.code);
    expect(nextOrder.state).toBe('PaymentSettled');
    expect(nextOrder.payments[0]?.metadata).toMatchObject({ interfaceType: 'legacy-direct' });
  });

  it('without the old generation’s credentials: a clear error, nothing refunded, notifications retried', async () => {
    const created = await createAlipayMethod(env.adminClient, 'alipay-switch-removed', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      ...legacyArgs(),
    });
    const { code, outTradeNo } = await startPayment('alipay-switch-removed');
    await payAsBuyer(sandbox, { outTradeNo, partner: merchant.partner });
    const before = await adminOrder(env.adminClient, code);
    expect(before.state).toBe('PaymentSettled');
    const payment = before.payments[0] as AdminOrder['payments'][number];

    // Switched to OpenAPI and the legacy partner ID and key removed.
    await updateArgs(created.id, {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      ...openApiArgs(),
      partnerId: '',
      key: '',
    });

    const failed = await refund(payment.id, 1000);
    expect(failed.state).toBe('Failed');
    const message = String(failed.metadata.errorMessage);
    expect(message).toContain(`Trade ${outTradeNo} was made with the legacy (partner + MD5 key) interface`);
    expect(message).toContain('partnerId');
    expect(message).toContain('key');
    expect(message).toContain('旧版');
    expect(message).toContain('请在支付方式中补回这些设置');
    expect(failed.metadata.missingSettings).toEqual(expect.arrayContaining(['partnerId', 'key']));
    // Nothing reached Alipay and nothing else changed.
    const trade = await sandboxTrade(sandbox, outTradeNo);
    expect(trade.status).toBe('TRADE_SUCCESS');
    expect(trade.refundedAmount).toBe('0.00');
    const after = await adminOrder(env.adminClient, code);
    expect(after.state).toBe('PaymentSettled');
    expect(after.payments.map(p => [p.id, p.state, p.amount])).toEqual([
      [payment.id, 'Settled', payment.amount],
    ]);

    // A notification of that trade cannot be verified now: `fail`, so Alipay retries later.
    const late = await firstPaymentDelivery(outTradeNo);
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('fail');
    expect(
      env.logger
        .plugin()
        .some(
          l =>
            l.level === 'error' &&
            l.message.includes(outTradeNo) &&
            l.message.includes('no longer has usable legacy settings'),
        ),
    ).toBe(true);

    // Once the merchant restores the legacy credentials, the retry verifies and a refund goes through.
    await updateArgs(created.id, {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      ...openApiArgs(),
      ...legacyArgs(),
    });
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('success');
    const retried = await refund(payment.id, 1000);
    expect(retried.state).toBe('Pending');
    expect(retried.transactionId).toMatch(LEGACY_BATCH_NO);
    await eventually(async () => (await refundOf(code, retried.id))?.state === 'Settled');
    expect((await sandboxTrade(sandbox, outTradeNo)).refundedAmount).toBe('10.00');
  });

  it('no secret in any log line', () => {
    const everything = env.logger.text();
    for (const secret of [merchant.key, app.privateKey.split('\n')[5]]) {
      expect(secret && everything.includes(secret)).toBe(false);
    }
  });
});
