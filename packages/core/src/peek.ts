import { type FormBodyOptions, parseFormBody } from './http/form';

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
