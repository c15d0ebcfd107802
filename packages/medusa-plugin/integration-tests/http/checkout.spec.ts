/**
 * Checkout with a legacy 即时到账 (instant payment) merchant, on a real Medusa 2.21 app and real
 * PostgreSQL, against the offline Alipay sandbox started here: payment session → the sandbox pays →
 * its real notification reaches the shop's notify route → the cart becomes an order without the
 * shopper coming back. Plus duplicates, a trade started before issue 15, a GBK merchant, a marketplace seller, a dropped notification recovered by the job, an orphan payment
 * and refunds. Forged and unusable notifications: `notify-route.spec.ts`; payments answered before they
 * were applied, whose process died: `accepted-payments.spec.ts`.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import { eventually } from '@alipay-commerce/sandbox/testing';
import type { Logger } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { vi } from 'vitest';
import { alipaySpec, NOTIFY_PATH } from '../utils/alipay-spec';
import { call, ok } from '../utils/http';
import { STOREFRONT_RETURN_URL } from '../utils/plugin';
import { C2C_SELLER } from '../utils/sandbox';
import { outTradeNoOf } from '../utils/shop';

const SETTINGS_SECRET = 'b2'.repeat(32);

await alipaySpec(
  {
    settingsSecret: SETTINGS_SECRET,
    channels: 2,
    settings: t => t.legacySettings('legacy-direct', { charset: 'utf-8', refundWithoutPassword: true }),
  },
  t => {
    /** The storefront's return route, as the buyer's browser follows it (no redirects followed). */
    const followReturn = (pathAndQuery: string) =>
      t.api.get(pathAndQuery, { maxRedirects: 0, validateStatus: () => true });

    it('gives the storefront a sandbox redirect URL in the session data, and nothing secret', async () => {
      const prepared = await t.prepareCart();
      // The shopper tries to pick another seller's scope and to pre-set a paid status.
      const session = await t.createSession(prepared, {
        device: 'mobile',
        return_url: 'http://storefront.test/orders/confirm?x=1',
        sales_channel_id: t.shop.salesChannels[1]!.id,
        alipay_status: 'paid',
        trade_no: 'planted',
        form_html: '<script>alert(1)</script>',
      });
      expect(session.status).toBe('pending');
      expect(session.data).toMatchObject({
        session_id: session.id,
        out_trade_no: outTradeNoOf(session),
        // Overwritten from the cart itself by the plugin's middleware.
        sales_channel_id: t.shop.salesChannels[0]!.id,
        amount: '35.00',
        currency: 'CNY',
        interface: 'create_direct_pay_by_user',
        kind: 'redirect',
        device: 'mobile',
        return_url: 'http://storefront.test/orders/confirm?x=1',
        alipay_status: 'waiting_payment',
        // Keys the plugin owns are never the shopper's.
        trade_no: null,
        form_html: null,
      });
      const redirect = new URL(session.data.redirect_url);
      expect(`${redirect.origin}${redirect.pathname}`).toBe(t.sandbox.legacyGateway);
      expect(redirect.searchParams.get('out_trade_no')).toBe(outTradeNoOf(session));
      expect(redirect.searchParams.get('total_fee')).toBe('35.00');
      expect(redirect.searchParams.get('notify_url')).toBe(`${t.app.backendUrl}${NOTIFY_PATH}`);
      const json = JSON.stringify(session);
      expect(json).not.toContain(t.sandbox.merchants[0]!.key);
      expect(json).not.toContain(SETTINGS_SECRET);

      // A return URL on another origin would make the return route an open redirect.
      const foreign = await call(
        t.api,
        'post',
        `/store/payment-collections/${prepared.paymentCollectionId}/payment-sessions`,
        prepared.store,
        { provider_id: 'pp_alipay_alipay', data: { return_url: 'https://evil.example/' } },
      );
      expect(foreign.status).toBe(400);
      expect(foreign.data.message).toContain('return_url');
    });

    it('names the trade with a random out_trade_no, unrelated to the session, cart or collection (issue 15)', async () => {
      const prepared = await t.prepareCart();
      const session = await t.createSession(prepared, { device: 'desktop' });
      const outTradeNo = session.data.out_trade_no;
      expect(outTradeNo).toMatch(/^at[0-9a-f]{30}$/);
      for (const id of [session.id, prepared.cartId, prepared.paymentCollectionId]) {
        expect(outTradeNo).not.toBe(id);
        expect(outTradeNo).not.toContain(id.slice(-8).toLowerCase());
      }
      expect(new URL(session.data.redirect_url).searchParams.get('out_trade_no')).toBe(outTradeNo);
      // The stored mapping leads from the trade to its session, for the notify route and the jobs.
      expect(
        (await t.db.raw('select session_id from alipay_trade_start where out_trade_no = ?', [outTradeNo]))
          .rows,
      ).toEqual([{ session_id: session.id }]);
      // A second attempt gets a trade number of its own.
      const second = await t.createSession(prepared, { device: 'desktop' });
      expect(second.data.out_trade_no).toMatch(/^at[0-9a-f]{30}$/);
      expect(second.data.out_trade_no).not.toBe(outTradeNo);
    });

    it('an unsigned return with a real out_trade_no redirects with a status only: no cart, session or order ID (issue 15)', async () => {
      const { prepared, session } = await t.startCheckout();
      const outTradeNo = outTradeNoOf(session);
      const paid = await t.pay(session);
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      // Anyone who saw the out_trade_no (a payment URL, the payer's bill, a "pay for me" link) tries it,
      // with the session ID too (trades started before issue 15 were named by it).
      for (const tried of [outTradeNo, session.id]) {
        const back = await followReturn(`/hooks/alipay/return/pp_alipay_alipay?out_trade_no=${tried}`);
        expect(back.status).toBe(302);
        const landing = new URL(back.headers.location!);
        expect(landing.origin + landing.pathname).toBe(STOREFRONT_RETURN_URL);
        expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'unverified' });
        for (const id of [
          prepared.cartId,
          session.id,
          after.orders[0].order_id,
          prepared.paymentCollectionId,
        ]) {
          expect(back.headers.location).not.toContain(id);
        }
      }
    });

    it('still handles a trade started before issue 15, whose out_trade_no is its session ID', async () => {
      const provider = t.provider();
      // What the provider wrote before issue 15: the session ID as out_trade_no. (Rebuilding a session whose
      // amount changed keeps its out_trade_no, so an old session's data makes the provider sign one.) Its
      // start record was written before the mapping existed (`keep`), or there is none at all (older still):
      // both reach the session.
      for (const startRecord of ['keep', 'none'] as const) {
        const prepared = await t.prepareCart();
        const session = await t.createSession(prepared, { device: 'desktop' });
        const old = await provider.updatePayment({
          data: { ...session.data, out_trade_no: session.id, amount: '0.01' },
          amount: 35,
          currency_code: 'cny',
        });
        expect(old.data).toMatchObject({ session_id: session.id, out_trade_no: session.id, amount: '35.00' });
        await t.db.raw('update payment_session set data = ? where id = ?', [
          JSON.stringify(old.data),
          session.id,
        ]);
        await t.db.raw(
          startRecord === 'keep'
            ? 'update alipay_trade_start set session_id = null where out_trade_no = ?'
            : 'delete from alipay_trade_start where out_trade_no = ?',
          [session.id],
        );
        await t.control.openRequest(String(old.data!.redirect_url));
        const paid = await t.control.pay({ outTradeNo: session.id, partner: t.partner });
        expect(paid.deliveries[0], startRecord).toMatchObject({ outcome: 'success', answer: 'success' });
        expect((await t.checkoutRows(prepared, session.id)).orders, startRecord).toHaveLength(1);
      }
    });

    it('creates the order from the notification alone, and the return route only redirects', async () => {
      const logger = t.container.resolve<Logger>(ContainerRegistrationKeys.LOGGER);
      const logged = (['info', 'warn', 'error', 'debug'] as const).map(level => vi.spyOn(logger, level));
      const { prepared, session } = await t.startCheckout();
      const paid = await t.pay(session);
      expect(paid.deliveries.map(delivery => [delivery.outcome, delivery.answer])).toEqual([
        ['success', 'success'],
      ]);

      // No POST /store/carts/:id/complete: the notification did it.
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      expect(Number(after.payments[0]!.amount)).toBe(35);
      expect(after.payments[0]!.captured_at).not.toBeNull();
      expect(after.payments[0]!.data).toMatchObject({
        out_trade_no: outTradeNoOf(session),
        alipay_status: 'paid',
      });
      const trade = (await t.db.raw('select status, trade_no, total_amount, source from alipay_trade')).rows;
      expect(trade).toEqual([
        { status: 'paid', trade_no: paid.trade.tradeNo, total_amount: '35.00', source: 'notify' },
      ]);

      // The buyer's browser comes back with Alipay's signed parameters: verified for display, then redirected.
      const returnUrl = new URL(paid.redirect!.url);
      const back = await followReturn(`${returnUrl.pathname}${returnUrl.search}`);
      expect(back.status).toBe(302);
      const landing = new URL(back.headers.location!);
      expect(landing.origin + landing.pathname).toBe(STOREFRONT_RETURN_URL);
      // A status only: the storefront knows its own cart (issue 15: no IDs that lead to the buyer's data).
      expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'paid' });
      // Completing the cart afterwards (a storefront that still does it) is harmless.
      const completed = await ok(t.api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
      expect(completed.order.id).toBe(after.orders[0].order_id);

      // Every plugin log line names the session and the trade; none holds a secret.
      const lines = logged.flatMap(spy => spy.mock.calls.map(args => args.map(String).join(' ')));
      for (const spy of logged) spy.mockRestore();
      const ours = lines.filter(line => line.startsWith('[alipay]'));
      expect(ours.length).toBeGreaterThan(2);
      for (const line of ours)
        expect(line).toMatch(/\(out_trade_no at[0-9a-f]{30}, cart [\w-]+, trade [\w-]+/);
      expect(ours.join('\n')).toContain(`trade ${paid.trade.tradeNo}`);
      const everything = lines.join('\n');
      expect(everything).not.toContain(t.sandbox.merchants[0]!.key);
      expect(everything).not.toContain(SETTINGS_SECRET);
    });

    it('processes 15 concurrent deliveries of one notification exactly once', async () => {
      const { prepared, session } = await t.startCheckout();
      // Alipay's first attempt is lost: we keep its genuine body and deliver it 15 times at once.
      const paid = await t.payLosingNotifications(session);
      const [dropped] = paid.deliveries;
      expect(dropped!.outcome).toBe('dropped');

      const answers = await Promise.all(
        Array.from({ length: 15 }, () => t.postNotification(dropped!.body, dropped!.contentType)),
      );
      expect(answers.map(answer => answer.data)).toEqual(Array(15).fill('success'));

      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      const captures = await t.db.raw('select count(*)::int as n from capture where payment_id = ?', [
        after.payments[0]!.id,
      ]);
      expect(captures.rows[0].n).toBe(1);
      const claims = await t.db.raw('select claim_key, state from alipay_notification_claim');
      expect(claims.rows).toEqual([{ claim_key: 'TRADE_SUCCESS', state: 'processed' }]);

      // Alipay's own retry later on is a duplicate too.
      await t.control.advanceClock(5 * 60_000);
      const deliveries = await t.control.deliveries({ outTradeNo: outTradeNoOf(session) });
      expect(deliveries.at(-1)).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await t.checkoutRows(prepared, session.id)).orders).toHaveLength(1);
    });

    it('handles a GBK merchant: GBK request, GBK notification, order created', async () => {
      await t.saveSettings({ charset: 'gbk' });
      const { prepared, session } = await t.startCheckout();
      expect(new URL(session.data.redirect_url).searchParams.get('_input_charset')).toBe('gbk');
      const paid = await t.pay(session);
      expect(paid.deliveries[0]!.contentType.toLowerCase()).toContain('charset=gbk');
      // The Chinese subject travelled as GBK bytes (订 = %B6%A9).
      expect(paid.deliveries[0]!.body).toContain('%B6%A9');
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await t.checkoutRows(prepared, session.id)).orders).toHaveLength(1);
    });

    it('pays a marketplace seller per sales channel, taken from the cart and checked on notification', async () => {
      await t.saveSettings({ salesChannelId: t.shop.salesChannels[1]!.id, sellerEmail: C2C_SELLER.email });
      // The shopper of channel 2 claims channel 1 (the platform's own seller): ignored.
      const { prepared, session } = await t.startCheckout({
        channel: 1,
        data: { sales_channel_id: t.shop.salesChannels[0]!.id },
      });
      expect(session.data.sales_channel_id).toBe(t.shop.salesChannels[1]!.id);
      expect(new URL(session.data.redirect_url).searchParams.get('seller_email')).toBe(C2C_SELLER.email);

      const paid = await t.pay(session);
      expect(paid.deliveries[0]!.params.seller_email).toBe(C2C_SELLER.email);
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await t.checkoutRows(prepared, session.id)).orders).toHaveLength(1);
      expect((await t.db.raw('select scope from alipay_trade')).rows).toEqual([
        { scope: t.shop.salesChannels[1]!.id },
      ]);
    });

    it('recovers a dropped notification with the reconciliation job', async () => {
      const { prepared, session } = await t.startCheckout();
      const paid = await t.payLosingNotifications(session);
      expect(paid.deliveries.map(delivery => delivery.outcome)).toEqual(['dropped']);
      expect((await t.checkoutRows(prepared, session.id)).orders).toEqual([]);

      expect(await t.reconcileNow()).toMatchObject({ applied: 1, failed: 0 });
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments[0]!.captured_at).not.toBeNull();
      expect((await t.db.raw(`select source from alipay_notification_claim`)).rows).toEqual([
        { source: 'query' },
      ]);

      // Alipay's retry arrives later: acknowledged as a duplicate, still one order.
      await t.control.advanceClock(5 * 60_000);
      expect((await t.control.deliveries(outTradeNoOf(session))).at(-1)).toMatchObject({ answer: 'success' });
      expect((await t.checkoutRows(prepared, session.id)).payments).toHaveLength(1);
    });

    it('a new payment attempt on a paid trade is refused: the paid session stays and completes the order', async () => {
      const { prepared, session } = await t.startCheckout();
      await t.payLosingNotifications(session);
      // The shopper starts over before the news arrived: Medusa would delete the paid session (and a second
      // payment could race the first). The plugin refuses to let it go.
      const attempt = await t.trySession(prepared);
      expect(attempt.status).toBeGreaterThanOrEqual(400);
      // (Medusa answers its own "Could not delete all payment sessions"; the plugin logs why.)
      const sessions = (
        await t.db.raw(
          'select id from payment_session where payment_collection_id = ? and deleted_at is null',
          [prepared.paymentCollectionId],
        )
      ).rows;
      expect(sessions).toEqual([{ id: session.id }]);

      // Alipay's retry completes the order with the one payment.
      await t.control.advanceClock(5 * 60_000);
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      const payments = await t.db.raw(
        'select id from payment where payment_collection_id = ? and deleted_at is null',
        [prepared.paymentCollectionId],
      );
      expect(payments.rows).toHaveLength(1);
      expect(await t.orphanEvents(outTradeNoOf(session))).toEqual([]);
    });

    it('surfaces an orphan payment: a trade paid after its session was replaced', async () => {
      const { prepared, session } = await t.startCheckout();
      // The shopper starts over while Alipay is down: Medusa deletes the first session, whose trade could
      // not be closed; the buyer then pays its cashier page after all.
      const second = await t.replaceSessionWhileAlipayDown(prepared, session);
      expect(second.id).not.toBe(session.id);
      await t.payLosingNotifications(session);

      await t.control.advanceClock(5 * 60_000);
      expect((await t.control.deliveries(outTradeNoOf(session))).at(-1)).toMatchObject({ answer: 'success' });
      expect((await t.checkoutRows(prepared, session.id)).orders).toEqual([]);
      const orphan = (await t.events('attention=true')).find(
        (event: { kind: string }) => event.kind === 'orphan',
      );
      expect(orphan).toMatchObject({
        level: 'error',
        out_trade_no: outTradeNoOf(session),
        // The core's reason: the session (Medusa's side of the order) no longer exists.
        details: { reason: 'order_missing' },
        // This shop does not refund orphans by itself: the admin does, from Settings → Alipay.
        orphan_refund: null,
      });
      expect(orphan.message).toContain('35.00');
      expect(orphan.message).toContain('无法关联的付款');

      // The admin refunds it (a legacy no-password refund: pending until Alipay's batch result).
      const refunded = await t.refundOrphan(outTradeNoOf(session));
      expect(refunded).toMatchObject({
        created: true,
        refund: {
          origin: 'orphan',
          amount_fen: 3500,
          amount: '35.00',
          request_no: expect.stringMatching(/^\d{8}/),
        },
      });
      await eventually(
        async () => (await t.events('kind=orphan'))[0]?.orphan_refund?.status === 'succeeded',
        {
          what: 'the orphan refund result',
        },
      );
      expect((await t.control.trade(outTradeNoOf(session), { partner: t.partner })).refundedAmount).toBe(
        '35.00',
      );
      // Asked again: the existing refund, nothing sent. An unknown trade is not an orphan.
      const again = await t.refundOrphan(outTradeNoOf(session));
      expect(again).toMatchObject({
        created: false,
        refund: { id: refunded.refund.id, status: 'succeeded' },
      });
      const unknown = await call(t.api, 'post', '/admin/alipay/orphans/payses_unknown/refund', t.admin);
      expect(unknown.status).toBe(404);
      expect((await t.db.raw('select count(*)::int as n from alipay_refund')).rows[0].n).toBe(1);

      // Marked as handled, it leaves the attention list.
      await ok(t.api, 'post', `/admin/alipay/events/${orphan.id}/resolve`, t.admin);
      const after = await t.events('attention=true');
      expect(after.find((event: { id: string }) => event.id === orphan.id)).toBeUndefined();
    });

    it('behaves as the payment module expects: status, update, cancel (twice), retrieve, capture, delete', async () => {
      const { provider, data } = await t.providerPayment('payses_01CONTRACTTEST0000000000A');
      expect(data).toMatchObject({ session_id: 'payses_01CONTRACTTEST0000000000A' });
      expect(data.out_trade_no).toMatch(/^at[0-9a-f]{30}$/);
      // No trade until the buyer opens the cashier.
      await expect(provider.getPaymentStatus({ data })).resolves.toMatchObject({ status: 'pending' });
      await t.control.openRequest(String(data.redirect_url));
      await expect(provider.authorizePayment({ data })).resolves.toMatchObject({ status: 'pending' });
      await expect(provider.updatePayment({ data, amount: 35, currency_code: 'cny' })).resolves.toMatchObject(
        { data },
      );
      await expect(provider.updatePayment({ data, amount: 40, currency_code: 'cny' })).rejects.toThrow(
        /already exists/,
      );

      await provider.cancelPayment({ data });
      // Closing twice is fine: the core's closeTrade tells "closed already" from "paid" by itself.
      await expect(provider.cancelPayment({ data })).resolves.toMatchObject({
        data: { alipay_status: 'closed' },
      });
      await expect(provider.getPaymentStatus({ data })).resolves.toMatchObject({ status: 'canceled' });
      expect((await t.control.trade(String(data.out_trade_no), { partner: t.partner })).status).toBe(
        'TRADE_CLOSED',
      );

      // A paid trade: captured at authorization, capture is a no-op, closing is refused with Alipay's code.
      const { session } = await t.startCheckout();
      await t.loseNotifications(session, 'all');
      await t.pay(session);
      const paidData = session.data;
      const authorized = await provider.authorizePayment({ data: paidData });
      expect(authorized).toMatchObject({ status: 'captured', data: { alipay_status: 'paid' } });
      await expect(provider.capturePayment({ data: authorized.data })).resolves.toMatchObject({
        data: { alipay_status: 'paid' },
      });
      await expect(provider.retrievePayment({ data: paidData })).resolves.toMatchObject({
        data: { trade_no: expect.stringMatching(/^\d+$/), alipay_status: 'paid' },
      });
      // The core's TradeNotClosableError, with Alipay's code and the bilingual advice to refund.
      const refusal = await provider.cancelPayment({ data: paidData }).catch((error: Error) => error);
      expect(refusal).toMatchObject({ type: 'not_allowed' });
      expect((refusal as Error).message).toMatch(
        /TRADE_NOT_CLOSABLE.*TRADE_STATUS_NOT_AVAILD.*Refund it instead/,
      );
      expect((refusal as Error).message).toContain('请改为退款');
      // Deleting the session of a paid trade is refused (the session must complete its order), and
      // never closes the trade.
      await expect(provider.deletePayment({ data: paidData })).rejects.toMatchObject({
        type: 'not_allowed',
        message: expect.stringContaining('不能再次付款'),
      });

      // Refunds: each call is a refund of its own, stored with its batch number before Alipay is called
      // (no number shared by two refunds); a legacy no-password refund is pending until Alipay's result
      // (its batch_refund_notify, which the dropped notifications must let through now).
      await t.control.clearFaults();
      const tradeNo = String(authorized.data!.trade_no);
      const refundRows = () => t.refundRows(outTradeNoOf(session));
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).resolves.toEqual({
        data: authorized.data,
      });
      await provider.refundPayment({ data: authorized.data, amount: 5 });
      const [first, second] = await refundRows();
      expect(first).toMatchObject({ generation: 'legacy', in_flight_key: null });
      expect(first!.request_no).toMatch(/^\d{8}/);
      expect(second!.request_no).not.toBe(first!.request_no);
      await eventually(async () => (await t.control.trade(tradeNo)).refundedAmount === '10.00', {
        what: 'both refunds at Alipay',
      });
      await eventually(async () => (await refundRows()).every(row => row.status === 'succeeded'), {
        what: 'both batch results',
      });

      // The answer is lost (HTTP 500): the money may have moved, so no error — the refund stays uncertain
      // and holds the payment's refund lock; a second refund is refused before anything is sent.
      await t.control.addFault({ scope: { partner: t.partner }, fault: 'gateway-500' });
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).resolves.toBeTruthy();
      expect((await refundRows())[2]).toMatchObject({
        status: 'uncertain',
        in_flight_key: outTradeNoOf(session),
      });
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).rejects.toThrow(
        /another refund of this payment is in progress.*另一笔退款/s,
      );
      await t.control.clearFaults();
      expect(await refundRows()).toHaveLength(3);
      expect((await t.control.trade(tradeNo)).refundedAmount).toBe('10.00');
    });

    it('refunds partially then fully through the admin, and Alipay reports both', async () => {
      const { prepared, session } = await t.startCheckout();
      const paid = await t.pay(session);
      const [payment] = (await t.checkoutRows(prepared, session.id)).payments;

      await t.refund(payment!.id, 10);
      await t.refund(payment!.id, 25);

      // The refund book: each refund with its own batch number and the Medusa refund it belongs to.
      const rows = await t.refundRows(outTradeNoOf(session));
      expect(rows).toEqual([
        expect.objectContaining({
          amount: '10.00',
          origin: 'shop',
          medusa_refund_id: expect.stringMatching(/^ref/),
        }),
        expect.objectContaining({
          amount: '25.00',
          origin: 'shop',
          medusa_refund_id: expect.stringMatching(/^ref/),
        }),
      ]);
      expect(rows[0]!.request_no).not.toBe(rows[1]!.request_no);
      const medusaRefunds = await t.db.raw(
        'select amount from refund where payment_id = ? order by created_at',
        [payment!.id],
      );
      expect(medusaRefunds.rows.map(row => Number(row.amount))).toEqual([10, 25]);

      // Legacy no-password refunds report through batch_refund_notify, one per batch.
      await eventually(async () => (await t.refundBatchResults()).length === 2, {
        what: 'both refund results',
      });
      const trade = await t.control.trade(String(paid.trade.tradeNo));
      expect(trade.refundedAmount).toBe('35.00');
      expect(trade.status).toBe('TRADE_CLOSED');
      // Settled by Alipay's results (and the TRADE_CLOSED that follows changes nothing more).
      await eventually(
        async () => (await t.refundRows(outTradeNoOf(session))).every(row => row.status === 'succeeded'),
        { what: 'the refunds settled' },
      );
      expect(
        (await t.db.raw('select canceled_at from payment where id = ?', [payment!.id])).rows[0].canceled_at,
      ).toBeNull();
    });
  },
);
