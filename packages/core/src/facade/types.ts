import type { Bilingual } from '../errors';
import type { AlipayEvent, AlipayGeneration, TradeEvent } from '../events';
import type { HttpOptions } from '../http/fetch';
import type { LegacyPaymentInput, SellerAccount } from '../legacy/client';
import type { NotificationResult, Rejection } from '../rejections';
import type { BuyerContext, PaymentInterface } from '../select';

/** Options of {@link createAlipay}. */
export interface AlipayOptions {
  /** Timeouts, retries and the `fetch` used for every call to Alipay. */
  http?: HttpOptions;
  /** Clock (tests). */
  now?: () => Date;
}

/**
 * One order to pay, as an adapter describes it. Money is integer minor units of the order's currency:
 * fen for CNY, the only currency of legacy and OpenAPI merchants; Antom takes the shop's currency.
 */
export interface PaymentOrder {
  /** The merchant's order number (≤ 64 characters, unique per attempt). */
  outTradeNo: string;
  /** Total to pay in minor units of `currency` (fen for CNY), shipping included. */
  amountFen: number;
  /** ISO currency. Legacy and OpenAPI accept CNY only; Antom any currency it knows. Default `CNY`. */
  currency?: string;
  /** Antom: the `paymentMethodType` the buyer chose, one of the configured ones (default: the first). */
  paymentMethodType?: string;
  /** Shown on the cashier (商品名称). */
  subject: string;
  body?: string;
  /** Physical goods use logistics in escrow/dual; virtual goods do not. Default physical. */
  goods?: 'physical' | 'virtual';
  /** Shipping fee in fen, part of `amountFen` (escrow/dual logistics_fee). */
  shippingFeeFen?: number;
  /** Where Alipay POSTs notifications (absolute, no query string). */
  notifyUrl: string;
  /** Where the buyer's browser comes back (absolute, no query string). */
  returnUrl?: string;
  /** Mobile cashier "back" link (wap `quit_url`). */
  quitUrl?: string;
  showUrl?: string;
  /** C2C marketplaces: the seller account to pay for this order. */
  seller?: SellerAccount;
  /** Unpaid trades close after this many minutes. */
  timeoutMinutes?: number;
  /** Echoed back in notifications. */
  passback?: string;
  /** Escrow receiver details shown on the cashier. */
  receiver?: LegacyPaymentInput['receiver'];
}

/** How to send the buyer to Alipay. */
export type PaymentStart =
  | { kind: 'redirect'; url: string; interface: PaymentInterface; outTradeNo: string }
  | { kind: 'form'; html: string; interface: PaymentInterface; outTradeNo: string }
  | { kind: 'qr'; qrCode: string; expiresAt: Date; interface: PaymentInterface; outTradeNo: string };

/**
 * The HTTP request a notification came in, for generations that sign headers (Antom signs the
 * `client-id`, `request-time` and `signature` headers over the public notify path).
 */
export interface NotificationRequest {
  /** The request headers (any case; a repeated header as an array). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The public notify URL Alipay was given (the path and query Antom signed). Behind a proxy that rewrites
   * paths this is the configured public URL, not the local one.
   */
  notifyUrl: string;
}

/** What the caller expects a notification to say; a mismatch is a rejection, not a state change. */
export interface NotificationExpectation {
  outTradeNo?: string;
  /** What the order still owes, in fen. */
  amountFen?: number;
  /** C2C: the seller this order pays, when it is not the configured seller. */
  seller?: SellerAccount;
  /** The order's currency; anything but CNY means this Alipay payment cannot be for it. */
  currency?: string;
}

/** A trade to act on: the merchant's number and, when known, Alipay's. */
export interface TradeRef {
  outTradeNo: string;
  tradeNo?: string;
}

/** A refund to make. Money in fen. */
export interface RefundInput extends TradeRef {
  /** Your refund's ID: the idempotency key (derives OpenAPI `out_request_no` and the legacy batch number). */
  refundId: string;
  /** In minor units of the payment's currency (fen for CNY). */
  amountFen: number;
  /** The payment's currency (Antom refunds in it; asked of Antom when not given). Default CNY. */
  currency?: string;
  reason?: string;
  /** Legacy: where the `batch_refund_notify` goes. */
  notifyUrl?: string;
  /** The `refundRequestNo` an earlier attempt of this refund returned, to reuse it exactly. */
  refundRequestNo?: string;
}

