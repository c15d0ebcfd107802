/**
 * A refund of the refund ledger as the admin API returns it and the admin pages show it. No secret is
 * ever part of it. Shared by the server (which builds it) and the admin bundle (which shows it), so it
 * imports nothing at runtime (type imports only).
 *
 * @packageDocumentation
 */

import type { RefundOrigin, ShopRefundStatus } from '@alipay-commerce/core/lifecycle';

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

/** How each refund status reads, English / 简体中文. */
export const REFUND_STATUS_LABELS: Readonly<Record<RefundViewStatus, string>> = {
  requested: 'Requested / 已申请',
  pending: 'Pending, Alipay reports the result / 处理中，等待支付宝结果',
  requires_action: 'Confirm on Alipay’s page / 需在支付宝页面确认',
  uncertain: 'Uncertain, being checked with Alipay / 结果未知，正在向支付宝核实',
  succeeded: 'Refunded / 已退款',
  failed: 'Refused by Alipay, nothing refunded / 支付宝拒绝，未退款',
};

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
