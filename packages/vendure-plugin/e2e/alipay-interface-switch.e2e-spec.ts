import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import { type AdminOrder, UPDATE_PAYMENT_METHOD } from './graphql-documents';
import { control, type Delivery, deliveriesFor, eventually, payAsBuyer, sandboxTrade } from './sandbox-steps';
import { adminOrder, createAlipayMethod, postNotification } from './shop-steps';

/** Legacy `batch_no`: the Beijing date (yyyyMMdd) then a serial. */
const LEGACY_BATCH_NO = /^\d{8}\d+$/;

/**
 * A merchant holding both contracts switches a payment method's interface type between legacy (partner +
 * MD5 key) and OpenAPI (app + RSA2): new payments use the new generation, but every trade made before
 * keeps being refunded, queried and verified with the generation it was made with; when that
 * generation's credentials are gone, the operation fails clearly instead of using the other one.
 */
describe('Alipay interface type switch', () => {
  const shop = useShop(() => startAlipayShop('alipay-interface-switch', { signIn: true }));

  /** The legacy settings of the sandbox's merchant A (no-password refunds). */
  const legacyArgs = () => ({ ...shop.legacyCredentials(), refundWithoutPassword: 'true' });
  /** The OpenAPI settings of the sandbox's app (public-key mode). */
  const openApiArgs = () => shop.openapiCredentials();

  /** The interface type (instant payment) and the sandbox gateway a method of one generation uses. */
  const interfaceOf = (generation: 'legacy' | 'openapi') =>
    generation === 'legacy'
      ? { interfaceType: 'legacy-direct', gateway: shop.sandbox.legacyGateway }
      : { interfaceType: 'openapi-page', gateway: shop.sandbox.openapiGateway };

  /** The settings of a method of one generation, on that generation's sandbox gateway. */
  const settingsOf = (generation: 'legacy' | 'openapi') => ({
    ...interfaceOf(generation),
    ...(generation === 'legacy' ? legacyArgs() : openApiArgs()),
  });

  /** Who pays a trade of one generation in the sandbox. */
  const ownerOf = (generation: 'legacy' | 'openapi') =>
    generation === 'legacy' ? { partner: shop.partner } : { appId: shop.appId };

  /** A new payment method of one generation and an order paid through it (PaymentSettled). */
  async function paidThroughNewMethod(code: string, generation: 'legacy' | 'openapi') {
    const created = await createAlipayMethod(shop.env.adminClient, code, settingsOf(generation));
    const order = await shop.paidOrder(code, ownerOf(generation));
    return { created, order, payment: order.payments[0] as AdminOrder['payments'][number] };
  }

  /** A new payment through `method` goes to the gateway of `generation` and settles as that generation. */
  async function expectNewPaymentsUse(method: string, generation: 'legacy' | 'openapi'): Promise<void> {
    const next = await shop.startPayment(method);
    expect(next.url.startsWith(interfaceOf(generation).gateway)).toBe(true);
    await payAsBuyer(shop.sandbox, { outTradeNo: next.outTradeNo, ...ownerOf(generation) });
    const nextOrder = await adminOrder(shop.env.adminClient, next.code);
    expect(nextOrder.state).toBe('PaymentSettled');
    expect(nextOrder.payments[0]?.metadata).toMatchObject({
      interfaceType: settingsOf(generation).interfaceType,
    });
  }

  /** Replaces every argument of a payment method, as the admin form does when saved. */
  async function updateArgs(id: string, args: Record<string, string>): Promise<void> {
    await shop.env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: {
        id,
        handler: {
          code: 'alipay',
          arguments: Object.entries(args).map(([name, value]) => ({ name, value })),
        },
      },
    });
  }

  /**
   * Switches a payment method to `generation`'s interface type and gateway, as an admin saving the form
   * does; `credentials` are the other arguments as the form then holds them.
   */
  const switchTo = (id: string, generation: 'legacy' | 'openapi', credentials: Record<string, string>) =>
    updateArgs(id, { ...interfaceOf(generation), ...credentials });

  const refund = (paymentId: string, amount: number) => shop.refund(paymentId, amount, 'switch test');

  /** The first payment notification Alipay sent for a trade (what a late repeat would carry). */
  async function firstPaymentDelivery(outTradeNo: string): Promise<Delivery> {
    const deliveries = await deliveriesFor(shop.sandbox, outTradeNo);
    const delivery = deliveries.find(d => d.params.trade_status === 'TRADE_SUCCESS' && !d.params.out_biz_no);
    if (!delivery) throw new Error(`no payment notification for ${outTradeNo}`);
    return delivery;
  }

  it('legacy trade, method switched to OpenAPI: the late notification verifies and the refund goes through the legacy gateway', async () => {
    const created = await createAlipayMethod(
      shop.env.adminClient,
      'alipay-switch-legacy',
      settingsOf('legacy'),
    );
    const { code, outTradeNo, url } = await shop.startPayment('alipay-switch-legacy');
    expect(url.startsWith(shop.sandbox.legacyGateway)).toBe(true);
    // The buyer pays, but Alipay's notification is lost on the way…
    await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 1 });
    const paid = await payAsBuyer(shop.sandbox, { outTradeNo, partner: shop.merchant().partner });
    expect(paid.deliveries[0]?.outcome).toBe('dropped');
    expect((await adminOrder(shop.env.adminClient, code)).payments).toHaveLength(0);

    // …and meanwhile the merchant switches the method to OpenAPI, keeping the legacy credentials.
    await switchTo(created.id, 'openapi', {
      ...legacyArgs(),
      ...openApiArgs(),
    });

    // Alipay's retry (4 minutes later) is a legacy notification: verified with the legacy settings.
    await control(shop.sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    const payment = order.payments[0] as AdminOrder['payments'][number];
    expect(payment.metadata).toMatchObject({ interfaceType: 'legacy-direct', outTradeNo });
    expect((await deliveriesFor(shop.sandbox, outTradeNo)).map(d => d.outcome)).toEqual([
      'dropped',
      'success',
    ]);

    // A return-page status sync queries the legacy gateway (single_trade_query), not the OpenAPI one.
    const { syncAlipayPaymentStatus } = await shop.env.shopClient.query(
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
    await eventually(async () => (await shop.refundOf(code, created1.id))?.state === 'Settled');
    const trade = await sandboxTrade(shop.sandbox, outTradeNo);
    expect(trade.service).toBe('create_direct_pay_by_user');
    expect(trade.refundedAmount).toBe('10.00');
    const batchNotifies = (await deliveriesFor(shop.sandbox, outTradeNo)).filter(d => d.params.batch_no);
    expect(batchNotifies.map(d => [d.params.batch_no, d.answer])).toEqual([
      [created1.transactionId, 'success'],
    ]);

    // A late repeat of the legacy payment notification still verifies (a duplicate, acknowledged).
    const late = await firstPaymentDelivery(outTradeNo);
    const answer = await postNotification(late.url, late.body, late.contentType);
    expect(answer.text).toBe('success');
    expect(
      shop.env.logger
        .plugin()
        .some(l => l.message.includes(outTradeNo) && l.message.includes('already processed')),
    ).toBe(true);
    expect(
      shop.env.logger.plugin().some(l => l.message.includes(outTradeNo) && l.message.includes('rejected')),
    ).toBe(false);

    // New payments use the current interface type: OpenAPI.
    await expectNewPaymentsUse('alipay-switch-legacy', 'openapi');
  });

  it('OpenAPI trade, method switched to legacy: the refund goes through OpenAPI and its notifications verify', async () => {
    const { created, order, payment } = await paidThroughNewMethod('alipay-switch-openapi', 'openapi');
    const { code, outTradeNo } = order;

    // Switched to legacy: the legacy seller is the partner (by e-mail), so the OpenAPI seller ID is cleared.
    await switchTo(created.id, 'legacy', {
      ...openApiArgs(),
      sellerId: '',
      ...legacyArgs(),
    });

    // alipay.trade.refund, sent once the refund is recorded: Settled, with an out_request_no (not a batch number).
    const created1 = await refund(payment.id, 1000);
    expect(created1.transactionId).not.toMatch(LEGACY_BATCH_NO);
    const settled1 = await eventually(async () => {
      const current = await shop.refundOf(code, created1.id);
      return current?.state === 'Settled' ? current : undefined;
    });
    expect(settled1.metadata).toMatchObject({
      alipayRefundStatus: 'succeeded',
      refundRequestNo: created1.transactionId,
    });
    expect((await sandboxTrade(shop.sandbox, outTradeNo)).refundedAmount).toBe('10.00');
    // The OpenAPI refund notification is verified with the trade's (OpenAPI) settings.
    const refundNotices = await eventually(async () => {
      const list = (await deliveriesFor(shop.sandbox, outTradeNo)).filter(d => d.params.out_biz_no);
      return list.length === 1 ? list : undefined;
    });
    expect(refundNotices.map(d => d.answer)).toEqual(['success']);

    // A late repeat of the OpenAPI payment notification still verifies.
    const late = await firstPaymentDelivery(outTradeNo);
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('success');

    // New payments are legacy now.
    await expectNewPaymentsUse('alipay-switch-openapi', 'legacy');
  });

  it('without the old generation’s credentials: a clear error, nothing refunded, notifications retried', async () => {
    const { created, order: before, payment } = await paidThroughNewMethod('alipay-switch-removed', 'legacy');
    const { code, outTradeNo } = before;

    // Switched to OpenAPI and the legacy partner ID and key removed.
    await switchTo(created.id, 'openapi', {
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
    const trade = await sandboxTrade(shop.sandbox, outTradeNo);
    expect(trade.status).toBe('TRADE_SUCCESS');
    expect(trade.refundedAmount).toBe('0.00');
    const after = await adminOrder(shop.env.adminClient, code);
    expect(after.state).toBe('PaymentSettled');
    expect(after.payments.map(p => [p.id, p.state, p.amount])).toEqual([
      [payment.id, 'Settled', payment.amount],
    ]);

    // A notification of that trade cannot be verified now: `fail`, so Alipay retries later.
    const late = await firstPaymentDelivery(outTradeNo);
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('fail');
    expect(
      shop.env.logger
        .plugin()
        .some(
          l =>
            l.level === 'error' &&
            l.message.includes(outTradeNo) &&
            l.message.includes('no longer has usable legacy settings'),
        ),
    ).toBe(true);

    // Once the merchant restores the legacy credentials, the retry verifies and a refund goes through.
    await switchTo(created.id, 'openapi', {
      ...openApiArgs(),
      ...legacyArgs(),
    });
    expect((await postNotification(late.url, late.body, late.contentType)).text).toBe('success');
    const retried = await refund(payment.id, 1000);
    expect(retried.state).toBe('Pending');
    expect(retried.transactionId).toMatch(LEGACY_BATCH_NO);
    await eventually(async () => (await shop.refundOf(code, retried.id))?.state === 'Settled');
    expect((await sandboxTrade(shop.sandbox, outTradeNo)).refundedAmount).toBe('10.00');
  });

  it('no secret in any log line', () => {
    const everything = shop.env.logger.text();
    for (const secret of [shop.merchant().key, shop.app().privateKey.split('\n')[5]]) {
      expect(secret && everything.includes(secret)).toBe(false);
    }
  });
});
