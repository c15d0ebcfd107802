import { bilingualLine, describeError } from '@alipay-commerce/core';
import {
  holdsRefundLock,
  isFinalRefundStatus,
  ORPHAN_REFUND_REASON,
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
  Logger,
  type Order,
  type Payment,
  type PaymentMethod,
  type Refund,
  RefundStateTransitionEvent,
  type RequestContext,
  TransactionalConnection,
  UserInputError,
} from '@vendure/core';
import { AlipayEventLedger } from './alipay-event-ledger';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY, REFUND_IN_PROGRESS } from './alipay-messages';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { isUniqueViolation } from './unique-violation';

/**
 * Refunds through Alipay, one at a time per payment, with books that match Alipay's:
 *
 * - `createRefund` (Vendure's payment handler) writes an {@link AlipayRefund} with a fresh request number
 *   (the core's `planRefund`) in Vendure's own transaction and answers `Pending`. A second refund of the
 *   same payment while one is in flight is refused (a unique in-flight key).
 * - Alipay is called once that transaction has committed (Vendure publishes the refund's
 *   `RefundStateTransitionEvent` then), with the stored number; the answer is classified by the core
 *   (`refundAttemptResult`): settled only when Alipay's refunded total adds up, else uncertain.
 * - Notifications, reconciliation and Alipay-side refunds settle the same rows
 *   ({@link AlipayRefundBookService}); orphan payments are refunded by {@link AlipayOrphanService}.
 */
@Injectable()
export class AlipayRefundService implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: { unsubscribe(): void } | undefined;

  constructor(
    private readonly connection: TransactionalConnection,
    private readonly eventBus: EventBus,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
    private readonly book: AlipayRefundBookService,
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
    const recorded = this.book.takeAlipaySideRefund(payment.id, amount);
    if (recorded) {
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
          errorMessage: bilingualLine(message),
          ...(gateway.ok ? {} : { missingSettings: gateway.issues.map(issue => issue.field) }),
        },
      };
    }
    const plan = planRefund(gateway.alipay.generation);
    const row = await this.book.newRow(ctx, trade, {
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
      throw new UserInputError(bilingualLine(REFUND_IN_PROGRESS));
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
    const settledBeforeFen = await this.book.settledFen(ctx, row.outTradeNo);
    await this.connection.rawConnection
      .getRepository(AlipayRefund)
      .update({ id: row.id }, { attempts: row.attempts + 1, lastAttemptAt: new Date(), settledBeforeFen });
    // Antom refunds in the payment's currency (the order's); the domestic generations ignore it.
    const currency = (await this.lookups.orderForPayment(ctx, trade.orderId))?.currencyCode;
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
          currency,
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
    const label = await this.book.labelOf(ctx, row);
    if (isFinalRefundStatus(row.status)) {
      Logger.info(
        `${describeTrade(label)}: refund ${row.requestNo} → ${result.status}, but it is already ${row.status} (a notification answered first)`,
        loggerCtx,
      );
      return;
    }
    if (result.status === 'succeeded') return this.book.settle(ctx, row, 'Alipay answered');
    if (result.status === 'failed') return this.book.fail(ctx, row, result.error?.message ?? result.detail);
    row.status = result.status;
    row.inFlightKey = holdsRefundLock(result.status) ? row.outTradeNo : null;
    row.confirmUrl = result.confirmUrl ?? row.confirmUrl;
    row.error = result.error ? bilingualLine(result.error.message) : null;
    await repo.save(row, { reload: false });
    await this.book.updateVendureRefund(ctx, row, {
      alipayRefundStatus: result.status,
      uncertain: result.status === 'uncertain',
    });
    const orderId = await this.book.orderIdOf(ctx, row);
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
}
