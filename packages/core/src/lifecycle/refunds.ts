import { randomBytes } from 'node:crypto';
import {
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  type Bilingual,
} from '../errors';
import type { AlipayGeneration } from '../events';
import type { RefundOutcome, RefundQueryOutcome } from '../facade';
import { legacyBatchNoFor } from '../legacy/client';
import { outRequestNoFor } from '../openapi/client';
import { isFinalRefundStatus, type ShopRefundStatus } from './refund-status';

/**
 * Refunds that keep the shop's books equal to Alipay's. The rules, for every adapter:
 *
 * 1. At most one refund of a payment is in flight (the adapter enforces it with a unique row).
 * 2. The request number is chosen ({@link planRefund}) and stored before Alipay is called, and every
 *    retry sends the same number, which Alipay treats as the same refund.
 * 3. Alipay's answer is checked against the trade's refunded total (what was settled before plus this
 *    refund) by {@link refundAttemptResult}; anything unclear is `uncertain`, never settled on hope.
 * 4. Open refunds (never answered, uncertain, pending) are completed by reconciliation
 *    ({@link nextRefundCheck}, {@link refundQueryResult}, {@link reconcileRefundedTotal}).
 */

export type { ShopRefundStatus } from './refund-status';
export { FINAL_REFUND_STATUSES, isFinalRefundStatus, SHOP_REFUND_STATUSES } from './refund-status';

/** The error code of a refund only a person can settle (legacy, refused when sent again). */
export const REFUND_NEEDS_CHECK = 'REFUND_NEEDS_CHECK';

/** What the merchant reads about a refund that only a person can settle. */
export function REFUND_NEEDS_CHECK_TEXT(code: string): Bilingual {
  return {
    en: `Alipay refused this refund when it was sent again (${code}) and cannot say whether the first request refunded: check the trade in Alipay's merchant portal before refunding again. It is not sent again automatically.`,
    zh: `该退款再次提交时被支付宝拒绝（${code}），无法确认首次请求是否已退款：请先在支付宝商家中心查看该交易，再决定是否重新退款。系统不会再自动提交。`,
  };
}

/** Who asked for a refund: the shop (an admin), Alipay's side (portal, buyer protection), or the orphan policy. */
export type RefundOrigin = 'shop' | 'alipay' | 'orphan';

/**
 * True while a refund blocks another refund of the same payment: until Alipay's answer is known. A
 * `pending` or `requires_action` refund has a known request Alipay accepted, so it no longer does.
 */
export function holdsRefundLock(status: ShopRefundStatus): boolean {
  return status === 'requested' || status === 'uncertain';
}

/** A refund about to be requested: its ID and the request number Alipay will know it by. */
export interface PlannedRefund {
  /**
   * The refund's own ID (`rf` + 30 hex digits): the idempotency key passed to the facade's `refund` and
   * `queryRefund`.
   */
  refundId: string;
  /** OpenAPI `out_request_no` (the ID itself) or legacy `batch_no` (today's Beijing date + a serial). */
  requestNo: string;
}

/**
 * Chooses a new refund's ID and request number: random, so that two refunds of one payment never share
 * a number (a count of earlier refunds does: two admins at once get the same one). Store both before
 * calling Alipay, and pass both to every attempt.
 */
export function planRefund(generation: AlipayGeneration, now: Date = new Date()): PlannedRefund {
  const refundId = `rf${randomBytes(15).toString('hex')}`;
  return {
    refundId,
    requestNo: generation === 'legacy' ? legacyBatchNoFor(refundId, now) : outRequestNoFor(refundId),
  };
}

/** What one attempt at a refund came to, and why. */
export interface RefundAttemptResult {
  status: Exclude<ShopRefundStatus, 'requested'>;
  /** One line for logs and history. */
  detail: string;
  /** Legacy password refunds: where the seller confirms. */
  confirmUrl?: string;
  /** Alipay's refunded total for the trade after this refund, when it said. */
  refundedTotalFen?: number;
  /** Why it failed or is uncertain, for the admin (bilingual, never a secret). */
  error?: { code: string; message: Bilingual };
}

