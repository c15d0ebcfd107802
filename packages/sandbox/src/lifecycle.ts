import { escrowTotalFen } from './amounts';
import type { App, Merchant } from './config';
import type { SandboxContext } from './context';
import type { FaultContext } from './faults';
import { appendQuery } from './form-codec';
import { isEscrowPath, legacyNotifyFields, legacyReturnFields } from './legacy-messages';
import { NOTIFY_ID_GRACE_MS } from './notifier';
import { openApiNotifyFields, openApiReturnFields } from './openapi-messages';
import { signLegacy, signOpenApiParams } from './signer';
import { DAY, formatBeijing, MINUTE } from './time';
import type { RefundRecord, Trade, TradeStatus } from './trade-store';

/**
 * The trade lifecycle, shared by the cashier, the buyer pages, the gateways and the control API so that
 * a test paying through `POST /__sandbox/pay` gets exactly what a buyer clicking "Pay" gets.
 *
 * Which status changes are notified (decisions, documented in the README):
 * - legacy instant payment: TRADE_SUCCESS, refunds (refund_status=REFUND_SUCCESS, TRADE_CLOSED when
 *   fully refunded) and TRADE_FINISHED when the refund window ends; never WAIT_BUYER_PAY.
 * - legacy escrow/dual: WAIT_BUYER_PAY when the buyer opens the cashier (as in the captured samples),
 *   then WAIT_SELLER_SEND_GOODS, WAIT_BUYER_CONFIRM_GOODS, TRADE_FINISHED. Dual paid instantly: TRADE_FINISHED.
 * - legacy close_trade and timeouts: not notified (TRADE_CLOSED is "not notified by default").
 * - OpenAPI: TRADE_SUCCESS, TRADE_FINISHED and TRADE_CLOSED (the documented default triggers), refunds.
 */

/** Why a lifecycle step is refused; `code` is the legacy error code, `openApiCode` the ACQ sub_code. */
export class TradeStateError extends Error {
  constructor(
    readonly code: string,
    readonly openApiCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link Lifecycle.pay}. */
export interface PayOptions {
  /** Dual interface only: pay instantly (即时到账) or into escrow (担保交易). Default escrow. */
  mode?: 'instant' | 'escrow';
  /** Escrow/dual: index of the logistics option the buyer picked. */
  logisticsChoice?: number;
}

/** What paying produced. */
export interface PayOutcome {
  trade: Trade;
  /** Where the buyer's browser goes next (return_url with signed parameters), if anywhere. */
  redirect?: { url: string; params: Record<string, string> };
  /** Settles when the first attempt of the payment notification is done. */
  notified: Promise<void>;
}

/** Options of {@link Lifecycle.alipayRefund}. */
export interface AlipayRefundOptions {
  /** Fen to refund; default everything left. Escrow trades are refunded whole (it must equal the total). */
  amountFen?: number;
  /** Legacy escrow only: false leaves `refund_status` and `gmt_refund` out of the TRADE_CLOSED notification. */
  refundStatus?: boolean;
}

/** Delivery options of a notification: nothing is sent before `after` settles. */
export interface NotifyOptions {
  after?: PromiseLike<unknown>;
}

/** Refund window of instant trades, escrow auto-confirmation and default payment timeouts. */
const AUTO_CONFIRM_MS = 10 * DAY;
const AUTO_CONFIRM_POST_MS = 30 * DAY;
/** How long a return_url notify_id verifies ("notify_id 一分钟失效"). */
export const RETURN_NOTIFY_ID_TTL_MS = MINUTE;

/** Trade state transitions with their notifications. */
export class Lifecycle {
  /** First-attempt promise of each trade's WAIT_BUYER_PAY notification (or a resolved one). */
  private readonly opened = new WeakMap<Trade, Promise<void>>();
  /** The tail of each trade's queue of money operations (never rejects). */
  private readonly moneyQueues = new WeakMap<Trade, Promise<void>>();

  constructor(private readonly ctx: SandboxContext) {}

  private faultContext(trade: Trade): FaultContext {
    return trade.generation === 'legacy'
      ? { partner: trade.owner, outTradeNos: [trade.outTradeNo] }
      : { appId: trade.owner, outTradeNos: [trade.outTradeNo] };
  }

