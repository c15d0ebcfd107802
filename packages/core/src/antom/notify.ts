import { AlipayError, MoneyError } from '../errors';
import type { KeyInput } from '../sign/keys';
import { fromAntomAmount } from './amount';
import { parseAntomJsonObject } from './json';
import { type AntomResult, antomResultOf } from './result';
import {
  type AntomHeaders,
  antomHeader,
  foreignAntomAlgorithm,
  parseAntomSignatureHeader,
  verifyAntomMessage,
} from './signature';

/**
 * Antom notifications (`paymentNotifyUrl`, `refundNotifyUrl`): header signature verification and parsing
 * of payment and refund results, the exact acknowledgement, and Antom's retry schedule.
 */

/**
 * The exact body that acknowledges a notification (with HTTP 200). Antom retries until it gets exactly this;
 * send it only after the notification was verified and recorded.
 */
export const ANTOM_NOTIFICATION_ACK =
  '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}';

/**
 * When Antom sends a notification again until it is acknowledged, in seconds after the first event:
 * 0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h (eight attempts within a day). Its sandbox never retries.
 */
export const ANTOM_NOTIFY_RETRY_SCHEDULE_SECONDS: readonly number[] = Object.freeze([
  0, 120, 600, 600, 3600, 7200, 21_600, 54_000,
]);

/** Why a notification was refused. */
export type AntomNotificationErrorReason =
  | 'unsigned'
  | 'bad_signature'
  | 'foreign_client'
  | 'malformed'
  | 'missing_field';

/**
 * A notification that cannot be trusted or used: unsigned, signed wrongly or for another client ID, not
 * JSON, or lacking a field. Answer it without the acknowledgement (any non-ack answer): Antom retries, which
 * helps only when the cause was on our side (a wrong key, a proxy changing the path or body).
 */
export class AntomNotificationError extends AlipayError {
  readonly reason: AntomNotificationErrorReason;
  constructor(reason: AntomNotificationErrorReason, message: string) {
    super(
      `ANTOM_NOTIFICATION_${reason.toUpperCase()}`,
      message,
      reason === 'malformed' || reason === 'missing_field'
        ? {
            en: 'The Antom notification is not valid JSON or lacks a required field; it was ignored.',
            zh: 'Antom 通知不是有效的 JSON 或缺少必填字段，已忽略。',
          }
        : {
            en: 'The Antom notification’s signature could not be verified; it was ignored. Check the Antom public key, the client ID, and that the notify path given for verification is the public path Antom called (behind a proxy it differs from the local one).',
            zh: 'Antom 通知验签失败，已忽略。请检查 Antom 公钥、Client ID，以及用于验签的通知路径是否为 Antom 实际调用的公网路径（经代理转发时与本地路径不同）。',
          },
    );
    this.reason = reason;
  }
}

/** A payment result (`PAYMENT_RESULT`) or pending notice (`PAYMENT_PENDING`). */
export interface AntomPaymentNotification {
  kind: 'payment';
  notifyType: 'PAYMENT_RESULT' | 'PAYMENT_PENDING';
  /**
   * `paid` only for `PAYMENT_RESULT` with result `S`; `failed` for `PAYMENT_RESULT` with `F`; `pending`
   * otherwise (`PAYMENT_PENDING`, or a `U` result). Confirm `paid` by inquiry before shipping when in doubt.
   */
  outcome: 'paid' | 'failed' | 'pending';
  result: AntomResult;
  paymentRequestId: string;
  paymentId: string;
  /** `paymentAmount` in minor units of `currency`. */
  amountMinor: number;
  currency: string;
  paymentTime?: string;
  paymentMethodType?: string;
  /** The whole verified body. */
  raw: Record<string, unknown>;
}

/** A refund result (`REFUND_RESULT`). */
export interface AntomRefundNotification {
  kind: 'refund';
  notifyType: 'REFUND_RESULT';
  /** `refunded` for `refundStatus: SUCCESS`, `failed` for `FAIL`. */
  outcome: 'refunded' | 'failed';
  result: AntomResult;
  /** The caller's ID sent with the refund. */
  refundRequestId: string;
  /** Antom's refund ID. */
  refundId: string;
  amountMinor: number;
  currency: string;
  refundTime?: string;
  raw: Record<string, unknown>;
}

/** A verified notification of another kind (captures, disputes…): acknowledge or ignore as the caller sees fit. */
export interface AntomOtherNotification {
  kind: 'other';
  notifyType: string;
  result: AntomResult | undefined;
  raw: Record<string, unknown>;
}

/** A verified, parsed Antom notification. */
export type AntomNotification = AntomPaymentNotification | AntomRefundNotification | AntomOtherNotification;

/** What {@link verifyAntomNotification} checks. */
export interface AntomNotificationInput {
  /**
   * The public path Antom POSTed to (the path of the configured `paymentNotifyUrl`, with its query),
   * which is what Antom signed. Behind a proxy that rewrites paths, pass the public one, not the local one.
   */
  path: string;
  /** The request headers (`client-id`, `request-time`, `signature`). */
  headers: AntomHeaders;
  /** The raw request body, exactly as received (never a re-serialized object). */
  body: string | Uint8Array;
  /** Antom's public key. */
  antomPublicKey: KeyInput;
  /** The merchant's client ID: a notification for another client ID is refused. */
  clientId: string;
}

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new AntomNotificationError('missing_field', `the Antom notification lacks ${name}`);
  }
  return value;
}

