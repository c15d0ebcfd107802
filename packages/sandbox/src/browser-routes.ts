import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  renderBuyerTrade,
  renderBuyerTrades,
  renderCashier,
  renderNotPayable,
  renderRefundConfirm,
} from './cashier-page';
import type { SandboxContext } from './context';
import { parseParams } from './form-codec';
import { h, messagePage } from './html';
import { readBody, redirect, responseDone, send, sendHtml } from './http-util';
import { confirmPwdRefund } from './legacy-refunds';
import { LegacyError } from './legacy-request';
import { type PayOptions, TradeStateError } from './lifecycle';
import { qrPng, qrSvg } from './qr';
import type { Trade } from './trade-store';

/**
 * The pages people click through: the cashier (pay / cancel), the QR "scan", the buyer's trades with
 * the Confirm receipt button, and the seller's password confirmation of refund_fastpay_by_platform_pwd.
 */

type RouteHandler = (
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  m: RegExpExecArray,
  method: string,
) => Promise<void>;

interface Route {
  methods: string[];
  pattern: RegExp;
  handle: RouteHandler;
}

/** Handles a browser page; returns false when the path is not one of them. */
export async function handleBrowserRoute(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  for (const route of ROUTES) {
    if (!route.methods.includes(method)) continue;
    const m = route.pattern.exec(path);
    if (m) {
      await route.handle(ctx, req, res, m, method);
      return true;
    }
  }
  return false;
}

function notFound(res: ServerResponse): void {
  sendHtml(res, 404, messagePage('not-found', { zh: '页面不存在', en: 'Not found' }, []));
}

function cashier(ctx: SandboxContext, trade: Trade, error?: string): string {
  const owner = trade.generation === 'legacy' ? ctx.merchant(trade.owner) : ctx.app(trade.owner);
  const view: Parameters<typeof renderCashier>[0] = {
    trade,
    merchantName: owner?.name ?? trade.sellerEmail,
    buyer: ctx.config.buyer,
    payAction: `/cashier/${trade.tradeNo}/pay`,
    cancelAction: `/cashier/${trade.tradeNo}/cancel`,
  };
  if (owner?.contactUrl) view.contactUrl = owner.contactUrl;
  if (error) view.error = error;
  return renderCashier(view);
}

const showCashier: RouteHandler = async (ctx, _req, res, m) => {
  const trade = ctx.store.trades.get(m[1]!);
  if (!trade) return notFound(res);
  if (trade.status !== 'WAIT_BUYER_PAY') return sendHtml(res, 200, renderNotPayable(trade));
  // Opening the cashier is the buyer "logging in": the trade now exists for queries.
  void ctx.lifecycle.open(trade);
  sendHtml(res, 200, cashier(ctx, trade));
};

const payAtCashier: RouteHandler = async (ctx, req, res, m) => {
  const trade = ctx.store.trades.get(m[1]!);
  if (!trade) return notFound(res);
  const form = parseParams(await readBody(req), 'utf-8');
  const buyer = ctx.config.buyer;
  if (form['account'] !== buyer.email || form['password'] !== buyer.password) {
    return sendHtml(res, 200, cashier(ctx, trade, '账户名或登录密码不正确 Wrong account or login password'));
  }
  const options: PayOptions = {};
  if (form['mode'] === 'instant' || form['mode'] === 'escrow') options.mode = form['mode'];
  const choice = Number(form['logistics']);
  if (form['logistics'] !== undefined && Number.isInteger(choice)) options.logisticsChoice = choice;
  try {
    // The browser does not wait for the merchant's notify_url: like Alipay, the return may come first.
    const outcome = await ctx.lifecycle.pay(trade, options);
    if (outcome.redirect) return redirect(res, outcome.redirect.url, 'POST');
    sendHtml(
      res,
      200,
      messagePage(
        'payment-success',
        { zh: '付款成功', en: 'Payment successful' },
        [
          `订单号 Order no.: <span data-testid="out-trade-no">${h(trade.outTradeNo)}</span> · 状态 Status: <code data-testid="status">${h(trade.status)}</code>`,
        ],
        [{ href: `/buyer/trades/${trade.tradeNo}`, text: '查看交易 View the trade', id: 'view-trade' }],
      ),
    );
  } catch (error) {
    if (!(error instanceof TradeStateError)) throw error;
    sendHtml(res, 200, renderNotPayable(trade));
  }
};

const cancelAtCashier: RouteHandler = async (ctx, req, res, m, method) => {
  const trade = ctx.store.trades.get(m[1]!);
  if (!trade) return notFound(res);
  if (method === 'POST') await readBody(req);
  // The trade stays unpaid; the buyer goes back to the shop if it told us where (quit_url, show_url).
  const back = trade.quitUrl ?? trade.showUrl;
  if (back) return redirect(res, back, method);
  sendHtml(
    res,
    200,
    messagePage('payment-cancelled', { zh: '您已取消付款', en: 'You cancelled the payment' }, [
      `订单号 Order no.: <span data-testid="out-trade-no">${h(trade.outTradeNo)}</span>，交易仍未付款 the trade is still unpaid.`,
    ]),
  );
};

const scanQr: RouteHandler = async (ctx, _req, res, m) => {
  const tradeNo = ctx.store.qrCodes.get(m[1]!);
  const trade = tradeNo ? ctx.store.trades.get(tradeNo) : undefined;
  if (!trade) return notFound(res);
  const target = `${ctx.baseUrl}/qr/${m[1]}`;
  if (m[2] === '.png') return send(res, 200, await qrPng(target), 'image/png');
  if (m[2] === '.svg') return send(res, 200, await qrSvg(target), 'image/svg+xml; charset=utf-8');
  // "Scanning" the code: the buyer's phone opens the cashier.
  redirect(res, `${ctx.baseUrl}/cashier/${trade.tradeNo}`);
};