  private merchantOf(trade: Trade): Merchant {
    const merchant = this.ctx.merchant(trade.owner);
    if (!merchant) throw new Error(`no merchant ${trade.owner}`);
    return merchant;
  }

  private appOf(trade: Trade): App {
    const app = this.ctx.app(trade.owner);
    if (!app) throw new Error(`no app ${trade.owner}`);
    return app;
  }

  private move(trade: Trade, status: TradeStatus, event: string): void {
    const now = this.ctx.clock.now();
    trade.status = status;
    trade.gmtLastModified = now;
    trade.history.push({ at: now, status, event });
  }

  /**
   * Runs a money operation (refund, cancel, Alipay-side refund) once every money operation queued earlier
   * on any of `trades` has finished, so one trade's money operations never interleave: each checks what is
   * left to refund after the previous one has applied. Operations on several trades (a refund batch) wait
   * for all of them. Keep `operation` to checking and applying; return notification promises wrapped in
   * an object (a returned promise would be awaited inside the queue).
   */
  serial<T>(trades: Trade | readonly Trade[], operation: () => T): Promise<T> {
    const list = [...new Set<Trade>(Array.isArray(trades) ? trades : [trades as Trade])];
    const before = list.map(t => this.moneyQueues.get(t)).filter(p => p !== undefined);
    const run = Promise.all(before).then(() => operation());
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    for (const trade of list) this.moneyQueues.set(trade, tail);
    return run;
  }

  /** Schedules the close of an unpaid trade at `trade.expiresAt`. */
  scheduleExpiry(trade: Trade): void {
    this.ctx.clock.cancel(trade.timers.expire);
    if (trade.expiresAt === undefined) return;
    trade.timers.expire = this.ctx.clock.schedule(Math.max(0, trade.expiresAt - this.ctx.clock.now()), () => {
      if (trade.status === 'WAIT_BUYER_PAY') return this.close(trade, 'timeout');
    });
  }

  /**
   * The buyer opened the cashier (logged in) or scanned the QR code: from now on the trade exists for
   * queries. Escrow and dual trades notify WAIT_BUYER_PAY at this point, like the captured samples.
   */
  open(trade: Trade): Promise<void> {
    // Paying right after opening waits for the WAIT_BUYER_PAY attempt, so notifications leave in order.
    const pending = this.opened.get(trade);
    if (pending) return pending;
    let notified = Promise.resolve();
    if (!trade.visible) {
      trade.visible = true;
      trade.history.push({ at: this.ctx.clock.now(), status: trade.status, event: 'buyer-opened-cashier' });
      if (trade.generation === 'legacy' && (trade.kind === 'escrow' || trade.kind === 'dual')) {
        trade.buyerEmail = this.ctx.config.buyer.email;
        trade.buyerId = this.ctx.config.buyer.userId;
        notified = this.notifyTrade(trade);
      }
    }
    this.opened.set(trade, notified);
    return notified;
  }

  /** The test buyer pays, exactly as the cashier's Pay button does. */
  async pay(trade: Trade, options: PayOptions = {}): Promise<PayOutcome> {
    if (trade.status === 'TRADE_CLOSED') {
      throw new TradeStateError(
        'TRADE_HAS_CLOSED',
        'ACQ.TRADE_HAS_CLOSE',
        'the trade is closed / 交易已经关闭',
      );
    }
    if (trade.status !== 'WAIT_BUYER_PAY') {
      throw new TradeStateError(
        'TRADE_HAS_SUCCESS',
        'ACQ.TRADE_HAS_SUCCESS',
        'the trade is already paid / 交易已被支付',
      );
    }
    await this.open(trade);
    const now = this.ctx.clock.now();
    const buyer = this.ctx.config.buyer;
    trade.buyerEmail = buyer.email;
    trade.buyerId = buyer.userId;
    trade.gmtPayment = now;
    this.ctx.clock.cancel(trade.timers.expire);

    if (trade.logistics.length > 0 && options.logisticsChoice !== undefined) {
      const option = trade.logistics[options.logisticsChoice];
      if (option && options.logisticsChoice !== trade.logisticsChoice) {
        trade.logisticsChoice = options.logisticsChoice;
        trade.totalFen = escrowTotalFen(trade.priceFen, trade.quantity, trade.discountFen, option);
        trade.gmtLogisticsModify = now;
      }
    }

    if (trade.kind === 'escrow' || (trade.kind === 'dual' && options.mode !== 'instant')) {
      if (trade.kind === 'dual') trade.paidAs = 'escrow';
      this.move(trade, 'WAIT_SELLER_SEND_GOODS', 'paid-into-escrow');
    } else if (trade.kind === 'dual') {
      // The dual interface's instant path is ordinary instant payment: finished, not refundable.
      trade.paidAs = 'instant';
      trade.gmtClose = now;
      this.move(trade, 'TRADE_FINISHED', 'paid-instantly');
    } else {
      this.move(trade, 'TRADE_SUCCESS', 'paid');
      this.scheduleFinish(trade);
    }

    const notified = this.notifyTrade(trade);
    const outcome: PayOutcome = { trade, notified };
    const redirect = this.buildReturn(trade);
    if (redirect) outcome.redirect = redirect;
    return outcome;
  }

