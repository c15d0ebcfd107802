/**
 * The timings of everything a shop does later: retries of escrow shipment confirmations and of payments
 * answered before they were applied, and when reconciliation asks Alipay again. One schedule for every
 * adapter.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** First retry of a failed background attempt (shipment confirmation, accepted payment). */
export const FIRST_RETRY_DELAY_MS = 15 * SECOND;

/** Longest wait between two background attempts: Alipay's own blips rarely last longer. */
export const MAX_RETRY_DELAY_MS = HOUR;

/**
 * Attempts at confirming an escrow shipment before it is reported as failed (it stays retryable by
 * hand): with {@link retryDelayMs}, about three hours of retrying.
 */
export const MAX_SHIPMENT_ATTEMPTS = 10;

/**
 * The delay before attempt `attemptsMade + 1` of a background task: 15 s, 30 s, 1 min, … doubling,
 * capped at {@link MAX_RETRY_DELAY_MS}.
 */
export function retryDelayMs(attemptsMade: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attemptsMade - 1), MAX_RETRY_DELAY_MS);
}

/** How often reconciliation runs (a scheduled task or job). */
export const RECONCILE_INTERVAL_MS = 5 * MINUTE;

/**
 * Trades and refunds younger than this are left to their notification: reconciliation asks Alipay only
 * about older ones (Alipay's first retry of a notification comes about 4 minutes after a failure).
 */
export const RECONCILE_AFTER_MS = 5 * MINUTE;

/** Unpaid trades are asked about for this long; Alipay closes unpaid trades well before. */
export const UNPAID_MAX_AGE_MS = 7 * DAY;

/**
 * Escrow trades waiting for shipment or receipt are asked about for this long (Alipay confirms receipt
 * for the buyer after 10 days, 30 for surface mail).
 */
export const ESCROW_MAX_AGE_MS = 45 * DAY;

/** An unpaid trade Alipay has never heard of is marked `ABANDONED` and no longer asked about after this. */
export const ABANDON_AFTER_MS = 48 * HOUR;

/**
 * A refund still open after this long (no answer, no notification, no trade query that settles it) is
 * shown to the merchant as needing a look: only Alipay's merchant portal can tell then.
 */
export const REFUND_ATTENTION_AFTER_MS = DAY;

/** Trades, refunds or orphans looked at per reconciliation run, so that one run never takes long. */
export const RECONCILE_BATCH_SIZE = 50;

/** True when something created at `createdAt` is old enough for reconciliation at `now`. */
export function isDueForReconciliation(createdAt: Date, now: Date = new Date()): boolean {
  return now.getTime() - createdAt.getTime() >= RECONCILE_AFTER_MS;
}

/**
 * Payment attempts (trades) of one order that may be open on Alipay at once. A new attempt closes the
 * earlier ones; when closes fail (Alipay unreachable) they stay open, and once this many are, a new
 * attempt first closes the oldest — and is refused while it cannot. This bounds what one shopper who
 * keeps asking for new attempts can leave open, and what a status sync of the order asks Alipay about.
 */
export const MAX_OPEN_ATTEMPTS_PER_ORDER = 3;

/**
 * Least time between two status queries a storefront sync makes about the same trade. A sync within
 * this interval answers from the recorded state without calling Alipay: a return page that polls, or a
 * shopper who repeats the sync, cannot turn into a flood of gateway calls. Short enough that a buyer who
 * paid and whose notification is late waits only seconds.
 */
export const SYNC_MIN_INTERVAL_MS = 5 * SECOND;
