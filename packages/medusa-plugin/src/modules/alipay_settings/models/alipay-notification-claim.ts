import { model } from '@medusajs/framework/utils';

/** States of a claim: being processed, processed (state changed), or deliberately ignored. */
export const CLAIM_STATES = ['processing', 'processed', 'ignored'] as const;

/**
 * One row per (trade, Alipay status) that has been — or is being — applied to Medusa. The UNIQUE key
 * is the idempotency guard: the notify route and the reconciliation job insert the row **before**
 * touching payments, so two concurrent deliveries of the same notification cannot both process it.
 * A processing failure deletes the row (releases the claim) so that Alipay's next retry can succeed.
 *
 * `claim_key` is the Alipay status for trade events (`TRADE_SUCCESS`), and a refund marker for refund
 * reports (`TRADE_SUCCESS/refund:500`, `batch_refund`), so a refund notification is not mistaken for
 * a duplicate of the payment notification.
 */
export const AlipayNotificationClaim = model
  .define('alipay_notification_claim', {
    id: model.id({ prefix: 'aliclaim' }).primaryKey(),
    /** Alipay's trade number (`trade_no`), or the legacy refund `batch_no`. */
    trade_no: model.text(),
    claim_key: model.text(),
    out_trade_no: model.text().nullable(),
    session_id: model.text().nullable(),
    /** `notify` or `query`. */
    source: model.text(),
    state: model.enum([...CLAIM_STATES]),
    /** What processing concluded, e.g. `order_created`, `already_captured` (no secrets, no PII). */
    outcome: model.text().nullable(),
    claimed_at: model.dateTime(),
  })
  .indexes([{ on: ['trade_no', 'claim_key'], unique: true }]);
