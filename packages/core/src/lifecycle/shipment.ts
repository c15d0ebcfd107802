import type { Bilingual } from '../errors';
import type { ShopPaymentState } from './decide';
import { isHeldInEscrow, isReleasedStatus } from './status';

/** One Alipay payment of an order, as far as shipping the order goes. */
export interface ShipmentMoney {
  /** The trade's recorded status (Alipay's `trade_status` text). */
  recordedStatus: string;
  paymentState: ShopPaymentState;
  amountFen: number;
  /** What the shop records as refunded of it (settled refunds, Alipay-side ones included). */
  refundedFen: number;
}

/** Why an order meant to be paid through Alipay, and not paid, must not ship. */
export const SHIPMENT_UNPAID: Bilingual = {
  en: 'This order has Alipay payments started but none paid (or the money went back): it cannot be shipped.',
  zh: '该订单已发起支付宝付款但尚未付款（或款项已退回），不能发货。',
};

/** Why an order whose Alipay money is gone must not ship. */
export const SHIPMENT_REFUSED: Bilingual = {
  en: 'This order’s Alipay payment is no longer held (the trade was closed or refunded on Alipay): it cannot be shipped.',
  zh: '该订单的支付宝款项已不再托管或已退回（交易已关闭或已退款），不能发货。',
};

/**
 * Whether an order paid (or being paid) through Alipay may ship: only while Alipay still holds its money
 * for the seller (escrow `WAIT_SELLER_SEND_GOODS` / `WAIT_BUYER_CONFIRM_GOODS`) or has released it
 * (`TRADE_SUCCESS`, `TRADE_FINISHED`) and it is not refunded in full. An order with Alipay trades but no
 * Alipay payment (never paid, or the payment is gone) does not ship either. Returns why not, or undefined
 * when it may ship — also when another live payment pays the order, or it has nothing to do with Alipay
 * (not the plugin's call).
 */
export function shipmentBlocker(
  payments: readonly ShipmentMoney[],
  context: {
    /** A live payment of another method pays the order. */
    otherLivePayments?: boolean;
    /** How many Alipay trades (payment attempts) the order has. */
    alipayTrades?: number;
  } = {},
): Bilingual | undefined {
  if (context.otherLivePayments) return undefined;
  if (payments.length === 0) return (context.alipayTrades ?? 0) > 0 ? SHIPMENT_UNPAID : undefined;
  const held = payments.some(
    p =>
      p.paymentState !== 'cancelled' &&
      (isHeldInEscrow(p.recordedStatus) || isReleasedStatus(p.recordedStatus)) &&
      p.refundedFen < p.amountFen,
  );
  return held ? undefined : SHIPMENT_REFUSED;
}
