/**
 * The four invariants of the invariant suite, as pure functions of what the runner recorded about one
 * sequence ({@link SequenceRun}): the samples of the order after every step, the shipments the shop
 * accepted (with the sandbox's trades around them), and the books after reconciliation next to the
 * sandbox's ledger (the truth of money moved). Unit-tested with hand-made records in
 * test/reliability/invariant-checks.test.ts.
 */
import {
  HELD_STATUSES,
  isLive,
  moneyHeld,
  type OrderSample,
  type PaymentSample,
  type RefundSample,
  type SequenceRun,
  type TradeFacts,
  type Violation,
} from './model';

/** Every invariant broken by one sequence's run (a run that could not finish is reported as such, not checked). */
export function checkSequence(run: SequenceRun): Violation[] {
  if (run.error) return [];
  return [...checkPaidOnce(run), ...checkMoney(run), ...checkMonotonic(run), ...checkShipments(run)];
}

const describePayments = (payments: PaymentSample[]) =>
  payments.map(p => `${p.id}:${p.raw}${p.tradeNo ? `@${p.tradeNo}` : ''}`).join(', ');

const describeTrade = (t: TradeFacts) =>
  `${t.outTradeNo} ${t.status} paid=${t.paid} total=${t.totalFen} refunded=${t.refundedFen}${t.closeAnswered ? ' (close answered)' : ''}`;

/**
 * (a) Every trade is paid at most once: the order never has two live payments (in any sample), no two
 * shop payments name one Alipay trade (this order's or another's), and a trade is not both the order's
 * payment and an orphan.
 */
export function checkPaidOnce(run: SequenceRun): Violation[] {
  const out: Violation[] = [];
  const samples = [...run.samples, ...(run.final ? [run.final.order] : [])];
  const twice = samples.find(s => s.payments.filter(p => isLive(p.state)).length > 1);
  if (twice) {
    out.push({
      invariant: 'a',
      kind: 'two-live-payments',
      message: `after ${twice.step} the order has ${twice.payments.filter(p => isLive(p.state)).length} live payments: ${describePayments(twice.payments)}`,
    });
  }
  const final = run.final;
  if (!final) return out;
  const booked = final.order.payments.filter(p => p.tradeNo && p.state !== 'created' && p.state !== 'failed');
  const byTrade = new Map<string, PaymentSample[]>();
  for (const p of booked) byTrade.set(p.tradeNo!, [...(byTrade.get(p.tradeNo!) ?? []), p]);
  for (const [tradeNo, payments] of byTrade) {
    if (payments.length > 1) {
      out.push({
        invariant: 'a',
        kind: 'two-payments-one-trade',
        message: `trade ${tradeNo} has ${payments.length} payments: ${describePayments(payments)}`,
      });
    }
  }
  for (const { ref, payment } of final.foreignPayments) {
    out.push({
      invariant: 'a',
      kind: 'paid-elsewhere',
      message: `trade ${payment.tradeNo} of this order is also a payment (${payment.raw}) of order ${ref}`,
    });
  }
  for (const orphan of final.orphans) {
    const trade = final.trades.find(t => t.outTradeNo === orphan.outTradeNo);
    const live = booked.find(p => isLive(p.state) && trade?.tradeNo && p.tradeNo === trade.tradeNo);
    if (live) {
      out.push({
        invariant: 'a',
        kind: 'payment-and-orphan',
        message: `trade ${orphan.outTradeNo} is both the order's payment ${live.id} (${live.raw}) and an orphan payment`,
      });
    }
  }
  return out;
}

/** The refunds of a sample that belong to `payment` (by payment ID, else by trade number). */
function refundsOfPayment(order: OrderSample, payment: PaymentSample): RefundSample[] {
  return order.refunds.filter(r =>
    r.paymentId !== undefined
      ? r.paymentId === payment.id
      : r.tradeNo !== undefined && r.tradeNo === payment.tradeNo,
  );
}

const sum = (refunds: RefundSample[]) => refunds.reduce((total, r) => total + r.amountFen, 0);

