import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../modules/alipay/service';
import { refundView } from '../../../../../refunds/refund-view';
import { graph } from '../../../../../trades/session-target';

/**
 * `GET /admin/alipay/orders/:id`: what the order page widget shows — the order's Alipay trades
 * (verified status), their refunds from the refund ledger (status, amount in fen and yuan, request
 * number, origin, the Medusa refund recording it, the seller's confirmation link, the error), escrow
 * shipment confirmations (with their last error), the journal, and its alerts (journal errors: a
 * trade Alipay closed after payment, a refund Medusa could not record, …).
 */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const orderId = req.params.id as string;
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const { data } = await graph(req.scope, {
    entity: 'order',
    fields: ['id', 'payment_collections.payments.provider_id', 'payment_collections.payments.data'],
    filters: { id: orderId },
  });
  const payments = (
    (data[0]?.payment_collections as Array<{ payments?: Array<Record<string, unknown>> }>) ?? []
  )
    .flatMap(collection => collection.payments ?? [])
    .filter(payment => String(payment.provider_id).startsWith('pp_alipay_'));
  const outTradeNos = payments
    .map(payment => (payment.data as Record<string, unknown> | null)?.out_trade_no)
    .filter((value): value is string => typeof value === 'string');

  const trades = outTradeNos.length ? await settings.listAlipayTrades({ out_trade_no: outTradeNos }) : [];
  const refunds = (await settings.listRefundsOfTrades(outTradeNos)).map(refundView);
  const shipments = await settings.listAlipayShipments(
    { order_id: orderId },
    { order: { created_at: 'DESC' } },
  );
  const events = await settings.listAlipayEvents(
    outTradeNos.length
      ? { $or: [{ order_id: orderId }, { out_trade_no: outTradeNos }] }
      : { order_id: orderId },
    { take: 100, order: { created_at: 'DESC' } },
  );
  const alerts = (events as unknown as Array<{ level: string }>).filter(event => event.level === 'error');
  res.json({ order_id: orderId, trades, refunds, shipments, events, alerts });
};
