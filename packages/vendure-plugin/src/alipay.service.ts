import {
  ALIPAY_ACK,
  ALIPAY_NACK,
  type Alipay,
  peekNotification,
  type RefundEvent,
  type TradeEvent,
} from '@alipay-commerce/core';
import {
  decideBatchRefund,
  decisionEffect,
  isReleasedStatus,
  type LifecyclePayment,
  MISSING_ORDER,
  nextRecordedStatus,
  type OrphanReason,
  orphanReasonText,
  type RecordingDecision,
  refundAmountFromQuery,
  runTradeLifecycle,
  type ShopPaymentState,
  type TradeDecision,
  type TradeFacts,
  UNPAID_RECORDED_STATUSES,
} from '@alipay-commerce/core/lifecycle';
import { Inject, Injectable } from '@nestjs/common';
import {
  type CancelPaymentErrorResult,
  type CancelPaymentResult,
  type CreatePaymentErrorResult,
  type CreatePaymentResult,
  type CreateRefundFn,
  type CreateRefundResult,
  type ID,
  isGraphQlErrorResult,
  Logger,
  type Order,
  OrderService,
  type Payment,
  type PaymentMetadata,
  type PaymentMethod,
  type PaymentState,
  RequestContext,
  RequestContextService,
  type SettlePaymentErrorResult,
  type SettlePaymentResult,
  TransactionalConnection,
  totalCoveredByPayments,
} from '@vendure/core';
import { In, IsNull, Not } from 'typeorm';
import { AlipayEventLedger, EventNotApplied, type EventOutcome } from './alipay-event-ledger';
import {
  bilingual,
  describeError,
  describeTrade,
  eventFields,
  logSafe,
  logSafeId,
  PAYABLE_ORDER_STATES,
  type TradeLabel,
} from './alipay-helpers';
import { AlipayLookupService } from './alipay-lookup.service';
import { closeRefusedMessage, escrowNotFinishedMessage, HISTORY } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { AlipayRefundService } from './alipay-refund.service';
import type { AlipayHandlerArgs, AlipayHandlerArgValues } from './alipay-settings';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayNotifyInput, AlipayNotifyReply, AlipayOrderSummary, AlipayOrphanPayment } from './types';

/** The refund input Vendure hands to `createRefund` (not exported by `@vendure/core` itself). */
export type AlipayRefundOrderInput = Parameters<CreateRefundFn<AlipayHandlerArgs>>[1];

/** The payment `metadata` of an Alipay payment (the admin sees all of it, the storefront `public`). */
export interface AlipayPaymentMetadata {
  /** Alipay's trade number, also the payment's `transactionId`. */
  tradeNo: string;
  /** The merchant trade number of the attempt that was paid. */
  outTradeNo: string;
  /** Alipay's `trade_status` when the payment was recorded. */
  alipayStatus: string;
  /** The paid amount in fen. */
  amountFen: number;
  /** The `interfaceType` setting the trade was made with. */
  interfaceType: string;
  /** The Alipay interface (service or method) the payment was started with. */
  paymentInterface: string | null;
  /** Alipay's buyer user ID, when reported. */
  buyerId: string | null;
  /** When Alipay says the buyer paid (Beijing time), when reported. */
  paidAt: string | null;
  /** Whether a notification or a status query (sync, reconciliation) reported the payment. */
  source: string;
  /** What the storefront may see. */
  public: { tradeNo: string; outTradeNo: string };
}

/** Vendure payment states and the core's view of them (others carry no money and are not this trade's). */
const PAYMENT_STATES: Partial<Record<PaymentState, ShopPaymentState>> = {
  Authorized: 'authorized',
  Settled: 'settled',
  Cancelled: 'cancelled',
};

/**
 * The plugin's Alipay core for Vendure: notifications, and the one function every verified piece of
 * news about a trade goes through ({@link AlipayService.applyTradeEvent}), which asks the core's
 * lifecycle what the news means and carries the decision out with Vendure's mechanics; plus the
 * payment handler's operations and orphan payments. The handler, the controller and the resolvers only
 * delegate. Exported by the plugin so a shop can build custom flows on top of it.
 */
