import { type AlipayGeneration } from '@alipay-commerce/core';
import { type RefundOrigin, SHOP_REFUND_STATUSES } from '@alipay-commerce/core/lifecycle';
import { model } from '@medusajs/framework/utils';
import { tradeColumns } from './trade-columns';

/** Where a refund stands: the core's `ShopRefundStatus` values. */
export const REFUND_STATUSES = SHOP_REFUND_STATUSES;

/** Who asked for a refund: the core's `RefundOrigin`. */
export const REFUND_ORIGINS = ['shop', 'alipay', 'orphan'] as const satisfies readonly RefundOrigin[];

/** The interface generation a refund was requested through (legacy batches have no refund query). */
export const REFUND_GENERATIONS = [
  'legacy',
  'openapi',
  'antom',
] as const satisfies readonly AlipayGeneration[];

/**
 * The refund ledger: one row per refund of an Alipay trade — the shop's own (an admin's refund through
 * Medusa), Alipay-side ones (merchant portal, buyer protection) and the refund of an orphan payment.
 * What the shop records as refunded is read from here, never from payment `data`.
 *
 * A shop or orphan refund is written **before** Alipay is called, with the request number every retry
 * sends (`request_no`: OpenAPI `out_request_no`, legacy `batch_no`), so a crash, a lost answer or a
 * retry can never make a second refund of the same request; reconciliation completes rows left open.
 *
 * `in_flight_key` holds the trade's `out_trade_no` while a refund of it is unanswered (`requested`,
 * `uncertain`) or while a settled refund is being recorded in Medusa: under its UNIQUE index only one
 * refund of a payment is in flight at a time, so two admins refunding at once cannot both send.
 *
 * Amounts are yuan strings (`"12.50"`) as in `alipay_trade` (an integer column of fen would overflow
 * above 21 474 836.47 CNY); the plugin converts them to integer fen with `trades/money.ts`. `error` is
 * bilingual (`English / 中文`) and never holds a secret.
 */
export const AlipayRefund = model
  .define('alipay_refund', {
    id: model.id({ prefix: 'alirefund' }).primaryKey(),
    ...tradeColumns(),
    trade_no: model.text().nullable(),
    generation: model.enum([...REFUND_GENERATIONS]),
    /** The core's refund ID (`rf…`, the idempotency key of the facade's refund calls). */
    refund_id: model.text(),
    /** What Alipay knows the refund by: `out_request_no`, `batch_no`, or Alipay's own number. */
    request_no: model.text(),
    /** Yuan, two decimals. */
    amount: model.text(),
    status: model.enum([...REFUND_STATUSES]),
    origin: model.enum([...REFUND_ORIGINS]),
    /** The trade's `out_trade_no` while the refund holds the trade's refund lock; else null. */
    in_flight_key: model.text().nullable(),
    /** What the shop recorded as refunded on the trade when this refund was planned, yuan. */
    settled_before: model.text(),
    /** The Medusa refund that records it (shop and Alipay-side refunds of a Medusa payment). */
    medusa_refund_id: model.text().nullable(),
    /** Legacy password refunds: where the seller confirms. */
    confirm_url: model.text().nullable(),
    /** The refund reason sent to Alipay. */
    reason: model.text().nullable(),
    /** Why it failed, is uncertain or needs the merchant; bilingual. */
    error: model.text().nullable(),
    /** Calls made to Alipay for it. */
    attempts: model.number().default(0),
  })
  .indexes([
    { on: ['out_trade_no', 'request_no'], unique: true },
    { on: ['in_flight_key'], unique: true },
    { on: ['request_no'] },
    { on: ['status'] },
    { on: ['medusa_refund_id'] },
  ]);
