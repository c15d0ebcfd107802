/**
 * The contract between the cross-shop suites (reliability, hostile input, secrets, endpoint load) and
 * one example shop. Every suite iterates over `registeredDrivers()` (`drivers.ts`); adding a shop to all of them is
 * writing one `<name>-driver.ts` that implements {@link ShopDriver} and adding it to `DRIVERS` in
 * `drivers.ts`.
 *
 * Money is integer minor units of the order's currency everywhere: fen (分) for CNY, cents for the USD orders of `antom`. A driver never decides what a suite asserts: it only starts the
 * shop, makes orders the way a buyer would, reads state the way an admin would, and exposes the process.
 */
/** Which Alipay interface an order is paid with. Every shop offers all four. */
export type PaymentKind =
  /** OpenAPI (RSA2) website payment, `alipay.trade.page.pay`: Alipay notifies `TRADE_SUCCESS`. */
  | 'openapi'
  /** Legacy instant payment 即时到账 `create_direct_pay_by_user` (MD5): `TRADE_SUCCESS`. */
  | 'legacy-instant'
  /** Legacy escrow 担保交易 `create_partner_trade_by_buyer` (MD5): `WAIT_SELLER_SEND_GOODS` … `TRADE_FINISHED`. */
  | 'legacy-escrow'
  /**
   * Antom (cross-border) cashier payment of a USD order, `CASHIER_PAYMENT`: Antom notifies `PAYMENT_RESULT`
   * (JSON signed in headers). Amounts are cents.
   */
  | 'antom';

export const PAYMENT_KINDS: readonly PaymentKind[] = ['openapi', 'legacy-instant', 'legacy-escrow', 'antom'];

/** What the shop needs to know about the sandbox it talks to. */
export interface ShopStartOptions {
  /** Base URL of the running sandbox (its `/gateway.do` and `/openapi/gateway.do` are used). */
  sandboxUrl: string;
  /** Log everything the shop can log (its most verbose level), e.g. to search the logs for secrets. */
  verboseLogs?: boolean;
}

/** An order waiting for Alipay: the buyer has been sent to the cashier, nothing is paid yet. */
export interface PendingOrder {
  /** The shop's order reference (Vendure: the order code; Medusa: the cart or order id). */
  ref: string;
  kind: PaymentKind;
  /** The `out_trade_no` the shop gave Alipay for this attempt. */
  outTradeNo: string;
  /** What Alipay was asked to collect. */
  amountFen: number;
  /** The `notify_url` the shop gave Alipay for this attempt. */
  notifyUrl: string;
  /** The Alipay URL the buyer's browser was sent to (the gateway, with the signed request). */
  paymentUrl: string;
}

/** One payment of an order, as the shop's admin sees it. */
export interface PaymentView {
  /** The shop's ID of the payment (Vendure payment ID, Medusa `pay_…`): follows one payment across reads. */
  id?: string;
  /** The shop's payment state, e.g. Vendure `Authorized` / `Settled`, Medusa `authorized` / `captured`. */
  state: string;
  amountFen: number;
  /** Alipay's `trade_no`, when the shop records it. */
  tradeNo?: string;
}

/** An order as the shop's admin sees it. */
export interface OrderView {
  /** The shop's own order state (Vendure `PaymentSettled`, …); compared, never interpreted, by suites. */
  state: string;
  /** True when money is held for the order: a payment is authorized (escrow) or settled/captured. */
  paid: boolean;
  /** True when the seller has the money: every live payment is settled/captured. */
  settled: boolean;
  /** Payments that are live (authorized, settled/captured). Paid exactly once ⇔ `livePayments === 1`. */
  livePayments: number;
  payments: PaymentView[];
}

