import { model } from '@medusajs/framework/utils';

/** States of a claim: being processed, processed (state changed), or deliberately ignored. */
export const CLAIM_STATES = ['processing', 'processed', 'ignored'] as const;

/**
 * One row per (trade, Alipay status) that has been — or is being — applied to Medusa. The UNIQUE key
 * is the idempotency guard: the notify route and the reconciliation job insert the row **before**
 * touching payments, so two concurrent deliveries of the same notification cannot both process it.
 * A processing failure deletes the row (releases the claim) so that Alipay's next retry can succeed.
 *
 * A notification whose payment is applied after Alipay was answered (see `trades/process-trade-event.ts`)
 * keeps its claim `processing` with `outcome = 'accepted'` and the verified event in `event` until it
 * is applied: the row is what makes the acceptance durable. Its holder keeps `claimed_at` fresh while
 * it lives; a claim whose `claimed_at` is older than the lease belongs to a process that died (or to a
 * failed attempt waiting for its retry), and the `alipay-resume-payments` job applies it.
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
    /** Refreshed by the holder while it lives; a claim older than the lease may be taken over. */
    claimed_at: model.dateTime(),
    /**
     * For an accepted claim: the verified event still to apply (identifiers, status, amount in fen,
     * settings scope; no secret, no buyer data).
     */
    event: model.json().nullable(),
    /** Failed attempts at applying an accepted claim; the next waits longer. */
    attempts: model.number().default(0),
  })
  .indexes([
    { on: ['trade_no', 'claim_key'], unique: true },
    // The resume job's look-up of stale claims: only `processing` rows, a handful at any time.
    { on: ['state', 'claimed_at'] },
  ]);
