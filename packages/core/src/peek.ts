import { parseAntomJsonObject } from './antom/json';
import { DEFAULT_MAX_FORM_BYTES, type FormBodyOptions, parseFormBody } from './http/form';

/**
 * What a notification claims to be, read WITHOUT verifying it. Use it only to pick which settings (which
 * channel, seller or app) should verify it — never to act on it.
 */
export interface NotificationPeek {
  generation: 'legacy' | 'openapi';
  /** `trade_status_sync`, `batch_refund_notify`, … */
  notifyType: string | undefined;
  outTradeNo: string | undefined;
  tradeNo: string | undefined;
  /** OpenAPI `app_id`. */
  appId: string | undefined;
  sellerId: string | undefined;
  sellerEmail: string | undefined;
  /** Legacy batch refunds: the `batch_no` and the trade numbers in `result_details`. */
  batchNo: string | undefined;
  refundTradeNos: string[];
}

/**
 * Reads the routing fields of a notification body without verifying it; undefined when the body is not a
 * form at all. The facade's `handleNotification` still parses and verifies everything itself.
 */
export function peekNotification(
  rawBody: Uint8Array | string,
  contentType?: string,
  options?: FormBodyOptions,
): NotificationPeek | undefined {
  let fields: Record<string, string>;
  try {
    fields = parseFormBody(rawBody, contentType, options);
  } catch {
    return undefined;
  }
  const text = (name: string) =>
    fields[name] === undefined || fields[name] === '' ? undefined : fields[name];
  const details = text('result_details');
  return {
    generation:
      text('app_id') !== undefined || /^RSA2$/i.test(fields['sign_type'] ?? '') ? 'openapi' : 'legacy',
    notifyType: text('notify_type'),
    outTradeNo: text('out_trade_no'),
    tradeNo: text('trade_no'),
    appId: text('app_id'),
    sellerId: text('seller_id'),
    sellerEmail: text('seller_email'),
    batchNo: text('batch_no'),
    refundTradeNos: details
      ? details
          .split('#')
          .map(item => item.split('^')[0] ?? '')
          .filter(Boolean)
      : [],
  };
}

/**
 * What an Antom (cross-border) notification's JSON claims, read WITHOUT verifying it. As with
 * {@link NotificationPeek}: only to pick which settings verify it, never to act on it.
 */
export interface AntomNotificationPeek {
  generation: 'antom';
  /** `PAYMENT_RESULT`, `PAYMENT_PENDING`, `REFUND_RESULT`, … */
  notifyType: string | undefined;
  /** `paymentRequestId`: the shop's `out_trade_no` of the payment. */
  outTradeNo: string | undefined;
  /** `paymentId`: Antom's number of the payment. */
  tradeNo: string | undefined;
  /** `refundRequestId` of a refund result: the shop's refund request number. */
  refundRequestNo: string | undefined;
}

/**
 * Reads the routing fields of an Antom notification body without verifying it; undefined when the body
 * is not one strict JSON object (invalid UTF-8, a repeated key, over `maxBytes`, 64 KiB by default), so
 * that a peek never names a trade the verifier would read differently. The facade's
 * `handleNotification` still verifies everything itself.
 */
export function peekAntomNotification(
  rawBody: Uint8Array | string,
  options: { maxBytes?: number } = {},
): AntomNotificationPeek | undefined {
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  if (bytes.byteLength === 0 || bytes.byteLength > (options.maxBytes ?? DEFAULT_MAX_FORM_BYTES)) {
    return undefined;
  }
  let body: Record<string, unknown>;
  try {
    body = parseAntomJsonObject(bytes);
  } catch {
    return undefined;
  }
  const text = (name: string) => {
    const value = body[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    generation: 'antom',
    notifyType: text('notifyType'),
    outTradeNo: text('paymentRequestId'),
    tradeNo: text('paymentId'),
    refundRequestNo: text('refundRequestId'),
  };
}