/** The outcome of the facade's `refund`, or the error it threw. */
export type RefundCallOutcome = { ok: true; value: RefundOutcome } | { ok: false; error: unknown };

/**
 * Classifies one refund attempt. `settledBeforeFen` is what the shop had recorded as refunded on the
 * trade (its own and Alipay-side refunds) when it planned this one.
 *
 * - OpenAPI answered: `succeeded` only when Alipay's refunded total is exactly `settledBeforeFen +
 *   amountFen`; any other total is `uncertain` (an earlier answer of the same number, another refund in
 *   between): reconciliation asks Alipay about this request.
 * - Legacy accepted (`pending`) or needing the seller (`requires_action`), or Alipay already has this
 *   batch (`DUPLICATE_BATCH_NO`): `pending`.
 * - No answer, an answer that cannot be trusted, or a gateway error Alipay calls transient: `uncertain`
 *   (the request may have moved money).
 * - Any other refusal: `failed`, nothing moved.
 */
export function refundAttemptResult(
  refund: {
    amountFen: number;
    settledBeforeFen: number;
    /** The generation the refund is made with (legacy refusals of a batch sent before prove nothing). */
    generation?: AlipayGeneration;
    /** Calls made for this refund before this one (their fate unknown, or it would not be sent again). */
    attemptsBefore?: number;
  },
  outcome: RefundCallOutcome,
): RefundAttemptResult {
  if (outcome.ok) {
    const value = outcome.value;
    if (value.status === 'pending')
      return { status: 'pending', detail: 'accepted; Alipay notifies the result' };
    if (value.status === 'requires_action') {
      return {
        status: 'requires_action',
        detail: 'the seller must confirm it on Alipay’s page',
        confirmUrl: value.confirmUrl,
      };
    }
    if (value.status === 'refunded') {
      // Antom: the answer is about this request alone (its idempotent refundRequestId), with no trade total.
      if (value.amountFen === refund.amountFen) return { status: 'succeeded', detail: 'refunded' };
      return {
        status: 'uncertain',
        detail: `Antom reports ${value.amountFen} refunded for this request, ${refund.amountFen} expected`,
        error: {
          code: 'REFUND_AMOUNT_MISMATCH',
          message: {
            en: `Antom reports ${value.amountFen} (minor units) refunded for this request, not the ${refund.amountFen} asked; reconciliation checks this refund with Antom.`,
            zh: `Antom 报告此笔退款金额为 ${value.amountFen}（最小货币单位），而非申请的 ${refund.amountFen}；对账任务将向 Antom 核实此笔退款。`,
          },
        },
      };
    }
    const expected = refund.settledBeforeFen + refund.amountFen;
    if (value.refundedTotalFen === expected) {
      return { status: 'succeeded', detail: 'refunded', refundedTotalFen: value.refundedTotalFen };
    }
    return {
      status: 'uncertain',
      detail: `Alipay reports ${value.refundedTotalFen} fen refunded in total, ${expected} fen expected`,
      refundedTotalFen: value.refundedTotalFen,
      error: {
        code: 'REFUND_TOTAL_MISMATCH',
        message: {
          en: `Alipay reports ${value.refundedTotalFen} fen refunded on this trade, not the ${expected} fen expected; reconciliation checks this refund with Alipay.`,
          zh: `支付宝报告该交易累计退款 ${value.refundedTotalFen} 分，而非预期的 ${expected} 分；对账任务将向支付宝核实此笔退款。`,
        },
      },
    };
  }
  const error = outcome.error;
  if (error instanceof AlipayGatewayError && error.gatewayCode === 'DUPLICATE_BATCH_NO') {
    return { status: 'pending', detail: 'Alipay already has this batch; it notifies the result' };
  }
  const uncertain =
    error instanceof AlipayNetworkError ||
    error instanceof AlipayResponseError ||
    (error instanceof AlipayGatewayError && error.retryable);
  const described = describe(error);
  if (!uncertain && refund.generation === 'legacy' && (refund.attemptsBefore ?? 0) > 0) {
    // Legacy has no refund query, and a batch sent again is refused for reasons that say nothing about
    // the first attempt (a batch dated yesterday, a trade refunded in full by that very batch).
    return {
      status: 'uncertain',
      detail: `refused when sent again (${described.code}); whether the first attempt refunded is unknown`,
      error: { code: REFUND_NEEDS_CHECK, message: REFUND_NEEDS_CHECK_TEXT(described.code) },
    };
  }
  return {
    status: uncertain ? 'uncertain' : 'failed',
    detail: `${uncertain ? 'no usable answer' : 'refused'}: ${described.code}`,
    error: described,
  };
}

