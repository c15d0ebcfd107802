/**
 * The invariant suite's checker and generator, without a shop: each invariant (a)–(d) is shown to pass on
 * a hand-made good record and to fail on a hand-made bad one, and fast-check is shown to run first exactly
 * the value `fc.sample` gives for the same seed (so a failing sequence is shrunk from what ran).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMoney,
  checkMonotonic,
  checkPaidOnce,
  checkSequence,
  checkShipments,
} from '../support/invariants/checks';
import { restartAt, sequenceArbitrary, sequenceAt } from '../support/invariants/generator';
import type {
  OrderSample,
  OrphanSample,
  PaymentSample,
  RefundSample,
  SequenceRun,
  TradeFacts,
} from '../support/invariants/model';

const TOTAL = 3000;

const payment = (
  state: PaymentSample['state'],
  raw: string,
  extra: Partial<PaymentSample> = {},
): PaymentSample => ({
  id: '1',
  state,
  raw,
  amountFen: TOTAL,
  tradeNo: 'T1',
  ...extra,
});

const refund = (
  id: string,
  amountFen: number,
  state: RefundSample['state'],
  extra: Partial<RefundSample> = {},
): RefundSample => ({
  id,
  amountFen,
  state,
  raw: state,
  paymentId: '1',
  ...extra,
});

const sample = (step: string, payments: PaymentSample[], refunds: RefundSample[] = []): OrderSample => ({
  step,
  orderState: 'x',
  payments,
  refunds,
});

const trade = (extra: Partial<TradeFacts> = {}): TradeFacts => ({
  outTradeNo: 'O1',
  tradeNo: 'T1',
  status: 'TRADE_SUCCESS',
  totalFen: TOTAL,
  refundedFen: 0,
  closeAnswered: false,
  paid: true,
  ...extra,
});

/** A paid OpenAPI order, refunded 1000 of 3000 fen: every invariant holds. */
function goodRun(): SequenceRun {
  const paid = payment('settled', 'Settled');
  return {
    index: 0,
    seed: 1,
    sequence: { kind: 'openapi', phaseA: [], phaseB: [] },
    restart: 'none',
    ref: 'ORDER1',
    amountFen: TOTAL,
    outTradeNos: ['O1'],
    ops: [],
    samples: [
      sample('created', []),
      sample('A1 pay', [paid]),
      sample('A2 refunds', [paid], [refund('r1', 1000, 'pending')]),
    ],
    shipments: [{ step: 'A3 ship', before: [trade()], after: [trade()] }],
    final: {
      order: sample('final', [paid], [refund('r1', 1000, 'settled')]),
      orphans: [],
      trades: [trade({ refundedFen: 1000 })],
      foreignPayments: [],
    },
  };
}

