import { createHash } from 'node:crypto';
import { type AlipayEvent, isRefundNotification } from '../events';

/** Longest receipt key (the adapters' columns hold 128 characters). */
const MAX_KEY_LENGTH = 128;

/**
 * What makes two deliveries "the same news" about a trade: adapters claim this key (with Alipay's trade
 * number) once, in the transaction that applies the event, so a duplicate — a retry, a copy arriving at
 * the same time, a query answer repeating a notification — never takes effect twice.
 *
 * - a status change: Alipay's `trade_status` (`TRADE_SUCCESS`);
 * - a refund report: the status, the refund request number (OpenAPI `out_biz_no`) or refund status
 *   (legacy `refund_status`), the refunded total and the refund time — and, for a legacy report that
 *   names neither refund nor amount, its `notify_id` — so that every refund of a trade is news of its
 *   own (two legacy partial refunds both say `REFUND_SUCCESS`);
 * - a legacy `batch_refund_notify`: its `batch_no`.
 */
export function eventReceiptKey(event: AlipayEvent): string {
  if (event.type === 'refund') return bounded(`BATCH_REFUND:${event.batchNo}`);
  if (isRefundNotification(event)) {
    return bounded(
      [
        'REFUND',
        event.alipayStatus,
        event.refundRequestNo ?? event.refundStatus ?? '',
        event.refundedFen ?? '',
        event.timestamps.refunded ?? '',
        // A legacy report names neither the refund nor its amount, and two refunds in one second share
        // the rest: its notify_id (the same on every retry of one notification) tells them apart.
        event.refundRequestNo === undefined && event.refundedFen === undefined ? (event.notifyId ?? '') : '',
      ].join(':'),
    );
  }
  return bounded(event.alipayStatus);
}

function bounded(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `H:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