function describe(error: unknown): { code: string; message: Bilingual } {
  if (error instanceof AlipayGatewayError) {
    const code = [error.gatewayCode, error.subCode].filter(Boolean).join('/');
    return { code, message: error.hint };
  }
  if (error instanceof AlipayError) return { code: error.code, message: error.hint };
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: 'UNEXPECTED', message: { en: text, zh: text } };
}

/** A refund the shop has recorded, as reconciliation and the lifecycle decision see it. */
export interface LifecycleRefund {
  /** The adapter's ID of its refund record. */
  id: string;
  /** The request number Alipay knows it by. */
  requestNo: string;
  amountFen: number;
  status: ShopRefundStatus;
  origin: RefundOrigin;
}

/** What reconciliation does next about one open refund (`requested`, `uncertain`, `pending`, `requires_action`). */
export type RefundCheck =
  /** Too young: its own answer or notification may still come. */
  | 'wait'
  /** Never answered: send it (again) with its stored number; Alipay does not refund twice. */
  | 'send'
  /** Ask Alipay about this request (OpenAPI refund query), then decide with {@link refundQueryResult}. */
  | 'query_refund'
  /** Ask Alipay for the trade's refunded total (legacy has no refund query): {@link reconcileRefundedTotal}. */
  | 'query_trade'
  /**
   * Legacy, answer lost: read the trade's refunded total first; if that does not settle it, send the
   * batch again under its stored number (Alipay answers `DUPLICATE_BATCH_NO` when it has it).
   */
  | 'query_trade_then_send';

/**
 * The next reconciliation step for an open refund of the given generation, `ageMs` after it was
 * requested. `requested` refunds are sent (again); OpenAPI `uncertain` and Antom open ones are asked about; legacy
 * ones (no refund query) are settled from the trade's refunded total, and an uncertain legacy batch is
 * then sent again — unless a person must look at it (`needsPerson`: a resend was already refused), when
 * it is never sent again automatically.
 */
export function nextRefundCheck(
  refund: { status: ShopRefundStatus; generation: AlipayGeneration; needsPerson?: boolean },
  ageMs: number,
  reconcileAfterMs: number,
): RefundCheck {
  if (isFinalRefundStatus(refund.status) || ageMs < reconcileAfterMs) return 'wait';
  if (refund.status === 'requested') return refund.needsPerson ? 'wait' : 'send';
  if (refund.generation === 'openapi') return refund.status === 'uncertain' ? 'query_refund' : 'wait';
  // Antom: a lost answer (uncertain) and one still in process (pending) are both asked about by inquiryRefund.
  if (refund.generation === 'antom') return 'query_refund';
  if (refund.status === 'uncertain' && !refund.needsPerson) return 'query_trade_then_send';
  return 'query_trade';
}

/**
 * What Alipay's answer to a refund query means for an open OpenAPI refund: `succeeded` when Alipay
 * refunded exactly this amount under this number; `send` (again, same number) when Alipay has no such
 * refund; `uncertain` when it refunded another amount (a person must look).
 */
