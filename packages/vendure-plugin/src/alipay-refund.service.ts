import { type Bilingual } from '@alipay-commerce/core';
import {
  holdsRefundLock,
  isFinalRefundStatus,
  type LifecycleRefund,
  ORPHAN_REFUND_REASON,
  type OrphanRefundAsker,
  planOrphanRefund,
  planRefund,
  REFUND_NEEDS_CHECK,
  type RefundAttemptResult,
  type RefundCallOutcome,
  refundAttemptResult,
} from '@alipay-commerce/core/lifecycle';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  type CreateRefundResult,
  EventBus,
  type ID,
  isGraphQlErrorResult,
  Logger,
  type Order,
  OrderService,
  type Payment,
  type PaymentMethod,
  Refund,
  RefundStateTransitionEvent,
  type RequestContext,
  TransactionalConnection,
  UserInputError,
} from '@vendure/core';
import { In, IsNull, Not } from 'typeorm';
import { AlipayEventLedger } from './alipay-event-ledger';
import { bilingual, describeError, describeTrade, isUniqueViolation } from './alipay-helpers';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY, INTENT_ERROR_MESSAGES, REFUND_IN_PROGRESS } from './alipay-messages';
import { loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import type { AlipayTrade } from './entities/alipay-trade.entity';

/** Alipay's `trade_status` of a closed trade (as {@link AlipayTrade.status} records it). */
const CLOSED_TRADE_STATUS = 'TRADE_CLOSED';

/** An Alipay-side refund being recorded as a Vendure `Refund`: `createRefund` answers it without Alipay. */
interface AlipaySideRefund {
  amountFen: number;
  requestNo: string;
}

/**
 * Refunds through Alipay, one at a time per payment, with books that match Alipay's:
 *
 * - `createRefund` (Vendure's payment handler) writes an {@link AlipayRefund} with a fresh request number
 *   (the core's `planRefund`) in Vendure's own transaction and answers `Pending`. A second refund of the
 *   same payment while one is in flight is refused (a unique in-flight key).
 * - Alipay is called once that transaction has committed (Vendure publishes the refund's
 *   `RefundStateTransitionEvent` then), with the stored number; the answer is classified by the core
 *   (`refundAttemptResult`): settled only when Alipay's refunded total adds up, else uncertain.
 * - Notifications, reconciliation and Alipay-side refunds settle the same rows.
 *
 * Exported by the plugin, so a shop can read or drive refunds itself.
 */
@Injectable()
export class AlipayRefundService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Alipay-side refunds being recorded, by Vendure payment ID (see {@link recordAlipaySideRefund}). */
  private readonly alipaySide = new Map<string, AlipaySideRefund>();
  private subscription: { unsubscribe(): void } | undefined;

  constructor(
    private readonly connection: TransactionalConnection,
    private readonly orderService: OrderService,
    private readonly eventBus: EventBus,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
  ) {}

  /** Sends each new refund to Alipay once the transaction that recorded it has committed. */
  onApplicationBootstrap(): void {
    this.subscription = this.eventBus.ofType(RefundStateTransitionEvent).subscribe(event => {
      if (event.fromState !== 'Pending' || event.toState !== 'Pending') return;
      this.sendCreatedRefund(event.ctx, event.refund).catch(error =>
        Logger.error(
          `${describeTrade({ orderCode: event.order.code })}: refund ${event.refund.id} could not be sent to Alipay now (reconciliation sends it): ${describeError(error)}`,
          loggerCtx,
        ),
      );
    });
  }

  /** Stops listening. */
  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  // ------------------------------------------------------------------------------------------------
  // The payment handler's createRefund

  /**
   * Records a refund of an Alipay payment and answers `Pending`: the refund is sent to Alipay once
   * Vendure's transaction has committed, so its request number is stored before Alipay ever sees it.
   * Refused (an error, nothing recorded) while another refund of the same payment is in flight.
   */
  async createRefund(
    ctx: RequestContext,
    amount: number,
    order: Order,
    payment: Payment,
    method: PaymentMethod,
  ): Promise<CreateRefundResult> {
    const recorded = this.alipaySide.get(String(payment.id));
    if (recorded && recorded.amountFen === amount) {
      this.alipaySide.delete(String(payment.id));
      return {
        state: 'Settled',
        transactionId: recorded.requestNo,
        metadata: { refundRequestNo: recorded.requestNo, alipayRefundStatus: 'succeeded', origin: 'alipay' },
      };
    }
    const trade = await this.lookups.tradeOfPayment(ctx, payment);
    const label = { orderCode: order.code, outTradeNo: trade?.outTradeNo, tradeNo: payment.transactionId };
    const gateway = this.lookups.gatewayForPayment(method, payment, trade);
    if (!gateway.ok || !trade) {
      // Nothing was sent to Alipay: the refund fails visibly instead of waiting for an answer that never comes.
      const message = gateway.ok
        ? { en: 'The Alipay trade of this payment is unknown.', zh: '找不到该付款对应的支付宝交易。' }
        : gateway.message;
      Logger.error(`${describeTrade(label)}: refund not submitted: ${message.en}`, loggerCtx);
      return {
        state: 'Failed',
        metadata: {
          errorCode: gateway.ok ? 'TRADE_UNKNOWN' : 'SETTINGS_INVALID',
          errorMessage: bilingual(message),
          ...(gateway.ok ? {} : { missingSettings: gateway.issues.map(issue => issue.field) }),
        },
      };
    }
    const plan = planRefund(gateway.alipay.generation);
    const row = await this.newRow(ctx, trade, {
      ...plan,
      tradeNo: payment.transactionId ?? trade.tradeNo,
      amountFen: amount,
      status: 'requested',
      origin: 'shop',
      paymentId: payment.id,
    });
    try {
      await this.connection.getRepository(ctx, AlipayRefund).insert(row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      Logger.warn(
        `${describeTrade(label)}: refund of ${amount} fen refused: another one is in flight`,
        loggerCtx,
      );
      throw new UserInputError(bilingual(REFUND_IN_PROGRESS));
    }
    Logger.info(
      `${describeTrade(label)}: refund ${plan.requestNo} of ${amount} fen recorded; sent to Alipay once committed`,
      loggerCtx,
    );
    return {
      state: 'Pending',
      transactionId: plan.requestNo,
      metadata: { refundRequestNo: plan.requestNo, alipayRefundStatus: 'requested' },
    };
  }

  /** After commit: links the new Vendure refund to its row and sends it to Alipay. */
  private async sendCreatedRefund(ctx: RequestContext, refund: Refund): Promise<void> {
    const row = await this.connection.rawConnection.getRepository(AlipayRefund).findOne({
      where: { requestNo: refund.transactionId, status: 'requested', origin: 'shop' },
    });
    if (!row || (row.vendureRefundId && String(row.vendureRefundId) !== String(refund.id))) return;
    await this.connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ id: row.id }, { vendureRefundId: refund.id });
    row.vendureRefundId = refund.id;
    await this.send(ctx, row, refund.reason ?? undefined);
  }

  // ------------------------------------------------------------------------------------------------
  // Talking to Alipay

  /**
   * Sends a refund to Alipay with its stored request number (the first time, or again after a lost
   * answer: Alipay does not refund twice) and records the classified answer. The database work is done
   * under the trade's lock, never the call to Alipay.
   */
  async send(
    ctx: RequestContext,
    row: AlipayRefund,
    reason?: string,
  ): Promise<RefundAttemptResult | undefined> {
    const trade = await this.lookups.findTrade(ctx, row.outTradeNo);
    const method = trade ? await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode) : undefined;
    const gateway = method && trade ? this.lookups.gatewayForTrade(method, trade) : undefined;
    const label = { orderCode: trade?.orderCode, outTradeNo: row.outTradeNo, tradeNo: row.tradeNo };
    if (!trade || !method || !gateway?.ok) {
      Logger.error(
        `${describeTrade(label)}: refund ${row.requestNo} not sent: ${gateway && !gateway.ok ? gateway.message.en : 'trade or payment method missing'}; reconciliation tries again`,
        loggerCtx,
      );
      return undefined;
    }
    // What Alipay's refunded total must come to is read now: a refund made on Alipay's side since this
    // one was planned (recorded meanwhile) is part of it.
    const settledBeforeFen = await this.settledFen(ctx, row.outTradeNo);
    await this.connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ id: row.id }, { attempts: row.attempts + 1, lastAttemptAt: new Date(), settledBeforeFen });
    let outcome: RefundCallOutcome;
    try {
      outcome = {
        ok: true,
        value: await gateway.alipay.refund({
          outTradeNo: row.outTradeNo,
          tradeNo: row.tradeNo ?? undefined,
          refundId: row.refundId,
          refundRequestNo: row.requestNo,
          amountFen: row.amountFen,
          reason: row.origin === 'orphan' ? ORPHAN_REFUND_REASON : reason,
          notifyUrl: this.lookups.notifyUrl(ctx, trade.paymentMethodCode),
        }),
      };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const result = refundAttemptResult(
      { ...row, settledBeforeFen, generation: gateway.alipay.generation, attemptsBefore: row.attempts },
      outcome,
    );
    await this.ledger.withTradeLock(row.tradeNo ?? row.outTradeNo, () =>
      this.connection.withTransaction(ctx, txCtx => this.recordResult(txCtx, row.id, result)),
    );
    return result;
  }

  /**
   * Records what Alipay answered about a refund, unless a notification made it final meanwhile (it has
   * the last word), and carries it over to Vendure's `Refund` and the order history.
   */
  async recordResult(ctx: RequestContext, rowId: ID, result: RefundAttemptResult): Promise<void> {
    const repo = this.connection.getRepository(ctx, AlipayRefund);
    const row = await repo.findOneByOrFail({ id: rowId });
    const label = await this.labelOf(ctx, row);
    if (isFinalRefundStatus(row.status)) {
      Logger.info(
        `${describeTrade(label)}: refund ${row.requestNo} → ${result.status}, but it is already ${row.status} (a notification answered first)`,
        loggerCtx,
      );
      return;
    }
    if (result.status === 'succeeded') return this.settle(ctx, row, 'Alipay answered');
    if (result.status === 'failed') return this.fail(ctx, row, result.error?.message ?? result.detail);
    row.status = result.status;
    row.inFlightKey = holdsRefundLock(result.status) ? row.outTradeNo : null;
    row.confirmUrl = result.confirmUrl ?? row.confirmUrl;
    row.error = result.error ? bilingual(result.error.message) : null;
    await repo.save(row, { reload: false });
    await this.updateVendureRefund(ctx, row, {
      alipayRefundStatus: result.status,
      uncertain: result.status === 'uncertain',
    });
    const orderId = await this.orderIdOf(ctx, row);
    if (orderId !== undefined && result.status === 'requires_action' && result.confirmUrl) {
      await this.lookups.addOrderNote(
        ctx,
        orderId,
        HISTORY.refundNeedsConfirmation(row.requestNo, row.amountFen, result.confirmUrl),
      );
    }
    if (orderId !== undefined && result.error?.code === REFUND_NEEDS_CHECK) {
      // Only a person can tell now: flagged once, never sent again automatically.
      await repo.update({ id: row.id }, { attentionAt: new Date() });
      await this.lookups.flagOrder(ctx, orderId, result.error.message);
    } else if (orderId !== undefined && result.status === 'uncertain') {
      await this.lookups.addOrderNote(ctx, orderId, HISTORY.refundUncertain(row.requestNo, result.detail));
    }
    Logger[result.status === 'uncertain' ? 'warn' : 'info'](
      `${describeTrade(label)}: refund ${row.requestNo} of ${row.amountFen} fen → ${result.status} (${result.detail})`,
      loggerCtx,
    );
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

  private async settle(ctx: RequestContext, row: AlipayRefund, why: string): Promise<void> {
    row.status = 'succeeded';
    row.inFlightKey = null;
    row.error = null;
    await this.connection.getRepository(ctx, AlipayRefund).save(row, { reload: false });
    await this.updateVendureRefund(
      ctx,
      row,
      { alipayRefundStatus: 'succeeded', uncertain: false, resolvedBy: why },
      'Settled',
    );
    const label = await this.labelOf(ctx, row);
    Logger.info(
      `${describeTrade(label)}: refund ${row.requestNo} of ${row.amountFen} fen settled (${why})`,
      loggerCtx,
    );
    if (row.origin === 'orphan') {
      const orderId = await this.orderIdOf(ctx, row);
      if (orderId !== undefined) {
        await this.lookups.addOrderNote(
          ctx,
          orderId,
          HISTORY.orphanRefunded(row.tradeNo ?? row.outTradeNo, 'succeeded'),
        );
      }
    }
  }

  private async fail(ctx: RequestContext, row: AlipayRefund, message: Bilingual | string): Promise<void> {
    const text = typeof message === 'string' ? message : bilingual(message);
    row.status = 'failed';
    row.inFlightKey = null;
    row.error = text;
    await this.connection.getRepository(ctx, AlipayRefund).save(row, { reload: false });
    await this.updateVendureRefund(
      ctx,
      row,
      { alipayRefundStatus: 'failed', uncertain: false, errorMessage: text },
      'Failed',
    );
    const label = await this.labelOf(ctx, row);
    Logger.error(
      `${describeTrade(label)}: refund ${row.requestNo} of ${row.amountFen} fen failed: ${text}`,
      loggerCtx,
    );
    const orderId = await this.orderIdOf(ctx, row);
    if (orderId !== undefined && row.origin === 'orphan') {
      await this.lookups.addOrderNote(
        ctx,
        orderId,
        HISTORY.orphanRefundFailed(row.tradeNo ?? row.outTradeNo, text),
      );
    }
  }

  /** Carries the row's state over to its Vendure refund (metadata; `to` when it is still Pending). */
  private async updateVendureRefund(
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
  // Alipay-side refunds and orphans

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
        const created = await this.newRow(txCtx, trade, {
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
    await this.send(ctx, planned);
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
    if (open) return this.settleRow(ctx, open.id, 'Alipay reports the orphan refunded');
    if (rows.some(r => r.status === 'succeeded')) return;
    // Closed: whatever Alipay had not given back before went back now.
    const leftFen = trade.amountFen - (await this.settledFen(ctx, trade.outTradeNo));
    if (leftFen <= 0) return;
    const key = requestNo ?? `alipay-${trade.tradeNo ?? trade.outTradeNo}-orphan`;
    await repo.insert(
      await this.newRow(ctx, trade, {
        refundId: key,
        requestNo: key,
        amountFen: leftFen,
        status: 'succeeded',
        origin: 'orphan',
      }),
    );
  }

  // ------------------------------------------------------------------------------------------------
  // Lookups

  /**
   * A new refund row of `trade`: holding the trade's in-flight key while its outcome is unknown, with
   * what the trade had settled before it.
   */
  private async newRow(
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

  private async orderIdOf(ctx: RequestContext, row: AlipayRefund): Promise<ID | undefined> {
    return (await this.lookups.findTrade(ctx, row.outTradeNo))?.orderId;
  }

  private async labelOf(ctx: RequestContext, row: AlipayRefund) {
    const trade = await this.lookups.findTrade(ctx, row.outTradeNo);
    return { orderCode: trade?.orderCode, outTradeNo: row.outTradeNo, tradeNo: row.tradeNo };
  }
}
