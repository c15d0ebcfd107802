import type { Bilingual } from '@alipay-commerce/core';
import { bilingualLine } from '@alipay-commerce/core';
import {
  isFinalRefundStatus,
  type OrphanReason,
  type OrphanRefundAsker,
  orphanReasonText,
  planOrphanRefund,
  planRefund,
} from '@alipay-commerce/core/lifecycle';
import { Inject, Injectable } from '@nestjs/common';
import { Logger, type RequestContext, TransactionalConnection } from '@vendure/core';
import { IsNull, Not } from 'typeorm';
import { AlipayEventLedger } from './alipay-event-ledger';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY, INTENT_ERROR_MESSAGES, REFUND_IN_PROGRESS } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { AlipayRefundService } from './alipay-refund.service';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayOrphanPayment } from './types';
import { isUniqueViolation } from './unique-violation';

/** Alipay's `trade_status` of a closed trade (as {@link AlipayTrade.status} records it). */
const CLOSED_TRADE_STATUS = 'TRADE_CLOSED';

/**
 * Orphan payments: money Alipay reports for an order that cannot take it (gone, cancelled, paid
 * otherwise, total changed). Records them, lists them for the Admin API (`alipayOrphanPayments`) and
 * refunds them once, by the core's `planOrphanRefund`, when an administrator asks or the
 * `autoRefundOrphanPayments` policy says so.
 */