/** One refund as the shop records it ({@link ShopDriver.refunds}). */
export interface RefundView {
  /** The shop's ID of the refund (follows one refund across reads). */
  id?: string;
  amountFen: number;
  /**
   * `settled`: the shop records the money as given back; `failed`: the shop records that nothing moved;
   * `pending`: anything else (requested, waiting for Alipay, uncertain, unknown).
   */
  state: 'settled' | 'pending' | 'failed';
  /** Who asked for it, when the shop says: `shop` (an admin), `alipay` (Alipay's side), `orphan`. */
  origin?: string;
  /** The shop's payment refunded ({@link PaymentView.id}). */
  paymentId?: string;
  /** Alipay's trade number of the payment refunded, when the shop records it. */
  tradeNo?: string;
  /** The `out_trade_no` of the trade refunded, when the shop records it. */
  outTradeNo?: string;
  /** The shop's own state text (Vendure `Settled`, Medusa ledger `succeeded`, …), for messages. */
  raw?: string;
}

/** A paid Alipay trade the shop could not apply to its order ({@link ShopDriver.orphans}). */
export interface OrphanView {
  outTradeNo: string;
  tradeNo: string | null;
  amountFen: number;
  /** The orphan refund's status as the shop reports it (`succeeded`, `pending`, `failed`, …), or null. */
  refundStatus: string | null;
  /** How much of the orphan's money the shop records as given back (its settled refunds), in fen. */
  refundedFen: number;
}

/** What the shop answered to an admin action that it may refuse. */
export interface AdminAnswer {
  accepted: boolean;
  /** Why not (the shop's message), or a note about an accepted action. */
  reason?: string;
}

/** A notification outcome the shop logged, parsed by the driver from its own log format. */
export interface NotificationOutcome {
  /**
   * `accepted`: the shop processed the notification as genuine news (verified, then applied or recorded
   * on the order/trade). `refused`: anything else — rejected by verification or by a business check,
   * a replay/duplicate, a body the endpoint would not read, a trade the shop does not know.
   */
  verdict: 'accepted' | 'refused';
  /** Machine-readable reason (`bad_signature`, `wrong_amount`, `duplicate`, `applied`, …). */
  reason: string;
  /** The whole log line. */
  line: string;
}

/**
 * A JSON-comparable picture of every order, payment and refund of the shop (and its orphan payments),
 * read through the shop's admin API. Two snapshots are equal iff nothing changed.
 */
export type ShopSnapshot = Record<string, unknown>;

/** One example shop under test. Implementations: `vendure-driver.ts` (and `medusa-driver.ts`), registered in `drivers.ts`. */
export interface ShopDriver {
  /** `vendure`, `medusa`: used in test names and result files. */
  readonly name: string;

  /** Starts the shop in a fresh data directory on a free loopback port; resolves once it serves requests. */
  start(options: ShopStartOptions): Promise<void>;
  /** Stops the shop and deletes its data directory. Safe to call twice or after a failed start. */
  stop(): Promise<void>;
  /**
   * Stops the shop process and starts it again on the same port with the same data (a deploy, a crash).
   * `SIGKILL` kills it without any chance to finish requests; `SIGTERM` lets it shut down. `whileDown`
   * runs after the process has exited and before it is started again.
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL', whileDown?: () => Promise<void>): Promise<void>;
  /** Whether the shop process is alive (not exited). */
  isRunning(): boolean;
  /** Process ID of the shop's server process (the Node process that serves the notify endpoint). */
  pid(): number;
  /** Resident set size of the server process in bytes (`/proc/<pid>/status` VmRSS). */
  rssBytes(): number;
  /** Every line the shop process wrote to stdout and stderr since {@link start}, restarts included. */
  logs(): readonly string[];
  /**
   * The notification outcomes in `logs().slice(fromLine)`, one per notify request the shop handled.
   * Drivers start their shop with a log level that records accepted notifications too.
   */
  notificationOutcomes(fromLine?: number): NotificationOutcome[];

