import {
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  type RefundOutcome,
} from '@alipay-commerce/core';
import { Inject, Injectable } from '@nestjs/common';
import { Logger, OrderService, Refund, type RequestContext, TransactionalConnection } from '@vendure/core';
import { In, IsNull, LessThan, Not } from 'typeorm';
import { AlipayService } from './alipay.service';
import {
  bilingual,
  describeError,
  describeTrade,
  OPEN_TRADE_STATUSES,
  refundRequestNoFor,
} from './alipay-helpers';
import { HISTORY } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayReconciliationSummary } from './types';

/** Trades reconciled per run (the oldest-checked first), so one run never takes long. */
const RECONCILIATION_BATCH_SIZE = 50;

/**
 * The plugin's background catch-up, run by the `alipay-reconcile-pending-trades` scheduled task: what
 * Alipay never told the shop (lost notifications), or the shop never heard back (lost refund answers),
 * is asked again and applied through {@link AlipayService.applyTradeEvent}, exactly as a notification
 * would be. Exported by the plugin, so a shop can also run it on its own schedule.
 */
@Injectable()
export class AlipayReconciliationService {
  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly orderService: OrderService,
    private readonly alipay: AlipayService,
  ) {}

  /**
   * The reconciliation run (scheduled task): queries Alipay about trades left open longer than
   * `pendingAfterMinutes` (oldest-checked first, a batch per run) and applies each answer exactly as
   * a notification would; retries the refund of orphan payments when `autoRefundOrphanPayments` is on.
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
    const cutoff = new Date(Date.now() - this.options.pendingAfterMinutes * 60_000);
    const trades = await this.connection.rawConnection.getRepository(AlipayTrade).find({
      where: { status: In(OPEN_TRADE_STATUSES), createdAt: LessThan(cutoff), orphanReason: IsNull() },
      order: { updatedAt: 'ASC' },
      take: RECONCILIATION_BATCH_SIZE,
    });
    const contexts = new Map<string, RequestContext | undefined>();
    for (const trade of trades) {
      const key = String(trade.channelId);
      if (!contexts.has(key)) {
        contexts.set(key, await this.alipay.channelContext(trade.channelId));
      }
      const ctx = contexts.get(key);
      if (!ctx) {
        continue;
      }
      summary.checked++;
      try {
        const outcome = await this.alipay.queryAndApply(ctx, trade);
        if (outcome?.kind === 'applied') summary.applied++;
        if (outcome?.kind === 'orphan') summary.orphans++;
      } catch (error) {
        summary.failed++;
        Logger.error(`${describeTrade(trade)}: reconciliation failed: ${describeError(error)}`, loggerCtx);
      }
    }
    if (this.options.autoRefundOrphanPayments) {
      const orphans = await this.connection.rawConnection.getRepository(AlipayTrade).find({
        where: { orphanReason: Not(IsNull()) },
        order: { updatedAt: 'ASC' },
        take: RECONCILIATION_BATCH_SIZE,
      });
      for (const orphan of orphans.filter(o => !o.orphanRefund || o.orphanRefund.status === 'failed')) {
        const ctx = await this.alipay.channelContext(orphan.channelId);
        if (ctx) {
          await this.alipay.refundOrphan(ctx, orphan.id);
          summary.refunded++;
        }
      }
    }
    const refunds = await this.resolveUncertainRefunds();
    summary.refundsChecked = refunds.checked;
    summary.refundsResolved = refunds.resolved;
    Logger.info(
      `${describeTrade({})}: reconciliation checked ${summary.checked} trade(s): ${summary.applied} applied, ${summary.orphans} orphan(s), ${summary.failed} failed, ${summary.refunded} orphan refund(s) attempted, ${refunds.resolved} of ${refunds.checked} uncertain refund(s) resolved`,
      loggerCtx,
    );
    return summary;
  }

  /**
   * Refunds whose Alipay answer was lost stay `Pending` with `uncertain` metadata. Once they are
   * older than `pendingAfterMinutes` (time for Alipay's refund notification to arrive first), each
   * is resolved: `queryRefund` says whether Alipay refunded it (OpenAPI; `Settled`); when Alipay has
   * no such refund, or cannot say (legacy has no refund query), the same request is sent again with
   * the stored request number, which Alipay recognises instead of refunding twice: OpenAPI answers
   * at once, a legacy batch is accepted (or known already, `DUPLICATE_BATCH_NO`) and completed by
   * `batch_refund_notify`. Without an answer the refund stays uncertain for the next run.
   */
  async resolveUncertainRefunds(): Promise<{ checked: number; resolved: number }> {
    const cutoff = new Date(Date.now() - this.options.pendingAfterMinutes * 60_000);
    const pending = await this.connection.rawConnection.getRepository(Refund).find({
      where: { state: 'Pending', createdAt: LessThan(cutoff) },
      relations: { payment: { order: true } },
      order: { createdAt: 'ASC' },
      take: RECONCILIATION_BATCH_SIZE,
    });
    const uncertain = pending.filter(
      refund => (refund.metadata as { uncertain?: boolean })?.uncertain === true,
    );
    let resolved = 0;
    for (const refund of uncertain) {
      try {
        if (await this.resolveUncertainRefund(refund)) resolved++;
      } catch (error) {
        Logger.error(
          `${describeTrade({ orderCode: refund.payment?.order?.code })}: uncertain refund ${refund.id} could not be resolved: ${describeError(error)}`,
          loggerCtx,
        );
      }
    }
    return { checked: uncertain.length, resolved };
  }

  /** One refund of {@link resolveUncertainRefunds}; true when it is no longer uncertain. */
  private async resolveUncertainRefund(refund: Refund): Promise<boolean> {
    const { payment } = refund;
    const metadata = (refund.metadata ?? {}) as Record<string, unknown> & {
      refundKey?: string;
      refundRequestNo?: string;
    };
    const outTradeNo = (payment.metadata as { outTradeNo?: string } | null)?.outTradeNo;
    const trade = outTradeNo
      ? await this.connection.rawConnection.getRepository(AlipayTrade).findOneBy({ outTradeNo })
      : null;
    const ctx = trade ? await this.alipay.channelContext(trade.channelId) : undefined;
    const method = ctx ? await this.alipay.findAlipayMethod(ctx, payment.method) : undefined;
    const gateway = method && trade ? this.alipay.gatewayForTrade(method, trade) : undefined;
    if (gateway && !gateway.ok) {
      Logger.error(
        `${describeTrade({ orderCode: trade?.orderCode, outTradeNo, tradeNo: payment.transactionId })}: uncertain refund ${refund.id} cannot be resolved: ${gateway.message.en}`,
        loggerCtx,
      );
    }
    if (!trade || !ctx || !method || !gateway?.ok || !metadata.refundKey) {
      return false;
    }
    const label = {
      orderCode: trade.orderCode,
      outTradeNo: trade.outTradeNo,
      tradeNo: payment.transactionId,
    };
    // Refunds made before the number was stored: the legacy batch is dated the day it was made.
    const refundRequestNo =
      metadata.refundRequestNo ??
      refundRequestNoFor(gateway.interfaceType, metadata.refundKey, refund.createdAt);
    const ref = { outTradeNo: trade.outTradeNo, tradeNo: payment.transactionId };
    const answer = await gateway.alipay.queryRefund({ ...ref, refundId: metadata.refundKey });
    let outcome: RefundOutcome | { status: 'known' } | { status: 'refused'; error: AlipayError };
    if (answer.status === 'succeeded') {
      outcome = { status: 'succeeded', refundRequestNo, refundedTotalFen: answer.amountFen };
    } else {
      try {
        outcome = await gateway.alipay.refund({
          ...ref,
          refundId: metadata.refundKey,
          amountFen: refund.total,
          reason: refund.reason ?? undefined,
          notifyUrl: this.alipay.notifyUrl(ctx, method.code),
          refundRequestNo,
        });
      } catch (error) {
        if (error instanceof AlipayNetworkError) {
          Logger.warn(
            `${describeTrade(label)}: uncertain refund ${refundRequestNo}: still no answer from Alipay (${describeError(error)}); retried next run`,
            loggerCtx,
          );
          return false;
        }
        if (!(error instanceof AlipayError)) throw error;
        // Alipay already has this batch: its batch_refund_notify completes the refund.
        outcome =
          error instanceof AlipayGatewayError && error.gatewayCode === 'DUPLICATE_BATCH_NO'
            ? { status: 'known' }
            : { status: 'refused', error };
      }
    }
    // A notification may have completed the refund meanwhile: it has the last word.
    const current = await this.connection.getRepository(ctx, Refund).findOneBy({ id: refund.id });
    if (current?.state !== 'Pending') {
      Logger.info(
        `${describeTrade(label)}: uncertain refund ${refundRequestNo} → ${current?.state ?? 'gone'} meanwhile (a notification answered first)`,
        loggerCtx,
      );
      return true;
    }
    const save = (extra: Record<string, unknown>) => {
      current.transactionId = refundRequestNo;
      current.metadata = { ...metadata, refundRequestNo, uncertain: false, ...extra };
      return this.connection.getRepository(ctx, Refund).save(current, { reload: false });
    };
    const detail =
      answer.status === 'succeeded' ? 'queryRefund' : `queryRefund: ${answer.status}; sent again`;
    switch (outcome.status) {
      case 'succeeded':
        await save({ alipayRefundStatus: 'succeeded', resolvedBy: detail });
        await this.orderService.transitionRefundToState(ctx, refund.id, 'Settled');
        await this.alipay.addOrderNote(
          ctx,
          payment.order.id,
          HISTORY.refundResolved(refundRequestNo, 'settled', detail),
        );
        break;
      case 'pending':
      case 'known':
        await save({ alipayRefundStatus: 'pending', resolvedBy: detail });
        await this.alipay.addOrderNote(
          ctx,
          payment.order.id,
          HISTORY.refundResolved(refundRequestNo, 'accepted', detail),
        );
        break;
      case 'requires_action':
        await save({
          alipayRefundStatus: 'requires_action',
          confirmUrl: outcome.confirmUrl,
          resolvedBy: detail,
        });
        await this.alipay.addOrderNote(
          ctx,
          payment.order.id,
          HISTORY.refundNeedsConfirmation(refundRequestNo, refund.total, outcome.confirmUrl),
        );
        break;
      case 'refused':
        if (answer.status === 'not_found') {
          // Alipay has no such refund and refuses to make it: it failed, nothing was refunded.
          await save({ errorCode: outcome.error.code, errorMessage: bilingual(outcome.error.hint) });
          await this.orderService.transitionRefundToState(ctx, refund.id, 'Failed');
          await this.alipay.addOrderNote(
            ctx,
            payment.order.id,
            HISTORY.refundResolved(refundRequestNo, 'failed', describeError(outcome.error)),
          );
        } else {
          // Legacy: the refusal does not say whether the first request refunded (e.g. a trade already
          // refunded in full by it). Only a person can tell; never retried automatically again.
          await save({ needsAttention: true, errorMessage: describeError(outcome.error) });
          await this.alipay.addOrderNote(
            ctx,
            payment.order.id,
            HISTORY.refundNeedsCheck(refundRequestNo, describeError(outcome.error)),
          );
        }
        break;
    }
    Logger.info(
      `${describeTrade(label)}: uncertain refund ${refundRequestNo} → ${outcome.status} (${detail})`,
      loggerCtx,
    );
    return true;
  }
}
