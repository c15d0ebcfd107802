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
import type { Sandbox } from '@alipay-commerce/sandbox';
import type { MedusaContainer } from '@medusajs/framework/types';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { call, type Database, type HttpClient, ok } from '../utils/http';
import type { SandboxControl } from '../utils/sandbox';
import {
  createAlipaySession,
  outTradeNoOf,
  type PreparedCart,
  prepareCart,
  replaceSessionWhileAlipayDown,
  type Shop,
  tryAlipaySession,
} from '../utils/shop';
import {
  alipayTestApp,
  legacySettings,
  openApiSettings,
  pluginModule,
  saveSettings,
  useAlipayShop,
} from '../utils/suite';
import { acceptedPaymentsApplied, waitFor } from '../utils/wait';

process.env.ALIPAY_TEST_AUTO_REFUND_ORPHANS = 'true';
const app = await alipayTestApp('d4'.repeat(32));

const { reconcileAlipayPayments } = pluginModule<typeof import('../../src/reconciliation/reconcile')>(
  './reconciliation/reconcile.js',
);
const { retryDueShipments } = pluginModule<typeof import('../../src/shipments/shipment-confirmation')>(
  './shipments/shipment-confirmation.js',
);

vi.setConfig({ testTimeout: 90_000 });

/** The bilingual refusal of a second refund while one of the same payment is in flight. */
const IN_FLIGHT = /another refund of this payment is in progress.*另一笔退款/s;

