import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../modules/alipay/service';
import { settledFen } from '../../../../refunds/refund-attempts';
import { type RefundView, refundView } from '../../../../refunds/refund-view';
import { fenToAmount } from '../../../../trades/money';

/** One journal entry as the admin API returns it. */
export interface AlipayEventView {
  id: string;
  kind: string;
  level: 'info' | 'warning' | 'error';
  provider_id: string | null;
  out_trade_no: string | null;
  trade_no: string | null;
  session_id: string | null;
  cart_id: string | null;
  order_id: string | null;
  message: string;
  details: Record<string, unknown> | null;
  resolved_at: string | null;
  created_at: string;
  /** Orphan payments: the refund of the orphan's money (the latest), or null when none was made. */
  orphan_refund?: RefundView | null;
  /**
   * Orphan payments: how much of the orphan's money went back to the buyer so far, in fen (its settled
   * refunds: the shop's orphan refund and refunds made on Alipay's side).
   */
  orphan_refunded_fen?: number;
  /** The same in yuan, two decimals. */
  orphan_refunded?: string;
}

/**
 * `GET /admin/alipay/events`: the Alipay journal, newest first.
 *
 * Query: `attention=true` for what needs the merchant (orphan payments and every unresolved warning
 * or error: rejected notifications with a wrong amount or seller, failed processing, failed shipment
 * confirmations); `kind=orphan` (or another kind); `order_id`; `out_trade_no` (one trade number, or
 * several separated by commas); `limit` (≤ 200, default 50) and `offset` (to page on). Orphan
 * payments carry `orphan_refund`: the refund of their money (status, amount, request number), or null,
 * and `orphan_refunded_fen`: how much of it went back so far.
 */
export const GET = async (
  req: AuthenticatedMedusaRequest,
  res: MedusaResponse<{ events: AlipayEventView[] }>,
) => {
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const query = req.query as Record<string, string | undefined>;
  const filters: Record<string, unknown> = {};
  if (query.kind) filters.kind = query.kind;
  if (query.order_id) filters.order_id = query.order_id;
  if (query.out_trade_no) filters.out_trade_no = query.out_trade_no.split(',').filter(Boolean);
  if (query.attention === 'true') {
    filters.resolved_at = null;
    filters.$or = [{ kind: 'orphan' }, { level: ['warning', 'error'] }];
  }
  const limit = Math.min(Math.max(Number(query.limit) || 50, 1), 200);
  const offset = Math.max(Math.trunc(Number(query.offset) || 0), 0);
  const events = (await settings.listAlipayEvents(filters, {
    take: limit,
    skip: offset,
    order: { created_at: 'DESC' },
  })) as unknown as AlipayEventView[];
  const orphanTrades = [
    ...new Set(
      events
        .filter(event => event.kind === 'orphan' && event.out_trade_no)
        .map(e => e.out_trade_no as string),
    ),
  ];
  const refunds = (await settings.listRefundsOfTrades(orphanTrades)).filter(row => row.origin !== 'shop');
  for (const event of events) {
    if (event.kind !== 'orphan') continue;
    // The latest refund of the orphan's money: the policy's or the admin's, or Alipay's own.
    const ofTrade = refunds.filter(row => row.out_trade_no === event.out_trade_no);
    const latest = ofTrade.at(-1);
    event.orphan_refund = latest ? refundView(latest) : null;
    event.orphan_refunded_fen = settledFen(ofTrade);
    event.orphan_refunded = fenToAmount(event.orphan_refunded_fen);
  }
  res.json({ events });
};