describe('invariant checks', () => {
  it('a good run breaks nothing', () => {
    expect(checkSequence(goodRun())).toEqual([]);
  });

  describe('(a) paid at most once', () => {
    it('two live payments in a sample', () => {
      const run = goodRun();
      run.samples.push(
        sample('B1 pay', [
          payment('settled', 'Settled'),
          payment('settled', 'Settled', { id: '2', tradeNo: 'T2' }),
        ]),
      );
      expect(checkPaidOnce(run).map(v => v.invariant)).toEqual(['a']);
    });
    it('two payments of one trade (one cancelled)', () => {
      const run = goodRun();
      run.final!.order.payments.push(payment('cancelled', 'Cancelled', { id: '2' }));
      expect(checkPaidOnce(run)).toHaveLength(1);
    });
    it("the trade is another order's payment too", () => {
      const run = goodRun();
      run.final!.foreignPayments.push({ ref: 'ORDER2', payment: payment('settled', 'Settled', { id: '9' }) });
      expect(checkPaidOnce(run)).toHaveLength(1);
    });
    it('the trade is both the payment and an orphan', () => {
      const run = goodRun();
      run.final!.orphans.push({
        outTradeNo: 'O1',
        tradeNo: 'T1',
        amountFen: TOTAL,
        refundStatus: null,
        refundedFen: 0,
      });
      expect(checkPaidOnce(run).map(v => v.invariant)).toEqual(['a']);
    });
  });

  describe('(b) refunds recorded = refunds moved, per trade', () => {
    it('a refund Alipay made that the shop still has pending', () => {
      const run = goodRun();
      run.final!.order.refunds = [refund('r1', 1000, 'pending')];
      const [v] = checkMoney(run);
      expect([v?.invariant, v?.kind]).toEqual(['b', 'recorded-less-than-refunded']);
      expect(v?.message).toMatch(/records 0 fen given back.*pending 1000.*Alipay refunded 1000/);
    });
    it('two concurrent refunds settled, one moved money (a shared request number)', () => {
      const run = goodRun();
      run.final!.order.refunds = [refund('r1', 1000, 'settled'), refund('r2', 1000, 'settled')];
      expect(checkMoney(run)).toHaveLength(1);
    });
    it('an escrow payment cancelled because Alipay closed the trade counts as given back whole', () => {
      const run = goodRun();
      run.final!.order = sample('final', [payment('cancelled', 'Cancelled')]);
      run.final!.trades = [trade({ status: 'TRADE_CLOSED', refundedFen: TOTAL })];
      expect(checkMoney(run)).toEqual([]);
      // … but an escrow trade Alipay closed while the payment stays authorized is money not recorded.
      run.final!.order = sample('final', [payment('authorized', 'Authorized')]);
      expect(checkMoney(run)).toHaveLength(1);
    });
    it('an orphan must be refunded in full, and recorded so', () => {
      const run = goodRun();
      run.final!.order = sample('final', []);
      run.final!.trades = [trade({ refundedFen: TOTAL, status: 'TRADE_CLOSED' })];
      const orphan: OrphanSample = {
        outTradeNo: 'O1',
        tradeNo: 'T1',
        amountFen: TOTAL,
        refundStatus: 'succeeded',
        refundedFen: TOTAL,
      };
      run.final!.orphans = [orphan];
      expect(checkMoney(run)).toEqual([]);
      orphan.refundStatus = 'pending';
      orphan.refundedFen = 0;
      expect(checkMoney(run)).toHaveLength(1);
      // Given back in two parts (one on Alipay's side, the rest by the shop): recorded as what moved.
      orphan.refundStatus = 'succeeded';
      orphan.refundedFen = 1000;
      expect(checkMoney(run)[0]?.message).toMatch(
        /records 1000 fen given back, Alipay refunded 3000 of 3000/,
      );
      run.final!.trades = [trade()];
      orphan.refundStatus = null;
      orphan.refundedFen = 0;
      expect(checkMoney(run)[0]?.message).toMatch(/orphan payment.*refunded 0 of 3000/);
      // Escrow money Alipay still holds cannot be refunded through the API: nothing moved, nothing recorded.
      run.final!.trades = [trade({ status: 'WAIT_SELLER_SEND_GOODS' })];
      expect(checkMoney(run)).toEqual([]);
    });
    it('paid and refunded in full on Alipay before the shop recorded anything is net zero; paid and unrecorded is not', () => {
      const run = goodRun();
      run.final!.order = sample('final', []);
      run.final!.trades = [trade({ status: 'TRADE_CLOSED', refundedFen: TOTAL })];
      expect(checkMoney(run)).toEqual([]);
      run.final!.trades = [trade()];
      expect(checkMoney(run)[0]?.message).toMatch(/records nowhere/);
    });
    it('a payment for a trade Alipay never took money for', () => {
      const run = goodRun();
      run.final!.trades = [trade({ paid: false, status: 'WAIT_BUYER_PAY', refundedFen: 0 })];
      expect(checkMoney(run)).toHaveLength(1);
    });
  });

  describe('(c) no status moves backwards', () => {
    it('settled → authorized', () => {
      const run = goodRun();
      run.samples.push(sample('B1 pay', [payment('authorized', 'Authorized')]));
      expect(checkMonotonic(run).map(v => v.invariant)).toContain('c');
    });
    it('a settled refund becoming pending, a failed one disappearing', () => {
      const run = goodRun();
      run.samples.push(
        sample(
          'B1',
          [payment('settled', 'Settled')],
          [refund('r1', 1000, 'settled'), refund('r2', 5, 'failed')],
        ),
      );
      run.samples.push(sample('B2', [payment('settled', 'Settled')], [refund('r1', 1000, 'pending')]));
      expect(checkMonotonic(run)).toHaveLength(2);
    });
    it('authorized → cancelled only when Alipay closed the trade', () => {
      const run = goodRun();
      run.samples = [
        sample('A1', [payment('authorized', 'Authorized')]),
        sample('A2', [payment('cancelled', 'Cancelled')]),
      ];
      run.final!.order = sample('final', [payment('cancelled', 'Cancelled')]);
      run.final!.trades = [trade({ status: 'TRADE_CLOSED', refundedFen: TOTAL })];
      expect(checkMonotonic(run)).toEqual([]);
      run.final!.trades = [trade({ status: 'WAIT_SELLER_SEND_GOODS' })];
      const messages = checkMonotonic(run).map(v => v.message);
      expect(messages.some(m => /did not close/.test(m))).toBe(true);
      expect(messages.some(m => /looks unpaid/.test(m))).toBe(true);
    });
    it('a paid order whose payment disappears', () => {
      const run = goodRun();
      run.samples.push(sample('B1', []));
      expect(
        checkMonotonic(run)
          .map(v => v.message)
          .join('\n'),
      ).toMatch(/disappeared[\s\S]*looks unpaid/);
    });
  });

  describe('(d) no shipment without money held', () => {
    it('shipped after Alipay closed the escrow trade and the shop had answered the TRADE_CLOSED notification', () => {
      const run = goodRun();
      const closed = trade({ status: 'TRADE_CLOSED', refundedFen: TOTAL, closeAnswered: true });
      run.shipments = [{ step: 'B1 ship', before: [closed], after: [closed] }];
      expect(checkShipments(run).map(v => [v.invariant, v.kind])).toEqual([['d', 'shipped-money-gone']]);
    });
    it('excused while the shop had not answered the close yet; fine while the trade is held', () => {
      const run = goodRun();
      const closed = trade({ status: 'TRADE_CLOSED', refundedFen: TOTAL, closeAnswered: false });
      run.shipments = [{ step: 'B1 ship', before: [closed], after: [closed] }];
      expect(checkShipments(run)).toEqual([]);
      const held = trade({ status: 'WAIT_SELLER_SEND_GOODS' });
      run.shipments = [{ step: 'B1 ship', before: [held], after: [held] }];
      expect(checkShipments(run)).toEqual([]);
    });
    it('shipped with no trade paid at all', () => {
      const run = goodRun();
      const unpaid = trade({ status: 'WAIT_BUYER_PAY', paid: false, tradeNo: null });
      run.shipments = [{ step: 'A1 ship', before: [unpaid], after: [unpaid] }];
      expect(checkShipments(run).map(v => v.kind)).toEqual(['shipped-never-paid']);
    });
  });
});

