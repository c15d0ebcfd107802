/**
 * Reconciliation: what notifications did not settle, asked of Alipay. Alipay retries a notification
 * about 8 times over 25 hours, but a shop can be down longer, a proxy can eat the POST, an answer can
 * be lost, or the process can die between Alipay's answer and its own commit. The
 * `alipay-reconcile-payments` job (every `RECONCILE_INTERVAL_MS`, the core's schedule) looks at what is
 * older than the core's `RECONCILE_AFTER_MS` and:
 *
 * 1. asks Alipay about payment sessions still pending (up to `UNPAID_MAX_AGE_MS`), trades started as
 *    long ago that Alipay has not reported paid or closed (their session may be deleted: the start
 *    record still knows them) and authorized (escrow) payments not captured yet (up to
 *    `ESCROW_MAX_AGE_MS`), and takes every answer through
 *    **the same function as a notification** ({@link processVerifiedTradeEvent}: same claim, same
 *    core decision);
 * 2. completes open refunds per the core's `nextRefundCheck`: sends an unanswered one again with its
 *    stored request number, asks Alipay about an uncertain OpenAPI refund (`refundQueryResult`), or
 *    reads a legacy trade's refunded total (a trade query run through the lifecycle);
 * 3. refunds orphan payments left without a refund when the shop chose `autoRefundOrphanPayments`
 *    (and the rest of one whose refund Alipay refused because a refund on its side had made the
 *    amount wrong);
 * 4. records in Medusa the settled refunds no Medusa refund records: Alipay-side refunds that could not
 *    be recorded at once, and the shop's refunds whose Medusa refund was lost (the process died between
 *    Alipay's answer and Medusa's commit).
 *
 * @packageDocumentation
 */

import { InterfaceNotContractedError, isPaidStatus, type TradeEvent } from '@alipay-commerce/core';
import {
  ESCROW_MAX_AGE_MS,
  nextRefundCheck,
  RECONCILE_AFTER_MS,
  RECONCILE_BATCH_SIZE,
  REFUND_ATTENTION_AFTER_MS,
  refundQueryResult,
  UNPAID_MAX_AGE_MS,
} from '@alipay-commerce/core/lifecycle';
import type { IPaymentModuleService, MedusaContainer } from '@medusajs/framework/types';
import { Modules } from '@medusajs/framework/utils';
import { logLine } from '../logging/log-line';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type { RefundRow } from '../modules/alipay/refund-store';
import type AlipayModuleService from '../modules/alipay/service';
import type { ScopedAlipay } from '../modules/alipay/settings-store';
import { autoRefundOrphan } from '../refunds/orphan-refunds';
import {
  ALIPAY_SIDE_REFUND_NOTE,
  needsPerson,
  RERECORDED_REFUND_NOTE,
  recordRefundInMedusa,
  sendRefund,
} from '../refunds/refund-attempts';
import { notifyUrlFor } from '../settings/provider-options';
import { type AlipayRuntime, alipayRuntime, configuredAlipayProviders } from '../settings/runtime';
import { amountToFen, fenToAmount } from '../trades/money';
import { processVerifiedTradeEvent } from '../trades/process-trade-event';
import { graph, loadSessionTarget, type SessionTarget, sessionIdOfTrade } from '../trades/session-target';
import { originOfGeneration, tradeOriginOf } from '../trades/trade-origin';
import { queryExpectation } from './query-expectation';

/** How far back reconciliation looks for settled refunds whose Medusa refund may have been lost. */
const LOST_RECORD_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The note of a refund still open after the core's `REFUND_ATTENTION_AFTER_MS`: only Alipay's merchant
 * portal can tell then. Written once into the refund's `error` (which also marks it as flagged).
 */
const NEEDS_A_LOOK =
  'Still unresolved after a day: check this refund in Alipay’s merchant portal. / 一天后仍未确定：请在支付宝商家中心核实该退款。';

