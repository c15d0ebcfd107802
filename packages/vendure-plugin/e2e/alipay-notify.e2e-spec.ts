import { generateKeyPairSync } from 'node:crypto';
import { buildSignString, md5Sign, rsaSign } from '@alipay-commerce/core/primitives';
import { DEFAULT_APPS, DEFAULT_MERCHANTS, sandboxAppAuthToken } from '@alipay-commerce/sandbox';
import { DefaultSchedulerPlugin, OrderService, TransactionalConnection } from '@vendure/core';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlipayReconciliationService } from '../src';
import { buildNotifyUrl } from '../src/alipay-urls';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import { AlipayTrade } from '../src/entities/alipay-trade.entity';
import {
  activeOrderState,
  adminOrder,
  control,
  createAlipayMethod,
  createIntent,
  deliveriesFor,
  eventually,
  notesOf,
  open,
  payAsBuyer,
  postNotification,
  prepareOrder,
  type Sandbox,
  SYNC_STATUS,
  sandboxTrade,
  signInAsFirstCustomer,
  startTestSandbox,
} from './alipay-e2e-kit';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

/** The sandbox's "Alipay" key pair is fixed here, so tests can sign notifications Alipay never sent. */
const alipayKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/**
 * Notification security and reliability: forged, tampered, wrong-amount, wrong-seller, replayed and
 * concurrent duplicate notifications; lost notifications recovered by the sync mutation and by the
 * reconciliation task; orphan payments refunded automatically; no secret in any log line.
 */
