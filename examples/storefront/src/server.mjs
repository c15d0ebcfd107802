// @ts-check
/**
 * The storefront: server-rendered pages over a {@link import('./shop-client.mjs').ShopClient}. It holds one
 * shop session per browser (a cookie with a random id) and never sees an Alipay key: payments start in the
 * shop's Alipay plugin, which answers with a redirect, a form or a QR code.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import QRCode from 'qrcode';
import { cartPage, escapeHtml, layout, orderPage, productList, qrPage } from './pages.mjs';

/** @type {import('./shop-client.mjs').Customer} */
export const TEST_CUSTOMER = {
  email: 'buyer@example.com',
  fullName: '张三 Zhang San',
  phone: '13800138000',
  streetLine: '西湖区文三路 90 号',
  city: '杭州 Hangzhou',
  province: '浙江 Zhejiang',
  postalCode: '310012',
};

const MOBILE = /Mobi|Android|iPhone|iPod|iPad|HarmonyOS|AlipayClient/i;

/**
 * How long after the buyer first looks at an unpaid order the storefront starts asking the shop to
 * query Alipay. Alipay's notification normally arrives within a second of the payment and is what
 * pays the order; the query is the fallback for a late or lost one. Querying at once on every
 * refresh would only load the gateway (and hide a broken notify URL during development).
 */
export const DEFAULT_SYNC_AFTER_MS = 5000;

/**
 * One browser's state: its shop session, and what the storefront itself remembers for it.
 * @typedef {{ shop: import('./shop-client.mjs').SessionState,
 *   qrCodes: Map<string, { qrCode: string, expiresAt: string }>,
 *   firstSeenUnpaid: Map<string, number>, lastOrderCode?: string, currency: string }} Buyer
 *   `currency`: what the buyer shops in (the shop's first currency until they choose another).
 */

/**
 * @param {{ shop: import('./shop-client.mjs').ShopClient, publicUrl: string, log?: (line: string) => void,
 *   syncAfterMs?: number }} options
 */