/** Options of {@link reconcileAlipayPayments}. */
export interface ReconcileOptions {
  /**
   * Leave trades and refunds younger than this to their notification or answer (default: the core's
   * `RECONCILE_AFTER_MS`). `0` makes everything due at once (tests, the example shop's test hook).
   */
  minAgeMs?: number;
  /** Stop looking at pending sessions older than this (default: the core's `UNPAID_MAX_AGE_MS`). */
  maxAgeMs?: number;
  /** Stop looking at uncaptured (escrow) payments older than this (default: the core's `ESCROW_MAX_AGE_MS`). */
  maxEscrowAgeMs?: number;
  /** Sessions, payments, refunds and orphans looked at per run, each (default: the core's `RECONCILE_BATCH_SIZE`). */
  limit?: number;
  /** The time of the run (default: now). */
  now?: Date;
}

/** What one run did. */
export interface ReconcileReport {
  /** Sessions and payments asked about. */
  checked: number;
  /** Trade answers that changed something (a payment, a refund, an orphan). */
  applied: number;
  /** Open refunds looked at. */
  refunds: number;
  /** Settled refunds recorded in Medusa. */
  recorded: number;
  failed: number;
}

/** Runs every step of reconciliation once (see the file comment); never throws for one trade's failure. */
export async function reconcileAlipayPayments(
  container: MedusaContainer,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const providers = configuredAlipayProviders(container);
  const report: ReconcileReport = { checked: 0, applied: 0, refunds: 0, recorded: 0, failed: 0 };
  if (!providers.length) return report;
  const now = options.now ?? new Date();
  const minAgeMs = options.minAgeMs ?? RECONCILE_AFTER_MS;
  const run: Run = {
    container,
    report,
    now,
    minAgeMs,
    due: new Date(now.getTime() - minAgeMs),
    limit: options.limit ?? RECONCILE_BATCH_SIZE,
    asked: new Set(),
  };
  await reconcileTrades(run, providers, options);
  await reconcileRefunds(run);
  await refundOrphans(run, providers);
  await recordSettledRefunds(run);
  return report;
}

interface Run {
  container: MedusaContainer;
  report: ReconcileReport;
  now: Date;
  minAgeMs: number;
  /** Things created (or last touched) before this are due. */
  due: Date;
  limit: number;
  /** Trades asked about in this run (one query per trade and run). */
  asked: Set<string>;
}

/** Step 1: pending sessions and uncaptured payments, asked about and run through the lifecycle. */
async function reconcileTrades(run: Run, providers: string[], options: ReconcileOptions): Promise<void> {
  const { container, now } = run;
  const oldest = new Date(now.getTime() - (options.maxAgeMs ?? UNPAID_MAX_AGE_MS));
  const oldestEscrow = new Date(now.getTime() - (options.maxEscrowAgeMs ?? ESCROW_MAX_AGE_MS));
  const { data: sessions } = await graph(container, {
    entity: 'payment_session',
    fields: ['id', 'data'],
    filters: {
      provider_id: providers,
      status: ['pending', 'requires_more'],
      created_at: { $gte: oldest, $lte: run.due },
    },
    pagination: { take: run.limit, order: { created_at: 'DESC' } },
  });
  const { data: payments } = await graph(container, {
    entity: 'payment',
    fields: ['id', 'payment_session_id', 'data'],
    filters: {
      provider_id: providers,
      captured_at: null,
      canceled_at: null,
      created_at: { $gte: oldestEscrow, $lte: run.due },
    },
    pagination: { take: run.limit, order: { created_at: 'DESC' } },
  });
  // The trades are known by the out_trade_no the provider wrote into the session's data (the payment's
  // data is a copy of it); a session that holds none started no trade.
  const outTradeNos = new Set<string>(
    [...sessions, ...payments].map(row => outTradeNoOfData(row.data)).filter((no): no is string => !!no),
  );
  // Trades started in the window that Alipay has not reported paid or closed, whose session is not among
  // the pending ones: mostly sessions Medusa deleted (a new attempt replaced them, the admin deleted the
  // payment collection) while their cashier page stayed open. Only their start record knows them now.
  const starts = await alipaySettings(container).unsettledTradeStarts({
    from: oldest,
    to: run.due,
    limit: run.limit,
  });
  for (const start of starts) {
    if (providers.includes(start.provider_id)) outTradeNos.add(start.out_trade_no);
  }
  for (const outTradeNo of outTradeNos) {
    run.report.checked++;
    const target = await loadSessionTarget(container, outTradeNo);
    if (!target) continue;
    await askAboutTrade(run, alipayRuntime(container, target.providerId), outTradeNo, target, {
      scope: typeof target.data.sales_channel_id === 'string' ? target.data.sales_channel_id : null,
      onlySettled: true,
    });
  }
}