function optional(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `parsed` with each of `names` copied from `body` when Antom sent it as a non-empty string. */
function withOptionalFields<T extends object>(
  parsed: T,
  body: Record<string, unknown>,
  names: Array<keyof T & string>,
): T {
  for (const name of names) {
    const value = optional(body, name);
    if (value) (parsed as Record<string, unknown>)[name] = value;
  }
  return parsed;
}

function amount(body: Record<string, unknown>, name: string): { amountMinor: number; currency: string } {
  try {
    const amountMinor = fromAntomAmount(body[name], undefined, { allowZero: true });
    return { amountMinor, currency: String((body[name] as { currency: string }).currency).toUpperCase() };
  } catch (error) {
    if (error instanceof MoneyError) {
      throw new AntomNotificationError('missing_field', `the Antom notification has no valid ${name}`);
    }
    throw error;
  }
}

/**
 * Verifies an Antom notification and parses it. The `signature` header must verify over
 * `POST <public notify path>\n<client-id>.<request-time>.<raw body>` with Antom's public key, and `client-id`
 * must be the merchant's. Then `notifyType` `PAYMENT_RESULT` / `PAYMENT_PENDING` become a payment
 * notification, `REFUND_RESULT` (or a body with `refundStatus`) a refund notification, anything else
 * `other`. Throws {@link AntomNotificationError} — never anything else — for a forged, unsigned or
 * garbled notification; nothing unverified is parsed. Acknowledge with {@link ANTOM_NOTIFICATION_ACK}
 * only after recording the result.
 */
export function verifyAntomNotification(input: AntomNotificationInput): AntomNotification {
  const header = antomHeader(input.headers, 'signature');
  if (header === undefined)
    throw new AntomNotificationError('unsigned', 'the Antom notification has no signature');
  const parsed = parseAntomSignatureHeader(header);
  if (!parsed)
    throw new AntomNotificationError('unsigned', 'the Antom notification has an unreadable signature header');
  const foreign = foreignAntomAlgorithm(parsed);
  if (foreign) {
    throw new AntomNotificationError(
      'bad_signature',
      `the Antom notification names the signature algorithm ${foreign}; Antom signs with RSA256`,
    );
  }
  const clientId = antomHeader(input.headers, 'client-id');
  const time = antomHeader(input.headers, 'request-time');
  if (clientId === undefined || time === undefined) {
    throw new AntomNotificationError(
      'unsigned',
      'the Antom notification lacks its client-id or request-time header',
    );
  }
  if (typeof input.path !== 'string' || !input.path.startsWith('/')) {
    throw new TypeError('path must be the public notify path, starting with /');
  }
  const bytes = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  if (
    !verifyAntomMessage(
      { path: input.path, clientId, time, body: bytes },
      parsed.signature,
      input.antomPublicKey,
    )
  ) {
    throw new AntomNotificationError('bad_signature', 'the Antom notification’s signature does not verify');
  }
  if (clientId !== input.clientId) {
    throw new AntomNotificationError('foreign_client', 'the Antom notification is for another client ID');
  }
  let body: Record<string, unknown>;
  try {
    body = parseAntomJsonObject(bytes);
  } catch {
    throw new AntomNotificationError('malformed', 'the Antom notification is not a UTF-8 JSON object');
  }
  const result = antomResultOf(body);
  const notifyType = optional(body, 'notifyType');
  if (notifyType === 'PAYMENT_RESULT' || notifyType === 'PAYMENT_PENDING') {
    if (!result)
      throw new AntomNotificationError('missing_field', 'the Antom notification has no valid result');
    const outcome =
      notifyType === 'PAYMENT_RESULT' && result.resultStatus === 'S'
        ? 'paid'
        : notifyType === 'PAYMENT_RESULT' && result.resultStatus === 'F'
          ? 'failed'
          : 'pending';
    const payment: AntomPaymentNotification = {
      kind: 'payment',
      notifyType,
      outcome,
      result,
      paymentRequestId: field(body, 'paymentRequestId'),
      paymentId: field(body, 'paymentId'),
      ...amount(body, 'paymentAmount'),
      raw: body,
    };
    return withOptionalFields(payment, body, ['paymentTime', 'paymentMethodType']);
  }
  if (notifyType === 'REFUND_RESULT' || (notifyType === undefined && body['refundStatus'] !== undefined)) {
    if (!result)
      throw new AntomNotificationError('missing_field', 'the Antom notification has no valid result');
    const status = field(body, 'refundStatus');
    if (status !== 'SUCCESS' && status !== 'FAIL') {
      throw new AntomNotificationError('missing_field', `the Antom notification has an unknown refundStatus`);
    }
    const refund: AntomRefundNotification = {
      kind: 'refund',
      notifyType: 'REFUND_RESULT',
      outcome: status === 'SUCCESS' ? 'refunded' : 'failed',
      result,
      refundRequestId: field(body, 'refundRequestId'),
      refundId: field(body, 'refundId'),
      ...amount(body, 'refundAmount'),
      raw: body,
    };
    return withOptionalFields(refund, body, ['refundTime']);
  }
  if (notifyType === undefined) {
    throw new AntomNotificationError('missing_field', 'the Antom notification has no notifyType');
  }
  return { kind: 'other', notifyType, result, raw: body };
}
