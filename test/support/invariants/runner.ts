/**
 * Runs invariant-suite sequences against a real shop (a {@link ShopDriver}) and the sandbox, a round at a
 * time: every sequence of a round makes its own order, runs its phase A, the shop restarts when the round
 * says so, every sequence runs its phase B; then the round settles (faults cleared, the sandbox clock moved
 * until every notification was delivered or given up, background work quiet, reconciliation run twice) and
 * the books are read for the checks (`checks.ts`). Sequences of a round run side by side, each on its own
 * order and trades; the operations of one sequence run one after the other.
 *
 * After each round the sandbox is reset (trades, deliveries, clock): moving its clock through Alipay's
 * retry schedule puts it a day ahead of the shop, and a legacy refund's `batch_no` must start with the
 * sandbox's date. The rounds' checks read everything before that.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Delivery,
  type DemoSandbox,
  demoAntomClientId,
  faultScopeOf,
  ownerOf,
  payAsBuyer,
  type SandboxTrade,
} from '../sandbox';
import type { OrderView, PaymentKind, PendingOrder, ShopDriver } from '../shop-driver';
import { describeOp } from './generator';
import {
  normalizePaymentState,
  type Op,
  type OrderSample,
  type OrphanSample,
  partOf,
  type Restart,
  type Sequence,
  type SequenceRun,
  type TradeFacts,
  type TradeTarget,
} from './model';

/** What the runner works with. */
export interface RunnerContext {
  shop: ShopDriver;
  sandbox: DemoSandbox;
  /** Progress lines (INVARIANT_VERBOSE). */
  log?: (line: string) => void;
}

/** One sequence to run in a round. */
export interface RoundItem {
  index: number;
  seed: number;
  sequence: Sequence;
}

/** Longest an operation may take before the runner records a timeout and moves on (it keeps running). */
const OP_TIMEOUT_MS = 120_000;
/** How long the round waits for in-flight notifications and background work before reading the books. */
const SETTLE_TIMEOUT_MS = 60_000;

/** How long a waited-for payment may take to show on the order after the shop answered `success`. */
const PAYMENT_SHOWN_MS = 8_000;

const SHIPMENT = { carrier: 'SF Express 顺丰速运', trackingNumber: 'SF1234567890' };

/** A sequence's live state while it runs. */
interface Live {
  run: SequenceRun;
  order?: PendingOrder;
  /** Payment attempts (trades), oldest first. */
  trades: PendingOrder[];
  /** Trades with a delivery fault armed that makes the first attempt late (pay must not wait for it). */
  late: Set<string>;
}

