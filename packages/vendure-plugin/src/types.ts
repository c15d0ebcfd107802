import type { OrphanReason } from '@alipay-commerce/core/lifecycle';
import type { ID, RequestContextService } from '@vendure/core';
import type { AlipayPaymentIntentErrorReason } from './alipay-messages';

/**
 * The HTTP request type Vendure builds a `RequestContext` from (Express' `Request`), taken from
 * Vendure's own signature so this package needs no direct dependency on Express' types.
 */
export type VendureHttpRequest = NonNullable<Parameters<RequestContextService['create']>[0]['req']>;

/** The buyer's device class, which decides between the desktop cashier, mobile (WAP) and a QR code. */
export type AlipayDevice = 'desktop' | 'mobile';

/** Input of the `createAlipayPaymentIntent` Shop API mutation. */
export interface AlipayPaymentIntentInput {
  /** Code of the Alipay `PaymentMethod` to pay with. */
  paymentMethodCode: string;
  /** The buyer's device; when omitted it is read from the request's User-Agent. */
  device?: AlipayDevice | null;
}

/** Send the buyer's browser to `url` (OpenAPI `GET` page pay, legacy `mapi` redirects). */
export interface AlipayRedirect {
  __typename: 'AlipayRedirect';
  /** The Alipay cashier URL, signed. */
  url: string;
  /** The merchant trade number created for this attempt. */
  outTradeNo: string;
}

/** Render `html` (a self-submitting form that posts to the Alipay cashier). */
export interface AlipayForm {
  __typename: 'AlipayForm';
  /** The auto-submitting HTML form. */
  html: string;
  /** The merchant trade number created for this attempt. */
  outTradeNo: string;
}

/** Show `qrCode` for the buyer to scan with the Alipay app (face-to-face precreate). */
export interface AlipayQrCode {
  __typename: 'AlipayQrCode';
  /** The content to encode as a QR code. */
  qrCode: string;
  /** When the QR code stops being payable. */
  expiresAt: Date;
  /** The merchant trade number created for this attempt. */
  outTradeNo: string;
}

/** A payment intent could not be created; `message` is safe to show, `hint` helps the developer. */
export interface AlipayPaymentIntentError {
  __typename: 'AlipayPaymentIntentError';
  /** The `ErrorCode` Vendure derives from the type name. */
  errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR';
  /** Which problem it is, for the storefront to react to. */
  reason: AlipayPaymentIntentErrorReason;
  /** What went wrong, in English and Simplified Chinese. */
  message: string;
  /** What to check (e.g. the payment method's settings), when known. */
  hint?: string | null;
}

/** Result of `createAlipayPaymentIntent`: the `AlipayPaymentIntentResult` GraphQL union. */
export type AlipayPaymentIntentResult = AlipayRedirect | AlipayForm | AlipayQrCode | AlipayPaymentIntentError;

/**
 * What Alipay must read in the notify response: only the literal `success` stops its retries; `fail`
 * (the core's `ALIPAY_NACK`) asks for another delivery. Antom (interface type `antom`) stops only on its
 * exact JSON acknowledgement (the facade's reply to an Antom notification), answered as `application/json`.
 */
export type AlipayNotifyReply = string;

/** One delivery to the notify endpoint, as the controller hands it to the service. */
export interface AlipayNotifyInput {
  /** Channel token from the notify URL. */
  channelToken: string;
  /** Payment method code from the notify URL. */
  paymentMethodCode: string;
  /** The request body exactly as received (it may be GBK; signatures are over decoded values). */
  rawBody: Buffer;
  /** The request's `Content-Type` header, which may carry the charset. */
  contentType: string | undefined;
  /** The request's headers (Antom signs its notifications in `client-id`, `request-time`, `signature`). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The request, for building a Vendure `RequestContext`. */
  req: VendureHttpRequest;
}

/** One visit of the buyer's browser to the return endpoint. */
export interface AlipayReturnInput {
  /** Channel token from the return URL. */
  channelToken: string;
  /** Payment method code from the return URL. */
  paymentMethodCode: string;
  /** The query parameters Alipay appended, as parsed by Express (used for the trade lookup). */
  query: Record<string, unknown>;
  /** The raw query string (without `?`), verified with the charset Alipay used (it may be GBK). */
  rawQuery: string;
}