/**
 * Queries one trade (with the generation it was created with) and takes a paid, finished or closed
 * answer — or any answer with refunds, when `onlySettled` is false — through the lifecycle.
 */
async function askAboutTrade(
  run: Run,
  rt: AlipayRuntime,
  outTradeNo: string,
  target: SessionTarget | null,
  input: { scope: string | null; scoped?: ScopedAlipay; tradeNo?: string | null; onlySettled: boolean },
): Promise<void> {
  if (run.asked.has(outTradeNo)) return;
  run.asked.add(outTradeNo);
  const ids = { outTradeNo, cart: target?.cartId, order: target?.orderId };
  try {
    const scoped =
      input.scoped ?? (await rt.facadeForTrade(input.scope, tradeOriginOf(target?.data ?? null), outTradeNo));
    const event: TradeEvent | null = await scoped.alipay.queryTrade({
      outTradeNo,
      ...(input.tradeNo ? { tradeNo: input.tradeNo } : {}),
    });
    if (!event) return;
    if (input.onlySettled && !(isPaidStatus(event.status) || event.status === 'closed')) return;
    const owedFen = target ? amountToFen(target.amount as never, { allowZero: true }) : event.amountFen;
    const rejection = scoped.alipay.checkEvent(
      event,
      queryExpectation(event, outTradeNo, owedFen, scoped.seller),
    );
    if (rejection) {
      rt.logger.error(
        logLine(`query answer rejected (${rejection.reason}): ${rejection.message}`, {
          ...ids,
          trade: event.tradeNo,
        }),
      );
      await rt.settings.recordEvent({
        kind: 'rejection',
        level: 'error',
        providerId: rt.providerId,
        outTradeNo,
        tradeNo: event.tradeNo,
        sessionId: target?.sessionId,
        cartId: target?.cartId,
        orderId: target?.orderId,
        message: `Trade query answer rejected (${rejection.reason}): ${rejection.message}. / 交易查询结果被拒绝（${rejection.reason}）。`,
        details: { reason: rejection.reason, source: 'query' },
      });
      return;
    }
    const outcome = await processVerifiedTradeEvent(rt, event, target, {
      source: 'query',
      scope: scoped.scope,
      scoped,
    });
    if (outcome.result === 'processed' || outcome.result === 'orphan') run.report.applied++;
    if (outcome.reply === 'fail') run.report.failed++;
  } catch (error) {
    if (error instanceof InterfaceNotContractedError) return; // No query in the contract: notifications only.
    run.report.failed++;
    rt.logger.warn(logLine(`reconciliation query failed: ${(error as Error).message}`, ids));
  }
}

