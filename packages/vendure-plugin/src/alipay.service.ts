import {
  ALIPAY_ACK,
  ALIPAY_NACK,
  type Alipay,
  AlipayError,
  AlipayNetworkError,
  isRefundNotification,
  peekNotification,
  type RefundEvent,
  type TradeEvent,
} from '@alipay-commerce/core';
import { Inject, Injectable } from '@nestjs/common';
import {
  type CancelPaymentErrorResult,
  type CancelPaymentResult,
  type Channel,
  ChannelNotFoundError,
  ChannelService,
  type CreatePaymentErrorResult,
  type CreatePaymentResult,
  type CreateRefundFn,
  type CreateRefundResult,
  HistoryService,
  type ID,
  isGraphQlErrorResult,
  Logger,
  Order,
  OrderService,
  type Payment,
  type PaymentMetadata,
  PaymentMethod,
  type PaymentState,
  Refund,
  RequestContext,
  RequestContextService,
  type SettlePaymentErrorResult,
  type SettlePaymentResult,
  TransactionalConnection,
  totalCoveredByPayments,
} from '@vendure/core';
import { In, IsNull, Not } from 'typeorm';
import { AlipayEventLedger, EventNotApplied, type EventOutcome } from './alipay-event-ledger';
import { AlipayGateways, type GatewayResult, type TradeOrigin } from './alipay-gateways';
import {
  bilingual,
  describeError,
  describeTrade,
  eventFields,
  hasKnownTradeStatus,
  isSettledAlipayStatus,
  KeyedMutex,
  logSafe,
  logSafeId,
  nextTradeStatus,
  PAYABLE_ORDER_STATES,
  refundRequestNoFor,
  type TradeLabel,
  UNPAID_TRADE_STATUSES,
} from './alipay-helpers';
import {
  type AlipayOrphanReason,
  closeRefusedMessage,
  escrowNotFinishedMessage,
  HISTORY,
  ORPHAN_REASON_TEXT,
} from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import type { AlipayHandlerArgs, AlipayHandlerArgValues } from './alipay-settings';
import { buildNotifyUrl, buildReturnUrl } from './alipay-urls';
import { ALIPAY_HANDLER_CODE, ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayNotifyInput, AlipayNotifyReply, AlipayOrphanPayment } from './types';

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

/** An unpaid trade Alipay has never heard of stops being queried after this long. */
const ABANDON_AFTER_MS = 48 * 60 * 60_000;

/**
 * The plugin's Alipay core for Vendure: notifications, the one function every verified piece of news
 * about a trade goes through, the payment handler's operations and orphan payments, plus the lookups
 * and gateways the plugin's other services share ({@link AlipayCheckoutService} for the storefront,
 * {@link AlipayShipmentService} for escrow shipments, {@link AlipayReconciliationService} for the
 * scheduled catch-up). The handler, the controller and the resolvers only delegate. Exported by the
 * plugin so a shop can build custom flows on top of it.
 *
 * Every verified piece of news about a trade (notification, return-page sync, reconciliation query)
 * goes through one function, {@link AlipayService.applyTradeEvent}, inside one transaction that
 * first claims a unique receipt for (trade number, status) ({@link AlipayEventLedger}): a duplicate
 * cannot be processed twice, and a failed transaction leaves no claim behind.
 */
