import {
  ALIPAY_ACK,
  ALIPAY_NACK,
  type Alipay,
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  type BuyerContext,
  InterfaceNotContractedError,
  isRefundNotification,
  MoneyError,
  type PaymentOrder,
  peekNotification,
  type RefundEvent,
  type RefundOutcome,
  type TradeEvent,
} from '@alipay-commerce/core';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  ActiveOrderService,
  type CancelPaymentErrorResult,
  type CancelPaymentResult,
  type Channel,
  ChannelNotFoundError,
  ChannelService,
  ConfigService,
  type CreatePaymentErrorResult,
  type CreatePaymentResult,
  type CreateRefundFn,
  type CreateRefundResult,
  EventBus,
  ForbiddenError,
  FulfillmentStateTransitionEvent,
  HistoryService,
  I18nError,
  type ID,
  idsAreEqual,
  isGraphQlErrorResult,
  type Job,
  type JobQueue,
  JobQueueService,
  Logger,
  Order,
  OrderService,
  OrderStateMachine,
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
import { In, IsNull, LessThan, Not } from 'typeorm';
import { AlipayGateways, type GatewayResult, type TradeOrigin } from './alipay-gateways';
import {
  BoundedSet,
  bilingual,
  describeIssues,
  describeTrade,
  eventFields,
  hasKnownTradeStatus,
  isSettledAlipayStatus,
  isUniqueViolation,
  KeyedMutex,
  logSafe,
  logSafeId,
  nextTradeStatus,
  OPEN_TRADE_STATUSES,
  paymentSubject,
  receiptStatusOf,
  refundRequestNoFor,
  type TradeLabel,
  UNPAID_TRADE_STATUSES,
} from './alipay-helpers';
import {
  type AlipayOrphanReason,
  type AlipayPaymentIntentErrorReason,
  closeRefusedMessage,
  escrowNotFinishedMessage,
  HISTORY,
  INTENT_ERROR_MESSAGES,
  ORPHAN_REASON_TEXT,
} from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import type { AlipayHandlerArgs, AlipayHandlerArgValues } from './alipay-settings';
import { buildNotifyUrl, buildReturnUrl, buildStorefrontOrderUrl } from './alipay-urls';
import { ALIPAY_HANDLER_CODE, ALIPAY_PLUGIN_OPTIONS, ALIPAY_SHIPMENT_QUEUE, loggerCtx } from './constants';
import { AlipayNotificationReceipt } from './entities/alipay-notification-receipt.entity';
import { ALIPAY_TRADE_CREATED, AlipayTrade } from './entities/alipay-trade.entity';
import type {
  AlipayNotifyInput,
  AlipayNotifyReply,
  AlipayOrphanPayment,
  AlipayPaymentIntentError,
  AlipayPaymentIntentInput,
  AlipayPaymentIntentResult,
  AlipayReconciliationSummary,
  AlipayReturnInput,
} from './types';

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

/** Data of one job on the {@link ALIPAY_SHIPMENT_QUEUE}. */
export interface AlipayShipmentJobData {
  channelId: ID;
  orderId: ID;
  orderCode: string;
  outTradeNo: string;
  tradeNo: string;
  paymentMethodCode: string;
  fulfillmentId: ID;
  carrier: string;
  trackingNumber: string | null;
}

/** What processing one verified event led to; `reply` is what Alipay must read. */
interface EventOutcome {
  kind: 'applied' | 'recorded' | 'orphan' | 'duplicate' | 'ignored' | 'rejected';
  reply: AlipayNotifyReply;
  note: string;
  /** The trade that became an orphan, to refund after the transaction committed. */
  orphanTradeId?: ID;
}

/**
 * Thrown inside an event's transaction to leave without committing anything (a duplicate or a
 * rejected event), so no receipt claim survives a rejection and Alipay's next delivery is judged anew.
 */
class EventNotApplied extends Error {
  constructor(readonly outcome: EventOutcome) {
    super(outcome.note);
  }
}

/** Order states in which an Alipay payment can still be added to the order. */
const PAYABLE_ORDER_STATES = ['AddingItems', 'ArrangingPayment', 'ArrangingAdditionalPayment'];

/** Signed GET URLs longer than this are handed out as an auto-submitting form instead. */
const MAX_REDIRECT_URL_LENGTH = 2000;

/** Trades reconciled per run (the oldest-checked first), so one run never takes long. */
const RECONCILIATION_BATCH_SIZE = 50;

