import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_SETTINGS_MODULE } from '../../../../modules/alipay_settings/constants';
import type AlipaySettingsModuleService from '../../../../modules/alipay_settings/service';

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
}

/**
 * `GET /admin/alipay/events`: the Alipay journal, newest first.
 *
 * Query: `attention=true` for what needs the merchant (orphan payments and every unresolved warning
 * or error: rejected notifications with a wrong amount or seller, failed processing, failed shipment
 * confirmations); `kind=orphan` (or another kind); `order_id`; `limit` (≤ 200, default 50).
 */
export const GET = async (
  req: AuthenticatedMedusaRequest,
  res: MedusaResponse<{ events: AlipayEventView[] }>,
) => {
  const settings = req.scope.resolve<AlipaySettingsModuleService>(ALIPAY_SETTINGS_MODULE);
  const query = req.query as Record<string, string | undefined>;
  const filters: Record<string, unknown> = {};
  if (query.kind) filters.kind = query.kind;
  if (query.order_id) filters.order_id = query.order_id;
  if (query.attention === 'true') {
    filters.resolved_at = null;
    filters.$or = [{ kind: 'orphan' }, { level: ['warning', 'error'] }];
  }
  const limit = Math.min(Math.max(Number(query.limit) || 50, 1), 200);
  const events = await settings.listAlipayEvents(filters, { take: limit, order: { created_at: 'DESC' } });
  res.json({ events: events as unknown as AlipayEventView[] });
};