@Injectable()
export class AlipayOrphanService {
  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
    private readonly refunds: AlipayRefundService,
    private readonly book: AlipayRefundBookService,
  ) {}

  /** Paid trades of the context's channel that could not be applied to their order. */
  async findOrphanPayments(ctx: RequestContext): Promise<AlipayOrphanPayment[]> {
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { channelId: ctx.channelId, orphanReason: Not(IsNull()) },
      order: { orphanDetectedAt: 'DESC' },
    });
    const outTradeNos = trades.map(t => t.outTradeNo);
    const refunds = await this.book.orphanRefunds(ctx, outTradeNos);
    const refunded = await this.book.settledFenOf(ctx, outTradeNos);
    return trades.map(trade =>
      toOrphanPayment(trade, refunds.get(trade.outTradeNo), refunded.get(trade.outTradeNo) ?? 0),
    );
  }

  /**
   * Refunds an orphan payment in full, once: a refund that succeeded or is still open is never
   * requested again, and the request number is stored before Alipay is called.
   */
  async refundOrphanPayment(
    ctx: RequestContext,
    outTradeNo: string,
  ): Promise<AlipayOrphanPayment | undefined> {
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    const trade = await repo.findOne({
      where: { outTradeNo, channelId: ctx.channelId, orphanReason: Not(IsNull()) },
    });
    if (!trade) return undefined;
    await this.refundOrphan(ctx, trade, 'admin');
    const refunds = await this.book.orphanRefunds(ctx, [trade.outTradeNo]);
    const refunded = await this.book.settledFenOf(ctx, [trade.outTradeNo]);
    return toOrphanPayment(
      await repo.findOneByOrFail({ id: trade.id }),
      refunds.get(trade.outTradeNo),
      refunded.get(trade.outTradeNo) ?? 0,
    );
  }

  /**
   * Records that a paid trade could not be applied to its order (inside the event's transaction) and
   * notes it in the order's history, saying whether it will be refunded automatically.
   */
  async recordOrphan(ctx: RequestContext, trade: AlipayTrade, reason: OrphanReason): Promise<void> {
    await this.connection
      .getRepository(ctx, AlipayTrade)
      .update({ id: trade.id }, { orphanReason: reason, orphanDetectedAt: new Date() });
    const orderExists = await this.lookups.orderForPayment(ctx, trade.orderId);
    if (orderExists) {
      await this.lookups.addOrderNote(
        ctx,
        trade.orderId,
        HISTORY.orphan(
          trade.tradeNo ?? trade.outTradeNo,
          trade.amountFen,
          reason,
          this.options.autoRefundOrphanPayments,
        ),
      );
    }
  }

  /**
   * Refunds what is left of an orphan payment when the core's `planOrphanRefund` says so for `asker`:
   * never while a refund of it succeeded or is open; after a refusal, by an administrator at any time,
   * by the policy only when what was settled of the trade changed since. The row (and its number) is
   * written before Alipay is called. Returns why nothing was sent, or undefined when a refund was sent.
   */
  async refundOrphan(
    ctx: RequestContext,
    trade: AlipayTrade,
    asker: OrphanRefundAsker,
  ): Promise<Bilingual | undefined> {
    if (!trade.orphanReason || !trade.tradeNo) return undefined;
    const gatewayMethod = await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = gatewayMethod ? this.lookups.gatewayForTrade(gatewayMethod, trade) : undefined;
    if (!gateway?.ok) {
      const why = gateway && !gateway.ok ? gateway.message : INTENT_ERROR_MESSAGES.PAYMENT_METHOD_NOT_FOUND;
      Logger.error(`${describeTrade(trade)}: orphan payment not refunded: ${why.en}`, loggerCtx);
      return why;
    }
    const tradeNo = trade.tradeNo;
    const planned = await this.ledger.withTradeLock(tradeNo, () =>
      this.connection.withTransaction(ctx, async txCtx => {
        const repo = this.connection.getRepository(txCtx, AlipayRefund);
        const refunds = await repo.find({ where: { outTradeNo: trade.outTradeNo } });
        const plan = planOrphanRefund(
          { totalFen: trade.amountFen, closed: trade.status === CLOSED_TRADE_STATUS },
          refunds,
          asker,
        );
        if (!plan.send) return plan.text;
        const created = await this.book.newRow(txCtx, trade, {
          ...planRefund(gateway.alipay.generation),
          amountFen: plan.amountFen,
          status: 'requested',
          origin: 'orphan',
        });
        try {
          await repo.insert(created);
        } catch (error) {
          if (isUniqueViolation(error)) return REFUND_IN_PROGRESS;
          throw error;
        }
        return created;
      }),
    );
    if (!(planned instanceof AlipayRefund)) return planned;
    await this.refunds.send(ctx, planned);
    return undefined;
  }

  /** Marks an orphan's money as given back by Alipay (its refund row settled, or one recorded). */
  async markOrphanRefunded(
    ctx: RequestContext,
    trade: AlipayTrade,
    requestNo: string | undefined,
  ): Promise<void> {
    const repo = this.connection.getRepository(ctx, AlipayRefund);
    const rows = await repo.find({ where: { outTradeNo: trade.outTradeNo, origin: 'orphan' } });
    const open = rows.find(r => r.requestNo === requestNo) ?? rows.find(r => !isFinalRefundStatus(r.status));
    if (open) return this.book.settleRow(ctx, open.id, 'Alipay reports the orphan refunded');
    if (rows.some(r => r.status === 'succeeded')) return;
    // Closed: whatever Alipay had not given back before went back now.
    const leftFen = trade.amountFen - (await this.book.settledFen(ctx, trade.outTradeNo));
    if (leftFen <= 0) return;
    const key = requestNo ?? `alipay-${trade.tradeNo ?? trade.outTradeNo}-orphan`;
    await repo.insert(
      await this.book.newRow(ctx, trade, {
        refundId: key,
        requestNo: key,
        amountFen: leftFen,
        status: 'succeeded',
        origin: 'orphan',
      }),
    );
  }
}

function toOrphanPayment(
  trade: AlipayTrade,
  refund: AlipayRefund | undefined,
  refundedFen: number,
): AlipayOrphanPayment {
  const reason = trade.orphanReason as OrphanReason;
  return {
    outTradeNo: trade.outTradeNo,
    tradeNo: trade.tradeNo,
    orderCode: trade.orderCode,
    orderId: trade.orderId,
    paymentMethodCode: trade.paymentMethodCode,
    amount: trade.amountFen,
    refundedAmount: refundedFen,
    reason,
    reasonText: bilingualLine(orphanReasonText(reason)),
    detectedAt: trade.orphanDetectedAt ?? trade.updatedAt,
    refundStatus: refund?.status ?? null,
    refundRequestNo: refund?.requestNo ?? null,
    refundConfirmUrl: refund?.confirmUrl ?? null,
    refundError: refund?.error ?? null,
  };
}
