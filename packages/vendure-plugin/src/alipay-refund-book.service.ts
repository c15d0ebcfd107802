import { type Bilingual, bilingualLine } from '@alipay-commerce/core';
import { holdsRefundLock, isFinalRefundStatus, type LifecycleRefund } from '@alipay-commerce/core/lifecycle';
import { Injectable } from '@nestjs/common';
import {
  type ID,
  isGraphQlErrorResult,
  Logger,
  OrderService,
  type Payment,
  Refund,
  type RequestContext,
  TransactionalConnection,
} from '@vendure/core';
import { In, IsNull, Not } from 'typeorm';
import { AlipayEventLedger } from './alipay-event-ledger';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY } from './alipay-messages';
import { loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import type { AlipayTrade } from './entities/alipay-trade.entity';

/** An Alipay-side refund being recorded as a Vendure `Refund`: `createRefund` answers it without Alipay. */
interface AlipaySideRefund {
  amountFen: number;
  requestNo: string;
}

/**
 * The books of refunds: the {@link AlipayRefund} rows and the Vendure `Refund`s they stand for. Settles
 * or fails rows when Alipay's news says so (notifications, answers, reconciliation), carries that over to
 * Vendure, records money Alipay refunded on its own side, and reads what was refunded of a trade. Runs
 * inside the caller's transaction; it never calls Alipay.
 */
@Injectable()
export class AlipayRefundBookService {
  /** Alipay-side refunds being recorded, by Vendure payment ID (see {@link recordAlipaySideRefund}). */
  private readonly alipaySide = new Map<string, AlipaySideRefund>();

  constructor(
    private readonly connection: TransactionalConnection,
    private readonly orderService: OrderService,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
  ) {}

  /**
   * The Alipay-side refund being recorded for this payment with this amount, taken (answered once): the
   * payment handler's `createRefund` answers it `Settled` without calling Alipay.
   */
  takeAlipaySideRefund(paymentId: ID, amountFen: number): AlipaySideRefund | undefined {
    const recorded = this.alipaySide.get(String(paymentId));
    if (!recorded || recorded.amountFen !== amountFen) return undefined;
    this.alipaySide.delete(String(paymentId));
    return recorded;
  }

  // ------------------------------------------------------------------------------------------------
  // Settling rows (inside the caller's transaction)

  /** Settles the refund row `rowId` (Alipay refunded it) and its Vendure refund. */
  async settleRow(ctx: RequestContext, rowId: ID | string, why: string): Promise<void> {
    const row = await this.connection.getRepository(ctx, AlipayRefund).findOneBy({ id: rowId as ID });
    if (row && row.status !== 'succeeded') await this.settle(ctx, row, why);
  }

  /** Fails the refund row `rowId` (Alipay refused it; nothing moved) and its Vendure refund. */
  async failRow(ctx: RequestContext, rowId: ID | string, detail: string): Promise<void> {
    const row = await this.connection.getRepository(ctx, AlipayRefund).findOneBy({ id: rowId as ID });
    if (row && !isFinalRefundStatus(row.status)) await this.fail(ctx, row, { en: detail, zh: detail });
  }

  /** Settles a refund row and its Vendure refund (inside the caller's transaction). */
  async settle(ctx: RequestContext, row: AlipayRefund, why: string): Promise<void> {
    await this.finish(ctx, row, { status: 'succeeded', why });
  }

  /** Fails a refund row and its Vendure refund (inside the caller's transaction). */
  async fail(ctx: RequestContext, row: AlipayRefund, message: Bilingual | string): Promise<void> {
    const text = typeof message === 'string' ? message : bilingualLine(message);
    await this.finish(ctx, row, { status: 'failed', text });
  }

  /**
   * Gives a refund row its final status (no longer in flight), carries it over to the Vendure refund,
   * logs it and, for an orphan payment's refund, notes it on the order: one path for both outcomes, so
   * settling and failing cannot drift apart.
   */
  private async finish(
    ctx: RequestContext,
    row: AlipayRefund,
    outcome: { status: 'succeeded'; why: string } | { status: 'failed'; text: string },
  ): Promise<void> {
    const failed = outcome.status === 'failed';
    row.status = outcome.status;
    row.inFlightKey = null;
    row.error = failed ? outcome.text : null;
    await this.connection.getRepository(ctx, AlipayRefund).save(row, { reload: false });
    await this.updateVendureRefund(
      ctx,
      row,
      failed
        ? { alipayRefundStatus: 'failed', uncertain: false, errorMessage: outcome.text }
        : { alipayRefundStatus: 'succeeded', uncertain: false, resolvedBy: outcome.why },
      failed ? 'Failed' : 'Settled',
    );
    const refund = `${describeTrade(await this.labelOf(ctx, row))}: refund ${row.requestNo} of ${row.amountFen} fen`;
    if (failed) {
      Logger.error(`${refund} failed: ${outcome.text}`, loggerCtx);
    } else {
      Logger.info(`${refund} settled (${outcome.why})`, loggerCtx);
    }
    if (row.origin !== 'orphan') return;
    const orderId = await this.orderIdOf(ctx, row);
    if (orderId !== undefined) {
      const tradeNo = row.tradeNo ?? row.outTradeNo;
      await this.lookups.addOrderNote(
        ctx,
        orderId,
        failed
          ? HISTORY.orphanRefundFailed(tradeNo, outcome.text)
          : HISTORY.orphanRefunded(tradeNo, 'succeeded'),
      );
    }
  }

  /** Carries the row's state over to its Vendure refund (metadata; `to` when it is still Pending). */
  async updateVendureRefund(
    ctx: RequestContext,
    row: AlipayRefund,
    metadata: Record<string, unknown>,
    to?: 'Settled' | 'Failed',
  ): Promise<void> {
    const repo = this.connection.getRepository(ctx, Refund);
    // Linked after commit; a process that died before linking left the refund findable by its number.
    const refund = row.vendureRefundId
      ? await repo.findOneBy({ id: row.vendureRefundId })
      : row.paymentId
        ? await repo.findOne({ where: { transactionId: row.requestNo, paymentId: row.paymentId } })
        : null;
    if (!refund) return;
    if (!row.vendureRefundId) {
      row.vendureRefundId = refund.id;
      await this.connection
        .getRepository(ctx, AlipayRefund)
        .update({ id: row.id }, { vendureRefundId: refund.id });
    }
    refund.metadata = { ...refund.metadata, ...metadata, refundRequestNo: row.requestNo };
    if (row.confirmUrl) refund.metadata.confirmUrl = row.confirmUrl;
    await repo.save(refund, { reload: false });
    if (to && refund.state === 'Pending') {
      await this.orderService.transitionRefundToState(ctx, refund.id, to);
    }
  }

  /**
   * Vendure refunds still `Pending` whose row is final (a result recorded while the refund was not
   * visible, or a transition that failed): brought in line. Reconciliation runs this.
   */
  async syncFinishedRefunds(
    contextOf: (channelId: ID) => Promise<RequestContext | undefined>,
    limit: number,
  ): Promise<number> {
    const rows = await this.connection.rawConnection.getRepository(AlipayRefund).find({
      where: { status: In(['succeeded', 'failed']), vendureRefundId: Not(IsNull()) },
      order: { updatedAt: 'DESC' },
      take: limit,
    });
    let synced = 0;
    for (const row of rows) {
      const refund = await this.connection.rawConnection
        .getRepository(Refund)
        .findOneBy({ id: row.vendureRefundId as ID });
      const ctx = refund?.state === 'Pending' ? await contextOf(row.channelId) : undefined;
      if (!ctx) continue;
      await this.ledger.withTradeLock(row.tradeNo ?? row.outTradeNo, () =>
        this.connection.withTransaction(ctx, txCtx =>
          this.updateVendureRefund(txCtx, row, {}, row.status === 'succeeded' ? 'Settled' : 'Failed'),
        ),
      );
      synced++;
    }
    return synced;
  }

  // ------------------------------------------------------------------------------------------------
  // Alipay-side refunds

  /**
   * Records money Alipay refunded on its own side (merchant portal, buyer protection) as a settled
   * refund: an {@link AlipayRefund} with the key Alipay's report gives it, and a Vendure `Refund` made
   * through Vendure's own `refundOrder` (answered `Settled` by `createRefund` without calling Alipay).
   * Idempotent by the key. Runs in the caller's transaction.
   */
  async recordAlipaySideRefund(
    ctx: RequestContext,
    trade: AlipayTrade,
    payment: Payment | undefined,
    amountFen: number,
    key: string,
  ): Promise<void> {
    const repo = this.connection.getRepository(ctx, AlipayRefund);
    if (await repo.existsBy({ outTradeNo: trade.outTradeNo, requestNo: key })) return;
    const row = await this.newRow(ctx, trade, {
      refundId: key,
      requestNo: key,
      amountFen,
      status: 'succeeded',
      origin: 'alipay',
      paymentId: payment?.id ?? null,
    });
    await repo.insert(row);
    if (payment) await this.recordInVendure(ctx, trade, row, payment.id);
  }

  /**
   * Records a settled Alipay-side refund as a Vendure `Refund` (through Vendure's own `refundOrder`,
   * answered `Settled` by `createRefund` without calling Alipay). Vendure refuses while a pending refund
   * of the payment leaves too little room (a refund whose answer was lost, say): then the row stays
   * unlinked and reconciliation records it once that refund is resolved.
   */
  private async recordInVendure(ctx: RequestContext, trade: AlipayTrade, row: AlipayRefund, paymentId: ID) {
    this.alipaySide.set(String(paymentId), { amountFen: row.amountFen, requestNo: row.requestNo });
    try {
      const created = await this.orderService.refundOrder(ctx, {
        paymentId,
        amount: row.amountFen,
        reason: 'Refunded on Alipay’s side / 支付宝侧退款',
        lines: [],
        shipping: 0,
        adjustment: 0,
      } as Parameters<OrderService['refundOrder']>[1]);
      if (isGraphQlErrorResult(created)) {
        Logger.warn(
          `${describeTrade(trade)}: Alipay-side refund ${row.requestNo} of ${row.amountFen} fen recorded; Vendure refused its Refund for now (${created.message}), reconciliation records it later`,
          loggerCtx,
        );
        return false;
      }
      await this.connection
        .getRepository(ctx, AlipayRefund)
        .update({ id: row.id }, { vendureRefundId: created.id });
      return true;
    } finally {
      this.alipaySide.delete(String(paymentId));
    }
  }

  /** Alipay-side refunds Vendure could not record when they were reported: recorded now. Reconciliation runs this. */
  async recordUnlinkedAlipaySideRefunds(
    contextOf: (channelId: ID) => Promise<RequestContext | undefined>,
    limit: number,
  ): Promise<number> {
    const rows = await this.connection.rawConnection.getRepository(AlipayRefund).find({
      where: { origin: 'alipay', status: 'succeeded', vendureRefundId: IsNull(), paymentId: Not(IsNull()) },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
    let recorded = 0;
    for (const row of rows) {
      const ctx = await contextOf(row.channelId);
      const trade = ctx ? await this.lookups.findTrade(ctx, row.outTradeNo) : null;
      if (!ctx || !trade) continue;
      const done = await this.ledger.withTradeLock(row.tradeNo ?? row.outTradeNo, () =>
        this.connection.withTransaction(ctx, txCtx =>
          this.recordInVendure(txCtx, trade, row, row.paymentId as ID),
        ),
      );
      if (done) recorded++;
      // Not recordable yet (the order's state): to the back of the queue, so newer ones get their turn.
      else
        await this.connection.rawConnection
          .getRepository(AlipayRefund)
          .update({ id: row.id }, { updatedAt: new Date() });
    }
    return recorded;
  }

  // ------------------------------------------------------------------------------------------------
  // Lookups

  /**
   * A new refund row of `trade`: holding the trade's in-flight key while its outcome is unknown, with
   * what the trade had settled before it.
   */
  async newRow(
    ctx: RequestContext,
    trade: AlipayTrade,
    input: Pick<AlipayRefund, 'refundId' | 'requestNo' | 'amountFen' | 'status' | 'origin'> &
      Partial<Pick<AlipayRefund, 'tradeNo' | 'paymentId'>>,
  ): Promise<AlipayRefund> {
    return new AlipayRefund({
      channelId: trade.channelId,
      outTradeNo: trade.outTradeNo,
      tradeNo: trade.tradeNo,
      paymentId: null,
      ...input,
      inFlightKey: holdsRefundLock(input.status) ? trade.outTradeNo : null,
      settledBeforeFen: await this.settledFen(ctx, trade.outTradeNo),
      vendureRefundId: null,
      attempts: 0,
      attentionAt: null,
    });
  }

  /** Every refund row of a trade, as the core's lifecycle reads them. */
  async refundsOf(ctx: RequestContext, outTradeNo: string): Promise<LifecycleRefund[]> {
    const rows = await this.connection.getRepository(ctx, AlipayRefund).find({ where: { outTradeNo } });
    return rows.map(row => ({
      id: String(row.id),
      requestNo: row.requestNo,
      amountFen: row.amountFen,
      status: row.status,
      origin: row.origin,
    }));
  }

  /** The refund row with this request number (a legacy `batch_no`), or null. */
  findByRequestNo(ctx: RequestContext, requestNo: string): Promise<AlipayRefund | null> {
    return this.connection.getRepository(ctx, AlipayRefund).findOne({ where: { requestNo } });
  }

  /** The latest orphan refund row of each trade, by `out_trade_no`. */
  async orphanRefunds(ctx: RequestContext, outTradeNos: string[]): Promise<Map<string, AlipayRefund>> {
    if (outTradeNos.length === 0) return new Map();
    const rows = await this.connection.getRepository(ctx, AlipayRefund).find({
      where: { outTradeNo: In(outTradeNos), origin: 'orphan' },
      order: { createdAt: 'ASC' },
    });
    return new Map(rows.map(row => [row.outTradeNo, row]));
  }

  /** Per trade, its refunds recorded as succeeded (whoever asked for them), in fen. */
  async settledFenOf(ctx: RequestContext, outTradeNos: string[]): Promise<Map<string, number>> {
    const settled = new Map<string, number>();
    if (outTradeNos.length === 0) return settled;
    const rows = await this.connection
      .getRepository(ctx, AlipayRefund)
      .find({ where: { outTradeNo: In(outTradeNos), status: 'succeeded' } });
    for (const row of rows) settled.set(row.outTradeNo, (settled.get(row.outTradeNo) ?? 0) + row.amountFen);
    return settled;
  }

  /** Refunds of this trade recorded as succeeded, in fen. */
  async settledFen(ctx: RequestContext, outTradeNo: string): Promise<number> {
    const rows = await this.connection
      .getRepository(ctx, AlipayRefund)
      .find({ where: { outTradeNo, status: 'succeeded' } });
    return rows.reduce((sum, row) => sum + row.amountFen, 0);
  }

  /** The order of a refund row's trade, when the trade is known. */
  async orderIdOf(ctx: RequestContext, row: AlipayRefund): Promise<ID | undefined> {
    return (await this.lookups.findTrade(ctx, row.outTradeNo))?.orderId;
  }

  /** How log lines name a refund row's trade. */
  async labelOf(ctx: RequestContext, row: AlipayRefund) {
    const trade = await this.lookups.findTrade(ctx, row.outTradeNo);
    return { orderCode: trade?.orderCode, outTradeNo: row.outTradeNo, tradeNo: row.tradeNo };
  }
}