/**
 * (b) After reconciliation, per trade of the sequence, what the shop records as given back equals what
 * the sandbox refunded:
 * - a trade the shop recorded a payment for: its settled refunds (a payment cancelled because Alipay
 *   closed the trade counts as given back whole) = the sandbox's `refundedFen`;
 * - an orphan payment (money the order could not take): it must have been given back in full (unless
 *   Alipay still holds it in escrow), and the shop must record its refund as succeeded;
 * - a paid trade the shop recorded nothing for is fine only when Alipay gave all of it back (paid and
 *   refunded in full on Alipay's side before the shop ever recorded the payment);
 * - a trade Alipay never took money for has no payment and no orphan in the shop.
 */
export function checkMoney(run: SequenceRun): Violation[] {
  const final = run.final;
  if (!final) return [];
  const out: Violation[] = [];
  const violation = (kind: string, message: string) => out.push({ invariant: 'b', kind, message });
  for (const trade of final.trades) {
    const payments = trade.tradeNo
      ? final.order.payments.filter(
          p => p.tradeNo === trade.tradeNo && p.state !== 'created' && p.state !== 'failed',
        )
      : [];
    const orphan = final.orphans.find(o => o.outTradeNo === trade.outTradeNo);
    if (!trade.paid) {
      if (payments.length > 0)
        violation(
          'payment-for-unpaid-trade',
          `${describeTrade(trade)}: never paid at Alipay, but the shop records ${describePayments(payments)}`,
        );
      if (orphan)
        violation(
          'orphan-for-unpaid-trade',
          `${describeTrade(trade)}: never paid at Alipay, but the shop records an orphan payment`,
        );
      continue;
    }
    const payment = payments.find(p => isLive(p.state)) ?? payments[0];
    if (payment) {
      const refunds = refundsOfPayment(final.order, payment).filter(r => r.origin !== 'orphan');
      const settled = sum(refunds.filter(r => r.state === 'settled'));
      const recorded = settled + (payment.state === 'cancelled' ? payment.amountFen : 0);
      if (recorded !== trade.refundedFen) {
        const open = refunds.filter(r => r.state === 'pending');
        violation(
          recorded > trade.refundedFen ? 'recorded-more-than-refunded' : 'recorded-less-than-refunded',
          `${describeTrade(trade)}: the shop records ${recorded} fen given back (payment ${payment.id} ${payment.raw}, settled refunds ${settled}` +
            `${open.length ? `, pending ${open.map(r => `${r.amountFen}(${r.raw ?? r.state})`).join('+')}` : ''}), Alipay refunded ${trade.refundedFen}`,
        );
      }
      continue;
    }
    if (orphan) {
      const recorded = orphan.refundedFen;
      // Escrow money Alipay still holds is not the seller's yet (and cannot be refunded through the API).
      const held = HELD_STATUSES.has(trade.status);
      if ((!held && trade.refundedFen !== trade.totalFen) || recorded !== trade.refundedFen) {
        violation(
          'orphan-not-given-back',
          `${describeTrade(trade)}: orphan payment (refund ${orphan.refundStatus ?? 'none'}): the shop records ${recorded} fen given back, Alipay refunded ${trade.refundedFen} of ${trade.totalFen}`,
        );
      }
      continue;
    }
    if (trade.refundedFen !== trade.totalFen) {
      violation(
        'payment-unrecorded',
        `${describeTrade(trade)}: Alipay holds ${trade.totalFen - trade.refundedFen} fen the shop records nowhere (no payment, no orphan)`,
      );
    }
  }
  return out;
}

const PAYMENT_RANK = { created: 0, authorized: 1, settled: 2 } as const;

/**
 * (c) No status moves backwards, from one sample to the next: a payment never goes back (settled →
 * authorized, cancelled/failed → anything, settled → cancelled) or disappears; authorized → cancelled only
 * when Alipay closed the trade; a settled or failed refund never becomes pending (or disappears), a settled
 * one never fails; an order that was paid never looks unpaid again unless its payment was cancelled because
 * Alipay closed it.
 */
