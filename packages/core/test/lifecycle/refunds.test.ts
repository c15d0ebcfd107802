import { describe, expect, it } from 'vitest';
import { AlipayGatewayError, AlipayNetworkError, AlipayResponseError } from '../../src/errors';
import { legacyGatewayError } from '../../src/legacy/errors';
import {
  holdsRefundLock,
  type LifecycleRefund,
  nextRefundCheck,
  planRefund,
  reconcileRefundedTotal,
  refundAmountFromQuery,
  refundAttemptResult,
  refundQueryResult,
} from '../../src/lifecycle';
import { openApiGatewayError } from '../../src/openapi/errors';

const HINT = { en: 'x', zh: 'x' };

describe('planRefund', () => {
  it('gives every refund its own number, valid for the generation', () => {
    const now = new Date('2026-12-05T03:00:00Z');
    const openapi = new Set(Array.from({ length: 200 }, () => planRefund('openapi', now).requestNo));
    expect(openapi.size).toBe(200);
    for (const no of openapi) expect(no).toMatch(/^rf[0-9a-f]{30}$/);
    const legacy = Array.from({ length: 200 }, () => planRefund('legacy', now));
    expect(new Set(legacy.map(r => r.requestNo)).size).toBe(200);
    // batch_no: today's Beijing date + a serial of 3–24 characters.
    for (const r of legacy) expect(r.requestNo).toMatch(/^20261205\d{3,24}$/);
    expect(new Set(legacy.map(r => r.refundId)).size).toBe(200);
  });
});

describe('refundAttemptResult', () => {
  const refund = { amountFen: 300, settledBeforeFen: 200 };
  const ok = (value: Parameters<typeof refundAttemptResult>[1] & { ok: true }) => value;

  it('settles only when Alipay’s refunded total is what was settled before plus this refund', () => {
    const answer = (total: number) =>
      refundAttemptResult(
        refund,
        ok({ ok: true, value: { status: 'succeeded', refundRequestNo: 'rf1', refundedTotalFen: total } }),
      );
    expect(answer(500)).toMatchObject({ status: 'succeeded', refundedTotalFen: 500 });
    // An earlier answer of the same number (300), or another refund in between (800): never settled on hope.
    expect(answer(300)).toMatchObject({ status: 'uncertain', error: { code: 'REFUND_TOTAL_MISMATCH' } });
    expect(answer(800).status).toBe('uncertain');
  });

  it('legacy accepted, needing the seller, or already known to Alipay: pending', () => {
    expect(
      refundAttemptResult(refund, { ok: true, value: { status: 'pending', refundRequestNo: 'b' } }).status,
    ).toBe('pending');
    expect(
      refundAttemptResult(refund, {
        ok: true,
        value: { status: 'requires_action', refundRequestNo: 'b', confirmUrl: 'https://x' },
      }),
    ).toMatchObject({ status: 'requires_action', confirmUrl: 'https://x' });
    expect(
      refundAttemptResult(refund, {
        ok: false,
        error: legacyGatewayError('refund_fastpay_by_platform_nopwd', 'DUPLICATE_BATCH_NO'),
      }).status,
    ).toBe('pending');
  });

  it('no answer, an untrusted answer or a transient gateway error: uncertain; a refusal: failed', () => {
    const result = (error: unknown) => refundAttemptResult(refund, { ok: false, error }).status;
    expect(result(new AlipayNetworkError('timeout', 'timed out'))).toBe('uncertain');
    expect(result(new AlipayResponseError('bad signature'))).toBe('uncertain');
    expect(
      result(new AlipayGatewayError('20000', { subCode: 'ACQ.SYSTEM_ERROR', hint: HINT, retryable: true })),
    ).toBe('uncertain');
    expect(
      result(
        openApiGatewayError('alipay.trade.refund', {
          code: '40004',
          sub_code: 'ACQ.TRADE_HAS_CLOSE',
          sub_msg: 'closed',
        }),
      ),
    ).toBe('failed');
    expect(result(legacyGatewayError('refund_fastpay_by_platform_nopwd', 'TRADE_STATUS_ERROR'))).toBe(
      'failed',
    );
    expect(result(new TypeError('a legacy refund needs tradeNo'))).toBe('failed');
  });

  it('a legacy batch sent again and refused: only a person can tell whether the first attempt refunded', () => {
    const again = { ...refund, generation: 'legacy' as const, attemptsBefore: 1 };
    const refused = refundAttemptResult(again, {
      ok: false,
      error: legacyGatewayError('refund_fastpay_by_platform_nopwd', 'BATCH_NO_FORMAT_ERROR'),
    });
    expect(refused).toMatchObject({ status: 'uncertain', error: { code: 'REFUND_NEEDS_CHECK' } });
    expect(refused.error?.message.zh).toContain('不会再自动提交');
    // The first attempt, or OpenAPI (whose out_request_no Alipay remembers): a refusal is final.
    const first = { ...refund, generation: 'legacy' as const, attemptsBefore: 0 };
    const tradeError = legacyGatewayError('refund_fastpay_by_platform_nopwd', 'TRADE_STATUS_ERROR');
    expect(refundAttemptResult(first, { ok: false, error: tradeError }).status).toBe('failed');
    expect(
      refundAttemptResult(
        { ...refund, generation: 'openapi', attemptsBefore: 2 },
        { ok: false, error: tradeError },
      ).status,
    ).toBe('failed');
  });
});

