import { formatYuan } from './amounts';
import { formatBeijing } from './time';
import type { Trade } from './trade-store';
import { xmlDeclaration, xmlEscape, xmlFields } from './xml';

/**
 * The field sets of legacy (mapi) messages, modelled on the captured samples: notifications of the
 * dual-interface escrow lifecycle, the instant-payment return, and the single_trade_query XML.
 */

const yuan = (fen: number): string => formatYuan(fen);

/** Adds a text field unless it is empty (Alipay leaves empty fields out). */
function setText(out: Record<string, string>, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') out[key] = value;
}

/** Adds a `gmt_*` field in Beijing time when the moment is known. */
function setTime(out: Record<string, string>, key: string, ms: number | undefined): void {
  if (ms !== undefined) out[key] = formatBeijing(ms);
}

/** Whether a trade runs on the escrow path (担保交易, or the dual interface paid as escrow). */
export function isEscrowPath(trade: Trade): boolean {
  return trade.kind === 'escrow' || (trade.kind === 'dual' && trade.paidAs !== 'instant');
}

/** The buyer, body and `gmt_*` fields notifications and queries share, each only when known. */
function buyerBodyAndTimes(trade: Trade, out: Record<string, string>): void {
  setText(out, 'buyer_email', trade.buyerEmail);
  setText(out, 'buyer_id', trade.buyerId);
  setText(out, 'body', trade.body);
  setTime(out, 'gmt_create', trade.gmtCreate);
  setTime(out, 'gmt_payment', trade.gmtPayment);
  setTime(out, 'gmt_send_goods', trade.gmtSendGoods);
  setTime(out, 'gmt_close', trade.gmtClose);
}

function logisticsFields(trade: Trade, out: Record<string, string>): void {
  const chosen = trade.logistics[trade.logisticsChoice] ?? trade.logistics[0];
  if (!chosen) return;
  out['logistics_type'] = chosen.type;
  out['logistics_fee'] = yuan(chosen.feeFen);
  out['logistics_payment'] = chosen.payment;
  for (const [k, v] of Object.entries(trade.receive)) out[k] = v;
  setTime(out, 'gmt_logistics_modify', trade.gmtLogisticsModify);
}

function refundStatus(trade: Trade, out: Record<string, string>): void {
  // An Alipay-side escrow refund may close the trade without refund_status (both shapes occur).
  if (trade.refundedFen > 0 && !trade.refundStatusHidden) {
    out['refund_status'] = 'REFUND_SUCCESS';
    setTime(out, 'gmt_refund', trade.gmtRefund);
  }
}

/** The trade fields of a `trade_status_sync` notification (without notify_* and signature). */
export function legacyNotifyFields(trade: Trade): Record<string, string> {
  const out: Record<string, string> = {
    discount: yuan(trade.discountFen),
    payment_type: '1',
    subject: trade.subject,
    trade_no: trade.tradeNo,
    quantity: String(trade.quantity),
    out_trade_no: trade.outTradeNo,
    seller_id: trade.sellerId,
    seller_email: trade.sellerEmail,
    trade_status: trade.status,
    is_total_fee_adjust: 'N',
    total_fee: yuan(trade.totalFen),
    price: yuan(trade.priceFen),
    use_coupon: 'N',
  };
  buyerBodyAndTimes(trade, out);
  if (trade.kind !== 'direct') logisticsFields(trade, out);
  refundStatus(trade, out);
  for (const [k, v] of Object.entries(trade.echo)) out[k] = v;
  return out;
}

/**
 * The fields of the return_url GET (without signature). Instant payment carries `exterface`; escrow
 * carries what buyer and seller may do next (`buyer_actions`, `seller_actions`).
 */
export function legacyReturnFields(
  trade: Trade,
  encodedNotifyId: string,
  now: number,
): Record<string, string> {
  const base: Record<string, string> = {
    is_success: 'T',
    notify_id: encodedNotifyId,
    notify_time: formatBeijing(now),
    notify_type: 'trade_status_sync',
  };
  if (trade.kind === 'direct') {
    const out: Record<string, string> = {
      ...base,
      exterface: trade.service,
      out_trade_no: trade.outTradeNo,
      payment_type: '1',
      seller_email: trade.sellerEmail,
      seller_id: trade.sellerId,
      subject: trade.subject,
      total_fee: yuan(trade.totalFen),
      trade_no: trade.tradeNo,
      trade_status: trade.status,
    };
    setText(out, 'buyer_email', trade.buyerEmail);
    setText(out, 'buyer_id', trade.buyerId);
    setText(out, 'body', trade.body);
    for (const [k, v] of Object.entries(trade.echo)) out[k] = v;
    return out;
  }
  const out = { ...base, ...legacyNotifyFields(trade) };
  if (isEscrowPath(trade)) {
    if (trade.status === 'WAIT_SELLER_SEND_GOODS') {
      out['buyer_actions'] = 'REFUND';
      out['seller_actions'] = 'SEND_GOODS';
    } else if (trade.status === 'WAIT_BUYER_CONFIRM_GOODS') {
      out['buyer_actions'] = 'REFUND,CONFIRM_GOODS';
      out['seller_actions'] = 'EXTEND_TIMEOUT';
    }
  }
  return out;
}

/** The `<trade>` fields of single_trade_query; these flat fields are what the `<sign>` covers. */
export function legacyQueryTradeFields(trade: Trade): Record<string, string> {
  const paidToSeller =
    trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED'
      ? trade.totalFen - trade.refundedFen
      : 0;
  const out: Record<string, string> = {
    discount: yuan(trade.discountFen),
    flag_trade_locked: '0',
    is_total_fee_adjust: 'F',
    operator_role: 'B',
    out_trade_no: trade.outTradeNo,
    payment_type: '1',
    price: yuan(trade.priceFen),
    quantity: String(trade.quantity),
    seller_email: trade.sellerEmail,
    seller_id: trade.sellerId,
    subject: trade.subject,
    to_buyer_fee: yuan(trade.refundedFen),
    to_seller_fee: yuan(paidToSeller),
    total_fee: yuan(trade.totalFen),
    trade_no: trade.tradeNo,
    trade_status: trade.status,
    use_coupon: 'F',
  };
  buyerBodyAndTimes(trade, out);
  setTime(out, 'gmt_last_modified_time', trade.gmtLastModified);
  if (trade.status === 'TRADE_CLOSED' && trade.history.some(h => h.event === 'timeout')) {
    out['additional_trade_status'] = 'DAEMON_CONFIRM_CLOSE';
  }
  if (trade.kind !== 'direct') logisticsFields(trade, out);
  refundStatus(trade, out);
  return out;
}

/** The full single_trade_query answer with the request echoed and the signature appended. */
export function legacyQueryXml(
  request: Record<string, string>,
  fields: Record<string, string>,
  sign: string,
  signType: string,
  charset: string,
): string {
  const echoed = Object.keys(request)
    .filter(k => k !== 'sign' && k !== 'sign_type')
    .sort()
    .map(k => `    <param name="${xmlEscape(k)}">${xmlEscape(request[k]!)}</param>`)
    .join('\n');
  return (
    `${xmlDeclaration(charset)}<alipay>\n  <is_success>T</is_success>\n  <request>\n${echoed}\n  </request>\n` +
    `  <response>\n    <trade>\n${xmlFields(fields, '      ')}\n    </trade>\n  </response>\n` +
    `  <sign>${xmlEscape(sign)}</sign>\n  <sign_type>${xmlEscape(signType)}</sign_type>\n</alipay>`
  );
}