describe('invariant sequences from seeds', () => {
  it('fast-check runs first exactly the value fc.sample gives for the same seed (no shrinking path)', async () => {
    for (const seed of [1, 42, 1_234_567, 2 ** 31 - 7]) {
      let first: unknown;
      await fc.check(
        fc.asyncProperty(sequenceArbitrary, async value => {
          first ??= structuredClone(value);
          return true;
        }),
        { seed, numRuns: 1 },
      );
      expect(first).toEqual(sequenceAt(seed));
    }
  });

  it('a failing property shrinks from that value and replays from its seed and path', async () => {
    const seed = 99;
    const isBad = (s: { phaseA: unknown[]; phaseB: unknown[] }) => s.phaseA.length + s.phaseB.length >= 3;
    const start = sequenceAt(seed);
    const property = fc.asyncProperty(sequenceArbitrary, async value => !isBad(value));
    const details = await fc.check(property, { seed, numRuns: 1 });
    expect(details.failed).toBe(isBad(start));
    if (!details.failed) return;
    const [shrunk] = details.counterexample!;
    expect(shrunk.phaseA.length + shrunk.phaseB.length).toBe(3);
    let replayed: unknown;
    await fc.check(
      fc.asyncProperty(sequenceArbitrary, async value => {
        replayed ??= structuredClone(value);
        return !isBad(value);
      }),
      { seed: details.seed, path: details.counterexamplePath!, numRuns: 1, endOnFailure: true },
    );
    expect(replayed).toEqual(shrunk);
  });

  it('rounds restart deterministically from the seed', () => {
    const draws = Array.from({ length: 12 }, (_, r) => restartAt(5, r));
    expect(Array.from({ length: 12 }, (_, r) => restartAt(5, r))).toEqual(draws);
    expect(new Set(draws).size).toBeGreaterThan(1);
  });
});