medusaIntegrationTestRunner({
  cwd: app.cwd,
  env: app.env,
  testSuite: ({ api: runnerApi, getContainer, dbConnection }) => {
    const api = runnerApi as unknown as HttpClient;
    const db = dbConnection as unknown as Database;
    let sandbox: Sandbox;
    let control: SandboxControl;
    let admin: Record<string, string>;
    let shop: Shop;
    const appId = () => sandbox.apps[0]!.appId;
    const partner = () => sandbox.merchants[0]!.partner;

    useAlipayShop(api, getContainer, {
      ready: fixture => {
        ({ sandbox, control, admin, shop } = fixture);
      },
    });

    const reconcileNow = () => reconcileAlipayPayments(getContainer() as MedusaContainer, { minAgeMs: 0 });

    async function orderOf(prepared: PreparedCart): Promise<string | undefined> {
      await acceptedPaymentsApplied(db);
      return (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows[0]
        ?.order_id;
    }

    async function paymentOf(sessionId: string) {
      await acceptedPaymentsApplied(db);
      return (
        await db.raw(
          'select id, amount, captured_at, canceled_at, data from payment where payment_session_id = ?',
          [sessionId],
        )
      ).rows[0];
    }

    /** What Medusa keeps as refunded on a payment, in fen (its `refund` rows). */
    async function medusaRefundedFen(paymentId: string): Promise<number> {
      const { rows } = await db.raw('select amount from refund where payment_id = ? and deleted_at is null', [
        paymentId,
      ]);
      return rows.reduce(
        (sum: number, row: { amount: string }) => sum + Math.round(Number(row.amount) * 100),
        0,
      );
    }

    /** What the sandbox (Alipay) moved back to the buyer for a trade, in fen. */
    async function alipayRefundedFen(tradeNo: string): Promise<number> {
      return Number((await control.trade(tradeNo)).refundedFen);
    }

    async function refundRows(outTradeNo: string) {
      return (
        await db.raw(
          `select status, origin, amount, request_no, in_flight_key, medusa_refund_id, error
           from alipay_refund where out_trade_no = ? order by created_at`,
          [outTradeNo],
        )
      ).rows;
    }

    async function succeededFen(outTradeNo: string): Promise<number> {
      return (await refundRows(outTradeNo))
        .filter((row: { status: string }) => row.status === 'succeeded')
        .reduce((sum: number, row: { amount: string }) => sum + Math.round(Number(row.amount) * 100), 0);
    }

    /** An OpenAPI checkout paid in full (instant): 35.00 CNY, order created by the notification. */
    async function paidOpenApiOrder() {
      await saveSettings(api, admin, openApiSettings(sandbox));
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), appId: appId() });
      const orderId = await waitFor('the order', () => orderOf(prepared));
      const payment = await paymentOf(session.id);
      return {
        prepared,
        session,
        tradeNo: String(paid.trade.tradeNo),
        orderId,
        paymentId: payment.id as string,
      };
    }

    /** A legacy escrow checkout paid into escrow: the payment is authorized, the order created. */
    async function escrowOrder() {
      await saveSettings(api, admin, legacySettings(sandbox, 'legacy-escrow'));
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({
        outTradeNo: outTradeNoOf(session),
        partner: partner(),
        mode: 'escrow',
      });
      const orderId = await waitFor('the order', () => orderOf(prepared));
      const { order } = await ok(api, 'get', `/admin/orders/${orderId}?fields=*items`, admin);
      return { prepared, session, tradeNo: String(paid.trade.tradeNo), order };
    }

    it('two refunds of the same amount at once: Medusa keeps exactly what Alipay refunded', async () => {
      const { session, tradeNo, paymentId } = await paidOpenApiOrder();

      // Two admins (or a double click) refund 10.00 of the same payment at the same moment.
      const answers = await Promise.all([
        call(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 }),
        call(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 }),
      ]);
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
      await waitFor('the refund notifications', async () => {
        const deliveries = await control.deliveries({ outTradeNo: outTradeNoOf(session) });
        return deliveries.filter(d => d.params.refund_fee).every(d => d.answer === 'success');
      });

      const moved = await alipayRefundedFen(tradeNo);
      expect(moved).toBe(1000 * (answers.length - refusedBeforeSending.length));
      expect(await medusaRefundedFen(paymentId)).toBe(moved);
      expect(await succeededFen(outTradeNoOf(session))).toBe(moved);
      // Nothing left in flight; every succeeded refund has its own request number and Medusa refund.
      const rows = await refundRows(outTradeNoOf(session));
      expect(rows.every((row: { in_flight_key: string | null }) => row.in_flight_key === null)).toBe(true);
      const succeeded = rows.filter((row: { status: string }) => row.status === 'succeeded');
      expect(new Set(succeeded.map((row: { request_no: string }) => row.request_no)).size).toBe(
        succeeded.length,
      );
      expect(succeeded.every((row: { medusa_refund_id: string | null }) => row.medusa_refund_id)).toBe(true);
    });

    it('escrow closed on Alipay after payment: payment cancelled, merchant alerted, fulfillment and shipment refused', async () => {
      const { session, tradeNo, order } = await escrowOrder();
      const payment = await paymentOf(session.id);
      expect(payment.captured_at).toBeNull();

      // One of the two items is fulfilled while the money is still held: allowed.
      const item = order.items[0] as { id: string; quantity: number };
      expect(item.quantity).toBe(2);
      const fulfilled = await ok(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments?fields=*fulfillments`,
        admin,
        {
          items: [{ id: item.id, quantity: 1 }],
          location_id: shop.stockLocationId,
        },
      );
      const fulfillmentId = fulfilled.order.fulfillments[0].id as string;

      // The buyer's refund is agreed through Alipay: the escrow trade is refunded whole and closed.
      const refunded = await control.alipayRefund({ outTradeNo: outTradeNoOf(session), partner: partner() });
      expect(refunded.deliveries.at(-1)).toMatchObject({ answer: 'success' });
      expect(refunded.deliveries.at(-1)!.params.trade_status).toBe('TRADE_CLOSED');

      const cancelled = await waitFor('the payment to be cancelled', async () => {
        const row = await paymentOf(session.id);
        return row.canceled_at ? row : null;
      });
      expect(cancelled.captured_at).toBeNull();
      expect(
        (
          await db.raw('select alipay_status from alipay_trade where out_trade_no = ?', [
            outTradeNoOf(session),
          ])
        ).rows,
      ).toEqual([{ alipay_status: 'TRADE_CLOSED' }]);
      // Flagged for the merchant (an error in the journal), with the order page showing it.
      const panel = await ok(api, 'get', `/admin/alipay/orders/${order.id}`, admin);
      expect(panel.alerts).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: expect.stringContaining(`escrow trade ${tradeNo}`),
        }),
      );
      expect(panel.alerts[0].message).toContain('请勿发货');

      // Neither the rest of the order nor the fulfilled part can ship now, and nothing is left behind.
      const more = await call(api, 'post', `/admin/orders/${order.id}/fulfillments`, admin, {
        items: [{ id: item.id, quantity: 1 }],
        location_id: shop.stockLocationId,
      });
      expect(more.status).toBe(400);
      expect(more.data.message).toContain(SHIPMENT_REFUSED.en);
      expect(more.data.message).toContain(SHIPMENT_REFUSED.zh);
      const shipped = await call(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`,
        admin,
        {
          items: [{ id: item.id, quantity: 1 }],
          labels: [{ tracking_number: 'SF404', tracking_url: '#', label_url: '#' }],
        },
      );
      expect(shipped.status).toBe(400);
      expect(shipped.data.message).toContain(SHIPMENT_REFUSED.en);
      const after = await ok(api, 'get', `/admin/orders/${order.id}?fields=*fulfillments,*items`, admin);
      expect(
        after.order.fulfillments.map((f: { id: string; shipped_at: string | null }) => [f.id, f.shipped_at]),
      ).toEqual([[fulfillmentId, null]]);
      expect(after.order.items[0].detail.fulfilled_quantity).toBe(1);
      expect((await db.raw('select count(*)::int as n from alipay_shipment')).rows[0].n).toBe(0);
      // Alipay's money was never in Medusa's refunds: the payment is cancelled, not refunded.
      expect(await medusaRefundedFen(payment.id)).toBe(0);
    });

    it('escrow closed without refund_status (a plain TRADE_CLOSED) is the same news', async () => {
      const { session } = await escrowOrder();
      await control.alipayRefund({
        outTradeNo: outTradeNoOf(session),
        partner: partner(),
        refundStatus: false,
      });
      const cancelled = await waitFor('the payment to be cancelled', async () => {
        const row = await paymentOf(session.id);
        return row.canceled_at ? row : null;
      });
      expect(cancelled.captured_at).toBeNull();
      const alerts = await db.raw(
        `select level from alipay_event where out_trade_no = ? and level = 'error'`,
        [outTradeNoOf(session)],
      );
      expect(alerts.rows).toHaveLength(1);
    });

    it('records a partial refund made on Alipay’s side as a Medusa refund; the shop’s own refunds add up with it', async () => {
      const { session, tradeNo, orderId, paymentId } = await paidOpenApiOrder();
      const refunded = await control.alipayRefund({
        outTradeNo: outTradeNoOf(session),
        appId: appId(),
        amountFen: 500,
      });
      expect(refunded.deliveries.at(-1)).toMatchObject({ answer: 'success' });
      await waitFor(
        'the Alipay-side refund in Medusa',
        async () => (await medusaRefundedFen(paymentId)) === 500,
      );
      const [row] = await refundRows(outTradeNoOf(session));
      expect(row).toMatchObject({
        origin: 'alipay',
        status: 'succeeded',
        amount: '5.00',
        in_flight_key: null,
      });
      expect(row.request_no).toMatch(/^ALIPAY-REFUND-/);
      const [medusaRefund] = (await db.raw('select id, note from refund where payment_id = ?', [paymentId]))
        .rows;
      expect(row.medusa_refund_id).toBe(medusaRefund.id);
      expect(medusaRefund.note).toContain('支付宝侧退款');

      // The same notification again changes nothing.
      const again = await control.deliveries({ outTradeNo: outTradeNoOf(session) });
      const notice = again.at(-1)!;
      const replay = await api.post('/hooks/alipay/notify/pp_alipay_alipay', notice.body, {
        headers: { 'content-type': notice.contentType },
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
      });
      expect(replay.data).toBe('success');

      // A refund by the admin now goes to Alipay (it is not mistaken for the recorded one).
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect(await alipayRefundedFen(tradeNo)).toBe(1500);
      expect(await medusaRefundedFen(paymentId)).toBe(1500);
      expect(await succeededFen(outTradeNoOf(session))).toBe(1500);

      const panel = await ok(api, 'get', `/admin/alipay/orders/${orderId}`, admin);
      expect(panel.refunds).toEqual([
        expect.objectContaining({ origin: 'alipay', status: 'succeeded', amount_fen: 500, amount: '5.00' }),
        expect.objectContaining({ origin: 'shop', status: 'succeeded', amount_fen: 1000, amount: '10.00' }),
      ]);
    });

    it('a refund whose answer is lost stays in flight, blocks a second one, and reconciliation completes it once', async () => {
      const { session, tradeNo, paymentId } = await paidOpenApiOrder();
      await control.addFault({ scope: { appId: appId() }, fault: 'gateway-500' });
      // No usable answer: the money may have moved, so Medusa keeps its refund (no error for the admin).
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      const [open] = await refundRows(outTradeNoOf(session));
      expect(open).toMatchObject({
        status: 'uncertain',
        origin: 'shop',
        in_flight_key: outTradeNoOf(session),
      });
      expect(open.error).toContain('NETWORK_HTTP_STATUS');
      // A second refund is refused while the first is unresolved, and nothing is sent.
      const second = await call(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect(second.status).toBe(400);
      expect(second.data.message).toMatch(IN_FLIGHT);
      expect(await alipayRefundedFen(tradeNo)).toBe(0);

      await control.clearFaults();
      await reconcileNow();
      expect(await alipayRefundedFen(tradeNo)).toBe(1000);
      expect(await refundRows(outTradeNoOf(session))).toEqual([
        expect.objectContaining({ status: 'succeeded', in_flight_key: null, request_no: open.request_no }),
      ]);
      expect(await medusaRefundedFen(paymentId)).toBe(1000);
      // Reconciling again changes nothing.
      await reconcileNow();
      expect(await alipayRefundedFen(tradeNo)).toBe(1000);
    });

    it('records a settled refund again when its Medusa refund was lost, without refunding twice', async () => {
      const { session, tradeNo, paymentId } = await paidOpenApiOrder();
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      const [row] = await refundRows(outTradeNoOf(session));
      expect(row).toMatchObject({ status: 'succeeded', medusa_refund_id: expect.stringMatching(/^ref/) });
      // What Medusa leaves when anything after the provider's answer fails: it deletes its refund.
      await db.raw('delete from refund where id = ?', [row.medusa_refund_id]);
      expect(await medusaRefundedFen(paymentId)).toBe(0);

      await reconcileNow();
      expect(await medusaRefundedFen(paymentId)).toBe(1000);
      expect(await alipayRefundedFen(tradeNo)).toBe(1000);
      const [after] = await refundRows(outTradeNoOf(session));
      expect(after).toMatchObject({ status: 'succeeded', in_flight_key: null });
      expect(after.medusa_refund_id).not.toBe(row.medusa_refund_id);
      const { rows } = await db.raw('select id from refund where payment_id = ?', [paymentId]);
      expect(rows.map((r: { id: string }) => r.id)).toEqual([after.medusa_refund_id]);
      // Once recorded, the next run leaves it alone.
      await reconcileNow();
      expect(await medusaRefundedFen(paymentId)).toBe(1000);
    });

    it('escrow: a pending shipment confirmation is given up, without calling Alipay, once the trade is closed', async () => {
      const { session, tradeNo, order } = await escrowOrder();
      await control.addFault({ scope: { partner: partner() }, fault: 'gateway-500' });
      const items = order.items.map((item: { id: string; quantity: number }) => ({
        id: item.id,
        quantity: item.quantity,
      }));
      const fulfilled = await ok(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments?fields=*fulfillments`,
        admin,
        {
          items,
          location_id: shop.stockLocationId,
        },
      );
      await ok(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments/${fulfilled.order.fulfillments[0].id}/shipments`,
        admin,
        {
          items,
          labels: [{ tracking_number: 'SF500', tracking_url: '#', label_url: '#' }],
        },
      );
      await waitFor(
        'the failed confirmation',
        async () => (await db.raw('select attempts from alipay_shipment')).rows[0]?.attempts === 1,
      );

      await control.alipayRefund({ outTradeNo: outTradeNoOf(session), partner: partner() });
      await waitFor('the payment to be cancelled', async () => (await paymentOf(session.id)).canceled_at);
      await control.clearFaults();
      await db.raw(`update alipay_shipment set next_attempt_at = now() - interval '1 second'`);
      await retryDueShipments(getContainer() as MedusaContainer);
      const [shipment] = (await db.raw('select status, attempts, last_error from alipay_shipment')).rows;
      expect(shipment).toMatchObject({ status: 'failed', attempts: 1 });
      expect(shipment.last_error).toContain(SHIPMENT_REFUSED.en);
      expect((await control.trade(tradeNo)).status).toBe('TRADE_CLOSED');
    });

    it('legacy no-password refunds: pending until batch_refund_notify, then settled; totals agree', async () => {
      await saveSettings(
        api,
        admin,
        legacySettings(sandbox, 'legacy-direct', { refundWithoutPassword: true }),
      );
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      await waitFor('the order', () => orderOf(prepared));
      const payment = await paymentOf(session.id);

      await ok(api, 'post', `/admin/payments/${payment.id}/refund`, admin, { amount: 10 });
      await waitFor('the batch result', async () => {
        const rows = await refundRows(outTradeNoOf(session));
        return rows.length === 1 && rows[0].status === 'succeeded';
      });
      const [row] = await refundRows(outTradeNoOf(session));
      // Legacy batch numbers start with the Beijing date.
      expect(row.request_no).toMatch(/^\d{8}/);
      const batches = await control.deliveries({ batchNo: row.request_no });
      expect(batches.some(d => d.answer === 'success')).toBe(true);
      expect(await alipayRefundedFen(String(paid.trade.tradeNo))).toBe(1000);
      expect(await medusaRefundedFen(payment.id)).toBe(1000);

      // The next batch's result is lost (and the trade's refund report that follows says no amount):
      // reconciliation reads Alipay's refunded total for the pending refund and settles it, once.
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      await ok(api, 'post', `/admin/payments/${payment.id}/refund`, admin, { amount: 5 });
      const dropped = await control.deliveries({ outTradeNo: outTradeNoOf(session) });
      expect(dropped.some(d => d.outcome === 'dropped')).toBe(true);
      await reconcileNow();
      const rows = await refundRows(outTradeNoOf(session));
      expect(rows.map((r: { status: string; amount: string }) => [r.status, r.amount])).toEqual([
        ['succeeded', '10.00'],
        ['succeeded', '5.00'],
      ]);
      expect(await alipayRefundedFen(String(paid.trade.tradeNo))).toBe(1500);
      expect(await medusaRefundedFen(payment.id)).toBe(1500);
      expect(await succeededFen(outTradeNoOf(session))).toBe(1500);
    });

    it('a refund result that overtakes the refund call’s own answer is never overwritten by it', async () => {
      await saveSettings(
        api,
        admin,
        legacySettings(sandbox, 'legacy-direct', { refundWithoutPassword: true }),
      );
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      await waitFor('the order', () => orderOf(prepared));
      const payment = await paymentOf(session.id);
      // Alipay delivers the batch result (and the trade's refund report) before answering the call.
      await control.addFault({ scope: { partner: partner() }, fault: 'refund-notify-first', count: 1 });
      await ok(api, 'post', `/admin/payments/${payment.id}/refund`, admin, { amount: 10 });
      const [row] = await refundRows(outTradeNoOf(session));
      expect(row).toMatchObject({ status: 'succeeded', in_flight_key: null, amount: '10.00' });
      const batch = await control.deliveries({ batchNo: row.request_no });
      expect(batch[0]).toMatchObject({ answer: 'success' });
      expect(await alipayRefundedFen(String(paid.trade.tradeNo))).toBe(1000);
      expect(await medusaRefundedFen(payment.id)).toBe(1000);
    });

    it('refunds an orphan payment by itself (autoRefundOrphanPayments), once', async () => {
      await saveSettings(api, admin, openApiSettings(sandbox));
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      // The shopper starts over while Alipay is down (the trade stays open), then pays the old page after
      // all: its payment can reach no order.
      await replaceSessionWhileAlipayDown(api, control, prepared, session);
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), appId: appId() });
      await control.advanceClock(5 * 60_000);

      await waitFor(
        'the orphan refund',
        async () => (await alipayRefundedFen(String(paid.trade.tradeNo))) === 3500,
      );
      await waitFor(
        'the orphan refund to be settled',
        async () => (await succeededFen(outTradeNoOf(session))) === 3500,
      );
      const [row] = await refundRows(outTradeNoOf(session));
      expect(row).toMatchObject({
        origin: 'orphan',
        status: 'succeeded',
        in_flight_key: null,
        medusa_refund_id: null,
      });
      const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
      expect(events).toEqual([
        expect.objectContaining({
          out_trade_no: outTradeNoOf(session),
          details: expect.objectContaining({ reason: 'order_missing' }),
          orphan_refund: expect.objectContaining({ status: 'succeeded', amount_fen: 3500 }),
        }),
      ]);

      // Asked again (the admin's button, reconciliation): no second refund.
      const again = await ok(api, 'post', `/admin/alipay/orphans/${outTradeNoOf(session)}/refund`, admin);
      expect(again.refund).toMatchObject({ status: 'succeeded', amount_fen: 3500 });
      await reconcileNow();
      expect(await alipayRefundedFen(String(paid.trade.tradeNo))).toBe(3500);
      expect(await refundRows(outTradeNoOf(session))).toHaveLength(1);
    });

    // Medusa deletes a payment session for good when a new attempt replaces it. The plugin closes its
    // trade; when Alipay cannot be reached, the old cashier page can still be paid later. What the
    // session recorded (settings scope, interface generation, gateway, amount) is kept apart from it
    // when the payment starts. (A paid trade's session is never replaced: the new attempt is refused.)

    /** Starts over while Alipay is down, then pays the old session with its first notifications lost. */
    async function replacedThenPaid(
      prepared: PreparedCart,
      session: { id: string; data: { redirect_url: string } },
      owner: { partner?: string; appId?: string },
      lostNotifications = 1,
    ) {
      await control.openRequest(session.data.redirect_url);
      await replaceSessionWhileAlipayDown(api, control, prepared, session);
      expect((await db.raw('select id from payment_session where id = ?', [session.id])).rows).toEqual([]);
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: lostNotifications,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), ...owner });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'dropped' });
      return String(paid.trade.tradeNo);
    }

    it('a deleted session’s late payment, after a switch to the other generation: verified as created, an orphan, refunded', async () => {
      await saveSettings(
        api,
        admin,
        legacySettings(sandbox, 'legacy-direct', { refundWithoutPassword: true }),
      );
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      // The merchant switches to OpenAPI; the shopper starts over, which deletes the legacy session.
      await saveSettings(api, admin, openApiSettings(sandbox));
      const tradeNo = await replacedThenPaid(prepared, session, { partner: partner() });

      // Alipay sends the legacy notification again: verified with the legacy credentials it was made with.
      await control.advanceClock(5 * 60_000);
      await waitFor('the orphan refund', async () => (await alipayRefundedFen(tradeNo)) === 3500);
      await waitFor(
        'the orphan refund to be settled',
        async () => (await succeededFen(outTradeNoOf(session))) === 3500,
      );
      const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
      expect(
        events.find((e: { out_trade_no: string }) => e.out_trade_no === outTradeNoOf(session)),
      ).toMatchObject({
        details: expect.objectContaining({ reason: 'order_missing' }),
        orphan_refund: expect.objectContaining({ origin: 'orphan', status: 'succeeded', amount_fen: 3500 }),
        orphan_refunded_fen: 3500,
      });
      expect(await orderOf(prepared)).toBeUndefined();
    });

    it('a deleted session whose payment notifications are all lost is found by reconciliation', async () => {
      await saveSettings(api, admin, openApiSettings(sandbox));
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      const tradeNo = await replacedThenPaid(prepared, session, { appId: appId() }, 100);

      await reconcileNow();
      await waitFor('the orphan refund', async () => (await alipayRefundedFen(tradeNo)) === 3500);
      expect(await succeededFen(outTradeNoOf(session))).toBe(3500);
      await control.clearFaults();
    });

    it('a new payment attempt on a paid escrow order is refused; the payment is captured when the buyer confirms receipt, never an orphan', async () => {
      const { prepared, session, tradeNo, order } = await escrowOrder();
      expect((await paymentOf(session.id)).captured_at).toBeNull();
      // The storefront starts another payment on the paid cart's collection: refused, the session stays.
      const attempt = await tryAlipaySession(api, prepared);
      expect(attempt.status).toBeGreaterThanOrEqual(400);
      // (Medusa answers its own "Could not delete all payment sessions"; the plugin logs why.)
      expect((await db.raw('select id from payment_session where id = ?', [session.id])).rows).toHaveLength(
        1,
      );

      // Shipped (the plugin confirms the shipment on Alipay), then the buyer confirms receipt.
      const items = order.items.map((item: { id: string; quantity: number }) => ({
        id: item.id,
        quantity: item.quantity,
      }));
      const fulfilled = await ok(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments?fields=*fulfillments`,
        admin,
        { items, location_id: shop.stockLocationId },
      );
      await ok(
        api,
        'post',
        `/admin/orders/${order.id}/fulfillments/${fulfilled.order.fulfillments[0].id}/shipments`,
        admin,
        { items, labels: [{ tracking_number: 'SF777', tracking_url: '#', label_url: '#' }] },
      );
      await waitFor(
        'the shipment confirmation',
        async () => (await control.trade(tradeNo)).status === 'WAIT_BUYER_CONFIRM_GOODS',
      );
      await control.confirmReceipt({ outTradeNo: outTradeNoOf(session), partner: partner() });
      const captured = await waitFor('the payment to be captured', async () => {
        const row = await paymentOf(session.id);
        return row.captured_at ? row : null;
      });
      expect(captured.canceled_at).toBeNull();
      const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
      expect(
        events.filter((e: { out_trade_no: string }) => e.out_trade_no === outTradeNoOf(session)),
      ).toEqual([]);
      expect(await alipayRefundedFen(tradeNo)).toBe(0);
    });

    it('an orphan partly refunded on Alipay’s side before the shop’s refund: the rest is refunded, nothing twice', async () => {
      await saveSettings(api, admin, openApiSettings(sandbox));
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      // Alipay's notifications of the payment and of a 10.00 refund from the merchant portal are both lost
      // at first. When the payment's arrives, the shop refunds what its books say is left (35.00), which
      // Alipay refuses: only 25.00 is left.
      const tradeNo = await replacedThenPaid(prepared, session, { appId: appId() }, 2);
      await control.alipayRefund({ outTradeNo: outTradeNoOf(session), appId: appId(), amountFen: 1000 });
      await control.advanceClock(5 * 60_000);
      await waitFor('the Alipay-side refund to be recorded', async () =>
        (await refundRows(outTradeNoOf(session))).some((row: { origin: string }) => row.origin === 'alipay'),
      );

      await reconcileNow();
      await waitFor('the rest refunded', async () => (await alipayRefundedFen(tradeNo)) === 3500);
      await waitFor('settled in the books', async () => (await succeededFen(outTradeNoOf(session))) === 3500);
      const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
      expect(
        events.find((e: { out_trade_no: string }) => e.out_trade_no === outTradeNoOf(session)),
      ).toMatchObject({
        orphan_refunded_fen: 3500,
      });
      // Reconciliation again: nothing left, nothing sent.
      const rowsBefore = (await refundRows(outTradeNoOf(session))).length;
      await reconcileNow();
      expect(await refundRows(outTradeNoOf(session))).toHaveLength(rowsBefore);
      expect(await alipayRefundedFen(tradeNo)).toBe(3500);
    });
  },
});
