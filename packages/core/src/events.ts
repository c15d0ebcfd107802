/**
 * The normalized event: one shape for legacy (mapi) and OpenAPI notifications, returns and query answers.
 * Adapters drive order state from {@link TradeEvent.status} and never look at generation-specific fields.
 */

/**
 * Where a trade stands, in one small union for both generations:
 * - `waiting_payment` — created, not paid (`WAIT_BUYER_PAY`, `TRADE_PENDING`);
 * - `paid_awaiting_shipment` — escrow: paid into escrow, the seller must ship (`WAIT_SELLER_SEND_GOODS`);
 * - `shipped_awaiting_receipt` — escrow: shipped, the buyer must confirm receipt (`WAIT_BUYER_CONFIRM_GOODS`);
 * - `paid` — paid and still refundable (`TRADE_SUCCESS`);
 * - `finished` — paid and final: funds released, no more refunds (`TRADE_FINISHED`);
 * - `closed` — closed unpaid, or fully refunded (`TRADE_CLOSED`).
 */
export type TradeStatus =
  | 'waiting_payment'
  | 'paid_awaiting_shipment'
  | 'shipped_awaiting_receipt'
  | 'paid'
  | 'finished'
  | 'closed';

/** Which Alipay protocol produced an event: legacy (mapi), OpenAPI, or Antom (cross-border acquiring). */
export type AlipayGeneration = 'legacy' | 'openapi' | 'antom';

/**
 * How the event reached us: `notify` (server-to-server POST: the truth), `return` (browser GET to
 * return_url: display only, never changes state), `query` (the answer of a trade query: the truth).
 */
export type EventSource = 'notify' | 'return' | 'query';

/** Fields every event has. */
export interface EventBase {
  generation: AlipayGeneration;
  source: EventSource;
  /** True for return-URL events: show them, never act on them. */
  displayOnly: boolean;
  /** Alipay's `notify_id` (the same on every retry of one notification). */
  notifyId: string | undefined;
  /** Alipay's `notify_time`, Beijing time, `yyyy-MM-dd HH:mm:ss`. */
  notifyTime: string | undefined;
  /** Every field exactly as received (verified), for storage and audits. */
  raw: Readonly<Record<string, string>>;
}

/** Timestamps Alipay reports, Beijing time `yyyy-MM-dd HH:mm:ss`, when present. */
export interface TradeTimestamps {
  created?: string;
  paid?: string;
  shipped?: string;
  closed?: string;
  refunded?: string;
}

/** A trade status change (legacy `trade_status_sync`, OpenAPI trade notification, return, or query). */
export interface TradeEvent extends EventBase {
  type: 'trade';
  /** The merchant's order number (`out_trade_no`). */
  outTradeNo: string;
  /** Alipay's trade number (`trade_no`). */
  tradeNo: string;
  status: TradeStatus;
  /**
   * Alipay's own status text, e.g. `WAIT_SELLER_SEND_GOODS`. Antom's payment statuses are given in these
   * words (`SUCCESS` → `TRADE_SUCCESS`, `PROCESSING`/`PENDING` → `WAIT_BUYER_PAY`, `FAIL`/`CANCELLED` →
   * `TRADE_CLOSED`), Antom's own one staying in {@link EventBase.raw}.
   */
  alipayStatus: string;
  /**
   * The trade total in integer minor units of {@link TradeEvent.currency}: fen for CNY (`total_fee` /
   * `total_amount`), cents for USD (Antom's `paymentAmount.value`).
   */
  amountFen: number;
  /** The trade's currency when it is not CNY (Antom); undefined means CNY (legacy and OpenAPI). */
  currency?: string;
  /** Total refunded so far in fen, when Alipay reports it (`refund_fee`). */
  refundedFen: number | undefined;
  /** The refund request this notification reports on (OpenAPI `out_biz_no`), when it is a refund. */
  refundRequestNo: string | undefined;
  /** Alipay's refund status on legacy trade notifications (`refund_status`, e.g. `REFUND_SUCCESS`). */
  refundStatus: string | undefined;
  buyer: { id?: string; account?: string };
  seller: { id?: string; email?: string };
  /** OpenAPI `app_id`, when present. */
  appId: string | undefined;
  timestamps: TradeTimestamps;
  /** What the merchant passed through the payment (`extra_common_param` / `passback_params`). */
  passback: string | undefined;
}

