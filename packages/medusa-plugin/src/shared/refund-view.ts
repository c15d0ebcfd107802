/**
 * A refund of the refund ledger as the admin API returns it and the admin pages show it. No secret is
 * ever part of it. Shared by the server (which builds it) and the admin bundle (which shows it), so it
 * imports at runtime only the core's browser-safe `@alipay-commerce/core/settings` entry.
 *
 * @packageDocumentation
 */

import type { RefundOrigin, ShopRefundStatus } from '@alipay-commerce/core/lifecycle';
import { bilingualLine, REFUND_STATUS_TEXT } from '@alipay-commerce/core/settings';

/** Where a refund stands (the core's `ShopRefundStatus`). */
export type RefundViewStatus = ShopRefundStatus;

/** Who asked for it (the core's `RefundOrigin`). */
export type RefundViewOrigin = RefundOrigin;

/** One refund as `GET /admin/alipay/orders/:id`, the orphan list and the orphan refund route return it. */
export interface RefundView {
  id: string;
  out_trade_no: string;
  trade_no: string | null;
  status: RefundViewStatus;
  origin: RefundViewOrigin;
  amount_fen: number;
  /** Yuan, two decimals. */
  amount: string;
  /** What Alipay knows it by: `out_request_no`, `batch_no`, or Alipay's own number. */
  request_no: string;
  /** The Medusa refund that records it. */
  medusa_refund_id: string | null;
  /** Legacy password refunds: where the seller confirms with the payment password. */
  confirm_url: string | null;
  /** What the merchant must know (bilingual). */
  error: string | null;
  /** True while the refund holds the payment's refund lock (no other refund of it can start). */
  in_flight: boolean;
  attempts: number;
  created_at: string;
  updated_at: string;
}

/** How each refund status reads, English / 简体中文 (the core's {@link REFUND_STATUS_TEXT}). */
export const REFUND_STATUS_LABELS = Object.fromEntries(
  Object.entries(REFUND_STATUS_TEXT).map(([status, text]) => [status, bilingualLine(text)]),
) as Readonly<Record<RefundViewStatus, string>>;

/** How each refund origin reads, English / 简体中文. */
export const REFUND_ORIGIN_LABELS: Readonly<Record<RefundViewOrigin, string>> = {
  shop: 'Refund / 退款',
  alipay: 'Refunded on Alipay’s side / 支付宝侧退款',
  orphan: 'Orphan payment refund / 无法关联付款的退款',
};

/** The badge colour of each refund status. */
export const REFUND_STATUS_COLORS: Readonly<Record<RefundViewStatus, 'grey' | 'orange' | 'green' | 'red'>> = {
  requested: 'orange',
  pending: 'orange',
  requires_action: 'orange',
  uncertain: 'red',
  succeeded: 'green',
  failed: 'red',
};
