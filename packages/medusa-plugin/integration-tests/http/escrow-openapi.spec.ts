/**
 * The other two contract shapes on a real Medusa app and PostgreSQL, against the offline sandbox:
 * legacy 担保交易 (escrow: paid → authorized, shipment confirmed to Alipay, buyer confirms receipt →
 * captured; a failed confirmation is retried and shown to the merchant) and OpenAPI (page / wap / QR,
 * RSA2 notifications, synchronous refunds; a lost answer is completed by reconciliation, never sent twice).
 */
import { eventually } from '@alipay-commerce/sandbox/testing';
import { alipaySpec } from '../utils/alipay-spec';
import { chromiumPath, launchBrowser, openHarness } from '../utils/browser';
import { call, ok } from '../utils/http';
import { retryDueShipments } from '../utils/plugin';
import { outTradeNoOf } from '../utils/shop';

await alipaySpec({ settingsSecret: 'c3'.repeat(32) }, t => {
  /** An escrow order whose shipment confirmation failed once (Alipay answered HTTP 500). */
  async function failedConfirmation(trackingNumber: string) {
    const escrow = await t.escrowOrder();
    await t.control.addFault({ scope: { partner: t.partner }, fault: 'gateway-500' });
    await t.ship(escrow.order, trackingNumber);
    const shipment = await eventually(
      async () => (await t.db.raw(`select * from alipay_shipment where attempts = 1`)).rows[0],
      { what: 'the failed attempt' },
    );
    return { ...escrow, shipment };
  }

  it('escrow: authorized on payment, shipment confirmed to Alipay, captured when the buyer confirms receipt', async () => {
    const { session, paid, order, payment: authorized } = await t.escrowOrder();
    expect(session.data.interface).toBe('create_partner_trade_by_buyer');
    // WAIT_BUYER_PAY (cashier opened) is acknowledged and ignored; WAIT_SELLER_SEND_GOODS authorizes.
    const statuses = (await t.control.deliveries(outTradeNoOf(session))).map(d => [
      d.params.trade_status,
      d.answer,
    ]);
    expect(statuses).toEqual([
      ['WAIT_BUYER_PAY', 'success'],
      ['WAIT_SELLER_SEND_GOODS', 'success'],
    ]);
    expect(authorized.captured_at).toBeNull();
    expect(authorized.data.alipay_status).toBe('paid_awaiting_shipment');

    // Capturing by hand before the buyer confirmed receipt is refused, with the reason.
    const early = await call(t.api, 'post', `/admin/payments/${authorized.id}/capture`, t.admin, {});
    expect(early.status).toBe(400);
    expect(early.data.message).toContain('担保交易');

    await t.ship(order, 'SF1234567890');
    const shipment = await eventually(
      async () => {
        const { rows } = await t.db.raw(
          `select status, carrier, tracking_number, trade_no, attempts from alipay_shipment`,
        );
        return rows[0]?.status === 'confirmed' ? rows[0] : null;
      },
      { what: 'shipment confirmation' },
    );
    expect(shipment).toEqual({
      status: 'confirmed',
      carrier: '顺丰速运',
      tracking_number: 'SF1234567890',
      trade_no: paid.trade.tradeNo,
      attempts: 1,
    });
    const trade = await t.control.trade(String(paid.trade.tradeNo));
    expect(trade.status).toBe('WAIT_BUYER_CONFIRM_GOODS');
    expect(JSON.stringify(trade.shipment)).toContain('SF1234567890');

    await t.control.confirmReceipt({ outTradeNo: outTradeNoOf(session), partner: t.partner });
    const captured = await t.awaitPayment(session.id, 'captured');
    expect(captured.data.alipay_status).toBe('finished');
    const finished = (await t.control.deliveries(outTradeNoOf(session))).at(-1);
    expect(finished).toMatchObject({ answer: 'success' });
    expect(finished!.params.trade_status).toBe('TRADE_FINISHED');
  });

  it('escrow: a failed shipment confirmation is retried with backoff and shown on the order', async () => {
    const { order, shipment: failing } = await failedConfirmation('SF0000000001');
    expect(failing.status).toBe('pending');
    expect(failing.last_error).toContain('NETWORK_HTTP_STATUS');
    expect(new Date(failing.next_attempt_at).getTime()).toBeGreaterThan(Date.now());

    // What the order page widget shows.
    const panel = await ok(t.api, 'get', `/admin/alipay/orders/${order.id}`, t.admin);
    expect(panel.shipments).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    expect(panel.events).toContainEqual(expect.objectContaining({ kind: 'shipment', level: 'warning' }));
    expect(panel.trades).toEqual([expect.objectContaining({ status: 'paid_awaiting_shipment' })]);

    // The job retries when the backoff delay has passed (here: pretend it has).
    expect(await retryDueShipments(t.container)).toBe(0);
    await t.control.clearFaults();
    await t.db.raw(`update alipay_shipment set next_attempt_at = now() - interval '1 second'`);
    expect(await retryDueShipments(t.container)).toBe(1);
    const retried = (await t.db.raw(`select status, attempts, last_error from alipay_shipment`)).rows[0];
    expect(retried).toEqual({ status: 'confirmed', attempts: 2, last_error: null });
  });

  it('escrow: the merchant can retry a confirmation that gave up', async () => {
    const { shipment } = await failedConfirmation('SF0000000002');
    await t.db.raw(`update alipay_shipment set status = 'failed', attempts = 8, next_attempt_at = null`);
    await t.control.clearFaults();
    const retried = await ok(t.api, 'post', `/admin/alipay/shipments/${shipment.id}/retry`, t.admin);
    expect(retried.shipment).toMatchObject({ status: 'confirmed', attempts: 1 });
  });

  it.skipIf(!chromiumPath)(
    'escrow: the order page widget shows a failing confirmation and retries it',
    async () => {
      const { order, paid } = await failedConfirmation('SF0000000003');
      await t.control.clearFaults();

      const browser = await launchBrowser();
      try {
        const { page, problems } = await openHarness(
          browser,
          t.app.backendUrl,
          t.admin.authorization!,
          `view=order&order_id=${order.id}`,
        );
        const panel = page.getByTestId('alipay-order-panel');
        await panel.waitFor();
        const text = await panel.textContent();
        expect(text).toContain('Paid into escrow, ship now / 已付款至担保账户，请发货');
        expect(text).toContain(String(paid.trade.tradeNo));
        expect(text).toContain('NETWORK_HTTP_STATUS');
        await page.getByRole('button', { name: 'Retry now / 立即重试' }).click();
        await page.getByText('confirmed', { exact: true }).waitFor();
        expect(await page.getByRole('button', { name: 'Retry now / 立即重试' }).count()).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
      expect((await t.db.raw(`select status from alipay_shipment`)).rows).toEqual([{ status: 'confirmed' }]);
      expect((await t.control.trade(String(paid.trade.tradeNo))).status).toBe('WAIT_BUYER_CONFIRM_GOODS');
    },
  );

  it('OpenAPI: page pay on desktop, wap on mobile, QR when preferred; RSA2 notification creates the order', async () => {
    await t.saveSettings(t.openApiSettings());
    const prepared = await t.prepareCart();
    const mobile = await t.createSession(prepared, { device: 'mobile' });
    expect(new URL(mobile.data.redirect_url).searchParams.get('method')).toBe('alipay.trade.wap.pay');
    const desktop = await t.createSession(prepared, { device: 'desktop' });
    expect(desktop.data.interface).toBe('alipay.trade.page.pay');
    const redirect = new URL(desktop.data.redirect_url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(t.sandbox.openapiGateway);
    expect(JSON.stringify(desktop)).not.toContain('PRIVATE KEY');

    await t.control.openRequest(desktop.data.redirect_url);
    const paid = await t.pay(desktop);
    expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
    expect(paid.deliveries[0]!.params.sign_type).toBe('RSA2');
    expect(await t.orderOf(prepared)).toBeTruthy();
    expect((await t.paymentOf(desktop.id)).captured_at).not.toBeNull();

    await t.saveSettings({ alwaysQrOnDesktop: true });
    const qrCart = await t.prepareCart();
    const qr = await t.createSession(qrCart, { device: 'desktop' });
    expect(qr.data).toMatchObject({ kind: 'qr', interface: 'alipay.trade.precreate', redirect_url: null });
    expect(qr.data.qr_code).toMatch(/^https?:\/\//);
    expect(new Date(qr.data.qr_expires_at).getTime()).toBeGreaterThan(Date.now());
    await t.control.openCashier({ outTradeNo: outTradeNoOf(qr), appId: t.appId });
    await t.pay(qr);
    expect(await t.orderOf(qrCart)).toBeTruthy();
  });

  it('OpenAPI refunds: partial, a lost answer completed by reconciliation without refunding twice, then full', async () => {
    await t.saveSettings(t.openApiSettings());
    const { session, tradeNo, payment } = await t.paidCheckout();
    const paymentId = payment.id;
    const refundedAmount = async () => (await t.control.trade(tradeNo)).refundedAmount;
    const ledger = () => t.refundRows(outTradeNoOf(session));

    await t.refund(paymentId, 10);
    // OpenAPI also notifies the refund (its out_biz_no is our request number); let it pass before the fault.
    await eventually(
      async () =>
        (await t.control.deliveries(outTradeNoOf(session))).filter(d => d.answer === 'success').length === 2,
      { what: 'the refund notification' },
    );

    // Alipay refunds, but its answer cannot be trusted (bad signature), nor its notification: the
    // money may have moved, so Medusa keeps its refund and the refund stays uncertain, holding the lock.
    await t.control.addFault({ scope: { appId: t.appId }, fault: 'tamper-signature', count: 2 });
    await t.refund(paymentId, 10);
    expect(await refundedAmount()).toBe('20.00');
    const [, lost] = await ledger();
    expect(lost).toMatchObject({ status: 'uncertain', in_flight_key: outTradeNoOf(session) });
    // The admin tries again: refused before anything is sent — no second refund.
    const again = await t.tryRefund(paymentId, 10);
    expect(again.status).toBe(400);
    expect(again.data.message).toContain('another refund of this payment is in progress');
    expect(await refundedAmount()).toBe('20.00');

    // Reconciliation asks Alipay about that request: refunded, so it is settled (nothing sent again).
    await t.reconcileNow();
    expect((await ledger())[1]).toMatchObject({ status: 'succeeded', in_flight_key: null });
    expect(await refundedAmount()).toBe('20.00');

    await t.refund(paymentId, 15);
    expect(await refundedAmount()).toBe('35.00');
    const rows = await ledger();
    expect(rows.map(row => [row.status, row.amount])).toEqual([
      ['succeeded', '10.00'],
      ['succeeded', '10.00'],
      ['succeeded', '15.00'],
    ]);
    expect(new Set(rows.map(row => row.request_no)).size).toBe(3);
    const medusaRefunds = await t.db.raw('select amount from refund where payment_id = ?', [paymentId]);
    expect(medusaRefunds.rows.map(row => Number(row.amount)).sort()).toEqual([10, 10, 15]);
  });
});
