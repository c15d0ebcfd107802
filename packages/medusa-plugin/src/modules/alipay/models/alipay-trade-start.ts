import { model } from '@medusajs/framework/utils';
import { tradeColumns } from './trade-columns';

/**
 * How a trade was started: written by the payment provider when it builds the signed request, before
 * the storefront sends the buyer to Alipay's cashier.
 *
 * Medusa deletes payment sessions for good when a new attempt replaces them or the admin deletes a
 * payment collection, and the session's `data` is where the trade's settings scope and interface
 * (generation, gateway, seller) were recorded. A cashier page opened before that can still be paid: the
 * late notification must then be verified with the credentials the trade was created with, the trade
 * asked about by reconciliation, and its money refunded as an orphan. This row keeps what those need.
 *
 * `origin` holds the plugin-owned keys of the session data that `tradeOriginOf` reads
 * (`interface`, `interface_type`, `gateway`, `seller_email`, `seller_id`) and `sales_channel_id`; nothing
 * secret. `amount` is the yuan string sent to Alipay.
 */
export const AlipayTradeStart = model
  .define('alipay_trade_start', {
    id: model.id({ prefix: 'alistart' }).primaryKey(),
    /**
     * The trade. Its `out_trade_no` is random (the core's `newOutTradeNo`, `at` + 30 hex digits) and unrelated to the
     * session, cart or order, because it is public (payment URLs, the payer's Alipay bill, "pay for me"
     * links). Trades started before issue 15 used the payment session ID here.
     */
    ...tradeColumns(),
    /**
     * The Medusa payment session the trade was started for: the stored mapping from `out_trade_no` to
     * the session. Null only in rows written before the column existed (the migration fills those with
     * `out_trade_no`, which was the session ID then).
     */
    session_id: model.text().nullable(),
    amount: model.text(),
    origin: model.json(),
    /**
     * When a storefront-driven status check (`authorizePayment`, `getPaymentStatus`) last asked Alipay
     * about the trade: checks within the core's `SYNC_MIN_INTERVAL_MS` answer from the recorded state.
     */
    last_queried_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ['out_trade_no'], unique: true }, { on: ['session_id'] }, { on: ['created_at'] }]);