  /** The notify URL the shop gives Alipay for orders paid with `kind`. */
  notifyUrl(kind: PaymentKind): string;
  /**
   * Creates an order as a guest buyer through the shop's storefront API and starts an Alipay payment for
   * it (desktop: page pay for `openapi`), exactly as the storefront does. Nothing is paid.
   * `physical` (default false: an untracked e-book, so any number of orders can be made) picks goods that need shipping (escrow shipment confirmation needs them).
   */
  createPendingOrder(input: {
    kind: PaymentKind;
    physical?: boolean;
    /** Extra headers on the buyer's storefront API requests (e.g. a forged `Host`). */
    headers?: Record<string, string>;
  }): Promise<PendingOrder>;
  /** The order as the admin sees it now. */
  orderState(order: PendingOrder): Promise<OrderView>;
  /** Every order as the admin sees it now, by {@link PendingOrder.ref} (for checks over thousands of orders). */
  allOrders(): Promise<Map<string, OrderView>>;
  /**
   * What the admin's Alipay settings form reads (every Alipay payment method / provider and its settings),
   * as the admin API answers it: secrets must come back masked.
   */
  readPaymentSettings(): Promise<unknown>;
  /** Every order, payment, refund and orphan payment, as the admin sees them now. */
  snapshot(): Promise<ShopSnapshot>;
  /**
   * Ships a paid escrow order in the admin (fulfillment with carrier and tracking number, marked shipped),
   * which makes the shop confirm the shipment to Alipay (`send_goods_confirm_by_platform`) in the
   * background. Resolves once the admin action is done, not when Alipay has been told.
   */
  ship(order: PendingOrder, shipment: { carrier: string; trackingNumber: string }): Promise<void>;
  /**
   * {@link ship}, but a refusal by the shop (an error answer: the order cannot be fulfilled, or the
   * Alipay money is not held) is reported instead of thrown. A fulfillment left unshipped by an earlier
   * refusal is shipped instead of creating another.
   */
  tryShip(order: PendingOrder, shipment: { carrier: string; trackingNumber: string }): Promise<AdminAnswer>;
  /** Whether the shop counts the order as shipped (Vendure `Shipped`/`Delivered`; Medusa a shipped fulfillment). */
  shipped(order: PendingOrder): Promise<boolean>;
  /**
   * The admin refunds `amountFen` of the order's live Alipay payment (Vendure `refundOrder`, Medusa
   * `POST /admin/payments/:id/refund`). `accepted: false` with the shop's message when it refuses (no
   * live payment, another refund in progress, more than refundable, an error answer).
   */
  refund(order: PendingOrder, amountFen: number): Promise<AdminAnswer>;
  /** Every refund of the order's payments as the shop records it now. */
  refunds(order: PendingOrder): Promise<RefundView[]>;
  /**
   * {@link orderState} and {@link refunds} from one read of the order (optional: the invariant suite reads
   * both after every step, and one admin read instead of two halves the load those reads put on the shop).
   */
  books?(order: PendingOrder): Promise<{ view: OrderView; refunds: RefundView[] }>;
  /** Every orphan payment the shop records (paid trades it could not apply to their order). */
  orphans(): Promise<OrphanView[]>;
  /**
   * A new payment attempt for the same order, by the same buyer (Vendure: `createAlipayPaymentIntent`
   * again in the buyer's session; Medusa: a new payment session on the cart): the shop supersedes (and
   * closes at Alipay) the earlier trade. The buyer's browser is sent to the new cashier. Throws when the
   * shop refuses (e.g. the order is paid already).
   */
  newAttempt(order: PendingOrder): Promise<PendingOrder>;
  /**
   * The admin cancels the (unpaid) order: Vendure `cancelOrder`; Medusa, where an unpaid order is still a
   * cart, deletes the cart's payment collection (`DELETE /admin/payment-collections/:id`), which is what
   * its admin can do (a placed order: `POST /admin/orders/:id/cancel`).
   */
  cancelOrder(order: PendingOrder): Promise<AdminAnswer>;
  /**
   * Runs the shop's reconciliation (the job that queries Alipay about open trades and open refunds, and
   * refunds orphan payments) now, treating every open trade and refund as due (a driver may age them
   * instead of waiting for the real delay), and resolves when the run has finished.
   */
  reconcile(): Promise<void>;
}
