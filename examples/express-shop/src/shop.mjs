// @ts-check
/**
 * A minimal Express shop that accepts Alipay through `@alipay-commerce/core`'s public facade and nothing
 * else: the whole integration a new platform needs. Orders live in memory; a real shop keeps them in its
 * database and runs the notification handling inside a transaction.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  answerNotifyRequest,
  createAlipay,
  fenToYuan,
  RequestBodyError,
  readRequestBody,
  resolveSettingsPolicy,
  settingsToConfig,
} from '@alipay-commerce/core';
import express from 'express';

/** @typedef {{ id: string, name: string, priceFen: number, goods: 'physical' | 'virtual', shippingFeeFen: number }} Product */
/**
 * A refund the merchant asked for. `status` is `requested` until Alipay answered: a refund whose answer was
 * lost is retried under the same ID (Alipay refunds an ID once), never under a new one. `failed`: Alipay
 * refused it.
 * @typedef {{ id: string, amountFen: number,
 *   status: 'requested' | 'succeeded' | 'pending' | 'requires_action' | 'failed',
 *   refundRequestNo?: string }} RefundRecord
 */
/** @typedef {{ id: string, productId: string, amountFen: number, outTradeNo: string, attempts: number,
 *   status: string, tradeNo?: string, refundedFen: number, refunds: RefundRecord[], history: string[] }} Order */

/** @type {Product[]} */
export const PRODUCTS = [
  {
    id: 'tea',
    name: '西湖龙井 Longjing tea (100 g)',
    priceFen: 12800,
    goods: 'physical',
    shippingFeeFen: 1000,
  },
  { id: 'ebook', name: '电子书 E-book: 支付宝集成指南', priceFen: 990, goods: 'virtual', shippingFeeFen: 0 },
  { id: 'scarf', name: '丝巾 Silk scarf', priceFen: 29900, goods: 'physical', shippingFeeFen: 0 },
];

/** @param {string} text */
const escapeHtml = text =>
  text.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** @param {string} title @param {string} body */