export function refundQueryResult(
  refund: { amountFen: number },
  answer: RefundQueryOutcome,
): 'succeeded' | 'send' | 'uncertain' | 'wait' {
  if (answer.status === 'unknown') return 'wait';
  if (answer.status === 'not_found') return 'send';
  return answer.amountFen === refund.amountFen ? 'succeeded' : 'uncertain';
}

/**
 * The amount of a refund Alipay made (an Alipay-side refund named by its number), from a refund query's
 * answer, as the lifecycle's `refundAmount` wants it: the amount when it succeeded, `null` when Alipay
 * has no such refund, `undefined` when the answer says nothing (ask again later).
 */
export function refundAmountFromQuery(answer: RefundQueryOutcome): number | null | undefined {
  if (answer.status === 'succeeded') return answer.amountFen;
  return answer.status === 'not_found' ? null : undefined;
}

/** What a trade's refunded total at Alipay says about the shop's refunds of that trade. */
export interface RefundedTotalReading {
  /** Open refunds (IDs) that Alipay's total shows went through: settle them. */
  settle: string[];
  /** Money Alipay refunded that no refund of the shop accounts for (an Alipay-side refund): record it. */
  alipaySideFen: number;
  /** True when the total fits the open refunds in more than one way: wait, or ask a person. */
  ambiguous: boolean;
}

/**
 * Reads Alipay's refunded total for a trade against the shop's refunds of it: what is above the refunds
 * the shop already records as succeeded went through either as open refunds of the shop or on Alipay's
 * side. When the open refunds fit inside that excess they are all settled and the rest is Alipay-side;
 * when each of them is larger than the excess, none went through and the excess is Alipay-side;
 * otherwise the one combination of open refunds that adds up to it is settled; several combinations are
 * ambiguous.
 */
export function reconcileRefundedTotal(input: {
  alipayRefundedFen: number;
  refunds: readonly LifecycleRefund[];
}): RefundedTotalReading {
  const settledFen = sumOf(input.refunds.filter(r => r.status === 'succeeded'));
  const open = input.refunds.filter(r => !isFinalRefundStatus(r.status));
  const excess = input.alipayRefundedFen - settledFen;
  if (excess <= 0) return { settle: [], alipaySideFen: 0, ambiguous: false };
  const openFen = sumOf(open);
  if (openFen <= excess)
    return { settle: open.map(r => r.id), alipaySideFen: excess - openFen, ambiguous: false };
  // Every open refund is larger than the excess, so none of them is in it (a refund moves all of its
  // amount or nothing): the excess was refunded on Alipay's side. An open refund that goes through
  // later raises the total by its own amount and is settled by the next reading.
  if (open.every(r => r.amountFen > excess)) return { settle: [], alipaySideFen: excess, ambiguous: false };
  // Some open refunds went through, some did not: find the combinations that add up exactly.
  const candidates = open.slice(0, 12);
  const matches: string[][] = [];
  for (let mask = 1; mask < 1 << candidates.length && matches.length < 2; mask++) {
    const chosen = candidates.filter((_, i) => (mask & (1 << i)) !== 0);
    if (sumOf(chosen) === excess) matches.push(chosen.map(r => r.id));
  }
  if (matches.length === 1) return { settle: matches[0] as string[], alipaySideFen: 0, ambiguous: false };
  return { settle: [], alipaySideFen: 0, ambiguous: true };
}

function sumOf(refunds: readonly { amountFen: number }[]): number {
  return refunds.reduce((sum, r) => sum + r.amountFen, 0);
}

/** The request number under which a shop records a refund Alipay made on its own side. */
export function alipaySideRefundKey(
  event: { tradeNo: string; refundRequestNo?: string | undefined },
  totalFen: number,
): string {
  return event.refundRequestNo ?? `alipay-${event.tradeNo}-${totalFen}`;
}