/** The outcome of a refund request. */
export type RefundOutcome =
  /** Alipay refunded (OpenAPI answers synchronously). `refundedTotalFen` is the trade's refunded total. */
  | { status: 'succeeded'; refundRequestNo: string; refundedTotalFen: number }
  /**
   * Antom refunded this request (`refundRequestId`, idempotent): `amountFen` is what this request refunded
   * (Antom reports no trade total).
   */
  | { status: 'refunded'; refundRequestNo: string; amountFen: number }
  /** Accepted; the result arrives as a notification (legacy no-password refund). */
  | { status: 'pending'; refundRequestNo: string }
  /** The seller must confirm on Alipay's page with the payment password (legacy without the nopwd contract). */
  | { status: 'requires_action'; refundRequestNo: string; confirmUrl: string };

/** Which refund {@link Alipay.queryRefund} asks about. */
export interface RefundQueryInput extends TradeRef {
  /** The refund's ID, as passed to {@link Alipay.refund}. */
  refundId: string;
  /** The request number as Alipay knows it, when it is not the one derived from `refundId`. */
  refundRequestNo?: string;
}

/** What Alipay says about one refund request. */
export type RefundQueryOutcome =
  /** Refunded; `amountFen` is this request's amount. */
  | { status: 'succeeded'; amountFen: number }
  /** Alipay has no successful refund for this request (not made, or failed). */
  | { status: 'not_found' }
  /** The generation offers no refund query (legacy): wait for the `batch_refund_notify`; Antom: still processing. */
  | { status: 'unknown' };

/** Result of {@link Alipay.testCredentials}. */
export interface CredentialCheck {
  ok: boolean;
  /** Machine-readable cause: `TRADE_NOT_EXIST` (good), `ILLEGAL_SIGN`, `isv.invalid-app-id`, `NETWORK_TIMEOUT`… */
  code: string;
  message: Bilingual;
}

/**
 * The one object adapters use. Built by {@link createAlipay} from a config of either generation; every
 * method behaves the same way for legacy and OpenAPI merchants, and business checks (app/partner,
 * seller, amount) happen here, not in adapters.
 */
export interface Alipay {
  readonly generation: AlipayGeneration;
  /**
   * Why this merchant cannot take an order in `currency` (bilingual), or undefined when it can: legacy
   * and OpenAPI take CNY only, Antom the currencies it knows.
   */
  currencyRefusal(currency: string): Bilingual | undefined;
  /** The interface a buyer on this device would get, without building anything. */
  interfaceFor(buyer?: BuyerContext): PaymentInterface;
  /** Builds the redirect URL, form or QR code that sends the buyer to Alipay. */
  startPayment(
    order: PaymentOrder,
    buyer?: BuyerContext,
    options?: { as?: 'redirect' | 'form' },
  ): Promise<PaymentStart>;
  /**
   * Parses (charset), verifies (signature, notify_verify), checks app/partner/seller and expectations.
   * Antom verifies headers too: pass `request` (without it every Antom notification is refused, retryably).
   */
  handleNotification(
    rawBody: Uint8Array | string,
    contentType?: string,
    expected?: NotificationExpectation,
    request?: NotificationRequest,
  ): Promise<NotificationResult>;
  /** Verifies a return-URL query; the event is display-only. */
  handleReturn(query: string | Record<string, string>): NotificationResult<TradeEvent>;
  /** Checks a verified event against what the order expects (amount still owed, trade number, seller). */
  checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined;
  /** Asks Alipay for the trade; null when Alipay has none (the buyer never opened the cashier). */
  queryTrade(ref: TradeRef): Promise<TradeEvent | null>;
  /** Escrow 发货: confirms shipment to Alipay. `alreadyConfirmed` when it had been confirmed before. */
  confirmShipment(input: {
    tradeNo: string;
    outTradeNo?: string;
    carrier: string;
    trackingNumber?: string;
  }): Promise<{ alreadyConfirmed: boolean }>;
  /**
   * Refunds part or all of a trade; idempotent by `refundId` (the same ID never refunds twice). Store the
   * returned `refundRequestNo` and pass it back on a retry: a legacy batch number starts with the day it was
   * made, so only the stored number makes a retry on another day the same refund.
   */
  refund(input: RefundInput): Promise<RefundOutcome>;
  /**
   * Asks Alipay how a refund request ended (after a lost answer), by the refund's ID, or by the request
   * number Alipay knows it by (`refundRequestNo`: a refund Alipay made on its own side names its own).
   * Legacy has no such query: `unknown`.
   */
  queryRefund(input: RefundQueryInput): Promise<RefundQueryOutcome>;
  /** Closes an unpaid trade. `existed: false` when Alipay never saw it (nothing to close). */
  closeTrade(ref: TradeRef): Promise<{ existed: boolean }>;
  /** A harmless query for a trade that does not exist: "trade not found" means the credentials work. */
  testCredentials(): Promise<CredentialCheck>;
}