/** Receipts of events this process committed that it remembers, to answer Alipay's repeats at once. */
const RECENT_RECEIPTS = 10_000;

/** An unpaid trade Alipay has never heard of stops being queried after this long. */
const ABANDON_AFTER_MS = 48 * 60 * 60_000;

/** TypeORM types that run on one shared connection, where concurrent transactions would interleave. */
const SINGLE_CONNECTION_DATABASES = new Set([
  'sqlite',
  'better-sqlite3',
  'sqljs',
  'capacitor',
  'cordova',
  'expo',
]);

/** The text of an error for a log line or an admin message; core errors never carry secrets. */
function describeError(error: unknown): string {
  if (error instanceof AlipayGatewayError) {
    return `${error.code} (${[error.gatewayCode, error.subCode].filter(Boolean).join(' / ')}): ${error.hint.en}`;
  }
  if (error instanceof AlipayError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * All Alipay work of the plugin: payment intents, notifications, status queries, the payment
 * handler's operations, shipment confirmations, orphan payments and reconciliation. The handler,
 * the controller, the resolvers and the scheduled task only delegate here. Exported by the plugin
 * so a shop can build custom flows on top of it.
 *
 * Every verified piece of news about a trade (notification, return-page sync, reconciliation query)
 * goes through one function, {@link AlipayService.applyTradeEvent}, inside one transaction that
 * first claims a unique receipt for (trade number, status): a duplicate cannot be processed twice,
 * and a failed transaction leaves no claim behind.
 */
@Injectable()
export class AlipayService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly mutex = new KeyedMutex();
  /** The Alipay facades: the current settings for new payments, the trade's generation for the rest. */
  private readonly gateways: AlipayGateways;
  /** Receipt keys committed by this process, newest last (bounded); see {@link inEventTransaction}. */
  private readonly recentReceipts = new BoundedSet(RECENT_RECEIPTS);
  /** Events being processed now, by receipt key: a repeat waits for the first instead of queueing. */
  private readonly eventsInFlight = new Map<string, Promise<unknown>>();
  /** Metadata objects built here from verified events: the only ones `createPayment` accepts. */
  private readonly verifiedPaymentMetadata = new WeakSet<object>();
  private shipmentQueue: JobQueue<AlipayShipmentJobData> | undefined;
  private fulfillmentSubscription: { unsubscribe(): void } | undefined;

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly channelService: ChannelService,
    private readonly requestContextService: RequestContextService,
    private readonly activeOrderService: ActiveOrderService,
    private readonly orderService: OrderService,
    private readonly orderStateMachine: OrderStateMachine,
    private readonly historyService: HistoryService,
    private readonly jobQueueService: JobQueueService,
    private readonly eventBus: EventBus,
    private readonly configService: ConfigService,
  ) {
    this.gateways = new AlipayGateways(options.http);
  }

  /** Creates the shipment confirmation queue (in the server and in workers). */
  async onModuleInit(): Promise<void> {
    this.shipmentQueue = await this.jobQueueService.createQueue({
      name: ALIPAY_SHIPMENT_QUEUE,
      process: job => this.processShipmentJob(job),
    });
  }

  /** Listens for fulfillments reaching `Shipped`, to confirm escrow shipments to Alipay. */
  onApplicationBootstrap(): void {
    this.fulfillmentSubscription = this.eventBus.ofType(FulfillmentStateTransitionEvent).subscribe(event => {
      if (event.toState !== 'Shipped') {
        return;
      }
      this.enqueueShipmentConfirmations(event).catch(error =>
        Logger.error(
          `${describeTrade({})}: could not queue the Alipay shipment confirmation of fulfillment ${event.fulfillment.id}: ${describeError(error)}`,
          loggerCtx,
        ),
      );
    });
  }

  /** Stops listening. */
  onApplicationShutdown(): void {
    this.fulfillmentSubscription?.unsubscribe();
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
  // Storefront: payment intents and status sync

  /**
   * Starts an Alipay payment for the caller's active order and says how the storefront presents it
   * (redirect, form or QR code). Each call is a new attempt with a fresh `out_trade_no`
   * (`{orderCode}-{n}`), recorded as an {@link AlipayTrade} with the amount the order still owes;
   * earlier unpaid attempts of the order are closed (best effort). The order itself is not
   * transitioned: the `ArrangingPayment` transition is only dry-run, and the payment is recorded
   * once Alipay's verified notification (or a status query) says it was paid.
   */
  async createPaymentIntent(
    ctx: RequestContext,
    input: AlipayPaymentIntentInput,
  ): Promise<AlipayPaymentIntentResult> {
    const activeOrder = await this.activeOrderService.getActiveOrder(ctx, undefined);
    // Strategies may return a partly loaded order; the checks below need lines and shipping.
    const order = activeOrder ? await this.orderService.findOne(ctx, activeOrder.id) : undefined;
    if (!order) {
      return intentError('NO_ACTIVE_ORDER');
    }
    const label: TradeLabel = { orderCode: order.code };
    const method = await this.findAlipayMethod(ctx, input.paymentMethodCode);
    if (!method?.enabled) {
      return intentError('PAYMENT_METHOD_NOT_FOUND');
    }
    const quote = (await this.orderService.getEligiblePaymentMethods(ctx, order.id)).find(
      q => q.code === method.code,
    );
    if (!quote?.isEligible) {
      return intentError('PAYMENT_METHOD_NOT_ELIGIBLE', quote?.eligibilityMessage ?? undefined);
    }
    if (order.currencyCode !== 'CNY') {
      return intentError('CURRENCY_NOT_SUPPORTED', `The order is in ${order.currencyCode}.`);
    }
    const notPayable = await this.whyNotPayable(ctx, order);
    if (notPayable !== undefined) {
      return intentError('ORDER_NOT_PAYABLE', notPayable);
    }
    order.payments = await this.orderService.getOrderPayments(ctx, order.id);
    const amountFen = order.totalWithTax - totalCoveredByPayments(order);
    if (amountFen <= 0) {
      return intentError('NOTHING_TO_PAY');
    }
    const gateway = this.gatewayFor(method);
    if (!gateway.ok) {
      Logger.warn(
        `${describeTrade(label)}: payment method "${method.code}" has invalid settings (${gateway.issues
          .map(i => i.field)
          .join(', ')}); no payment started`,
        loggerCtx,
      );
      return intentError('INVALID_SETTINGS', bilingual(describeIssues(gateway.issues)));
    }
    const buyer: BuyerContext = {
      device: input.device ?? undefined,
      userAgent: headerValue(ctx.req?.headers['user-agent']),
      ip: ctx.req?.ip,
    };
    try {
      gateway.alipay.interfaceFor(buyer);
    } catch (error) {
      if (error instanceof InterfaceNotContractedError) {
        return intentError('INTERFACE_NOT_CONTRACTED', bilingual(error.hint));
      }
      throw error;
    }

    const trade = await this.recordNewTrade(ctx, order, method.code, gateway, amountFen);
    label.outTradeNo = trade.outTradeNo;
    const paymentOrder = await this.paymentOrderFor(ctx, order, trade, method.code);
    let start: Awaited<ReturnType<Alipay['startPayment']>>;
    try {
      start = await gateway.alipay.startPayment(paymentOrder, buyer);
      if (start.kind === 'redirect' && start.url.length > MAX_REDIRECT_URL_LENGTH) {
        // Building the form is offline (no call to Alipay), so asking again has no side effect.
        start = await gateway.alipay.startPayment(paymentOrder, buyer, { as: 'form' });
      }
    } catch (error) {
      await this.connection
        .getRepository(ctx, AlipayTrade)
        .update({ id: trade.id }, { status: 'START_FAILED' });
      Logger.warn(
        `${describeTrade(label)}: Alipay did not start the payment: ${describeError(error)}`,
        loggerCtx,
      );
      return intentErrorFor(error);
    }
    const paymentInterface = 'method' in start.interface ? start.interface.method : start.interface.service;
    await this.connection
      .getRepository(ctx, AlipayTrade)
      .update(
        { id: trade.id },
        { paymentInterface, expiresAt: start.kind === 'qr' ? start.expiresAt : null },
      );
    Logger.info(
      `${describeTrade(label)}: started ${paymentInterface} for ${amountFen} fen (${start.kind})`,
      loggerCtx,
    );
    await this.closeSupersededTrades(ctx, order, trade);
    switch (start.kind) {
      case 'redirect':
        return { __typename: 'AlipayRedirect', url: start.url, outTradeNo: trade.outTradeNo };
      case 'form':
        return { __typename: 'AlipayForm', html: start.html, outTradeNo: trade.outTradeNo };
      case 'qr':
        return {
          __typename: 'AlipayQrCode',
          qrCode: start.qrCode,
          expiresAt: start.expiresAt,
          outTradeNo: trade.outTradeNo,
        };
    }
  }

  /**
   * For the storefront's return page: asks Alipay about the order's open trades and applies each
   * answer exactly as a notification would ({@link AlipayService.applyTradeEvent}). Only the order's
   * customer, or a guest whose active order it is, may trigger the queries; a guest whose order was
   * already placed gets it back (as Vendure's `orderByCode` would) without any query.
   *
   * @returns the order, or `undefined` when no such order exists in the channel.
   * @throws ForbiddenError when the caller may not see the order.
   */
  async syncPaymentStatus(ctx: RequestContext, orderCode: string): Promise<Order | undefined> {
    const order = await this.orderService.findOneByCode(ctx, orderCode, ['customer', 'customer.user']);
    if (!order) {
      return undefined;
    }
    const access = await this.syncAccess(ctx, order);
    if (access === 'none') {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: refused a status sync by someone who does not own the order`,
        loggerCtx,
      );
      throw new ForbiddenError();
    }
    if (access === 'sync') {
      // Applied exactly as a notification is: with an admin context of the channel (the handler
      // records Alipay payments for the admin API only, never for the caller's shop context).
      const adminCtx = await this.channelContext(ctx.channelId);
      const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
        where: { orderId: order.id, channelId: ctx.channelId, status: In(OPEN_TRADE_STATUSES) },
        order: { createdAt: 'ASC' },
      });
      for (const trade of trades) {
        if (adminCtx) {
          await this.queryAndApply(adminCtx, trade);
        }
      }
    }
    return this.orderService.findOne(ctx, order.id);
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

  /**
   * Where to send a buyer whom Alipay returned to the shop: the storefront page of the order that
   * the trade in `out_trade_no` belongs to, or `undefined` when no such trade exists for that
   * channel and payment method. The return parameters are verified and logged, but only for
   * display: they never change the order (the storefront page asks `syncAlipayPaymentStatus`).
   */
  async findReturnRedirect(input: AlipayReturnInput): Promise<string | undefined> {
    const outTradeNo = input.query.out_trade_no;
    // A repeated parameter arrives as an array; anything but one plain string is not ours.
    if (typeof outTradeNo !== 'string' || outTradeNo === '') {
      return undefined;
    }
    const channel = await this.channelByToken(input.channelToken);
    if (!channel) {
      return undefined;
    }
    const trade = await this.connection.rawConnection.getRepository(AlipayTrade).findOne({
      where: { outTradeNo, channelId: channel.id, paymentMethodCode: input.paymentMethodCode },
    });
    if (!trade) {
      return undefined;
    }
    await this.logReturnVerification(channel, trade, input.rawQuery);
    return buildStorefrontOrderUrl(this.options.storefrontOrderUrl, trade.orderCode);
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
   * refund notification can still find it, and {@link resolveUncertainRefunds} asks Alipay about it
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
  // Orphan payments and reconciliation

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
        contexts.set(key, await this.channelContext(trade.channelId));
      }
      const ctx = contexts.get(key);
      if (!ctx) {
        continue;
      }
      summary.checked++;
      try {
        const outcome = await this.queryAndApply(ctx, trade);
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
        const ctx = await this.channelContext(orphan.channelId);
        if (ctx) {
          await this.refundOrphan(ctx, orphan.id);
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
    const ctx = trade ? await this.channelContext(trade.channelId) : undefined;
    const method = ctx ? await this.findAlipayMethod(ctx, payment.method) : undefined;
    const gateway = method && trade ? this.gatewayForTrade(method, trade) : undefined;
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
          notifyUrl: this.notifyUrl(ctx, method.code),
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
        await this.addOrderNote(
          ctx,
          payment.order.id,
          HISTORY.refundResolved(refundRequestNo, 'settled', detail),
        );
        break;
      case 'pending':
      case 'known':
        await save({ alipayRefundStatus: 'pending', resolvedBy: detail });
        await this.addOrderNote(
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
        await this.addOrderNote(
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
          await this.addOrderNote(
            ctx,
            payment.order.id,
            HISTORY.refundResolved(refundRequestNo, 'failed', describeError(outcome.error)),
          );
        } else {
          // Legacy: the refusal does not say whether the first request refunded (e.g. a trade already
          // refunded in full by it). Only a person can tell; never retried automatically again.
          await save({ needsAttention: true, errorMessage: describeError(outcome.error) });
          await this.addOrderNote(
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
      outcome = await this.inEventTransaction(ctx, event, trade.outTradeNo, async txCtx => {
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
      outcome = await this.inEventTransaction(ctx, event, trade?.outTradeNo ?? '', async txCtx => {
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

  /**
   * Processes one event: in this process one event at a time per trade (on databases with a single
   * shared connection, SQLite, one event at a time: TypeORM would nest concurrent transactions as
   * savepoints of one another), then in a transaction that starts by claiming the receipt of
   * (trade number, status). A second claim fails on the unique index, whichever process makes it;
   * an {@link EventNotApplied} rolls everything back, the claim included.
   */
  private inEventTransaction(
    ctx: RequestContext,
    event: TradeEvent | RefundEvent,
    outTradeNo: string,
    work: (txCtx: RequestContext) => Promise<EventOutcome>,
  ): Promise<EventOutcome> {
    const type = String(this.connection.rawConnection.options.type);
    const lockKey = SINGLE_CONNECTION_DATABASES.has(type) ? 'single-connection' : `trade:${event.tradeNo}`;
    const key = { tradeNo: event.tradeNo, alipayStatus: receiptStatusOf(event) };
    const duplicate: EventOutcome = {
      kind: 'duplicate',
      reply: ALIPAY_ACK,
      note: `already processed (${key.alipayStatus})`,
    };
    const receiptKey = `${key.tradeNo}\u0000${key.alipayStatus}`;
    // Inside a caller's transaction (custom code calling applyTradeEvent), "committed" below would only
    // mean a savepoint released: such receipts are not remembered.
    const remember = this.connection.getRepository(ctx, AlipayNotificationReceipt).manager.queryRunner
      ?.isTransactionActive
      ? () => undefined
      : () => this.recentReceipts.add(receiptKey);
    // Alipay's repeats (retries, duplicated deliveries) of an event this process committed are answered
    // without waiting for the lock: on SQLite every event waits for every other, and a repeat would
    // otherwise queue behind payments that have nothing to do with it. The database check below stays
    // the authority (other processes, forgotten keys).
    if (this.recentReceipts.has(receiptKey)) {
      return Promise.resolve(duplicate);
    }
    const inFlight = this.eventsInFlight.get(receiptKey);
    if (inFlight) {
      // The same event is being processed: wait for it, then judge this copy (usually a duplicate now).
      return inFlight.then(
        () => this.inEventTransaction(ctx, event, outTradeNo, work),
        () => this.inEventTransaction(ctx, event, outTradeNo, work),
      );
    }
    const processing = this.mutex.run(lockKey, async () => {
      // Answer known duplicates without opening a transaction (the common case of Alipay's retries).
      if (await this.connection.getRepository(ctx, AlipayNotificationReceipt).exists({ where: key })) {
        remember();
        return duplicate;
      }
      try {
        const outcome = await this.connection.withTransaction(ctx, async txCtx => {
          try {
            await this.connection.getRepository(txCtx, AlipayNotificationReceipt).insert(
              new AlipayNotificationReceipt({
                ...key,
                outTradeNo,
                notifyId: event.notifyId ?? null,
                channelId: txCtx.channelId,
              }),
            );
          } catch (error) {
            if (isUniqueViolation(error)) {
              throw new EventNotApplied(duplicate);
            }
            throw error;
          }
          return work(txCtx);
        });
        // Committed: the receipt exists from now on.
        remember();
        return outcome;
      } catch (error) {
        if (error instanceof EventNotApplied) {
          return error.outcome;
        }
        throw error;
      }
    });
    this.eventsInFlight.set(receiptKey, processing);
    const forget = () => {
      if (this.eventsInFlight.get(receiptKey) === processing) {
        this.eventsInFlight.delete(receiptKey);
      }
    };
    processing.then(forget, forget);
    return processing;
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

  private async refundOrphan(ctx: RequestContext, tradeId: ID): Promise<void> {
    await this.mutex.run(`orphan-refund:${tradeId}`, async () => {
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
  // Escrow shipment confirmation (发货)

  private async enqueueShipmentConfirmations(event: FulfillmentStateTransitionEvent): Promise<void> {
    const { ctx, fulfillment } = event;
    const orders = await this.connection
      .getRepository(ctx, Order)
      .createQueryBuilder('order')
      .innerJoin('order.fulfillments', 'fulfillment', 'fulfillment.id = :fulfillmentId', {
        fulfillmentId: fulfillment.id,
      })
      .getMany();
    for (const order of orders) {
      const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
        where: {
          orderId: order.id,
          status: 'WAIT_SELLER_SEND_GOODS',
          tradeNo: Not(IsNull()),
          orphanReason: IsNull(),
          shipmentConfirmedAt: IsNull(),
        },
      });
      for (const trade of trades) {
        const data: AlipayShipmentJobData = {
          channelId: trade.channelId,
          orderId: order.id,
          orderCode: order.code,
          outTradeNo: trade.outTradeNo,
          tradeNo: trade.tradeNo as string,
          paymentMethodCode: trade.paymentMethodCode,
          fulfillmentId: fulfillment.id,
          carrier: fulfillment.method || fulfillment.handlerCode,
          trackingNumber: fulfillment.trackingCode || null,
        };
        await this.shipmentQueue?.add(data, { retries: this.options.shipmentConfirmationRetries });
        Logger.info(
          `${describeTrade(trade)}: fulfillment ${fulfillment.id} shipped; queued the shipment confirmation to Alipay`,
          loggerCtx,
        );
      }
    }
  }

  /**
   * One attempt to confirm an escrow shipment to Alipay. A retryable failure is thrown so Vendure's
   * job queue tries again (with the configured backoff); the last failure, or one that retrying
   * cannot fix, is written to the order history for the admin.
   */
  private async processShipmentJob(job: Job<AlipayShipmentJobData>): Promise<{ confirmed: boolean }> {
    const data = job.data;
    const label = { orderCode: data.orderCode, outTradeNo: data.outTradeNo, tradeNo: data.tradeNo };
    const ctx = await this.channelContext(data.channelId);
    if (!ctx) {
      Logger.error(
        `${describeTrade(label)}: shipment confirmation dropped: channel ${data.channelId} is gone`,
        loggerCtx,
      );
      return { confirmed: false };
    }
    const method = await this.findAlipayMethod(ctx, data.paymentMethodCode);
    const trade = await this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { outTradeNo: data.outTradeNo, channelId: ctx.channelId } });
    // Escrow exists in the legacy generation only: a trade always has its own record, but a job queued
    // before an upgrade may outlive it, and then the current settings are the only guess left.
    let gateway: GatewayResult | undefined;
    if (method) {
      gateway = trade ? this.gatewayForTrade(method, trade) : this.gatewayFor(method);
    }
    try {
      if (!gateway?.ok) {
        // Not retryable: only the merchant can fix the settings; the order history says what is missing.
        throw new AlipayError(
          'SETTINGS_INVALID',
          gateway ? gateway.message.en : `payment method "${data.paymentMethodCode}" is missing`,
          gateway?.message ?? { en: 'Restore the payment method.', zh: '请恢复该支付方式。' },
        );
      }
      const { alreadyConfirmed } = await gateway.alipay.confirmShipment({
        tradeNo: data.tradeNo,
        outTradeNo: data.outTradeNo,
        carrier: data.carrier,
        trackingNumber: data.trackingNumber ?? undefined,
      });
      await this.connection.withTransaction(ctx, async txCtx => {
        await this.connection
          .getRepository(txCtx, AlipayTrade)
          .update({ outTradeNo: data.outTradeNo }, { shipmentConfirmedAt: new Date() });
        await this.addOrderNote(
          txCtx,
          data.orderId,
          HISTORY.shipmentConfirmed(
            data.tradeNo,
            data.carrier,
            data.trackingNumber ?? undefined,
            alreadyConfirmed,
          ),
        );
      });
      Logger.info(
        `${describeTrade(label)}: shipment via ${data.carrier} confirmed to Alipay (attempt ${job.attempts}${alreadyConfirmed ? ', already confirmed before' : ''})`,
        loggerCtx,
      );
      return { confirmed: true };
    } catch (error) {
      const retryable = !(error instanceof AlipayError) || error.retryable;
      const lastAttempt = !retryable || job.attempts > job.retries;
      if (!lastAttempt) {
        Logger.warn(
          `${describeTrade(label)}: shipment confirmation attempt ${job.attempts} of ${job.retries + 1} failed, will retry: ${describeError(error)}`,
          loggerCtx,
        );
        throw error;
      }
      Logger.error(
        `${describeTrade(label)}: shipment confirmation failed for good after ${job.attempts} attempt(s): ${describeError(error)}`,
        loggerCtx,
      );
      await this.addOrderNote(
        ctx,
        data.orderId,
        HISTORY.shipmentFailed(data.tradeNo, describeError(error), job.attempts),
      );
      return { confirmed: false };
    }
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

  private async findAlipayMethod(ctx: RequestContext, code: string): Promise<PaymentMethod | undefined> {
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

  private async channelByToken(token: string): Promise<Channel | undefined> {
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
  private async channelContext(channelId: ID): Promise<RequestContext | undefined> {
    const defaultCtx = await this.requestContextService.create({ apiType: 'admin' });
    const channel = await this.channelService.findOne(defaultCtx, channelId);
    return channel
      ? this.requestContextService.create({ apiType: 'admin', channelOrToken: channel })
      : undefined;
  }

  /** Asks Alipay about one trade and applies the answer; touches `lastQueriedAt` either way. */
  private async queryAndApply(ctx: RequestContext, trade: AlipayTrade): Promise<EventOutcome | undefined> {
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

  private async syncAccess(ctx: RequestContext, order: Order): Promise<'sync' | 'read' | 'none'> {
    const userId = ctx.activeUserId;
    if (userId !== undefined) {
      const ownerId = order.customer?.user?.id;
      return ownerId !== undefined && idsAreEqual(ownerId, userId) ? 'sync' : 'none';
    }
    const activeOrderId = ctx.session?.activeOrderId;
    if (activeOrderId !== undefined && activeOrderId !== null && idsAreEqual(activeOrderId, order.id)) {
      return 'sync';
    }
    const strategy = this.configService.orderOptions.orderByCodeAccessStrategy;
    return !order.active && (await strategy.canAccessOrder(ctx, order)) ? 'read' : 'none';
  }

  /** Why the order cannot be paid now (undefined when it can), dry-running `ArrangingPayment`. */
  private async whyNotPayable(ctx: RequestContext, order: Order): Promise<string | undefined> {
    if (!PAYABLE_ORDER_STATES.includes(order.state)) {
      return `The order is ${order.state}.`;
    }
    if (order.state !== 'AddingItems') {
      return undefined;
    }
    // The transition checks run (customer, shipping, stock) but nothing is finalized or saved, and
    // the in-memory state is put back: the cart stays editable until Alipay reports the payment.
    const state = order.state;
    try {
      await this.orderStateMachine.transition(ctx, order, 'ArrangingPayment');
      return undefined;
    } catch (error) {
      if (error instanceof I18nError) {
        return ctx.translate(
          error.message,
          (error as { variables?: Record<string, string | number> }).variables,
        );
      }
      return describeError(error);
    } finally {
      order.state = state;
    }
  }

  private async recordNewTrade(
    ctx: RequestContext,
    order: Order,
    paymentMethodCode: string,
    gateway: Extract<GatewayResult, { ok: true }>,
    amountFen: number,
  ): Promise<AlipayTrade> {
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    let attempt = (await repo.count({ where: { orderId: order.id } })) + 1;
    for (;;) {
      const trade = new AlipayTrade({
        outTradeNo: `${order.code}-${attempt}`,
        channelId: ctx.channelId,
        paymentMethodCode,
        interfaceType: gateway.interfaceType,
        // What a later switch to the other generation must not change for this trade (gateway, seller).
        createdWith: gateway.tradeSettings,
        orderCode: order.code,
        orderId: order.id,
        amountFen,
        status: ALIPAY_TRADE_CREATED,
      });
      try {
        return await repo.save(trade);
      } catch (error) {
        // A concurrent intent for the same order took this number (or an earlier one was deleted).
        if (!isUniqueViolation(error) || attempt > 1000) {
          throw error;
        }
        attempt++;
      }
    }
  }

  private async paymentOrderFor(
    ctx: RequestContext,
    order: Order,
    trade: AlipayTrade,
    paymentMethodCode: string,
  ): Promise<PaymentOrder> {
    const shipping = order.shippingWithTax;
    const address = order.shippingAddress ?? {};
    const goods = this.options.goodsType ? await this.options.goodsType(ctx, order) : 'physical';
    return {
      outTradeNo: trade.outTradeNo,
      amountFen: trade.amountFen,
      currency: order.currencyCode,
      subject: paymentSubject(
        order.code,
        (order.lines ?? []).map(line => line.productVariant?.name ?? ''),
      ),
      body: `Order ${order.code}`,
      goods,
      // The logistics fee is part of the total and only meaningful when the whole order is paid at once.
      shippingFeeFen:
        trade.amountFen === order.totalWithTax && shipping > 0 && shipping < trade.amountFen ? shipping : 0,
      notifyUrl: this.notifyUrl(ctx, paymentMethodCode),
      returnUrl: this.returnUrl(ctx, paymentMethodCode),
      quitUrl: buildStorefrontOrderUrl(this.options.storefrontOrderUrl, order.code),
      timeoutMinutes: this.options.paymentTimeoutMinutes,
      receiver: {
        name: address.fullName || undefined,
        address:
          [address.province, address.city, address.streetLine1, address.streetLine2]
            .filter(Boolean)
            .join(' ') || undefined,
        zip: address.postalCode || undefined,
        mobile: address.phoneNumber || undefined,
      },
    };
  }

  /** Closes earlier unpaid attempts of the order (best effort): a stale cashier must not take money. */
  private async closeSupersededTrades(
    ctx: RequestContext,
    order: Order,
    current: AlipayTrade,
  ): Promise<void> {
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    const earlier = await repo.find({
      where: { orderId: order.id, status: In(UNPAID_TRADE_STATUSES), id: Not(current.id) },
    });
    for (const trade of earlier) {
      const method = await this.findAlipayMethod(ctx, trade.paymentMethodCode);
      const gateway = method ? this.gatewayForTrade(method, trade) : undefined;
      try {
        if (!gateway?.ok) {
          throw new Error(gateway ? gateway.message.en : 'payment method missing');
        }
        const { existed } = await gateway.alipay.closeTrade({
          outTradeNo: trade.outTradeNo,
          tradeNo: trade.tradeNo ?? undefined,
        });
        await repo.update({ id: trade.id }, { status: 'SUPERSEDED', supersededAt: new Date() });
        Logger.info(
          `${describeTrade(trade)}: superseded by ${current.outTradeNo}; ${existed ? 'closed on Alipay' : 'Alipay had not seen it'}`,
          loggerCtx,
        );
      } catch (error) {
        await repo.update({ id: trade.id }, { supersededAt: new Date() });
        Logger.warn(
          `${describeTrade(trade)}: superseded by ${current.outTradeNo} but could not be closed (reconciliation keeps watching it): ${describeError(error)}`,
          loggerCtx,
        );
      }
    }
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

  private async addOrderNote(
    ctx: RequestContext,
    orderId: ID,
    note: { en: string; zh: string },
  ): Promise<void> {
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

  private async logReturnVerification(channel: Channel, trade: AlipayTrade, rawQuery: string): Promise<void> {
    const ctx = await this.requestContextService.create({ apiType: 'admin', channelOrToken: channel });
    const method = await this.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = method ? this.gatewayForTrade(method, trade) : undefined;
    if (!gateway?.ok) {
      Logger.warn(
        `${describeTrade(trade)}: buyer returned; parameters not verified: ${gateway ? gateway.message.en : 'payment method missing'}`,
        loggerCtx,
      );
      return;
    }
    const verdict = gateway.alipay.handleReturn(rawQuery);
    if (verdict.ok) {
      Logger.info(
        `${describeTrade({ ...trade, tradeNo: verdict.event.tradeNo })}: buyer returned from Alipay (verified, display only: ${verdict.event.alipayStatus || 'paid'})`,
        loggerCtx,
      );
    } else {
      Logger.warn(
        `${describeTrade(trade)}: buyer returned with unverified parameters (${verdict.reason}): ${logSafe(verdict.message)}; redirected anyway, nothing changed`,
        loggerCtx,
      );
    }
  }
}

function intentError(reason: AlipayPaymentIntentErrorReason, hint?: string): AlipayPaymentIntentError {
  return {
    __typename: 'AlipayPaymentIntentError',
    errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR',
    reason,
    message: bilingual(INTENT_ERROR_MESSAGES[reason]),
    hint: hint ?? null,
  };
}

function intentErrorFor(error: unknown): AlipayPaymentIntentError {
  if (error instanceof InterfaceNotContractedError) {
    return intentError('INTERFACE_NOT_CONTRACTED', bilingual(error.hint));
  }
  if (error instanceof MoneyError) {
    return intentError('AMOUNT_NOT_ACCEPTED', bilingual(error.hint));
  }
  if (error instanceof AlipayNetworkError) {
    return intentError('GATEWAY_UNAVAILABLE', bilingual(error.hint));
  }
  if (error instanceof AlipayError) {
    return intentError('GATEWAY_ERROR', bilingual(error.hint));
  }
  throw error;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
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