/** A paid Alipay trade that could not be applied to its order (Admin API `alipayOrphanPayments`). */
export interface AlipayOrphanPayment {
  outTradeNo: string;
  tradeNo: string | null;
  orderCode: string;
  orderId: ID;
  paymentMethodCode: string;
  /** The paid amount in fen. */
  amount: number;
  /** How much of it went back to the buyer so far, in fen (the orphan refund, refunds made on Alipay's side). */
  refundedAmount: number;
  reason: OrphanReason;
  /** The reason in English and Simplified Chinese. */
  reasonText: string;
  detectedAt: Date;
  /** The orphan refund's status (the core's `ShopRefundStatus`) once a refund was requested or reported. */
  refundStatus: string | null;
  refundRequestNo: string | null;
  /** Legacy refunds without the no-password contract: where the seller confirms the refund. */
  refundConfirmUrl: string | null;
  refundError: string | null;
}

/** What one reconciliation run did (the scheduled task's result). */
export interface AlipayReconciliationSummary {
  /** Trades queried. */
  checked: number;
  /** Answers that changed an order (payment recorded, escrow settled…). */
  applied: number;
  /** Paid trades found that could not be applied. */
  orphans: number;
  /** Trades whose processing failed (retried next run). */
  failed: number;
  /** Orphan refunds attempted. */
  refunded: number;
  /** Open refunds (never answered, uncertain, pending) looked at. */
  refundsChecked: number;
  /** Of those, refunds whose outcome is now known (settled or failed). */
  refundsResolved: number;
}

/** One Alipay trade of an order, for the admin's order page (`alipayOrder`). */
export interface AlipayOrderTrade {
  outTradeNo: string;
  /** Alipay's trade number, once Alipay reported the trade. */
  tradeNo: string | null;
  paymentMethodCode: string;
  interfaceType: string;
  /**
   * What the plugin last knew: `CREATED`, Alipay's `trade_status` (e.g. `TRADE_SUCCESS`, the escrow
   * states `WAIT_SELLER_SEND_GOODS`, `WAIT_BUYER_CONFIRM_GOODS`) or `START_FAILED`, `SUPERSEDED`, `ABANDONED`.
   */
  status: string;
  /** The amount in fen. */
  amount: number;
  /** Settled refunds of the trade so far, in fen. */
  refundedAmount: number;
  /** Escrow trades: when Alipay accepted the shipment confirmation. */
  shipmentConfirmedAt: Date | null;
  /** Set when the paid trade could not be applied to its order (an orphan payment). */
  orphanReason: string | null;
  /** The orphan reason in English and Simplified Chinese. */
  orphanReasonText: string | null;
  createdAt: Date;
}

/** One refund of an order's Alipay trades, for the admin's order page (`alipayOrder`). */
export interface AlipayOrderRefund {
  outTradeNo: string;
  requestNo: string;
  /** The amount in fen. */
  amount: number;
  /** The core's `ShopRefundStatus` (`requested`, `uncertain`, `pending`, `requires_action`, `succeeded`, `failed`). */
  status: string;
  /** Who asked: `shop`, `alipay` or `orphan`. */
  origin: string;
  /** Why it failed or is uncertain (bilingual, never a secret). */
  error: string | null;
  /** Legacy refunds without the no-password contract: where the seller confirms. */
  confirmUrl: string | null;
  createdAt: Date;
}

/** The Alipay side of one order: its trades and their refunds, oldest first. */
export interface AlipayOrderSummary {
  trades: AlipayOrderTrade[];
  refunds: AlipayOrderRefund[];
}

/** The payment `metadata` of an Alipay payment (the admin sees all of it, the storefront `public`). */
export interface AlipayPaymentMetadata {
  /** Alipay's trade number, also the payment's `transactionId`. */
  tradeNo: string;
  /** The merchant trade number of the attempt that was paid. */
  outTradeNo: string;
  /** Alipay's `trade_status` when the payment was recorded. */
  alipayStatus: string;
  /** The paid amount in fen. */
  amountFen: number;
  /** The `interfaceType` setting the trade was made with. */
  interfaceType: string;
  /** The Alipay interface (service or method) the payment was started with. */
  paymentInterface: string | null;
  /** Alipay's buyer user ID, when reported. */
  buyerId: string | null;
  /** When Alipay says the buyer paid (Beijing time), when reported. */
  paidAt: string | null;
  /** Whether a notification or a status query (sync, reconciliation) reported the payment. */
  source: string;
  /** What the storefront may see. */
  public: { tradeNo: string; outTradeNo: string };
}
