import type { Bilingual } from '../errors';
import { isRefundNotification, isSettledStatus, type RefundEvent, type TradeEvent } from '../events';
import { fenToYuan } from '../money';
import { ALIPAY_ACK, ALIPAY_NACK } from '../rejections';
import type { OrphanReason } from './orphans';
import {
  alipaySideRefundKey,
  isFinalRefundStatus,
  type LifecycleRefund,
  reconcileRefundedTotal,
} from './refunds';
import { hasKnownTradeStatus, isLateStatus, nextRecordedStatus } from './status';

/**
 * The one decision of what a verified piece of news about a trade does to the shop's books. It is pure:
 * the adapter gathers the facts (its trade record, its payment and refunds for the trade, the order),
 * asks {@link decideTradeEvent} (or {@link decideBatchRefund} for a legacy `batch_refund_notify`), and
 * carries the decision out with the platform's own mechanics, in one transaction. Duplicates never get
 * here: the adapter's receipt of the event ({@link eventReceiptKey}) stops them first.
 */

/** What the decision reads of a verified trade event (a notification or a trade query's answer). */
export type LifecycleEvent = Pick<
  TradeEvent,
  'status' | 'alipayStatus' | 'amountFen' | 'tradeNo' | 'source'
> &
  Partial<Pick<TradeEvent, 'refundedFen' | 'refundRequestNo' | 'refundStatus' | 'currency'>>;

/** The shop's record of the trade. */
export interface LifecycleTrade {
  /** What the shop recorded so far: Alipay's `trade_status` text, or a local status (`CREATED`, …). */
  recordedStatus: string;
  /** Alipay's trade number, once recorded. */
  tradeNo: string | null;
  /** What the shop asked Alipay to collect, in fen. */
  amountFen: number;
  /** Set when the trade's money could not be applied to its order. */
  orphan: OrphanReason | string | null;
}

/** The state of the shop's payment for a trade. */
export type ShopPaymentState = 'authorized' | 'settled' | 'cancelled';

/** The shop's payment for the trade (Vendure `Payment`, Medusa payment). */
export interface LifecyclePayment {
  state: ShopPaymentState;
  amountFen: number;
}

/** The order the trade pays, as far as adding a payment to it goes. */
export interface LifecycleOrder {
  /** False when the order (Medusa: the payment session) is gone. */
  exists: boolean;
  cancelled: boolean;
  /** ISO 4217 code, any case. */
  currency: string;
  /** Whether the order can take a payment now. */
  payable: boolean;
  /** What the order still owes, in fen. */
  owedFen: number;
  /** True when another payment already paid the order (the order was placed without this trade). */
  paidOtherwise: boolean;
}

/** The order facts of an order that no longer exists (Medusa: a payment session that is gone). */
export const MISSING_ORDER: Readonly<LifecycleOrder> = {
  exists: false,
  cancelled: false,
  currency: 'CNY',
  payable: false,
  owedFen: 0,
  paidOtherwise: false,
};

/** Everything {@link decideTradeEvent} decides on. */
export interface TradeFacts {
  event: LifecycleEvent;
  trade: LifecycleTrade;
  /** The shop's payment for this trade (live or cancelled), or null when none was recorded. */
  payment: LifecyclePayment | null;
  /** The order; needed when no payment is recorded yet. */
  order: LifecycleOrder | null;
  /** Every refund record of this trade: the shop's own, Alipay-side ones and the orphan refund. */
  refunds: readonly LifecycleRefund[];
  /**
   * Alipay's refunded total for the trade when the event does not say it (legacy notifications carry
   * `refund_status` but no amount): read by a trade query when the decision asks for it.
   */
  queriedRefundedFen?: number;
  /**
   * The amount of a refund the event names by a request number the shop does not know (a refund made on
   * Alipay's side), read by a refund query when the decision asks for it; `null` when Alipay has none.
   */
  queriedRefund?: { requestNo: string; amountFen: number | null };
}

/**
 * A decision that records a status: what to do, the status to record, one line saying why. `ignore`:
 * nothing to do beyond recording the status (late, already recorded, an orphan's later news).
 */
