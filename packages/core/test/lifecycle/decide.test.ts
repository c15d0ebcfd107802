import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toTradeStatus } from '../../src/events';
import {
  decideBatchRefund,
  decideTradeEvent,
  decisionEffect,
  decisionReply,
  type LifecycleEvent,
  type LifecycleRefund,
  recordedStatusRank,
  type TradeAction,
  type TradeFacts,
} from '../../src/lifecycle';

/**
 * The lifecycle decision over every (shop state, Alipay event) pair: each cell of the table below is the
 * action the core must decide. A change of policy changes this table, on purpose.
 */

const AMOUNT = 1000;
const TRADE_NO = '2026120522001000000000000001';

/** The shop states: the recorded trade, the shop's payment and refunds, the order. */
const STATES: Record<string, Omit<TradeFacts, 'event'>> = {
  new: facts('CREATED', null),
  waiting: facts('WAIT_BUYER_PAY', null),
  escrowHeld: facts('WAIT_SELLER_SEND_GOODS', 'authorized'),
  escrowShipped: facts('WAIT_BUYER_CONFIRM_GOODS', 'authorized'),
  paid: {
    ...facts('TRADE_SUCCESS', 'settled'),
    refunds: [refund('r1', 'rq-settled', 200, 'succeeded'), refund('r2', 'rq-open', 300, 'requested')],
  },
  finished: facts('TRADE_FINISHED', 'settled'),
  closedUnpaid: facts('TRADE_CLOSED', null),
  closedEscrow: facts('TRADE_CLOSED', 'cancelled'),
  orphan: {
    ...facts('TRADE_SUCCESS', null),
    trade: { ...trade('TRADE_SUCCESS'), orphan: 'order_cancelled' },
  },
  orderCancelled: { ...facts('CREATED', null), order: { ...order(), cancelled: true } },
  paidOtherwise: { ...facts('CREATED', null), order: { ...order(), payable: false, paidOtherwise: true } },
};

/** The events: every Alipay status, and the refund reports of both generations. */
const EVENTS: Record<string, LifecycleEvent> = {
  WAIT_BUYER_PAY: event('WAIT_BUYER_PAY'),
  WAIT_SELLER_SEND_GOODS: event('WAIT_SELLER_SEND_GOODS'),
  WAIT_BUYER_CONFIRM_GOODS: event('WAIT_BUYER_CONFIRM_GOODS'),
  TRADE_SUCCESS: event('TRADE_SUCCESS'),
  TRADE_FINISHED: event('TRADE_FINISHED'),
  TRADE_CLOSED: event('TRADE_CLOSED'),
  'TRADE_CLOSED+refund_status': { ...event('TRADE_CLOSED'), refundStatus: 'REFUND_SUCCESS' },
  'refund on Alipay (OpenAPI)': { ...event('TRADE_SUCCESS'), refundRequestNo: 'ALIPAY-1', refundedFen: 500 },
  'refund (legacy, no amount)': { ...event('TRADE_SUCCESS'), refundStatus: 'REFUND_SUCCESS' },
  'own refund confirmed': { ...event('TRADE_SUCCESS'), refundRequestNo: 'rq-open', refundedFen: 500 },
};

