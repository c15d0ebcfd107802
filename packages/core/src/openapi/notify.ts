import { encodeText, normalizeCharset } from '../charset';
import { NotificationFieldError } from '../errors';
import { type EventSource, type TradeEvent, toTradeStatus } from '../events';
import { buildSignString } from '../sign/canonical';
import type { KeyInput } from '../sign/keys';
import { type RsaSignType, rsaVerify } from '../sign/rsa';
import { compact, fieldAmountFen, optionalField, requiredField, tradeEventHead } from '../trade-fields';

/**
 * OpenAPI asynchronous notifications (notify_url POST) and synchronous returns (return_url GET): signature
 * verification and the mapping to the normalized {@link TradeEvent}.
 */

function signTypeOf(params: Readonly<Record<string, string>>): RsaSignType | undefined {
  const declared = params['sign_type'];
  if (declared === undefined || declared === '') return 'RSA2';
  const upper = declared.toUpperCase();
  return upper === 'RSA2' || upper === 'RSA' ? upper : undefined;
}

/**
 * Verifies an OpenAPI notification or return with Alipay's public key (in certificate mode the key of
 * `alipayCertPublicKey_RSA2.crt`): drop `sign` and `sign_type` and empty values, sort, join raw `k=v` and
 * check SHA256withRSA (SHA1withRSA when `sign_type=RSA`) over the text's bytes in the notification's
 * declared `charset` (UTF-8 when it declares none; GBK when it says GBK, as the Java SDK's
 * `rsaCheckV1(params, key, "GBK")` checks). Trade notifications and returns are signed that way; some
 * other notifications (e.g. `servicemarket_order_notify`) sign `sign_type` too, so only when the first
 * check fails is it tried again with `sign_type` included (pitfall D2). Only when both fail and the
 * notification has empty values is it checked once more with them kept as `k=` (the rule of Node's
 * `checkNotifySignV2`, python-alipay-sdk and the Java SDK's `getSignCheckContentV1`). Every attempt is a
 * text Alipay's private key must have signed; nothing else is ever accepted.
 *
 * Pass the values decoded exactly once (as {@link parseFormBody} or `URLSearchParams` give them); never
 * URL-decode them again (pitfall D3). Returns false, never throws, for any failure.
 */
export function verifyOpenApiNotification(
  params: Readonly<Record<string, string>>,
  alipayPublicKey: KeyInput,
): boolean {
  const sign = params['sign'];
  if (typeof sign !== 'string' || sign === '') return false;
  const signType = signTypeOf(params);
  if (!signType) return false;
  const declared = params['charset'];
  const charset = declared === undefined || declared === '' ? 'utf-8' : normalizeCharset(declared);
  if (!charset) return false;
  const verifies = (text: string) =>
    rsaVerify(charset === 'utf-8' ? text : encodeText(text, charset), sign, alipayPublicKey, signType);
  const signsSignType = params['sign_type'] !== undefined && params['sign_type'] !== '';
  const hasEmpty = Object.keys(params).some(
    key => params[key] === '' && key !== 'sign' && key !== 'sign_type',
  );
  for (const keepEmpty of hasEmpty ? [false, true] : [false]) {
    if (verifies(buildSignString(params, { keepEmpty }))) return true;
    if (signsSignType && verifies(buildSignString(params, { exclude: ['sign'], keepEmpty }))) return true;
  }
  return false;
}

/**
 * `passback_params` must be URL-encoded when sent (the client does that) and comes back still encoded;
 * undo that one encoding so the caller gets back exactly what it passed. Malformed text is kept as is.
 */
function decodePassback(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The field names each source uses. A trade query answer names some fields differently from a
 * notification (`buyer_user_id`, `send_pay_date`); everything else is shared.
 */
const FIELD_NAMES = {
  notify: { buyerId: 'buyer_id', paidAt: 'gmt_payment' },
  return: { buyerId: 'buyer_id', paidAt: 'gmt_payment' },
  query: { buyerId: 'buyer_user_id', paidAt: 'send_pay_date' },
} as const;

/**
 * Maps OpenAPI trade fields (a notification, a return, or an `alipay.trade.query` answer) to a
 * {@link TradeEvent}. Used by {@link openApiNotificationToEvent} and by the client's `query`.
 * Throws {@link NotificationFieldError} for missing or invalid fields and unknown statuses.
 */
export function openApiFieldsToTradeEvent(
  fields: Readonly<Record<string, string>>,
  source: EventSource,
): TradeEvent {
  const names = FIELD_NAMES[source];
  const tradeStatus = optionalField(fields, 'trade_status');
  let alipayStatus: string;
  let status: TradeEvent['status'];
  if (tradeStatus === undefined && source === 'return') {
    // Alipay sends no trade_status on a return: it only redirects the buyer after a payment went through.
    // The event says `paid` for display; it is `displayOnly`, so it never changes order state.
    alipayStatus = '';
    status = 'paid';
  } else {
    alipayStatus = requiredField(fields, 'trade_status');
    const known = toTradeStatus(alipayStatus);
    if (!known) throw new NotificationFieldError('trade_status', `unknown trade_status ${alipayStatus}`);
    status = known;
  }
  const refundFee = optionalField(fields, 'refund_fee');
  return {
    ...tradeEventHead(fields, 'openapi', source, { status, alipayStatus, paidAt: names.paidAt }),
    amountFen: fieldAmountFen(requiredField(fields, 'total_amount'), 'total_amount', false),
    refundedFen: refundFee === undefined ? undefined : fieldAmountFen(refundFee, 'refund_fee', true),
    refundRequestNo: optionalField(fields, 'out_biz_no'),
    buyer: compact({
      id: optionalField(fields, names.buyerId),
      account: optionalField(fields, 'buyer_logon_id'),
    }),
    appId: optionalField(fields, 'app_id'),
    passback: decodePassback(optionalField(fields, 'passback_params')),
  };
}

/**
 * Maps a verified OpenAPI trade notification (`source: 'notify'`) or return (`source: 'return'`) to the
 * normalized {@link TradeEvent}: `total_amount` → `amountFen`, `refund_fee` → `refundedFen` (0 allowed),
 * `out_biz_no` → `refundRequestNo`, buyer `buyer_id`/`buyer_logon_id`, seller `seller_id`/`seller_email`,
 * `app_id`, `gmt_create`/`gmt_payment`/`gmt_close`/`gmt_refund`, `passback_params` (URL-decoded once, the
 * way the client encoded it), `notify_id`, `notify_time`.
 *
 * A return (`method=alipay.trade.page.pay.return` / `alipay.trade.wap.pay.return`) carries no
 * `trade_status`; Alipay only redirects after a payment, so it maps to status `paid` with an empty
 * `alipayStatus` — and `displayOnly: true`: show it to the buyer, never act on it; the notification or a
 * query is the truth.
 *
 * Verify the signature first ({@link verifyOpenApiNotification}). Throws {@link NotificationFieldError}
 * (with the field name) for missing or invalid fields and unknown statuses.
 */
export function openApiNotificationToEvent(
  params: Readonly<Record<string, string>>,
  source: 'notify' | 'return',
): TradeEvent {
  return openApiFieldsToTradeEvent(params, source);
}