export type RecordingDecision = {
  status: string;
  note: string;
} & (
  | { action: 'ignore' }
  /** Recorded without touching a payment (waiting for payment, closed unpaid, …). */
  | { action: 'record' }
  /** Add the shop's payment: settled, or authorized while the money waits in escrow. */
  | { action: 'add_payment'; settled: boolean; decideAgain: boolean }
  /** Settle the authorized (escrow) payment: the buyer confirmed receipt, the money is released. */
  | { action: 'settle_payment' }
  /** The escrow trade was shipped; only the buyer's receipt is missing now (a history note). */
  | { action: 'await_receipt' }
  /**
   * Alipay closed a paid escrow trade (the buyer got the money back): cancel the authorized payment,
   * note it on the order and flag it for the admin ({@link LIFECYCLE_ALERTS}).
   */
  | { action: 'cancel_payment'; alert: Bilingual }
  /**
   * Alipay's refunded total settles open refunds of the shop and/or shows money refunded on Alipay's
   * side: settle `settle`, and record a settled refund of `alipaySideFen` under `alipaySideKey`.
   */
  | {
      action: 'reconcile_refunds';
      settle: string[];
      alipaySideFen: number;
      alipaySideKey: string;
      alert?: Bilingual;
    }
  /** Alipay reports the shop's refund `refundId` refunded: settle it. */
  | { action: 'settle_refund'; refundId: string; alert?: Bilingual }
  /** The money cannot be applied to the order: record an orphan payment (refund it per the policy). */
  | { action: 'orphan'; reason: OrphanReason }
  /** Alipay gave an orphan payment's money back: mark the orphan refunded. */
  | { action: 'orphan_refunded' }
  /** Something a person must look at; recorded, nothing else changed. */
  | { action: 'alert'; alert: Bilingual }
);

/** The decision: what to do (and, unless refused, the status to record) with one line saying why. */
export type TradeDecision =
  /** Refused: nothing is recorded; answered per `reason` (never retried: a retry cannot fix it). */
  | {
      action: 'reject';
      reason: 'unknown_status' | 'wrong_trade' | 'wrong_amount' | 'wrong_currency';
      note: string;
    }
  /** Nothing is recorded; answered `fail`, because Alipay's next attempt will find what is missing. */
  | { action: 'retry_later'; note: string }
  /** Ask Alipay for the trade's refunded total (legacy query), then decide again with it. */
  | { action: 'query_refunded_total'; note: string }
  /** Ask Alipay for the amount of refund `requestNo` (a refund query), then decide again with it. */
  | { action: 'query_refund_amount'; requestNo: string; note: string }
  | RecordingDecision;

/** The action names of {@link TradeDecision}. */
export type TradeAction = TradeDecision['action'];

/** The reply Alipay must read after a decision was carried out (or refused). */
export function decisionReply(decision: TradeDecision): typeof ALIPAY_ACK | typeof ALIPAY_NACK {
  return decision.action === 'retry_later' ||
    decision.action === 'query_refunded_total' ||
    decision.action === 'query_refund_amount'
    ? ALIPAY_NACK
    : ALIPAY_ACK;
}

/**
 * What a decision did, for log lines and outcome counters: `applied` (a payment or refund changed),
 * `recorded` (the trade record only), `orphan`, `ignored`, `rejected`, `retry` (answered `fail`).
 */
export function decisionEffect(
  decision: TradeDecision,
): 'applied' | 'recorded' | 'orphan' | 'ignored' | 'rejected' | 'retry' {
  switch (decision.action) {
    case 'reject':
      return 'rejected';
    case 'retry_later':
    case 'query_refunded_total':
    case 'query_refund_amount':
      return 'retry';
    case 'ignore':
      return 'ignored';
    case 'record':
    case 'await_receipt':
    case 'alert':
      return 'recorded';
    case 'orphan':
      return 'orphan';
    default:
      return 'applied';
  }
}