export function createStorefront(options) {
  const { shop } = options;
  const log = options.log ?? (line => console.log(`[storefront] ${line}`));
  const syncAfterMs = options.syncAfterMs ?? DEFAULT_SYNC_AFTER_MS;
  /** @type {Map<string, Buyer>} */
  const sessions = new Map();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  /** @param {import('express').Request} req @param {import('express').Response} res */
  async function buyerOf(req, res) {
    const sid = /(?:^|;\s*)sid=([a-f0-9]{32})/.exec(req.headers.cookie ?? '')?.[1];
    const existing = sid ? sessions.get(sid) : undefined;
    if (existing) return existing;
    const id = randomBytes(16).toString('hex');
    /** @type {Buyer} */
    const buyer = {
      shop: await shop.createSession(),
      qrCodes: new Map(),
      firstSeenUnpaid: new Map(),
      currency: shop.currencies[0] ?? 'CNY',
    };
    sessions.set(id, buyer);
    res.setHeader('set-cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return buyer;
  }

  /**
   * The order as the shop sees it; asks for a sync with Alipay once the order has been unpaid for
   * `syncAfterMs` in this browser (see {@link DEFAULT_SYNC_AFTER_MS}).
   * @param {Buyer} buyer @param {string} code
   */
  async function orderFor(buyer, code) {
    const firstSeen = buyer.firstSeenUnpaid.get(code) ?? Date.now();
    const syncWithAlipay = Date.now() - firstSeen >= syncAfterMs;
    const order = await shop.getOrder(buyer.shop, code, { syncWithAlipay });
    if (order && !order.paid) buyer.firstSeenUnpaid.set(code, firstSeen);
    else buyer.firstSeenUnpaid.delete(code);
    return order;
  }

  /** @param {(req: import('express').Request, res: import('express').Response) => Promise<void>} handler */
  const route =
    handler =>
    async (/** @type {import('express').Request} */ req, /** @type {import('express').Response} */ res) => {
      try {
        await handler(req, res);
      } catch (error) {
        log(`${req.method} ${req.path} failed: ${/** @type {Error} */ (error).message}`);
        res.status(502).send(
          layout({
            title: 'Error',
            shopName: shop.name,
            body: `<p class="error" data-testid="error">${escapeHtml(/** @type {Error} */ (error).message)}</p>`,
          }),
        );
      }
    };

  const page = (
    /** @type {string} */ title,
    /** @type {string} */ body,
    refreshSeconds = 0,
    /** @type {Buyer | undefined} */ buyer = undefined,
  ) =>
    layout({
      title,
      body,
      shopName: shop.name,
      refreshSeconds,
      currencies: shop.currencies,
      ...(buyer ? { currency: buyer.currency } : {}),
    });

  app.get(
    '/',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      res.send(
        page('商品 Products', productList(await shop.listProducts(buyer.shop), buyer.currency), 0, buyer),
      );
    }),
  );

  // The buyer shops in another currency: CNY pays through the mainland Alipay contract, USD through Antom.
  app.get(
    '/currency/:code',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      const code = String(req.params.code).toUpperCase();
      if (!shop.currencies.includes(code)) return void res.redirect(303, '/');
      await shop.setCurrency(buyer.shop, code);
      buyer.currency = code;
      res.redirect(303, '/');
    }),
  );

  app.post(
    '/cart/add',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      await shop.addToCart(buyer.shop, String(req.body.variantId), 1);
      res.redirect(303, '/cart');
    }),
  );

  app.get(
    '/cart',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      const cart = await shop.getCart(buyer.shop);
      const methods = cart?.lines.length ? await shop.listPaymentMethods(buyer.shop) : [];
      res.send(page('购物车 Cart', cartPage(cart, TEST_CUSTOMER, methods), 0, buyer));
    }),
  );

  app.post(
    '/checkout',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      const customer = {
        ...TEST_CUSTOMER,
        ...Object.fromEntries(
          Object.keys(TEST_CUSTOMER)
            .map(k => [k, String(req.body[k] ?? '')])
            .filter(([, v]) => v),
        ),
      };
      const device = MOBILE.test(req.get('user-agent') ?? '') ? 'mobile' : 'desktop';
      const chosen = String(req.body.paymentMethod ?? '');
      const paymentMethodCode = chosen || (await shop.listPaymentMethods(buyer.shop))[0]?.code || '';
      const { orderCode, start } = await shop.checkout(buyer.shop, {
        customer,
        device,
        orderUrl: code => `${options.publicUrl}/order/${encodeURIComponent(code)}`,
        paymentMethodCode,
      });
      log(`order ${orderCode}: ${paymentMethodCode} answered ${start.kind} for a ${device} buyer`);
      // Where /order/return sends this browser back to: the return from Alipay names no order.
      buyer.lastOrderCode = orderCode;
      if (start.kind === 'redirect') return void res.redirect(303, start.url);
      if (start.kind === 'form') return void res.send(start.html);
      if (start.kind === 'error') {
        return void res
          .status(409)
          .send(
            page(
              '支付失败 Payment failed',
              `<p class="error" data-testid="error">${escapeHtml(start.message)}</p>`,
            ),
          );
      }
      // A GET page of its own, so that its refresh polls the order instead of re-posting the checkout.
      buyer.qrCodes.set(orderCode, { qrCode: start.qrCode, expiresAt: start.expiresAt });
      res.redirect(303, `/order/${encodeURIComponent(orderCode)}/qr`);
    }),
  );

  // Both shops' Alipay plugins send the buyer back here (Vendure's `storefrontReturnUrl`, Medusa's
  // `storefrontReturnUrl`): `${STOREFRONT_URL}/order/return?status=…`. The redirect names no order, cart
  // or trade, signed or not — whoever paid follows it, a "pay for me" payer too — so the order is this
  // browser's own: the one it last checked out, found through its session cookie (HttpOnly). A browser
  // without one gets a page that shows no order. The status is not trusted: the order page shows what
  // the shop knows.
  app.get(
    '/order/return',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      if (buyer.lastOrderCode)
        return void res.redirect(303, `/order/${encodeURIComponent(buyer.lastOrderCode)}`);
      const paid = req.query['status'] === 'paid' || req.query['status'] === 'authorized';
      res.send(
        page(
          '支付宝 Alipay',
          `<p data-testid="payment-received">${paid ? '已收到付款，谢谢！Payment received, thank you.' : '已从支付宝返回。Back from Alipay.'}</p>
<p class="muted">订单只在下单的浏览器中显示。The order shows only in the browser that placed it.</p>`,
        ),
      );
    }),
  );

  app.get(
    '/order/:code/qr',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      const code = String(req.params.code);
      const qr = buyer.qrCodes.get(code);
      const order = await orderFor(buyer, code);
      if (!order || order.paid || !qr) return void res.redirect(303, `/order/${encodeURIComponent(code)}`);
      const qrSvg = await QRCode.toString(qr.qrCode, { type: 'svg', margin: 1 });
      res.send(page('扫码支付 Scan to pay', qrPage({ orderCode: code, qrSvg, ...qr }), 3));
    }),
  );

  app.get(
    '/order/:code',
    route(async (req, res) => {
      const buyer = await buyerOf(req, res);
      const order = await orderFor(buyer, String(req.params.code));
      if (!order)
        return void res
          .status(404)
          .send(page('订单 Order', '<p data-testid="error">订单不存在 No such order.</p>'));
      if (req.query['format'] === 'json') return void res.json(order);
      res.send(page(`订单 Order ${order.code}`, orderPage(order), order.paid ? 0 : 2));
    }),
  );

  return { app, sessions };
}
