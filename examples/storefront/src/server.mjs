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
 * @param {{ shop: import('./shop-client.mjs').ShopClient, publicUrl: string, log?: (line: string) => void }} options
 */
export function createStorefront(options) {
  const { shop } = options;
  const log = options.log ?? (line => console.log(`[storefront] ${line}`));
  /** @type {Map<string, import('./shop-client.mjs').SessionState>} */
  const sessions = new Map();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  /** @param {import('express').Request} req @param {import('express').Response} res */
  async function sessionOf(req, res) {
    const sid = /(?:^|;\s*)sid=([a-f0-9]{32})/.exec(req.headers.cookie ?? '')?.[1];
    const existing = sid ? sessions.get(sid) : undefined;
    if (existing) return existing;
    const id = randomBytes(16).toString('hex');
    const state = await shop.createSession();
    sessions.set(id, state);
    res.setHeader('set-cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return state;
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

  const page = (/** @type {string} */ title, /** @type {string} */ body, refreshSeconds = 0) =>
    layout({ title, body, shopName: shop.name, refreshSeconds });

  app.get(
    '/',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      res.send(page('商品 Products', productList(await shop.listProducts(session))));
    }),
  );

  app.post(
    '/cart/add',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      await shop.addToCart(session, String(req.body.variantId), 1);
      res.redirect(303, '/cart');
    }),
  );

  app.get(
    '/cart',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      res.send(page('购物车 Cart', cartPage(await shop.getCart(session), TEST_CUSTOMER)));
    }),
  );

  app.post(
    '/checkout',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const customer = {
        ...TEST_CUSTOMER,
        ...Object.fromEntries(
          Object.keys(TEST_CUSTOMER)
            .map(k => [k, String(req.body[k] ?? '')])
            .filter(([, v]) => v),
        ),
      };
      const device = MOBILE.test(req.get('user-agent') ?? '') ? 'mobile' : 'desktop';
      const { orderCode, start } = await shop.checkout(
        session,
        customer,
        device,
        code => `${options.publicUrl}/order/${encodeURIComponent(code)}`,
      );
      log(`order ${orderCode}: Alipay answered ${start.kind} for a ${device} buyer`);
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
      const qrSvg = await QRCode.toString(start.qrCode, { type: 'svg', margin: 1 });
      res.send(
        page(
          '扫码支付 Scan to pay',
          qrPage({ orderCode, qrSvg, qrCode: start.qrCode, expiresAt: start.expiresAt }),
          3,
        ),
      );
    }),
  );

  app.get(
    '/order/:code',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const order = await shop.getOrder(session, String(req.params.code));
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
