import { formatYuan } from './amounts';
import { formatBeijing } from './time';
import type { Trade } from './trade-store';

/** Field sets of OpenAPI trade notifications, returns and `alipay.trade.query` answers. */

const yuan = (fen: number): string => formatYuan(fen);

/** Masks a buyer account the way Alipay shows `buyer_logon_id` (`buy***@sandbox.alipay.test`). */
export function maskLogonId(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.indexOf('@');
  if (at < 0) return email.length > 7 ? `${email.slice(0, 3)}****${email.slice(-4)}` : email;
  return `${email.slice(0, Math.min(3, at))}***${email.slice(at)}`;
}

/** Refund time in notifications: `yyyy-MM-dd HH:mm:ss.SSS`, as the notification table documents. */
function withMillis(ms: number): string {
  return `${formatBeijing(ms)}.${String(Math.floor(ms) % 1000).padStart(3, '0')}`;
}

function paidFen(trade: Trade): number {
  return trade.gmtPayment !== undefined ? trade.totalFen : 0;
}

/** The fields of a trade_status_sync notification (without notify_time/notify_id and signature). */
export function openApiNotifyFields(
  trade: Trade,
  appId: string,
  extra: { outBizNo?: string } = {},
): Record<string, string> {
  const out: Record<string, string> = {
    notify_type: 'trade_status_sync',
    app_id: appId,
    auth_app_id: trade.authAppId ?? appId,
    charset: trade.charset,
    version: '1.0',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    seller_id: trade.sellerId,
    seller_email: trade.sellerEmail,
    trade_status: trade.status,
    total_amount: yuan(trade.totalFen),
    subject: trade.subject,
    gmt_create: formatBeijing(trade.gmtCreate),
  };
  if (trade.body) out['body'] = trade.body;
  if (trade.buyerId) out['buyer_id'] = trade.buyerId;
  const logon = maskLogonId(trade.buyerEmail);
  if (logon) out['buyer_logon_id'] = logon;
  if (trade.gmtPayment !== undefined) {
    const paid = yuan(paidFen(trade));
    out['gmt_payment'] = formatBeijing(trade.gmtPayment);
    out['receipt_amount'] = paid;
    out['invoice_amount'] = paid;
    out['buyer_pay_amount'] = paid;
    out['point_amount'] = '0.00';
    // Live notifications carry this JSON HTML-escaped (`[{&quot;amount&quot;:…}]`), and the signature
    // covers the escaped text as sent: merchant code must unescape before JSON.parse.
    out['fund_bill_list'] = JSON.stringify([{ amount: paid, fundChannel: 'ALIPAYACCOUNT' }]).replaceAll(
      '"',
      '&quot;',
    );
  }
  if (trade.refundedFen > 0) {
    out['refund_fee'] = yuan(trade.refundedFen);
    if (trade.gmtRefund !== undefined) out['gmt_refund'] = withMillis(trade.gmtRefund);
  }
  if (extra.outBizNo) out['out_biz_no'] = extra.outBizNo;
  if (trade.gmtClose !== undefined) out['gmt_close'] = formatBeijing(trade.gmtClose);
  for (const [k, v] of Object.entries(trade.echo)) out[k] = v;
  return out;
}

/** The return_url parameters of page/wap pay (without signature). */
export function openApiReturnFields(trade: Trade, appId: string, now: number): Record<string, string> {
  return {
    charset: trade.charset,
    out_trade_no: trade.outTradeNo,
    method: `${trade.service}.return`,
    total_amount: yuan(trade.totalFen),
    trade_no: trade.tradeNo,
    auth_app_id: trade.authAppId ?? appId,
    version: '1.0',
    app_id: appId,
    seller_id: trade.sellerId,
    timestamp: formatBeijing(now),
  };
}

/** The body of a successful `alipay.trade.query` answer. */
export function openApiQueryFields(trade: Trade): Record<string, unknown> {
  const paid = yuan(paidFen(trade));
  const out: Record<string, unknown> = {
    code: '10000',
    msg: 'Success',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    trade_status: trade.status,
    total_amount: yuan(trade.totalFen),
    buyer_pay_amount: paid,
    point_amount: '0.00',
    invoice_amount: paid,
    receipt_amount: paid,
  };
  const logon = maskLogonId(trade.buyerEmail);
  if (logon) out['buyer_logon_id'] = logon;
  if (trade.buyerId) out['buyer_user_id'] = trade.buyerId;
  if (trade.gmtPayment !== undefined) {
    out['send_pay_date'] = formatBeijing(trade.gmtPayment);
    out['fund_bill_list'] = [{ fund_channel: 'ALIPAYACCOUNT', amount: paid }];
  }
  return out;
}