/** One refunded trade in a legacy `batch_refund_notify`. */
export interface RefundItem {
  tradeNo: string;
  amountFen: number;
  /** Alipay's result text for this item, `SUCCESS` or an error code. */
  result: string;
  success: boolean;
}

/** A legacy batch refund result (`batch_refund_notify`). Alipay does not send out_trade_no here. */
export interface RefundEvent extends EventBase {
  type: 'refund';
  /** The `batch_no` the merchant chose when asking for the refund. */
  batchNo: string;
  /** Trade number of the first item (batches from this library hold one trade). */
  tradeNo: string;
  /** Sum of the successful items, in fen. */
  amountFen: number;
  successCount: number;
  items: RefundItem[];
}

/** Every verified event the core returns. */
export type AlipayEvent = TradeEvent | RefundEvent;

const STATUS_MAP: Record<string, TradeStatus> = {
  WAIT_BUYER_PAY: 'waiting_payment',
  TRADE_PENDING: 'waiting_payment',
  WAIT_SELLER_SEND_GOODS: 'paid_awaiting_shipment',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped_awaiting_receipt',
  TRADE_SUCCESS: 'paid',
  TRADE_FINISHED: 'finished',
  TRADE_CLOSED: 'closed',
};

/** Maps Alipay's `trade_status` text to {@link TradeStatus}; undefined for statuses we do not know. */
export function toTradeStatus(alipayStatus: string | undefined): TradeStatus | undefined {
  // Own keys only: `constructor`, `toString`, … are inherited by every object and are not statuses.
  return alipayStatus !== undefined && Object.hasOwn(STATUS_MAP, alipayStatus)
    ? STATUS_MAP[alipayStatus]
    : undefined;
}

/**
 * True when a trade event reports a refund rather than a payment (OpenAPI `out_biz_no` / `refund_fee`, legacy
 * `refund_status`): adapters record it as a refund and never treat it as money arriving.
 */
export function isRefundNotification(
  event: Partial<Pick<TradeEvent, 'refundRequestNo' | 'refundedFen' | 'refundStatus'>>,
): boolean {
  return (
    event.refundRequestNo !== undefined || (event.refundedFen ?? 0) > 0 || event.refundStatus !== undefined
  );
}

/** True when the status means the buyer's money has arrived (in escrow or settled). */
export function isPaidStatus(status: TradeStatus): boolean {
  return (
    status === 'paid' ||
    status === 'finished' ||
    status === 'paid_awaiting_shipment' ||
    status === 'shipped_awaiting_receipt'
  );
}

/** True when the money is released to the merchant (nothing is held in escrow). */
export function isSettledStatus(status: TradeStatus): boolean {
  return status === 'paid' || status === 'finished';
}

/**
 * What a shop's return route tells the storefront, the only thing it adds to the storefront's return
 * URL (`?status=`): `paid` (Alipay signed a paid, settled trade), `authorized` (signed, paid into
 * escrow), `pending` (signed, not paid yet) or `unverified` (not signed for this trade, or the settings
 * cannot verify it). For display only: the storefront shows the order as the shop knows it.
 */
export type StorefrontReturnStatus = 'paid' | 'authorized' | 'pending' | 'unverified';

/** The {@link StorefrontReturnStatus} of a return Alipay signed for the trade, from its status. */
export function storefrontReturnStatus(status: TradeStatus): Exclude<StorefrontReturnStatus, 'unverified'> {
  return isSettledStatus(status) ? 'paid' : isPaidStatus(status) ? 'authorized' : 'pending';
}