@Injectable()
export class AlipayService {
  /** Serialises the refund of one orphan payment (a notification and reconciliation may both try). */
  private readonly orphanRefunds = new KeyedMutex();
  /** The Alipay facades: the current settings for new payments, the trade's generation for the rest. */
  private readonly gateways: AlipayGateways;
  /** Claims and remembers each event's receipt, so every event takes effect at most once. */
  private readonly ledger: AlipayEventLedger;
  /** Metadata objects built here from verified events: the only ones `createPayment` accepts. */
  private readonly verifiedPaymentMetadata = new WeakSet<object>();

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly channelService: ChannelService,
    private readonly requestContextService: RequestContextService,
    private readonly orderService: OrderService,
    private readonly historyService: HistoryService,
  ) {
    this.gateways = new AlipayGateways(options.http);
    this.ledger = new AlipayEventLedger(connection);
  }

  // ------------------------------------------------------------------------------------------------
  // URLs

  /** The `notify_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  notifyUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildNotifyUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  /** The `return_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  returnUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildReturnUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  // ------------------------------------------------------------------------------------------------
  // HTTP endpoints

  /**
   * Processes one delivery to the notify endpoint and returns the reply Alipay must read: `success`
   * once the notification is processed or deliberately ignored (duplicate, unknown trade, wrong
   * amount, cancelled order…), `fail` only when Alipay's retry can help (bad signature, settings,
   * transient errors).
   */
  async handleNotify(input: AlipayNotifyInput): Promise<AlipayNotifyReply> {
    const channel = await this.channelByToken(input.channelToken);
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
    const method = await this.findAlipayMethod(ctx, input.paymentMethodCode);
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
      const known = verdict.outTradeNo ? await this.findTrade(ctx, verdict.outTradeNo) : undefined;
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
    const trade = await this.findTrade(ctx, event.outTradeNo);
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
      state: isSettledAlipayStatus(verified.alipayStatus) ? 'Settled' : 'Authorized',
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
    const trade = await this.tradeOfPayment(ctx, payment);
    const label = { orderCode: order.code, outTradeNo: trade?.outTradeNo, tradeNo: payment.transactionId };
    if (trade && isSettledAlipayStatus(trade.status)) {
      return { success: true, metadata: { alipayStatus: trade.status } };
    }
    let alipayStatus = trade?.status ?? '';
    const gateway = this.gatewayForPayment(method, payment, trade);
    if (gateway.ok && trade) {
      try {
        const event = await gateway.alipay.queryTrade({
          outTradeNo: trade.outTradeNo,
          tradeNo: payment.transactionId,
        });
        if (event) {
          alipayStatus = event.alipayStatus;
          if (event.status === 'finished' || event.status === 'paid') {
            await this.connection
              .getRepository(ctx, AlipayTrade)
              .update(
                { id: trade.id },
                { status: nextTradeStatus(trade.status, event.alipayStatus), lastEvent: eventFields(event) },
              );
            Logger.info(
              `${describeTrade(label)}: settled on request, Alipay reports ${event.alipayStatus}`,
              loggerCtx,
            );
            return { success: true, metadata: { alipayStatus: event.alipayStatus } };
          }
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

  /** Cancels a payment by closing its Alipay trade; Alipay refuses for a paid trade (refund it instead). */
  async cancelPayment(
    ctx: RequestContext,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CancelPaymentResult | CancelPaymentErrorResult> {
    const trade = await this.tradeOfPayment(ctx, payment);
    const outTradeNo = trade?.outTradeNo ?? (payment.metadata as { outTradeNo?: string } | null)?.outTradeNo;
    const label = { orderCode: order.code, outTradeNo, tradeNo: payment.transactionId };
    const gateway = this.gatewayForPayment(method, payment, trade);
    const keepState = payment.state as Exclude<PaymentState, 'Cancelled'>;
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

  /**
   * Refunds (part of) a payment through Alipay. Vendure calls this before the `Refund` row exists,
   * so the refund is identified by `{orderCode}-P{paymentId}-R{n}` (n = this payment's refund count
   * + 1), which the core turns into Alipay's idempotency number: the same Vendure refund can never
   * refund twice. OpenAPI answers at once (`Settled`); legacy refunds stay `Pending` until
   * `batch_refund_notify` (without the no-password contract the seller must first confirm on the
   * Alipay page linked in the refund metadata and the order history).
   *
   * The Alipay request number is derived before the call and stored as the refund's transaction ID
   * whatever happens: when Alipay's answer is lost the refund stays `Pending` (`uncertain`), Alipay's
   * refund notification can still find it, and {@link AlipayReconciliationService.resolveUncertainRefunds} asks Alipay about it
   * and sends the same request (same number) again if needed.
   */
  async createRefund(
    ctx: RequestContext,
    input: AlipayRefundOrderInput,
    amount: number,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CreateRefundResult> {
    const trade = await this.tradeOfPayment(ctx, payment);
    const outTradeNo =
      trade?.outTradeNo ?? (payment.metadata as { outTradeNo?: string } | null)?.outTradeNo ?? '';
    const label = { orderCode: order.code, outTradeNo, tradeNo: payment.transactionId };
    const refundKey = `${order.code}-P${payment.id}-R${(payment.refunds?.length ?? 0) + 1}`;
    const gateway = this.gatewayForPayment(method, payment, trade);
    if (!gateway.ok) {
      // Nothing was sent to Alipay: the refund fails visibly instead of waiting for an answer that never comes.
      Logger.error(
        `${describeTrade(label)}: refund ${refundKey} not submitted: ${gateway.message.en}`,
        loggerCtx,
      );
      return {
        state: 'Failed',
        metadata: {
          refundKey,
          errorCode: 'SETTINGS_INVALID',
          errorMessage: bilingual(gateway.message),
          missingSettings: gateway.issues.map(issue => issue.field),
        },
      };
    }
    const refundRequestNo = refundRequestNoFor(gateway.interfaceType, refundKey);
    try {
      const outcome = await gateway.alipay.refund({
        outTradeNo,
        tradeNo: payment.transactionId,
        refundId: refundKey,
        amountFen: amount,
        reason: input.reason ?? undefined,
        notifyUrl: this.notifyUrl(ctx, method.code),
        refundRequestNo,
      });
      Logger.info(
        `${describeTrade(label)}: refund ${refundKey} of ${amount} fen → ${outcome.status} (Alipay request ${outcome.refundRequestNo})`,
        loggerCtx,
      );
      const metadata = {
        refundKey,
        refundRequestNo: outcome.refundRequestNo,
        alipayRefundStatus: outcome.status,
      };
      switch (outcome.status) {
        case 'succeeded':
          return {
            state: 'Settled',
            transactionId: outcome.refundRequestNo,
            metadata: { ...metadata, refundedTotalFen: outcome.refundedTotalFen },
          };
        case 'pending':
          return { state: 'Pending', transactionId: outcome.refundRequestNo, metadata };
        case 'requires_action':
          await this.addOrderNote(
            ctx,
            order.id,
            HISTORY.refundNeedsConfirmation(outcome.refundRequestNo, amount, outcome.confirmUrl),
          );
          return {
            state: 'Pending',
            transactionId: outcome.refundRequestNo,
            metadata: { ...metadata, confirmUrl: outcome.confirmUrl },
          };
      }
    } catch (error) {
      if (error instanceof AlipayNetworkError) {
        // The request may have reached Alipay: claiming failure could lead to a second refund.
        Logger.error(
          `${describeTrade(label)}: refund ${refundKey}: no answer from Alipay (${describeError(error)}); left Pending`,
          loggerCtx,
        );
        await this.addOrderNote(ctx, order.id, HISTORY.refundUncertain(refundRequestNo, error.code));
        return {
          state: 'Pending',
          transactionId: refundRequestNo,
          metadata: { refundKey, refundRequestNo, uncertain: true, errorMessage: error.message },
        };
      }
      Logger.error(
        `${describeTrade(label)}: refund ${refundKey} refused: ${describeError(error)}`,
        loggerCtx,
      );
      return {
        state: 'Failed',
        metadata: {
          refundKey,
          errorCode: error instanceof AlipayError ? error.code : 'UNEXPECTED',
          errorMessage: error instanceof AlipayError ? bilingual(error.hint) : describeError(error),
        },
      };
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Orphan payments

  /** Paid trades of the context's channel that could not be applied to their order. */
  async findOrphanPayments(ctx: RequestContext): Promise<AlipayOrphanPayment[]> {
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { channelId: ctx.channelId, orphanReason: Not(IsNull()) },
      order: { orphanDetectedAt: 'DESC' },
    });
    return trades.map(toOrphanPayment);
  }

  /**
   * Refunds an orphan payment in full, once: a refund that succeeded, is pending or awaits the
   * seller's confirmation is never requested again, and the refund number is derived from the trade
   * number, so Alipay too recognises a repeated request.
   */
  async refundOrphanPayment(
    ctx: RequestContext,
    outTradeNo: string,
  ): Promise<AlipayOrphanPayment | undefined> {
    const trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
      where: { outTradeNo, channelId: ctx.channelId, orphanReason: Not(IsNull()) },
    });
    if (!trade) {
      return undefined;
    }
    await this.refundOrphan(ctx, trade.id);
    const refreshed = await this.connection.getRepository(ctx, AlipayTrade).findOneByOrFail({ id: trade.id });
    return toOrphanPayment(refreshed);
  }

  // ------------------------------------------------------------------------------------------------
  // The one processing function

  /**
   * Applies one verified trade event (notification, status query) to the trade's order, the same
   * way whatever its source: in one transaction that first claims the receipt for (trade number,
   * status); rejected events roll back (no claim survives), orphans are recorded and, when
   * `autoRefundOrphanPayments` is on, refunded after the commit.
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
    let outcome: EventOutcome;
    if (!hasKnownTradeStatus(event)) {
      outcome = {
        kind: 'rejected',
        reply: ALIPAY_ACK,
        note: `rejected (unknown_status): trade_status ${JSON.stringify(String(event.alipayStatus)).slice(0, 80)} is not one of Alipay's statuses`,
      };
    } else if (trade.tradeNo && trade.tradeNo !== event.tradeNo) {
      outcome = {
        kind: 'rejected',
        reply: ALIPAY_ACK,
        note: `rejected (wrong_trade): Alipay trade ${event.tradeNo} differs from the recorded ${trade.tradeNo}`,
      };
    } else {
      outcome = await this.ledger.processOnce(ctx, event, trade.outTradeNo, async txCtx => {
        const current = await this.connection
          .getRepository(txCtx, AlipayTrade)
          .findOneByOrFail({ id: trade.id });
        return isRefundNotification(event)
          ? this.applyRefundTradeEvent(txCtx, current, event)
          : this.applyPaymentTradeEvent(txCtx, current, event, alipay);
      });
    }
    const line = `${describeTrade(label)}: ${event.source} ${logSafeId(String(event.alipayStatus || event.status))} → ${outcome.kind}: ${outcome.note}; answered ${outcome.reply}`;
    if (outcome.kind === 'orphan') {
      Logger.error(line, loggerCtx);
    } else if (outcome.kind === 'rejected') {
      Logger.warn(line, loggerCtx);
    } else {
      Logger.info(line, loggerCtx);
    }
    if (outcome.orphanTradeId !== undefined && this.options.autoRefundOrphanPayments) {
      await this.refundOrphan(ctx, outcome.orphanTradeId);
    }
    return outcome;
  }

  private async applyPaymentTradeEvent(
    ctx: RequestContext,
    trade: AlipayTrade,
    event: TradeEvent,
    alipay: Alipay,
  ): Promise<EventOutcome> {
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    const previousStatus = trade.status;
    trade.tradeNo = event.tradeNo;
    trade.lastEvent = eventFields(event);
    trade.status = nextTradeStatus(trade.status, event.alipayStatus);
    // An UPDATE of the three columns: `save()` would first read the row back to diff it.
    await repo.update(
      { id: trade.id },
      { tradeNo: trade.tradeNo, lastEvent: trade.lastEvent, status: trade.status },
    );
    if (trade.orphanReason) {
      return {
        kind: 'ignored',
        reply: ALIPAY_ACK,
        note: `already recorded as an orphan (${trade.orphanReason})`,
      };
    }
    if (event.status === 'waiting_payment' || event.status === 'closed') {
      const late = trade.status !== event.alipayStatus;
      return {
        kind: 'recorded',
        reply: ALIPAY_ACK,
        note: late ? `out of order after ${previousStatus}, nothing changed` : 'recorded, no payment yet',
      };
    }
    const order = await this.orderForPayment(ctx, trade.orderId);
    if (!order) {
      return this.recordOrphan(ctx, trade, undefined, 'order_missing');
    }
    order.payments = await this.orderService.getOrderPayments(ctx, order.id);
    const existing = order.payments.find(
      p =>
        p.transactionId === event.tradeNo &&
        p.method === trade.paymentMethodCode &&
        p.state !== 'Cancelled' &&
        p.state !== 'Error' &&
        p.state !== 'Declined',
    );
    if (existing) {
      return this.advanceExistingPayment(ctx, trade, event, order, existing);
    }
    if (order.state === 'Cancelled') {
      return this.recordOrphan(ctx, trade, order, 'order_cancelled');
    }
    if (order.currencyCode !== 'CNY') {
      return this.recordOrphan(ctx, trade, order, 'currency_not_cny');
    }
    const owed = order.totalWithTax - totalCoveredByPayments(order);
    if (!PAYABLE_ORDER_STATES.includes(order.state) || owed <= 0) {
      return this.recordOrphan(
        ctx,
        trade,
        order,
        order.orderPlacedAt || owed <= 0 ? 'order_already_paid' : 'order_not_payable',
      );
    }
    const rejection = alipay.checkEvent(event, { outTradeNo: trade.outTradeNo, amountFen: owed });
    if (rejection) {
      if (rejection.reason === 'wrong_amount' && event.amountFen === trade.amountFen) {
        // Alipay took exactly what we asked for, but the cart changed meanwhile: real money, no order.
        return this.recordOrphan(ctx, trade, order, 'amount_changed');
      }
      throw new EventNotApplied({
        kind: 'rejected',
        reply: rejection.reply,
        note: `rejected (${rejection.reason}): ${rejection.message}`,
      });
    }
    if (order.state === 'AddingItems') {
      const transitioned = await this.orderService.transitionToState(ctx, order.id, 'ArrangingPayment');
      if (isGraphQlErrorResult(transitioned)) {
        return this.recordOrphan(ctx, trade, order, 'order_not_payable', transitioned.message);
      }
    }
    const metadata = this.paymentMetadata(trade, event);
    const added = await this.orderService.addPaymentToOrder(ctx, order.id, {
      method: trade.paymentMethodCode,
      metadata: metadata as unknown as Record<string, unknown>,
    });
    if (isGraphQlErrorResult(added)) {
      // Rolls the transaction back: the next delivery (or reconciliation) tries again.
      throw new Error(`Vendure refused the payment: ${added.errorCode}: ${added.message}`);
    }
    const state = isSettledAlipayStatus(event.alipayStatus) ? 'Settled' : 'Authorized';
    return {
      kind: 'applied',
      reply: ALIPAY_ACK,
      note: `payment of ${event.amountFen} fen recorded as ${state}; order now ${added.state}`,
    };
  }

  private async advanceExistingPayment(
    ctx: RequestContext,
    trade: AlipayTrade,
    event: TradeEvent,
    order: Order,
    payment: Payment,
  ): Promise<EventOutcome> {
    if (event.amountFen !== payment.amount) {
      throw new EventNotApplied({
        kind: 'rejected',
        reply: ALIPAY_ACK,
        note: `rejected (wrong_amount): ${event.amountFen} fen differs from the recorded payment of ${payment.amount} fen`,
      });
    }
    if ((event.status === 'finished' || event.status === 'paid') && payment.state === 'Authorized') {
      const settled = await this.orderService.settlePayment(ctx, payment.id);
      if (isGraphQlErrorResult(settled)) {
        throw new Error(
          `Vendure refused to settle payment ${payment.id}: ${settled.errorCode}: ${settled.message}`,
        );
      }
      await this.addOrderNote(ctx, order.id, HISTORY.receiptConfirmed(event.tradeNo));
      return { kind: 'applied', reply: ALIPAY_ACK, note: `escrow released: payment ${payment.id} settled` };
    }
    if (event.status === 'shipped_awaiting_receipt') {
      await this.addOrderNote(ctx, order.id, HISTORY.awaitingReceipt(event.tradeNo));
      return {
        kind: 'recorded',
        reply: ALIPAY_ACK,
        note: 'shipped, waiting for the buyer to confirm receipt',
      };
    }
    return {
      kind: 'ignored',
      reply: ALIPAY_ACK,
      note: `payment ${payment.id} is already ${payment.state}; trade recorded as ${trade.status}`,
    };
  }

  /** An OpenAPI refund notification (or a legacy trade notification about a refund): never a payment. */
  private async applyRefundTradeEvent(
    ctx: RequestContext,
    trade: AlipayTrade,
    event: TradeEvent,
  ): Promise<EventOutcome> {
    trade.tradeNo = trade.tradeNo ?? event.tradeNo;
    trade.lastEvent = eventFields(event);
    if (event.status === 'closed') {
      trade.status = 'TRADE_CLOSED';
    }
    await this.connection.getRepository(ctx, AlipayTrade).save(trade);
    const refundRequestNo = event.refundRequestNo;
    if (refundRequestNo === undefined) {
      return {
        kind: 'recorded',
        reply: ALIPAY_ACK,
        note: 'legacy refund status recorded; batch_refund_notify completes it',
      };
    }
    const refund = await this.findRefund(ctx, refundRequestNo, event.tradeNo);
    if (!refund && trade.orphanReason) {
      // An orphan has no Vendure payment: a refund of its trade is the orphan refund.
      if (trade.orphanRefund?.status !== 'succeeded') {
        trade.orphanRefund = { refundRequestNo, status: 'succeeded', at: new Date().toISOString() };
        await this.connection.getRepository(ctx, AlipayTrade).save(trade);
      }
      return { kind: 'applied', reply: ALIPAY_ACK, note: `orphan refund ${refundRequestNo} confirmed` };
    }
    if (!refund) {
      return {
        kind: 'recorded',
        reply: ALIPAY_ACK,
        note: `refund ${refundRequestNo} (refunded total ${event.refundedFen ?? '?'} fen) is not a Vendure refund; recorded`,
      };
    }
    if (refund.state !== 'Pending') {
      return { kind: 'ignored', reply: ALIPAY_ACK, note: `refund ${refund.id} is already ${refund.state}` };
    }
    if ((refund.metadata as { uncertain?: boolean } | null)?.uncertain) {
      // Alipay's notification is the answer that had been lost.
      refund.metadata = { ...refund.metadata, uncertain: false, resolvedBy: 'refund notification' };
      await this.connection.getRepository(ctx, Refund).save(refund, { reload: false });
    }
    await this.orderService.transitionRefundToState(ctx, refund.id, 'Settled');
    return { kind: 'applied', reply: ALIPAY_ACK, note: `refund ${refund.id} settled` };
  }

  /** A legacy `batch_refund_notify`: completes the Pending refund (or orphan refund) it reports on. */
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
        const refund = await this.findRefund(txCtx, event.batchNo, event.tradeNo);
        // An orphan has no Vendure payment, so a refund of its trade is the orphan refund, even when
        // this notification overtakes the plugin's own record of the refund request.
        if (!refund && trade?.orphanReason) {
          const current = await this.connection
            .getRepository(txCtx, AlipayTrade)
            .findOneByOrFail({ id: trade.id });
          const succeeded = event.successCount > 0;
          current.orphanRefund = {
            ...(current.orphanRefund ?? { at: '' }),
            refundRequestNo: event.batchNo,
            status: succeeded ? 'succeeded' : 'failed',
            error: succeeded ? undefined : event.items.map(i => i.result).join(','),
            at: new Date().toISOString(),
          };
          await this.connection.getRepository(txCtx, AlipayTrade).save(current);
          return {
            kind: 'applied',
            reply: ALIPAY_ACK,
            note: `orphan refund batch ${event.batchNo}: ${succeeded ? 'succeeded' : 'failed'}`,
          };
        }
        if (!refund || refund.payment.method !== methodCode) {
          return {
            kind: 'recorded',
            reply: ALIPAY_ACK,
            note: `batch ${event.batchNo} is not a Vendure refund of this method; recorded`,
          };
        }
        if (refund.state !== 'Pending') {
          return {
            kind: 'ignored',
            reply: ALIPAY_ACK,
            note: `refund ${refund.id} is already ${refund.state}`,
          };
        }
        const item = event.items.find(i => i.tradeNo === refund.payment.transactionId) ?? event.items[0];
        const succeeded = item?.success === true;
        refund.metadata = { ...refund.metadata, alipayResult: item?.result ?? 'UNKNOWN', uncertain: false };
        await this.connection.getRepository(txCtx, Refund).save(refund, { reload: false });
        await this.orderService.transitionRefundToState(txCtx, refund.id, succeeded ? 'Settled' : 'Failed');
        return {
          kind: 'applied',
          reply: ALIPAY_ACK,
          note: `refund ${refund.id} (batch ${event.batchNo}) ${succeeded ? 'settled' : `failed: ${item?.result}`}`,
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

  private async recordOrphan(
    ctx: RequestContext,
    trade: AlipayTrade,
    order: Order | undefined,
    reason: AlipayOrphanReason,
    detail?: string,
  ): Promise<EventOutcome> {
    trade.orphanReason = reason;
    trade.orphanDetectedAt = new Date();
    await this.connection.getRepository(ctx, AlipayTrade).save(trade);
    if (order) {
      await this.addOrderNote(
        ctx,
        order.id,
        HISTORY.orphan(
          trade.tradeNo ?? trade.outTradeNo,
          trade.amountFen,
          reason,
          this.options.autoRefundOrphanPayments,
        ),
      );
    }
    return {
      kind: 'orphan',
      reply: ALIPAY_ACK,
      note: `orphan payment of ${trade.amountFen} fen: ${ORPHAN_REASON_TEXT[reason].en}${detail ? ` (${detail})` : ''}; ${
        this.options.autoRefundOrphanPayments
          ? 'refunding automatically'
          : 'must be refunded by an administrator'
      }`,
      orphanTradeId: trade.id,
    };
  }

  /**
   * Refunds an orphan payment in full unless a refund of it succeeded, is pending or awaits the seller
   * (one at a time per trade); the outcome goes to the trade record, the log and the order history.
   */
  async refundOrphan(ctx: RequestContext, tradeId: ID): Promise<void> {
    await this.orphanRefunds.run(`orphan-refund:${tradeId}`, async () => {
      const repo = this.connection.rawConnection.getRepository(AlipayTrade);
      const trade = await repo.findOneBy({ id: tradeId });
      if (!trade?.orphanReason || !trade.tradeNo) {
        return;
      }
      if (trade.orphanRefund && trade.orphanRefund.status !== 'failed') {
        return;
      }
      const label = { orderCode: trade.orderCode, outTradeNo: trade.outTradeNo, tradeNo: trade.tradeNo };
      const method = await this.findAlipayMethod(ctx, trade.paymentMethodCode);
      const gateway = method ? this.gatewayForTrade(method, trade) : undefined;
      const at = new Date().toISOString();
      let refundRequestNo: string | undefined;
      if (!gateway?.ok) {
        const error = gateway ? bilingual(gateway.message) : 'payment method missing';
        trade.orphanRefund = { status: 'failed', error, at };
      } else {
        try {
          // A retry (after a refusal) sends the number of the first attempt again.
          const refundId = `orphan-${trade.tradeNo}`;
          refundRequestNo =
            trade.orphanRefund?.refundRequestNo ?? refundRequestNoFor(gateway.interfaceType, refundId);
          const outcome = await gateway.alipay.refund({
            outTradeNo: trade.outTradeNo,
            tradeNo: trade.tradeNo,
            refundId,
            amountFen: trade.amountFen,
            reason: 'Payment could not be applied to the order / 付款无法计入订单',
            notifyUrl: this.notifyUrl(ctx, trade.paymentMethodCode),
            refundRequestNo,
          });
          trade.orphanRefund = {
            status: outcome.status,
            refundRequestNo: outcome.refundRequestNo,
            confirmUrl: outcome.status === 'requires_action' ? outcome.confirmUrl : undefined,
            at,
          };
        } catch (error) {
          // Without an answer the refund may have happened: never retry it automatically then.
          trade.orphanRefund = {
            status: error instanceof AlipayNetworkError ? 'pending' : 'failed',
            refundRequestNo,
            error: describeError(error),
            at,
          };
        }
      }
      // A batch_refund_notify may have completed the refund while Alipay was answering: keep that.
      const settledMeanwhile = (await repo.findOneBy({ id: tradeId }))?.orphanRefund;
      if (settledMeanwhile && settledMeanwhile.status !== 'failed') {
        trade.orphanRefund = settledMeanwhile;
      }
      await repo.update({ id: tradeId }, { orphanRefund: trade.orphanRefund });
      const refund = trade.orphanRefund;
      const line = `${describeTrade(label)}: refund of orphan payment → ${refund.status}${refund.error ? `: ${refund.error}` : ''}`;
      if (refund.status === 'failed') {
        Logger.error(line, loggerCtx);
      } else {
        Logger.info(line, loggerCtx);
      }
      const orderExists = await this.connection.rawConnection
        .getRepository(Order)
        .existsBy({ id: trade.orderId });
      if (orderExists) {
        await this.addOrderNote(
          ctx,
          trade.orderId,
          refund.status === 'failed'
            ? HISTORY.orphanRefundFailed(trade.tradeNo, refund.error ?? '')
            : HISTORY.orphanRefunded(trade.tradeNo, refund.status),
        );
      }
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Helpers

  /**
   * The Alipay facade for NEW payments of a payment method: its current settings (secrets resolved),
   * cached per distinct settings; or the issues that make the settings unusable. Anything about an
   * existing trade goes through {@link AlipayService.gatewayForTrade} instead.
   */
  gatewayFor(method: PaymentMethod): GatewayResult {
    return this.gateways.current(method);
  }

  /**
   * The Alipay facade for an existing trade: built for the `interfaceType` the trade was made with, from
   * the method's stored credentials of that generation, even after the method switched between legacy
   * and OpenAPI. Fails (with a bilingual message naming the missing fields) rather than fall back to
   * the other generation.
   */
  gatewayForTrade(method: PaymentMethod, trade: TradeOrigin): GatewayResult {
    return this.gateways.forTrade(method, trade);
  }

  /**
   * The facade for a Vendure payment's trade: the trade's own generation, or the one the payment's
   * metadata recorded when the trade row is gone; the current settings only when neither is known.
   */
  private gatewayForPayment(
    method: PaymentMethod,
    payment: Payment,
    trade: AlipayTrade | null,
  ): GatewayResult {
    if (trade) {
      return this.gatewayForTrade(method, trade);
    }
    const metadata = payment.metadata as Partial<AlipayPaymentMetadata> | null;
    if (typeof metadata?.interfaceType === 'string' && typeof metadata.outTradeNo === 'string') {
      return this.gatewayForTrade(method, {
        outTradeNo: metadata.outTradeNo,
        interfaceType: metadata.interfaceType,
        createdWith: null,
      });
    }
    return this.gatewayFor(method);
  }

  /**
   * Which facade verifies a notification. The body is only peeked at (nothing is trusted yet) to find
   * the stored trade it names (`out_trade_no`, or for a legacy `batch_refund_notify` the trade numbers
   * in `result_details`); a trade of this method is verified with its own generation, so a late
   * notification still verifies after the method switched interface type. For anything else (an unknown
   * trade, another method's trade) the current settings verify, as before.
   */
  private async notificationGateway(
    ctx: RequestContext,
    method: PaymentMethod,
    input: AlipayNotifyInput,
  ): Promise<{ gateway: GatewayResult; knownTrade?: AlipayTrade }> {
    const peek = peekNotification(input.rawBody, input.contentType);
    let trade: AlipayTrade | null = null;
    if (peek?.outTradeNo) {
      trade = await this.findTrade(ctx, peek.outTradeNo);
    } else if (peek && peek.refundTradeNos.length > 0) {
      trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
        where: { tradeNo: In(peek.refundTradeNos), channelId: ctx.channelId },
      });
    }
    if (trade && trade.paymentMethodCode === method.code) {
      return { gateway: this.gatewayForTrade(method, trade), knownTrade: trade };
    }
    return { gateway: this.gatewayFor(method) };
  }

  /** The context channel's payment method with this code, when it uses the Alipay handler. */
  async findAlipayMethod(ctx: RequestContext, code: string): Promise<PaymentMethod | undefined> {
    const method = await this.connection
      .getRepository(ctx, PaymentMethod)
      .createQueryBuilder('method')
      .innerJoin('method.channels', 'channel', 'channel.id = :channelId', { channelId: ctx.channelId })
      .where('method.code = :code', { code })
      .getOne();
    return method?.handler.code === ALIPAY_HANDLER_CODE ? method : undefined;
  }

  /**
   * The order a payment event is about, in the context's channel: its own columns only (state, totals,
   * currency, placed date), which is all the checks before Vendure's `addPaymentToOrder` need. Vendure's
   * `OrderService.findOne` would also load lines, variants, promotions and shipping, and
   * `addPaymentToOrder` loads the order itself again anyway.
   */
  private orderForPayment(ctx: RequestContext, orderId: ID): Promise<Order | null> {
    return this.connection
      .getRepository(ctx, Order)
      .createQueryBuilder('order')
      .innerJoin('order.channels', 'channel', 'channel.id = :channelId', { channelId: ctx.channelId })
      .where('order.id = :orderId', { orderId })
      .getOne();
  }

  private findTrade(ctx: RequestContext, outTradeNo: string): Promise<AlipayTrade | null> {
    return this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { outTradeNo, channelId: ctx.channelId } });
  }

  private async tradeOfPayment(ctx: RequestContext, payment: Payment): Promise<AlipayTrade | null> {
    if (!payment.transactionId) {
      return null;
    }
    return this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { tradeNo: payment.transactionId } });
  }

  private findRefund(ctx: RequestContext, transactionId: string, tradeNo: string): Promise<Refund | null> {
    return this.connection
      .getRepository(ctx, Refund)
      .createQueryBuilder('refund')
      .innerJoinAndSelect('refund.payment', 'payment')
      .where('refund.transactionId = :transactionId', { transactionId })
      .andWhere('payment.transactionId = :tradeNo', { tradeNo })
      .getOne();
  }

  /** The channel with this token, or `undefined` (never an error) when there is none. */
  async channelByToken(token: string): Promise<Channel | undefined> {
    try {
      return await this.channelService.getChannelFromToken(token);
    } catch (error) {
      if (error instanceof ChannelNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /** An admin context for a channel, as the webhook and background work use. */
  async channelContext(channelId: ID): Promise<RequestContext | undefined> {
    const defaultCtx = await this.requestContextService.create({ apiType: 'admin' });
    const channel = await this.channelService.findOne(defaultCtx, channelId);
    return channel
      ? this.requestContextService.create({ apiType: 'admin', channelOrToken: channel })
      : undefined;
  }

  /**
   * Asks Alipay about one trade and applies the answer through {@link AlipayService.applyTradeEvent};
   * touches `lastQueriedAt` either way. `undefined` when Alipay could not be asked or has no such trade.
   */
  async queryAndApply(ctx: RequestContext, trade: AlipayTrade): Promise<EventOutcome | undefined> {
    const repo = this.connection.rawConnection.getRepository(AlipayTrade);
    await repo.update({ id: trade.id }, { lastQueriedAt: new Date() });
    const method = await this.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = method ? this.gatewayForTrade(method, trade) : undefined;
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
        UNPAID_TRADE_STATUSES.concat('SUPERSEDED').includes(trade.status) &&
        Date.now() - trade.createdAt.getTime() > ABANDON_AFTER_MS;
      if (abandoned) {
        await repo.update({ id: trade.id }, { status: 'ABANDONED' });
      }
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

  /** Adds an admin-only bilingual note to the order's history. */
  async addOrderNote(ctx: RequestContext, orderId: ID, note: { en: string; zh: string }): Promise<void> {
    type HistoryType = Parameters<HistoryService['createHistoryEntryForOrder']>[0]['type'];
    await this.historyService.createHistoryEntryForOrder(
      {
        ctx,
        orderId,
        // HistoryEntryType.ORDER_NOTE: an admin-only note in the order's timeline.
        type: 'ORDER_NOTE' as HistoryType,
        data: { note: bilingual(note) },
      },
      false,
    );
  }
}

function toOrphanPayment(trade: AlipayTrade): AlipayOrphanPayment {
  const reason = trade.orphanReason as AlipayOrphanReason;
  return {
    outTradeNo: trade.outTradeNo,
    tradeNo: trade.tradeNo,
    orderCode: trade.orderCode,
    orderId: trade.orderId,
    paymentMethodCode: trade.paymentMethodCode,
    amount: trade.amountFen,
    reason,
    reasonText: ORPHAN_REASON_TEXT[reason] ? bilingual(ORPHAN_REASON_TEXT[reason]) : reason,
    detectedAt: trade.orphanDetectedAt ?? trade.updatedAt,
    refundStatus: trade.orphanRefund?.status ?? null,
    refundRequestNo: trade.orphanRefund?.refundRequestNo ?? null,
    refundConfirmUrl: trade.orphanRefund?.confirmUrl ?? null,
    refundError: trade.orphanRefund?.error ?? null,
  };
}
