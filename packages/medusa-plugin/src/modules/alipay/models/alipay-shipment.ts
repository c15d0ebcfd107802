import { model } from '@medusajs/framework/utils';
import { tradeColumns } from './trade-columns';

/** States of a shipment confirmation. */
export const SHIPMENT_STATES = ['pending', 'confirmed', 'failed'] as const;

/**
 * One escrow shipment confirmation (发货, `send_goods_confirm_by_platform`) per Medusa fulfillment.
 * Written by the `shipment.created` subscriber before calling Alipay, so a failed call is retried with
 * backoff by the `alipay-retry-shipments` job, also after a restart. `failed` means the retries gave
 * up; the merchant sees it on the order page and can retry by hand.
 */
export const AlipayShipment = model
  .define('alipay_shipment', {
    id: model.id({ prefix: 'aliship' }).primaryKey(),
    fulfillment_id: model.text(),
    order_id: model.text(),
    payment_id: model.text().nullable(),
    ...tradeColumns(),
    trade_no: model.text(),
    carrier: model.text(),
    tracking_number: model.text().nullable(),
    status: model.enum([...SHIPMENT_STATES]),
    attempts: model.number().default(0),
    next_attempt_at: model.dateTime().nullable(),
    last_error: model.text().nullable(),
    confirmed_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ['fulfillment_id'], unique: true }, { on: ['status', 'next_attempt_at'] }]);
