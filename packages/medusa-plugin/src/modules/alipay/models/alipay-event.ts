import { model } from '@medusajs/framework/utils';

/** What an event is about. */
export const EVENT_KINDS = [
  'notification',
  'query',
  'return',
  'shipment',
  'refund',
  'orphan',
  'rejection',
  'error',
] as const;

/** How much an event needs the merchant's attention. */
export const EVENT_LEVELS = ['info', 'warning', 'error'] as const;

/**
 * The merchant-visible journal of Alipay activity: notifications applied, shipments confirmed,
 * refunds, rejections, failures and orphan payments. Listed on the order page widget and (for orphans
 * and failures) on Settings → Alipay.
 *
 * `message` is bilingual (`English / 中文`); `details` holds identifiers, statuses, amounts and reason
 * codes only — never a key, a signature or a raw notification body.
 */
export const AlipayEvent = model
  .define('alipay_event', {
    id: model.id({ prefix: 'alievt' }).primaryKey(),
    kind: model.enum([...EVENT_KINDS]),
    level: model.enum([...EVENT_LEVELS]),
    provider_id: model.text().nullable(),
    out_trade_no: model.text().nullable(),
    trade_no: model.text().nullable(),
    session_id: model.text().nullable(),
    cart_id: model.text().nullable(),
    order_id: model.text().nullable(),
    message: model.text(),
    details: model.json().nullable(),
    /** Set when the merchant marked an orphan or a failure as handled. */
    resolved_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ['order_id'] }, { on: ['out_trade_no'] }, { on: ['kind', 'level'] }]);
