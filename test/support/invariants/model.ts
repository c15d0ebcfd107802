/**
 * The invariant suite's vocabulary (test/reliability/invariants.test.ts): the operations a generated
 * sequence is made of, and what the runner records while it runs them (samples of the order as the admin
 * sees it, the sandbox's trades around each shipment, the final books) for the checks in `checks.ts`.
 *
 * Money is integer fen. Amounts of refunds are generated as eighths of the order's total, because the
 * total is only known once the order exists.
 */
import type { PaymentKind } from '../shop-driver';

/** Which of the order's trades an operation on the Alipay side targets. */
export type TradeTarget =
  /** The newest payment attempt. */
  | 'latest'
  /** The attempt before the newest (the superseded one); the newest when there is only one. */
  | 'previous';

/** A delivery fault armed, scoped to the trade, for its next notification (`count: 1`). */
export type NotifyFault =
  | { fault: 'drop-notify' }
  | { fault: 'duplicate-notify' }
  | { fault: 'reorder-notify' }
  /** The first attempt waits `ms` sandbox milliseconds (long ones only happen when the round moves the clock). */
  | { fault: 'delay-notify'; ms: number }
  /** A refund's notifications overtake its answer (the refund call of the next refund). */
  | { fault: 'refund-notify-first' };

/** One operation of a sequence. Each runs to its end before the sequence's next one starts. */
export type Op =
  /** The buyer pays the trade at the sandbox; `wait`: until the first notification attempt is done. */
  | { op: 'pay'; target: TradeTarget; wait: boolean }
  /** Arms a delivery fault for the trade's next notification. */
  | ({ op: 'notify-fault'; target: TradeTarget } & NotifyFault)
  /** Re-POSTs the `pick`-th recorded notification of the order's trades (as Alipay sent it) to the shop, later. */
  | { op: 'replay'; pick: number }
  /** The admin asks for these refunds at once (eighths of the total; 8 = all of it). */
  | { op: 'refunds'; parts: number[] }
  /** A new payment attempt for the order (the shop closes the old trade); `racePay`: the buyer pays the old trade meanwhile. */
  | { op: 'new-attempt'; racePay: boolean }
  /** The admin cancels the order if it looks unpaid (then a payment of its trade is an orphan). */
  | { op: 'cancel' }
  /** The admin ships the order. */
  | { op: 'ship' }
  /** The buyer confirms receipt of the (escrow) trade. */
  | { op: 'confirm-receipt' }
  /**
   * A refund on Alipay's side: escrow refunded whole and closed (`refundStatus: false` without
   * refund_status in the notification); instant `part` eighths (undefined: all that is left).
   */
  | { op: 'alipay-refund'; target: TradeTarget; part?: number; refundStatus?: boolean }
  /** The gateway fails (500, `count` times) or hangs (once) for this trade while `around` runs. */
  | {
      op: 'gateway-fault';
      fault: 'gateway-500' | 'gateway-hang';
      count: number;
      around: 'refund' | 'ship';
      part: number;
    }
  /** `notify_verify` fails (500) or hangs once for the merchant (legacy kinds only; not scoped to a trade). */
  | { op: 'verify-fault'; fault: 'notify-verify-500' | 'notify-verify-hang' };

/** One generated sequence: an order of `kind` and what happens to it before and after the round's midpoint. */
export interface Sequence {
  kind: PaymentKind;
  /** Operations before the round's midpoint (where the shop may restart). */
  phaseA: Op[];
  /** Operations after it. */
  phaseB: Op[];
}

/** What a round does at its midpoint. */
export type Restart = 'none' | 'SIGTERM' | 'SIGKILL';

/** A payment's state, the same words for every shop (see {@link normalizePaymentState}). */
export type PaymentState = 'created' | 'authorized' | 'settled' | 'cancelled' | 'failed';

/** One payment as a sample records it. */
export interface PaymentSample {
  id: string;
  state: PaymentState;
  /** The shop's own word for the state. */
  raw: string;
  amountFen: number;
  tradeNo?: string;
}

/** One refund as a sample records it. */
export interface RefundSample {
  id: string;
  state: 'settled' | 'pending' | 'failed';
  raw?: string;
  amountFen: number;
  origin?: string;
  paymentId?: string;
  tradeNo?: string;
  outTradeNo?: string;
}

/** The order as the admin saw it after one step. */
export interface OrderSample {
  /** After which step (`A3 refunds`, `restart`, `final`, …). */
  step: string;
  orderState: string;
  payments: PaymentSample[];
  refunds: RefundSample[];
}

