import { model } from '@medusajs/framework/utils';

/** Trade statuses of the core (`TradeStatus`), in its order. Kept here so the model needs no runtime import. */
export const TRADE_STATUSES = [
  'waiting_payment',
  'paid_awaiting_shipment',
  'shipped_awaiting_receipt',
  'paid',
  'finished',
  'closed',
] as const;

/**
 * The last **verified** state of one Alipay trade, written only from a notification whose signature
 * (and, for legacy merchants, notify_id) verified, or from the signed answer of a trade query.
 *
 * This is the "verified stored status" the payment provider reads in `authorizePayment` /
 * `capturePayment`: payment session `data` is visible to (and partly written by) the shopper, so it
 * is never trusted for money decisions.
 *
 * Amounts are yuan strings exactly as Alipay reports them (`"123.45"`), converted with the core's
 * `yuanToFen` when compared: an integer column would overflow above 21 474 836.47 CNY.
 */
export const AlipayTrade = model
  .define('alipay_trade', {
    id: model.id({ prefix: 'alitrade' }).primaryKey(),
    /** Our `out_trade_no`: the Medusa payment session ID. */
    out_trade_no: model.text(),
    session_id: model.text().nullable(),
    provider_id: model.text(),
    /** Settings scope the trade was created with: `global` or a sales channel ID. */
    scope: model.text(),
    trade_no: model.text().nullable(),
    status: model.enum([...TRADE_STATUSES]),
    /** Alipay's own `trade_status` text, e.g. `WAIT_SELLER_SEND_GOODS`. */
    alipay_status: model.text(),
    total_amount: model.text(),
    refunded_amount: model.text().nullable(),
    /** `notify` or `query`: where the verified state came from. */
    source: model.text(),
  })
  .indexes([{ on: ['out_trade_no'], unique: true }, { on: ['trade_no'] }]);
