import {
  type Alipay,
  type AlipayEvent,
  describeError,
  logSafeId,
  type TradeEvent,
} from '@alipay-commerce/core';
import {
  decisionEffect,
  type LifecyclePayment,
  MISSING_ORDER,
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
  type ID,
  isGraphQlErrorResult,
  Logger,
  type Order,
  OrderService,
  type Payment,
  type PaymentState,
  RequestContext,
  TransactionalConnection,
  totalCoveredByPayments,
} from '@vendure/core';
import { AlipayEventLedger, EventNotApplied, type EventOutcome } from './alipay-event-ledger';
import { describeTrade, type TradeLabel } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { AlipayOrphanService } from './alipay-orphan.service';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayPaymentMetadata } from './types';

/** Order states in which an Alipay payment can still be added to the order. */
export const PAYABLE_ORDER_STATES: readonly string[] = [
  'AddingItems',
  'ArrangingPayment',
  'ArrangingAdditionalPayment',
];

/** The verified fields worth keeping with a trade (everything Alipay sent, minus the signature). */
export function eventFields(event: AlipayEvent): Record<string, string> {
  const { sign: _sign, sign_type: _signType, ...fields } = event.raw;
  return fields;
}

/** Vendure payment states and the core's view of them (others carry no money and are not this trade's). */
const PAYMENT_STATES: Partial<Record<PaymentState, ShopPaymentState>> = {
  Authorized: 'authorized',
  Settled: 'settled',
  Cancelled: 'cancelled',
};

/** Alipay's trade status for each normalized status an Antom event can carry. */
const ALIPAY_STATUS_OF: Partial<Record<TradeEvent['status'], string>> = {
  waiting_payment: 'WAIT_BUYER_PAY',
  paid: 'TRADE_SUCCESS',
  closed: 'TRADE_CLOSED',
};

/**
 * An event with Alipay's `trade_status` vocabulary, which the core's lifecycle and the recorded trade
 * statuses (`OPEN_RECORDED_STATUSES`, sync, reconciliation) know. An Antom event carries Antom's payment
 * status (`SUCCESS`, `PROCESSING`, `FAIL`…) there, which the lifecycle refuses as `unknown_status`; its
 * normalized `status` (the facade's mapping) says the same in Alipay's words. The Antom status stays in
 * the event's `raw` fields. Remove once the core's lifecycle knows Antom's statuses.
 */
export function inAlipayStatusTerms(event: TradeEvent): TradeEvent {
  if (event.generation !== 'antom') return event;
  const alipayStatus = ALIPAY_STATUS_OF[event.status];
  return alipayStatus === undefined ? event : { ...event, alipayStatus };
}

/**
 * The order's currency as the core's lifecycle should judge it. The lifecycle (`decidePayment`) still
 * orphans every order that is not in CNY (`currency_not_cny`), the rule of the mainland generations; an
 * Antom payment is in the order's own currency (the facade accepted that currency when the payment
 * started), so an Antom event in exactly the order's currency is presented as acceptable. Any other
 * combination (an Antom event in another currency than the order's, a mainland event on a USD order)
 * keeps the order's currency and stays an orphan. Remove once the core's lifecycle compares the event's
 * currency with the order's.
 */
export function lifecycleCurrency(
  orderCurrency: string,
  event: Pick<TradeEvent, 'generation' | 'currency'>,
): string {
  const sameCurrency = event.currency?.toUpperCase() === orderCurrency.toUpperCase();
  return event.generation === 'antom' && sameCurrency ? 'CNY' : orderCurrency;
}

/**
 * The one function every verified piece of news about a trade goes through
 * ({@link AlipayTradeEventService.applyTradeEvent}), whatever delivered it (a notification, the return
 * page's sync, reconciliation): it asks the core's lifecycle what the news means and carries the
 * decision out with Vendure's mechanics, once per event (the {@link AlipayEventLedger}). It also builds
 * the only payment metadata the payment handler accepts.
 */
@Injectable()
export class AlipayTradeEventService {
  /** Metadata objects built here from verified events: the only ones `createPayment` accepts. */
  private readonly verifiedPaymentMetadata = new WeakSet<object>();

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly orderService: OrderService,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
    private readonly refunds: AlipayRefundBookService,
    private readonly orphans: AlipayOrphanService,
  ) {}

  /** True for payment metadata this service built from a verified event (see `createPayment`). */
  isVerifiedPaymentMetadata(metadata: object): boolean {
    return this.verifiedPaymentMetadata.has(metadata);
  }

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
    reported: TradeEvent,
    alipay: Alipay,
  ): Promise<EventOutcome> {
    const event = inAlipayStatusTerms(reported);
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
      if (orphan) await this.orphans.refundOrphan(ctx, orphan, 'policy');
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
            currency: lifecycleCurrency(order.currencyCode, event),
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
        return this.orphans.recordOrphan(ctx, trade, decision.reason);
      case 'orphan_refunded':
        return this.orphans.markOrphanRefunded(ctx, trade, event.refundRequestNo);
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
        await this.orphans.recordOrphan(ctx, trade, 'order_not_payable');
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

  /**
   * Asks Alipay about one trade and applies the answer through {@link AlipayTradeEventService.applyTradeEvent};
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
