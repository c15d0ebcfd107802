import { describe, expect, it } from 'vitest';
import {
  type LifecycleRefund,
  runTradeLifecycle,
  type TradeDecision,
  type TradeFacts,
} from '../../src/lifecycle';

/** A minimal shop: one trade, its payment and refunds, changed by the decisions it is asked to apply. */
function shop(
  initial: Omit<TradeFacts, 'event'>,
  event: TradeFacts['event'],
  refundedTotal?: number,
  refundAmounts: Record<string, number | null> = {},
) {
  const state = structuredClone(initial) as Omit<TradeFacts, 'event'>;
  const applied: TradeDecision[] = [];
  let queries = 0;
  return {
    state,
    applied,
    queries: () => queries,
    io: {
      facts: async (): Promise<TradeFacts> => ({ ...structuredClone(state), event }),
      refundedTotal: async () => {
        queries++;
        return refundedTotal;
      },
      refundAmount: async (requestNo: string) => {
        queries++;
        return refundAmounts[requestNo];
      },
      apply: async (decision: TradeDecision) => {
        applied.push(decision);
        if ('status' in decision) state.trade.recordedStatus = decision.status;
        if (decision.action === 'add_payment') {
          state.payment = { state: decision.settled ? 'settled' : 'authorized', amountFen: event.amountFen };
        }
        if (decision.action === 'reconcile_refunds' && decision.alipaySideFen > 0) {
          (state.refunds as LifecycleRefund[]).push({
            id: `a${state.refunds.length}`,
            requestNo: decision.alipaySideKey,
            amountFen: decision.alipaySideFen,
            status: 'succeeded',
            origin: 'alipay',
          });
        }
      },
    },
  };
}

const base: Omit<TradeFacts, 'event'> = {
  trade: { recordedStatus: 'CREATED', tradeNo: null, amountFen: 1000, orphan: null },
  payment: null,
  order: {
    exists: true,
    cancelled: false,
    currency: 'CNY',
    payable: true,
    owedFen: 1000,
    paidOtherwise: false,
  },
  refunds: [],
};

/** The shop after a settled payment of trade t1 (1000 fen). */
const paidAndSettled: Omit<TradeFacts, 'event'> = {
  ...base,
  payment: { state: 'settled', amountFen: 1000 },
  trade: { ...base.trade, recordedStatus: 'TRADE_SUCCESS', tradeNo: 't1' },
};

/** A paid notification for trade t1 (1000 fen), with what a test adds (a refund report's fields). */
function paidNotification(extra: Partial<TradeFacts['event']> = {}): TradeFacts['event'] {
  return {
    status: 'paid',
    alipayStatus: 'TRADE_SUCCESS',
    amountFen: 1000,
    tradeNo: 't1',
    source: 'notify',
    ...extra,
  };
}

describe('runTradeLifecycle', () => {
  it('a trade query of a partly refunded trade: the payment, then the refund Alipay made', async () => {
    const s = shop(
      base,
      paidNotification({ source: 'query', refundStatus: 'REFUND_SUCCESS', refundedFen: 300 }),
    );
    const run = await runTradeLifecycle(s.io);
    expect(s.applied.map(d => d.action)).toEqual(['add_payment', 'reconcile_refunds']);
    expect(run.reply).toBe('success');
    expect(run.note).toContain('; then ');
    expect(s.state.refunds).toMatchObject([{ amountFen: 300, origin: 'alipay' }]);
  });

  it('a legacy refund report without an amount asks Alipay once, then decides with the total', async () => {
    const report = paidNotification({ refundStatus: 'REFUND_SUCCESS' });
    const s = shop(paidAndSettled, report, 250);
    const run = await runTradeLifecycle(s.io);
    expect(s.queries()).toBe(1);
    expect(run.decision).toMatchObject({ action: 'reconcile_refunds', alipaySideFen: 250 });
    // Alipay cannot say: answered fail, nothing applied.
    const unknown = shop(paidAndSettled, report, undefined);
    const retry = await runTradeLifecycle(unknown.io);
    expect(retry).toMatchObject({ reply: 'fail', decision: { action: 'retry_later' } });
    expect(unknown.applied).toEqual([]);
  });

  it('a refund made on Alipay’s side is recorded for the amount Alipay reports for its number', async () => {
    const report = paidNotification({ refundRequestNo: 'ALIPAY-1', refundedFen: 900 });
    const s = shop(paidAndSettled, report, undefined, { 'ALIPAY-1': 150 });
    const run = await runTradeLifecycle(s.io);
    expect(run.decision).toMatchObject({
      action: 'reconcile_refunds',
      alipaySideFen: 150,
      alipaySideKey: 'ALIPAY-1',
    });
    expect(s.queries()).toBe(1);
    // Alipay has no such refund (yet): answered fail, nothing applied.
    const missing = shop(paidAndSettled, report, undefined, { 'ALIPAY-1': null });
    expect(await runTradeLifecycle(missing.io)).toMatchObject({
      reply: 'fail',
      decision: { action: 'retry_later' },
    });
    expect(missing.applied).toEqual([]);
  });

  it('refusals are returned, never applied', async () => {
    const s = shop(base, paidNotification({ amountFen: 1 }));
    const run = await runTradeLifecycle(s.io);
    expect(run).toMatchObject({ reply: 'success', decision: { action: 'reject', reason: 'wrong_amount' } });
    expect(s.applied).toEqual([]);
  });
});