/** Admin flags and history notes the lifecycle raises, in English and 简体中文. */
export const LIFECYCLE_ALERTS = {
  /** Alipay closed an escrow trade after the buyer paid: the money went back. */
  escrowClosed(tradeNo: string): Bilingual {
    return {
      en: `Alipay closed escrow trade ${tradeNo} after payment: the money went back to the buyer. The payment was cancelled; do not ship this order.`,
      zh: `支付宝在买家付款后关闭了担保交易 ${tradeNo}：款项已退回买家。该付款已取消，请勿发货。`,
    };
  },
  /** Alipay refunded (part of) a paid trade on its own side. */
  refundedOnAlipay(tradeNo: string, amountFen: number): Bilingual {
    const yuan = fenToYuan(amountFen, { allowZero: true });
    return {
      en: `Alipay refunded ¥${yuan} of trade ${tradeNo} outside the shop (merchant portal or buyer protection); recorded as a settled refund.`,
      zh: `支付宝在商城之外（商家中心或买家保障）退款 ¥${yuan}（交易号 ${tradeNo}），已记为已完成的退款。`,
    };
  },
  /** Part of an escrow trade's money went back to the buyer while it was still held. */
  escrowPartlyRefunded(tradeNo: string): Bilingual {
    return {
      en: `Alipay reports a refund on escrow trade ${tradeNo} while the money is still held; check the trade in Alipay's merchant portal before shipping.`,
      zh: `担保交易 ${tradeNo} 在款项托管期间发生退款；发货前请在支付宝商家中心核对该交易。`,
    };
  },
  /** Alipay refunded a request the shop had recorded as failed. */
  refundedAfterFailure(requestNo: string): Bilingual {
    return {
      en: `Alipay reports refund ${requestNo} refunded, although it had been recorded as failed; it is now recorded as settled.`,
      zh: `支付宝报告退款 ${requestNo} 已退款，而此前记录为失败；现已记为已完成。`,
    };
  },
} as const;

/**
 * Decides what a verified trade event (a notification or a trade query's answer; never a return-page
 * visit, which is display only) does to the shop's books.
 *
 * In order: an unknown status or another Alipay trade number is refused; a refund report naming one of
 * the shop's refunds settles it; an orphan's later news only says whether its money went back; waiting
 * statuses are recorded; `TRADE_CLOSED` cancels a held escrow payment, or shows a settled payment
 * refunded in full; a paid status adds the payment (or an orphan when the order cannot take it), settles
 * an escrow payment the buyer released, notes a shipment; a refund report without a known request
 * number is read against the trade's refunded total (the shop's open refunds, then Alipay-side refunds).
 * A status never moves backwards: a late report is recorded as nothing.
 */