describe('the refund lock and reconciliation steps', () => {
  it('a refund blocks the next one until Alipay’s answer is known', () => {
    expect(holdsRefundLock('requested')).toBe(true);
    expect(holdsRefundLock('uncertain')).toBe(true);
    for (const s of ['pending', 'requires_action', 'succeeded', 'failed'] as const)
      expect(holdsRefundLock(s)).toBe(false);
  });

  it('young refunds wait; never answered ones are sent again; OpenAPI asks, legacy reads the trade', () => {
    const after = 5 * 60_000;
    expect(nextRefundCheck({ status: 'uncertain', generation: 'openapi' }, 1000, after)).toBe('wait');
    expect(nextRefundCheck({ status: 'requested', generation: 'openapi' }, after, after)).toBe('send');
    expect(nextRefundCheck({ status: 'requested', generation: 'legacy' }, after, after)).toBe('send');
    expect(nextRefundCheck({ status: 'uncertain', generation: 'openapi' }, after, after)).toBe(
      'query_refund',
    );
    expect(nextRefundCheck({ status: 'uncertain', generation: 'legacy' }, after, after)).toBe(
      'query_trade_then_send',
    );
    // Once a resend was refused, a person must look: read the trade, never send again.
    expect(
      nextRefundCheck({ status: 'uncertain', generation: 'legacy', needsPerson: true }, after, after),
    ).toBe('query_trade');
    expect(
      nextRefundCheck({ status: 'requested', generation: 'legacy', needsPerson: true }, after, after),
    ).toBe('wait');
    expect(nextRefundCheck({ status: 'pending', generation: 'legacy' }, after, after)).toBe('query_trade');
    expect(nextRefundCheck({ status: 'requires_action', generation: 'legacy' }, after, after)).toBe(
      'query_trade',
    );
    expect(nextRefundCheck({ status: 'succeeded', generation: 'legacy' }, after, after)).toBe('wait');
  });

  it('a refund query settles the same amount, sends again when Alipay has none', () => {
    expect(refundQueryResult({ amountFen: 300 }, { status: 'succeeded', amountFen: 300 })).toBe('succeeded');
    expect(refundQueryResult({ amountFen: 300 }, { status: 'succeeded', amountFen: 200 })).toBe('uncertain');
    expect(refundQueryResult({ amountFen: 300 }, { status: 'not_found' })).toBe('send');
    expect(refundQueryResult({ amountFen: 300 }, { status: 'unknown' })).toBe('wait');
  });
});

describe('reconcileRefundedTotal', () => {
  const r = (id: string, amountFen: number, status: LifecycleRefund['status']): LifecycleRefund => ({
    id,
    requestNo: `rq-${id}`,
    amountFen,
    status,
    origin: 'shop',
  });

  it('nothing above the settled refunds: nothing to do', () => {
    expect(
      reconcileRefundedTotal({
        alipayRefundedFen: 200,
        refunds: [r('a', 200, 'succeeded'), r('b', 100, 'pending')],
      }),
    ).toEqual({ settle: [], alipaySideFen: 0, ambiguous: false });
  });

  it('open refunds inside the excess are settled, the rest was refunded on Alipay’s side', () => {
    expect(
      reconcileRefundedTotal({
        alipayRefundedFen: 700,
        refunds: [r('a', 200, 'succeeded'), r('b', 100, 'pending')],
      }),
    ).toEqual({ settle: ['b'], alipaySideFen: 400, ambiguous: false });
    expect(reconcileRefundedTotal({ alipayRefundedFen: 50, refunds: [] })).toEqual({
      settle: [],
      alipaySideFen: 50,
      ambiguous: false,
    });
  });

  it('open refunds each larger than the excess did not go through: the excess is Alipay-side', () => {
    // A refund of 9.97 made on Alipay's side while the shop's 14.96 is unanswered (its call hung).
    expect(reconcileRefundedTotal({ alipayRefundedFen: 997, refunds: [r('a', 1496, 'uncertain')] })).toEqual({
      settle: [],
      alipaySideFen: 997,
      ambiguous: false,
    });
    // Then the shop's refund goes through after all: the next reading settles it.
    expect(
      reconcileRefundedTotal({
        alipayRefundedFen: 2493,
        refunds: [{ ...r('x', 997, 'succeeded'), origin: 'alipay' }, r('a', 1496, 'uncertain')],
      }),
    ).toEqual({ settle: ['a'], alipaySideFen: 0, ambiguous: false });
    // A smaller open refund could be in it: still ambiguous.
    expect(
      reconcileRefundedTotal({
        alipayRefundedFen: 997,
        refunds: [r('a', 1496, 'uncertain'), r('b', 500, 'pending')],
      }).ambiguous,
    ).toBe(true);
  });

  it('only the one combination of open refunds that adds up is settled; two are ambiguous', () => {
    const open = [r('a', 100, 'pending'), r('b', 250, 'uncertain'), r('c', 400, 'requires_action')];
    expect(reconcileRefundedTotal({ alipayRefundedFen: 350, refunds: open })).toEqual({
      settle: ['a', 'b'],
      alipaySideFen: 0,
      ambiguous: false,
    });
    expect(reconcileRefundedTotal({ alipayRefundedFen: 120, refunds: open }).ambiguous).toBe(true);
    const twins = [r('a', 100, 'pending'), r('b', 100, 'pending')];
    expect(reconcileRefundedTotal({ alipayRefundedFen: 100, refunds: twins }).ambiguous).toBe(true);
  });
});

describe('refundAmountFromQuery', () => {
  it('the amount when Alipay made the refund, null when it has none, undefined when it cannot say', () => {
    expect(refundAmountFromQuery({ status: 'succeeded', amountFen: 997 } as never)).toBe(997);
    expect(refundAmountFromQuery({ status: 'not_found' } as never)).toBeNull();
    expect(refundAmountFromQuery({ status: 'unknown' } as never)).toBeUndefined();
  });
});
