import { randomBytes } from 'node:crypto';
import { formatYuan, MIN_FEN, parseYuan } from './amounts';
import type { AlipayCharset } from './charset';
import type { Merchant } from './config';
import type { SandboxContext } from './context';
import { LegacyError, type LegacyRequest, legacyFail, requiredParam } from './legacy-request';
import { signLegacy } from './signer';
import { beijingDate, formatBeijing, parseBeijing } from './time';
import type { PendingPwdRefund, Trade } from './trade-store';
import { byteLength, isCallbackUrl } from './validate';

/**
 * The legacy refund interfaces: refund_fastpay_by_platform_nopwd (applied at once) and
 * refund_fastpay_by_platform_pwd (held until the seller confirms with a password on the sandbox's
 * page), with the batch checks, per-item results and `batch_refund_notify`.
 */

/** A validated refund batch. */
export interface RefundBatch {
  batchNo: string;
  items: Array<{ tradeNo: string; amountFen: number; amount: string; reason: string }>;
  notifyUrl?: string;
}

/** Checks a refund_fastpay_by_platform_* request; throws LegacyError with Alipay's refund error codes. */
export function validateRefundBatch(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
): RefundBatch {
  const p = req.params;
  const seller = p['seller_email'] || p['seller_user_id'];
  if (seller) {
    const known = [
      merchant.sellerEmail,
      merchant.sellerId,
      ...merchant.payees.flatMap(x => [x.email, x.userId]),
    ];
    if (!known.includes(seller))
      legacyFail('SELLER_NOT_EXIST', `seller ${seller} is not this partner's account`);
  }
  const refundDate = requiredParam(p, 'refund_date');
  if (parseBeijing(refundDate) === undefined)
    legacyFail('REFUND_DATE_ERROR', 'refund_date must be yyyy-MM-dd HH:mm:ss');
  const batchNo = requiredParam(p, 'batch_no');
  const today = beijingDate(ctx.clock.now());
  const m = /^(\d{8})([0-9A-Za-z]{3,24})$/.exec(batchNo);
  if (!m || m[1] !== today || m[2] === '000') {
    legacyFail(
      'BATCH_NO_FORMAT_ERROR',
      `batch_no must be today's date ${today} + 3–24 letters/digits (not 000)`,
    );
  }
  if (ctx.store.batchNoUsed(merchant.partner, batchNo))
    legacyFail('DUPLICATE_BATCH_NO', `batch_no ${batchNo} was used before`);
  const batchNumText = requiredParam(p, 'batch_num');
  if (!/^[1-9][0-9]*$/.test(batchNumText))
    legacyFail('BATCH_NUM_ERROR', 'batch_num must be a positive integer');
  const batchNum = Number(batchNumText);
  if (batchNum > 1000) legacyFail('BATCH_NUM_EXCEED_LIMIT', 'batch_num is at most 1000');
  const detail = requiredParam(p, 'detail_data');
  const rawItems = detail.split('#');
  const items: RefundBatch['items'] = [];
  for (const raw of rawItems) {
    const parts = raw.split('^');
    if (parts.length !== 3 || raw.includes('|') || raw.includes('$')) {
      legacyFail(
        'DETAIL_DATA_FORMAT_ERROR',
        `detail item must be trade_no^amount^reason (royalty parts are not emulated): ${raw}`,
      );
    }
    const [tradeNo, amountText, reason] = parts as [string, string, string];
    const fen = parseYuan(amountText);
    if (!/^\d{16,64}$/.test(tradeNo) || fen === undefined)
      legacyFail('DETAIL_DATA_FORMAT_ERROR', `bad trade_no or amount in ${raw}`);
    if (reason === '' || byteLength(reason, req.charset) > 256)
      legacyFail('DETAIL_DATA_FORMAT_ERROR', 'reason must be 1–256 bytes');
    if (items.some(i => i.tradeNo === tradeNo))
      legacyFail('DUBL_TRADE_NO_IN_SAME_BATCH', `trade ${tradeNo} twice in one batch`);
    items.push({ tradeNo, amountFen: fen!, amount: amountText, reason });
  }
  if (items.length !== batchNum)
    legacyFail('BATCH_NUM_NOT_EQUAL_TOTAL', `batch_num ${batchNum} but ${items.length} items`);
  const notifyUrl = p['notify_url'];
  if (notifyUrl && !isCallbackUrl(notifyUrl))
    legacyFail('ILLEGAL_ARGUMENT', 'notify_url must be an absolute http(s) URL without query');
  const batch: RefundBatch = { batchNo, items };
  if (notifyUrl) batch.notifyUrl = notifyUrl;
  return batch;
}

/** The per-item result code of a refund (SUCCESS, or why this item failed). */
function refundItemCode(trade: Trade | undefined, amountFen: number, merchant: Merchant): string {
  if (trade === undefined || trade.generation !== 'legacy' || !trade.visible) return 'TRADE_NOT_EXIST';
  if (trade.owner !== merchant.partner) return 'NOT_THIS_PARTNERS_TRADE';
  // refund_fastpay refunds instant-payment trades only, while they are still refundable.
  if (trade.kind !== 'direct' || trade.status !== 'TRADE_SUCCESS') return 'TRADE_STATUS_ERROR';
  if (amountFen < MIN_FEN || trade.refunds.length >= 99) return 'REFUND_AMOUNT_NOT_VALID';
  if (amountFen > trade.totalFen - trade.refundedFen) return 'REFUND_TRADE_FEE_ERROR';
  return 'SUCCESS';
}

