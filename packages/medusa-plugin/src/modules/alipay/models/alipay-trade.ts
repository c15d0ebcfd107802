import { TRADE_STATUS_ORDER } from '@alipay-commerce/core/lifecycle';
import { model } from '@medusajs/framework/utils';
import { tradeColumns } from './trade-columns';

/**
 * The last **verified** state of one Alipay trade, written only from a notification whose signature
 * (and, for legacy merchants, notify_id) verified, or from the signed answer of a trade query.
 *
 * This is the "verified stored status" the payment provider reads in `authorizePayment` /
 * `capturePayment`: payment session `data` is visible to (and partly written by) the shopper, so it
 * is never trusted for money decisions.
 *
 * `alipay_status` is what the core's lifecycle reads as the recorded status (Alipay's `trade_status`
 * text); `status` is the same in the core's `TradeStatus` words, for SQL and the admin.
 *
 * Amounts are yuan strings exactly as Alipay reports them (`"123.45"`), converted with the core's
 * `yuanToFen` when compared: an integer column would overflow above 21 474 836.47 CNY.
 */
export const AlipayTrade = model
  .define('alipay_trade', {
    id: model.id({ prefix: 'alitrade' }).primaryKey(),
    ...tradeColumns(),
    session_id: model.text().nullable(),
    trade_no: model.text().nullable(),
    /** The core's `TradeStatus` of `alipay_status` (the core's rank orders both). */
    status: model.enum([...TRADE_STATUS_ORDER]),
    /** Alipay's own `trade_status` text, e.g. `WAIT_SELLER_SEND_GOODS`. */
    alipay_status: model.text(),
    total_amount: model.text(),
    refunded_amount: model.text().nullable(),
    /** `notify` or `query`: where the verified state came from. */
    source: model.text(),
    /**
     * The core's `OrphanReason` when the trade's money could not be applied to its order (an orphan
     * payment, refunded by the shop's policy or by the admin); null otherwise.
     */
    orphan_reason: model.text().nullable(),
  })
  .indexes([{ on: ['out_trade_no'], unique: true }, { on: ['trade_no'] }]);
