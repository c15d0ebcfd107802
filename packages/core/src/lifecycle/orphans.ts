import type { Bilingual } from '../errors';

/**
 * Orphan payments: Alipay took the buyer's money, but the order cannot take it. The money has to go back
 * to the buyer — automatically when the shop turned that on, else by an administrator.
 */

/** Why a paid trade could not be applied to its order. */
export type OrphanReason =
  /** The order (Medusa: the payment session or cart) no longer exists. */
  | 'order_missing'
  /** The order was cancelled. */
  | 'order_cancelled'
  /** Another payment already paid the order. */
  | 'order_already_paid'
  /** The order cannot take a payment in its current state. */
  | 'order_not_payable'
  /** Alipay took what was asked, but the order total changed after the payment started. */
  | 'amount_changed'
  /** The order is not in CNY. */
  | 'currency_not_cny'
  /** The shop's payment for this trade was cancelled before the money arrived. */
  | 'payment_cancelled';

/** Every {@link OrphanReason}. */
export const ORPHAN_REASONS: readonly OrphanReason[] = [
  'order_missing',
  'order_cancelled',
  'order_already_paid',
  'order_not_payable',
  'amount_changed',
  'currency_not_cny',
  'payment_cancelled',
];

/** What each {@link OrphanReason} means, for history entries, journals and admin APIs. */
export const ORPHAN_REASON_TEXT: Readonly<Record<OrphanReason, Bilingual>> = {
  order_missing: { en: 'the order no longer exists', zh: '订单已不存在' },
  order_cancelled: { en: 'the order was cancelled', zh: '订单已取消' },
  order_already_paid: { en: 'the order was already paid by another payment', zh: '订单已通过其他付款支付' },
  order_not_payable: {
    en: 'the order cannot take a payment in its current state',
    zh: '订单当前状态无法接受付款',
  },
  amount_changed: {
    en: 'the order total changed after the payment was started',
    zh: '发起付款后订单金额发生了变化',
  },
  currency_not_cny: { en: 'the order is not in CNY', zh: '订单币种不是人民币' },
  payment_cancelled: { en: 'the shop’s payment was cancelled', zh: '商城中的付款已取消' },
};

/** True for one of the {@link OrphanReason} values (own keys only). */
export function isOrphanReason(value: unknown): value is OrphanReason {
  return typeof value === 'string' && Object.hasOwn(ORPHAN_REASON_TEXT, value);
}

/** The reason to read as text, also for a reason stored by an older version. */
export function orphanReasonText(reason: string): Bilingual {
  return isOrphanReason(reason) ? ORPHAN_REASON_TEXT[reason] : { en: reason, zh: reason };
}

/**
 * The refund reason sent to Alipay with the refund of an orphan payment (shown on the buyer's bill): no
 * `^ | $ #`, well below 256 bytes.
 */
export const ORPHAN_REFUND_REASON = 'Payment could not be applied to the order / 付款无法计入订单';
