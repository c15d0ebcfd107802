import { type TradeStatus, toTradeStatus } from '../events';

/**
 * How far a trade has come, once for every adapter: the rank of each status a shop records, so that a
 * late or reordered notification never moves the recorded status backwards (a `WAIT_BUYER_PAY` that
 * arrives after `TRADE_SUCCESS` changes nothing).
 */

/**
 * Statuses a shop records that Alipay never reports:
 * - `CREATED` — the trade was started, Alipay has not reported on it yet;
 * - `START_FAILED` — Alipay refused to start it;
 * - `SUPERSEDED` — a newer attempt for the same order replaced it (and it was closed);
 * - `ABANDONED` — never paid, no longer asked about.
 */
export type LocalTradeStatus = 'CREATED' | 'START_FAILED' | 'SUPERSEDED' | 'ABANDONED';

/** The core's trade statuses in the order a trade moves through them (Medusa ranks its SQL with it). */
export const TRADE_STATUS_ORDER: readonly TradeStatus[] = [
  'waiting_payment',
  'paid_awaiting_shipment',
  'shipped_awaiting_receipt',
  'paid',
  'finished',
  'closed',
];

/**
 * The rank of every status a shop may record: Alipay's `trade_status` texts and the
 * {@link LocalTradeStatus} markers. `TRADE_CLOSED` is last: it is final (unpaid and closed, or paid and
 * refunded in full). `ABANDONED` ranks below every paid status, so a late payment is still recorded.
 */
const RECORDED_STATUS_RANK: Readonly<Record<string, number>> = {
  CREATED: 0,
  START_FAILED: 0,
  SUPERSEDED: 1,
  WAIT_BUYER_PAY: 2,
  TRADE_PENDING: 2,
  ABANDONED: 3,
  WAIT_SELLER_SEND_GOODS: 4,
  WAIT_BUYER_CONFIRM_GOODS: 5,
  TRADE_SUCCESS: 6,
  TRADE_FINISHED: 7,
  TRADE_CLOSED: 8,
};

/** The rank of a core {@link TradeStatus}: its place in {@link TRADE_STATUS_ORDER}. */
export function tradeStatusRank(status: TradeStatus): number {
  return TRADE_STATUS_ORDER.indexOf(status);
}

/** The rank of a recorded status (Alipay's text or a local marker); 0 for anything unknown. */
export function recordedStatusRank(recorded: string): number {
  // Own keys only: `constructor` is inherited by every object and is not a status.
  return Object.hasOwn(RECORDED_STATUS_RANK, recorded) ? (RECORDED_STATUS_RANK[recorded] as number) : 0;
}

/**
 * The status to record after an event reported `reported`: the reported one unless the trade is
 * already further along (then the recorded one stays). An empty report changes nothing.
 */
export function nextRecordedStatus(current: string, reported: string): string {
  if (reported === '') return current;
  return recordedStatusRank(reported) >= recordedStatusRank(current) ? reported : current;
}

/** True when recording `reported` after `current` would move the trade backwards (a late report). */
export function isLateStatus(current: string, reported: string): boolean {
  return recordedStatusRank(reported) < recordedStatusRank(current);
}

/**
 * True when a verified event carries one of Alipay's trade statuses and the core status that goes with
 * it: checked before anything is applied, so that a status the core does not know (a name inherited by
 * every JavaScript object included) is never taken for a payment.
 */
export function hasKnownTradeStatus(event: { alipayStatus: unknown; status: unknown }): boolean {
  return (
    typeof event.alipayStatus === 'string' &&
    typeof event.status === 'string' &&
    toTradeStatus(event.alipayStatus) === event.status
  );
}

/** Recorded statuses of trades that may still change without the shop doing anything. */
export const OPEN_RECORDED_STATUSES: readonly string[] = [
  'CREATED',
  'SUPERSEDED',
  'WAIT_BUYER_PAY',
  'TRADE_PENDING',
  'WAIT_SELLER_SEND_GOODS',
  'WAIT_BUYER_CONFIRM_GOODS',
];

/** Recorded statuses of trades nobody has paid yet (closing or superseding them is safe). */
export const UNPAID_RECORDED_STATUSES: readonly string[] = ['CREATED', 'WAIT_BUYER_PAY', 'TRADE_PENDING'];

/** True when Alipay holds the buyer's money in escrow for the seller (担保交易, paid, not yet released). */
export function isHeldInEscrow(recorded: string): boolean {
  return recorded === 'WAIT_SELLER_SEND_GOODS' || recorded === 'WAIT_BUYER_CONFIRM_GOODS';
}

/** True when the recorded status says the buyer's money reached the seller (nothing held in escrow). */
export function isReleasedStatus(recorded: string): boolean {
  return recorded === 'TRADE_SUCCESS' || recorded === 'TRADE_FINISHED';
}

/** Interface types (settings) whose payments Alipay can hold in escrow until the buyer confirms receipt. */
export const ESCROW_INTERFACE_TYPES: readonly string[] = ['legacy-escrow', 'legacy-dual'];
