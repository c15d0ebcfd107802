/**
 * The fast-check generator of invariant-suite sequences (see `model.ts`). Every operation can be drawn for
 * every kind; the runner skips what does not apply (a receipt for an instant trade, `notify_verify` faults
 * for OpenAPI), so that shrinking can drop and simplify operations freely without a `chain`.
 *
 * Sequence `i` of a run with seed `s` is `sequenceAt(s + i)`: the same value `fc.assert(fc.asyncProperty(
 * sequenceArbitrary, …), { seed: s + i, numRuns: 1 })` runs first (checked in invariant-checks.test.ts), so a
 * failing sequence is shrunk from exactly what ran.
 */
import fc from 'fast-check';
import { PAYMENT_KINDS } from '../shop-driver';
import type { NotifyFault, Op, Restart, Sequence, TradeTarget } from './model';

const target: fc.Arbitrary<TradeTarget> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<TradeTarget>('latest') },
  { weight: 1, arbitrary: fc.constant<TradeTarget>('previous') },
);

/** Eighths of the order's total: 1 (a little) … 8 (all of it). */
const part = fc.integer({ min: 1, max: 8 });

const notifyFault: fc.Arbitrary<NotifyFault> = fc.oneof(
  fc.constant<NotifyFault>({ fault: 'drop-notify' }),
  fc.constant<NotifyFault>({ fault: 'duplicate-notify' }),
  fc.constant<NotifyFault>({ fault: 'reorder-notify' }),
  fc.constant<NotifyFault>({ fault: 'refund-notify-first' }),
  // Short delays land during the sequence; ten minutes only when the round moves the clock (late).
  fc.constantFrom(300, 2_000, 600_000).map(ms => ({ fault: 'delay-notify', ms }) as NotifyFault),
);

/** One operation (see {@link Op}); weights favour paying and refunding. */
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ op: fc.constant('pay' as const), target, wait: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(target, notifyFault)
      .map(([t, fault]) => ({ op: 'notify-fault' as const, target: t, ...fault })),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replay' as const), pick: fc.nat({ max: 7 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('refunds' as const),
      parts: fc.array(part, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('new-attempt' as const), racePay: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'cancel' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'ship' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ op: 'confirm-receipt' }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        op: fc.constant('alipay-refund' as const),
        target,
        part,
        refundStatus: fc.boolean(),
      },
      { requiredKeys: ['op', 'target'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('gateway-fault' as const),
      fault: fc.constantFrom('gateway-500' as const, 'gateway-hang' as const),
      count: fc.integer({ min: 1, max: 3 }),
      around: fc.constantFrom('refund' as const, 'ship' as const),
      part,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('verify-fault' as const),
      fault: fc.constantFrom('notify-verify-500' as const, 'notify-verify-hang' as const),
    }),
  },
);

/** The first operation: mostly the buyer paying (with or without a fault armed first), else anything. */
const firstOps: fc.Arbitrary<Op[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        op: fc.constant('pay' as const),
        target: fc.constant<TradeTarget>('latest'),
        wait: fc.boolean(),
      })
      .map(op => [op]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(notifyFault, fc.boolean()).map(([fault, wait]): Op[] => [
      { op: 'notify-fault', target: 'latest', ...fault },
      { op: 'pay', target: 'latest', wait },
    ]),
  },
  { weight: 2, arbitrary: opArbitrary.map(op => [op]) },
);

/** A whole sequence: the kind, up to 7 operations before the round's midpoint and up to 5 after. */
export const sequenceArbitrary: fc.Arbitrary<Sequence> = fc.record({
  kind: fc.constantFrom(...PAYMENT_KINDS),
  phaseA: fc
    .tuple(firstOps, fc.array(opArbitrary, { maxLength: 5 }))
    .map(([first, rest]) => [...first, ...rest]),
  phaseB: fc.array(opArbitrary, { maxLength: 5 }),
});

/** The sequence a run with seed `seed` gives index `i`: `sequenceAt(seed + i)`. */
export function sequenceAt(seed: number): Sequence {
  return fc.sample(sequenceArbitrary, { seed, numRuns: 1 })[0]!;
}

/** What round `round` of a run with seed `seed` does at its midpoint: half restart, SIGTERM or SIGKILL. */
export function restartAt(seed: number, round: number): Restart {
  const arbitrary = fc.oneof(
    { weight: 2, arbitrary: fc.constant<Restart>('none') },
    { weight: 1, arbitrary: fc.constant<Restart>('SIGTERM') },
    { weight: 1, arbitrary: fc.constant<Restart>('SIGKILL') },
  );
  return fc.sample(arbitrary, { seed: (seed ^ 0x5eed) + round * 7919, numRuns: 1 })[0]!;
}

/** One line per operation, for reports. */
export function describeOp(op: Op): string {
  switch (op.op) {
    case 'pay':
      return `pay ${op.target}${op.wait ? '' : ' (no wait)'}`;
    case 'notify-fault':
      return `${op.fault}${op.fault === 'delay-notify' ? ` ${op.ms}ms` : ''} on ${op.target}`;
    case 'replay':
      return `replay delivery #${op.pick}`;
    case 'refunds':
      return `refunds ${op.parts.map(p => `${p}/8`).join(' + ')} at once`;
    case 'new-attempt':
      return `new attempt${op.racePay ? ' racing a payment of the old trade' : ''}`;
    case 'cancel':
      return 'admin cancels the order (if unpaid)';
    case 'ship':
      return 'admin ships';
    case 'confirm-receipt':
      return 'buyer confirms receipt';
    case 'alipay-refund':
      return `Alipay-side refund of ${op.target}${op.part ? ` (${op.part}/8 if instant)` : ''}${op.refundStatus === false ? ' without refund_status' : ''}`;
    case 'gateway-fault':
      return `${op.fault}${op.fault === 'gateway-500' ? ` ×${op.count}` : ''} around ${op.around === 'refund' ? `a refund of ${op.part}/8` : 'a shipment'}`;
    case 'verify-fault':
      return `${op.fault} once`;
  }
}

/** The sequence in lines, for reports. */
export function describeSequence(sequence: Sequence, restart?: Restart): string {
  return [
    `${sequence.kind}:`,
    ...sequence.phaseA.map((op, i) => `  A${i + 1} ${describeOp(op)}`),
    `  -- midpoint${restart && restart !== 'none' ? `: shop restart (${restart})` : ''}`,
    ...sequence.phaseB.map((op, i) => `  B${i + 1} ${describeOp(op)}`),
  ].join('\n');
}
