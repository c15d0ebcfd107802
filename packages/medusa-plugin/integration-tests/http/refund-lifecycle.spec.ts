/**
 * "Money recorded equals money moved", on a real Medusa app and PostgreSQL against the offline sandbox:
 * what Medusa records as refunded (its `refund` rows) is always what the sandbox — standing in for
 * Alipay — moved. Two refunds of one payment at once, a refund whose answer is lost, refunds made on
 * Alipay's side (an escrow trade closed after payment, a partial refund from the merchant portal),
 * legacy refund results (`batch_refund_notify`), orphan payments refunded by the shop's policy, and the
 * shipping gate that keeps an order whose money went back from being fulfilled or shipped.
 *
 * This app runs with `autoRefundOrphanPayments: true`.
 */
import { SHIPMENT_REFUSED } from '@alipay-commerce/core/lifecycle';
import { eventually } from '@alipay-commerce/sandbox/testing';
import { alipaySpec } from '../utils/alipay-spec';
import { call, ok } from '../utils/http';
import { retryDueShipments } from '../utils/plugin';
import { outTradeNoOf, type PreparedCart, type StoreSession } from '../utils/shop';

/** The bilingual refusal of a second refund while one of the same payment is in flight. */
const IN_FLIGHT = /another refund of this payment is in progress.*另一笔退款/s;

