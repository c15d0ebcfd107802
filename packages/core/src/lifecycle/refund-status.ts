/**
 * The statuses of a shop's refund record. Browser-safe (it imports nothing), so that admin bundles read the
 * same list through `@alipay-commerce/core/settings` as the servers through `./lifecycle`.
 */

/**
 * Where a shop's record of one refund stands:
 * - `requested` — stored, Alipay not answered yet (in flight, or the process died before the answer);
 * - `pending` — Alipay accepted it and reports the result later (legacy `batch_refund_notify`);
 * - `requires_action` — the seller must confirm on Alipay's page with the payment password (legacy);
 * - `uncertain` — the answer was lost or does not add up: reconciliation asks Alipay;
 * - `succeeded` — Alipay refunded it;
 * - `failed` — Alipay refused it; nothing moved.
 */
export type ShopRefundStatus =
  | 'requested'
  | 'pending'
  | 'requires_action'
  | 'uncertain'
  | 'succeeded'
  | 'failed';

/** Every {@link ShopRefundStatus}, in the order a refund moves through them. */
export const SHOP_REFUND_STATUSES: readonly ShopRefundStatus[] = [
  'requested',
  'pending',
  'requires_action',
  'uncertain',
  'succeeded',
  'failed',
];

/** Refund statuses whose money question is answered. */
export const FINAL_REFUND_STATUSES: readonly ShopRefundStatus[] = ['succeeded', 'failed'];

/** True when the refund's outcome is known (`succeeded` or `failed`); false while the merchant waits. */
export function isFinalRefundStatus(status: ShopRefundStatus | string): boolean {
  return status === 'succeeded' || status === 'failed';
}