// biome-ignore format: the table reads as a table.
const EXPECTED: Record<string, TradeAction[]> = {
  //               WBP       WSSG            WBCG            SUCCESS         FINISHED        CLOSED            CLOSED+rs         alipay refund          legacy refund          own refund
  new:            ['record', 'add_payment',  'add_payment',  'add_payment',  'add_payment',  'record',         'retry_later',    'retry_later',         'retry_later',         'retry_later'],
  waiting:        ['record', 'add_payment',  'add_payment',  'add_payment',  'add_payment',  'record',         'retry_later',    'retry_later',         'retry_later',         'retry_later'],
  escrowHeld:     ['record', 'ignore',       'await_receipt','settle_payment','settle_payment','cancel_payment','cancel_payment', 'alert',               'alert',               'alert'],
  escrowShipped:  ['record', 'ignore',       'ignore',       'settle_payment','settle_payment','cancel_payment','cancel_payment', 'alert',               'alert',               'alert'],
  paid:           ['record', 'ignore',       'ignore',       'ignore',       'ignore',       'reconcile_refunds','reconcile_refunds','query_refund_amount','query_refunded_total','settle_refund'],
  finished:       ['record', 'ignore',       'ignore',       'ignore',       'ignore',       'reconcile_refunds','reconcile_refunds','query_refund_amount','query_refunded_total','query_refund_amount'],
  closedUnpaid:   ['record', 'ignore',       'ignore',       'ignore',       'ignore',       'record',         'retry_later',    'retry_later',         'retry_later',         'retry_later'],
  closedEscrow:   ['record', 'ignore',       'ignore',       'ignore',       'ignore',       'ignore',         'ignore',         'ignore',              'ignore',              'ignore'],
  orphan:         ['ignore', 'ignore',       'ignore',       'ignore',       'ignore',       'orphan_refunded','orphan_refunded','query_refund_amount','query_refunded_total','query_refund_amount'],
  orderCancelled: ['record', 'orphan',       'orphan',       'orphan',       'orphan',       'record',         'retry_later',    'retry_later',         'retry_later',         'retry_later'],
  paidOtherwise:  ['record', 'orphan',       'orphan',       'orphan',       'orphan',       'record',         'retry_later',    'retry_later',         'retry_later',         'retry_later'],
};

describe('decideTradeEvent: every (shop state, event) pair', () => {
  const eventNames = Object.keys(EVENTS);
  for (const [stateName, state] of Object.entries(STATES)) {
    const row = EXPECTED[stateName]!;
    it(`${stateName}: ${eventNames.map((e, i) => `${e} → ${row[i]}`).join(', ')}`, () => {
      expect(row).toHaveLength(eventNames.length);
      const got = eventNames.map(name => decideTradeEvent({ ...state, event: EVENTS[name]! }).action);
      expect(Object.fromEntries(eventNames.map((n, i) => [n, got[i]]))).toEqual(
        Object.fromEntries(eventNames.map((n, i) => [n, row[i]])),
      );
    });
  }

  it('never records a status that moves the trade backwards, and answers fail only to be asked again', () => {
    for (const state of Object.values(STATES)) {
      for (const ev of Object.values(EVENTS)) {
        const decision = decideTradeEvent({ ...state, event: ev });
        if ('status' in decision) {
          expect(recordedStatusRank(decision.status)).toBeGreaterThanOrEqual(
            recordedStatusRank(state.trade.recordedStatus),
          );
        }
        const retry =
          decision.action === 'retry_later' ||
          decision.action === 'query_refunded_total' ||
          decision.action === 'query_refund_amount';
        expect(decisionReply(decision)).toBe(retry ? 'fail' : 'success');
        expect(decisionEffect(decision) === 'retry').toBe(retry);
      }
    }
  });
});

