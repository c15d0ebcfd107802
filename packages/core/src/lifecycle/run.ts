import { decideTradeEvent, decisionReply, type TradeDecision, type TradeFacts } from './decide';

/** What an adapter provides to {@link runTradeLifecycle}: its facts and its mechanics. */
export interface TradeLifecycleIO {
  /** The facts, read afresh (inside the adapter's transaction). */
  facts(): Promise<TradeFacts>;
  /**
   * Alipay's refunded total for the trade from a trade query (legacy notifications report a refund
   * without its amount); undefined when Alipay cannot say.
   */
  refundedTotal(): Promise<number | undefined>;
  /**
   * The amount of the refund Alipay knows as `requestNo` (a refund query); null when Alipay has no such
   * refund, undefined when it cannot say.
   */
  refundAmount(requestNo: string): Promise<number | null | undefined>;
  /** Carries out a decision that changes something (never called for `reject` or `retry_later`). */
  apply(decision: TradeDecision): Promise<void>;
}

/** What {@link runTradeLifecycle} did. */
export interface TradeLifecycleRun {
  /** The decision that ends the run: it decides the reply. */
  decision: TradeDecision;
  /** Every decision carried out, in order (a payment added, then refunds read, …). */
  applied: TradeDecision[];
  /** What Alipay must read. */
  reply: 'success' | 'fail';
  /** The notes of every decision, for one log line. */
  note: string;
}

/** Decisions per event at most: add a payment, then read the refunds the same answer reported. */
const MAX_ROUNDS = 3;

/**
 * Runs the lifecycle for one verified trade event: reads the facts, decides
 * ({@link decideTradeEvent}), asks Alipay for the refunded total when the decision needs it, carries the
 * decision out, and decides again when the decision says so (a trade query that adds a payment and
 * also reports refunds). A `reject` or `retry_later` decision is returned without being applied: the
 * adapter then rolls its transaction back (its receipt of the event included), so Alipay's next
 * delivery is judged anew.
 */
export async function runTradeLifecycle(io: TradeLifecycleIO): Promise<TradeLifecycleRun> {
  const applied: TradeDecision[] = [];
  let queriedRefundedFen: number | undefined;
  let queriedRefund: TradeFacts['queriedRefund'];
  let askedTotal = false;
  for (let round = 0; ; round++) {
    const facts = await io.facts();
    if (queriedRefundedFen !== undefined) facts.queriedRefundedFen = queriedRefundedFen;
    if (queriedRefund !== undefined) facts.queriedRefund = queriedRefund;
    let decision = decideTradeEvent(facts);
    if (decision.action === 'query_refund_amount' && queriedRefund?.requestNo !== decision.requestNo) {
      const amountFen = await io.refundAmount(decision.requestNo);
      if (amountFen !== undefined) {
        queriedRefund = { requestNo: decision.requestNo, amountFen };
        decision = decideTradeEvent({ ...facts, queriedRefund });
      }
    }
    if (decision.action === 'query_refunded_total' && !askedTotal) {
      askedTotal = true;
      queriedRefundedFen = await io.refundedTotal();
      if (queriedRefundedFen !== undefined) decision = decideTradeEvent({ ...facts, queriedRefundedFen });
    }
    if (decision.action === 'query_refunded_total' || decision.action === 'query_refund_amount') {
      decision = { action: 'retry_later', note: `Alipay did not say (${decision.note})` };
    }
    if (decision.action === 'reject' || decision.action === 'retry_later') {
      return finish(decision, applied);
    }
    await io.apply(decision);
    applied.push(decision);
    const again = decision.action === 'add_payment' && decision.decideAgain && round + 1 < MAX_ROUNDS;
    if (!again) return finish(decision, applied);
  }
}

function finish(decision: TradeDecision, applied: TradeDecision[]): TradeLifecycleRun {
  const notes = [...applied, ...(applied.includes(decision) ? [] : [decision])].map(d => d.note);
  return { decision, applied, reply: decisionReply(decision), note: notes.join('; then ') };
}
