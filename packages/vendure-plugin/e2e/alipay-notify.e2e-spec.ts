import { md5Sign } from '@alipay-commerce/core/primitives';
import { OrderService } from '@vendure/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { useShop } from './alipay-shop-fixture';
import { startNotifyShop } from './notify-fixture';
import { control, deliveriesFor, eventually, payAsBuyer, sandboxTrade } from './sandbox-steps';
import { adminOrder, createIntent, open, postNotification, prepareOrder } from './shop-steps';

/**
 * Notification security: forged, tampered, wrong-amount, wrong-seller, replayed and concurrent
 * duplicate notifications, service-provider mode; no secret in any log line.
 */
describe('Alipay notifications: security', () => {
  const shop = useShop(() => startNotifyShop('alipay-notify'));

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('forged and unsigned notifications change nothing and are answered fail', async () => {
    const { code, outTradeNo } = await prepareOrder(shop.env.shopClient).then(async order => {
      const intent = await createIntent(shop.env.shopClient, 'alipay-direct');
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
      seller_email: shop.sandbox.merchants[0]?.sellerEmail ?? '',
    };
    const forged = new URLSearchParams({
      ...params,
      sign: md5Sign(params, 'x'.repeat(32)),
      sign_type: 'MD5',
    }).toString();
    for (const body of [forged, new URLSearchParams(params).toString()]) {
      const answer = await postNotification(shop.notifyUrl('alipay-direct'), body);
      expect(answer).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', text: 'fail' });
    }
    await shop.expectUnpaid(code);
    const rejected = shop.env.logger.plugin().filter(l => l.message.includes('rejected (bad_signature)'));
    expect(rejected).toHaveLength(2);
    expect(rejected[0]?.message).toContain(`order ${code} · trade ${outTradeNo}`);
  });

  it('a charset field that is no charset (charset=%E4) is a malformed body: success, nothing changes, no ERROR (issue 15 item 6)', async () => {
    const { code, outTradeNo, signed } = await shop.openedOpenApiTrade();
    const fromLine = shop.env.logger.lines.length;
    const bodies: Array<[string, string]> = [
      ['alipay-openapi', signed().replace('charset=utf-8', 'charset=%E4')],
      ['alipay-openapi', `charset=%E4&out_trade_no=${outTradeNo}`],
      ['alipay-direct', `_input_charset=%E4%B8&out_trade_no=${outTradeNo}&trade_status=TRADE_SUCCESS`],
      ['alipay-direct', 'charset=%'],
    ];
    for (const [method, body] of bodies) {
      // No charset in the content type: the parser has to read it from the body's field.
      const answer = await postNotification(
        shop.notifyUrl(method),
        body,
        'application/x-www-form-urlencoded',
      );
      expect(answer, body).toEqual({
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        text: 'success',
      });
    }
    await shop.expectUnpaid(code);
    const lines = shop.env.logger.lines.slice(fromLine);
    expect(lines.filter(l => l.level === 'error')).toEqual([]);
    const refused = lines.filter(l => l.message.includes('notification rejected (malformed_body)'));
    expect(refused).toHaveLength(bodies.length);
    // Tidy up: pay it for real so the next test starts with an empty cart.
    await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a notification tampered with in transit is refused; Alipay’s retry then pays the order', async () => {
    const { code, outTradeNo } = await shop.openedOpenApiTrade();
    await control(shop.sandbox, 'POST', 'faults', {
      scope: { outTradeNo },
      fault: 'tamper-signature',
      count: 1,
    });
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    expect(deliveries.map(d => [d.tampered, d.answer])).toEqual([[true, 'fail']]);
    await shop.expectUnpaid(code);
    // Alipay retries 4 minutes later with an intact signature.
    await control(shop.sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments).toHaveLength(1);
  });

  it('a validly signed notification with the wrong amount changes nothing and leaves no claim behind', async () => {
    const { code, outTradeNo, tradeNo, total } = await shop.openedOpenApiTrade();
    const wrong = shop.openApiNotification({
      out_trade_no: outTradeNo,
      trade_no: tradeNo,
      total_amount: ((total + 1) / 100).toFixed(2),
    });
    const answer = await postNotification(shop.notifyUrl('alipay-openapi'), wrong);
    // Retrying cannot fix an amount: acknowledged, logged, nothing changed.
    expect(answer.text).toBe('success');
    await shop.expectUnpaid(code);
    const line = shop.env.logger
      .plugin()
      .find(l => l.message.includes('rejected (wrong_amount)') && l.message.includes(outTradeNo));
    expect(line?.message).toContain(`order ${code}`);
    expect(line?.message).toContain(tradeNo);
    // The same trade number and status, now for real: not mistaken for a duplicate.
    await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a notification for another seller is refused with fail (a settings fix can help)', async () => {
    const { code, outTradeNo, signed } = await shop.openedOpenApiTrade();
    const otherSeller = signed({
      seller_id: '2088999999999999',
    });
    expect((await postNotification(shop.notifyUrl('alipay-openapi'), otherSeller)).text).toBe('fail');
    await shop.expectUnpaid(code);
    expect(
      shop.env.logger
        .plugin()
        .some(l => l.message.includes('rejected (wrong_seller)') && l.message.includes(outTradeNo)),
    ).toBe(true);
    // Tidy up: pay it for real so the next test starts with an empty cart.
    await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
  });

  it('service-provider mode: only notifications naming the authorised merchant pay the order (issue 15 item 7)', async () => {
    const { code, totalWithTax } = await prepareOrder(shop.env.shopClient);
    const intent = await createIntent(shop.env.shopClient, 'alipay-isv', 'desktop');
    const outTradeNo = intent.outTradeNo as string;
    const cashier = await open(intent.url as string);
    await open(new URL(cashier.location as string, shop.sandbox.url).toString());
    const { tradeNo } = await sandboxTrade(shop.sandbox, outTradeNo);
    const signedFor = (fields: Record<string, string>) =>
      shop.openApiNotification({
        out_trade_no: outTradeNo,
        trade_no: tradeNo,
        total_amount: (totalWithTax / 100).toFixed(2),
        auth_app_id: '2021000000000077',
        seller_id: shop.isvMerchantSellerId,
        ...fields,
      });
    // Validly signed by Alipay for the provider's app, but for another merchant it serves, or naming none.
    for (const body of [
      signedFor({ auth_app_id: '2021000000000099', seller_id: '2088101000000099' }),
      signedFor({ seller_id: shop.appSellerId }),
      signedFor({ seller_id: '' }),
    ]) {
      expect((await postNotification(shop.notifyUrl('alipay-isv'), body)).text).toBe('fail');
    }
    await shop.expectUnpaid(code);
    const refused = shop.env.logger
      .plugin()
      .filter(l => l.message.includes('rejected (wrong_seller)') && l.message.includes(outTradeNo));
    expect(refused).toHaveLength(3);
    // The real payment, made through the provider's app for the merchant, pays the order.
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    expect(deliveries[0]?.params).toMatchObject({
      app_id: shop.appId,
      auth_app_id: '2021000000000077',
      seller_id: shop.isvMerchantSellerId,
    });
    expect(deliveries[0]?.answer).toBe('success');
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
  });

  it('a replayed notification and a late WAIT_BUYER_PAY change nothing and are acknowledged', async () => {
    const { code, outTradeNo, signed } = await shop.openedOpenApiTrade();
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, appId: shop.appId });
    const before = await adminOrder(shop.env.adminClient, code);
    expect(before.state).toBe('PaymentSettled');
    const replay = await postNotification(
      shop.notifyUrl('alipay-openapi'),
      deliveries[0]?.body as string,
      deliveries[0]?.contentType,
    );
    expect(replay.text).toBe('success');
    const late = signed({
      trade_status: 'WAIT_BUYER_PAY',
    });
    expect((await postNotification(shop.notifyUrl('alipay-openapi'), late)).text).toBe('success');
    const after = await adminOrder(shop.env.adminClient, code);
    expect(after.state).toBe('PaymentSettled');
    expect(after.payments).toEqual(before.payments);
    expect(
      shop.env.logger.plugin().some(l => l.message.includes(outTradeNo) && l.message.includes('duplicate')),
    ).toBe(true);
  });

  it('20 concurrent deliveries of one notification create exactly one payment', async () => {
    const { code } = await prepareOrder(shop.env.shopClient);
    const intent = await createIntent(shop.env.shopClient, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify', count: 1 });
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, partner: shop.partner });
    expect(deliveries[0]?.outcome).toBe('dropped');
    const { body, contentType } = deliveries[0] as { body: string; contentType: string };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postNotification(shop.notifyUrl('alipay-direct'), body, contentType)),
    );
    expect(answers.map(a => a.text)).toEqual(Array(20).fill('success'));
    const order = await adminOrder(shop.env.adminClient, code);
    expect(order.state).toBe('PaymentSettled');
    expect(order.payments).toHaveLength(1);
  });

  it('a failed transaction leaves no receipt claim: the retry is processed', async () => {
    const { code } = await prepareOrder(shop.env.shopClient);
    const intent = await createIntent(shop.env.shopClient, 'alipay-direct');
    const outTradeNo = intent.outTradeNo as string;
    await open(intent.url as string);
    const addPayment = vi
      .spyOn(shop.env.server.app.get(OrderService), 'addPaymentToOrder')
      .mockRejectedValueOnce(new Error('simulated database failure'));
    const { deliveries } = await payAsBuyer(shop.sandbox, { outTradeNo, partner: shop.partner });
    expect(deliveries[0]?.answer).toBe('fail');
    await shop.expectUnpaid(code);
    addPayment.mockRestore();
    await control(shop.sandbox, 'POST', 'clock/advance', { ms: 4 * 60_000 + 1000 });
    const order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return current.state === 'PaymentSettled' ? current : undefined;
    });
    expect(order.payments).toHaveLength(1);
    expect((await deliveriesFor(shop.sandbox, outTradeNo)).map(d => d.answer)).toEqual(['fail', 'success']);
  });

  it('every plugin log line names the order and the trade; no secret was ever logged', () => {
    shop.expectSafeLogs({ minLines: 5 });
  });
});
