import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatYuan } from './amounts';
import { AntomControlError, handleAntomControl } from './antom-control';
import type { SandboxContext } from './context';
import { FaultInputError } from './faults';
import { filterGatewayCalls, type GatewayCallFilter } from './gateway-calls';
import { readJson, sendJson } from './http-util';
import { isEscrowPath } from './legacy-messages';
import { type AlipayRefundOptions, TradeStateError } from './lifecycle';
import type { DeliveryRecord } from './notifier';
import { formatBeijing } from './time';
import type { Trade } from './trade-store';

/**
 * The control API for tests, under `/__sandbox/` (JSON in, JSON out). It acts as the test buyer and as
 * the operator: pay, open the cashier, confirm receipt, move the clock, read every notification
 * delivery, inspect trades, inject faults, reset. Nothing here exists on the real Alipay.
 */

/** A trade as the control API shows it. */
export function tradeView(trade: Trade): Record<string, unknown> {
  const yuan = (fen: number): string => formatYuan(fen);
  const time = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : formatBeijing(ms);
  return {
    tradeNo: trade.tradeNo,
    outTradeNo: trade.outTradeNo,
    generation: trade.generation,
    partner: trade.generation === 'legacy' ? trade.owner : undefined,
    appId: trade.generation === 'openapi' ? trade.owner : undefined,
    service: trade.service,
    kind: trade.kind,
    status: trade.status,
    paidAs: trade.paidAs,
    visible: trade.visible,
    charset: trade.charset,
    signType: trade.signType,
    subject: trade.subject,
    body: trade.body,
    totalAmount: yuan(trade.totalFen),
    totalFen: trade.totalFen,
    price: yuan(trade.priceFen),
    quantity: trade.quantity,
    discount: yuan(trade.discountFen),
    logistics: trade.logistics.map(o => ({ type: o.type, fee: yuan(o.feeFen), payment: o.payment })),
    logisticsChoice: trade.logisticsChoice,
    receive: trade.receive,
    sellerEmail: trade.sellerEmail,
    sellerId: trade.sellerId,
    buyerEmail: trade.buyerEmail,
    buyerId: trade.buyerId,
    notifyUrl: trade.notifyUrl,
    returnUrl: trade.returnUrl,
    refundedAmount: yuan(trade.refundedFen),
    refundedFen: trade.refundedFen,
    refunds: trade.refunds.map(r => ({ ...r, amount: yuan(r.amountFen), at: formatBeijing(r.at) })),
    shipment: trade.shipment,
    qrToken: trade.qrToken,
    gmtCreate: time(trade.gmtCreate),
    gmtPayment: time(trade.gmtPayment),
    gmtSendGoods: time(trade.gmtSendGoods),
    gmtClose: time(trade.gmtClose),
    gmtRefund: time(trade.gmtRefund),
    expiresAt: time(trade.expiresAt),
    history: trade.history.map(h => ({ ...h, at: formatBeijing(h.at) })),
    request: trade.request,
  };
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function str(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ControlError(400, `${name} must be a string`);
  return value;
}

function tradeFrom(ctx: SandboxContext, body: Record<string, unknown>): Trade {
  const tradeNo = str(body, 'tradeNo');
  const outTradeNo = str(body, 'outTradeNo');
  const owner = str(body, 'partner') ?? str(body, 'appId');
  let trade: Trade | undefined;
  if (tradeNo) trade = ctx.store.trades.get(tradeNo);
  else if (outTradeNo && owner) trade = ctx.store.byOutTradeNo(owner, outTradeNo);
  else if (outTradeNo) trade = ctx.store.find(outTradeNo);
  else throw new ControlError(400, 'give tradeNo, or outTradeNo with partner or appId');
  if (!trade) throw new ControlError(404, 'no such trade (create it through a gateway first)');
  return trade;
}

function filterDeliveries(list: DeliveryRecord[], q: URLSearchParams): DeliveryRecord[] {
  return list.filter(d => {
    const out = q.get('outTradeNo');
    if (out && !d.outTradeNos.includes(out)) return false;
    for (const [param, value] of [
      ['partner', d.partner],
      ['appId', d.appId],
      ['clientId', d.clientId],
      ['batchNo', d.batchNo],
      ['notifyId', d.notifyId],
      ['kind', d.kind],
      ['tradeNo', d.tradeNo],
    ] as const) {
      const wanted = q.get(param);
      if (wanted && wanted !== value) return false;
    }
    return true;
  });
}

/** Handles `/__sandbox/*`; `info` is the start-up JSON (credentials) served at `GET /__sandbox/config`. */
export async function handleControlApi(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
  hooks: { info: () => unknown; reset: () => void; releaseHung: () => void },
): Promise<void> {
  const method = req.method ?? 'GET';
  const route = `${method} ${path.replace(/^\/__sandbox/, '')}`;
  try {
    const body = method === 'POST' ? await readJson(req) : {};
    switch (route) {
      case 'GET /config':
        return sendJson(res, 200, hooks.info());
      case 'POST /pay': {
        const trade = tradeFrom(ctx, body);
        const mode = str(body, 'mode');
        if (mode !== undefined && mode !== 'instant' && mode !== 'escrow')
          throw new ControlError(400, 'mode must be instant or escrow');
        const choice = body['logisticsChoice'];
        const options: { mode?: 'instant' | 'escrow'; logisticsChoice?: number } = {};
        if (mode) options.mode = mode;
        if (typeof choice === 'number') options.logisticsChoice = choice;
        const outcome = await ctx.lifecycle.pay(trade, options);
        // Answer once the first notification attempt is done, so tests can look at it right away.
        if (body['waitForNotify'] !== false) await outcome.notified;
        return sendJson(res, 200, {
          trade: tradeView(trade),
          redirect: outcome.redirect ?? null,
          deliveries: ctx.notifier.deliveries.filter(d => d.tradeNo === trade.tradeNo),
        });
      }
      case 'POST /alipay-refund': {
        // A refund on Alipay's side, without the merchant's API call (buyer, customer service, portal).
        const trade = tradeFrom(ctx, body);
        const options: AlipayRefundOptions = {};
        const amountFen = body['amountFen'];
        if (amountFen !== undefined) {
          if (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen))
            throw new ControlError(400, 'amountFen must be an integer number of fen');
          options.amountFen = amountFen;
        }
        const refundStatus = body['refundStatus'];
        if (refundStatus !== undefined) {
          if (typeof refundStatus !== 'boolean')
            throw new ControlError(400, 'refundStatus must be a boolean');
          if (!refundStatus && !(trade.generation === 'legacy' && isEscrowPath(trade)))
            throw new ControlError(400, 'refundStatus: false applies to legacy escrow trades only');
          options.refundStatus = refundStatus;
        }
        // Queued with the trade's other money operations (merchant refunds, cancel, batches).
        const { notified } = await ctx.lifecycle.serial(trade, () =>
          ctx.lifecycle.alipayRefund(trade, options),
        );
        if (body['waitForNotify'] !== false) await notified;
        return sendJson(res, 200, {
          trade: tradeView(trade),
          deliveries: ctx.notifier.deliveries.filter(d => d.tradeNo === trade.tradeNo),
        });
      }
      case 'POST /open-cashier': {
        const trade = tradeFrom(ctx, body);
        await ctx.lifecycle.open(trade);
        return sendJson(res, 200, { trade: tradeView(trade) });
      }
      case 'POST /confirm-receipt': {
        const trade = tradeFrom(ctx, body);
        await ctx.lifecycle.confirmReceipt(trade);
        return sendJson(res, 200, { trade: tradeView(trade) });
      }
      case 'GET /clock':
        return sendJson(res, 200, clockView(ctx));
      case 'POST /clock/advance': {
        const ms = body['ms'];
        if (typeof ms !== 'number' || !(ms >= 0))
          throw new ControlError(400, 'ms must be a non-negative number');
        await ctx.clock.advance(ms);
        return sendJson(res, 200, clockView(ctx));
      }
      case 'GET /deliveries':
        return sendJson(res, 200, { deliveries: filterDeliveries(ctx.notifier.deliveries, search) });
      case 'GET /notifications':
        return sendJson(res, 200, {
          notifications: ctx.notifier.list().map(n => ({
            id: n.id,
            kind: n.input.kind,
            notifyId: n.input.notifyId,
            owner: n.input.owner,
            outTradeNos: n.input.outTradeNos,
            tradeStatus: n.input.tradeStatus,
            batchNo: n.input.batchNo,
            url: n.input.url,
            attempts: n.attempts,
            state: n.state,
            nextAttemptAt: n.nextAttemptAt === undefined ? null : formatBeijing(n.nextAttemptAt),
          })),
        });
      case 'GET /trades':
        return sendJson(res, 200, { trades: [...ctx.store.trades.values()].map(tradeView) });
      case 'GET /gateway-calls': {
        const filter: GatewayCallFilter = {};
        for (const key of ['name', 'owner', 'outTradeNo', 'outTradeNoPrefix'] as const) {
          const value = search.get(key);
          if (value !== null) filter[key] = value;
        }
        return sendJson(res, 200, { calls: filterGatewayCalls(ctx.gatewayCalls, filter) });
      }
      case 'GET /faults':
        return sendJson(res, 200, { faults: ctx.faults.list() });
      case 'POST /faults':
        return sendJson(res, 201, { fault: ctx.faults.add(body as never) });
      case 'DELETE /faults':
        ctx.faults.clear();
        hooks.releaseHung();
        return sendJson(res, 200, { faults: [] });
      case 'POST /reset':
        hooks.reset();
        return sendJson(res, 200, { reset: true, ...clockView(ctx) });
    }
    const antom = await handleAntomControl(ctx, route, path, search, body);
    if (antom) return sendJson(res, antom.status, antom.json);
    const m = method === 'GET' ? /^\/__sandbox\/trades\/([^/]+)$/.exec(path) : null;
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const owner = search.get('partner') ?? search.get('appId');
      const trade = owner
        ? (ctx.store.byOutTradeNo(owner, id) ?? ctx.store.trades.get(id))
        : ctx.store.find(id);
      if (!trade)
        throw new ControlError(
          404,
          'no such trade (or out_trade_no used by several merchants: add ?partner= or ?appId=)',
        );
      return sendJson(res, 200, { trade: tradeView(trade) });
    }
    throw new ControlError(404, `no control route ${route}`);
  } catch (error) {
    if (error instanceof ControlError)
      return sendJson(res, error.status, { error: error.message, code: error.code });
    if (error instanceof AntomControlError) return sendJson(res, error.status, { error: error.message });
    if (error instanceof TradeStateError)
      return sendJson(res, 409, { error: error.message, code: error.code });
    if (error instanceof FaultInputError) return sendJson(res, 400, { error: error.message });
    if (error instanceof SyntaxError) return sendJson(res, 400, { error: `invalid JSON: ${error.message}` });
    throw error;
  }
}

function clockView(ctx: SandboxContext): Record<string, unknown> {
  const now = ctx.clock.now();
  const next = ctx.clock.nextDueAt();
  return {
    now,
    nowBeijing: formatBeijing(now),
    advancedBy: ctx.clock.advancedBy,
    timeScale: ctx.clock.timeScale,
    pendingTasks: ctx.clock.pending,
    nextDueAt: next === undefined ? null : formatBeijing(next),
  };
}