export function decideTradeEvent(facts: TradeFacts): TradeDecision {
  const { event, trade, payment } = facts;
  if (!hasKnownTradeStatus(event)) {
    return {
      action: 'reject',
      reason: 'unknown_status',
      note: `trade_status ${JSON.stringify(String(event.alipayStatus)).slice(0, 80)} is not one of Alipay's statuses`,
    };
  }
  if (trade.tradeNo && trade.tradeNo !== event.tradeNo) {
    return {
      action: 'reject',
      reason: 'wrong_trade',
      note: `Alipay trade ${event.tradeNo} differs from the recorded ${trade.tradeNo}`,
    };
  }
  // Antom names the payment's currency, which is the order's (a payment starts in it): another one says
  // this is not the order's payment, as a wrong amount does.
  const order = facts.order;
  if (
    event.currency !== undefined &&
    order?.exists &&
    event.currency.toUpperCase() !== order.currency.toUpperCase()
  ) {
    return {
      action: 'reject',
      reason: 'wrong_currency',
      note: `the payment is in ${event.currency}, the order in ${order.currency}`,
    };
  }
  const status = nextRecordedStatus(trade.recordedStatus, event.alipayStatus);
  const late = isLateStatus(trade.recordedStatus, event.alipayStatus);
  const refundReport = isRefundNotification(event);

  // 1. Alipay reports on one of the shop's own refunds by its request number.
  if (event.refundRequestNo !== undefined) {
    const own = facts.refunds.find(r => r.requestNo === event.refundRequestNo);
    if (own) {
      if (own.status === 'succeeded')
        return { action: 'ignore', status, note: `refund ${own.requestNo} is already settled` };
      return {
        action: 'settle_refund',
        status,
        refundId: own.id,
        note: `Alipay confirms refund ${own.requestNo}`,
        ...(own.status === 'failed' ? { alert: LIFECYCLE_ALERTS.refundedAfterFailure(own.requestNo) } : {}),
      };
    }
  }

  // 2. An orphan has no payment in the shop: its money went back in full when Alipay closes the trade;
  //    a refund report is read as for a payment (a partial refund leaves the rest to refund).
  if (trade.orphan) {
    if (refundReport && event.status !== 'closed') return readRefundReport(facts, status, trade.amountFen);
    if (event.status === 'closed') {
      return {
        action: 'orphan_refunded',
        status,
        note: `Alipay gave the orphan payment back (${event.alipayStatus})`,
      };
    }
    return { action: 'ignore', status, note: `already recorded as an orphan (${trade.orphan})` };
  }

  // 3. Not paid (yet): nothing but the status.
  if (event.status === 'waiting_payment') {
    return {
      action: 'record',
      status,
      note: late ? `out of order after ${trade.recordedStatus}, nothing changed` : 'recorded, no payment yet',
    };
  }

  // 4. Closed: unpaid, or Alipay gave a paid trade's money back.
  if (event.status === 'closed') {
    if (!payment) {
      if (refundReport && event.source !== 'query') return paymentFirst();
      return {
        action: 'record',
        status,
        note: refundReport
          ? 'paid and refunded in full before the shop recorded the payment: nothing to book'
          : 'closed, no payment recorded',
      };
    }
    if (payment.state === 'cancelled')
      return { action: 'ignore', status, note: 'the payment is already cancelled' };
    // Settled and closed: refunded in full, whoever asked.
    return moneyWentBack(facts, status, payment, {
      action: 'cancel_payment',
      status,
      alert: LIFECYCLE_ALERTS.escrowClosed(event.tradeNo),
      note: 'Alipay closed the paid escrow trade: the held money went back to the buyer',
    });
  }

  // 5. Paid statuses. A refund report is news whenever it arrives; a late status is not.
  if (!refundReport && late && (payment || trade.recordedStatus === 'TRADE_CLOSED')) {
    return { action: 'ignore', status, note: `out of order after ${trade.recordedStatus}, nothing changed` };
  }
  if (!payment) {
    if (refundReport && event.source !== 'query') return paymentFirst();
    return decidePayment(facts, status, refundReport);
  }
  if (payment.state === 'cancelled') {
    if (refundReport || late) return { action: 'ignore', status, note: 'the payment is already cancelled' };
    return {
      action: 'orphan',
      status,
      reason: 'payment_cancelled',
      note: 'money arrived for a cancelled payment',
    };
  }
  if (event.amountFen !== payment.amountFen) {
    return {
      action: 'reject',
      reason: 'wrong_amount',
      note: `${event.amountFen} fen differs from the recorded payment of ${payment.amountFen} fen`,
    };
  }
  if (refundReport) {
    return moneyWentBack(facts, status, payment, {
      action: 'alert',
      status,
      alert: LIFECYCLE_ALERTS.escrowPartlyRefunded(event.tradeNo),
      note: 'a refund on an escrow trade whose money is still held',
    });
  }
  if (payment.state === 'authorized' && isSettledStatus(event.status)) {
    return { action: 'settle_payment', status, note: 'escrow released: the payment is settled' };
  }
  if (
    payment.state === 'authorized' &&
    event.status === 'shipped_awaiting_receipt' &&
    trade.recordedStatus !== event.alipayStatus
  ) {
    return { action: 'await_receipt', status, note: 'shipped, waiting for the buyer to confirm receipt' };
  }
  return { action: 'ignore', status, note: `the payment is already ${payment.state}` };
}