describe('decideTradeEvent: details', () => {
  it('adds the payment settled for instant statuses and authorized for escrow ones', () => {
    const add = (status: string) => decideTradeEvent({ ...STATES.new!, event: event(status) });
    expect(add('TRADE_SUCCESS')).toMatchObject({
      action: 'add_payment',
      settled: true,
      status: 'TRADE_SUCCESS',
    });
    expect(add('WAIT_SELLER_SEND_GOODS')).toMatchObject({ action: 'add_payment', settled: false });
  });

  it('refuses unknown statuses (inherited names included) and another Alipay trade', () => {
    for (const alipayStatus of ['constructor', 'toString', 'TRADE_PAID', '']) {
      const decision = decideTradeEvent({
        ...STATES.new!,
        event: { ...event('TRADE_SUCCESS'), alipayStatus },
      });
      expect(decision).toMatchObject({ action: 'reject', reason: 'unknown_status' });
      expect(decisionReply(decision)).toBe('success');
    }
    const other = decideTradeEvent({
      ...STATES.paid!,
      event: { ...event('TRADE_SUCCESS'), tradeNo: '2026120522001000000000000999' },
    });
    expect(other).toMatchObject({ action: 'reject', reason: 'wrong_trade' });
  });

  it('an amount the order does not owe: an orphan when it is what was asked (the cart changed), else refused', () => {
    const changed = { ...STATES.new!, order: { ...order(), owedFen: 1200 } };
    expect(decideTradeEvent({ ...changed, event: event('TRADE_SUCCESS') })).toMatchObject({
      action: 'orphan',
      reason: 'amount_changed',
    });
    expect(
      decideTradeEvent({ ...changed, event: { ...event('TRADE_SUCCESS'), amountFen: 1 } }),
    ).toMatchObject({
      action: 'reject',
      reason: 'wrong_amount',
    });
    expect(
      decideTradeEvent({ ...STATES.paid!, event: { ...event('TRADE_SUCCESS'), amountFen: 1 } }),
    ).toMatchObject({ action: 'reject', reason: 'wrong_amount' });
  });

  it('orphans: missing order, other currency, order not payable', () => {
    const orphanOf = (o: Partial<TradeFacts['order'] & object> | null) =>
      decideTradeEvent({
        ...STATES.new!,
        order: o === null ? null : { ...order(), ...o },
        event: event('TRADE_SUCCESS'),
      });
    expect(orphanOf(null)).toMatchObject({ action: 'orphan', reason: 'order_missing' });
    expect(orphanOf({ exists: false })).toMatchObject({ action: 'orphan', reason: 'order_missing' });
    expect(orphanOf({ currency: 'usd' })).toMatchObject({ action: 'orphan', reason: 'currency_not_cny' });
    expect(orphanOf({ payable: false })).toMatchObject({ action: 'orphan', reason: 'order_not_payable' });
    expect(orphanOf({ owedFen: 0 })).toMatchObject({ action: 'orphan', reason: 'order_already_paid' });
    expect(
      decideTradeEvent({ ...facts('CREATED', 'cancelled'), event: event('TRADE_SUCCESS') }),
    ).toMatchObject({ action: 'orphan', reason: 'payment_cancelled' });
  });

  it('Antom: money in the order’s own currency pays it; in another currency it is refused, as a wrong amount', () => {
    const withCurrency = (orderCurrency: string, paidIn: string | undefined) =>
      decideTradeEvent({
        ...STATES.new!,
        order: { ...order(), currency: orderCurrency },
        event: { ...event('TRADE_SUCCESS'), ...(paidIn ? { currency: paidIn } : {}) },
      });
    expect(withCurrency('usd', 'USD')).toMatchObject({ action: 'add_payment' });
    expect(withCurrency('CNY', 'USD')).toMatchObject({ action: 'reject', reason: 'wrong_currency' });
    expect(withCurrency('EUR', 'USD')).toMatchObject({ action: 'reject', reason: 'wrong_currency' });
    // A domestic payment (no currency: CNY) on a USD order stays what it was.
    expect(withCurrency('USD', undefined)).toMatchObject({ action: 'orphan', reason: 'currency_not_cny' });
  });

  it('a trade query of a refunded trade adds the payment, then reads its refunds', () => {
    const query = {
      ...event('TRADE_SUCCESS'),
      source: 'query' as const,
      refundStatus: 'REFUND_SUCCESS',
      refundedFen: 300,
    };
    expect(decideTradeEvent({ ...STATES.new!, event: query })).toMatchObject({
      action: 'add_payment',
      decideAgain: true,
    });
    expect(decideTradeEvent({ ...facts('TRADE_SUCCESS', 'settled'), event: query })).toMatchObject({
      action: 'reconcile_refunds',
      settle: [],
      alipaySideFen: 300,
    });
  });

  it('a closed trade a query reports refunded in full before the payment was recorded: nothing to book', () => {
    const query = {
      ...event('TRADE_CLOSED'),
      source: 'query' as const,
      refundStatus: 'REFUND_SUCCESS',
      refundedFen: AMOUNT,
    };
    expect(decideTradeEvent({ ...STATES.new!, event: query })).toMatchObject({
      action: 'record',
      status: 'TRADE_CLOSED',
    });
  });

  it('Alipay-side refunds: named by Alipay’s own number, recorded for exactly their amount (asked of Alipay), never more than the payment', () => {
    const paidNoRefunds = facts('TRADE_SUCCESS', 'settled');
    const partial = { ...event('TRADE_SUCCESS'), refundRequestNo: 'ALIPAY-7', refundedFen: 250 };
    expect(decideTradeEvent({ ...paidNoRefunds, event: partial })).toMatchObject({
      action: 'query_refund_amount',
      requestNo: 'ALIPAY-7',
    });
    const known = { requestNo: 'ALIPAY-7', amountFen: 250 };
    expect(decideTradeEvent({ ...paidNoRefunds, event: partial, queriedRefund: known })).toMatchObject({
      action: 'reconcile_refunds',
      settle: [],
      alipaySideFen: 250,
      alipaySideKey: 'ALIPAY-7',
      status: 'TRADE_SUCCESS',
    });
    // The report's refunded total is stale once a shop refund open at the time settles: it is not used.
    const withOpen = { ...paidNoRefunds, refunds: [refund('u', 'rq-u', 600, 'uncertain')] };
    expect(
      decideTradeEvent({ ...withOpen, event: { ...partial, refundedFen: 250 }, queriedRefund: known }),
    ).toMatchObject({ action: 'reconcile_refunds', settle: [], alipaySideFen: 250 });
    // Alipay does not know it (yet): asked again later.
    expect(
      decideTradeEvent({
        ...paidNoRefunds,
        event: partial,
        queriedRefund: { requestNo: 'ALIPAY-7', amountFen: null },
      }),
    ).toMatchObject({ action: 'retry_later' });
    // Closed without a number: the rest of the payment.
    const withOwn = { ...paidNoRefunds, refunds: [refund('r1', 'rq-1', 400, 'succeeded')] };
    expect(decideTradeEvent({ ...withOwn, event: event('TRADE_CLOSED') })).toMatchObject({
      action: 'reconcile_refunds',
      alipaySideFen: 600,
      status: 'TRADE_CLOSED',
    });
    // Already recorded: nothing new.
    expect(
      decideTradeEvent({
        ...paidNoRefunds,
        refunds: [refund('r1', 'ALIPAY-7', 250, 'succeeded', 'alipay')],
        event: partial,
      }),
    ).toMatchObject({ action: 'ignore' });
    // Legacy without an amount: the queried total decides.
    const legacy = { ...event('TRADE_SUCCESS'), refundStatus: 'REFUND_SUCCESS' };
    expect(decideTradeEvent({ ...paidNoRefunds, event: legacy, queriedRefundedFen: 120 })).toMatchObject({
      action: 'reconcile_refunds',
      alipaySideFen: 120,
      alipaySideKey: `alipay-${TRADE_NO}-120`,
    });
  });

  it('an orphan partly refunded on Alipay’s side is not refunded in full: the part is recorded, the rest still owed', () => {
    const orphan = STATES.orphan!;
    const partial = { ...event('TRADE_SUCCESS'), refundRequestNo: 'ALIPAY-3', refundedFen: 300 };
    expect(
      decideTradeEvent({
        ...orphan,
        event: partial,
        queriedRefund: { requestNo: 'ALIPAY-3', amountFen: 300 },
      }),
    ).toMatchObject({ action: 'reconcile_refunds', alipaySideFen: 300, alipaySideKey: 'ALIPAY-3' });
    expect(decideTradeEvent({ ...orphan, event: event('TRADE_CLOSED') }).action).toBe('orphan_refunded');
  });

  it('open refunds that a total fits in two ways are not guessed: asked again later', () => {
    const state = {
      ...facts('TRADE_SUCCESS', 'settled'),
      refunds: [
        refund('a', 'rq-a', 300, 'pending'),
        refund('b', 'rq-b', 300, 'pending'),
        refund('c', 'rq-c', 500, 'pending'),
      ],
    };
    const legacy = { ...event('TRADE_SUCCESS'), refundStatus: 'REFUND_SUCCESS' };
    expect(decideTradeEvent({ ...state, event: legacy, queriedRefundedFen: 300 })).toMatchObject({
      action: 'retry_later',
    });
    expect(decideTradeEvent({ ...state, event: legacy, queriedRefundedFen: 800 })).toMatchObject({
      action: 'retry_later',
    });
    expect(decideTradeEvent({ ...state, event: legacy, queriedRefundedFen: 600 })).toMatchObject({
      action: 'reconcile_refunds',
      settle: ['a', 'b'],
      alipaySideFen: 0,
    });
  });

  it('a refund recorded as failed that Alipay then reports refunded is settled, with an alert', () => {
    const state = { ...facts('TRADE_SUCCESS', 'settled'), refunds: [refund('f', 'rq-f', 100, 'failed')] };
    const decision = decideTradeEvent({
      ...state,
      event: { ...event('TRADE_SUCCESS'), refundRequestNo: 'rq-f', refundedFen: 100 },
    });
    expect(decision).toMatchObject({ action: 'settle_refund', refundId: 'f' });
    expect(decision).toHaveProperty('alert.zh');
  });

  it('escrow shipment: the note only once, when the recorded status moves to shipped', () => {
    const shipped = decideTradeEvent({ ...STATES.escrowHeld!, event: event('WAIT_BUYER_CONFIRM_GOODS') });
    expect(shipped).toMatchObject({ action: 'await_receipt', status: 'WAIT_BUYER_CONFIRM_GOODS' });
    const again = decideTradeEvent({ ...STATES.escrowShipped!, event: event('WAIT_BUYER_CONFIRM_GOODS') });
    expect(again.action).toBe('ignore');
  });

  it('property: any facts and any event give a decision whose recorded status never moves backwards', () => {
    const statuses = [
      'CREATED',
      'SUPERSEDED',
      'ABANDONED',
      'WAIT_BUYER_PAY',
      'WAIT_SELLER_SEND_GOODS',
      'WAIT_BUYER_CONFIRM_GOODS',
      'TRADE_SUCCESS',
      'TRADE_FINISHED',
      'TRADE_CLOSED',
    ];
    const alipayStatuses = statuses.filter(s => toTradeStatus(s) !== undefined);
    const refundArb = fc.record({
      id: fc.constantFrom('a', 'b', 'c'),
      amountFen: fc.integer({ min: 1, max: AMOUNT }),
      status: fc.constantFrom(
        'requested',
        'pending',
        'requires_action',
        'uncertain',
        'succeeded',
        'failed' as const,
      ),
      origin: fc.constantFrom('shop', 'alipay', 'orphan' as const),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...statuses),
        fc.constantFrom(null, 'authorized', 'settled', 'cancelled' as const),
        fc
          .uniqueArray(refundArb, { selector: r => r.id, maxLength: 3 })
          .map(list => list.map(r => ({ ...r, requestNo: `rq-${r.id}` }))),
        fc.constantFrom(...alipayStatuses),
        fc.option(fc.integer({ min: 0, max: 2 * AMOUNT }), { nil: undefined }),
        fc.option(fc.constantFrom('rq-a', 'ALIPAY-1', 'ALIPAY-2'), { nil: undefined }),
        fc.constantFrom('notify', 'query' as const),
        (recorded, paymentState, refunds, alipayStatus, refundedFen, refundRequestNo, source) => {
          const decision = decideTradeEvent({
            ...facts(recorded, paymentState),
            refunds: refunds as LifecycleRefund[],
            event: { ...event(alipayStatus), refundedFen, refundRequestNo, source },
          });
          if ('status' in decision) {
            expect(recordedStatusRank(decision.status)).toBeGreaterThanOrEqual(recordedStatusRank(recorded));
          }
          if (decision.action === 'reconcile_refunds') {
            const recordedFen = refunds
              .filter(r => r.status === 'succeeded')
              .reduce((s, r) => s + r.amountFen, 0);
            const settledNow = refunds
              .filter(r => decision.settle.includes(r.id))
              .reduce((s, r) => s + r.amountFen, 0);
            // Never more than the payment.
            expect(decision.alipaySideFen).toBeLessThanOrEqual(
              Math.max(0, AMOUNT - recordedFen - settledNow),
            );
            expect(decision.settle.length + decision.alipaySideFen).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('decideBatchRefund', () => {
  const batch = (success: boolean) => ({
    type: 'refund' as const,
    generation: 'legacy' as const,
    source: 'notify' as const,
    displayOnly: false,
    notifyId: 'n',
    notifyTime: undefined,
    raw: {},
    batchNo: '20261205123',
    tradeNo: TRADE_NO,
    amountFen: success ? 300 : 0,
    successCount: success ? 1 : 0,
    items: [
      { tradeNo: TRADE_NO, amountFen: 300, result: success ? 'SUCCESS' : 'TRADE_STATUS_ERROR', success },
    ],
  });
  const own = (status: LifecycleRefund['status']) => refund('x', '20261205123', 300, status);

  it('completes the shop refund with that batch number, once', () => {
    expect(decideBatchRefund({ event: batch(true), refund: own('pending') })).toMatchObject({
      action: 'settle_refund',
      refundId: 'x',
    });
    expect(decideBatchRefund({ event: batch(true), refund: own('requested') }).action).toBe('settle_refund');
    expect(decideBatchRefund({ event: batch(false), refund: own('pending') })).toMatchObject({
      action: 'fail_refund',
      result: 'TRADE_STATUS_ERROR',
    });
    expect(decideBatchRefund({ event: batch(true), refund: own('succeeded') }).action).toBe('ignore');
    expect(decideBatchRefund({ event: batch(false), refund: own('failed') }).action).toBe('ignore');
    // Alipay has the last word on money: a success after a recorded failure settles it.
    expect(decideBatchRefund({ event: batch(true), refund: own('failed') }).action).toBe('settle_refund');
  });

  it('a batch the shop has no record of is acknowledged, never applied', () => {
    expect(decideBatchRefund({ event: batch(true), refund: null }).action).toBe('ignore');
  });
});

function trade(recordedStatus: string): TradeFacts['trade'] {
  return {
    recordedStatus,
    tradeNo: recordedStatus === 'CREATED' ? null : TRADE_NO,
    amountFen: AMOUNT,
    orphan: null,
  };
}

function order(): NonNullable<TradeFacts['order']> {
  return {
    exists: true,
    cancelled: false,
    currency: 'CNY',
    payable: true,
    owedFen: AMOUNT,
    paidOtherwise: false,
  };
}

function facts(
  recorded: string,
  paymentState: 'authorized' | 'settled' | 'cancelled' | null,
): Omit<TradeFacts, 'event'> {
  return {
    trade: trade(recorded),
    payment: paymentState ? { state: paymentState, amountFen: AMOUNT } : null,
    order: order(),
    refunds: [],
  };
}

function refund(
  id: string,
  requestNo: string,
  amountFen: number,
  status: LifecycleRefund['status'],
  origin: LifecycleRefund['origin'] = 'shop',
): LifecycleRefund {
  return { id, requestNo, amountFen, status, origin };
}

function event(alipayStatus: string): LifecycleEvent {
  return {
    alipayStatus,
    status: toTradeStatus(alipayStatus) ?? ('paid' as const),
    amountFen: AMOUNT,
    tradeNo: TRADE_NO,
    source: 'notify',
  };
}
