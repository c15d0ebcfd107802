import { formatYuan, MIN_FEN, parseYuan } from './amounts';
import type { SandboxContext } from './context';
import { maskLogonId } from './openapi-messages';
import {
  bizString,
  openApiFail as fail,
  findTrade,
  invalidParameter,
  type OpenApiRequest,
  requiredBiz,
  successAbout,
} from './openapi-request';
import { formatBeijing } from './time';
import type { RefundRecord, Trade } from './trade-store';

/**
 * OpenAPI money back to the buyer: alipay.trade.refund (idempotent per out_request_no),
 * alipay.trade.fastpay.refund.query, and alipay.trade.cancel (closes an unpaid trade, refunds a paid one).
 * Checks and changes run in the trade's money queue, so concurrent calls never interleave.
 */

const yuan = (fen: number): string => formatYuan(fen);

/** Remembered answers of alipay.trade.refund, keyed by trade and out_request_no (the idempotency key). */
const refundAnswers = new WeakMap<Trade, Map<string, Record<string, unknown>>>();

/**
 * Applies a refund whose notifications go out after the call's answer, as Alipay does; or, when the
 * `refund-notify-first` fault fires, at once. Returns what the answer must wait for: the notifications'
 * first attempts with that fault, nothing otherwise.
 */
function applyRefund(
  ctx: SandboxContext,
  trade: Trade,
  amountFen: number,
  record: Pick<RefundRecord, 'outRequestNo' | 'reason'>,
  answered: Promise<void>,
): Promise<void> | undefined {
  const notifyFirst = ctx.faults.take('refund-notify-first', {
    appId: trade.owner,
    outTradeNos: [trade.outTradeNo],
  });
  const notified = ctx.lifecycle.refund(
    trade,
    amountFen,
    { source: 'openapi', ...record },
    notifyFirst ? {} : { after: answered },
  );
  return notifyFirst ? notified : undefined;
}

/** alipay.trade.refund. */
export async function refund(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  const trade = findTrade(ctx, request);
  const refundText = requiredBiz(request.biz, 'refund_amount');
  const fen = parseYuan(refundText);
  if (fen === undefined || fen < MIN_FEN)
    invalidParameter(`refund_amount must be a positive yuan amount, got ${refundText}`);
  // Without out_request_no Alipay uses the out_trade_no: a second such call repeats the first.
  const outRequestNo = bizString(request.biz, 'out_request_no') ?? trade.outTradeNo;
  const reason = bizString(request.biz, 'refund_reason') ?? '';
  // Check and apply in the trade's money queue: concurrent calls (the same out_request_no, or others)
  // run one after the other, each seeing what the previous ones did.
  const outcome = await ctx.lifecycle.serial(trade, () => {
    let answers = refundAnswers.get(trade);
    if (!answers) {
      answers = new Map();
      refundAnswers.set(trade, answers);
    }
    const previous = answers.get(outRequestNo);
    if (previous) return { answer: { ...previous, fund_change: 'N' } };
    if (trade.status === 'TRADE_CLOSED')
      fail('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭 the trade is closed');
    if (trade.status === 'TRADE_FINISHED')
      fail('40004', 'ACQ.TRADE_HAS_FINISHED', '交易已完结 the refund period is over');
    if (trade.status !== 'TRADE_SUCCESS')
      fail('40004', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法 the trade is not paid');
    if (fen! > trade.totalFen - trade.refundedFen) {
      fail(
        '40004',
        'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
        '退款金额超限 refund_amount exceeds what is left to refund',
      );
    }
    const notified = applyRefund(ctx, trade, fen!, { outRequestNo, reason }, answered);
    const answer: Record<string, unknown> = {
      ...successAbout(trade),
      buyer_logon_id: maskLogonId(trade.buyerEmail),
      fund_change: 'Y',
      refund_fee: yuan(trade.refundedFen),
      gmt_refund_pay: formatBeijing(ctx.clock.now()),
      buyer_user_id: trade.buyerId,
    };
    // Remembered before any notification goes out: a repeat is answered from here from now on.
    answers.set(outRequestNo, answer);
    return { answer, notified };
  });
  if (outcome.notified) await outcome.notified;
  return outcome.answer;
}

/** alipay.trade.fastpay.refund.query: code 10000 without refund_amount when there is no such refund. */
export function refundQuery(ctx: SandboxContext, request: OpenApiRequest): Record<string, unknown> {
  const outRequestNo = requiredBiz(request.biz, 'out_request_no');
  const trade = findTrade(ctx, request);
  // A merchant's out_request_no, or the out_biz_no Alipay gave a refund made on its side.
  const record = trade.refunds.find(
    r => (r.source === 'openapi' || r.source === 'alipay') && r.outRequestNo === outRequestNo,
  );
  const answer: Record<string, unknown> = {
    ...successAbout(trade),
    out_request_no: outRequestNo,
  };
  // code=10000 without refund_amount means "no such refund": Alipay answers like that, not with an error.
  if (!record) return answer;
  answer['total_amount'] = yuan(trade.totalFen);
  answer['refund_amount'] = yuan(record.amountFen);
  if (record.reason) answer['refund_reason'] = record.reason;
  answer['refund_status'] = 'REFUND_SUCCESS';
  const options = request.biz['query_options'];
  if (Array.isArray(options) && options.includes('gmt_refund_pay'))
    answer['gmt_refund_pay'] = formatBeijing(record.at);
  return answer;
}

/** alipay.trade.cancel: closes an unpaid trade, refunds a paid one (what is left of it). */
export async function cancel(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  const trade = findTrade(ctx, request);
  const base = {
    ...successAbout(trade),
    retry_flag: 'N',
  };
  // Cancelling a paid trade refunds it: a money operation, queued with the trade's refunds.
  const outcome = await ctx.lifecycle.serial(trade, () => {
    if (trade.status === 'WAIT_BUYER_PAY') {
      return { answer: { ...base, action: 'close' }, closed: ctx.lifecycle.close(trade, 'cancel') };
    }
    if (trade.status === 'TRADE_CLOSED')
      return { answer: { ...base, action: trade.refundedFen > 0 ? 'refund' : 'close' } };
    if (trade.status === 'TRADE_SUCCESS') {
      const left = trade.totalFen - trade.refundedFen;
      const notified = applyRefund(ctx, trade, left, { reason: 'cancel' }, answered);
      return { answer: { ...base, action: 'refund' }, closed: notified };
    }
    return fail('40004', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法 a finished trade cannot be cancelled');
  });
  // Closing an unpaid trade notifies before answering (unchanged); a refund only with refund-notify-first.
  if (outcome.closed) await outcome.closed;
  return outcome.answer;
}