/**
 * Alipay gave (some of) a recorded payment's money back. A settled payment reads the refund report; an
 * escrow payment whose money is still held (`authorized`) takes `whileHeld` instead, since nothing was
 * settled that a refund could be booked against.
 */
function moneyWentBack(
  facts: TradeFacts,
  status: string,
  payment: LifecyclePayment,
  whileHeld: TradeDecision,
): TradeDecision {
  if (payment.state === 'authorized') return whileHeld;
  return readRefundReport(facts, status, payment.amountFen);
}

/** A refund report about a payment the shop has not recorded: the payment's own notification comes first. */
function paymentFirst(): TradeDecision {
  return { action: 'retry_later', note: 'a refund report for a payment the shop has not recorded yet' };
}

/** No payment is recorded for a paid trade: add it, or record an orphan when the order cannot take it. */
function decidePayment(facts: TradeFacts, status: string, refundReport: boolean): TradeDecision {
  const { event, trade, order } = facts;
  const orphan = (reason: OrphanReason, note: string): TradeDecision => ({
    action: 'orphan',
    status,
    reason,
    note,
  });
  if (!order?.exists) return orphan('order_missing', 'the order no longer exists');
  if (order.cancelled) return orphan('order_cancelled', 'the order was cancelled');
  // A domestic payment is in CNY (an Antom payment in another currency than the order's was refused above).
  if (event.currency === undefined && order.currency.toUpperCase() !== 'CNY')
    return orphan('currency_not_cny', `the order is in ${order.currency}`);
  if (!order.payable || order.owedFen <= 0) {
    return order.paidOtherwise || order.owedFen <= 0
      ? orphan('order_already_paid', 'the order was already paid')
      : orphan('order_not_payable', 'the order cannot take a payment now');
  }
  if (event.amountFen !== order.owedFen) {
    if (event.amountFen === trade.amountFen) {
      return orphan(
        'amount_changed',
        `Alipay took ${event.amountFen} fen as asked, the order now owes ${order.owedFen}`,
      );
    }
    return {
      action: 'reject',
      reason: 'wrong_amount',
      note: `amount ${event.amountFen} fen differs from the ${order.owedFen} fen owed`,
    };
  }
  const settled = isSettledStatus(event.status);
  return {
    action: 'add_payment',
    status,
    settled,
    // A trade query of a refunded trade: the refunds are read once the payment exists.
    decideAgain: refundReport,
    note: `payment of ${event.amountFen} fen recorded as ${settled ? 'settled' : 'authorized (escrow)'}`,
  };
}

/**
 * Reads a refund report about money the shop holds (a settled payment, or an orphan's money): a refund
 * named by a request number the shop does not know is a refund Alipay made on its own side, recorded
 * for exactly its amount (a refund query) — never derived from the report's refunded total, which is
 * stale once the shop's own open refunds settle; a report without a number (legacy) or a close is read
 * against Alipay's refunded total (a close: everything).
 */
function readRefundReport(facts: TradeFacts, status: string, moneyFen: number): TradeDecision {
  const { event } = facts;
  const requestNo = event.refundRequestNo;
  if (requestNo !== undefined) {
    const queried = facts.queriedRefund?.requestNo === requestNo ? facts.queriedRefund : undefined;
    if (!queried) {
      return {
        action: 'query_refund_amount',
        requestNo,
        note: `refund ${requestNo} was made on Alipay's side: ask its amount`,
      };
    }
    if (queried.amountFen === null) {
      return { action: 'retry_later', note: `Alipay does not report refund ${requestNo} yet` };
    }
    const recordedFen = facts.refunds
      .filter(r => r.status === 'succeeded')
      .reduce((sum, r) => sum + r.amountFen, 0);
    const alipaySideFen = Math.min(queried.amountFen, Math.max(0, moneyFen - recordedFen));
    if (alipaySideFen === 0) {
      return { action: 'ignore', status, note: `refund ${requestNo} leaves nothing to record` };
    }
    return {
      action: 'reconcile_refunds',
      status,
      settle: [],
      alipaySideFen,
      alipaySideKey: requestNo,
      note: `${alipaySideFen} fen refunded on Alipay's side (${requestNo})`,
      alert: LIFECYCLE_ALERTS.refundedOnAlipay(event.tradeNo, alipaySideFen),
    };
  }
  const total = event.status === 'closed' ? moneyFen : (event.refundedFen ?? facts.queriedRefundedFen);
  if (total === undefined) {
    return {
      action: 'query_refunded_total',
      note: 'a refund report without an amount: ask Alipay for the total',
    };
  }
  return readRefundedTotal(facts, status, total, moneyFen);
}

