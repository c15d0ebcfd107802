/**
 * The other two contract shapes on a real Medusa app and PostgreSQL, against the offline sandbox:
 * legacy 担保交易 (escrow: paid → authorized, shipment confirmed to Alipay, buyer confirms receipt →
 * captured; a failed confirmation is retried and shown to the merchant) and OpenAPI (page / wap / QR,
 * RSA2 notifications, synchronous refunds; a lost answer is completed by reconciliation, never sent twice).
 */
import type { Sandbox } from '@alipay-commerce/sandbox';
import type { MedusaContainer } from '@medusajs/framework/types';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { chromiumPath, launchBrowser, openHarness } from '../utils/browser';
import { call, type Database, type HttpClient, ok } from '../utils/http';
import type { SandboxControl } from '../utils/sandbox';
import { createAlipaySession, outTradeNoOf, type PreparedCart, prepareCart, type Shop } from '../utils/shop';
import {
  alipayTestApp,
  legacySettings,
  openApiSettings,
  pluginModule,
  saveSettings,
  useAlipayShop,
} from '../utils/suite';
import { acceptedPaymentsApplied, waitFor } from '../utils/wait';

const { retryDueShipments } = pluginModule<typeof import('../../src/shipments/shipment-confirmation')>(
  './shipments/shipment-confirmation.js',
);
const { reconcileAlipayPayments } = pluginModule<typeof import('../../src/reconciliation/reconcile')>(
  './reconciliation/reconcile.js',
);

const app = await alipayTestApp('c3'.repeat(32));