export function checkMonotonic(run: SequenceRun): Violation[] {
  const samples = [...run.samples, ...(run.final ? [run.final.order] : [])];
  const trades = run.final?.trades ?? [];
  const closedAtAlipay = (tradeNo: string | undefined) =>
    trades.some(t => t.tradeNo !== null && t.tradeNo === tradeNo && t.status === 'TRADE_CLOSED');
  const out: Violation[] = [];
  const seen = new Set<string>();
  const violation = (kind: string, message: string) => {
    if (seen.has(message)) return;
    seen.add(message);
    out.push({ invariant: 'c', kind, message });
  };
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!;
    const cur = samples[i]!;
    const at = `${prev.step} → ${cur.step}`;
    let closedByAlipay = false;
    for (const before of prev.payments) {
      const after = cur.payments.find(p => p.id === before.id);
      if (!after) {
        violation('payment-disappeared', `${at}: payment ${before.id} (${before.raw}) disappeared`);
        continue;
      }
      if (after.state === before.state) continue;
      const b = before.state;
      const a = after.state;
      if (b === 'cancelled' || b === 'failed') {
        violation('payment-backwards', `${at}: payment ${before.id} went ${before.raw} → ${after.raw}`);
      } else if (a === 'cancelled') {
        if (b === 'authorized' && closedAtAlipay(after.tradeNo ?? before.tradeNo)) closedByAlipay = true;
        else
          violation(
            b === 'authorized' ? 'cancelled-without-close' : 'payment-backwards',
            `${at}: payment ${before.id} went ${before.raw} → ${after.raw}${b === 'authorized' ? ' although Alipay did not close its trade' : ''}`,
          );
      } else if (a !== 'failed' && PAYMENT_RANK[a] < PAYMENT_RANK[b]) {
        violation('payment-backwards', `${at}: payment ${before.id} went back ${before.raw} → ${after.raw}`);
      } else if (a === 'failed' && b !== 'created') {
        violation('payment-backwards', `${at}: payment ${before.id} went ${before.raw} → ${after.raw}`);
      }
    }
    for (const before of prev.refunds) {
      if (before.state === 'pending') continue;
      const after = cur.refunds.find(r => r.id === before.id);
      if (!after)
        violation(
          'refund-disappeared',
          `${at}: ${before.state} refund ${before.id} of ${before.amountFen} fen disappeared`,
        );
      else if (after.state === 'pending' || (before.state === 'settled' && after.state === 'failed'))
        violation(
          'refund-backwards',
          `${at}: refund ${before.id} of ${before.amountFen} fen went ${before.raw ?? before.state} → ${after.raw ?? after.state}`,
        );
    }
    const wasPaid = prev.payments.some(p => isLive(p.state));
    const isPaid = cur.payments.some(p => isLive(p.state));
    if (wasPaid && !isPaid && !closedByAlipay) {
      violation(
        'paid-to-unpaid',
        `${at}: the order was paid (${describePayments(prev.payments)}) and now looks unpaid (${describePayments(cur.payments)})`,
      );
    }
  }
  return out;
}

/**
 * (d) No order ships while its money is not held: when the shop accepted a shipment, one of the order's
 * trades was held by Alipay (escrow waiting for shipment or receipt) or paid and not refunded in full,
 * just before or just after the request — unless the shop could not have known yet: the trade's money
 * went back, but the shop had not answered `success` to the notification saying so.
 */
export function checkShipments(run: SequenceRun): Violation[] {
  const out: Violation[] = [];
  for (const shipment of run.shipments) {
    if ([...shipment.before, ...shipment.after].some(moneyHeld)) continue;
    const unknownToShop = shipment.before.some(t => t.paid && !t.closeAnswered);
    if (unknownToShop) continue;
    const everPaid = [...shipment.before, ...shipment.after].some(t => t.paid);
    out.push({
      invariant: 'd',
      kind: everPaid ? 'shipped-money-gone' : 'shipped-never-paid',
      message: `${shipment.step}: the shop shipped the order while Alipay held none of its money: ${
        shipment.before.map(describeTrade).join('; ') || 'no trade'
      }`,
    });
  }
  return out;
}