/** Reads Alipay's refunded total for money the shop holds: open refunds settled, Alipay-side refunds recorded. */
function readRefundedTotal(
  facts: TradeFacts,
  status: string,
  totalFen: number,
  moneyFen: number,
): TradeDecision {
  const reading = reconcileRefundedTotal({ alipayRefundedFen: totalFen, refunds: facts.refunds });
  if (reading.ambiguous) {
    return {
      action: 'retry_later',
      note: `Alipay's refunded total ${totalFen} fen does not tell which open refund went through yet`,
    };
  }
  // Never more than the payment: the rest of a total that exceeds it is not this payment's.
  const settledFen = facts.refunds
    .filter(r => r.status === 'succeeded' || reading.settle.includes(r.id))
    .reduce((sum, r) => sum + r.amountFen, 0);
  const room = Math.max(0, moneyFen - settledFen);
  const alipaySideFen = Math.min(reading.alipaySideFen, room);
  if (reading.settle.length === 0 && alipaySideFen === 0) {
    return { action: 'ignore', status, note: `refunds of ${totalFen} fen are all recorded` };
  }
  const parts = [
    reading.settle.length ? `${reading.settle.length} open refund(s) went through` : '',
    alipaySideFen ? `${alipaySideFen} fen refunded on Alipay's side` : '',
  ].filter(Boolean);
  return {
    action: 'reconcile_refunds',
    status,
    settle: reading.settle,
    alipaySideFen,
    alipaySideKey: alipaySideRefundKey(facts.event, totalFen),
    note: `Alipay's refunded total is ${totalFen} fen: ${parts.join('; ')}`,
    ...(alipaySideFen
      ? { alert: LIFECYCLE_ALERTS.refundedOnAlipay(facts.event.tradeNo, alipaySideFen) }
      : {}),
  };
}

/** What {@link decideBatchRefund} decides on. */
export interface BatchRefundFacts {
  event: RefundEvent;
  /** The shop's refund record with this `batch_no`, or null. */
  refund: LifecycleRefund | null;
}

/** The decision about a legacy `batch_refund_notify`. */
export type BatchRefundDecision =
  | { action: 'settle_refund' | 'fail_refund'; refundId: string; result: string; note: string }
  | { action: 'ignore'; note: string };

/**
 * Decides what a legacy `batch_refund_notify` does: it completes the shop's refund with that batch
 * number (settled, or failed with Alipay's item result). A batch the shop has no record of was not made
 * by it; the shop stores every request number before calling Alipay, so it is acknowledged and logged.
 */
export function decideBatchRefund(facts: BatchRefundFacts): BatchRefundDecision {
  const { event, refund } = facts;
  if (!refund)
    return { action: 'ignore', note: `batch ${event.batchNo} is not a refund this shop requested` };
  // Batches from the shop hold one trade: its item says how the refund ended.
  const item = event.items.find(i => i.success) ?? event.items[0];
  const result = item?.result ?? 'UNKNOWN';
  if (item?.success) {
    if (refund.status === 'succeeded') {
      return { action: 'ignore', note: `refund ${refund.requestNo} is already settled` };
    }
    return { action: 'settle_refund', refundId: refund.id, result, note: `batch ${event.batchNo} refunded` };
  }
  if (isFinalRefundStatus(refund.status)) {
    return { action: 'ignore', note: `refund ${refund.requestNo} is already ${refund.status}` };
  }
  return {
    action: 'fail_refund',
    refundId: refund.id,
    result,
    note: `batch ${event.batchNo} failed: ${result}`,
  };
}