  private scheduleFinish(trade: Trade): void {
    const window = this.ctx.clock.scaled(this.ctx.config.refundWindowDays * DAY);
    trade.timers.finish = this.ctx.clock.schedule(window, () => {
      if (trade.status === 'TRADE_SUCCESS') {
        trade.gmtClose = this.ctx.clock.now();
        this.move(trade, 'TRADE_FINISHED', 'refund-window-ended');
        return this.notifyTrade(trade);
      }
    });
  }

  /** send_goods_confirm_by_platform: the seller shipped (发货). */
  sendGoods(trade: Trade, shipment: NonNullable<Trade['shipment']>): Promise<void> {
    this.expectStatus(trade, 'WAIT_SELLER_SEND_GOODS', 'not waiting for shipment');
    const now = this.ctx.clock.now();
    trade.shipment = shipment;
    trade.gmtSendGoods = now;
    trade.gmtLogisticsModify = now;
    this.move(trade, 'WAIT_BUYER_CONFIRM_GOODS', 'seller-sent-goods');
    // Without the buyer's confirmation Alipay confirms by itself: 10 days (express), 30 days (post).
    const transport = shipment.transportType ?? trade.logistics[trade.logisticsChoice]?.type;
    const wait = transport === 'POST' ? AUTO_CONFIRM_POST_MS : AUTO_CONFIRM_MS;
    trade.timers.autoConfirm = this.ctx.clock.schedule(this.ctx.clock.scaled(wait), () => {
      if (trade.status === 'WAIT_BUYER_CONFIRM_GOODS') return this.confirmReceipt(trade, 'auto-confirmed');
    });
    return this.notifyTrade(trade);
  }

  /** The buyer confirms receipt (确认收货): the escrow is released to the seller. */
  confirmReceipt(trade: Trade, event = 'buyer-confirmed-receipt'): Promise<void> {
    this.expectStatus(trade, 'WAIT_BUYER_CONFIRM_GOODS', 'not waiting for receipt confirmation');
    this.end(trade, 'TRADE_FINISHED', event, trade.timers.autoConfirm);
    return this.notifyTrade(trade);
  }

  /** Closes an unpaid trade (merchant close, timeout, cancel). */
  close(trade: Trade, event: 'merchant' | 'timeout' | 'cancel'): Promise<void> {
    this.expectStatus(trade, 'WAIT_BUYER_PAY', 'only unpaid trades can be closed');
    this.end(trade, 'TRADE_CLOSED', event, trade.timers.expire);
    if (trade.generation === 'openapi' && trade.visible) return this.notifyTrade(trade);
    return Promise.resolve();
  }