const buyerTrades: RouteHandler = async (ctx, _req, res) => {
  const trades = [...ctx.store.trades.values()].filter(t => t.buyerEmail === ctx.config.buyer.email);
  sendHtml(res, 200, renderBuyerTrades(trades));
};

const buyerTrade: RouteHandler = async (ctx, _req, res, m) => {
  const trade = ctx.store.trades.get(m[1]!);
  if (!trade) return notFound(res);
  sendHtml(res, 200, renderBuyerTrade(trade, ctx.config.buyer, `/buyer/trades/${trade.tradeNo}/confirm`));
};

const confirmReceipt: RouteHandler = async (ctx, req, res, m) => {
  const trade = ctx.store.trades.get(m[1]!);
  if (!trade) return notFound(res);
  const form = parseParams(await readBody(req), 'utf-8');
  const action = `/buyer/trades/${trade.tradeNo}/confirm`;
  if (form['password'] !== ctx.config.buyer.password) {
    return sendHtml(
      res,
      200,
      renderBuyerTrade(trade, ctx.config.buyer, action, '支付密码不正确 Wrong password'),
    );
  }
  try {
    await ctx.lifecycle.confirmReceipt(trade);
  } catch (error) {
    if (!(error instanceof TradeStateError)) throw error;
    return sendHtml(
      res,
      200,
      renderBuyerTrade(trade, ctx.config.buyer, action, `不能确认收货 Cannot confirm: ${trade.status}`),
    );
  }
  sendHtml(res, 200, renderBuyerTrade(trade, ctx.config.buyer, action));
};

function refundDone(res: ServerResponse, batchNo: string, successNum: number | undefined): void {
  sendHtml(
    res,
    200,
    messagePage('refund-submitted', { zh: '退款申请已提交', en: 'Refund submitted' }, [
      `批次号 Batch no.: <code data-testid="batch-no">${h(batchNo)}</code>${
        successNum === undefined
          ? ''
          : ` · 成功笔数 Succeeded: <span data-testid="success-num">${successNum}</span>`
      }`,
      '退款结果将通过 batch_refund_notify 异步通知。The result is sent to notify_url as batch_refund_notify.',
    ]),
  );
}

const refundConfirm: RouteHandler = async (ctx, req, res, m, method) => {
  const pending = ctx.store.pwdRefunds.get(m[1]!);
  if (!pending) return notFound(res);
  const merchant = ctx.merchant(pending.partner)!;
  const batchNo = pending.params['batch_no'] ?? '';
  const items = (pending.params['detail_data'] ?? '').split('#').map(raw => {
    const [tradeNo = '', amount = '', reason = ''] = raw.split('^');
    return { tradeNo, amount, reason };
  });
  const view = {
    batchNo,
    items,
    sellerEmail: merchant.sellerEmail,
    password: merchant.sellerPassword,
    action: `/refund/confirm/${pending.token}`,
    cancel: `/refund/confirm/${pending.token}/cancel`,
  };
  const cancelled = m[2] !== undefined;
  if (method === 'GET') {
    if (cancelled) return notFound(res);
    if (pending.done) return refundDone(res, batchNo, undefined);
    return sendHtml(res, 200, renderRefundConfirm(view));
  }
  const form = parseParams(await readBody(req), 'utf-8');
  if (cancelled) {
    ctx.store.pwdRefunds.delete(pending.token);
    return sendHtml(
      res,
      200,
      messagePage('refund-cancelled', { zh: '已取消退款', en: 'Refund cancelled' }, []),
    );
  }
  if (pending.done) return refundDone(res, batchNo, undefined);
  const accounts = [merchant.sellerEmail, ...merchant.payees.map(p => p.email)];
  if (!accounts.includes(form['account'] ?? '') || form['password'] !== merchant.sellerPassword) {
    return sendHtml(
      res,
      200,
      renderRefundConfirm(view, '卖家账户或支付密码不正确 Wrong seller account or password'),
    );
  }
  try {
    // The batch's notifications go out once this page is written (unless refund-notify-first).
    const result = await confirmPwdRefund(ctx, pending, responseDone(res));
    refundDone(res, batchNo, result.successNum);
  } catch (error) {
    if (!(error instanceof LegacyError)) throw error;
    sendHtml(res, 200, renderRefundConfirm(view, `错误代码 ${error.code} ${error.detail ?? ''}`));
  }
};

const ROUTES: Route[] = [
  { methods: ['GET'], pattern: /^\/cashier\/(\d+)$/, handle: showCashier },
  { methods: ['POST'], pattern: /^\/cashier\/(\d+)\/pay$/, handle: payAtCashier },
  { methods: ['GET', 'POST'], pattern: /^\/cashier\/(\d+)\/cancel$/, handle: cancelAtCashier },
  { methods: ['GET'], pattern: /^\/qr\/([A-Za-z0-9]+)(\.png|\.svg)?$/, handle: scanQr },
  { methods: ['GET'], pattern: /^\/buyer\/trades$/, handle: buyerTrades },
  { methods: ['GET'], pattern: /^\/buyer\/trades\/(\d+)$/, handle: buyerTrade },
  { methods: ['POST'], pattern: /^\/buyer\/trades\/(\d+)\/confirm$/, handle: confirmReceipt },
  { methods: ['GET', 'POST'], pattern: /^\/refund\/confirm\/([0-9a-f]+)(\/cancel)?$/, handle: refundConfirm },
];