/** A trade as the sandbox knew it at one moment. */
export interface TradeFacts {
  outTradeNo: string;
  tradeNo: string | null;
  /** Alipay's trade status (`WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_CLOSED`, …); `NONE` before the cashier opened. */
  status: string;
  totalFen: number;
  refundedFen: number;
  /** Whether the shop had answered `success` to a notification telling it the money went back (`TRADE_CLOSED` after payment). */
  closeAnswered: boolean;
  /** Whether the trade was ever paid (its history has a payment). */
  paid: boolean;
}

/** A shipment the shop accepted, with the sandbox's trades just before and just after the request. */
export interface ShipmentRecord {
  step: string;
  before: TradeFacts[];
  after: TradeFacts[];
}

/** One orphan payment of the sequence's trades. */
export interface OrphanSample {
  outTradeNo: string;
  tradeNo: string | null;
  amountFen: number;
  refundStatus: string | null;
  /** What the shop records as given back of it (its settled refunds), in fen. */
  refundedFen: number;
}

/** The books at the end of a round, after reconciliation. */
export interface FinalBooks {
  /** The order's last sample (payments and refunds). */
  order: OrderSample;
  /** The orphan payments the shop records for the sequence's trades. */
  orphans: OrphanSample[];
  /** Every trade of the sequence as the sandbox's ledger has it. */
  trades: TradeFacts[];
  /** Shop payments of other orders that name one of this sequence's trade numbers (should be none). */
  foreignPayments: Array<{ ref: string; payment: PaymentSample }>;
}

/** What one operation came to. */
export interface OpRecord {
  step: string;
  op: Op;
  outcome: string;
  ms: number;
}

/** Everything the runner recorded about one sequence. */
export interface SequenceRun {
  index: number;
  seed: number;
  sequence: Sequence;
  restart: Restart;
  /** The order reference (empty when the order could not be made). */
  ref: string;
  amountFen: number;
  /** The order's trades, oldest first. */
  outTradeNos: string[];
  ops: OpRecord[];
  samples: OrderSample[];
  shipments: ShipmentRecord[];
  final?: FinalBooks;
  /** Set when the sequence could not run (the order could not be made, the driver threw). */
  error?: string;
}

/** One broken invariant. */
export interface Violation {
  invariant: 'a' | 'b' | 'c' | 'd';
  /** What kind of breach (`refunds-mismatch`, `shipped-unpaid`, …): shrinking keeps to one kind. */
  kind: string;
  message: string;
}

/** Each invariant in one line (for reports). */
export const INVARIANTS: Record<Violation['invariant'], string> = {
  a: 'every trade is paid at most once',
  b: 'settled refunds add up to what Alipay refunded, per trade',
  c: 'no status moves backwards',
  d: 'no order ships while its money is not held',
};

/**
 * A shop's payment state in the suite's words: Vendure `Authorized`/`Settled`/`Cancelled`/`Declined`/`Error`,
 * Medusa (driver) `authorized`/`captured`/`partially_refunded`/`refunded`/`canceled` (a refunded Medusa
 * payment is still a captured one: refunds are a matter of refunds).
 */
export function normalizePaymentState(raw: string): PaymentState {
  switch (raw.toLowerCase()) {
    case 'authorized':
      return 'authorized';
    case 'settled':
    case 'captured':
    case 'partially_refunded':
    case 'refunded':
      return 'settled';
    case 'cancelled':
    case 'canceled':
      return 'cancelled';
    case 'declined':
    case 'error':
    case 'failed':
      return 'failed';
    default:
      return 'created';
  }
}

/** Payment states in which the shop holds the order's money. */
export function isLive(state: PaymentState): boolean {
  return state === 'authorized' || state === 'settled';
}

/** The amount of `part` eighths of `totalFen` (at least 1 fen; 8 eighths is all of it). */
export function partOf(totalFen: number, part: number): number {
  return part >= 8 ? totalFen : Math.max(1, Math.floor((totalFen * part) / 8));
}

/** Sandbox trade statuses in which Alipay holds a paid escrow trade's money for the seller. */
export const HELD_STATUSES = new Set(['WAIT_SELLER_SEND_GOODS', 'WAIT_BUYER_CONFIRM_GOODS']);
/** Sandbox trade statuses of a paid trade whose money was released to the seller. */
export const RELEASED_STATUSES = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/** Whether Alipay holds (or has paid out) the trade's money and has not given all of it back. */
export function moneyHeld(trade: Pick<TradeFacts, 'status' | 'totalFen' | 'refundedFen'>): boolean {
  if (HELD_STATUSES.has(trade.status)) return trade.refundedFen < trade.totalFen;
  return RELEASED_STATUSES.has(trade.status) && trade.refundedFen < trade.totalFen;
}
