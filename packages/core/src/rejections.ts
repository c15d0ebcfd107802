import type { AlipayEvent } from './events';

/**
 * Why a notification (or return) was not accepted. Each reason decides whether Alipay should retry:
 * see {@link isRetryableRejection}.
 */
export type RejectionReason =
  /** The body is not a decodable form (size, charset, escapes, duplicate keys). */
  | 'malformed_body'
  /** A required field is missing or unparsable (amount, trade numbers, status). */
  | 'missing_field'
  /** The signature does not verify with the configured key. */
  | 'bad_signature'
  /** Legacy `notify_verify` answered something other than `true`. */
  | 'notify_id_invalid'
  /** Legacy `notify_verify` could not be reached or timed out. */
  | 'notify_verify_unavailable'
  /** OpenAPI `app_id` is not this merchant's app. */
  | 'wrong_app'
  /** The seller (`seller_id` / `seller_email`) is not the one configured or expected. */
  | 'wrong_seller'
  /** The amount differs from what the order owes. */
  | 'wrong_amount'
  /** A currency other than CNY (a cross-border notification). */
  | 'wrong_currency'
  /** The notification is for another order than the one expected. */
  | 'wrong_trade'
  /** A `trade_status` we do not know. */
  | 'unknown_status'
  /** A kind of notification this integration does not handle. */
  | 'unsupported_notification';

const RETRYABLE: ReadonlySet<RejectionReason> = new Set<RejectionReason>([
  // A fixed key or partner setting makes the same notification pass on Alipay's next attempt.
  'bad_signature',
  'notify_id_invalid',
  // Transient: the next attempt may reach notify_verify.
  'notify_verify_unavailable',
  // The seller/app setting may be corrected by the merchant before the next attempt.
  'wrong_app',
  'wrong_seller',
]);

/**
 * True when answering so that Alipay retries can help: a configuration the merchant can fix, or a
 * transient failure. Malformed bodies, wrong amounts and the like never get better by retrying, so they
 * are acknowledged (`success`) and logged instead.
 */
export function isRetryableRejection(reason: RejectionReason): boolean {
  return RETRYABLE.has(reason);
}

/** The body Alipay needs in order to stop retrying. Exactly these 7 characters. */
export const ALIPAY_ACK = 'success';
/** The body that makes Alipay retry. Anything but `success` works; `fail` is what the SDK demos print. */
export const ALIPAY_NACK = 'fail';

/**
 * The body to answer a notification with: the shop's `success` in the words of the facade that verified
 * the notification (`acknowledgement`, its `reply`: `success`, or Antom's exact JSON), anything else
 * (`fail`) as it is. Without an acknowledgement (nothing was verified) `reply` stands.
 */
export function acknowledgedReply(reply: string, acknowledgement: string | undefined): string {
  return reply === ALIPAY_ACK && acknowledgement !== undefined ? acknowledgement : reply;
}

/** A notification that was not accepted: nothing may change. */
export interface Rejection {
  ok: false;
  reason: RejectionReason;
  /** Plain-English explanation for the log; never holds a secret. */
  message: string;
  /** Whether Alipay should send it again. */
  retryable: boolean;
  /** What to answer Alipay with: `fail` when retryable, else `success`. */
  reply: typeof ALIPAY_ACK | typeof ALIPAY_NACK;
  /** Unverified identifiers from the body, for the log line only (never act on them). */
  outTradeNo?: string;
  tradeNo?: string;
}

/** A verified, accepted notification. */
export interface Acceptance<E extends AlipayEvent = AlipayEvent> {
  ok: true;
  event: E;
  /** Answer `success` once the event has been processed (or deliberately ignored). */
  reply: typeof ALIPAY_ACK;
}

/** The outcome of verifying one notification. */
export type NotificationResult<E extends AlipayEvent = AlipayEvent> = Acceptance<E> | Rejection;

/** Builds a {@link Rejection} with the right retry decision and reply. */
export function reject(
  reason: RejectionReason,
  message: string,
  ids: { outTradeNo?: string | undefined; tradeNo?: string | undefined } = {},
): Rejection {
  const retryable = isRetryableRejection(reason);
  const rejection: Rejection = {
    ok: false,
    reason,
    message,
    retryable,
    reply: retryable ? ALIPAY_NACK : ALIPAY_ACK,
  };
  if (ids.outTradeNo) rejection.outTradeNo = ids.outTradeNo;
  if (ids.tradeNo) rejection.tradeNo = ids.tradeNo;
  return rejection;
}

/** Builds an {@link Acceptance}. */
export function accept<E extends AlipayEvent>(event: E): Acceptance<E> {
  return { ok: true, event, reply: ALIPAY_ACK };
}
