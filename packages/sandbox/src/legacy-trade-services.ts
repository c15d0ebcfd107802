import type { Merchant } from './config';
import type { SandboxContext } from './context';
import { legacyQueryTradeFields, legacyQueryXml } from './legacy-messages';
import { type LegacyRequest, LOGISTICS_TYPES, legacyFail, requiredParam } from './legacy-request';
import { signLegacy } from './signer';
import type { Trade } from './trade-store';

/**
 * The legacy server-to-server interfaces on one trade, answered in XML by the gateway:
 * send_goods_confirm_by_platform (escrow shipment), close_trade and single_trade_query.
 */

function partnerTrade(ctx: SandboxContext, merchant: Merchant, tradeNo?: string, outTradeNo?: string): Trade {
  const trade = tradeNo
    ? ctx.store.trades.get(tradeNo)
    : ctx.store.byOutTradeNo(merchant.partner, outTradeNo ?? '');
  if (!trade || trade.owner !== merchant.partner || trade.generation !== 'legacy' || !trade.visible) {
    return legacyFail(
      'TRADE_NOT_EXIST',
      'no such trade for this partner (a trade exists once the buyer opened the cashier)',
    );
  }
  if (outTradeNo && trade.outTradeNo !== outTradeNo)
    legacyFail('TRADE_NOT_EXIST', 'trade_no and out_trade_no do not match');
  return trade;
}

/** send_goods_confirm_by_platform: the seller ships an escrow trade. */
export async function sendGoods(ctx: SandboxContext, req: LegacyRequest, merchant: Merchant): Promise<void> {
  const p = req.params;
  const tradeNo = requiredParam(p, 'trade_no');
  const logisticsName = requiredParam(p, 'logistics_name');
  const transport = p['transport_type'] || p['create_transport_type'];
  if (transport && !LOGISTICS_TYPES.includes(transport)) {
    legacyFail('ILLEGAL_ARGUMENT', `transport_type must be one of ${LOGISTICS_TYPES.join(', ')}`);
  }
  const trade = partnerTrade(ctx, merchant, tradeNo);
  const shipment: NonNullable<Trade['shipment']> = { logisticsName };
  if (p['invoice_no']) shipment.invoiceNo = p['invoice_no'];
  if (transport) shipment.transportType = transport;
  await ctx.lifecycle.sendGoods(trade, shipment);
}

/** close_trade: the merchant closes an unpaid trade. */
export async function closeTrade(ctx: SandboxContext, req: LegacyRequest, merchant: Merchant): Promise<void> {
  const p = req.params;
  if (!p['trade_no'] && !p['out_order_no'])
    legacyFail('ILLEGAL_ARGUMENT', 'trade_no or out_order_no is required');
  const trade = partnerTrade(ctx, merchant, p['trade_no'], p['out_order_no']);
  if (p['trade_role'] && !['B', 'S'].includes(p['trade_role']))
    legacyFail('ILLEGAL_ARGUMENT', 'trade_role must be B or S');
  await ctx.lifecycle.close(trade, 'merchant');
}

/** single_trade_query: the trade's fields, signed, inside the XML answer. */
export function singleTradeQuery(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
): string {
  const p = req.params;
  if (!p['trade_no'] && !p['out_trade_no'])
    legacyFail('ILLEGAL_ARGUMENT', 'trade_no or out_trade_no is required');
  const trade = partnerTrade(ctx, merchant, p['trade_no'], p['out_trade_no']);
  const fields = legacyQueryTradeFields(trade);
  const spoil =
    ctx.faults.take('tamper-signature', { partner: merchant.partner, outTradeNos: [trade.outTradeNo] }) !==
    undefined;
  const signed = signLegacy(
    fields,
    merchant,
    signType,
    req.charset,
    ctx.config.legacyRsaKeys.privateKey,
    spoil,
  );
  return legacyQueryXml(p, fields, signed['sign']!, signType, req.charset);
}
