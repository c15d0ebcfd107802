/**
 * What a trade query answer (reconciliation) is checked against.
 *
 * @packageDocumentation
 */
import type { NotificationExpectation, SellerAccount, TradeEvent } from '@alipay-commerce/core';

/**
 * The expectation for the answer to our own signed query about our own `out_trade_no`: that trade, the
 * amount owed, and the seller — only when the answer names one. Alipay's `alipay.trade.query` answer
 * carries no `seller_id`, and the core rejects an event without a seller as `wrong_seller` whenever a
 * seller is expected: with a configured `sellerId`, every paid OpenAPI trade would then be refused by
 * reconciliation, and a payment whose notification was lost would never reach its order.
 */
export function queryExpectation(
  event: Pick<TradeEvent, 'seller'>,
  outTradeNo: string,
  amountFen: number,
  seller: SellerAccount,
): NotificationExpectation {
  const namesSeller = Boolean(event.seller?.id || event.seller?.email);
  return namesSeller ? { outTradeNo, amountFen, seller } : { outTradeNo, amountFen };
}