@Injectable()
export class AlipayService {
  /** Metadata objects built here from verified events: the only ones `createPayment` accepts. */
  private readonly verifiedPaymentMetadata = new WeakSet<object>();

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly requestContextService: RequestContextService,
    private readonly orderService: OrderService,
    private readonly lookups: AlipayLookupService,
    private readonly refunds: AlipayRefundService,
    private readonly ledger: AlipayEventLedger,
  ) {}

  // ------------------------------------------------------------------------------------------------
  // HTTP endpoint

  /**
   * Processes one delivery to the notify endpoint and returns the reply Alipay must read: `success`
   * once the notification is processed or deliberately ignored (duplicate, unknown trade, wrong
   * amount, cancelled order…), `fail` only when Alipay's retry can help (bad signature, settings,
   * transient errors, news that arrived before what it depends on).
   */
  async handleNotify(input: AlipayNotifyInput): Promise<AlipayNotifyReply> {
    const channel = await this.lookups.channelByToken(input.channelToken);
    if (!channel) {
      Logger.warn(
        `${describeTrade({})}: notification for unknown channel token; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return ALIPAY_NACK;
    }
    const ctx = await this.requestContextService.create({
      apiType: 'admin',
      channelOrToken: channel,
      req: input.req,
    });
    const method = await this.lookups.findAlipayMethod(ctx, input.paymentMethodCode);
    if (!method) {
      Logger.warn(
        `${describeTrade({})}: notification for unknown Alipay payment method ${logSafeId(input.paymentMethodCode)}; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return ALIPAY_NACK;
    }
    const { gateway, knownTrade } = await this.notificationGateway(ctx, method, input);
    if (!gateway.ok) {
      // Alipay retries for about a day: the merchant can restore the settings meanwhile.
      Logger.error(
        `${describeTrade({ orderCode: knownTrade?.orderCode, outTradeNo: knownTrade?.outTradeNo, tradeNo: knownTrade?.tradeNo })}: cannot verify a notification: payment method "${method.code}" has unusable settings (${gateway.issues
          .map(i => i.field)
          .join(', ')}): ${gateway.message.en}; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return ALIPAY_NACK;
    }
    const verdict = await gateway.alipay.handleNotification(input.rawBody, input.contentType);
    if (!verdict.ok) {
      const known = verdict.outTradeNo ? await this.lookups.findTrade(ctx, verdict.outTradeNo) : undefined;
      Logger.warn(
        `${describeTrade({ orderCode: known?.orderCode, outTradeNo: verdict.outTradeNo, tradeNo: verdict.tradeNo })}: notification rejected (${verdict.reason}): ${logSafe(verdict.message)}; answered ${verdict.reply}`,
        loggerCtx,
      );
      return verdict.reply;
    }
    const event = verdict.event;
    if (event.type === 'refund') {
      return (await this.applyBatchRefundEvent(ctx, method.code, event)).reply;
    }
    const label: TradeLabel = { outTradeNo: event.outTradeNo, tradeNo: event.tradeNo };
    const trade = await this.lookups.findTrade(ctx, event.outTradeNo);
    if (!trade) {
      Logger.warn(
        `${describeTrade(label)}: verified notification (${event.alipayStatus}) for a trade this channel never created; acknowledged`,
        loggerCtx,
      );
      return ALIPAY_ACK;
    }
    label.orderCode = trade.orderCode;
    if (trade.paymentMethodCode !== method.code) {
      Logger.warn(
        `${describeTrade(label)}: notification rejected (wrong_method): it arrived for payment method "${method.code}" but the trade belongs to "${trade.paymentMethodCode}"; acknowledged`,
        loggerCtx,
      );
      return ALIPAY_ACK;
    }
    try {
      return (await this.applyTradeEvent(ctx, trade, event, gateway.alipay)).reply;
    } catch (error) {
      Logger.error(
        `${describeTrade(label)}: notification (${event.alipayStatus}) could not be processed, nothing was changed; answered ${ALIPAY_NACK} so Alipay retries: ${describeError(error)}`,
        loggerCtx,
      );
      return ALIPAY_NACK;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // The one processing function

  /**
   * Applies one verified trade event (notification, status query) to the trade's order, the same way
   * whatever its source: in one transaction that first claims the receipt of the event, asks the core's
   * lifecycle what it means ({@link runTradeLifecycle}) and carries that out. A refusal, or news that
   * must wait for other news (answered `fail`), rolls everything back, the claim included. Orphans are
   * refunded after the commit when `autoRefundOrphanPayments` is on.
   */
  async applyTradeEvent(
    ctx: RequestContext,
    trade: AlipayTrade,
    event: TradeEvent,
    alipay: Alipay,
  ): Promise<EventOutcome> {
    const label: TradeLabel = {
      orderCode: trade.orderCode,
      outTradeNo: trade.outTradeNo,
      tradeNo: event.tradeNo,
    };
    const outcome = await this.ledger.processOnce(ctx, event, trade.outTradeNo, async txCtx => {
      const run = await runTradeLifecycle({
        facts: () => this.tradeFacts(txCtx, trade.id, event),
        refundedTotal: async () =>
          (await alipay.queryTrade({ outTradeNo: trade.outTradeNo, tradeNo: event.tradeNo }))?.refundedFen,
        refundAmount: async requestNo => {
          const answer = await alipay.queryRefund({
            outTradeNo: trade.outTradeNo,
            tradeNo: event.tradeNo,
            refundId: requestNo,
            refundRequestNo: requestNo,
          });
          return refundAmountFromQuery(answer);
        },
        apply: decision => this.applyDecision(txCtx, trade.id, event, decision),
      });
      const { decision } = run;
      const effect = decisionEffect(decision);
      if (decision.action === 'reject' || decision.action === 'retry_later') {
        const reason = decision.action === 'reject' ? decision.reason : 'retry_later';
        throw new EventNotApplied({
          kind: 'rejected',
          reply: run.reply,
          note: `rejected (${reason}): ${run.note}`,
        });
      }
      return {
        kind: effect === 'retry' || effect === 'rejected' ? 'rejected' : effect,
        reply: run.reply,
        note: run.note,
        ...(decision.action === 'orphan' ? { orphanTradeId: trade.id } : {}),
      };
    });
    const line = `${describeTrade(label)}: ${event.source} ${logSafeId(String(event.alipayStatus || event.status))} → ${outcome.kind}: ${outcome.note}; answered ${outcome.reply}`;
    if (outcome.kind === 'orphan') Logger.error(line, loggerCtx);
    else if (outcome.kind === 'rejected') Logger.warn(line, loggerCtx);
    else Logger.info(line, loggerCtx);
    if (outcome.orphanTradeId !== undefined && this.options.autoRefundOrphanPayments) {
      const orphan = await this.connection
        .getRepository(ctx, AlipayTrade)
        .findOneBy({ id: outcome.orphanTradeId });
      if (orphan) await this.refunds.refundOrphan(ctx, orphan, 'policy');
    }
    return outcome;
  }

  /** The facts the core's lifecycle decides on: the trade, its payment and refunds, the order. */
  private async tradeFacts(ctx: RequestContext, tradeId: ID, event: TradeEvent): Promise<TradeFacts> {
    const trade = await this.connection.getRepository(ctx, AlipayTrade).findOneByOrFail({ id: tradeId });
    const order = await this.lookups.orderForPayment(ctx, trade.orderId);
    if (order) order.payments = await this.orderService.getOrderPayments(ctx, order.id);
    const payment = order ? this.paymentOfTrade(order, trade, event.tradeNo) : undefined;
    const owedFen = order ? order.totalWithTax - totalCoveredByPayments(order) : 0;
    return {
      event,
      trade: {
        recordedStatus: trade.status,
        tradeNo: trade.tradeNo,
        amountFen: trade.amountFen,
        orphan: trade.orphanReason,
      },
      payment: payment ? toLifecyclePayment(payment) : null,
      order: order
        ? {
            exists: true,
            cancelled: order.state === 'Cancelled',
            currency: order.currencyCode,
            payable: PAYABLE_ORDER_STATES.includes(order.state),
            owedFen,
            paidOtherwise: Boolean(order.orderPlacedAt),
          }
        : MISSING_ORDER,
      refunds: await this.refunds.refundsOf(ctx, trade.outTradeNo),
    };
  }

  /** The order's payment of this trade: a live one first, else a cancelled one. */
  private paymentOfTrade(order: Order, trade: AlipayTrade, tradeNo: string): Payment | undefined {
    const ofTrade = order.payments.filter(
      p => p.transactionId === tradeNo && p.method === trade.paymentMethodCode && PAYMENT_STATES[p.state],
    );
    return ofTrade.find(p => p.state !== 'Cancelled') ?? ofTrade[0];
  }

  /** Carries out one decision of the core's lifecycle with Vendure's own mechanics. */
  private async applyDecision(
    ctx: RequestContext,
    tradeId: ID,
    event: TradeEvent,
    decision: TradeDecision,
  ): Promise<void> {
    if (!('status' in decision)) return;
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    const trade = await repo.findOneByOrFail({ id: tradeId });
    trade.tradeNo = trade.tradeNo ?? event.tradeNo;
    trade.status = decision.status;
    trade.lastEvent = eventFields(event);
    // An UPDATE of the three columns: `save()` would first read the row back to diff it.
    await repo.update(
      { id: trade.id },
      { tradeNo: trade.tradeNo, status: trade.status, lastEvent: trade.lastEvent },
    );
    await this.carryOut(ctx, trade, event, decision);
  }

  private async carryOut(
    ctx: RequestContext,
    trade: AlipayTrade,
    event: TradeEvent,
    decision: RecordingDecision,
  ): Promise<void> {
    const payment = async () => {
      const order = await this.lookups.orderForPayment(ctx, trade.orderId);
      if (!order) return undefined;
      order.payments = await this.orderService.getOrderPayments(ctx, order.id);
      return this.paymentOfTrade(order, trade, event.tradeNo);
    };
    switch (decision.action) {
      case 'ignore':
      case 'record':
        return;
      case 'add_payment':
        return this.addPayment(ctx, trade, event);
      case 'settle_payment': {
        const live = await payment();
        if (!live) throw new Error('the payment to settle is gone');
        const settled = await this.orderService.settlePayment(ctx, live.id);
        if (isGraphQlErrorResult(settled)) {
          throw new Error(
            `Vendure refused to settle payment ${live.id}: ${settled.errorCode}: ${settled.message}`,
          );
        }
        return this.lookups.addOrderNote(ctx, trade.orderId, HISTORY.receiptConfirmed(event.tradeNo));
      }
      case 'await_receipt':
        return this.lookups.addOrderNote(ctx, trade.orderId, HISTORY.awaitingReceipt(event.tradeNo));
      case 'cancel_payment': {
        const live = await payment();
        if (live) {
          // The trade is recorded TRADE_CLOSED already: cancelPayment below does not call Alipay.
          const cancelled = await this.orderService.cancelPayment(ctx, live.id);
          if (isGraphQlErrorResult(cancelled)) {
            throw new Error(`Vendure refused to cancel payment ${live.id}: ${cancelled.message}`);
          }
        }
        return this.lookups.flagOrder(ctx, trade.orderId, decision.alert);
      }
      case 'reconcile_refunds': {
        for (const id of decision.settle)
          await this.refunds.settleRow(ctx, id, `Alipay's refunded total (${event.source})`);
        if (decision.alipaySideFen > 0) {
          await this.refunds.recordAlipaySideRefund(
            ctx,
            trade,
            await payment(),
            decision.alipaySideFen,
            decision.alipaySideKey,
          );
        }
        if (decision.alert) await this.lookups.flagOrder(ctx, trade.orderId, decision.alert);
        return;
      }
      case 'settle_refund':
        await this.refunds.settleRow(ctx, decision.refundId, `Alipay's ${event.source}`);
        if (decision.alert) await this.lookups.flagOrder(ctx, trade.orderId, decision.alert);
        return;
      case 'orphan':
        return this.recordOrphan(ctx, trade, decision.reason);
      case 'orphan_refunded':
        return this.refunds.markOrphanRefunded(ctx, trade, event.refundRequestNo);
      case 'alert':
        return this.lookups.flagOrder(ctx, trade.orderId, decision.alert);
    }
  }

  /** Adds the verified payment to its order (moving an `AddingItems` order to `ArrangingPayment` first). */
  private async addPayment(ctx: RequestContext, trade: AlipayTrade, event: TradeEvent): Promise<void> {
    const order = await this.lookups.orderForPayment(ctx, trade.orderId);
    if (!order) throw new Error('the order to pay is gone');
    if (order.state === 'AddingItems') {
      const transitioned = await this.orderService.transitionToState(ctx, order.id, 'ArrangingPayment');
      if (isGraphQlErrorResult(transitioned)) {
        // Vendure will not take a payment for this order now (a custom process refused): an orphan.
        await this.recordOrphan(ctx, trade, 'order_not_payable');
        return;
      }
    }
    const added = await this.orderService.addPaymentToOrder(ctx, order.id, {
      method: trade.paymentMethodCode,
      metadata: this.paymentMetadata(trade, event) as unknown as Record<string, unknown>,
    });
    if (isGraphQlErrorResult(added)) {
      // Rolls the transaction back: the next delivery (or reconciliation) tries again.
      throw new Error(`Vendure refused the payment: ${added.errorCode}: ${added.message}`);
    }
  }

  /** A legacy `batch_refund_notify`: completes the refund (or orphan refund) with that batch number. */
  private async applyBatchRefundEvent(
    ctx: RequestContext,
    methodCode: string,
    event: RefundEvent,
  ): Promise<EventOutcome> {
    const trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
      where: { tradeNo: event.tradeNo, channelId: ctx.channelId },
    });
    const label: TradeLabel = {
      orderCode: trade?.orderCode,
      outTradeNo: trade?.outTradeNo,
      tradeNo: event.tradeNo,
    };
    let outcome: EventOutcome;
    try {
      outcome = await this.ledger.processOnce(ctx, event, trade?.outTradeNo ?? '', async txCtx => {
        const row = await this.refunds.findByRequestNo(txCtx, event.batchNo);
        const ours = row && trade?.paymentMethodCode === methodCode && row.outTradeNo === trade.outTradeNo;
        const decision = decideBatchRefund({ event, refund: ours ? toLifecycleRefund(row) : null });
        if (decision.action === 'settle_refund') {
          await this.refunds.settleRow(txCtx, decision.refundId, `batch_refund_notify ${event.batchNo}`);
        } else if (decision.action === 'fail_refund') {
          await this.refunds.failRow(txCtx, decision.refundId, `Alipay: ${decision.result}`);
        }
        return {
          kind: decision.action === 'ignore' ? 'ignored' : 'applied',
          reply: ALIPAY_ACK,
          note: decision.note,
        };
      });
    } catch (error) {
      Logger.error(
        `${describeTrade(label)}: batch_refund_notify ${event.batchNo} could not be processed; answered ${ALIPAY_NACK}: ${describeError(error)}`,
        loggerCtx,
      );
      return { kind: 'rejected', reply: ALIPAY_NACK, note: describeError(error) };
    }
    Logger.info(`${describeTrade(label)}: batch_refund_notify → ${outcome.kind}: ${outcome.note}`, loggerCtx);
    return outcome;
  }

  // ------------------------------------------------------------------------------------------------
  // Payment method handler operations

  /**
   * Builds the Vendure payment for a verified Alipay trade. Only metadata that this service built
   * from a verified event is accepted, so no other code path (another plugin calling
   * `addPaymentToOrder`, an Admin API script) can declare an order paid through Alipay.
   */
  async createPayment(
    _ctx: RequestContext,
    order: Order,
    amount: number,
    _settings: AlipayHandlerArgValues,
    metadata: PaymentMetadata,
    _method: PaymentMethod,
  ): Promise<CreatePaymentResult | CreatePaymentErrorResult> {
    if (!this.verifiedPaymentMetadata.has(metadata)) {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: refused an Alipay payment that does not come from a verified Alipay event`,
        loggerCtx,
      );
      return {
        amount,
        state: 'Error',
        errorMessage:
          'Alipay payments are recorded from verified Alipay notifications only / 支付宝付款只能由经过验签的支付宝通知记录',
      };
    }
    const verified = metadata as unknown as AlipayPaymentMetadata;
    return {
      amount: verified.amountFen,
      state: isReleasedStatus(verified.alipayStatus) ? 'Settled' : 'Authorized',
      transactionId: verified.tradeNo,
      metadata,
    };
  }

  /**
   * Settles an Authorized (escrow) payment. Alipay releases escrow money only when the buyer
   * confirms receipt (`TRADE_FINISHED`), so the recorded status, or else Alipay itself, decides:
   * an unfinished trade stays Authorized with a message saying why.
   */
  async settlePayment(
    ctx: RequestContext,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<SettlePaymentResult | SettlePaymentErrorResult> {
    const trade = await this.lookups.tradeOfPayment(ctx, payment);
    const label = { orderCode: order.code, outTradeNo: trade?.outTradeNo, tradeNo: payment.transactionId };
    if (trade && isReleasedStatus(trade.status)) {
      return { success: true, metadata: { alipayStatus: trade.status } };
    }
    let alipayStatus = trade?.status ?? '';
    const gateway = this.lookups.gatewayForPayment(method, payment, trade);
    if (gateway.ok && trade) {
      try {
        const event = await gateway.alipay.queryTrade({
          outTradeNo: trade.outTradeNo,
          tradeNo: payment.transactionId,
        });
        if (event) alipayStatus = event.alipayStatus;
        if (event && isReleasedStatus(event.alipayStatus)) {
          // Vendure settles the payment itself once this answers; only the trade's status is recorded.
          await this.connection
            .getRepository(ctx, AlipayTrade)
            .update(
              { id: trade.id },
              { status: nextRecordedStatus(trade.status, event.alipayStatus), lastEvent: eventFields(event) },
            );
          Logger.info(
            `${describeTrade(label)}: settled on request, Alipay reports ${event.alipayStatus}`,
            loggerCtx,
          );
          return { success: true, metadata: { alipayStatus: event.alipayStatus } };
        }
      } catch (error) {
        Logger.warn(
          `${describeTrade(label)}: could not ask Alipay before settling: ${describeError(error)}`,
          loggerCtx,
        );
      }
    }
    const message = escrowNotFinishedMessage(alipayStatus);
    Logger.warn(`${describeTrade(label)}: refused to settle: ${message.en}`, loggerCtx);
    return { success: false, state: 'Authorized', errorMessage: bilingual(message) };
  }

  /**
   * Cancels a payment by closing its Alipay trade; Alipay refuses for a paid trade (refund it instead).
   * A trade Alipay already closed (recorded `TRADE_CLOSED`) is cancelled without asking Alipay.
   */
  async cancelPayment(
    ctx: RequestContext,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CancelPaymentResult | CancelPaymentErrorResult> {
    const trade = await this.lookups.tradeOfPayment(ctx, payment);
    const outTradeNo = trade?.outTradeNo ?? (payment.metadata as { outTradeNo?: string } | null)?.outTradeNo;
    const label = { orderCode: order.code, outTradeNo, tradeNo: payment.transactionId };
    const keepState = payment.state as Exclude<PaymentState, 'Cancelled'>;
    if (trade?.status === 'TRADE_CLOSED') {
      Logger.info(`${describeTrade(label)}: payment cancelled; Alipay had closed the trade`, loggerCtx);
      return { success: true, metadata: { alipayClosed: true } };
    }
    const gateway = this.lookups.gatewayForPayment(method, payment, trade);
    if (!gateway.ok) {
      Logger.error(`${describeTrade(label)}: cancel refused: ${gateway.message.en}`, loggerCtx);
      return { success: false, state: keepState, errorMessage: bilingual(gateway.message) };
    }
    if (!outTradeNo) {
      return {
        success: false,
        state: keepState,
        errorMessage: bilingual(closeRefusedMessage('unknown trade')),
      };
    }
    try {
      const { existed } = await gateway.alipay.closeTrade({ outTradeNo, tradeNo: payment.transactionId });
      if (trade) {
        await this.connection
          .getRepository(ctx, AlipayTrade)
          .update({ id: trade.id }, { status: 'TRADE_CLOSED' });
      }
      Logger.info(`${describeTrade(label)}: trade closed on Alipay (existed: ${existed})`, loggerCtx);
      return { success: true, metadata: { alipayClosed: true } };
    } catch (error) {
      const message = closeRefusedMessage(describeError(error));
      Logger.warn(`${describeTrade(label)}: cancel refused: ${message.en}`, loggerCtx);
      return { success: false, state: keepState, errorMessage: bilingual(message) };
    }
  }

  /** Refunds (part of) a payment through Alipay: see {@link AlipayRefundService.createRefund}. */
  createRefund(
    ctx: RequestContext,
    _input: AlipayRefundOrderInput,
    amount: number,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CreateRefundResult> {
    return this.refunds.createRefund(ctx, amount, order, payment, method);
  }

  // ------------------------------------------------------------------------------------------------
  // Orphan payments

  /** Paid trades of the context's channel that could not be applied to their order. */
  async findOrphanPayments(ctx: RequestContext): Promise<AlipayOrphanPayment[]> {
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { channelId: ctx.channelId, orphanReason: Not(IsNull()) },
      order: { orphanDetectedAt: 'DESC' },
    });
    const outTradeNos = trades.map(t => t.outTradeNo);
    const refunds = await this.refunds.orphanRefunds(ctx, outTradeNos);
    const refunded = await this.refunds.settledFenOf(ctx, outTradeNos);
    return trades.map(trade =>
      toOrphanPayment(trade, refunds.get(trade.outTradeNo), refunded.get(trade.outTradeNo) ?? 0),
    );
  }

  /**
   * The Alipay trades of one order of the channel and their refunds, oldest first: what the admin's
   * order page shows (trade numbers, escrow shipment, orphan payments, refunds still open).
   */
  async orderSummary(ctx: RequestContext, orderId: ID): Promise<AlipayOrderSummary> {
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { channelId: ctx.channelId, orderId },
      order: { createdAt: 'ASC' },
    });
    const outTradeNos = trades.map(trade => trade.outTradeNo);
    const refunds = outTradeNos.length
      ? await this.connection.getRepository(ctx, AlipayRefund).find({
          where: { channelId: ctx.channelId, outTradeNo: In(outTradeNos) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const refunded = await this.refunds.settledFenOf(ctx, outTradeNos);
    return {
      trades: trades.map(trade => ({
        outTradeNo: trade.outTradeNo,
        tradeNo: trade.tradeNo,
        paymentMethodCode: trade.paymentMethodCode,
        interfaceType: trade.interfaceType,
        status: trade.status,
        amount: trade.amountFen,
        refundedAmount: refunded.get(trade.outTradeNo) ?? 0,
        shipmentConfirmedAt: trade.shipmentConfirmedAt,
        orphanReason: trade.orphanReason,
        orphanReasonText: trade.orphanReason
          ? bilingual(orphanReasonText(trade.orphanReason as OrphanReason))
          : null,
        createdAt: trade.createdAt,
      })),
      refunds: refunds.map(refund => ({
        outTradeNo: refund.outTradeNo,
        requestNo: refund.requestNo,
        amount: refund.amountFen,
        status: refund.status,
        origin: refund.origin,
        error: refund.error,
        confirmUrl: refund.confirmUrl,
        createdAt: refund.createdAt,
      })),
    };
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
    await this.refunds.refundOrphan(ctx, trade, 'admin');
    const refunds = await this.refunds.orphanRefunds(ctx, [trade.outTradeNo]);
    const refunded = await this.refunds.settledFenOf(ctx, [trade.outTradeNo]);
    return toOrphanPayment(
      await repo.findOneByOrFail({ id: trade.id }),
      refunds.get(trade.outTradeNo),
      refunded.get(trade.outTradeNo) ?? 0,
    );
  }

  private async recordOrphan(ctx: RequestContext, trade: AlipayTrade, reason: OrphanReason): Promise<void> {
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

  // ------------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Which facade verifies a notification. The body is only peeked at (nothing is trusted yet) to find
   * the stored trade it names (`out_trade_no`, or for a legacy `batch_refund_notify` the trade numbers
   * in `result_details`); a trade of this method is verified with its own generation, so a late
   * notification still verifies after the method switched interface type. For anything else (an unknown
   * trade, another method's trade) the current settings verify, as before.
   */
  private async notificationGateway(ctx: RequestContext, method: PaymentMethod, input: AlipayNotifyInput) {
    const peek = peekNotification(input.rawBody, input.contentType);
    let trade: AlipayTrade | null = null;
    if (peek?.outTradeNo) {
      trade = await this.lookups.findTrade(ctx, peek.outTradeNo);
    } else if (peek && peek.refundTradeNos.length > 0) {
      trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
        where: { tradeNo: In(peek.refundTradeNos), channelId: ctx.channelId },
      });
    }
    if (trade && trade.paymentMethodCode === method.code) {
      return { gateway: this.lookups.gatewayForTrade(method, trade), knownTrade: trade };
    }
    return { gateway: this.lookups.gatewayFor(method), knownTrade: undefined };
  }

  /**
   * Asks Alipay about one trade and applies the answer through {@link AlipayService.applyTradeEvent};
   * touches `lastQueriedAt` either way. `undefined` when Alipay could not be asked or has no such trade
   * (an unpaid trade Alipay never heard of is marked `ABANDONED` after the core's `ABANDON_AFTER_MS`).
   */
  async queryAndApply(
    ctx: RequestContext,
    trade: AlipayTrade,
    abandonAfterMs?: number,
  ): Promise<EventOutcome | undefined> {
    const repo = this.connection.rawConnection.getRepository(AlipayTrade);
    await repo.update({ id: trade.id }, { lastQueriedAt: new Date() });
    const method = await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = method ? this.lookups.gatewayForTrade(method, trade) : undefined;
    if (!gateway?.ok) {
      Logger.warn(
        `${describeTrade(trade)}: cannot query Alipay: ${gateway ? gateway.message.en : 'payment method missing'}`,
        loggerCtx,
      );
      return undefined;
    }
    let event: TradeEvent | null;
    try {
      event = await gateway.alipay.queryTrade({
        outTradeNo: trade.outTradeNo,
        tradeNo: trade.tradeNo ?? undefined,
      });
    } catch (error) {
      Logger.warn(`${describeTrade(trade)}: trade query failed: ${describeError(error)}`, loggerCtx);
      return undefined;
    }
    if (!event) {
      const abandoned =
        abandonAfterMs !== undefined &&
        [...UNPAID_RECORDED_STATUSES, 'SUPERSEDED'].includes(trade.status) &&
        Date.now() - trade.createdAt.getTime() > abandonAfterMs;
      if (abandoned) await repo.update({ id: trade.id }, { status: 'ABANDONED' });
      Logger.info(
        `${describeTrade(trade)}: Alipay has no such trade yet${abandoned ? '; marked ABANDONED' : ''}`,
        loggerCtx,
      );
      return undefined;
    }
    return this.applyTradeEvent(ctx, trade, event, gateway.alipay);
  }

  private paymentMetadata(trade: AlipayTrade, event: TradeEvent): AlipayPaymentMetadata {
    const metadata: AlipayPaymentMetadata = {
      tradeNo: event.tradeNo,
      outTradeNo: trade.outTradeNo,
      alipayStatus: event.alipayStatus,
      amountFen: event.amountFen,
      interfaceType: trade.interfaceType,
      paymentInterface: trade.paymentInterface,
      buyerId: event.buyer.id ?? null,
      paidAt: event.timestamps.paid ?? null,
      source: event.source,
      public: { tradeNo: event.tradeNo, outTradeNo: trade.outTradeNo },
    };
    this.verifiedPaymentMetadata.add(metadata);
    return metadata;
  }
}

function toLifecyclePayment(payment: Payment): LifecyclePayment {
  return { state: PAYMENT_STATES[payment.state] ?? 'cancelled', amountFen: payment.amount };
}

function toLifecycleRefund(row: AlipayRefund) {
  return {
    id: String(row.id),
    requestNo: row.requestNo,
    amountFen: row.amountFen,
    status: row.status,
    origin: row.origin,
  };
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
    reasonText: bilingual(orphanReasonText(reason)),
    detectedAt: trade.orphanDetectedAt ?? trade.updatedAt,
    refundStatus: refund?.status ?? null,
    refundRequestNo: refund?.requestNo ?? null,
    refundConfirmUrl: refund?.confirmUrl ?? null,
    refundError: refund?.error ?? null,
  };
}
