import type { Bilingual } from '../errors';
import type { RefundOrigin, ShopRefundStatus } from './refunds';

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
  /** The order is not in CNY (a domestic payment). */
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

/** A refund of an orphan's trade, as {@link planOrphanRefund} reads it (every origin counts). */
export interface OrphanTradeRefund {
  status: ShopRefundStatus;
  origin: RefundOrigin;
  amountFen: number;
  /** What the shop recorded as refunded on the trade when this refund was planned, in fen. */
  settledBeforeFen: number;
}

/**
 * Who asks for an orphan's refund: the shop's policy (`autoRefundOrphanPayments`, run after the orphan is
 * found and by reconciliation) or an administrator (the admin API's button).
 */
export type OrphanRefundAsker = 'policy' | 'admin';

/** Why {@link planOrphanRefund} sends nothing. */
export type OrphanRefundHold =
  /** Alipay closed the trade, or its money is all back with the buyer. */
  | 'nothing_left'
  /** An orphan refund of the trade succeeded or is still open: never a second one. */
  | 'refund_exists'
  /**
   * Alipay refused the last orphan refund and nothing changed since (no refund settled meanwhile): the
   * policy does not send it again by itself; the refusal is shown to an administrator, who decides.
   */
  | 'refused';

/** What to do about an orphan's money: refund what is left, or nothing (and why). */
export type OrphanRefundPlan =
  | { send: true; amountFen: number; settledBeforeFen: number }
  | { send: false; hold: OrphanRefundHold; text: Bilingual };

const ORPHAN_REFUND_HOLD_TEXT: Readonly<Record<OrphanRefundHold, Bilingual>> = {
  nothing_left: {
    en: 'nothing is left to refund: Alipay closed or refunded the trade',
    zh: '已无可退金额：支付宝已关闭或退款该交易',
  },
  refund_exists: {
    en: 'a refund of this orphan payment succeeded or is under way',
    zh: '该无法关联付款的退款已成功或正在进行',
  },
  refused: {
    en: 'Alipay refused the last refund and nothing changed since; an administrator can refund it again',
    zh: '支付宝拒绝了上一次退款且此后无变化；管理员可再次发起退款',
  },
};

/**
 * The orphan refund policy, once for every adapter: whether to refund an orphan payment now, and how much.
 *
 * - Nothing when the trade is closed or everything settled already adds up to its total.
 * - Never a second refund while one of the orphan's succeeded or is open (`requested`, `uncertain`, …).
 * - After a refusal (`failed`), an administrator may always try again. The policy tries again only when
 *   what was settled of the trade changed since the refused refund was planned: a refund made on Alipay's
 *   side meanwhile made its amount wrong (Alipay refuses more than is left), and the rest is due. A plain
 *   refusal (a closed or finished trade, a short balance) would only be refused again at every
 *   reconciliation, so it waits for a person.
 *
 * Adapters may narrow their candidate queries with the same rule (so that held orphans never fill a
 * batch), but decide with this function.
 */
export function planOrphanRefund(
  trade: { totalFen: number; closed: boolean },
  refunds: readonly OrphanTradeRefund[],
  asker: OrphanRefundAsker,
): OrphanRefundPlan {
  const hold = (why: OrphanRefundHold): OrphanRefundPlan => ({
    send: false,
    hold: why,
    text: ORPHAN_REFUND_HOLD_TEXT[why],
  });
  const settledFen = refunds.filter(r => r.status === 'succeeded').reduce((sum, r) => sum + r.amountFen, 0);
  const orphanRefunds = refunds.filter(r => r.origin === 'orphan');
  if (orphanRefunds.some(r => r.status !== 'failed')) return hold('refund_exists');
  if (trade.closed || trade.totalFen - settledFen <= 0) return hold('nothing_left');
  if (asker === 'policy' && orphanRefunds.some(r => r.settledBeforeFen === settledFen))
    return hold('refused');
  return { send: true, amountFen: trade.totalFen - settledFen, settledBeforeFen: settledFen };
}