/** Runs one round; resolves to every sequence's record (checked by the caller). */
export async function runRound(
  ctx: RunnerContext,
  items: RoundItem[],
  restart: Restart,
): Promise<SequenceRun[]> {
  const { shop, sandbox } = ctx;
  const lives: Live[] = items.map(item => ({
    run: {
      index: item.index,
      seed: item.seed,
      sequence: item.sequence,
      restart,
      ref: '',
      amountFen: 0,
      outTradeNos: [],
      ops: [],
      samples: [],
      shipments: [],
    },
    trades: [],
    late: new Set(),
  }));

  const t0 = Date.now();
  const lap = (what: string) => ctx.log?.(`  ${what} at ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  await Promise.all(
    lives.map(async live => {
      try {
        const kind = live.run.sequence.kind;
        const order = await shop.createPendingOrder({ kind, physical: kind === 'legacy-escrow' });
        live.order = order;
        live.trades.push(order);
        live.run.ref = order.ref;
        live.run.amountFen = order.amountFen;
        live.run.outTradeNos.push(order.outTradeNo);
        await sample(ctx, live, 'created');
      } catch (error) {
        live.run.error = `the order could not be made: ${(error as Error).message}`;
      }
    }),
  );
  lap('orders made');
  await Promise.all(lives.map(live => runPhase(ctx, live, 'A')));
  lap('phase A done');
  if (restart !== 'none') {
    await shop.restart(restart);
    lap(`restarted (${restart})`);
    await Promise.all(lives.map(live => sample(ctx, live, `restart ${restart}`)));
  }
  await Promise.all(lives.map(live => runPhase(ctx, live, 'B')));
  lap('phase B done');
  // What goes wrong from here on is the round's: every sequence reports it (and is not checked blind).
  const failed = (what: string) => (error: unknown) => {
    for (const live of lives) live.run.error ??= `${what}: ${(error as Error).message}`;
  };
  await settle(ctx, lives);
  lap('settled');
  await shop.reconcile().catch(failed('reconciliation failed'));
  lap('reconciled');
  await settle(ctx, lives);
  await shop.reconcile().catch(failed('reconciliation failed'));
  lap('reconciled again');
  await settle(ctx, lives);
  await readFinalBooks(ctx, lives).catch(failed('the books could not be read'));
  lap('books read');
  await sandbox.reset();
  return lives.map(live => live.run);
}

async function runPhase(ctx: RunnerContext, live: Live, phase: 'A' | 'B'): Promise<void> {
  if (!live.order || live.run.error) return;
  const ops = phase === 'A' ? live.run.sequence.phaseA : live.run.sequence.phaseB;
  for (const [i, op] of ops.entries()) {
    const step = `${phase}${i + 1} ${op.op}`;
    const started = Date.now();
    let outcome: string;
    try {
      outcome = await withTimeout(runOp(ctx, live, op, step), OP_TIMEOUT_MS, 'timed out');
    } catch (error) {
      outcome = `error: ${(error as Error).message}`;
    }
    live.run.ops.push({ step, op, outcome: outcome.slice(0, 300), ms: Date.now() - started });
    ctx.log?.(`  #${live.run.index} ${step}: ${describeOp(op)} → ${outcome.slice(0, 160)}`);
    await sample(ctx, live, step);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>(resolve => {
    timer = setTimeout(() => resolve(what), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function tradeOf(live: Live, target: TradeTarget): PendingOrder {
  return (target === 'previous' ? live.trades.at(-2) : undefined) ?? live.trades.at(-1)!;
}

/** A sandbox control call's failure as an outcome (409: the trade cannot do that now). */
function refused(error: unknown): string {
  return `refused: ${(error as Error).message.replace(/^sandbox \w+ [^:]+: /, '').replace(/\s+/g, ' ')}`;
}

async function runOp(ctx: RunnerContext, live: Live, op: Op, step: string): Promise<string> {
  const { shop, sandbox } = ctx;
  const order = live.order!;
  const kind = order.kind;
  switch (op.op) {
    case 'pay': {
      const trade = tradeOf(live, op.target);
      const wait = op.wait && !live.late.has(trade.outTradeNo);
      let paid: Awaited<ReturnType<typeof payAsBuyer>>;
      try {
        paid = await payAsBuyer(sandbox, kind, trade.outTradeNo, { waitForNotify: wait });
      } catch (error) {
        return refused(error);
      }
      if (!wait) return paid.status;
      const answers = paid.deliveries.map(d => d.answer ?? d.outcome).join(',');
      // A shop may answer `success` and apply the payment a moment later (Medusa does): `wait` waits for that too.
      let shown = '';
      if (paid.deliveries.some(d => d.outcome === 'success')) {
        const deadline = Date.now() + PAYMENT_SHOWN_MS;
        while (!(await shop.orderState(order)).paid && Date.now() < deadline) await sleep(250);
        shown = (await shop.orderState(order)).paid
          ? ', order paid'
          : `, order not paid after ${PAYMENT_SHOWN_MS} ms`;
      }
      return `${paid.status} notified: ${answers}${shown}`;
    }
    case 'notify-fault': {
      const trade = tradeOf(live, op.target);
      await sandbox.addFault({
        fault: op.fault,
        scope: { ...faultScopeOf(kind), outTradeNo: trade.outTradeNo },
        count: 1,
        ...(op.fault === 'delay-notify' ? { ms: op.ms } : {}),
      });
      if (op.fault === 'delay-notify' || op.fault === 'reorder-notify') live.late.add(trade.outTradeNo);
      return `armed on ${trade.outTradeNo}`;
    }
    case 'replay': {
      const deliveries: Delivery[] = [];
      for (const trade of live.trades) deliveries.push(...(await sandbox.deliveries(trade.outTradeNo)));
      const sent = deliveries.filter(d => d.outcome !== 'dropped');
      if (sent.length === 0) return 'skipped: nothing delivered yet';
      const d = sent[op.pick % sent.length]!;
      const response = await fetch(d.url, {
        method: 'POST',
        // Antom signs its notifications in headers: a replay carries them too.
        headers: { ...d.headers, 'content-type': d.contentType },
        body: d.body,
        signal: AbortSignal.timeout(30_000),
      });
      return `replayed ${d.params.trade_status ?? d.params.notify_type ?? d.params.notifyType ?? '?'} → HTTP ${response.status} ${(await response.text()).slice(0, 40)}`;
    }
    case 'refunds': {
      const answers = await Promise.all(
        op.parts.map(part => shop.refund(order, partOf(order.amountFen, part))),
      );
      return answers
        .map(a => (a.accepted ? `accepted${a.reason ? ` (${a.reason})` : ''}` : `refused (${a.reason})`))
        .join(' | ');
    }
    case 'new-attempt': {
      const old = live.trades.at(-1)!;
      const [attempt, race] = await Promise.all([
        shop.newAttempt(order).then(
          next => next,
          (error: Error) => error,
        ),
        op.racePay
          ? payAsBuyer(sandbox, kind, old.outTradeNo, { waitForNotify: false }).then(
              paid => `old trade ${paid.status}`,
              error => `old trade ${refused(error)}`,
            )
          : Promise.resolve(''),
      ]);
      if (attempt instanceof Error) return `refused: ${attempt.message}${race ? `; ${race}` : ''}`;
      live.trades.push(attempt);
      live.run.outTradeNos.push(attempt.outTradeNo);
      return `new trade ${attempt.outTradeNo}${race ? `; ${race}` : ''}`;
    }
    case 'cancel': {
      const view = await shop.orderState(order);
      if (view.paid) return 'skipped: the order looks paid';
      const answer = await shop.cancelOrder(order);
      return answer.accepted ? `cancelled (${answer.reason ?? ''})` : `refused (${answer.reason})`;
    }
    case 'ship':
      return ship(ctx, live, step);
    case 'confirm-receipt': {
      if (kind !== 'legacy-escrow') return 'skipped: not escrow';
      // The shop confirms the shipment to Alipay in the background: give it a moment.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const facts = await Promise.all(live.trades.map(t => tradeFacts(ctx, kind, t.outTradeNo, false)));
        const shipped = facts.find(t => t.status === 'WAIT_BUYER_CONFIRM_GOODS');
        if (shipped) {
          try {
            await sandbox.confirmReceipt({ outTradeNo: shipped.outTradeNo, ...ownerOf('legacy-escrow') });
            return `confirmed ${shipped.outTradeNo}`;
          } catch (error) {
            return refused(error);
          }
        }
        if (!facts.some(t => t.status === 'WAIT_SELLER_SEND_GOODS') || Date.now() > deadline)
          return `skipped: no trade awaits receipt (${facts.map(t => t.status).join(',')})`;
        await sleep(500);
      }
    }
    case 'alipay-refund': {
      // Antom tells a shop nothing about a refund made in Antom Dashboard (its refund result names no
      // payment, and the inquiry shows no refunds): a documented limit (docs/choosing-a-route.md).
      if (kind === 'antom') return 'skipped: Antom-side refunds are not reported to the shop';
      const trade = tradeOf(live, op.target);
      const wait = !live.late.has(trade.outTradeNo);
      const options =
        kind === 'legacy-escrow'
          ? { ...(op.refundStatus === false ? { refundStatus: false } : {}) }
          : { ...(op.part ? { amountFen: partOf(order.amountFen, op.part) } : {}) };
      try {
        const done = await sandbox.alipayRefund({
          outTradeNo: trade.outTradeNo,
          ...ownerOf(kind),
          ...options,
          waitForNotify: wait,
        });
        return `${done.trade.status}`;
      } catch (error) {
        return refused(error);
      }
    }
    case 'gateway-fault': {
      for (const trade of live.trades) {
        await sandbox.addFault({
          fault: op.fault,
          scope: { ...faultScopeOf(kind), outTradeNo: trade.outTradeNo },
          count: op.fault === 'gateway-hang' ? 1 : op.count,
        });
      }
      if (op.around === 'ship') return `faulty gateway; ${await ship(ctx, live, step)}`;
      const answer = await shop.refund(order, partOf(order.amountFen, op.part));
      return `faulty gateway; refund ${answer.accepted ? 'accepted' : `refused (${answer.reason})`}`;
    }
    case 'verify-fault': {
      if (kind === 'openapi' || kind === 'antom') return `skipped: ${kind} has no notify_verify`;
      await sandbox.addFault({ fault: op.fault, scope: ownerOf(kind), count: 1 });
      return 'armed';
    }
  }
}

/** The admin ships; an accepted shipment is recorded with the sandbox's trades just before and after. */
async function ship(ctx: RunnerContext, live: Live, step: string): Promise<string> {
  const order = live.order!;
  const before = await Promise.all(live.trades.map(t => tradeFacts(ctx, order.kind, t.outTradeNo, true)));
  const answer = await ctx.shop.tryShip(order, SHIPMENT);
  if (!answer.accepted) return `refused (${answer.reason})`;
  const after = await Promise.all(live.trades.map(t => tradeFacts(ctx, order.kind, t.outTradeNo, true)));
  live.run.shipments.push({ step, before, after });
  return 'shipped';
}

/** What the sandbox knows of a trade now (and whether the shop answered the news of its money going back). */
export async function tradeFacts(
  ctx: RunnerContext,
  kind: PaymentKind,
  outTradeNo: string,
  withDeliveries: boolean,
): Promise<TradeFacts> {
  if (kind === 'antom') return antomTradeFacts(ctx, outTradeNo);
  let trade: SandboxTrade;
  try {
    trade = await ctx.sandbox.trade(outTradeNo, ownerOf(kind));
  } catch {
    return noTrade(outTradeNo);
  }
  const deliveries = withDeliveries ? await ctx.sandbox.deliveries(outTradeNo) : [];
  return {
    outTradeNo,
    tradeNo: trade.tradeNo,
    status: trade.status,
    totalFen: trade.totalFen,
    refundedFen: trade.refundedFen,
    paid: trade.gmtPayment !== undefined && trade.gmtPayment !== null,
    closeAnswered: deliveries.some(
      d => (d.tradeStatus ?? d.params.trade_status) === 'TRADE_CLOSED' && d.outcome === 'success',
    ),
  };
}

/** The facts of a trade the sandbox does not know (never opened at the cashier). */
function noTrade(outTradeNo: string): TradeFacts {
  return {
    outTradeNo,
    tradeNo: null,
    status: 'NONE',
    totalFen: 0,
    refundedFen: 0,
    closeAnswered: false,
    paid: false,
  };
}

/** Antom's payment statuses in the words of the domestic trades the checks read. */
const ANTOM_AS_TRADE_STATUS: Record<string, string> = {
  SUCCESS: 'TRADE_SUCCESS',
  CANCELLED: 'TRADE_CLOSED',
  FAIL: 'TRADE_CLOSED',
  PROCESSING: 'WAIT_BUYER_PAY',
  PENDING: 'WAIT_BUYER_PAY',
};

/** {@link tradeFacts} of an Antom payment (amounts in cents), from the sandbox's Antom control API. */
async function antomTradeFacts(ctx: RunnerContext, outTradeNo: string): Promise<TradeFacts> {
  try {
    const payment = await ctx.sandbox.antomPayment(outTradeNo, demoAntomClientId);
    return {
      outTradeNo,
      tradeNo: payment.paymentId,
      status: ANTOM_AS_TRADE_STATUS[payment.status] ?? payment.status,
      totalFen: Number(payment.value),
      refundedFen: Number(payment.refundedValue),
      paid: payment.status === 'SUCCESS',
      // Antom has no close notification: nothing for the shop to answer.
      closeAnswered: false,
    };
  } catch {
    return noTrade(outTradeNo);
  }
}

/** The order and its refunds as the admin sees them (an order without payments has no refunds to read). */
async function readBooks(
  ctx: RunnerContext,
  order: PendingOrder,
): Promise<{ view: OrderView; refunds: Awaited<ReturnType<ShopDriver['refunds']>> }> {
  if (ctx.shop.books) {
    const { view, refunds } = await ctx.shop.books(order);
    return { view, refunds: view.payments.length > 0 ? refunds : [] };
  }
  const view = await ctx.shop.orderState(order);
  return { view, refunds: view.payments.length > 0 ? await ctx.shop.refunds(order) : [] };
}

/** Reads the order as the admin sees it (payments, refunds) after a step. */
async function sample(ctx: RunnerContext, live: Live, step: string): Promise<OrderSample | undefined> {
  if (!live.order) return undefined;
  try {
    const { view, refunds } = await readBooks(ctx, live.order);
    const taken = toSample(step, view, refunds);
    live.run.samples.push(taken);
    return taken;
  } catch (error) {
    ctx.log?.(`  #${live.run.index} ${step}: could not read the order: ${(error as Error).message}`);
    return undefined;
  }
}

export function toSample(
  step: string,
  view: OrderView,
  refunds: Awaited<ReturnType<ShopDriver['refunds']>>,
): OrderSample {
  return {
    step,
    orderState: view.state,
    payments: view.payments.map((p, i) => ({
      id: p.id ?? `#${i}`,
      state: normalizePaymentState(p.state),
      raw: p.state,
      amountFen: p.amountFen,
      ...(p.tradeNo ? { tradeNo: p.tradeNo } : {}),
    })),
    refunds: refunds.map((r, i) => ({
      id: r.id ?? `#${i}`,
      state: r.state,
      amountFen: r.amountFen,
      ...(r.raw ? { raw: r.raw } : {}),
      ...(r.origin ? { origin: r.origin } : {}),
      ...(r.paymentId ? { paymentId: r.paymentId } : {}),
      ...(r.tradeNo ? { tradeNo: r.tradeNo } : {}),
      ...(r.outTradeNo ? { outTradeNo: r.outTradeNo } : {}),
    })),
  };
}

interface NotificationState {
  state: 'scheduled' | 'held' | 'retrying' | 'delivered' | 'gave-up';
  nextAttemptAt: string | null;
  outTradeNos: string[];
}

/** `yyyy-MM-dd HH:mm:ss` Beijing time (the sandbox's format) as epoch milliseconds. */
function beijingMs(text: string): number {
  const [date, time] = text.split(' ');
  const [y, mo, d] = date!.split('-').map(Number);
  const [h, mi, s] = time!.split(':').map(Number);
  return Date.UTC(y!, mo! - 1, d!, h! - 8, mi!, s!);
}

/**
 * Lets the round come to rest: faults cleared (hung requests released); every notification delivered or
 * given up, the sandbox clock moved to each next retry in turn (Alipay's 4m, 10m, 10m, 1h, 2h, 6h, 15h);
 * then the orders' payments and refunds unchanged over two reads a second apart (background work done).
 */
async function settle(ctx: RunnerContext, lives: Live[]): Promise<void> {
  const { sandbox } = ctx;
  await sandbox.clearFaults();
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (let moves = 0; moves < 40; ) {
    const notifications = await sandbox.notifications<NotificationState>();
    const open = notifications.filter(n => n.state !== 'delivered' && n.state !== 'gave-up');
    if (open.length === 0) break;
    const inFlight = open.filter(n => n.nextAttemptAt === null);
    if (inFlight.length > 0 && Date.now() < deadline) {
      await sleep(200);
      continue;
    }
    const waiting = open.filter(n => n.nextAttemptAt !== null).map(n => beijingMs(n.nextAttemptAt!));
    if (waiting.length === 0) break;
    const { now } = await sandbox.request<{ now: number }>('GET', 'clock');
    await sandbox.advanceClock(Math.max(0, Math.min(...waiting) - now) + 1_000);
    moves++;
  }
  let last = '';
  while (Date.now() < deadline) {
    const books = await Promise.all(
      lives
        .filter(live => live.order)
        .map(async live => {
          try {
            const { view, refunds } = await readBooks(ctx, live.order!);
            return JSON.stringify([view.payments, refunds]);
          } catch (error) {
            return String(error);
          }
        }),
    );
    const now = books.join('\n');
    if (now === last) return;
    last = now;
    await sleep(1_000);
  }
}

/** The books after reconciliation: the last sample, orphans, the sandbox's trades, payments elsewhere. */
async function readFinalBooks(ctx: RunnerContext, lives: Live[]): Promise<void> {
  const [orphans, allOrders] = await Promise.all([ctx.shop.orphans(), ctx.shop.allOrders()]);
  const byTradeNo = new Map<string, Array<{ ref: string; view: OrderView }>>();
  for (const [ref, view] of allOrders) {
    for (const payment of view.payments) {
      if (!payment.tradeNo) continue;
      byTradeNo.set(payment.tradeNo, [...(byTradeNo.get(payment.tradeNo) ?? []), { ref, view }]);
    }
  }
  await Promise.all(
    lives.map(async live => {
      if (!live.order) return;
      const order = await sample(ctx, live, 'final');
      if (!order) {
        live.run.error = 'the final books could not be read';
        return;
      }
      live.run.samples.pop();
      const trades = await Promise.all(
        live.trades.map(t => tradeFacts(ctx, live.order!.kind, t.outTradeNo, true)),
      );
      const outTradeNos = new Set(trades.map(t => t.outTradeNo));
      const foreignPayments = trades.flatMap(t =>
        (t.tradeNo ? (byTradeNo.get(t.tradeNo) ?? []) : [])
          .filter(o => o.ref !== live.order!.ref)
          .flatMap(o =>
            o.view.payments
              .filter(p => p.tradeNo === t.tradeNo)
              .map(p => ({ state: normalizePaymentState(p.state), p }))
              .filter(({ state }) => state !== 'created' && state !== 'failed')
              .map(({ state, p }) => ({
                ref: o.ref,
                payment: {
                  id: p.id ?? '?',
                  state,
                  raw: p.state,
                  amountFen: p.amountFen,
                  ...(p.tradeNo ? { tradeNo: p.tradeNo } : {}),
                },
              })),
          ),
      );
      live.run.final = {
        order,
        orphans: orphans.filter(o => outTradeNos.has(o.outTradeNo)) satisfies OrphanSample[],
        trades,
        foreignPayments,
      };
    }),
  );
}
