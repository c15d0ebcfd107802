import type { TradeStatus } from '@alipay-commerce/core';
import { PaymentSessionStatus } from '@medusajs/framework/utils';

/**
 * The one mapping from the core's trade status to Medusa's payment session status. Every provider
 * method and the notify route use it; see the table in the README.
 *
 * | TradeStatus | Alipay | Medusa |
 * | --- | --- | --- |
 * | (no trade yet) | — | `pending` |
 * | `waiting_payment` | `WAIT_BUYER_PAY`, `TRADE_PENDING` | `pending` |
 * | `paid_awaiting_shipment` | `WAIT_SELLER_SEND_GOODS` | `authorized` (escrow: money held by Alipay) |
 * | `shipped_awaiting_receipt` | `WAIT_BUYER_CONFIRM_GOODS` | `authorized` |
 * | `paid` | `TRADE_SUCCESS` | `captured` |
 * | `finished` | `TRADE_FINISHED` | `captured` |
 * | `closed` | `TRADE_CLOSED` | `canceled` |
 */
export function toSessionStatus(status: TradeStatus | null | undefined): PaymentSessionStatus {
  switch (status) {
    case 'paid_awaiting_shipment':
    case 'shipped_awaiting_receipt':
      return PaymentSessionStatus.AUTHORIZED;
    case 'paid':
    case 'finished':
      return PaymentSessionStatus.CAPTURED;
    case 'closed':
      return PaymentSessionStatus.CANCELED;
    default:
      return PaymentSessionStatus.PENDING;
  }
}