/** Step 2: open refunds, per the core's `nextRefundCheck`. */
async function reconcileRefunds(run: Run): Promise<void> {
  const { container } = run;
  const settings = alipaySettings(container);
  const rows = await settings.openRefundsBefore(run.now, run.limit);
  for (let row of rows) {
    const ageMs = run.now.getTime() - new Date(row.created_at).getTime();
    const check = nextRefundCheck(
      { status: row.status, generation: row.generation, needsPerson: needsPerson(row) },
      ageMs,
      run.minAgeMs,
    );
    if (check === 'wait') continue;
    run.report.refunds++;
    const ids = { outTradeNo: row.out_trade_no, trade: row.trade_no };
    let rt: AlipayRuntime;
    try {
      rt = alipayRuntime(container, row.provider_id);
    } catch {
      continue; // The provider left medusa-config: nothing can ask Alipay for it.
    }
    if (ageMs >= REFUND_ATTENTION_AFTER_MS && !row.error?.includes(NEEDS_A_LOOK)) {
      const note = row.error ? `${NEEDS_A_LOOK} ${row.error}` : NEEDS_A_LOOK;
      await settings.noteRefundError(row.id, note);
      await journalRefund(rt, row, 'error', row.status, NEEDS_A_LOOK);
    }
    try {
      const target = await loadSessionTarget(container, row.out_trade_no);
      const origin = tradeOriginOf(target?.data ?? null) ?? originOfGeneration(row.generation);
      const scoped = await rt.facadeForTrade(row.scope, origin, row.out_trade_no);
      if (check === 'query_trade' || check === 'query_trade_then_send') {
        await askAboutTrade(run, rt, row.out_trade_no, target, {
          scope: row.scope,
          scoped,
          tradeNo: row.trade_no,
          onlySettled: false,
        });
        if (check === 'query_trade') continue;
        // The trade's refunded total did not settle it: the batch is sent again under its stored number.
        const now = (await settings.listTradeRefunds(row.out_trade_no)).find(r => r.id === row.id);
        if (now?.status !== 'uncertain') continue;
        row = now;
      }
      let next: 'send' | 'succeeded' | 'uncertain' | 'wait' = 'send';
      if (check === 'query_refund') {
        const answer = await scoped.alipay.queryRefund({
          outTradeNo: row.out_trade_no,
          ...(row.trade_no ? { tradeNo: row.trade_no } : {}),
          refundId: row.refund_id,
        });
        next = refundQueryResult({ amountFen: amountToFen(row.amount) }, answer);
      }
      if (next === 'succeeded') {
        await settings.settleRefunds([row.id]);
        await journalRefund(rt, row, 'info', 'succeeded', 'Alipay confirms it / 支付宝确认已退款');
      } else if (next === 'uncertain') {
        const note =
          'Alipay refunded another amount under this request number; check it in the merchant portal. / ' +
          '支付宝以该退款请求号退款的金额与记录不符，请在商家中心核实。';
        if (row.error !== note) {
          await settings.noteRefundError(row.id, note);
          await journalRefund(rt, row, 'error', 'uncertain', note);
        }
      } else if (next === 'send') {
        const currency = target?.data.currency;
        const { row: after, result } = await sendRefund(settings, scoped.alipay, row, {
          notifyUrl: notifyUrlFor(rt.options, row.provider_id),
          ...(typeof currency === 'string' ? { currency: currency.toUpperCase() } : {}),
        });
        rt.logger.info(
          logLine(`refund ${row.request_no} sent again: ${after.status} (${result.detail})`, ids),
        );
        if (after.status === 'failed' && row.origin === 'shop' && row.medusa_refund_id) {
          // Medusa kept its refund while the answer was unknown; Alipay refused it: nothing moved.
          await journalRefund(
            rt,
            after,
            'error',
            'failed',
            `Alipay refused it, but Medusa records refund ${row.medusa_refund_id}: no money moved, correct the order. ${after.error ?? ''} / ` +
              `支付宝拒绝了该退款，但 Medusa 记录了退款 ${row.medusa_refund_id}：款项并未退回，请更正订单。`,
          );
        } else if (after.status !== row.status) {
          await journalRefund(
            rt,
            after,
            after.status === 'uncertain' ? 'warning' : 'info',
            after.status,
            result.detail,
          );
        }
      }
    } catch (error) {
      if (error instanceof InterfaceNotContractedError) continue;
      run.report.failed++;
      rt.logger.warn(logLine(`refund reconciliation failed: ${(error as Error).message}`, ids));
    }
  }
}

/** Step 3: orphans left without a refund, when the shop refunds them by itself. */
async function refundOrphans(run: Run, providers: string[]): Promise<void> {
  const settings = alipaySettings(run.container);
  const runtimes = new Map<string, AlipayRuntime>();
  for (const providerId of providers) {
    const rt = alipayRuntime(run.container, providerId);
    if (rt.options.autoRefundOrphanPayments) runtimes.set(providerId, rt);
  }
  if (!runtimes.size) return;
  for (const trade of await settings.orphanTradesWithoutRefund([...runtimes.keys()], run.due, run.limit)) {
    const rt = runtimes.get(trade.provider_id);
    if (rt) await autoRefundOrphan(rt, trade.out_trade_no);
  }
}

