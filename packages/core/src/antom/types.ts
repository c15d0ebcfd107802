/**
 * The inputs and results of {@link AntomClient}: what a caller passes and what each API call learned.
 * Kept apart from the client so that its file reads as the calls themselves.
 */
import type { HttpOptions } from '../http/fetch';
import type { KeyInput } from '../sign/keys';
import type { AntomClient, AntomRegion } from './client';
import type { AntomResult } from './result';

/** Options of {@link AntomClient}. */
export interface AntomClientOptions {
  /** The merchant's client ID from Antom Dashboard; `SANDBOX_…` selects the sandbox paths. */
  clientId: string;
  /** The merchant's RSA private key (PEM PKCS#1/PKCS#8 or bare base64). */
  merchantPrivateKey: KeyInput;
  /** Antom's public key from Antom Dashboard (PEM or bare base64): answers are verified with it. */
  antomPublicKey: KeyInput;
  /** The version of the merchant key registered in Antom Dashboard. Default 1. */
  keyVersion?: number | string;
  /** The region whose host serves this client ID. One of `region` and `gateway` is required. */
  region?: AntomRegion;
  /**
   * An explicit gateway origin (`http://127.0.0.1:4010`), for the offline sandbox and tests; it wins over
   * `region`. A path in it is kept as a prefix, and the signed path is then the full path sent.
   */
  gateway?: string;
  /** Abort a call after this many milliseconds (default 10 000); the same as `http.timeoutMs`, which it overrides. */
  timeoutMs?: number;
  /** HTTP retries (inquiries only), `fetch` override and timeout. */
  http?: HttpOptions;
  /** Clock for `Request-Time` (tests). Default `() => new Date()`. */
  now?: () => Date;
}

/** `WEB` for a desktop browser, `WAP` for a mobile browser (Antom's `env.terminalType`). */
export type AntomTerminalType = 'WEB' | 'WAP';

/** A cashier payment to create with {@link AntomClient.pay}. */
export interface AntomPayInput {
  /** The merchant's unique ID of this payment attempt (`paymentRequestId`, ≤ 64 characters). */
  paymentRequestId: string;
  /** The merchant's order ID (`order.referenceOrderId`). */
  referenceOrderId: string;
  /** Shown to the buyer (`order.orderDescription`, ≤ 256 characters). */
  orderDescription: string;
  /** Amount in integer minor units of `currency` (see `toAntomAmount`). */
  amountMinor: number;
  /** The shop's currency (ISO 4217): the order and payment amount are in it. */
  currency: string;
  /** Antom's `paymentMethodType`, e.g. `ALIPAY_CN`, `ALIPAY_HK`, `CONNECT_WALLET`. */
  paymentMethodType: string;
  /** Where the buyer's browser goes after the cashier (`paymentRedirectUrl`). */
  paymentRedirectUrl: string;
  /** Where Antom POSTs the payment result (`paymentNotifyUrl`). */
  paymentNotifyUrl?: string;
  /** The buyer's device. Default `WEB`. */
  terminalType?: AntomTerminalType;
  /** `WAP` only: the mobile OS (`env.osType`), when known. */
  osType?: 'IOS' | 'ANDROID';
  /** The currency Antom settles in (`settlementStrategy.settlementCurrency`), when the contract needs it. */
  settlementCurrency?: string;
  /** ISO 8601 time after which Antom closes the unpaid payment (`paymentExpiryTime`). */
  paymentExpiryTime?: string;
}

/** Antom's `redirectActionForm`: where to send the buyer when there is no plain `normalUrl`. */
export interface AntomRedirectActionForm {
  /** `GET` or `POST`. */
  method: string;
  /** The URL to open or to submit to. */
  redirectUrl: string;
  /** The form parameters for a `POST` (a string as Antom sends it). */
  parameters?: string;
}

/**
 * What {@link AntomClient.pay} learned. `redirect`: the payment is in process (`U`/`PAYMENT_IN_PROCESS`) and
 * the buyer goes to `normalUrl` or the `redirectActionForm`. `paid`: Antom reports success (`S`).
 * `unknown`: any other `U` — not success: inquire, then cancel if still unsettled.
 */