await alipaySpec({ settingsSecret: 'd4'.repeat(32), autoRefundOrphans: true }, t => {
  /** An OpenAPI checkout paid in full (instant): 35.00 CNY, order created by the notification. */
  async function paidOpenApiOrder() {
    await t.saveSettings(t.openApiSettings());
    const checkout = await t.paidCheckout();
    return { ...checkout, paymentId: checkout.payment.id };
  }

  /** A legacy 即时到账 checkout with no-password refunds, paid: refund results come by batch_refund_notify. */
  async function paidLegacyOrder() {
    await t.saveSettings(t.legacySettings('legacy-direct', { refundWithoutPassword: true }));
    return t.paidCheckout();
  }

  /** The orphan refund of a trade has reached Alipay and is settled in the shop's book. */
  async function orphanRefunded(tradeNo: string, outTradeNo: string) {
    await eventually(async () => (await t.alipayRefundedFen(tradeNo)) === 3500, {
      what: 'the orphan refund',
    });
    await eventually(async () => (await t.succeededFen(outTradeNo)) === 3500, {
      what: 'the orphan refund to be settled',
    });
  }

  it('two refunds of the same amount at once: Medusa keeps exactly what Alipay refunded', async () => {
    const { session, tradeNo, paymentId } = await paidOpenApiOrder();

    // Two admins (or a double click) refund 10.00 of the same payment at the same moment.
    const answers = await Promise.all([t.tryRefund(paymentId, 10), t.tryRefund(paymentId, 10)]);
    // Each one went through; or was refused before anything was sent, saying why; or — Medusa's own
    // refusal of two order changes at once — failed in a workflow step after the refund was made
    // and recorded (Medusa never undoes a refund step).
    const refusedBeforeSending = answers.filter(answer => IN_FLIGHT.test(String(answer.data?.message)));
    for (const answer of answers) {
      if (answer.status === 200 || refusedBeforeSending.includes(answer)) continue;
      expect([answer.status, answer.data.message]).toEqual([
        400,
        expect.stringContaining('active order change'),
      ]);
    }
    expect(refusedBeforeSending.length).toBeLessThan(2);
    // Let Alipay's refund notifications pass.
    await eventually(
      async () => {
        const deliveries = await t.control.deliveries(outTradeNoOf(session));
        return deliveries.filter(d => d.params.refund_fee).every(d => d.answer === 'success');
      },
      { what: 'the refund notifications' },
    );

    const moved = await t.alipayRefundedFen(tradeNo);
    expect(moved).toBe(1000 * (answers.length - refusedBeforeSending.length));
    expect(await t.medusaRefundedFen(paymentId)).toBe(moved);
    expect(await t.succeededFen(outTradeNoOf(session))).toBe(moved);
    // Nothing left in flight; every succeeded refund has its own request number and Medusa refund.
    const rows = await t.refundRows(outTradeNoOf(session));
    expect(rows.every(row => row.in_flight_key === null)).toBe(true);
    const succeeded = rows.filter(row => row.status === 'succeeded');
    expect(new Set(succeeded.map(row => row.request_no)).size).toBe(succeeded.length);
    expect(succeeded.every(row => row.medusa_refund_id)).toBe(true);
  });

  it('escrow closed on Alipay after payment: payment cancelled, merchant alerted, fulfillment and shipment refused', async () => {
    const { session, tradeNo, order, payment } = await t.escrowOrder();
    expect(payment.captured_at).toBeNull();

    // One of the two items is fulfilled while the money is still held: allowed.
    const item = order.items[0]!;
    expect(item.quantity).toBe(2);
    const fulfillmentId = await t.fulfil(order, [{ id: item.id, quantity: 1 }]);

    // The buyer's refund is agreed through Alipay: the escrow trade is refunded whole and closed.
    const refunded = await t.control.alipayRefund({ outTradeNo: outTradeNoOf(session), partner: t.partner });
    expect(refunded.deliveries.at(-1)).toMatchObject({ answer: 'success' });
    expect(refunded.deliveries.at(-1)!.params.trade_status).toBe('TRADE_CLOSED');

    const cancelled = await t.awaitPayment(session.id, 'canceled');
    expect(cancelled.captured_at).toBeNull();
    expect(
      (
        await t.db.raw('select alipay_status from alipay_trade where out_trade_no = ?', [
          outTradeNoOf(session),
        ])
      ).rows,
    ).toEqual([{ alipay_status: 'TRADE_CLOSED' }]);
    // Flagged for the merchant (an error in the journal), with the order page showing it.
    const panel = await ok(t.api, 'get', `/admin/alipay/orders/${order.id}`, t.admin);
    expect(panel.alerts).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringContaining(`escrow trade ${tradeNo}`),
      }),
    );
    expect(panel.alerts[0].message).toContain('请勿发货');

    // Neither the rest of the order nor the fulfilled part can ship now, and nothing is left behind.
    const more = await call(t.api, 'post', `/admin/orders/${order.id}/fulfillments`, t.admin, {
      items: [{ id: item.id, quantity: 1 }],
      location_id: t.shop.stockLocationId,
    });
    expect(more.status).toBe(400);
    expect(more.data.message).toContain(SHIPMENT_REFUSED.en);
    expect(more.data.message).toContain(SHIPMENT_REFUSED.zh);
    const shipped = await call(
      t.api,
      'post',
      `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`,
      t.admin,
      {
        items: [{ id: item.id, quantity: 1 }],
        labels: [{ tracking_number: 'SF404', tracking_url: '#', label_url: '#' }],
      },
    );
    expect(shipped.status).toBe(400);
    expect(shipped.data.message).toContain(SHIPMENT_REFUSED.en);
    const after = await ok(t.api, 'get', `/admin/orders/${order.id}?fields=*fulfillments,*items`, t.admin);
    expect(
      after.order.fulfillments.map((f: { id: string; shipped_at: string | null }) => [f.id, f.shipped_at]),
    ).toEqual([[fulfillmentId, null]]);
    expect(after.order.items[0].detail.fulfilled_quantity).toBe(1);
    expect((await t.db.raw('select count(*)::int as n from alipay_shipment')).rows[0].n).toBe(0);
    // Alipay's money was never in Medusa's refunds: the payment is cancelled, not refunded.
    expect(await t.medusaRefundedFen(payment.id)).toBe(0);
  });

  it('escrow closed without refund_status (a plain TRADE_CLOSED) is the same news', async () => {
    const { session } = await t.escrowOrder();
    await t.control.alipayRefund({
      outTradeNo: outTradeNoOf(session),
      partner: t.partner,
      refundStatus: false,
    });
    expect((await t.awaitPayment(session.id, 'canceled')).captured_at).toBeNull();
    const alerts = await t.db.raw(
      `select level from alipay_event where out_trade_no = ? and level = 'error'`,
      [outTradeNoOf(session)],
    );
    expect(alerts.rows).toHaveLength(1);
  });

  it('records a partial refund made on Alipay’s side as a Medusa refund; the shop’s own refunds add up with it', async () => {
    const { session, tradeNo, orderId, paymentId } = await paidOpenApiOrder();
    const refunded = await t.control.alipayRefund({
      outTradeNo: outTradeNoOf(session),
      appId: t.appId,
      amountFen: 500,
    });
    expect(refunded.deliveries.at(-1)).toMatchObject({ answer: 'success' });
    await eventually(async () => (await t.medusaRefundedFen(paymentId)) === 500, {
      what: 'the Alipay-side refund in Medusa',
    });
    const [row] = await t.refundRows(outTradeNoOf(session));
    expect(row).toMatchObject({ origin: 'alipay', status: 'succeeded', amount: '5.00', in_flight_key: null });
    expect(row!.request_no).toMatch(/^ALIPAY-REFUND-/);
    const [medusaRefund] = (await t.db.raw('select id, note from refund where payment_id = ?', [paymentId]))
      .rows;
    expect(row!.medusa_refund_id).toBe(medusaRefund.id);
    expect(medusaRefund.note).toContain('支付宝侧退款');

    // The same notification again changes nothing.
    const notice = (await t.control.deliveries(outTradeNoOf(session))).at(-1)!;
    const replay = await t.postNotification(notice.body, notice.contentType);
    expect(replay.data).toBe('success');

    // A refund by the admin now goes to Alipay (it is not mistaken for the recorded one).
    await t.refund(paymentId, 10);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1500);
    expect(await t.medusaRefundedFen(paymentId)).toBe(1500);
    expect(await t.succeededFen(outTradeNoOf(session))).toBe(1500);

    const panel = await ok(t.api, 'get', `/admin/alipay/orders/${orderId}`, t.admin);
    expect(panel.refunds).toEqual([
      expect.objectContaining({ origin: 'alipay', status: 'succeeded', amount_fen: 500, amount: '5.00' }),
      expect.objectContaining({ origin: 'shop', status: 'succeeded', amount_fen: 1000, amount: '10.00' }),
    ]);
  });

  it('a refund whose answer is lost stays in flight, blocks a second one, and reconciliation completes it once', async () => {
    const { session, tradeNo, paymentId } = await paidOpenApiOrder();
    await t.control.addFault({ scope: { appId: t.appId }, fault: 'gateway-500' });
    // No usable answer: the money may have moved, so Medusa keeps its refund (no error for the admin).
    await t.refund(paymentId, 10);
    const [open] = await t.refundRows(outTradeNoOf(session));
    expect(open).toMatchObject({ status: 'uncertain', origin: 'shop', in_flight_key: outTradeNoOf(session) });
    expect(open!.error).toContain('NETWORK_HTTP_STATUS');
    // A second refund is refused while the first is unresolved, and nothing is sent.
    const second = await t.tryRefund(paymentId, 10);
    expect(second.status).toBe(400);
    expect(second.data.message).toMatch(IN_FLIGHT);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(0);

    await t.control.clearFaults();
    await t.reconcileNow();
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1000);
    expect(await t.refundRows(outTradeNoOf(session))).toEqual([
      expect.objectContaining({ status: 'succeeded', in_flight_key: null, request_no: open!.request_no }),
    ]);
    expect(await t.medusaRefundedFen(paymentId)).toBe(1000);
    // Reconciling again changes nothing.
    await t.reconcileNow();
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1000);
  });

  it('records a settled refund again when its Medusa refund was lost, without refunding twice', async () => {
    const { session, tradeNo, paymentId } = await paidOpenApiOrder();
    await t.refund(paymentId, 10);
    const [row] = await t.refundRows(outTradeNoOf(session));
    expect(row).toMatchObject({ status: 'succeeded', medusa_refund_id: expect.stringMatching(/^ref/) });
    // What Medusa leaves when anything after the provider's answer fails: it deletes its refund.
    await t.db.raw('delete from refund where id = ?', [row!.medusa_refund_id]);
    expect(await t.medusaRefundedFen(paymentId)).toBe(0);

    await t.reconcileNow();
    expect(await t.medusaRefundedFen(paymentId)).toBe(1000);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1000);
    const [after] = await t.refundRows(outTradeNoOf(session));
    expect(after).toMatchObject({ status: 'succeeded', in_flight_key: null });
    expect(after!.medusa_refund_id).not.toBe(row!.medusa_refund_id);
    const { rows } = await t.db.raw('select id from refund where payment_id = ?', [paymentId]);
    expect(rows.map((r: { id: string }) => r.id)).toEqual([after!.medusa_refund_id]);
    // Once recorded, the next run leaves it alone.
    await t.reconcileNow();
    expect(await t.medusaRefundedFen(paymentId)).toBe(1000);
  });

  it('escrow: a pending shipment confirmation is given up, without calling Alipay, once the trade is closed', async () => {
    const { session, tradeNo, order } = await t.escrowOrder();
    await t.control.addFault({ scope: { partner: t.partner }, fault: 'gateway-500' });
    await t.ship(order, 'SF500');
    await eventually(
      async () => (await t.db.raw('select attempts from alipay_shipment')).rows[0]?.attempts === 1,
      { what: 'the failed confirmation' },
    );

    await t.control.alipayRefund({ outTradeNo: outTradeNoOf(session), partner: t.partner });
    await t.awaitPayment(session.id, 'canceled');
    await t.control.clearFaults();
    await t.db.raw(`update alipay_shipment set next_attempt_at = now() - interval '1 second'`);
    await retryDueShipments(t.container);
    const [shipment] = (await t.db.raw('select status, attempts, last_error from alipay_shipment')).rows;
    expect(shipment).toMatchObject({ status: 'failed', attempts: 1 });
    expect(shipment.last_error).toContain(SHIPMENT_REFUSED.en);
    expect((await t.control.trade(tradeNo)).status).toBe('TRADE_CLOSED');
  });

  it('legacy no-password refunds: pending until batch_refund_notify, then settled; totals agree', async () => {
    const { session, tradeNo, payment } = await paidLegacyOrder();
    await t.refund(payment.id, 10);
    await eventually(
      async () => {
        const rows = await t.refundRows(outTradeNoOf(session));
        return rows.length === 1 && rows[0]!.status === 'succeeded';
      },
      { what: 'the batch result' },
    );
    const [row] = await t.refundRows(outTradeNoOf(session));
    // Legacy batch numbers start with the Beijing date.
    expect(row!.request_no).toMatch(/^\d{8}/);
    const batches = await t.control.deliveries({ batchNo: row!.request_no });
    expect(batches.some(d => d.answer === 'success')).toBe(true);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1000);
    expect(await t.medusaRefundedFen(payment.id)).toBe(1000);

    // The next batch's result is lost (and the trade's refund report that follows says no amount):
    // reconciliation reads Alipay's refunded total for the pending refund and settles it, once.
    await t.loseNotifications(session);
    await t.refund(payment.id, 5);
    const dropped = await t.control.deliveries(outTradeNoOf(session));
    expect(dropped.some(d => d.outcome === 'dropped')).toBe(true);
    await t.reconcileNow();
    const rows = await t.refundRows(outTradeNoOf(session));
    expect(rows.map(r => [r.status, r.amount])).toEqual([
      ['succeeded', '10.00'],
      ['succeeded', '5.00'],
    ]);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1500);
    expect(await t.medusaRefundedFen(payment.id)).toBe(1500);
    expect(await t.succeededFen(outTradeNoOf(session))).toBe(1500);
  });

  it('a refund result that overtakes the refund call’s own answer is never overwritten by it', async () => {
    const { session, tradeNo, payment } = await paidLegacyOrder();
    // Alipay delivers the batch result (and the trade's refund report) before answering the call.
    await t.control.addFault({ scope: { partner: t.partner }, fault: 'refund-notify-first', count: 1 });
    await t.refund(payment.id, 10);
    const [row] = await t.refundRows(outTradeNoOf(session));
    expect(row).toMatchObject({ status: 'succeeded', in_flight_key: null, amount: '10.00' });
    const batch = await t.control.deliveries({ batchNo: row!.request_no });
    expect(batch[0]).toMatchObject({ answer: 'success' });
    expect(await t.alipayRefundedFen(tradeNo)).toBe(1000);
    expect(await t.medusaRefundedFen(payment.id)).toBe(1000);
  });

  it('refunds an orphan payment by itself (autoRefundOrphanPayments), once', async () => {
    await t.saveSettings(t.openApiSettings());
    const { prepared, session } = await t.startCheckout();
    // The shopper starts over while Alipay is down (the trade stays open), then pays the old page after
    // all: its payment can reach no order.
    await t.replaceSessionWhileAlipayDown(prepared, session);
    const paid = await t.payLosingNotifications(session);
    await t.control.advanceClock(5 * 60_000);

    await orphanRefunded(String(paid.trade.tradeNo), outTradeNoOf(session));
    const [row] = await t.refundRows(outTradeNoOf(session));
    expect(row).toMatchObject({
      origin: 'orphan',
      status: 'succeeded',
      in_flight_key: null,
      medusa_refund_id: null,
    });
    expect(await t.orphanEvents()).toEqual([
      expect.objectContaining({
        out_trade_no: outTradeNoOf(session),
        details: expect.objectContaining({ reason: 'order_missing' }),
        orphan_refund: expect.objectContaining({ status: 'succeeded', amount_fen: 3500 }),
      }),
    ]);

    // Asked again (the admin's button, reconciliation): no second refund.
    const again = await t.refundOrphan(outTradeNoOf(session));
    expect(again.refund).toMatchObject({ status: 'succeeded', amount_fen: 3500 });
    await t.reconcileNow();
    expect(await t.alipayRefundedFen(String(paid.trade.tradeNo))).toBe(3500);
    expect(await t.refundRows(outTradeNoOf(session))).toHaveLength(1);
  });

  // Medusa deletes a payment session for good when a new attempt replaces it. The plugin closes its
  // trade; when Alipay cannot be reached, the old cashier page can still be paid later. What the
  // session recorded (settings scope, interface generation, gateway, amount) is kept apart from it
  // when the payment starts. (A paid trade's session is never replaced: the new attempt is refused.)

  /** Starts over while Alipay is down, then pays the old session with its first notifications lost. */
  async function replacedThenPaid(prepared: PreparedCart, session: StoreSession, lostNotifications = 1) {
    await t.control.openRequest(session.data.redirect_url);
    await t.replaceSessionWhileAlipayDown(prepared, session);
    expect((await t.db.raw('select id from payment_session where id = ?', [session.id])).rows).toEqual([]);
    const paid = await t.payLosingNotifications(session, lostNotifications);
    expect(paid.deliveries[0]).toMatchObject({ outcome: 'dropped' });
    return String(paid.trade.tradeNo);
  }

  it('a deleted session’s late payment, after a switch to the other generation: verified as created, an orphan, refunded', async () => {
    await t.saveSettings(t.legacySettings('legacy-direct', { refundWithoutPassword: true }));
    const prepared = await t.prepareCart();
    const session = await t.createSession(prepared);
    // The merchant switches to OpenAPI; the shopper starts over, which deletes the legacy session.
    await t.saveSettings(t.openApiSettings());
    const tradeNo = await replacedThenPaid(prepared, session);

    // Alipay sends the legacy notification again: verified with the legacy credentials it was made with.
    await t.control.advanceClock(5 * 60_000);
    await orphanRefunded(tradeNo, outTradeNoOf(session));
    expect((await t.orphanEvents(outTradeNoOf(session)))[0]).toMatchObject({
      details: expect.objectContaining({ reason: 'order_missing' }),
      orphan_refund: expect.objectContaining({ origin: 'orphan', status: 'succeeded', amount_fen: 3500 }),
      orphan_refunded_fen: 3500,
    });
    expect(await t.orderOf(prepared)).toBeUndefined();
  });

  it('a deleted session whose payment notifications are all lost is found by reconciliation', async () => {
    await t.saveSettings(t.openApiSettings());
    const prepared = await t.prepareCart();
    const session = await t.createSession(prepared);
    const tradeNo = await replacedThenPaid(prepared, session, 100);

    await t.reconcileNow();
    await eventually(async () => (await t.alipayRefundedFen(tradeNo)) === 3500, {
      what: 'the orphan refund',
    });
    expect(await t.succeededFen(outTradeNoOf(session))).toBe(3500);
  });

  it('a new payment attempt on a paid escrow order is refused; the payment is captured when the buyer confirms receipt, never an orphan', async () => {
    const { prepared, session, tradeNo, order, payment } = await t.escrowOrder();
    expect(payment.captured_at).toBeNull();
    // The storefront starts another payment on the paid cart's collection: refused, the session stays.
    const attempt = await t.trySession(prepared);
    expect(attempt.status).toBeGreaterThanOrEqual(400);
    // (Medusa answers its own "Could not delete all payment sessions"; the plugin logs why.)
    expect((await t.db.raw('select id from payment_session where id = ?', [session.id])).rows).toHaveLength(
      1,
    );

    // Shipped (the plugin confirms the shipment on Alipay), then the buyer confirms receipt.
    await t.ship(order, 'SF777');
    await eventually(async () => (await t.control.trade(tradeNo)).status === 'WAIT_BUYER_CONFIRM_GOODS', {
      what: 'the shipment confirmation',
    });
    await t.control.confirmReceipt({ outTradeNo: outTradeNoOf(session), partner: t.partner });
    const captured = await t.awaitPayment(session.id, 'captured');
    expect(captured.canceled_at).toBeNull();
    expect(await t.orphanEvents(outTradeNoOf(session))).toEqual([]);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(0);
  });

  it('an orphan partly refunded on Alipay’s side before the shop’s refund: the rest is refunded, nothing twice', async () => {
    await t.saveSettings(t.openApiSettings());
    const prepared = await t.prepareCart();
    const session = await t.createSession(prepared);
    // Alipay's notifications of the payment and of a 10.00 refund from the merchant portal are both lost
    // at first. When the payment's arrives, the shop refunds what its books say is left (35.00), which
    // Alipay refuses: only 25.00 is left.
    const tradeNo = await replacedThenPaid(prepared, session, 2);
    await t.control.alipayRefund({ outTradeNo: outTradeNoOf(session), appId: t.appId, amountFen: 1000 });
    await t.control.advanceClock(5 * 60_000);
    await eventually(
      async () => (await t.refundRows(outTradeNoOf(session))).some(row => row.origin === 'alipay'),
      { what: 'the Alipay-side refund to be recorded' },
    );

    await t.reconcileNow();
    await orphanRefunded(tradeNo, outTradeNoOf(session));
    expect((await t.orphanEvents(outTradeNoOf(session)))[0]).toMatchObject({ orphan_refunded_fen: 3500 });
    // Reconciliation again: nothing left, nothing sent.
    const rowsBefore = (await t.refundRows(outTradeNoOf(session))).length;
    await t.reconcileNow();
    expect(await t.refundRows(outTradeNoOf(session))).toHaveLength(rowsBefore);
    expect(await t.alipayRefundedFen(tradeNo)).toBe(3500);
  });
});
