import { model } from '@medusajs/framework/utils';

/**
 * The columns that name the trade a row is about, declared alike in every table of the module about a
 * trade (`alipay_trade`, `alipay_trade_start`, `alipay_refund`, `alipay_shipment`), so that the
 * stores' joins on `out_trade_no` and the scope look-ups mean the same everywhere. A function, because
 * each model needs builders of its own.
 */
export function tradeColumns() {
  return {
    /** Our `out_trade_no` (random; `alipay_trade_start` maps it to its payment session). */
    out_trade_no: model.text(),
    /** The Medusa payment provider the trade was made through (`pp_alipay_<id>`). */
    provider_id: model.text(),
    /** Settings scope the trade was created with: `global` or a sales channel ID. */
    scope: model.text(),
  };
}