export type AntomPayResult =
  | {
      outcome: 'redirect';
      paymentRequestId: string;
      paymentId?: string;
      normalUrl?: string;
      redirectActionForm?: AntomRedirectActionForm;
      result: AntomResult;
    }
  | { outcome: 'paid'; paymentRequestId: string; paymentId?: string; result: AntomResult }
  | { outcome: 'unknown'; paymentRequestId: string; result: AntomResult };

/** Which payment an inquiry or cancel is about: the merchant's request ID or Antom's payment ID. */
export interface AntomPaymentReference {
  paymentRequestId?: string;
  paymentId?: string;
}

/** `paymentStatus` of an inquiry. */
export type AntomPaymentStatus = 'SUCCESS' | 'FAIL' | 'PROCESSING' | 'CANCELLED' | 'PENDING';

/**
 * What {@link AntomClient.inquiryPayment} learned. `known`: Antom answered `S` with a `paymentStatus`
 * (only `SUCCESS` means paid). `not_found`: Antom has no such payment (`ORDER_NOT_EXIST`). `unknown`: a `U`
 * answer; ask again later.
 */
export type AntomInquiryResult =
  | {
      outcome: 'known';
      paymentStatus: AntomPaymentStatus;
      paymentRequestId?: string;
      paymentId?: string;
      /** `paymentAmount` in minor units, when Antom sent it. */
      amountMinor?: number;
      currency?: string;
      paymentTime?: string;
      paymentMethodType?: string;
      /** The whole verified answer, for logs and reconciliation. */
      raw: Record<string, unknown>;
    }
  | { outcome: 'not_found'; result: AntomResult }
  | { outcome: 'unknown'; result: AntomResult };

/** A refund of part or all of a payment. */
export interface AntomRefundInput {
  /** Antom's payment ID (`paymentId` from the pay answer, the inquiry or the notification). */
  paymentId: string;
  /**
   * The caller's stable, unique ID of this refund (`refundRequestId`, 1–64 characters), sent unchanged:
   * sending the same refund again with the same ID cannot refund twice.
   */
  refundRequestId: string;
  /** The amount to refund now, in minor units of `currency`. */
  amountMinor: number;
  currency: string;
  refundReason?: string;
  /** Where Antom POSTs the refund result (`refundNotifyUrl`). */
  refundNotifyUrl?: string;
}

/**
 * What {@link AntomClient.refund} learned. `refunded`: `S`. `unknown`: `U` (e.g. `REFUND_IN_PROCESS`) —
 * not refunded yet; wait for the refund notification or send the same refund (same `refundRequestId`)
 * again.
 */
export type AntomRefundResult =
  | {
      outcome: 'refunded';
      refundRequestId: string;
      refundId?: string;
      amountMinor?: number;
      refundTime?: string;
      result: AntomResult;
    }
  | { outcome: 'unknown'; refundRequestId: string; result: AntomResult };

/**
 * What {@link AntomClient.inquiryRefund} learned. `known`: Antom answered `S` with a `refundStatus`
 * (`SUCCESS` means refunded, `FAIL` that nothing was refunded, `PROCESSING` not yet). `not_found`: Antom has no
 * refund with this ID. `unknown`: a `U` answer; ask again later.
 */
export type AntomRefundInquiryResult =
  | {
      outcome: 'known';
      refundStatus: 'SUCCESS' | 'PROCESSING' | 'FAIL';
      refundRequestId?: string;
      refundId?: string;
      /** `refundAmount` in minor units, when Antom sent it. */
      amountMinor?: number;
      currency?: string;
    }
  | { outcome: 'not_found'; result: AntomResult }
  | { outcome: 'unknown'; result: AntomResult };

/** What {@link AntomClient.cancel} learned: `cancelled` (`S`) or `unknown` (`U`: cancel again later). */
export type AntomCancelResult =
  | {
      outcome: 'cancelled';
      paymentId?: string;
      paymentRequestId?: string;
      cancelTime?: string;
      result: AntomResult;
    }
  | { outcome: 'unknown'; result: AntomResult };