describe('Alipay notifications: security and reliability', () => {
  let env: AlipayTestEnvironment;
  let sandbox: Sandbox;
  let partner: string;
  let md5Key: string;
  let appId: string;
  let appSellerId: string;
  let appPrivateKey: string;
  let isvMerchantSellerId: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      merchants: DEFAULT_MERCHANTS,
      // The second app is a merchant that authorised the first as its service provider (issue 15 item 7).
      apps: [
        ...DEFAULT_APPS,
        { appId: '2021000000000077', sellerId: '2088101000000077', products: ['page'] },
      ],
      alipayKeys: { privateKey: alipayKeys.privateKey, publicKey: alipayKeys.publicKey },
    });
    env = await startAlipayTestEnvironment('alipay-notify', { autoRefundOrphanPayments: true }, config => {
      config.plugins.push(DefaultSchedulerPlugin.init({ manualTriggerCheckInterval: 100 }));
      config.schedulerOptions.runTasksInWorkerOnly = false;
    });
    await env.adminClient.asSuperAdmin();
    const [merchantA] = sandbox.merchants;
    const [app] = sandbox.apps;
    if (!merchantA || !app) throw new Error('sandbox accounts missing');
    partner = merchantA.partner;
    md5Key = merchantA.key;
    appId = app.appId;
    appSellerId = app.sellerId;
    appPrivateKey = app.privateKey;
    process.env.ALIPAY_E2E_NOTIFY_KEY = md5Key;
    process.env.ALIPAY_E2E_NOTIFY_APP_KEY = appPrivateKey;
    await createAlipayMethod(env.adminClient, 'alipay-direct', {
      interfaceType: 'legacy-direct',
      gateway: sandbox.legacyGateway,
      partnerId: partner,
      key: 'env:ALIPAY_E2E_NOTIFY_KEY',
      sellerEmail: merchantA.sellerEmail,
      refundWithoutPassword: true,
    });
    await createAlipayMethod(env.adminClient, 'alipay-openapi', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      appId,
      appPrivateKey: 'env:ALIPAY_E2E_NOTIFY_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      sellerId: appSellerId,
    });
    // Service-provider mode: the first app acts for the second, the authorised merchant.
    const merchantApp = sandbox.apps[1]!;
    isvMerchantSellerId = merchantApp.sellerId;
    await createAlipayMethod(env.adminClient, 'alipay-isv', {
      interfaceType: 'openapi-page',
      gateway: sandbox.openapiGateway,
      appId,
      appPrivateKey: 'env:ALIPAY_E2E_NOTIFY_APP_KEY',
      alipayPublicKey: app.alipayPublicKey,
      appAuthToken: sandboxAppAuthToken(merchantApp.appId),
      sellerId: merchantApp.sellerId,
    });
    await signInAsFirstCustomer(env.adminClient, env.shopClient);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await env?.destroy();
    await sandbox?.close();
  });

  const notifyUrl = (method: string) => buildNotifyUrl(env.baseUrl, 'e2e-default-channel', method);

  /** An OpenAPI trade notification signed with the sandbox's "Alipay" key, as if Alipay sent it. */
  function openApiNotification(fields: Record<string, string>): string {
    const params: Record<string, string> = {
      notify_time: '2026-11-25 12:00:00',
      notify_type: 'trade_status_sync',
      notify_id: `forged-${Math.random().toString(36).slice(2)}`,
      app_id: appId,
      charset: 'utf-8',
      version: '1.0',
      seller_id: appSellerId,
      trade_status: 'TRADE_SUCCESS',
      gmt_payment: '2026-11-25 11:59:59',
      ...fields,
    };
    const sign = rsaSign(buildSignString(params), alipayKeys.privateKey, 'RSA2');
    return new URLSearchParams({ ...params, sign, sign_type: 'RSA2' }).toString();
  }

  /** An order with an OpenAPI trade the buyer has opened, not paid. */
  async function openedOpenApiTrade(): Promise<{
    code: string;
    outTradeNo: string;
    tradeNo: string;
    total: number;
  }> {
    const { code, totalWithTax } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, 'alipay-openapi', 'desktop');
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    const trade = await sandboxTrade(sandbox, intent.outTradeNo as string);
    return { code, outTradeNo: intent.outTradeNo as string, tradeNo: trade.tradeNo, total: totalWithTax };
  }

  async function expectUnpaid(code: string): Promise<void> {
    const order = await adminOrder(env.adminClient, code);
    expect(order.state).toBe('AddingItems');
    expect(order.payments).toEqual([]);
  }

  it('forged and unsigned notifications change nothing and are answered fail', async () => {
    const { code, outTradeNo } = await prepareOrder(env.shopClient).then(async order => {
      const intent = await createIntent(env.shopClient, 'alipay-direct');
      await open(intent.url as string);
      return { ...order, outTradeNo: intent.outTradeNo as string };
    });
    const params = {
      notify_type: 'trade_status_sync',
      notify_id: 'forged-notify-id',
      out_trade_no: outTradeNo,
      trade_no: '2026112500000000000000000001',
      trade_status: 'TRADE_SUCCESS',
      total_fee: '298.00',
      seller_email: sandbox.merchants[0]?.sellerEmail ?? '',
    };
    const forged = new URLSearchParams({
      ...params,
      sign: md5Sign(params, 'x'.repeat(32)),
      sign_type: 'MD5',
    }).toString();
    for (const body of [forged, new URLSearchParams(params).toString()]) {
      const answer = await postNotification(notifyUrl('alipay-direct'), body);
      expect(answer).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', text: 'fail' });
    }
    await expectUnpaid(code);
    const rejected = env.logger.plugin().filter(l => l.message.includes('rejected (bad_signature)'));
    expect(rejected).toHaveLength(2);
    expect(rejected[0]?.message).toContain(`order ${code} · trade ${outTradeNo}`);
  });

  it('a charset field that is no charset (charset=%E4) is a malformed body: success, nothing changes, no ERROR (issue 15 item 6)', async () => {
    const { code, outTradeNo, tradeNo, total } = await openedOpenApiTrade();
    const fromLine = env.logger.lines.length;
    const signed = openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: (total / 100).toFixed(2),
    });
    const bodies: Array<[string, string]> = [
      ['alipay-openapi', signed.replace('charset=utf-8', 'charset=%E4')],
      ['alipay-openapi', `charset=%E4&out_trade_no=${outTradeNo}`],
      ['alipay-direct', `_input_charset=%E4%B8&out_trade_no=${outTradeNo}&trade_status=TRADE_SUCCESS`],
      ['alipay-direct', 'charset=%'],
    ];
    for (const [method, body] of bodies) {
      // No charset in the content type: the parser has to read it from the body's field.
      const answer = await postNotification(notifyUrl(method), body, 'application/x-www-form-urlencoded');
      expect(answer, body).toEqual({
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        text: 'success',
      });
    }
    await expectUnpaid(code);
    const lines = env.logger.lines.slice(fromLine);
    expect(lines.filter(l => l.level === 'error')).toEqual([]);
    const refused = lines.filter(l => l.message.includes('notification rejected (malformed_body)'));
    expect(refused).toHaveLength(bodies.length);
    // Tidy up: pay it for real so the next test starts with an empty cart.
    await payAsBuyer(sandbox, { outTradeNo, appId });
    expect((await adminOrder(env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a notification tampered with in transit is refused; Alipay’s retry then pays the order', async () => {
    const { code, outTradeNo } = await openedOpenApiTrade();
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'tamper-signature', count: 1 });
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, appId });
    expect(deliveries.map(d => [d.tampered, d.answer])).toEqual([[true, 'fail']]);
    await expectUnpaid(code);
    // Alipay retries 4 minutes later with an intact signature.
    await control(sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments).toHaveLength(1);
  });

  it('a validly signed notification with the wrong amount changes nothing and leaves no claim behind', async () => {
    const { code, outTradeNo, tradeNo, total } = await openedOpenApiTrade();
    const wrong = openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: ((total + 1) / 100).toFixed(2),
    });
    const answer = await postNotification(notifyUrl('alipay-openapi'), wrong);
    // Retrying cannot fix an amount: acknowledged, logged, nothing changed.
    expect(answer.text).toBe('success');
    await expectUnpaid(code);
    const line = env.logger
      .plugin()
      .find(l => l.message.includes('rejected (wrong_amount)') && l.message.includes(outTradeNo));
    expect(line?.message).toContain(`order ${code}`);
    expect(line?.message).toContain(tradeNo);
    // The same trade number and status, now for real: not mistaken for a duplicate.
    await payAsBuyer(sandbox, { outTradeNo, appId });
    expect((await adminOrder(env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a notification for another seller is refused with fail (a settings fix can help)', async () => {
    const { code, outTradeNo, tradeNo, total } = await openedOpenApiTrade();
    const otherSeller = openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: (total / 100).toFixed(2),
      seller_id: '2088999999999999',
    });
    expect((await postNotification(notifyUrl('alipay-openapi'), otherSeller)).text).toBe('fail');
    await expectUnpaid(code);
    expect(
      env.logger
        .plugin()
        .some(l => l.message.includes('rejected (wrong_seller)') && l.message.includes(outTradeNo)),
    ).toBe(true);
    // Tidy up: pay it for real so the next test starts with an empty cart.
    await payAsBuyer(sandbox, { outTradeNo, appId });
  });

  it('service-provider mode: only notifications naming the authorised merchant pay the order (issue 15 item 7)', async () => {
    const { code, totalWithTax } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, 'alipay-isv', 'desktop');
    const outTradeNo = intent.outTradeNo as string;
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    const { tradeNo } = await sandboxTrade(sandbox, outTradeNo);
    const signedFor = (fields: Record<string, string>) =>
      openApiNotification({
        out_trade_no: outTradeNo,
        trade_no: tradeNo,
        total_amount: (totalWithTax / 100).toFixed(2),
        auth_app_id: '2021000000000077',
        seller_id: isvMerchantSellerId,
        ...fields,
      });
    // Validly signed by Alipay for the provider's app, but for another merchant it serves, or naming none.
    for (const body of [
      signedFor({ auth_app_id: '2021000000000099', seller_id: '2088101000000099' }),
      signedFor({ seller_id: appSellerId }),
      signedFor({ seller_id: '' }),
    ]) {
      expect((await postNotification(notifyUrl('alipay-isv'), body)).text).toBe('fail');
    }
    await expectUnpaid(code);
    const refused = env.logger
      .plugin()
      .filter(l => l.message.includes('rejected (wrong_seller)') && l.message.includes(outTradeNo));
    expect(refused).toHaveLength(3);
    // The real payment, made through the provider's app for the merchant, pays the order.
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, appId });
    expect(deliveries[0]?.params).toMatchObject({
      app_id: appId,
      auth_app_id: '2021000000000077',
      seller_id: isvMerchantSellerId,
    });
    expect(deliveries[0]?.answer).toBe('success');
    expect((await adminOrder(env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a replayed notification and a late WAIT_BUYER_PAY change nothing and are acknowledged', async () => {
    const { code, outTradeNo, tradeNo, total } = await openedOpenApiTrade();
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, appId });
    const before = await adminOrder(env.adminClient, code);
    expect(before.state).toBe('PaymentSettled');
    const replay = await postNotification(
      notifyUrl('alipay-openapi'),
      deliveries[0]?.body as string,
      deliveries[0]?.contentType,
    );
    expect(replay.text).toBe('success');
    const late = openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: (total / 100).toFixed(2),
      trade_status: 'WAIT_BUYER_PAY',
    });
    expect((await postNotification(notifyUrl('alipay-openapi'), late)).text).toBe('success');
    const after = await adminOrder(env.adminClient, code);
    expect(after.state).toBe('PaymentSettled');
    expect(after.payments).toEqual(before.payments);
    expect(
      env.logger.plugin().some(l => l.message.includes(outTradeNo) && l.message.includes('duplicate')),
    ).toBe(true);
  });

  it('20 concurrent deliveries of one notification create exactly one payment', async () => {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 1 });
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, partner });
    expect(deliveries[0]?.outcome).toBe('dropped');
    const { body, contentType } = deliveries[0] as { body: string; contentType: string };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postNotification(notifyUrl('alipay-direct'), body, contentType)),
    );
    expect(answers.map(a => a.text)).toEqual(Array(20).fill('success'));
    const order = await adminOrder(env.adminClient, code);
    expect(order.state).toBe('PaymentSettled');
    expect(order.payments).toHaveLength(1);
  });

  it('a failed transaction leaves no receipt claim: the retry is processed', async () => {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    const addPayment = vi
      .spyOn(env.server.app.get(OrderService), 'addPaymentToOrder')
      .mockRejectedValueOnce(new Error('simulated database failure'));
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, partner });
    expect(deliveries[0]?.answer).toBe('fail');
    await expectUnpaid(code);
    addPayment.mockRestore();
    await control(sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments).toHaveLength(1);
    expect((await deliveriesFor(sandbox, outTradeNo)).map(d => d.answer)).toEqual(['fail', 'success']);
  });

  it('a dropped notification is recovered by syncAlipayPaymentStatus (a guest with the active order)', async () => {
    const guest = new SimpleGraphQLClient(env.config, `${env.baseUrl}/shop-api`);
    const { code } = await prepareOrder(guest, { guestEmail: 'guest-sync@example.test' });
    const intent = await createIntent(guest, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify' });
    await payAsBuyer(sandbox, { outTradeNo, partner });
    expect(await activeOrderState(guest)).toEqual({ code, state: 'AddingItems' });
    const { syncAlipayPaymentStatus } = await guest.query(SYNC_STATUS, { orderCode: code });
    expect(syncAlipayPaymentStatus).toMatchObject({ code, state: 'PaymentSettled' });
    // The storefront only ever sees the public part of the payment metadata.
    expect(syncAlipayPaymentStatus.payments[0].metadata).toEqual({
      public: { outTradeNo, tradeNo: syncAlipayPaymentStatus.payments[0].transactionId },
    });
    await control(sandbox, 'DELETE', 'faults');
  });

  it('a dropped notification is recovered by the reconciliation task', async () => {
    const { code } = await prepareOrder(env.shopClient);
    const intent = await createIntent(env.shopClient, 'alipay-openapi', 'desktop');
    const outTradeNo = intent.outTradeNo as string;
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, sandbox.url).toString());
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify' });
    await payAsBuyer(sandbox, { outTradeNo, appId });
    await expectUnpaid(code);
    // Pretend the trade was created pendingAfterMinutes (5) ago.
    await env.server.app
      .get(TransactionalConnection)
      .rawConnection.getRepository(AlipayTrade)
      .update({ outTradeNo }, { createdAt: new Date(Date.now() - 10 * 60_000) });
    const { runScheduledTask } = await env.adminClient.query(gql`
      mutation {
        runScheduledTask(id: "alipay-reconcile-pending-trades") {
          success
        }
      }
    `);
    expect(runScheduledTask).toEqual({ success: true });
    const order = await eventually(async () => {
      const current = await adminOrder(env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments[0]?.metadata).toMatchObject({ source: 'query', outTradeNo });
    await control(sandbox, 'DELETE', 'faults');
  });

  it('a second paid trade for an already paid order is an orphan: listed, noted and refunded once', async () => {
    const { code, totalWithTax } = await prepareOrder(env.shopClient);
    const stale = await createIntent(env.shopClient, 'alipay-direct');
    const current = await createIntent(env.shopClient, 'alipay-direct');
    await open(current.url as string);
    await payAsBuyer(sandbox, { outTradeNo: current.outTradeNo as string, partner });
    expect((await adminOrder(env.adminClient, code)).state).toBe('PaymentSettled');
    // The buyer still had the first cashier open (never seen by Alipay, so it could not be closed).
    await open(stale.url as string);
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo: stale.outTradeNo as string, partner });
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
      const { alipayOrphanPayments } = await env.adminClient.query(query);
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
    const order = await adminOrder(env.adminClient, code);
    expect(order.payments).toHaveLength(1);
    expect(
      notesOf(order).some(n => n.includes(`${orphan.tradeNo}`) && n.includes('refunded automatically')),
    ).toBe(true);
    expect((await sandboxTrade(sandbox, stale.outTradeNo as string)).refundedAmount).toBe(
      (totalWithTax / 100).toFixed(2),
    );

    // Asking again refunds nothing more.
    const { refundAlipayOrphanPayment } = await env.adminClient.query(
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
    const refunds = (await sandboxTrade(sandbox, stale.outTradeNo as string)) as unknown as {
      refunds: unknown[];
    };
    expect(refunds.refunds).toHaveLength(1);
  });

  it('a verified notification for a trade this shop never created is acknowledged and logged', async () => {
    const stranger = openApiNotification({
      out_trade_no: 'NOT-OURS-1',
      trade_no: '2026112599999999999999999999',
      total_amount: '1.00',
    });
    expect((await postNotification(notifyUrl('alipay-openapi'), stranger)).text).toBe('success');
    const line = env.logger.plugin().find(l => l.message.includes('NOT-OURS-1'));
    expect(line?.message).toContain('for a trade this channel never created; acknowledged');
  });

  it('a payment for a cancelled order is an orphan and is refunded automatically', async () => {
    const { code, outTradeNo } = await openedOpenApiTrade();
    const order = await adminOrder(env.adminClient, code);
    const { transitionOrderToState } = await env.adminClient.query(
      gql`
        mutation ($id: ID!) {
          transitionOrderToState(id: $id, state: "Cancelled") {
            __typename
            ... on Order {
              state
            }
          }
        }
      `,
      { id: order.id },
    );
    expect(transitionOrderToState).toEqual({ __typename: 'Order', state: 'Cancelled' });
    const { deliveries } = await payAsBuyer(sandbox, { outTradeNo, appId });
    expect(deliveries[0]?.answer).toBe('success');
    const after = await adminOrder(env.adminClient, code);
    expect(after.state).toBe('Cancelled');
    expect(after.payments).toEqual([]);
    // OpenAPI refunds answer at once.
    const trade = await sandboxTrade(sandbox, outTradeNo);
    expect(trade.status).toBe('TRADE_CLOSED');
    expect(trade.refundedAmount).toBe((trade.totalFen / 100).toFixed(2));
    expect(notesOf(after).some(n => n.includes('the order was cancelled') && n.includes('订单已取消'))).toBe(
      true,
    );
    const { alipayOrphanPayments } = await env.adminClient.query(gql`
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
    const { code, outTradeNo, total } = await openedOpenApiTrade();
    const order = await adminOrder(env.adminClient, code);
    await env.adminClient.query(
      gql`
        mutation ($id: ID!) {
          transitionOrderToState(id: $id, state: "Cancelled") {
            __typename
          }
        }
      `,
      { id: order.id },
    );
    // The payment's and a 10.00 portal refund's notifications are lost: the shop does not know yet that
    // Alipay gave part of the money back.
    await control(sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 2 });
    const { json: paid } = await control<{ trade: { tradeNo: string } }>(sandbox, 'POST', 'pay', {
      outTradeNo,
      appId,
    });
    const tradeNo = paid.trade.tradeNo;
    await control(sandbox, 'POST', 'alipay-refund', { outTradeNo, appId, amountFen: 1000 });
    // The payment's notification arrives: an orphan, refunded in full by the policy, which Alipay refuses.
    const notification = openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: (total / 100).toFixed(2),
    });
    expect((await postNotification(notifyUrl('alipay-openapi'), notification)).text).toBe('success');
    const refunds = () =>
      env.server.app
        .get(TransactionalConnection)
        .rawConnection.getRepository(AlipayRefund)
        .find({ where: { outTradeNo }, order: { id: 'ASC' } });
    expect((await refunds()).map(r => [r.origin, r.status, r.amountFen])).toEqual([
      ['orphan', 'failed', total],
    ]);
    const reconciliation = env.server.app.get(AlipayReconciliationService);

    // Reconciliation does not send the refused refund again: nothing changed.
    await reconciliation.reconcilePendingTrades();
    expect((await refunds()).map(r => [r.origin, r.status])).toEqual([['orphan', 'failed']]);

    // Alipay's notification of the portal refund arrives: what is left changed, and the rest goes back.
    await control(sandbox, 'POST', 'clock/advance', { ms: 5 * 60_000 });
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
    expect((await sandboxTrade(sandbox, outTradeNo)).refundedAmount).toBe((total / 100).toFixed(2));
    await reconciliation.reconcilePendingTrades();
    expect(await refunds()).toHaveLength(3);
  });

  it('every plugin log line names the order and the trade; no secret was ever logged', () => {
    const lines = env.logger.plugin();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(line.message).toMatch(/^order \S+ · trade \S+ · Alipay \S+/);
    }
    const everything = env.logger.text();
    expect(everything).not.toContain(md5Key);
    const keyBody = appPrivateKey.replace(/-----[^-]+-----|\s/g, '');
    expect(everything).not.toContain(keyBody.slice(100, 140));
  });
});
