/**
 * Antom (Alipay's cross-border acquiring) in a Medusa shop that sells in CNY and in USD: the mainland
 * contract is the global settings of `pp_alipay_alipay` (the CNY region), the Antom contract the settings
 * of its own of `pp_alipay_antom` (provider option `settingsScope: 'antom'`, the USD region). A USD cart
 * is paid at the sandbox's Antom cashier: its verified JSON notification, signed in headers over the
 * public notify URL, captures the payment in cents and is acknowledged with Antom's exact JSON and HTTP
 * 200; duplicates change nothing, a tampered one is refused; refunds, the domestic provider's currency
 * rule, and reconciliation of a payment whose notification never arrived, as for the domestic generations.
 *
 * This app registers the second provider (`ALIPAY_TEST_ANTOM_PROVIDER`).
 */
import { ANTOM_NOTIFICATION_ACK } from '@alipay-commerce/core/primitives';
import { eventually } from '@alipay-commerce/sandbox/testing';
import { alipaySpec } from '../utils/alipay-spec';
import { call, ok } from '../utils/http';
import { outTradeNoOf, type PreparedCart, type StoreSession } from '../utils/shop';

const ANTOM_PROVIDER = 'pp_alipay_antom';
const ANTOM_NOTIFY_PATH = `/hooks/alipay/notify/${ANTOM_PROVIDER}`;

