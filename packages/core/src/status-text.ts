/**
 * What a payment's or a refund's status means to a merchant, in English and Chinese: the admin screens of every
 * platform show the same words (part of the browser-safe `@alipay-commerce/core/settings` entry).
 */
import type { Bilingual } from './errors';
import { type TradeStatus, toTradeStatus } from './events';
import type { ShopRefundStatus } from './lifecycle/refund-status';

/** What each {@link TradeStatus} means to a merchant. */
export const TRADE_STATUS_TEXT: Readonly<Record<TradeStatus, Bilingual>> = {
  waiting_payment: { en: 'Waiting for payment', zh: '等待付款' },
  paid_awaiting_shipment: { en: 'Paid into escrow, ship now', zh: '已付款至担保账户，请发货' },
  shipped_awaiting_receipt: {
    en: 'Shipped, waiting for the buyer to confirm receipt',
    zh: '已发货，等待买家确认收货',
  },
  paid: { en: 'Paid', zh: '已付款' },
  finished: { en: 'Finished', zh: '交易完成' },
  closed: { en: 'Closed', zh: '已关闭' },
};

/** States a plugin records for a payment attempt that Alipay has no trade status for. */
export const ATTEMPT_STATUS_TEXT: Readonly<
  Record<'CREATED' | 'START_FAILED' | 'SUPERSEDED' | 'ABANDONED', Bilingual>
> = {
  CREATED: TRADE_STATUS_TEXT.waiting_payment,
  START_FAILED: { en: 'Alipay refused to start it', zh: '支付宝拒绝创建交易' },
  SUPERSEDED: { en: 'Replaced by a newer attempt', zh: '已被新的支付尝试取代' },
  ABANDONED: { en: 'Never paid', zh: '未付款' },
};

/**
 * The merchant's text for a recorded status: an Alipay trade status (`WAIT_SELLER_SEND_GOODS`, …) or
 * one of the {@link ATTEMPT_STATUS_TEXT} states; undefined for anything else.
 */
export function recordedStatusText(status: string): Bilingual | undefined {
  const tradeStatus = toTradeStatus(status);
  if (tradeStatus) return TRADE_STATUS_TEXT[tradeStatus];
  return Object.hasOwn(ATTEMPT_STATUS_TEXT, status)
    ? ATTEMPT_STATUS_TEXT[status as keyof typeof ATTEMPT_STATUS_TEXT]
    : undefined;
}

/** What each shop refund status means to a merchant. */
export const REFUND_STATUS_TEXT: Readonly<Record<ShopRefundStatus, Bilingual>> = {
  requested: { en: 'Requested', zh: '已申请' },
  pending: { en: 'Pending, Alipay reports the result', zh: '处理中，等待支付宝结果' },
  requires_action: { en: 'Confirm on Alipay’s page', zh: '需在支付宝页面确认' },
  uncertain: { en: 'Uncertain, being checked with Alipay', zh: '结果未知，正在向支付宝核实' },
  succeeded: { en: 'Refunded', zh: '已退款' },
  failed: { en: 'Refused by Alipay, nothing refunded', zh: '支付宝拒绝，未退款' },
};
