/**
 * Switching the interface type in the admin, on a real Medusa app and PostgreSQL, against the
 * offline sandbox: a merchant holding a legacy (partner + MD5 key) and an OpenAPI (app + RSA2)
 * contract switches between them. Trades created before the switch are still refunded, closed,
 * shipment-confirmed and verified with the generation they were created with — their gateway,
 * credentials and seller —
 * while new payments use the new settings; without the old generation's credentials the plugin
 * says so clearly instead of trying the other generation.
 */
import type { Sandbox } from '@alipay-commerce/sandbox';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { call, type Database, type HttpClient, ok } from '../utils/http';
import type { SandboxControl } from '../utils/sandbox';
import { createAlipaySession, outTradeNoOf, type PreparedCart, prepareCart, type Shop } from '../utils/shop';
import { alipayTestApp, legacySettings, openApiSettings, saveSettings, useAlipayShop } from '../utils/suite';
import { acceptedPaymentsApplied, waitFor } from '../utils/wait';

const SETTINGS_SECRET = 'd4'.repeat(32);
const app = await alipayTestApp(SETTINGS_SECRET);

vi.setConfig({ testTimeout: 120_000 });

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
    const partner = () => sandbox.merchants[0]!.partner;
    const appId = () => sandbox.apps[0]!.appId;

    useAlipayShop(api, getContainer, {
      ready: fixture => {
        ({ sandbox, control, admin, shop } = fixture);
      },
    });

    /** Legacy 即时到账 with no-password refunds (the sandbox's merchant A). */
    async function configureLegacy() {
      await saveSettings(
        api,
        admin,
        legacySettings(sandbox, 'legacy-direct', { refundWithoutPassword: true }),
      );
    }

    /**
     * OpenAPI with the sandbox app. `gateway` and `sellerId` are fields both generations share: they
     * now hold the app's values, which the legacy trades must not use.
     */
    async function configureOpenApi() {
      await saveSettings(api, admin, openApiSettings(sandbox));
    }

    async function orderOf(prepared: PreparedCart): Promise<string | undefined> {
      await acceptedPaymentsApplied(db);
      return (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows[0]
        ?.order_id;
    }

    async function payment(sessionId: string) {
      await acceptedPaymentsApplied(db);
      return (await db.raw('select id, data from payment where payment_session_id = ?', [sessionId])).rows[0];
    }

    /** A checkout whose trade exists at the sandbox (cashier opened), not paid yet. */
    async function openedSession() {
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared, { device: 'desktop' });
      await control.openRequest(session.data.redirect_url);
      return { prepared, session };
    }

    it('legacy trade, switched to OpenAPI: late notification verifies, refund goes through the legacy gateway', async () => {
      await configureLegacy();
      // Paid and ordered before the switch.
      const first = await openedSession();
      expect(first.session.data).toMatchObject({
        interface: 'create_direct_pay_by_user',
        interface_type: 'legacy-direct',
        gateway: sandbox.legacyGateway,
        seller_email: sandbox.merchants[0]!.sellerEmail,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(first.session), partner: partner() });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect(await orderOf(first.prepared)).toBeTruthy();
      // Paid before the switch, but Alipay's notification is lost until after it.
      const late = await openedSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(late.session) },
        fault: 'drop-notify',
        count: 1,
      });
      await control.pay({ outTradeNo: outTradeNoOf(late.session), partner: partner() });
      expect(await orderOf(late.prepared)).toBeUndefined();

      await configureOpenApi();

      // Alipay's retry: a legacy MD5 notification, verified with the legacy key and notify_verify.
      await control.advanceClock(5 * 60_000);
      expect((await control.deliveries({ outTradeNo: outTradeNoOf(late.session) })).at(-1)).toMatchObject({
        outcome: 'success',
        answer: 'success',
      });
      expect(await orderOf(late.prepared)).toBeTruthy();

      // Refund through the admin: the legacy no-password refund at the legacy gateway.
      const { id: paymentId } = await payment(first.session.id);
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      const refunded = await waitFor('the legacy refund at the sandbox', async () => {
        const trade = await control.trade(String(paid.trade.tradeNo));
        return trade.refundedAmount === '10.00' ? trade : null;
      });
      expect(refunded.status).toBe('TRADE_SUCCESS');
      // Stored as a legacy refund: a batch number (which starts with the Beijing date).
      const refundRows = async () =>
        (
          await db.raw(
            `select origin, generation, status, request_no from alipay_refund where out_trade_no = ?`,
            [outTradeNoOf(first.session)],
          )
        ).rows;
      expect(await refundRows()).toEqual([
        expect.objectContaining({
          origin: 'shop',
          generation: 'legacy',
          request_no: expect.stringMatching(/^\d{8}/),
        }),
      ]);
      // Its result comes back as a legacy batch_refund_notify, verified with the legacy credentials.
      await waitFor('the batch_refund_notify', async () => {
        const rows = (
          await db.raw(
            `select level from alipay_event where kind = 'refund' and message like 'Refund batch%'`,
          )
        ).rows;
        return rows.length === 1 ? rows : null;
      });
      expect((await refundRows())[0].status).toBe('succeeded');
      const rejections = (await db.raw(`select message from alipay_event where kind = 'rejection'`)).rows;
      expect(rejections).toEqual([]);

      // New payments use the current settings: OpenAPI.
      const fresh = await prepareCart(api, shop);
      const openapi = await createAlipaySession(api, fresh, { device: 'desktop' });
      expect(openapi.data).toMatchObject({
        interface: 'alipay.trade.page.pay',
        interface_type: 'openapi-page-wap-qr',
        gateway: sandbox.openapiGateway,
      });
    });

    it('OpenAPI trade, switched to legacy: refund and close go through OpenAPI', async () => {
      await configureOpenApi();
      const paidCheckout = await openedSession();
      const paid = await control.pay({ outTradeNo: outTradeNoOf(paidCheckout.session), appId: appId() });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      const unpaid = await openedSession();
      expect(unpaid.session.data.interface_type).toBe('openapi-page-wap-qr');

      await configureLegacy();

      // A synchronous OpenAPI refund (alipay.trade.refund), signed with the app's RSA2 key.
      const { id: paymentId } = await payment(paidCheckout.session.id);
      await ok(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect((await control.trade(String(paid.trade.tradeNo))).refundedAmount).toBe('10.00');
      expect(
        (
          await db.raw(`select origin, generation, status from alipay_refund where out_trade_no = ?`, [
            outTradeNoOf(paidCheckout.session),
          ])
        ).rows,
      ).toEqual([{ origin: 'shop', generation: 'openapi', status: 'succeeded' }]);
      // OpenAPI also notifies the refund: an RSA2 notification, verified with the app's Alipay key.
      await waitFor('the refund notification', async () => {
        const deliveries = await control.deliveries({ outTradeNo: outTradeNoOf(paidCheckout.session) });
        return deliveries.filter(delivery => delivery.answer === 'success').length === 2;
      });

      // The shopper starts over: Medusa drops the unpaid session, and its OpenAPI trade is closed
      // (alipay.trade.close) so the old cashier can no longer be paid. The new one is legacy.
      const replacement = await createAlipaySession(api, unpaid.prepared, { device: 'desktop' });
      expect(replacement.data).toMatchObject({
        interface: 'create_direct_pay_by_user',
        interface_type: 'legacy-direct',
      });
      const closed = await waitFor('the OpenAPI trade closed', async () => {
        const trade = await control.trade(outTradeNoOf(unpaid.session), { appId: appId() });
        return trade.status === 'TRADE_CLOSED' ? trade : null;
      });
      expect(closed.status).toBe('TRADE_CLOSED');
    });

    it('legacy escrow trade, switched to OpenAPI: shipment confirmed at the legacy gateway, then captured', async () => {
      await saveSettings(api, admin, legacySettings(sandbox, 'legacy-escrow'));
      const { prepared, session } = await openedSession();
      expect(session.data.interface_type).toBe('legacy-escrow');
      const paid = await control.pay({
        outTradeNo: outTradeNoOf(session),
        partner: partner(),
        mode: 'escrow',
      });
      const orderId = await waitFor('the order', () => orderOf(prepared));

      await configureOpenApi();

      // Shipping: send_goods_confirm_by_platform at the legacy gateway (an OpenAPI facade would
      // report "nothing to confirm" and leave the buyer's money in escrow).
      const { order } = await ok(api, 'get', `/admin/orders/${orderId}?fields=*items`, admin);
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
      const fulfillmentId = fulfilled.order.fulfillments[0].id as string;
      await ok(api, 'post', `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`, admin, {
        items,
        labels: [
          {
            tracking_number: 'SF2026112500',
            tracking_url: 'https://www.sf-express.com/',
            label_url: 'https://example.test/label.pdf',
          },
        ],
      });
      await waitFor('the shipment confirmation', async () => {
        const rows = (await db.raw(`select status from alipay_shipment`)).rows;
        return rows[0]?.status === 'confirmed' ? rows : null;
      });
      expect((await control.trade(String(paid.trade.tradeNo))).status).toBe('WAIT_BUYER_CONFIRM_GOODS');

      // The buyer confirms receipt: TRADE_FINISHED, a legacy notification after the switch, captures.
      await control.confirmReceipt({ outTradeNo: outTradeNoOf(session), partner: partner() });
      await waitFor('capture on TRADE_FINISHED', async () => {
        const row = (
          await db.raw('select captured_at from payment where payment_session_id = ?', [session.id])
        ).rows[0];
        return row?.captured_at ? row : null;
      });
    });

    it('verifies a notification about no trade of ours with the current settings, never the other generation', async () => {
      // OpenAPI only: the legacy credentials were never entered (or were deleted).
      await configureOpenApi();
      await ok(api, 'post', '/admin/alipay/settings', admin, { partnerId: null, key: null });
      const earlier = (await db.raw('select id from alipay_event')).rows.map((row: { id: string }) => row.id);
      const newEvents = async () =>
        (await db.raw('select id, level, details from alipay_event order by created_at, id')).rows.filter(
          (row: { id: string }) => !earlier.includes(row.id),
        );
      const post = (body: Record<string, string>) =>
        api.post('/hooks/alipay/notify/pp_alipay_alipay', new URLSearchParams(body).toString(), {
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          responseType: 'text',
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
        });
      // Legacy-shaped (no app_id, MD5) and about trades this shop never created: a session-like
      // out_trade_no nobody has, and one that is not a session ID at all.
      for (const outTradeNo of ['payses_01FORGED0000000000000000000', 'ORDER-20261126-1']) {
        const answer = await post({
          notify_type: 'trade_status_sync',
          notify_id: `forged-${outTradeNo}`,
          notify_time: '2026-11-26 00:00:00',
          out_trade_no: outTradeNo,
          trade_no: '2026112622001400000000000001',
          trade_status: 'TRADE_SUCCESS',
          total_fee: '0.01',
          seller_email: sandbox.merchants[0]!.sellerEmail,
          sign_type: 'MD5',
          sign: '0123456789abcdef0123456789abcdef',
        });
        // Verified with the current (OpenAPI) facade: an ordinary bad signature, not "credentials missing".
        expect([answer.status, answer.data]).toEqual([200, 'fail']);
      }
      // Journaled as the ordinary rejections they are; no error ("Needs attention") about credentials.
      const events = (await newEvents()).map(
        (row: { level: string; details: { reason?: string } | null }) => [row.level, row.details?.reason],
      );
      expect(events).toEqual([
        ['warning', 'bad_signature'],
        ['warning', 'bad_signature'],
      ]);
    });

    it('says clearly that the old generation’s credentials are gone, and never uses the other ones', async () => {
      await configureLegacy();
      const checkout = await openedSession();
      const paid = await control.pay({ outTradeNo: outTradeNoOf(checkout.session), partner: partner() });
      expect(await orderOf(checkout.prepared)).toBeTruthy();
      const late = await openedSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(late.session) },
        fault: 'drop-notify',
        count: 1,
      });
      await control.pay({ outTradeNo: outTradeNoOf(late.session), partner: partner() });

      await configureOpenApi();
      // The merchant deletes the legacy credentials.
      await ok(api, 'post', '/admin/alipay/settings', admin, { partnerId: null, key: null });

      const { id: paymentId } = await payment(checkout.session.id);
      const refused = await call(api, 'post', `/admin/payments/${paymentId}/refund`, admin, { amount: 10 });
      expect(refused.status).toBe(400);
      const message = String(refused.data.message);
      expect(message).toContain(`Alipay trade ${outTradeNoOf(checkout.session)} was created with the legacy`);
      expect(message).toContain('legacy-direct');
      expect(message).toMatch(/partnerId/);
      expect(message).toContain('Settings → Alipay');
      expect(message).toContain('不会改用另一代接口的凭据');
      expect(message).not.toContain(sandbox.merchants[0]!.key);
      expect(message).not.toContain('PRIVATE KEY');
      expect(message).not.toContain(SETTINGS_SECRET);
      // Nothing was refunded, and Medusa recorded no refund.
      expect((await control.trade(String(paid.trade.tradeNo))).refundedAmount ?? '0.00').toBe('0.00');
      expect((await db.raw('select id from refund where payment_id = ?', [paymentId])).rows).toEqual([]);

      // A late legacy notification cannot be verified now: `fail`, so that Alipay retries once the
      // merchant has entered the credentials again; the reason is on Settings → Alipay.
      await control.advanceClock(5 * 60_000);
      expect((await control.deliveries({ outTradeNo: outTradeNoOf(late.session) })).at(-1)).toMatchObject({
        answer: 'fail',
      });
      expect(await orderOf(late.prepared)).toBeUndefined();
      const attention = await ok(api, 'get', '/admin/alipay/events?attention=true', admin);
      const reason = attention.events.find(
        (event: { details?: { reason?: string } }) => event.details?.reason === 'trade_credentials_missing',
      );
      expect(reason).toMatchObject({ level: 'error', out_trade_no: outTradeNoOf(late.session) });
      expect(reason.message).toContain('partnerId');
      expect(JSON.stringify(attention)).not.toContain(sandbox.merchants[0]!.key);

      // Entered again (the interface type stays OpenAPI): Alipay's next retry goes through.
      const merchant = sandbox.merchants[0]!;
      await ok(api, 'post', '/admin/alipay/settings', admin, {
        partnerId: merchant.partner,
        key: merchant.key,
      });
      await control.advanceClock(30 * 60_000);
      await waitFor('the order from the retried notification', () => orderOf(late.prepared));
    });
  },
});
