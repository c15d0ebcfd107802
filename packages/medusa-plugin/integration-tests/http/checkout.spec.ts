/**
 * Checkout with a legacy 即时到账 (instant payment) merchant, on a real Medusa 2.21 app and real
 * PostgreSQL, against the offline Alipay sandbox started here: payment session → the sandbox pays →
 * its real notification reaches the shop's notify route → the cart becomes an order without the
 * shopper coming back. Plus duplicates, forgeries, a wrong amount or currency, a malformed body, GBK,
 * a marketplace seller, a dropped notification recovered by the job, an orphan payment and refunds.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import { md5Sign } from '@alipay-commerce/core/primitives';
import type { Sandbox } from '@alipay-commerce/sandbox';
import type { IPaymentModuleService, Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules } from '@medusajs/framework/utils';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { call, type Database, type HttpClient, ok } from '../utils/http';
import { C2C_SELLER, type SandboxControl } from '../utils/sandbox';
import {
  createAlipaySession,
  outTradeNoOf,
  type PreparedCart,
  prepareCart,
  replaceSessionWhileAlipayDown,
  type Shop,
  tryAlipaySession,
} from '../utils/shop';
import { alipayTestApp, legacySettings, pluginModule, saveSettings, useAlipayShop } from '../utils/suite';
import { acceptedPaymentsApplied, waitFor } from '../utils/wait';

const SETTINGS_SECRET = 'b2'.repeat(32);
const app = await alipayTestApp(SETTINGS_SECRET);

const { reconcileAlipayPayments } = pluginModule<typeof import('../../src/reconciliation/reconcile')>(
  './reconciliation/reconcile.js',
);
const { resumeAcceptedPayments } = pluginModule<typeof import('../../src/trades/process-trade-event')>(
  './trades/process-trade-event.js',
);
const { ALIPAY_MODULE } = pluginModule<typeof import('../../src/modules/alipay/constants')>(
  './modules/alipay/constants.js',
);
const { default: AlipayProviderService } = pluginModule<typeof import('../../src/providers/alipay/service')>(
  './providers/alipay/service.js',
);

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
    const partner = () => sandbox.merchants[0]!.partner;
    const notifyPath = '/hooks/alipay/notify/pp_alipay_alipay';

    useAlipayShop(api, getContainer, {
      channels: 2,
      ready: async fixture => {
        ({ sandbox, control, admin, shop } = fixture);
        await saveSettings(
          api,
          admin,
          legacySettings(sandbox, 'legacy-direct', { charset: 'utf-8', refundWithoutPassword: true }),
        );
      },
    });

    /** Rows the assertions look at, for one cart and its session. */
    async function state(prepared: PreparedCart, sessionId: string) {
      // A payment notification is answered first and applied right after.
      await acceptedPaymentsApplied(db);
      const orders = (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId]))
        .rows;
      const payments = (
        await db.raw('select id, amount, captured_at, data from payment where payment_session_id = ?', [
          sessionId,
        ])
      ).rows;
      const session = (await db.raw('select status, amount from payment_session where id = ?', [sessionId]))
        .rows[0];
      return { orders, payments, session };
    }

    async function paidSession(options: { channel?: number; data?: Record<string, unknown> } = {}) {
      const prepared = await prepareCart(api, shop, { channel: options.channel ?? 0 });
      const session = await createAlipaySession(api, prepared, { device: 'desktop', ...options.data });
      await control.openRequest(session.data.redirect_url);
      return { prepared, session };
    }

    function postNotification(
      body: string | Buffer,
      contentType = 'application/x-www-form-urlencoded; charset=utf-8',
    ) {
      return api.post(notifyPath, body, {
        headers: { 'content-type': contentType },
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
      });
    }

    it('gives the storefront a sandbox redirect URL in the session data, and nothing secret', async () => {
      const prepared = await prepareCart(api, shop);
      // The shopper tries to pick another seller's scope and to pre-set a paid status.
      const session = await createAlipaySession(api, prepared, {
        device: 'mobile',
        return_url: 'http://storefront.test/orders/confirm?x=1',
        sales_channel_id: shop.salesChannels[1]!.id,
        alipay_status: 'paid',
        trade_no: 'planted',
        form_html: '<script>alert(1)</script>',
      });
      expect(session.status).toBe('pending');
      expect(session.data).toMatchObject({
        session_id: session.id,
        out_trade_no: outTradeNoOf(session),
        // Overwritten from the cart itself by the plugin's middleware.
        sales_channel_id: shop.salesChannels[0]!.id,
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
      expect(`${redirect.origin}${redirect.pathname}`).toBe(sandbox.legacyGateway);
      expect(redirect.searchParams.get('out_trade_no')).toBe(outTradeNoOf(session));
      expect(redirect.searchParams.get('total_fee')).toBe('35.00');
      expect(redirect.searchParams.get('notify_url')).toBe(`${app.backendUrl}${notifyPath}`);
      const json = JSON.stringify(session);
      expect(json).not.toContain(sandbox.merchants[0]!.key);
      expect(json).not.toContain(SETTINGS_SECRET);

      // A return URL on another origin would make the return route an open redirect.
      const foreign = await call(
        api,
        'post',
        `/store/payment-collections/${prepared.paymentCollectionId}/payment-sessions`,
        prepared.store,
        { provider_id: 'pp_alipay_alipay', data: { return_url: 'https://evil.example/' } },
      );
      expect(foreign.status).toBe(400);
      expect(foreign.data.message).toContain('return_url');
    });

    it('names the trade with a random out_trade_no, unrelated to the session, cart or collection (issue 15)', async () => {
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared, { device: 'desktop' });
      const outTradeNo = session.data.out_trade_no;
      expect(outTradeNo).toMatch(/^at[0-9a-f]{30}$/);
      for (const id of [session.id, prepared.cartId, prepared.paymentCollectionId]) {
        expect(outTradeNo).not.toBe(id);
        expect(outTradeNo).not.toContain(id.slice(-8).toLowerCase());
      }
      expect(new URL(session.data.redirect_url).searchParams.get('out_trade_no')).toBe(outTradeNo);
      // The stored mapping leads from the trade to its session, for the notify route and the jobs.
      expect(
        (await db.raw('select session_id from alipay_trade_start where out_trade_no = ?', [outTradeNo])).rows,
      ).toEqual([{ session_id: session.id }]);
      // A second attempt gets a trade number of its own.
      const second = await createAlipaySession(api, prepared, { device: 'desktop' });
      expect(second.data.out_trade_no).toMatch(/^at[0-9a-f]{30}$/);
      expect(second.data.out_trade_no).not.toBe(outTradeNo);
    });

    it('an unsigned return with a real out_trade_no redirects with a status only: no cart, session or order ID (issue 15)', async () => {
      const { prepared, session } = await paidSession();
      const outTradeNo = outTradeNoOf(session);
      const paid = await control.pay({ outTradeNo, partner: partner() });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      // Anyone who saw the out_trade_no (a payment URL, the payer's bill, a "pay for me" link) tries it,
      // with the session ID too (trades started before issue 15 were named by it).
      for (const tried of [outTradeNo, session.id]) {
        const back = await api.get(`/hooks/alipay/return/pp_alipay_alipay?out_trade_no=${tried}`, {
          maxRedirects: 0,
          validateStatus: () => true,
        });
        expect(back.status).toBe(302);
        const landing = new URL(back.headers.location!);
        expect(landing.origin + landing.pathname).toBe('http://storefront.test/checkout/alipay');
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
      const container = getContainer() as MedusaContainer;
      const provider = new AlipayProviderService(
        {
          logger: container.resolve('logger'),
          configModule: container.resolve('configModule'),
          alipay: container.resolve('alipay'),
        },
        { backendUrl: app.backendUrl, storefrontReturnUrl: 'http://storefront.test/checkout/alipay' },
      );
      const prepared = await prepareCart(api, shop);
      const session = await createAlipaySession(api, prepared, { device: 'desktop' });
      // What the provider wrote before issue 15: the session ID as out_trade_no. (Rebuilding a session whose
      // amount changed keeps its out_trade_no, so an old session's data makes the provider sign one.)
      const old = await provider.updatePayment({
        data: { ...session.data, out_trade_no: session.id, amount: '0.01' },
        amount: 35,
        currency_code: 'cny',
      });
      expect(old.data).toMatchObject({ session_id: session.id, out_trade_no: session.id, amount: '35.00' });
      await db.raw('update payment_session set data = ? where id = ?', [
        JSON.stringify(old.data),
        session.id,
      ]);
      // A start record written before the mapping existed, or none at all (older still): both reach the session.
      await db.raw('update alipay_trade_start set session_id = null where out_trade_no = ?', [session.id]);
      await control.openRequest(String(old.data!.redirect_url));
      const paid = await control.pay({ outTradeNo: session.id, partner: partner() });
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await state(prepared, session.id)).orders).toHaveLength(1);

      const other = await prepareCart(api, shop);
      const second = await createAlipaySession(api, other, { device: 'desktop' });
      const older = await provider.updatePayment({
        data: { ...second.data, out_trade_no: second.id, amount: '0.01' },
        amount: 35,
        currency_code: 'cny',
      });
      await db.raw('update payment_session set data = ? where id = ?', [
        JSON.stringify(older.data),
        second.id,
      ]);
      await db.raw('delete from alipay_trade_start where out_trade_no = ?', [second.id]);
      await control.openRequest(String(older.data!.redirect_url));
      const paidToo = await control.pay({ outTradeNo: second.id, partner: partner() });
      expect(paidToo.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await state(other, second.id)).orders).toHaveLength(1);
    });

    it('creates the order from the notification alone, and the return route only redirects', async () => {
      const logger = getContainer().resolve<Logger>(ContainerRegistrationKeys.LOGGER);
      const logged = (['info', 'warn', 'error', 'debug'] as const).map(level => vi.spyOn(logger, level));
      const { prepared, session } = await paidSession();
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      expect(paid.deliveries.map(delivery => [delivery.outcome, delivery.answer])).toEqual([
        ['success', 'success'],
      ]);

      // No POST /store/carts/:id/complete: the notification did it.
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      expect(Number(after.payments[0].amount)).toBe(35);
      expect(after.payments[0].captured_at).not.toBeNull();
      expect(after.payments[0].data).toMatchObject({
        out_trade_no: outTradeNoOf(session),
        alipay_status: 'paid',
      });
      const trade = (await db.raw('select status, trade_no, total_amount, source from alipay_trade')).rows;
      expect(trade).toEqual([
        { status: 'paid', trade_no: paid.trade.tradeNo, total_amount: '35.00', source: 'notify' },
      ]);

      // The buyer's browser comes back with Alipay's signed parameters: verified for display, then redirected.
      const returnUrl = new URL(paid.redirect!.url);
      const back = await api.get(`${returnUrl.pathname}${returnUrl.search}`, {
        maxRedirects: 0,
        validateStatus: () => true,
      });
      expect(back.status).toBe(302);
      const landing = new URL(back.headers.location!);
      expect(landing.origin + landing.pathname).toBe('http://storefront.test/checkout/alipay');
      // A status only: the storefront knows its own cart (issue 15: no IDs that lead to the buyer's data).
      expect(Object.fromEntries(landing.searchParams)).toEqual({ status: 'paid' });
      // Completing the cart afterwards (a storefront that still does it) is harmless.
      const completed = await ok(api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
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
      expect(everything).not.toContain(sandbox.merchants[0]!.key);
      expect(everything).not.toContain(SETTINGS_SECRET);
    });

    it('processes 15 concurrent deliveries of one notification exactly once', async () => {
      const { prepared, session } = await paidSession();
      // Alipay's first attempt is lost: we keep its genuine body and deliver it 15 times at once.
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      const [dropped] = paid.deliveries;
      expect(dropped!.outcome).toBe('dropped');

      const answers = await Promise.all(
        Array.from({ length: 15 }, () => postNotification(dropped!.body, dropped!.contentType)),
      );
      expect(answers.map(answer => answer.data)).toEqual(Array(15).fill('success'));

      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      const captures = await db.raw('select count(*)::int as n from capture where payment_id = ?', [
        after.payments[0].id,
      ]);
      expect(captures.rows[0].n).toBe(1);
      const claims = await db.raw('select claim_key, state from alipay_notification_claim');
      expect(claims.rows).toEqual([{ claim_key: 'TRADE_SUCCESS', state: 'processed' }]);

      // Alipay's own retry later on is a duplicate too.
      await control.advanceClock(5 * 60_000);
      const deliveries = await control.deliveries({ outTradeNo: outTradeNoOf(session) });
      expect(deliveries.at(-1)).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await state(prepared, session.id)).orders).toHaveLength(1);
    });

    it('answers a payment before applying it; an accepted payment whose process died is applied by the resume job', async () => {
      const { prepared, session } = await paidSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      const dropped = paid.deliveries[0]!;
      const rawState = async () => ({
        orders: (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows,
        claims: (await db.raw('select state, outcome, attempts from alipay_notification_claim')).rows,
      });

      // What a process that died right after answering Alipay leaves: an accepted claim with its event,
      // which nobody refreshes any more (made with the plugin's own service, as the notify route does).
      const settings =
        getContainer().resolve<import('../../src/modules/alipay/service').default>(ALIPAY_MODULE);
      const claim = await settings.claimNotification({
        tradeNo: String(paid.trade.tradeNo),
        claimKey: 'TRADE_SUCCESS',
        outTradeNo: outTradeNoOf(session),
        sessionId: session.id,
        source: 'notify',
      });
      if (!claim.claimed) throw new Error('the claim was taken');
      await settings.acceptClaim(claim.claimId, {
        providerId: 'pp_alipay_alipay',
        scope: shop.salesChannels[0]!.id,
        outTradeNo: outTradeNoOf(session),
        tradeNo: String(paid.trade.tradeNo),
        status: 'paid',
        alipayStatus: 'TRADE_SUCCESS',
        amountFen: 3500,
      });

      // Alipay's retry while the claim is still fresh: acknowledged (it is accepted), nothing applied twice.
      const retry = await postNotification(dropped.body, dropped.contentType);
      expect([retry.status, retry.data]).toEqual([200, 'success']);
      expect(await rawState()).toEqual({
        orders: [],
        claims: [{ state: 'processing', outcome: 'accepted', attempts: 0 }],
      });
      // A fresh claim belongs to a live process: the job leaves it alone.
      expect(await resumeAcceptedPayments(getContainer() as MedusaContainer)).toBe(0);

      // Its holder stopped refreshing it longer than the lease ago: the job applies the stored event.
      await db.raw(`update alipay_notification_claim set claimed_at = now() - interval '1 minute'`);
      // The app's own `alipay-resume-payments` job (every 10 s) may get there first: either applies it once.
      expect(await resumeAcceptedPayments(getContainer() as MedusaContainer)).toBeLessThanOrEqual(1);
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      expect(after.payments[0].captured_at).not.toBeNull();
      expect((await rawState()).claims).toEqual([
        { state: 'processed', outcome: 'order_created', attempts: 0 },
      ]);
      expect(await resumeAcceptedPayments(getContainer() as MedusaContainer)).toBe(0);

      // A genuine delivery now is a plain duplicate.
      const late = await postNotification(dropped.body, dropped.contentType);
      expect([late.status, late.data]).toEqual([200, 'success']);
      expect((await state(prepared, session.id)).orders).toHaveLength(1);
    });

    it('a process that died between adding the payment and completing the cart: the next notification completes it', async () => {
      const { prepared, session } = await paidSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      // What Medusa's payment workflow commits before it completes the cart: the session authorized, its
      // payment made (the provider finds the trade paid: captured). Then the process died.
      const payments = getContainer().resolve<IPaymentModuleService>(Modules.PAYMENT);
      await payments.authorizePaymentSession(session.id, {});
      const before = await state(prepared, session.id);
      expect([before.orders, before.payments.length]).toEqual([[], 1]);

      // Alipay's retry finds the payment settled: the core ignores it, and the paid cart is completed.
      const retry = await postNotification(paid.deliveries[0]!.body, paid.deliveries[0]!.contentType);
      expect([retry.status, retry.data]).toEqual([200, 'success']);
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
    });

    it('answers fail to forged notifications and changes nothing', async () => {
      const { prepared, session } = await paidSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      const genuine = paid.deliveries[0]!;

      // 1. The amount changed in transit: the MD5 signature no longer matches.
      const tampered = genuine.body.replace('total_fee=35.00', 'total_fee=0.01');
      const badSignature = await postNotification(tampered, genuine.contentType);
      expect([badSignature.status, badSignature.data]).toEqual([200, 'fail']);

      // 2. Signed with the right key but invented: Alipay's notify_verify does not know the notify_id.
      const invented: Record<string, string> = {
        ...genuine.params,
        notify_id: 'forged0000000000000000000000000000',
      };
      delete invented.sign;
      delete invented.sign_type;
      invented.sign = md5Sign(invented, sandbox.merchants[0]!.key);
      invented.sign_type = 'MD5';
      const notVerified = await postNotification(
        new URLSearchParams(invented).toString(),
        genuine.contentType,
      );
      expect([notVerified.status, notVerified.data]).toEqual([200, 'fail']);

      const after = await state(prepared, session.id);
      expect(after.orders).toEqual([]);
      expect(after.payments).toEqual([]);
      expect(after.session.status).toBe('pending');
      expect((await db.raw('select count(*)::int as n from alipay_trade')).rows[0].n).toBe(0);
      const rejections = await db.raw(
        `select details->>'reason' as reason from alipay_event where kind = 'rejection' order by created_at`,
      );
      expect(rejections.rows.map(row => row.reason)).toEqual(['bad_signature', 'notify_id_invalid']);
    });

    it('acknowledges a genuine notification with the wrong amount without creating anything', async () => {
      const { prepared, session } = await paidSession();
      // The cart changed after the cashier page was opened: Medusa now expects 30.00, Alipay charged 35.00.
      await db.raw(
        `update payment_session set amount = 30, raw_amount = '{"value":"30","precision":20}' where id = ?`,
        [session.id],
      );
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      // Retrying cannot fix an amount: acknowledged, logged, surfaced — and nothing changes.
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      const after = await state(prepared, session.id);
      expect(after.orders).toEqual([]);
      expect(after.payments).toEqual([]);
      const attention = await ok(api, 'get', '/admin/alipay/events?attention=true', admin);
      expect(attention.events).toEqual([
        expect.objectContaining({
          kind: 'rejection',
          level: 'error',
          details: expect.objectContaining({ reason: 'wrong_amount' }),
        }),
      ]);
    });

    it('acknowledges a genuine notification for a session in another currency, and creates nothing', async () => {
      const { prepared, session } = await paidSession();
      // A session Alipay cannot be paying for (its currency changed after the cashier page was opened).
      await db.raw(`update payment_session set currency_code = 'eur' where id = ?`, [session.id]);
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      // The core's currency expectation rejects it; retrying cannot help: acknowledged and surfaced.
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      const after = await state(prepared, session.id);
      expect(after.orders).toEqual([]);
      expect(after.payments).toEqual([]);
      const attention = await ok(api, 'get', '/admin/alipay/events?attention=true', admin);
      expect(attention.events).toEqual([
        expect.objectContaining({
          kind: 'rejection',
          level: 'error',
          session_id: session.id,
          details: expect.objectContaining({ reason: 'wrong_currency' }),
        }),
      ]);
      expect(attention.events[0].message).toContain('EUR');
    });

    it('acknowledges a body that is not a form without touching anything', async () => {
      const malformed = await postNotification('trade_status=%ZZ&out_trade_no=x');
      expect([malformed.status, malformed.data]).toEqual([200, 'success']);
      expect((await db.raw('select count(*)::int as n from alipay_event')).rows[0].n).toBe(0);
    });

    it('handles a GBK merchant: GBK request, GBK notification, order created', async () => {
      await ok(api, 'post', '/admin/alipay/settings', admin, { charset: 'gbk' });
      const { prepared, session } = await paidSession();
      expect(new URL(session.data.redirect_url).searchParams.get('_input_charset')).toBe('gbk');
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      expect(paid.deliveries[0]!.contentType.toLowerCase()).toContain('charset=gbk');
      // The Chinese subject travelled as GBK bytes (订 = %B6%A9).
      expect(paid.deliveries[0]!.body).toContain('%B6%A9');
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await state(prepared, session.id)).orders).toHaveLength(1);
    });

    it('pays a marketplace seller per sales channel, taken from the cart and checked on notification', async () => {
      await ok(api, 'post', '/admin/alipay/settings', admin, {
        salesChannelId: shop.salesChannels[1]!.id,
        sellerEmail: C2C_SELLER.email,
      });
      // The shopper of channel 2 claims channel 1 (the platform's own seller): ignored.
      const { prepared, session } = await paidSession({
        channel: 1,
        data: { sales_channel_id: shop.salesChannels[0]!.id },
      });
      expect(session.data.sales_channel_id).toBe(shop.salesChannels[1]!.id);
      expect(new URL(session.data.redirect_url).searchParams.get('seller_email')).toBe(C2C_SELLER.email);

      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      expect(paid.deliveries[0]!.params.seller_email).toBe(C2C_SELLER.email);
      expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
      expect((await state(prepared, session.id)).orders).toHaveLength(1);
      expect((await db.raw('select scope from alipay_trade')).rows).toEqual([
        { scope: shop.salesChannels[1]!.id },
      ]);
    });

    it('recovers a dropped notification with the reconciliation job', async () => {
      const { prepared, session } = await paidSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      expect(paid.deliveries.map(delivery => delivery.outcome)).toEqual(['dropped']);
      expect((await state(prepared, session.id)).orders).toEqual([]);

      // The job's run (minimum age 0 instead of 2 minutes, so it does not wait).
      const report = await reconcileAlipayPayments(getContainer() as MedusaContainer, { minAgeMs: 0 });
      expect(report).toMatchObject({ applied: 1, failed: 0 });
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments[0].captured_at).not.toBeNull();
      expect((await db.raw(`select source from alipay_notification_claim`)).rows).toEqual([
        { source: 'query' },
      ]);

      // Alipay's retry arrives later: acknowledged as a duplicate, still one order.
      await control.advanceClock(5 * 60_000);
      expect((await control.deliveries({ outTradeNo: outTradeNoOf(session) })).at(-1)).toMatchObject({
        answer: 'success',
      });
      expect((await state(prepared, session.id)).payments).toHaveLength(1);
    });

    it('a new payment attempt on a paid trade is refused: the paid session stays and completes the order', async () => {
      const { prepared, session } = await paidSession();
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      // The shopper starts over before the news arrived: Medusa would delete the paid session (and a second
      // payment could race the first). The plugin refuses to let it go.
      const attempt = await tryAlipaySession(api, prepared);
      expect(attempt.status).toBeGreaterThanOrEqual(400);
      // (Medusa answers its own "Could not delete all payment sessions"; the plugin logs why.)
      const sessions = (
        await db.raw(
          'select id from payment_session where payment_collection_id = ? and deleted_at is null',
          [prepared.paymentCollectionId],
        )
      ).rows;
      expect(sessions).toEqual([{ id: session.id }]);

      // Alipay's retry completes the order with the one payment.
      await control.advanceClock(5 * 60_000);
      const after = await state(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      const payments = await db.raw(
        'select id from payment where payment_collection_id = ? and deleted_at is null',
        [prepared.paymentCollectionId],
      );
      expect(payments.rows).toHaveLength(1);
      const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
      expect(
        events.filter((e: { out_trade_no: string }) => e.out_trade_no === outTradeNoOf(session)),
      ).toEqual([]);
    });

    it('surfaces an orphan payment: a trade paid after its session was replaced', async () => {
      const { prepared, session } = await paidSession();
      // The shopper starts over while Alipay is down: Medusa deletes the first session, whose trade could
      // not be closed; the buyer then pays its cashier page after all.
      const second = await replaceSessionWhileAlipayDown(api, control, prepared, session);
      expect(second.id).not.toBe(session.id);
      await control.addFault({
        scope: { outTradeNo: outTradeNoOf(session) },
        fault: 'drop-notify',
        count: 1,
      });
      await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });

      await control.advanceClock(5 * 60_000);
      expect((await control.deliveries({ outTradeNo: outTradeNoOf(session) })).at(-1)).toMatchObject({
        answer: 'success',
      });
      expect((await state(prepared, session.id)).orders).toEqual([]);
      const attention = await ok(api, 'get', '/admin/alipay/events?attention=true', admin);
      const orphan = attention.events.find((event: { kind: string }) => event.kind === 'orphan');
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
      const refunded = await ok(api, 'post', `/admin/alipay/orphans/${outTradeNoOf(session)}/refund`, admin);
      expect(refunded).toMatchObject({
        created: true,
        refund: {
          origin: 'orphan',
          amount_fen: 3500,
          amount: '35.00',
          request_no: expect.stringMatching(/^\d{8}/),
        },
      });
      await waitFor('the orphan refund result', async () => {
        const { events } = await ok(api, 'get', '/admin/alipay/events?kind=orphan', admin);
        return events[0]?.orphan_refund?.status === 'succeeded';
      });
      expect((await control.trade(outTradeNoOf(session), { partner: partner() })).refundedAmount).toBe(
        '35.00',
      );
      // Asked again: the existing refund, nothing sent. An unknown trade is not an orphan.
      const again = await ok(api, 'post', `/admin/alipay/orphans/${outTradeNoOf(session)}/refund`, admin);
      expect(again).toMatchObject({
        created: false,
        refund: { id: refunded.refund.id, status: 'succeeded' },
      });
      const unknown = await call(api, 'post', '/admin/alipay/orphans/payses_unknown/refund', admin);
      expect(unknown.status).toBe(404);
      expect((await db.raw('select count(*)::int as n from alipay_refund')).rows[0].n).toBe(1);

      // Marked as handled, it leaves the attention list.
      await ok(api, 'post', `/admin/alipay/events/${orphan.id}/resolve`, admin);
      const after = await ok(api, 'get', '/admin/alipay/events?attention=true', admin);
      expect(after.events.find((event: { id: string }) => event.id === orphan.id)).toBeUndefined();
    });

    it('behaves as the payment module expects: status, update, cancel (twice), retrieve, capture, delete', async () => {
      const container = getContainer() as MedusaContainer;
      // The provider as the payment module builds it, with what its container offers.
      const provider = new AlipayProviderService(
        {
          logger: container.resolve('logger'),
          configModule: container.resolve('configModule'),
          alipay: container.resolve('alipay'),
        },
        {
          backendUrl: app.backendUrl,
          storefrontReturnUrl: 'http://storefront.test/checkout/alipay',
        },
      );
      const started = await provider.initiatePayment({
        amount: 35,
        currency_code: 'cny',
        data: { session_id: 'payses_01CONTRACTTEST0000000000A' },
      });
      const data = started.data!;
      expect(data).toMatchObject({ session_id: 'payses_01CONTRACTTEST0000000000A' });
      expect(data.out_trade_no).toMatch(/^at[0-9a-f]{30}$/);
      // No trade until the buyer opens the cashier.
      await expect(provider.getPaymentStatus({ data })).resolves.toMatchObject({ status: 'pending' });
      await control.openRequest(String(data.redirect_url));
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
      expect((await control.trade(String(data.out_trade_no), { partner: partner() })).status).toBe(
        'TRADE_CLOSED',
      );

      // A paid trade: captured at authorization, capture is a no-op, closing is refused with Alipay's code.
      const { session } = await paidSession();
      await control.addFault({ scope: { outTradeNo: outTradeNoOf(session) }, fault: 'drop-notify' });
      await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
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
      await control.clearFaults();
      const tradeNo = String(authorized.data!.trade_no);
      const refundRows = async () =>
        (
          await db.raw(
            `select status, request_no, in_flight_key, generation from alipay_refund where out_trade_no = ? order by created_at`,
            [outTradeNoOf(session)],
          )
        ).rows;
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).resolves.toEqual({
        data: authorized.data,
      });
      await provider.refundPayment({ data: authorized.data, amount: 5 });
      const [first, second] = await refundRows();
      expect(first).toMatchObject({ generation: 'legacy', in_flight_key: null });
      expect(first.request_no).toMatch(/^\d{8}/);
      expect(second.request_no).not.toBe(first.request_no);
      await waitFor(
        'both refunds at Alipay',
        async () => (await control.trade(tradeNo)).refundedAmount === '10.00',
      );
      await waitFor('both batch results', async () =>
        (await refundRows()).every((row: { status: string }) => row.status === 'succeeded'),
      );

      // The answer is lost (HTTP 500): the money may have moved, so no error — the refund stays uncertain
      // and holds the payment's refund lock; a second refund is refused before anything is sent.
      await control.addFault({ scope: { partner: partner() }, fault: 'gateway-500' });
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).resolves.toBeTruthy();
      expect((await refundRows())[2]).toMatchObject({
        status: 'uncertain',
        in_flight_key: outTradeNoOf(session),
      });
      await expect(provider.refundPayment({ data: authorized.data, amount: 5 })).rejects.toThrow(
        /another refund of this payment is in progress.*另一笔退款/s,
      );
      await control.clearFaults();
      expect(await refundRows()).toHaveLength(3);
      expect((await control.trade(tradeNo)).refundedAmount).toBe('10.00');
    });

    it('refunds partially then fully through the admin, and Alipay reports both', async () => {
      const { prepared, session } = await paidSession();
      const paid = await control.pay({ outTradeNo: outTradeNoOf(session), partner: partner() });
      const [payment] = (await state(prepared, session.id)).payments;

      await ok(api, 'post', `/admin/payments/${payment.id}/refund`, admin, { amount: 10 });
      await ok(api, 'post', `/admin/payments/${payment.id}/refund`, admin, { amount: 25 });

      // The refund ledger: each refund with its own batch number and the Medusa refund it belongs to.
      const ledger = async () =>
        (
          await db.raw(
            `select amount, origin, status, request_no, medusa_refund_id from alipay_refund
             where out_trade_no = ? order by created_at`,
            [outTradeNoOf(session)],
          )
        ).rows;
      const rows = await ledger();
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
      expect(rows[0].request_no).not.toBe(rows[1].request_no);
      const medusaRefunds = await db.raw(
        'select amount from refund where payment_id = ? order by created_at',
        [payment.id],
      );
      expect(medusaRefunds.rows.map(row => Number(row.amount))).toEqual([10, 25]);

      // Legacy no-password refunds report through batch_refund_notify, one per batch.
      await waitFor('both refund results', async () => {
        const rows = (
          await db.raw(
            `select message from alipay_event where kind = 'refund' and message like 'Refund batch%'`,
          )
        ).rows;
        return rows.length === 2 ? rows : null;
      });
      const trade = await control.trade(String(paid.trade.tradeNo));
      expect(trade.refundedAmount).toBe('35.00');
      expect(trade.status).toBe('TRADE_CLOSED');
      // Settled by Alipay's results (and the TRADE_CLOSED that follows changes nothing more).
      await waitFor('the refunds settled', async () =>
        (await ledger()).every((row: { status: string }) => row.status === 'succeeded'),
      );
      expect(
        (await db.raw('select canceled_at from payment where id = ?', [payment.id])).rows[0].canceled_at,
      ).toBeNull();
    });
  },
});
