/**
 * Recovery of missed notifications. Alipay retries a notification about 8 times over 25 hours, but a
 * shop can be down longer, a proxy can eat the POST, or the merchant's contract can make some
 * statuses silent. The `alipay-reconcile-payments` job asks Alipay about payments Medusa still sees
 * as open and applies each answer **through the same function as a notification**
 * ({@link processVerifiedTradeEvent}): same claim, same checks, same workflow.
 *
 * @packageDocumentation
 */
import { InterfaceNotContractedError, isPaidStatus } from '@alipay-commerce/core';
import type { MedusaContainer } from '@medusajs/framework/types';
import { logLine } from './log';
import { graph, loadSessionTarget } from './medusa-state';
import { amountToFen } from './money';
import { processVerifiedTradeEvent } from './process-trade-event';
import { queryExpectation } from './query-expectation';
import { alipayRuntime, configuredAlipayProviders } from './runtime';
import { tradeOriginOf } from './trade-origin';

const DAY_MS = 24 * 60 * 60_000;

/** Options of {@link reconcileAlipayPayments}. */
export interface ReconcileOptions {
  /** Leave sessions younger than this to the notification (default 2 minutes). */
  minAgeMs?: number;
  /** Stop looking at pending sessions older than this (default 7 days; unpaid trades are closed by then). */
  maxAgeMs?: number;
  /**
   * Stop looking at uncaptured (escrow) payments older than this (default 45 days: Alipay confirms
   * receipt for the buyer after 10 days, 30 for surface mail).
   */
  maxEscrowAgeMs?: number;
  /** Sessions and payments looked at per run (default 100 each). */
  limit?: number;
  now?: Date;
}

/** What one run did. */
export interface ReconcileReport {
  checked: number;
  applied: number;
  failed: number;
}

/**
 * Queries Alipay for (1) pending Alipay payment sessions and (2) authorized, uncaptured Alipay
 * payments (escrow waiting for TRADE_FINISHED), and applies every paid, finished or closed answer.
 */
export async function reconcileAlipayPayments(
  container: MedusaContainer,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const providers = configuredAlipayProviders(container);
  const report: ReconcileReport = { checked: 0, applied: 0, failed: 0 };
  if (!providers.length) return report;
  const now = options.now ?? new Date();
  const youngest = new Date(now.getTime() - (options.minAgeMs ?? 2 * 60_000));
  const oldest = new Date(now.getTime() - (options.maxAgeMs ?? 7 * DAY_MS));
  const oldestEscrow = new Date(now.getTime() - (options.maxEscrowAgeMs ?? 45 * DAY_MS));
  const take = options.limit ?? 100;

  const { data: sessions } = await graph(container, {
    entity: 'payment_session',
    fields: ['id'],
    filters: {
      provider_id: providers,
      status: ['pending', 'requires_more'],
      created_at: { $gte: oldest, $lte: youngest },
    },
    pagination: { take, order: { created_at: 'DESC' } },
  });
  const { data: payments } = await graph(container, {
    entity: 'payment',
    fields: ['id', 'payment_session_id'],
    filters: {
      provider_id: providers,
      captured_at: null,
      canceled_at: null,
      created_at: { $gte: oldestEscrow },
    },
    pagination: { take, order: { created_at: 'DESC' } },
  });
  const sessionIds = new Set<string>([
    ...sessions.map(session => session.id as string),
    ...payments.map(payment => payment.payment_session_id as string).filter(Boolean),
  ]);

  for (const sessionId of sessionIds) {
    report.checked++;
    const target = await loadSessionTarget(container, sessionId);
    if (!target) continue;
    const rt = alipayRuntime(container, target.providerId);
    const ids = { session: sessionId, cart: target.cartId, order: target.orderId };
    try {
      const scope = typeof target.data.sales_channel_id === 'string' ? target.data.sales_channel_id : null;
      // Asked with the generation the trade was created with (the shop may have switched since).
      const scoped = await rt.facadeForTrade(scope, tradeOriginOf(target.data), sessionId);
      const event = await scoped.alipay.queryTrade({ outTradeNo: sessionId });
      if (!event || !(isPaidStatus(event.status) || event.status === 'closed')) continue;
      const rejection = scoped.alipay.checkEvent(
        event,
        queryExpectation(event, sessionId, amountToFen(target.amount as never), scoped.seller),
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
          outTradeNo: sessionId,
          tradeNo: event.tradeNo,
          sessionId,
          cartId: target.cartId,
          orderId: target.orderId,
          message: `Trade query answer rejected (${rejection.reason}): ${rejection.message}. / 交易查询结果被拒绝（${rejection.reason}）。`,
          details: { reason: rejection.reason, source: 'query' },
        });
        continue;
      }
      const outcome = await processVerifiedTradeEvent(rt, event, target, {
        source: 'query',
        scope: scoped.scope,
      });
      if (outcome.result === 'processed' || outcome.result === 'orphan') report.applied++;
      if (outcome.reply === 'fail') report.failed++;
    } catch (error) {
      if (error instanceof InterfaceNotContractedError) continue; // No query in the contract: notifications only.
      report.failed++;
      rt.logger.warn(logLine(`reconciliation query failed: ${(error as Error).message}`, ids));
    }
  }
  return report;
}
