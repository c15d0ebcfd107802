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

/** Why an order whose Alipay money is gone must not ship. */
export const SHIPMENT_REFUSED: Bilingual = {
  en: 'This order’s Alipay payment is no longer held (the trade was closed or refunded on Alipay): it cannot be shipped.',
  zh: '该订单的支付宝款项已不再托管或已退回（交易已关闭或已退款），不能发货。',
};

/**
 * Whether an order paid through Alipay may ship: only while Alipay still holds its money for the seller
 * (escrow `WAIT_SELLER_SEND_GOODS` / `WAIT_BUYER_CONFIRM_GOODS`) or has released it (`TRADE_SUCCESS`,
 * `TRADE_FINISHED`) and it is not refunded in full. Returns why not, or undefined when it may ship (or
 * when the order has no Alipay payment, or another live payment pays it: not Alipay's call).
 */
export function shipmentBlocker(
  payments: readonly ShipmentMoney[],
  otherLivePayments = false,
): Bilingual | undefined {
  if (payments.length === 0 || otherLivePayments) return undefined;
  const held = payments.some(
    p =>
      p.paymentState !== 'cancelled' &&
      (isHeldInEscrow(p.recordedStatus) || isReleasedStatus(p.recordedStatus)) &&
      p.refundedFen < p.amountFen,
  );
  return held ? undefined : SHIPMENT_REFUSED;
}