  /**
   * Applies a refund that was already validated; closes the trade when everything is refunded. The
   * returned promise settles when the first attempt of the refund's notification is done; the notification
   * snapshots the trade now but is sent only once `options.after` settles (the refund call's answer).
   */
  refund(
    trade: Trade,
    amountFen: number,
    record: Omit<RefundRecord, 'amountFen' | 'at'>,
    options: NotifyOptions = {},
  ): Promise<void> {
    const now = this.ctx.clock.now();
    trade.refundedFen += amountFen;
    trade.gmtRefund = now;
    trade.refunds.push({ ...record, amountFen, at: now });
    if (trade.refundedFen >= trade.totalFen) {
      this.ctx.clock.cancel(trade.timers.finish);
      trade.gmtClose = now;
      this.move(trade, 'TRADE_CLOSED', record.source === 'alipay' ? 'alipay-refunded' : 'fully-refunded');
    } else {
      trade.gmtLastModified = now;
      trade.history.push({
        at: now,
        status: trade.status,
        event: record.source === 'alipay' ? 'alipay-partially-refunded' : 'partially-refunded',
      });
    }
    return this.notifyTrade(
      trade,
      record.outRequestNo !== undefined ? { outBizNo: record.outRequestNo } : {},
      options,
    );
  }

  /**
   * A refund made on Alipay's side without the merchant's API call (the buyer's refund on an escrow trade
   * agreed through Alipay, customer service, the merchant portal). Legacy escrow trades waiting for
   * shipment or receipt are refunded whole and closed; instant trades in TRADE_SUCCESS are refunded in
   * part or in full, notified exactly like a merchant refund (OpenAPI: `out_biz_no` = a number Alipay made
   * up, `ALIPAY-REFUND-<n>`). Run it inside {@link serial}.
   */
  alipayRefund(trade: Trade, options: AlipayRefundOptions = {}): { notified: Promise<void> } {
    const left = trade.totalFen - trade.refundedFen;
    if (trade.generation === 'legacy' && isEscrowPath(trade)) {
      if (trade.status !== 'WAIT_SELLER_SEND_GOODS' && trade.status !== 'WAIT_BUYER_CONFIRM_GOODS') {
        throw this.notRefundable(trade);
      }
      if (options.amountFen !== undefined && options.amountFen !== trade.totalFen) {
        throw new TradeStateError(
          'REFUND_AMT_NOT_EQUAL_TOTAL',
          'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
          `an escrow trade is refunded whole: amountFen must be ${trade.totalFen}`,
        );
      }
      const now = this.ctx.clock.now();
      const { timers } = trade;
      for (const id of [timers.expire, timers.autoConfirm, timers.finish]) this.ctx.clock.cancel(id);
      trade.refundedFen = trade.totalFen;
      trade.gmtRefund = now;
      trade.gmtClose = now;
      trade.refunds.push({
        source: 'alipay',
        outRequestNo: this.ctx.store.newAlipayRefundNo(),
        amountFen: left,
        reason: '',
        at: now,
      });
      if (options.refundStatus === false) trade.refundStatusHidden = true;
      this.move(trade, 'TRADE_CLOSED', 'alipay-refunded');
      return { notified: this.notifyTrade(trade) };
    }
    const instant = trade.generation === 'openapi' || trade.kind === 'direct';
    if (!instant || trade.status !== 'TRADE_SUCCESS') throw this.notRefundable(trade);
    const amountFen = options.amountFen ?? left;
    if (amountFen < 1 || amountFen > left) {
      throw new TradeStateError(
        'REFUND_TRADE_FEE_ERROR',
        'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
        `amountFen must be 1–${left} (what is left to refund)`,
      );
    }
    const notified = this.refund(trade, amountFen, {
      source: 'alipay',
      outRequestNo: this.ctx.store.newAlipayRefundNo(),
      reason: '',
    });
    return { notified };
  }

  /** Refuses a step the trade's status does not allow, with Alipay's codes for it. */
  private expectStatus(trade: Trade, status: TradeStatus, why: string): void {
    if (trade.status !== status) {
      throw new TradeStateError('TRADE_STATUS_NOT_AVAILD', 'ACQ.TRADE_STATUS_ERROR', why);
    }
  }

  /** Moves a trade to a final status now: the timer that would have moved it stops, gmt_close is set. */
  private end(trade: Trade, status: TradeStatus, event: string, timer: number | undefined): void {
    this.ctx.clock.cancel(timer);
    trade.gmtClose = this.ctx.clock.now();
    this.move(trade, status, event);
  }