/**
 * Step 4: settled refunds no Medusa refund records — never recorded (an Alipay-side refund stored while
 * another refund held the lock, or whose order could not take it then), recorded under a lock whose
 * holder died, or linked to a Medusa refund that is gone (Medusa deletes its refund when anything after
 * the provider's answer fails).
 */
async function recordSettledRefunds(run: Run): Promise<void> {
  const { container } = run;
  const settings = alipaySettings(container);
  const since = new Date(run.now.getTime() - LOST_RECORD_WINDOW_MS);
  const linked = await settings.linkedRefundsBetween({ from: since, to: run.due, limit: run.limit });
  if (linked.length) {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT);
    const found = await paymentModule.listRefunds(
      { id: linked.map(row => row.medusa_refund_id as string) },
      { select: ['id'] },
    );
    const live = new Set(found.map(refund => refund.id));
    for (const row of linked.filter(candidate => !live.has(candidate.medusa_refund_id as string))) {
      await recordSettledRefund(run, row, true);
    }
  }
  for (const row of await settings.unrecordedRefunds(run.due, run.limit)) {
    await recordSettledRefund(run, row, false);
  }
}

async function recordSettledRefund(run: Run, row: RefundRow, lost: boolean): Promise<void> {
  const { container } = run;
  const settings = alipaySettings(container);
  let rt: AlipayRuntime;
  try {
    rt = alipayRuntime(container, row.provider_id);
  } catch {
    return;
  }
  const trade = await settings.getVerifiedTrade(row.out_trade_no);
  // An orphan has no Medusa payment to record a refund on.
  if (trade?.orphan_reason) return;
  const payment = (await loadSessionTarget(container, row.out_trade_no))?.payment;
  if (!payment || payment.canceledAt) return;
  if (lost) {
    rt.logger.error(
      logLine(
        `settled refund ${row.request_no} lost its Medusa refund ${row.medusa_refund_id}; recording it again`,
        {
          outTradeNo: row.out_trade_no,
          trade: row.trade_no,
        },
      ),
    );
  }
  const recorded = await recordRefundInMedusa(
    container,
    settings,
    row,
    payment.id,
    row.origin === 'alipay' ? ALIPAY_SIDE_REFUND_NOTE : RERECORDED_REFUND_NOTE,
    { staleBefore: run.due },
  );
  if (recorded.outcome === 'recorded') {
    run.report.recorded++;
    await journalRefund(
      rt,
      row,
      lost ? 'warning' : 'info',
      'succeeded',
      lost
        ? `its Medusa refund had been lost; recorded again / 其 Medusa 退款记录已丢失，已重新记录`
        : 'recorded in Medusa / 已在 Medusa 中记录',
    );
  } else if (recorded.outcome === 'failed' && row.error === null) {
    // Once per refund: the row keeps the reason, and the next runs try again quietly.
    await journalRefund(rt, row, 'error', 'succeeded', recorded.error ?? '');
  }
}

function alipaySettings(container: MedusaContainer): AlipayModuleService {
  return container.resolve<AlipayModuleService>(ALIPAY_MODULE);
}

async function journalRefund(
  rt: AlipayRuntime,
  row: RefundRow,
  level: 'info' | 'warning' | 'error',
  status: string,
  detail: string,
): Promise<void> {
  const yuan = fenToAmount(amountToFen(row.amount));
  await rt.settings.recordEvent({
    kind: 'refund',
    level,
    providerId: row.provider_id,
    outTradeNo: row.out_trade_no,
    tradeNo: row.trade_no,
    sessionId: await sessionIdOfTrade(rt.container, row.out_trade_no),
    message: `Refund ${row.request_no} of ${yuan} CNY (reconciliation): ${status}. ${detail} / 退款 ${row.request_no}（${yuan} 元，对账）：${status}。`,
    details: { refundId: row.id, requestNo: row.request_no, status, origin: row.origin, source: 'query' },
  });
}

/** The `out_trade_no` an Alipay session's (or payment's) `data` names, if any. */
function outTradeNoOfData(data: unknown): string | undefined {
  const value = (data as Record<string, unknown> | null | undefined)?.out_trade_no;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
