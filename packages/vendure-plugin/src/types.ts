import type { RequestContextService } from '@vendure/core';

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
  /** The buyer's device; the logic phase decides the default when omitted. */
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
  /** What went wrong. */
  message: string;
  /** What to check (e.g. the payment method's settings), when known. */
  hint?: string | null;
}

/** Result of `createAlipayPaymentIntent`: the `AlipayPaymentIntentResult` GraphQL union. */
export type AlipayPaymentIntentResult = AlipayRedirect | AlipayForm | AlipayQrCode | AlipayPaymentIntentError;

/** What Alipay must read in the notify response: only the literal `success` stops its retries. */
export type AlipayNotifyReply = 'success' | 'failure';

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
  /** The request, for building a Vendure `RequestContext`. */
  req: VendureHttpRequest;
}

/** One visit of the buyer's browser to the return endpoint. */
export interface AlipayReturnInput {
  /** Channel token from the return URL. */
  channelToken: string;
  /** Payment method code from the return URL. */
  paymentMethodCode: string;
  /** The query parameters Alipay appended (signed, but only used for display and lookup). */
  query: Record<string, unknown>;
}
