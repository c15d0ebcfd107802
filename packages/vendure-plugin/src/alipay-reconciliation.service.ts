import { type Bilingual, describeError } from '@alipay-commerce/core';
import {
  ABANDON_AFTER_MS,
  isFinalRefundStatus,
  nextRefundCheck,
  OPEN_RECORDED_STATUSES,
  RECONCILE_BATCH_SIZE,
  REFUND_ATTENTION_AFTER_MS,
  refundQueryResult,
  SHOP_REFUND_STATUSES,
} from '@alipay-commerce/core/lifecycle';
import { Inject, Injectable } from '@nestjs/common';
import { type ID, Logger, Refund, type RequestContext, TransactionalConnection } from '@vendure/core';
import { In, IsNull, LessThan, type SelectQueryBuilder } from 'typeorm';
import { AlipayEventLedger } from './alipay-event-ledger';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { AlipayOrphanService } from './alipay-orphan.service';
import { AlipayRefundService } from './alipay-refund.service';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { AlipayTradeEventService } from './alipay-trade-events.service';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayReconciliationSummary } from './types';

/**
 * The cron schedule of the reconciliation task for an interval in minutes: every N minutes below an
 * hour, every whole number of hours above (cron cannot express "every 90 minutes").
 */
export function reconciliationSchedule(intervalMinutes: number): string {
  if (intervalMinutes < 60) {
    return `*/${Math.max(1, intervalMinutes)} * * * *`;
  }
  const hours = Math.max(1, Math.round(intervalMinutes / 60));
  return hours >= 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}

/** Refund statuses reconciliation completes: every one whose outcome is not known yet. */
const OPEN_REFUND_STATUSES = SHOP_REFUND_STATUSES.filter(status => !isFinalRefundStatus(status));

/**
 * The plugin's background catch-up, run by the `alipay-reconcile-pending-trades` scheduled task: what
 * Alipay never told the shop (lost notifications) or the shop never heard back (lost refund answers,
 * refunds never sent because the process died) is asked again, and every answer goes through the same
 * core lifecycle as a notification. Exported by the package, so a shop can also run it on its own schedule.
 */