await alipaySpec(
  {
    settingsSecret: 'e5'.repeat(32),
    env: { ALIPAY_TEST_ANTOM_PROVIDER: 'true' },
    settings: t => t.openApiSettings(),
  },
  t => {
    /** The sandbox's first Antom client, as the merchant enters it under Settings → Alipay. */
    function antomSettings(extra: Record<string, unknown> = {}) {
      const client = t.sandbox.antomClients[0]!;
      return {
        configuration: 'antom',
        interfaceType: 'antom',
        antomClientId: client.clientId,
        antomPrivateKey: client.privateKey,
        antomPublicKey: client.antomPublicKey,
        antomRegion: new URL(t.sandbox.antomGateway).origin,
        antomKeyVersion: client.keyVersion,
        antomPaymentMethods: 'ALIPAY_CN',
        ...extra,
      };
    }

    /** A USD region listing the Antom provider, and a digital product (no shipping) at 25.99 USD. */
    async function usdShop() {
      await t.saveSettings(antomSettings());
      const { region } = await ok(t.api, 'post', '/admin/regions', t.admin, {
        name: 'United States',
        currency_code: 'usd',
        countries: ['us'],
        payment_providers: [ANTOM_PROVIDER, 'pp_alipay_alipay'],
      });
      const { product } = await ok(t.api, 'post', '/admin/products', t.admin, {
        title: 'Tea e-book 茶经',
        status: 'published',
        options: [{ title: 'Format', values: ['PDF'] }],
        variants: [
          {
            title: 'PDF',
            options: { Format: 'PDF' },
            manage_inventory: false,
            prices: [{ currency_code: 'usd', amount: 25.99 }],
          },
        ],
        sales_channels: [{ id: t.shop.salesChannels[0]!.id }],
      });
      return { regionId: region.id as string, variantId: product.variants[0].id as string };
    }

    /** A USD cart of one e-book and its payment collection. */
    async function usdCart(shop: { regionId: string; variantId: string }): Promise<PreparedCart> {
      const store = { 'x-publishable-api-key': t.shop.salesChannels[0]!.publishableKey };
      const { cart } = await ok(t.api, 'post', '/store/carts', store, {
        region_id: shop.regionId,
        sales_channel_id: t.shop.salesChannels[0]!.id,
        email: 'buyer@example.com',
        items: [{ variant_id: shop.variantId, quantity: 1 }],
      });
      expect(cart.currency_code).toBe('usd');
      const { payment_collection } = await ok(t.api, 'post', '/store/payment-collections', store, {
        cart_id: cart.id,
      });
      return { cartId: cart.id, paymentCollectionId: payment_collection.id, store };
    }

    /** The storefront starts a payment session with `provider`; the raw answer. */
    function trySession(prepared: PreparedCart, provider: string) {
      return call(
        t.api,
        'post',
        `/store/payment-collections/${prepared.paymentCollectionId}/payment-sessions`,
        prepared.store,
        { provider_id: provider, data: {} },
      );
    }

    /** A USD checkout up to Antom's cashier. */
    async function antomCheckout() {
      const shop = await usdShop();
      const prepared = await usdCart(shop);
      const answer = await trySession(prepared, ANTOM_PROVIDER);
      expect(answer.status, JSON.stringify(answer.data)).toBe(200);
      const session: StoreSession = answer.data.payment_collection.payment_sessions.find(
        (candidate: { provider_id: string }) => candidate.provider_id === ANTOM_PROVIDER,
      );
      return { shop, prepared, session, outTradeNo: outTradeNoOf(session) };
    }

    /** Antom's notification attempts about a payment request. */
    async function antomDeliveries(outTradeNo: string) {
      return (await t.control.deliveries()).filter(
        delivery =>
          delivery.generation === 'antom' &&
          delivery.outTradeNos.includes(outTradeNo) &&
          delivery.kind === 'PAYMENT_RESULT',
      );
    }

    /** Posts a notification as Antom does (JSON, signed headers) to the Antom provider's notify route. */
    function postAntom(body: string, headers: Record<string, string>) {
      return t.api.post(ANTOM_NOTIFY_PATH, body, {
        headers: { ...headers, 'content-type': 'application/json; charset=UTF-8' },
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
      });
    }

    /** What the shop recorded: orders of the cart, payments of the session, the plugin's trade. */
    async function recorded(prepared: PreparedCart, sessionId: string, outTradeNo: string) {
      const rows = await t.checkoutRows(prepared, sessionId);
      const trade = (
        await t.db.raw('select alipay_status, total_amount from alipay_trade where out_trade_no = ?', [
          outTradeNo,
        ])
      ).rows;
      return { ...rows, trade };
    }

    it('settings of interface type antom: a bad key is named and never echoed; the secret is stored masked', async () => {
      const badKey = `-----BEGIN PRIVATE KEY-----\nnot-a-key-${'x'.repeat(40)}\n-----END PRIVATE KEY-----`;
      const checked = await ok(
        t.api,
        'post',
        '/admin/alipay/settings/validate',
        t.admin,
        antomSettings({ antomPrivateKey: badKey, antomKeyVersion: 'x' }),
      );
      expect(checked.ok).toBe(false);
      expect(checked.issues.map((issue: { field: string }) => issue.field).sort()).toEqual([
        'antomKeyVersion',
        'antomPrivateKey',
      ]);
      expect(checked.issues[0].message.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(JSON.stringify(checked)).not.toContain('not-a-key');
      const refused = await call(
        t.api,
        'post',
        '/admin/alipay/settings',
        t.admin,
        antomSettings({ antomPrivateKey: badKey }),
      );
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.data)).not.toContain('not-a-key');

      await t.saveSettings(antomSettings());
      const privateKey = t.sandbox.antomClients[0]!.privateKey!;
      const view = await ok(t.api, 'get', '/admin/alipay/settings', t.admin);
      expect(JSON.stringify(view)).not.toContain(privateKey.slice(40, 80));
      const [antom] = view.configurations;
      expect(antom).toMatchObject({
        configuration: 'antom',
        interfaceType: 'antom',
        antomClientId: t.sandbox.antomClients[0]!.clientId,
        hasAntomPrivateKey: true,
      });
      // The domestic settings are untouched, and the stored key is encrypted at rest.
      expect(view.global.interfaceType).toBe('openapi-page-wap-qr');
      expect(view.salesChannels).toEqual([]);
      expect(view.providers.find((p: { id: string }) => p.id === ANTOM_PROVIDER)?.configuration).toBe(
        'antom',
      );
      const { rows } = await t.db.raw(
        `select antom_private_key_ciphertext from alipay_settings where scope = 'configuration:antom'`,
      );
      expect(rows[0].antom_private_key_ciphertext).not.toContain('PRIVATE KEY');
      const check = await ok(t.api, 'post', '/admin/alipay/settings/test-credentials', t.admin, {
        configuration: 'antom',
      });
      expect(check).toMatchObject({ ok: true, scope: 'configuration:antom' });
      // A configuration no provider has is refused.
      const unknown = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        configuration: 'nobody',
        interfaceType: 'antom',
      });
      expect(unknown.status).toBe(404);
    });

    it('a USD cart paid at the Antom cashier: verified JSON notification captures 25.99 USD, answered with the exact ACK and 200', async () => {
      const { prepared, session, outTradeNo } = await antomCheckout();
      expect(session.data).toMatchObject({
        currency: 'USD',
        amount: '25.99',
        interface: 'CASHIER_PAYMENT',
        interface_type: 'antom',
        kind: 'redirect',
      });
      expect(new URL(session.data.redirect_url).origin).toBe(new URL(t.sandbox.antomGateway).origin);
      const sandboxPayment = await t.control.antomPayment(outTradeNo);
      expect(sandboxPayment).toMatchObject({ currency: 'USD', value: '2599' });

      await t.control.antomPay({ paymentRequestId: outTradeNo });
      const orderId = await eventually(() => t.orderOf(prepared), { what: 'the order' });
      expect(orderId).toBeTruthy();
      const payment = await t.paymentOf(session.id);
      expect(Number(payment.amount)).toBe(25.99);
      expect(payment.captured_at).not.toBeNull();
      const [first] = await antomDeliveries(outTradeNo);
      expect(first).toMatchObject({ outcome: 'success', status: 200, answer: ANTOM_NOTIFICATION_ACK });
      expect(first!.url).toBe(`${t.app.backendUrl}${ANTOM_NOTIFY_PATH}`);
      const { trade } = await recorded(prepared, session.id, outTradeNo);
      expect(trade.map(row => row.total_amount)).toEqual(['25.99']);

      // The same notification again (Antom's retry): acknowledged, nothing changes.
      const before = await recorded(prepared, session.id, outTradeNo);
      const again = await postAntom(first!.body, first!.headers ?? {});
      expect([again.status, again.data, again.headers['content-type']]).toEqual([
        200,
        ANTOM_NOTIFICATION_ACK,
        expect.stringContaining('application/json'),
      ]);
      expect(await recorded(prepared, session.id, outTradeNo)).toEqual(before);

      // A tampered one (the amount lowered): refused with `fail` and not 200, nothing changes.
      const tampered = await postAntom(first!.body.replace('"2599"', '"1"'), first!.headers ?? {});
      expect(tampered.data).toBe('fail');
      expect(tampered.status).not.toBe(200);
      // Unsigned (no headers): refused too.
      const unsigned = await postAntom(first!.body, {});
      expect([unsigned.data, unsigned.status === 200]).toEqual(['fail', false]);
      expect(await recorded(prepared, session.id, outTradeNo)).toEqual(before);
    });

    it('refunds part, then the rest, in USD: Antom refunds exactly what Medusa records', async () => {
      const { prepared, session, outTradeNo } = await antomCheckout();
      await t.control.antomPay({ paymentRequestId: outTradeNo });
      await eventually(() => t.orderOf(prepared), { what: 'the order' });
      const payment = await t.paymentOf(session.id);

      await t.refund(payment.id, 10);
      expect((await t.control.antomPayment(outTradeNo)).refundedValue).toBe('1000');
      await t.refund(payment.id, 15.99);
      expect((await t.control.antomPayment(outTradeNo)).refundedValue).toBe('2599');
      expect(await t.medusaRefundedFen(payment.id)).toBe(2599);
      const rows = await t.refundRows(outTradeNo);
      expect(rows.map(row => [row.generation, row.status, row.amount])).toEqual([
        ['antom', 'succeeded', '10.00'],
        ['antom', 'succeeded', '15.99'],
      ]);
      // Nothing is left to refund.
      const over = await t.tryRefund(payment.id, 1);
      expect(over.status).toBeGreaterThanOrEqual(400);
      expect((await t.control.antomPayment(outTradeNo)).refundedValue).toBe('2599');
    });

    it('the mainland provider still refuses a USD cart, saying why; the CNY region still pays', async () => {
      const shop = await usdShop();
      const refused = await trySession(await usdCart(shop), 'pp_alipay_alipay');
      expect(refused.status).toBe(400);
      expect(refused.data.message).toContain('Alipay accepts payments in Chinese yuan (CNY) only');
      expect(refused.data.message).toContain('支付宝仅支持人民币（CNY）付款');
      const { prepared, session } = await t.startCheckout();
      await t.pay(session);
      expect(await eventually(() => t.orderOf(prepared), { what: 'the CNY order' })).toBeTruthy();
      expect(session.data).toMatchObject({ currency: 'CNY', interface_type: 'openapi-page-wap-qr' });
    });

    it('reconciliation settles a USD payment whose notifications were all lost, by inquiry', async () => {
      const { prepared, session, outTradeNo } = await antomCheckout();
      await t.control.addFault({ scope: { outTradeNo }, fault: 'drop-notify' });
      await t.control.antomPay({ paymentRequestId: outTradeNo });
      expect((await antomDeliveries(outTradeNo)).map(delivery => delivery.outcome)).toEqual(['dropped']);
      expect(await t.orderOf(prepared)).toBeUndefined();

      await t.reconcileNow();
      expect(await eventually(() => t.orderOf(prepared), { what: 'the order' })).toBeTruthy();
      const payment = await t.paymentOf(session.id);
      expect(Number(payment.amount)).toBe(25.99);
      expect(payment.captured_at).not.toBeNull();
    });

    it('a provider switched away from antom still reads its Antom trades’ late notifications, and refunds them through Antom', async () => {
      const { prepared, session, outTradeNo } = await antomCheckout();
      await t.control.addFault({ scope: { outTradeNo }, fault: 'drop-notify' });
      await t.control.antomPay({ paymentRequestId: outTradeNo });
      const [dropped] = await antomDeliveries(outTradeNo);
      expect(dropped?.outcome).toBe('dropped');
      // The merchant switches the Antom provider to the mainland contract; the form keeps the Antom fields.
      await t.saveSettings({ ...antomSettings(), ...t.openApiSettings() });
      // Antom's retry of the payment result: verified with the trade's Antom settings, acknowledged, captured.
      const late = await postAntom(dropped!.body, dropped!.headers ?? {});
      expect([late.status, late.data]).toEqual([200, ANTOM_NOTIFICATION_ACK]);
      expect(await eventually(() => t.orderOf(prepared), { what: 'the order' })).toBeTruthy();
      const payment = await t.paymentOf(session.id);
      expect(Number(payment.amount)).toBe(25.99);
      expect(payment.captured_at).not.toBeNull();
      // A refund of that trade still goes to Antom, in USD.
      await t.refund(payment.id, 5);
      expect((await t.control.antomPayment(outTradeNo)).refundedValue).toBe('500');
    });
  },
);