/**
 * Applies a validated batch: each item succeeds or fails on its own (result in `result_details`), then
 * `batch_refund_notify` goes to the batch's notify_url. Successful items also notify the trade's own
 * notify_url (trade_status_sync with refund_status=REFUND_SUCCESS).
 *
 * Order, as on Alipay: the batch number is claimed at once (a concurrent repeat is DUPLICATE_BATCH_NO);
 * the items are checked and applied in the money queue of their trades (so concurrent batches, OpenAPI
 * calls and Alipay-side refunds of a trade never interleave); nothing is sent before `answered` settles
 * (the call's answer is written); then `batch_refund_notify`, and after its first attempt the trades'
 * `trade_status_sync`. With the `refund-notify-first` fault the notifications go out at once and this
 * resolves only after their first attempts, so the answer comes last.
 */
export async function executeRefundBatch(
  ctx: SandboxContext,
  merchant: Merchant,
  batch: RefundBatch,
  signType: 'MD5' | 'RSA',
  charset: AlipayCharset,
  answered: Promise<void>,
): Promise<{ successNum: number; resultDetails: string }> {
  ctx.store.claimBatchNo(merchant.partner, batch.batchNo);
  const trades = batch.items
    .map(item => ctx.store.trades.get(item.tradeNo))
    .filter((trade): trade is Trade => trade !== undefined);
  const outTradeNos = trades.map(trade => trade.outTradeNo);
  const notifyFirst =
    ctx.faults.take('refund-notify-first', { partner: merchant.partner, outTradeNos }) !== undefined;
  const gate = notifyFirst ? Promise.resolve() : answered;
  // The trades' notifications follow the batch notification's first attempt.
  let batchSent!: () => void;
  const afterBatch = new Promise<void>(resolve => {
    batchSent = resolve;
  });

  const outcome = await ctx.lifecycle.serial(trades, () => {
    const results: string[] = [];
    const tradeNotified: Promise<void>[] = [];
    let successNum = 0;
    for (const item of batch.items) {
      const trade = ctx.store.trades.get(item.tradeNo);
      const code = refundItemCode(trade, item.amountFen, merchant);
      if (code === 'SUCCESS' && trade) {
        tradeNotified.push(
          ctx.lifecycle.refund(
            trade,
            item.amountFen,
            { source: 'batch', batchNo: batch.batchNo, reason: item.reason },
            { after: afterBatch },
          ),
        );
        successNum++;
        results.push(
          `${item.tradeNo}^${formatYuan(item.amountFen)}^SUCCESS$${trade.sellerEmail}^${trade.sellerId}^0.00^SUCCESS`,
        );
      } else {
        results.push(`${item.tradeNo}^${item.amount}^${code}`);
      }
    }
    return { successNum, resultDetails: results.join('#'), tradeNotified };
  });
  const { successNum, resultDetails } = outcome;

  let batchNotified: Promise<void> = gate;
  if (batch.notifyUrl) {
    const now = ctx.clock.now();
    const record = ctx.store.issueNotifyId(merchant.partner, 'notify', now);
    const fields = {
      notify_type: 'batch_refund_notify',
      notify_id: record.notifyId,
      batch_no: batch.batchNo,
      success_num: String(successNum),
      result_details: resultDetails,
    };
    batchNotified = ctx.notifier.enqueue(
      {
        kind: 'batch_refund_notify',
        generation: 'legacy',
        owner: merchant.partner,
        url: batch.notifyUrl,
        charset,
        notifyId: record.notifyId,
        outTradeNos,
        batchNo: batch.batchNo,
        build: (at, spoil) =>
          signLegacy(
            { notify_time: formatBeijing(at), ...fields },
            merchant,
            signType,
            charset,
            ctx.config.legacyRsaKeys.privateKey,
            spoil,
          ),
      },
      { after: gate },
    ).first;
  }
  void batchNotified.then(batchSent, batchSent);
  if (notifyFirst) await Promise.all([batchNotified, ...outcome.tradeNotified]);
  return { successNum, resultDetails };
}

/**
 * refund_fastpay_by_platform_pwd: checks the batch now and holds it for the seller's password; returns
 * the token of the confirmation page.
 */
export function holdPwdRefund(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
): string {
  validateRefundBatch(ctx, req, merchant);
  const token = randomBytes(12).toString('hex');
  const pending: PendingPwdRefund = {
    token,
    partner: merchant.partner,
    params: { ...req.params },
    charset: req.charset,
    signType,
    createdAt: ctx.clock.now(),
    done: false,
  };
  ctx.store.pwdRefunds.set(token, pending);
  return token;
}

/**
 * Re-validates a pending password refund at confirmation time (the batch number may be used by now) and
 * executes it; its notifications wait for `answered` (the confirmation page's answer).
 */
export function confirmPwdRefund(
  ctx: SandboxContext,
  pending: PendingPwdRefund,
  answered: Promise<void>,
): Promise<{ successNum: number; resultDetails: string }> {
  const merchant = ctx.merchant(pending.partner);
  if (!merchant) throw new LegacyError('ILLEGAL_PARTNER');
  const batch = validateRefundBatch(
    ctx,
    { params: pending.params, charset: pending.charset, method: 'POST' },
    merchant,
  );
  pending.done = true;
  return executeRefundBatch(ctx, merchant, batch, pending.signType, pending.charset, answered);
}
