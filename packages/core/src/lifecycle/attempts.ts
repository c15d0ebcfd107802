import { randomBytes } from 'node:crypto';
import { MAX_OPEN_ATTEMPTS_PER_ORDER, SYNC_MIN_INTERVAL_MS } from './schedules';
import { UNPAID_RECORDED_STATUSES } from './status';

/**
 * How many payment attempts of one order a shop keeps open on Alipay, and which of them a storefront's
 * status sync asks Alipay about. One policy for every adapter; the adapters only load and store trades.
 */

/**
 * Recorded statuses of trades that Alipay may still change and that the shop has not closed: unpaid
 * (`CREATED`, `WAIT_BUYER_PAY`, `TRADE_PENDING`) or paid into escrow and not yet released. Unlike the
 * core's `OPEN_RECORDED_STATUSES` this leaves out `SUPERSEDED`: the shop closed those on Alipay itself
 * (reconciliation and notifications still watch them, so a late payment of one is never lost).
 */
export const OPEN_AT_ALIPAY_STATUSES: readonly string[] = [
  ...UNPAID_RECORDED_STATUSES,
  'WAIT_SELLER_SEND_GOODS',
  'WAIT_BUYER_CONFIRM_GOODS',
];

/** True when a trade recorded as `recorded` may still change on Alipay and was not closed by the shop. */
export function isOpenAtAlipay(recorded: string): boolean {
  return OPEN_AT_ALIPAY_STATUSES.includes(recorded);
}

/** What the attempt policy needs to know about a trade. */
export interface AttemptView {
  /** The recorded status (Alipay's text or a local marker such as `SUPERSEDED`). */
  status: string;
  /** When the shop created the attempt. */
  createdAt: Date;
  /** When the shop last asked Alipay about it, if ever. */
  lastQueriedAt?: Date | null;
}

/**
 * The unpaid attempts to close before a new attempt of the order starts, oldest first, so that with the
 * new one at most {@link MAX_OPEN_ATTEMPTS_PER_ORDER} are open: none while fewer are open. The new
 * attempt must not start while any of these stays open (its close failed).
 *
 * @param attempts - the order's attempts, in any order; paid, closed and superseded ones are ignored.
 */
export function attemptsToCloseBeforeNew<T extends AttemptView>(
  attempts: readonly T[],
  maxOpen: number = MAX_OPEN_ATTEMPTS_PER_ORDER,
): T[] {
  const unpaid = attempts
    .filter(attempt => UNPAID_RECORDED_STATUSES.includes(attempt.status))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const excess = unpaid.length - (Math.max(1, maxOpen) - 1);
  return excess > 0 ? unpaid.slice(0, excess) : [];
}

/**
 * The trades a storefront's status sync of one order asks Alipay about: those still open on Alipay
 * ({@link isOpenAtAlipay}) and not asked about within {@link SYNC_MIN_INTERVAL_MS}, newest first, at
 * most {@link MAX_OPEN_ATTEMPTS_PER_ORDER}. Everything else is answered from the recorded state. The
 * adapter must still claim each trade atomically before the query (two concurrent syncs both read the
 * same `lastQueriedAt`), so that the interval holds across concurrent requests.
 */
export function tradesToSync<T extends AttemptView>(trades: readonly T[], now: Date = new Date()): T[] {
  return trades
    .filter(
      trade =>
        isOpenAtAlipay(trade.status) &&
        (!trade.lastQueriedAt || now.getTime() - trade.lastQueriedAt.getTime() >= SYNC_MIN_INTERVAL_MS),
    )
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, MAX_OPEN_ATTEMPTS_PER_ORDER);
}

/** The `lastQueriedAt` before which a trade may be asked about again by a sync at `now`. */
export function syncClaimCutoff(now: Date = new Date()): Date {
  return new Date(now.getTime() - SYNC_MIN_INTERVAL_MS);
}

/**
 * A new payment attempt's `out_trade_no`: `at` and 30 random hex digits (32 characters, within both
 * generations' 64-character limit, letters and digits only). Random, and unrelated to the order, cart or
 * payment session: the number appears in payment URLs, on the payer's Alipay bill and in any "pay for
 * me" link, so it must not lead anyone to the order or the buyer. Store the mapping to the order with the
 * attempt before the buyer is sent to Alipay; look trades up by it, never parse it.
 */
export function newOutTradeNo(): string {
  return `at${randomBytes(15).toString('hex')}`;
}