  private notRefundable(trade: Trade): TradeStateError {
    if (trade.status === 'TRADE_CLOSED') {
      return new TradeStateError(
        'TRADE_HAS_CLOSED',
        'ACQ.TRADE_HAS_CLOSE',
        'the trade is closed / 交易已经关闭',
      );
    }
    if (trade.status === 'TRADE_FINISHED') {
      return new TradeStateError(
        'TRADE_STATUS_NOT_AVAILD',
        'ACQ.TRADE_HAS_FINISHED',
        'the trade is finished / 交易已完结',
      );
    }
    return new TradeStateError(
      'TRADE_STATUS_NOT_AVAILD',
      'ACQ.TRADE_STATUS_ERROR',
      `a ${trade.status} trade cannot be refunded / 交易状态不允许退款`,
    );
  }

  /** Sends a trade_status_sync notification of the trade's current state to its notify_url. */
  notifyTrade(trade: Trade, extra: { outBizNo?: string } = {}, options: NotifyOptions = {}): Promise<void> {
    if (!trade.notifyUrl) return Promise.resolve();
    const { clock, store, notifier, config } = this.ctx;
    const record = store.issueNotifyId(trade.owner, 'notify', clock.now());
    const notifyId = record.notifyId;
    let build: (now: number, spoil: boolean) => Record<string, string>;
    if (trade.generation === 'legacy') {
      const merchant = this.merchantOf(trade);
      const fields = legacyNotifyFields(trade);
      const signType = trade.signType === 'RSA' ? 'RSA' : 'MD5';
      build = (now, spoil) =>
        signLegacy(
          {
            notify_time: formatBeijing(now),
            notify_type: 'trade_status_sync',
            notify_id: notifyId,
            ...fields,
          },
          merchant,
          signType,
          trade.charset,
          config.legacyRsaKeys.privateKey,
          spoil,
        );
    } else {
      const app = this.appOf(trade);
      const fields = openApiNotifyFields(trade, app.appId, extra);
      build = (now, spoil) =>
        signOpenApiParams(
          { notify_time: formatBeijing(now), notify_id: notifyId, ...fields },
          app,
          trade.charset,
          spoil,
        );
    }
    const { first } = notifier.enqueue(
      {
        kind: 'trade_status_sync',
        generation: trade.generation,
        owner: trade.owner,
        url: trade.notifyUrl,
        charset: trade.charset,
        notifyId,
        outTradeNos: [trade.outTradeNo],
        tradeNo: trade.tradeNo,
        tradeStatus: trade.status,
        build,
      },
      options,
    );
    return first;
  }

  /** Marks a delivered or abandoned notification's notify_id to expire after the grace period. */
  settleNotifyId(notifyId: string): void {
    const record = this.ctx.store.notifyIds.get(notifyId);
    if (record) record.expiresAt = this.ctx.clock.now() + this.ctx.clock.scaled(NOTIFY_ID_GRACE_MS);
  }

  /** The return_url redirect after payment, signed, with a short-lived notify_id. */
  buildReturn(trade: Trade): { url: string; params: Record<string, string> } | undefined {
    if (!trade.returnUrl) return undefined;
    const { clock, store, faults, config } = this.ctx;
    const now = clock.now();
    const spoil = faults.take('tamper-signature', this.faultContext(trade)) !== undefined;
    let params: Record<string, string>;
    if (trade.generation === 'legacy') {
      const record = store.issueNotifyId(
        trade.owner,
        'return',
        now,
        now + clock.scaled(RETURN_NOTIFY_ID_TTL_MS),
      );
      // Alipay puts the notify_id into the return URL percent-encoded *inside the value*: the merchant
      // reads `RqPn…%2F…` and must pass it to notify_verify as-is (see the samples).
      const fields = legacyReturnFields(trade, encodeURIComponent(record.notifyId), now);
      params = signLegacy(
        fields,
        this.merchantOf(trade),
        trade.signType === 'RSA' ? 'RSA' : 'MD5',
        trade.charset,
        config.legacyRsaKeys.privateKey,
        spoil,
      );
    } else {
      if (trade.kind === 'qr') return undefined;
      const app = this.appOf(trade);
      params = signOpenApiParams(openApiReturnFields(trade, app.appId, now), app, trade.charset, spoil);
    }
    return { url: appendQuery(trade.returnUrl, params, trade.charset), params };
  }

  /** Whether the trade is on the escrow path (for pages). */
  isEscrow(trade: Trade): boolean {
    return isEscrowPath(trade);
  }
}
