import type { OrderProcess } from '@vendure/core';
import { isHeldInAlipayEscrow } from './alipay-helpers';

/**
 * Lets an order paid into Alipay escrow (担保交易, or 标准双接口 paid into escrow) be shipped.
 *
 * The money of an escrow trade reaches the seller only after the buyer confirms receipt, and the
 * buyer can only confirm what was shipped: the order has to be shipped while its payment is still
 * `Authorized`. Vendure's default order process ships only from `PaymentSettled` (its admin disables
 * "Fulfill order" in `PaymentAuthorized`), so this process adds `PaymentAuthorized → PartiallyShipped
 * | Shipped`, for orders whose money is held by Alipay escrow only: other payments keep Vendure's
 * behaviour. When the buyer confirms receipt the payment is settled and the order stays shipped.
 */
export const alipayEscrowOrderProcess: OrderProcess<'PaymentAuthorized'> = {
  transitions: {
    PaymentAuthorized: { to: ['PartiallyShipped', 'Shipped'] },
  },

  onTransitionStart(fromState, toState, { order }) {
    if (fromState !== 'PaymentAuthorized' || (toState !== 'PartiallyShipped' && toState !== 'Shipped')) {
      return true;
    }
    return isHeldInAlipayEscrow(order.payments ?? [])
      ? true
      : 'Only an order whose money is held in Alipay escrow can be shipped before its payment is settled / 只有款项由支付宝担保的订单可以在结算前发货';
  },
};