const page = (title, body) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}` +
  `.status{font-weight:bold}</style></head><body>${body}</body></html>`;

/** @param {string} text */
const sha256 = text => createHash('sha256').update(text).digest();

/**
 * Middleware of the merchant routes: `Authorization: Bearer <merchant token>`, compared in constant time.
 * A real shop puts these routes behind its admin login instead.
 * @param {string} merchantToken
 * @returns {import('express').RequestHandler}
 */
function requireMerchant(merchantToken) {
  const expected = sha256(merchantToken);
  return (req, res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (match && timingSafeEqual(sha256(/** @type {string} */ (match[1])), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .json({
        error: 'merchant token required / 需要商家令牌',
        hint: {
          en: 'Send the merchant token: Authorization: Bearer <MERCHANT_TOKEN>.',
          zh: '请携带商家令牌：Authorization: Bearer <MERCHANT_TOKEN>。',
        },
      });
  };
}

/**
 * Builds the shop.
 * @param {{ settings: import('@alipay-commerce/core').AlipaySettings, publicUrl: string,
 *   merchantToken: string, log?: (line: string) => void }} options `merchantToken` guards the merchant
 *   routes (ship, refund); at least 32 characters (src/server.mjs generates 64).
 */
export function createShop(options) {
  if (typeof options.merchantToken !== 'string' || options.merchantToken.length < 32) {
    // No merchant routes without a real token: a copied shop never runs them open.
    throw new Error(
      'merchantToken must be a secret of at least 32 characters / merchantToken 必须是至少 32 个字符的密钥',
    );
  }
  const merchantOnly = requireMerchant(options.merchantToken);
  // Where the gateway may point is the deployment's decision (ALIPAY_ALLOWED_GATEWAYS, and
  // ALIPAY_ALLOW_LOOPBACK_GATEWAY=true for the offline sandbox on this machine).
  const configResult = settingsToConfig(options.settings, resolveSettingsPolicy({}, process.env));
  if (!configResult.ok) {
    // Fail fast at startup, naming every bad field (never printing secrets).
    throw new Error(configResult.issues.map(i => `${i.field}: ${i.message.en}`).join('\n'));
  }
  const alipay = createAlipay(configResult.config, { http: { timeoutMs: 8000 } });
  const log = options.log ?? (line => console.log(line));
  /** @type {Map<string, Order>} */
  const orders = new Map();
  /** Applied (tradeNo, status) pairs: a duplicate notification is acknowledged and changes nothing. */
  const applied = new Set();
  let nextId = 1000;
  // The orders live in memory, so a restarted shop numbers them from 1000 again. Alipay refuses a merchant
  // order number it has already seen, so each run's numbers carry the time it started.
  const runStamp = Date.now().toString(36).toUpperCase();

  /** @param {string} outTradeNo */
  const orderOf = outTradeNo => [...orders.values()].find(o => o.outTradeNo === outTradeNo);

  /**
   * Applies a verified event to an order, idempotently. Returns what happened, for the log.
   * @param {Order} order @param {import('@alipay-commerce/core').TradeEvent} event
   */
  function applyTradeEvent(order, event) {
    const key = `${event.tradeNo}:${event.alipayStatus}:${event.refundRequestNo ?? ''}`;
    if (applied.has(key)) return 'duplicate';
    applied.add(key);
    if (event.refundRequestNo !== undefined || (event.refundedFen ?? 0) > 0) {
      // A trade's refunded total only grows, and notifications arrive in any order: a late one about an
      // earlier refund carries a smaller total, which must not undo a later refund's answer.
      order.refundedFen = Math.max(order.refundedFen, event.refundedFen ?? 0);
      order.history.push(`refund confirmed: ${fenToYuan(order.refundedFen, { allowZero: true })} CNY`);
      return 'refund';
    }
    const rank = [
      'waiting_payment',
      'paid_awaiting_shipment',
      'shipped_awaiting_receipt',
      'paid',
      'finished',
    ];
    // A late WAIT_BUYER_PAY after payment must not move the order backwards.
    if (event.status === 'closed' && order.status !== 'pending') return 'ignored (closed after payment)';
    if (rank.indexOf(event.status) < rank.indexOf(order.status)) return 'ignored (out of order)';
    order.status = event.status;
    order.tradeNo = event.tradeNo;
    order.history.push(`${event.source}: ${event.alipayStatus}`);
    return event.status;
  }

  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    const items = PRODUCTS.map(
      p =>
        `<li>${escapeHtml(p.name)} — ¥${fenToYuan(p.priceFen)}${p.shippingFeeFen ? ` + ¥${fenToYuan(p.shippingFeeFen)} shipping` : ''}` +
        ` <form method="post" action="/orders" style="display:inline"><input type="hidden" name="productId" value="${p.id}">` +
        `<button data-testid="buy-${p.id}">Pay with Alipay 支付宝付款</button></form></li>`,
    ).join('');
    res.send(page('Express shop', `<h1>Express shop</h1><ul>${items}</ul>`));
  });

  app.post('/orders', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const product = PRODUCTS.find(p => p.id === req.body?.productId);
    if (!product) return void res.status(404).send('unknown product');
    const id = String(nextId++);
    /** @type {Order} */
    const order = {
      id,
      productId: product.id,
      amountFen: product.priceFen + product.shippingFeeFen,
      outTradeNo: `EXP${runStamp}${id}-1`,
      attempts: 1,
      status: 'pending',
      refundedFen: 0,
      refunds: [],
      history: [],
    };
    orders.set(id, order);
    res.redirect(303, `/orders/${id}/pay`);
  });

  app.get('/orders/:id/pay', async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) return void res.status(404).send('no such order');
    const product = /** @type {Product} */ (PRODUCTS.find(p => p.id === order.productId));
    try {
      const start = await alipay.startPayment(
        {
          outTradeNo: order.outTradeNo,
          amountFen: order.amountFen,
          subject: product.name,
          goods: product.goods,
          shippingFeeFen: product.shippingFeeFen,
          notifyUrl: `${options.publicUrl}/alipay/notify`,
          returnUrl: `${options.publicUrl}/alipay/return`,
        },
        { userAgent: req.get('user-agent'), ip: req.ip },
      );
      log(
        `order ${order.id} trade ${order.outTradeNo}: ${start.kind} via ${JSON.stringify(start.interface)}`,
      );
      if (start.kind === 'redirect') return void res.redirect(303, start.url);
      if (start.kind === 'form') return void res.send(start.html);
      res.send(
        page(
          'Scan to pay',
          `<h1>扫码支付 Scan with Alipay</h1><p data-testid="qr-code">${escapeHtml(start.qrCode)}</p>` +
            `<p>Expires ${start.expiresAt.toISOString()}</p><p><a href="/orders/${order.id}">Order status</a></p>`,
        ),
      );
    } catch (error) {
      // Typed core errors carry a bilingual hint (e.g. "interface not in your contract / 合同列表").
      const hint = /** @type {{ hint?: { en: string, zh: string } }} */ (error).hint;
      log(`order ${order.id}: cannot start payment: ${/** @type {Error} */ (error).message}`);
      res
        .status(502)
        .send(
          page(
            'Payment unavailable',
            `<p>${escapeHtml(hint?.en ?? 'Alipay is unavailable.')}</p><p>${escapeHtml(hint?.zh ?? '')}</p>`,
          ),
        );
    }
  });

  // The notification: the RAW body bytes, whatever its charset — never Express' own form parser. The core's
  // readRequestBody counts them as they arrive (64 KiB, 10 s for the whole body); a body it refuses is
  // answered `fail` and its connection closed, so an endless body cannot keep the server reading.
  app.post('/alipay/notify', async (req, res) => {
    /** @type {Buffer} */
    let raw;
    try {
      raw = await readRequestBody(req);
    } catch (error) {
      const refused = error instanceof RequestBodyError ? error : undefined;
      log(`notify body refused (${refused?.type ?? /** @type {Error} */ (error).message})`);
      return void answerNotifyRequest(req, res, refused?.status ?? 400, 'fail');
    }
    try {
      // The request matters for Antom only: it signs its notifications in headers over the public notify path.
      const verdict = await alipay.handleNotification(raw, req.get('content-type'), undefined, {
        headers: req.headers,
        notifyUrl: `${options.publicUrl}/alipay/notify`,
      });
      if (!verdict.ok) {
        log(`notify rejected (${verdict.reason}) trade ${verdict.outTradeNo ?? '?'}: ${verdict.message}`);
        return void answerNotifyRequest(req, res, 200, verdict.reply);
      }
      const event = verdict.event;
      if (event.type === 'refund') {
        log(`refund batch ${event.batchNo}: ${event.successCount} succeeded`);
        return void answerNotifyRequest(req, res, 200, verdict.reply);
      }
      const order = orderOf(event.outTradeNo);
      if (!order) {
        log(`notify for unknown trade ${event.outTradeNo}: acknowledged, nothing to do`);
        return void answerNotifyRequest(req, res, 200, verdict.reply);
      }
      const mismatch = alipay.checkEvent(event, { outTradeNo: order.outTradeNo, amountFen: order.amountFen });
      if (mismatch) {
        log(`order ${order.id} trade ${event.tradeNo}: rejected (${mismatch.reason}) ${mismatch.message}`);
        return void answerNotifyRequest(req, res, 200, mismatch.reply);
      }
      log(`order ${order.id} trade ${event.tradeNo}: ${applyTradeEvent(order, event)}`);
      // `success`, or Antom's JSON acknowledgement for an Antom merchant (answered as application/json).
      answerNotifyRequest(req, res, 200, verdict.reply);
    } catch (error) {
      // Our own failure: ask Alipay to try again later.
      log(`notify failed: ${/** @type {Error} */ (error).message}`);
      answerNotifyRequest(req, res, 200, 'fail');
    }
  });

  // The return: display only. It never changes an order; the notification (or a query) does.
  app.get('/alipay/return', (req, res) => {
    const query = req.originalUrl.split('?')[1] ?? '';
    const verdict = alipay.handleReturn(query);
    const order =
      verdict.ok && verdict.event.type === 'trade' ? orderOf(verdict.event.outTradeNo) : undefined;
    res.redirect(303, order ? `/orders/${order.id}` : '/');
  });

  app.get('/orders/:id', async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) return void res.status(404).send('no such order');
    if (req.query.sync === '1' && order.status === 'pending') {
      // The buyer is back but no notification came yet: ask Alipay and apply the answer like a notification.
      const trade = await alipay.queryTrade({ outTradeNo: order.outTradeNo }).catch(() => null);
      if (trade && alipay.checkEvent(trade, { amountFen: order.amountFen }) === undefined)
        applyTradeEvent(order, trade);
    }
    if (req.query.format === 'json') return void res.json(order);
    const refresh = order.status === 'pending' ? '<meta http-equiv="refresh" content="2">' : '';
    res.send(
      page(
        `Order ${order.id}`,
        `${refresh}<h1>Order ${order.id}</h1><p>¥${fenToYuan(order.amountFen)} — <span class="status" data-testid="status">${escapeHtml(order.status)}</span></p>` +
          `<ul>${order.history.map(h => `<li>${escapeHtml(h)}</li>`).join('')}</ul>`,
      ),
    );
  });

  // Merchant actions: behind the merchant token (a real shop puts them behind its admin login).
  app.post('/orders/:id/ship', merchantOnly, express.json({ limit: '4kb' }), async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order?.tradeNo) return void res.status(409).json({ error: 'not paid' });
    try {
      const result = await alipay.confirmShipment({
        tradeNo: order.tradeNo,
        carrier: String(req.body?.carrier ?? 'EXPRESS'),
        trackingNumber: req.body?.trackingNumber ? String(req.body.trackingNumber) : undefined,
      });
      order.history.push(
        result.alreadyConfirmed ? 'shipment already confirmed' : 'shipment confirmed to Alipay',
      );
      res.json(result);
    } catch (error) {
      res
        .status(502)
        .json({ error: /** @type {Error} */ (error).message, hint: /** @type {any} */ (error).hint });
    }
  });

  // The refund ID is the shop's, never the caller's: it is Alipay's idempotency key, so a chosen one could
  // collide with another refund (and be silently ignored) or be replayed. A refund whose answer was lost
  // is sent again under its stored ID and amount; otherwise the order's next refund gets a new ID.
  app.post('/orders/:id/refund', merchantOnly, express.json({ limit: '4kb' }), async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order?.tradeNo) return void res.status(409).json({ error: 'not paid' });
    let refund = order.refunds.find(r => r.status === 'requested');
    if (!refund) {
      const amountFen = Number(req.body?.amountFen ?? order.amountFen - order.refundedFen);
      if (!Number.isSafeInteger(amountFen) || amountFen <= 0)
        return void res.status(400).json({ error: 'amountFen must be a positive integer of fen' });
      refund = { id: `${order.id}-R${order.refunds.length + 1}`, amountFen, status: 'requested' };
      order.refunds.push(refund);
    }
    try {
      const outcome = await alipay.refund({
        outTradeNo: order.outTradeNo,
        tradeNo: order.tradeNo,
        refundId: refund.id,
        refundRequestNo: refund.refundRequestNo,
        amountFen: refund.amountFen,
        reason: 'customer request',
        notifyUrl: `${options.publicUrl}/alipay/notify`,
      });
      refund.status = outcome.status;
      refund.refundRequestNo = outcome.refundRequestNo;
      if (outcome.status === 'succeeded')
        order.refundedFen = Math.max(order.refundedFen, outcome.refundedTotalFen);
      order.history.push(`refund ${refund.id} ${outcome.status}`);
      res.json({ refundId: refund.id, ...outcome });
    } catch (error) {
      // Alipay refused (not retryable): the refund failed, the next call is a new refund. Otherwise the
      // outcome is unknown (network, gateway busy): it stays `requested` and is retried under the same ID.
      if (!(/** @type {{ retryable?: boolean }} */ (error).retryable)) refund.status = 'failed';
      order.history.push(`refund ${refund.id} ${refund.status === 'failed' ? 'refused' : 'unanswered'}`);
      res.status(502).json({
        refundId: refund.id,
        error: /** @type {Error} */ (error).message,
        hint: /** @type {any} */ (error).hint,
      });
    }
  });

  return { app, orders, alipay };
}