vi.setConfig({ testTimeout: 90_000 });

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

    useAlipayShop(api, getContainer, {
      ready: fixture => {
        ({ sandbox, control, admin, shop } = fixture);
      },
    });

    async function configureEscrowMerchant() {
      await saveSettings(api, admin, legacySettings(sandbox, 'legacy-escrow'));
    }

    async function configureOpenApiApp(extra: Record<string, unknown> = {}) {
      await saveSettings(api, admin, openApiSettings(sandbox, extra));
    }

    async function payment(sessionId: string) {
      await acceptedPaymentsApplied(db);
      return (
        await db.raw('select id, captured_at, canceled_at, data from payment where payment_session_id = ?', [
          sessionId,
        ])
      ).rows[0];
    }

    async function orderOf(prepared: PreparedCart): Promise<string | undefined> {
      await acceptedPaymentsApplied(db);
      return (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows[0]
        ?.order_id;
    }

    /** Escrow checkout paid into escrow; returns the order with its line item. */
    async function escrowOrder() {
      await configureEscrowMerchant();
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      expect(session.data.interface).toBe('create_partner_trade_by_buyer');
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({
        outTradeNo: outTradeNoOf(session),
        partner: sandbox.merchants[0]!.partner,
        mode: 'escrow',
      });
      const orderId = await waitFor('the order', () => orderOf(prepared));
      const { order } = await ok(api, 'get', `/admin/orders/${orderId}?fields=*items`, admin);
      return { prepared, session, paid, order };
    }

    async function ship(
      order: { id: string; items: Array<{ id: string; quantity: number }> },
      trackingNumber: string,
    ) {
      const items = order.items.map(item => ({ id: item.id, quantity: item.quantity }));
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
      const fulfillmentId = fulfilled.order.fulfillments[0].id as string;
      await ok(api, 'post', `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`, admin, {
        items,
        labels: [
          {
            tracking_number: trackingNumber,
            tracking_url: 'https://www.sf-express.com/',
            label_url: 'https://example.test/label.pdf',
          },
        ],
      });
      return fulfillmentId;
    }

    it('escrow: authorized on payment, shipment confirmed to Alipay, captured when the buyer confirms receipt', async () => {
      const { session, paid, order } = await escrowOrder();
      // WAIT_BUYER_PAY (cashier opened) is acknowledged and ignored; WAIT_SELLER_SEND_GOODS authorizes.
      const statuses = (await control.deliveries({ outTradeNo: outTradeNoOf(session) })).map(d => [
        d.params.trade_status,
        d.answer,
      ]);
      expect(statuses).toEqual([
        ['WAIT_BUYER_PAY', 'success'],
        ['WAIT_SELLER_SEND_GOODS', 'success'],
      ]);
      const authorized = await payment(session.id);
      expect(authorized.captured_at).toBeNull();
      expect(authorized.data.alipay_status).toBe('paid_awaiting_shipment');

      // Capturing by hand before the buyer confirmed receipt is refused, with the reason.
      const early = await call(api, 'post', `/admin/payments/${authorized.id}/capture`, admin, {});
      expect(early.status).toBe(400);
      expect(early.data.message).toContain('担保交易');

      await ship(order, 'SF1234567890');
      const shipment = await waitFor('shipment confirmation', async () => {
        const rows = (
          await db.raw(`select status, carrier, tracking_number, trade_no, attempts from alipay_shipment`)
        ).rows;
        return rows[0]?.status === 'confirmed' ? rows[0] : null;
      });
      expect(shipment).toEqual({
        status: 'confirmed',
        carrier: '顺丰速运',
        tracking_number: 'SF1234567890',
        trade_no: paid.trade.tradeNo,
        attempts: 1,
      });
      const trade = await control.trade(String(paid.trade.tradeNo));
      expect(trade.status).toBe('WAIT_BUYER_CONFIRM_GOODS');
      expect(JSON.stringify(trade.shipment)).toContain('SF1234567890');

      await control.confirmReceipt({
        outTradeNo: outTradeNoOf(session),
        partner: sandbox.merchants[0]!.partner,
      });
      const captured = await waitFor('capture on TRADE_FINISHED', async () => {
        const row = await payment(session.id);
        return row.captured_at ? row : null;
      });
      expect(captured.data.alipay_status).toBe('finished');
      const finished = (await control.deliveries({ outTradeNo: outTradeNoOf(session) })).at(-1);
      expect(finished).toMatchObject({ answer: 'success' });
      expect(finished!.params.trade_status).toBe('TRADE_FINISHED');
    });

    it('escrow: a failed shipment confirmation is retried with backoff and shown on the order', async () => {
      const { order } = await escrowOrder();
      await control.addFault({ scope: { partner: sandbox.merchants[0]!.partner }, fault: 'gateway-500' });
      await ship(order, 'SF0000000001');
      const failing = await waitFor('the failed attempt', async () => {
        const rows = (await db.raw(`select * from alipay_shipment`)).rows;
        return rows[0]?.attempts === 1 ? rows[0] : null;
      });
      expect(failing.status).toBe('pending');
      expect(failing.last_error).toContain('NETWORK_HTTP_STATUS');
      expect(new Date(failing.next_attempt_at).getTime()).toBeGreaterThan(Date.now());

      // What the order page widget shows.
      const panel = await ok(api, 'get', `/admin/alipay/orders/${order.id}`, admin);
      expect(panel.shipments).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
      expect(panel.events).toContainEqual(expect.objectContaining({ kind: 'shipment', level: 'warning' }));
      expect(panel.trades).toEqual([expect.objectContaining({ status: 'paid_awaiting_shipment' })]);

      // The job retries when the backoff delay has passed (here: pretend it has).
      expect(await retryDueShipments(getContainer() as MedusaContainer)).toBe(0);
      await control.clearFaults();
      await db.raw(`update alipay_shipment set next_attempt_at = now() - interval '1 second'`);
      expect(await retryDueShipments(getContainer() as MedusaContainer)).toBe(1);
      const retried = (await db.raw(`select status, attempts, last_error from alipay_shipment`)).rows[0];
      expect(retried).toEqual({ status: 'confirmed', attempts: 2, last_error: null });
    });

    it('escrow: the merchant can retry a confirmation that gave up', async () => {
      const { order } = await escrowOrder();
      await control.addFault({ scope: { partner: sandbox.merchants[0]!.partner }, fault: 'gateway-500' });
      await ship(order, 'SF0000000002');
      const row = await waitFor(
        'the failed attempt',
        async () => (await db.raw(`select id, attempts from alipay_shipment`)).rows[0],
      );
      await db.raw(`update alipay_shipment set status = 'failed', attempts = 8, next_attempt_at = null`);
      await control.clearFaults();
      const retried = await ok(api, 'post', `/admin/alipay/shipments/${row.id}/retry`, admin);
      expect(retried.shipment).toMatchObject({ status: 'confirmed', attempts: 1 });
    });

    it.skipIf(!chromiumPath)(
      'escrow: the order page widget shows a failing confirmation and retries it',
      async () => {
        const { order, paid } = await escrowOrder();
        await control.addFault({ scope: { partner: sandbox.merchants[0]!.partner }, fault: 'gateway-500' });
        await ship(order, 'SF0000000003');
        await waitFor(
          'the failed attempt',
          async () => (await db.raw(`select id from alipay_shipment where attempts = 1`)).rows[0],
        );
        await control.clearFaults();

        const browser = await launchBrowser();
        try {
          const { page, problems } = await openHarness(
            browser,
            app.backendUrl,
            admin.authorization!,
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
        expect((await db.raw(`select status from alipay_shipment`)).rows).toEqual([{ status: 'confirmed' }]);
        expect((await control.trade(String(paid.trade.tradeNo))).status).toBe('WAIT_BUYER_CONFIRM_GOODS');
      },
    );

    it('OpenAPI: page pay on desktop, wap on mobile, QR when preferred; RSA2 notification creates the order', async () => {
      await configureOpenApiApp();
      const prepared = await prepareCart(api, shop);
      const mobile = await createAlipaySession(api, prepared, { device: 'mobile' });
      expect(new URL(mobile.data.redirect_url).searchParams.get('method')).toBe('alipay.trade.wap.pay');
      const desktop = await createAlipaySession(api, prepared, { device: 'desktop' });
      expect(desktop.data.interface).toBe('alipay.trade.page.pay');
      const redirect = new URL(desktop.data.redirect_url);
      expect(`${redirect.origin}${redirect.pathname}`).toBe(sandbox.openapiGateway);
      expect(JSON.stringify(desktop)).not.toContain('PRIVATE KEY');

      await control.openRequest(desktop.data.redirect_url);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(desktop), appId: sandbox.apps[0]!.appId });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect(paid.deliveries[0]!.params.sign_type).toBe('RSA2');
      expect(await orderOf(prepared)).toBeTruthy();
      expect((await payment(desktop.id)).captured_at).not.toBeNull();

      await ok(api, 'post', '/admin/alipay/settings', admin, { alwaysQrOnDesktop: true });
      const qrCart = await prepareCart(api, shop);
      const qr = await createAlipaySession(api, qrCart, { device: 'desktop' });
      expect(qr.data).toMatchObject({ kind: 'qr', interface: 'alipay.trade.precreate', redirect_url: null });
      expect(qr.data.qr_code).toMatch(/^https?:\/\//);
      expect(new Date(qr.data.qr_expires_at).getTime()).toBeGreaterThan(Date.now());
      await control.openCashier({ outTradeNo: outTradeNoOf(qr), appId: sandbox.apps[0]!.appId });
      await control.pay({ outTradeNo: outTradeNoOf(qr), appId: sandbox.apps[0]!.appId });
      expect(await orderOf(qrCart)).toBeTruthy();
    });

    it('OpenAPI refunds: partial, a lost answer completed by reconciliation without refunding twice, then full', async () => {
      await configureOpenApiApp();
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared);
      await control.openRequest(session.data.redirect_url);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), appId: sandbox.apps[0]!.appId });
      const { id: paymentId } = await payment(session.id);
      const ledger = async () =>
        (
          await db.raw(
            'select status, amount, request_no, in_flight_key from alipay_refund where out_trade_no = ? order by created_at',
            [outTradeNoOf(session)],
          )
        ).rows;

      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      // OpenAPI also notifies the refund (its out_biz_no is our request number); let it pass before the fault.
      await waitFor('the refund notification', async () => {
        const deliveries = await control.deliveries({ outTradeNo: outTradeNoOf(session) });
        return deliveries.filter(delivery => delivery.answer === 'success').length === 2;
      });

      // Alipay refunds, but its answer cannot be trusted (bad signature), nor its notification: the
      // money may have moved, so Medusa keeps its refund and the refund stays uncertain, holding the lock.
      await control.addFault({
        scope: { appId: sandbox.apps[0]!.appId },
        fault: 'tamper-signature',
        count: 2,
      });
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect((await control.trade(String(paid.trade.tradeNo))).refundedAmount).toBe('20.00');
      const [, lost] = await ledger();
      expect(lost).toMatchObject({ status: 'uncertain', in_flight_key: outTradeNoOf(session) });
      // The admin tries again: refused before anything is sent — no second refund.
      const again = await call(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect(again.status).toBe(400);
      expect(again.data.message).toContain('another refund of this payment is in progress');
      expect((await control.trade(String(paid.trade.tradeNo))).refundedAmount).toBe('20.00');

      // Reconciliation asks Alipay about that request: refunded, so it is settled (nothing sent again).
      await reconcileAlipayPayments(getContainer() as MedusaContainer, { minAgeMs: 0 });
      expect((await ledger())[1]).toMatchObject({ status: 'succeeded', in_flight_key: null });
      expect((await control.trade(String(paid.trade.tradeNo))).refundedAmount).toBe('20.00');

      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 15 });
      const trade = await control.trade(String(paid.trade.tradeNo));
      expect(trade.refundedAmount).toBe('35.00');
      const rows = await ledger();
      expect(rows.map((row: { status: string; amount: string }) => [row.status, row.amount])).toEqual([
        ['succeeded', '10.00'],
        ['succeeded', '10.00'],
        ['succeeded', '15.00'],
      ]);
      expect(new Set(rows.map((row: { request_no: string }) => row.request_no)).size).toBe(3);
      const medusaRefunds = await db.raw('select amount from refund where payment_id = ?', [paymentId]);
      expect(medusaRefunds.rows.map(row => Number(row.amount)).sort()).toEqual([10, 10, 15]);
    });
  },
});