@Injectable()
export class AlipayReconciliationService {
  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly lookups: AlipayLookupService,
    private readonly tradeEvents: AlipayTradeEventService,
    private readonly refunds: AlipayRefundService,
    private readonly book: AlipayRefundBookService,
    private readonly orphans: AlipayOrphanService,
    private readonly ledger: AlipayEventLedger,
  ) {}

  /**
   * The reconciliation run: queries Alipay about trades left open longer than `pendingAfterMinutes`
   * (a batch per run, least recently touched first) and applies each answer as a notification would;
   * refunds orphan payments when `autoRefundOrphanPayments` is on; completes open refunds.
   */
  async reconcilePendingTrades(): Promise<AlipayReconciliationSummary> {
    const summary: AlipayReconciliationSummary = {
      checked: 0,
      applied: 0,
      orphans: 0,
      failed: 0,
      refunded: 0,
      refundsChecked: 0,
      refundsResolved: 0,
    };
    const trades = await this.connection.rawConnection.getRepository(AlipayTrade).find({
      where: {
        status: In([...OPEN_RECORDED_STATUSES]),
        createdAt: LessThan(this.cutoff()),
        orphanReason: IsNull(),
      },
      order: { updatedAt: 'ASC' },
      take: RECONCILE_BATCH_SIZE,
    });
    const contexts = new Map<string, RequestContext | undefined>();
    const contextOf = async (channelId: ID) => {
      const key = String(channelId);
      if (!contexts.has(key)) contexts.set(key, await this.lookups.channelContext(channelId));
      return contexts.get(key);
    };
    for (const trade of trades) {
      const ctx = await contextOf(trade.channelId);
      if (!ctx) continue;
      summary.checked++;
      try {
        const outcome = await this.tradeEvents.queryAndApply(ctx, trade, ABANDON_AFTER_MS);
        if (outcome?.kind === 'applied') summary.applied++;
        if (outcome?.kind === 'orphan') summary.orphans++;
      } catch (error) {
        summary.failed++;
        Logger.error(`${describeTrade(trade)}: reconciliation failed: ${describeError(error)}`, loggerCtx);
      }
    }
    if (this.options.autoRefundOrphanPayments) {
      summary.refunded = await this.refundOrphans(contextOf);
    }
    const refunds = await this.resolveOpenRefunds(contextOf);
    summary.refundsChecked = refunds.checked;
    summary.refundsResolved = refunds.resolved;
    Logger.info(
      `${describeTrade({})}: reconciliation checked ${summary.checked} trade(s): ${summary.applied} applied, ${summary.orphans} orphan(s), ${summary.failed} failed, ${summary.refunded} orphan refund(s) attempted, ${refunds.resolved} of ${refunds.checked} open refund(s) resolved`,
      loggerCtx,
    );
    return summary;
  }

  /**
   * Orphans the core's `planOrphanRefund` would refund for the policy: refunded now. The query narrows
   * with the same rule (money not all back, no orphan refund succeeded or open, no refusal since which
   * nothing settled), so that held orphans never fill the batch and keep a new one waiting; the refund
   * service still decides with the core, under the trade's lock.
   */
  private async refundOrphans(
    contextOf: (channelId: ID) => Promise<RequestContext | undefined>,
  ): Promise<number> {
    const settled = (qb: SelectQueryBuilder<AlipayTrade>, alias: string) =>
      qb
        .subQuery()
        .select(`COALESCE(SUM(${alias}.amountFen), 0)`)
        .from(AlipayRefund, alias)
        .where(`${alias}.outTradeNo = trade.outTradeNo`)
        .andWhere(`${alias}.status = 'succeeded'`)
        .getQuery();
    const orphans = await this.connection.rawConnection
      .getRepository(AlipayTrade)
      .createQueryBuilder('trade')
      .where('trade.orphanReason IS NOT NULL')
      .andWhere('trade.tradeNo IS NOT NULL')
      .andWhere("trade.status <> 'TRADE_CLOSED'")
      .andWhere(qb => `trade.amountFen > ${settled(qb, 'back')}`)
      .andWhere(
        qb =>
          `NOT EXISTS ${qb
            .subQuery()
            .select('1')
            .from(AlipayRefund, 'held')
            .where('held.outTradeNo = trade.outTradeNo')
            .andWhere("held.origin = 'orphan'")
            .andWhere(`(held.status <> 'failed' OR held.settledBeforeFen = ${settled(qb, 'settledNow')})`)
            .getQuery()}`,
      )
      .orderBy('trade.updatedAt', 'ASC')
      .take(RECONCILE_BATCH_SIZE)
      .getMany();
    let attempted = 0;
    for (const orphan of orphans) {
      const orphanCtx = await contextOf(orphan.channelId);
      if (!orphanCtx) continue;
      if (!(await this.orphans.refundOrphan(orphanCtx, orphan, 'policy'))) attempted++;
    }
    return attempted;
  }

  /**
   * Refunds whose outcome is still open once they are older than `pendingAfterMinutes` (time for their
   * own answer or notification), each by the core's `nextRefundCheck`: never answered ones are sent
   * (again, with the same request number: Alipay does not refund twice); an uncertain OpenAPI refund is
   * asked about (`queryRefund`); a legacy one is settled from the trade's refunded total (a trade query
   * through the lifecycle). Vendure refunds left `Pending` behind a final row are brought in line. A
   * refund still open after a day is flagged on its order once.
   */
  async resolveOpenRefunds(
    contextOf: (channelId: ID) => Promise<RequestContext | undefined> = channelId =>
      this.lookups.channelContext(channelId),
  ): Promise<{ checked: number; resolved: number }> {
    const repo = this.connection.rawConnection.getRepository(AlipayRefund);
    const rows = await repo.find({
      where: { status: In([...OPEN_REFUND_STATUSES]), createdAt: LessThan(this.cutoff()) },
      order: { updatedAt: 'ASC' },
      take: RECONCILE_BATCH_SIZE,
    });
    let resolved = 0;
    for (const row of rows) {
      const ctx = await contextOf(row.channelId);
      if (!ctx) continue;
      try {
        await this.resolveOpenRefund(ctx, row);
      } catch (error) {
        Logger.error(
          `${describeTrade({ outTradeNo: row.outTradeNo, tradeNo: row.tradeNo })}: open refund ${row.requestNo} could not be resolved: ${describeError(error)}`,
          loggerCtx,
        );
      }
      const now = await repo.findOneBy({ id: row.id });
      if (now && isFinalRefundStatus(now.status)) resolved++;
      else if (now) {
        await this.flagIfOld(ctx, now);
        // To the back of the queue: refunds that only wait (the seller's confirmation, a person) must not
        // keep the newer ones out of the batch.
        await repo.update({ id: now.id }, { updatedAt: new Date() });
      }
    }
    await this.book.syncFinishedRefunds(contextOf, RECONCILE_BATCH_SIZE);
    await this.book.recordUnlinkedAlipaySideRefunds(contextOf, RECONCILE_BATCH_SIZE);
    return { checked: rows.length, resolved };
  }

  private async resolveOpenRefund(ctx: RequestContext, row: AlipayRefund): Promise<void> {
    const trade = await this.lookups.findTrade(ctx, row.outTradeNo);
    const method = trade ? await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode) : undefined;
    const gateway = method && trade ? this.lookups.gatewayForTrade(method, trade) : undefined;
    if (!trade || !gateway?.ok) {
      Logger.error(
        `${describeTrade({ outTradeNo: row.outTradeNo, tradeNo: row.tradeNo })}: open refund ${row.requestNo} cannot be resolved: ${gateway && !gateway.ok ? gateway.message.en : 'trade or payment method missing'}`,
        loggerCtx,
      );
      return;
    }
    const check = nextRefundCheck(
      { status: row.status, generation: gateway.alipay.generation, needsPerson: row.attentionAt !== null },
      Date.now() - row.createdAt.getTime(),
      this.options.pendingAfterMinutes * 60_000,
    );
    switch (check) {
      case 'wait':
        return;
      case 'send':
        await this.refunds.send(ctx, row, await this.reasonOf(row));
        return;
      case 'query_trade':
        await this.tradeEvents.queryAndApply(ctx, trade);
        return;
      case 'query_trade_then_send': {
        // Legacy has no refund query: the trade's refunded total settles it if it went through; if not,
        // the batch is sent again under its stored number.
        await this.tradeEvents.queryAndApply(ctx, trade);
        const now = await this.connection.rawConnection.getRepository(AlipayRefund).findOneBy({ id: row.id });
        if (now?.status === 'uncertain') await this.refunds.send(ctx, now, await this.reasonOf(now));
        return;
      }
      case 'query_refund': {
        const answer = await gateway.alipay.queryRefund({
          outTradeNo: row.outTradeNo,
          tradeNo: row.tradeNo ?? undefined,
          refundId: row.refundId,
        });
        const next = refundQueryResult(row, answer);
        if (next === 'send') await this.refunds.send(ctx, row, await this.reasonOf(row));
        if (next === 'succeeded') {
          await this.ledger.withTradeLock(row.tradeNo ?? row.outTradeNo, () =>
            this.connection.withTransaction(ctx, txCtx =>
              this.refunds.recordResult(txCtx, row.id, { status: 'succeeded', detail: 'refund query' }),
            ),
          );
        }
        if (next === 'uncertain') {
          await this.flag(ctx, row, {
            en: `Alipay reports refund ${row.requestNo} with another amount than the ${row.amountFen} fen asked; check it in Alipay's merchant portal.`,
            zh: `支付宝报告退款 ${row.requestNo} 的金额与所申请的 ${row.amountFen} 分不同，请在支付宝商家中心核对。`,
          });
        }
        return;
      }
    }
  }

  /** A refund still open after the core's `REFUND_ATTENTION_AFTER_MS`: flagged on its order, once. */
  private async flagIfOld(ctx: RequestContext, row: AlipayRefund): Promise<void> {
    if (row.attentionAt || Date.now() - row.createdAt.getTime() < REFUND_ATTENTION_AFTER_MS) return;
    await this.flag(ctx, row, HISTORY.refundNeedsCheck(row.requestNo, `still ${row.status} after a day`));
  }

  private async flag(ctx: RequestContext, row: AlipayRefund, alert: Bilingual): Promise<void> {
    const trade = await this.lookups.findTrade(ctx, row.outTradeNo);
    await this.connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ id: row.id }, { attentionAt: new Date() });
    if (trade) await this.lookups.flagOrder(ctx, trade.orderId, alert);
  }

  private async reasonOf(row: AlipayRefund): Promise<string | undefined> {
    if (!row.vendureRefundId) return undefined;
    const refund = await this.connection.rawConnection
      .getRepository(Refund)
      .findOneBy({ id: row.vendureRefundId });
    return refund?.reason ?? undefined;
  }

  /** Trades and refunds created before this are due (the `pendingAfterMinutes` option). */
  private cutoff(): Date {
    return new Date(Date.now() - this.options.pendingAfterMinutes * 60_000);
  }
}
