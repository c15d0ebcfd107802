import {
  type Alipay,
  AlipayError,
  AlipayNetworkError,
  type BuyerContext,
  bilingualLine,
  describeError,
  InterfaceNotContractedError,
  logSafe,
  MoneyError,
  type PaymentOrder,
  storefrontReturnStatus,
} from '@alipay-commerce/core';
import {
  attemptsToCloseBeforeNew,
  newOutTradeNo,
  OPEN_AT_ALIPAY_STATUSES,
  syncClaimCutoff,
  tradesToSync,
  UNPAID_RECORDED_STATUSES,
} from '@alipay-commerce/core/lifecycle';
import { Inject, Injectable } from '@nestjs/common';
import {
  ActiveOrderService,
  type Channel,
  ForbiddenError,
  I18nError,
  idsAreEqual,
  Logger,
  type Order,
  OrderService,
  OrderStateMachine,
  RequestContext,
  RequestContextService,
  TransactionalConnection,
  totalCoveredByPayments,
} from '@vendure/core';
import { In, IsNull, LessThan, Not } from 'typeorm';
import type { GatewayResult } from './alipay-gateways';
import { describeTrade, type TradeLabel } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { type AlipayPaymentIntentErrorReason, INTENT_ERROR_MESSAGES } from './alipay-messages';
import { describeIssues } from './alipay-method-args';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { AlipayTradeEventService, PAYABLE_ORDER_STATES } from './alipay-trade-events.service';
import { type AlipayReturnStatus, buildStorefrontReturnUrl } from './alipay-urls';
import { ALIPAY_PLUGIN_OPTIONS, loggerCtx } from './constants';
import { ALIPAY_TRADE_CREATED, AlipayTrade } from './entities/alipay-trade.entity';
import type {
  AlipayPaymentIntentError,
  AlipayPaymentIntentInput,
  AlipayPaymentIntentResult,
  AlipayReturnInput,
} from './types';
import { isUniqueViolation } from './unique-violation';

/**
 * The `subject` (商品名称) shown on the Alipay cashier: the first product and how many more there
 * are, e.g. `Celadon Tea Set 等 3 件`. Alipay allows 256 bytes; 60 characters stay well below. It
 * never names the order: the subject is in the payment URL and on the payer's bill, and the order code
 * opens a guest order (Vendure's `orderByCode`).
 */
export function paymentSubject(lineNames: readonly string[]): string {
  const [first] = lineNames;
  if (!first) {
    return 'Order 订单';
  }
  const subject = lineNames.length > 1 ? `${first} 等 ${lineNames.length} 件` : first;
  return subject.length > 60 ? `${subject.slice(0, 59)}…` : subject;
}

/** Signed GET URLs longer than this are handed out as an auto-submitting form instead. */
const MAX_REDIRECT_URL_LENGTH = 2000;

/**
 * The storefront's side of a payment: starting an attempt (which interface, redirect, form or QR code),
 * the buyer's return from Alipay, and the return page's status sync. Nothing here marks an order paid:
 * only verified Alipay news does, through {@link AlipayTradeEventService.applyTradeEvent}.
 */
@Injectable()
export class AlipayCheckoutService {
  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly requestContextService: RequestContextService,
    private readonly activeOrderService: ActiveOrderService,
    private readonly orderService: OrderService,
    private readonly orderStateMachine: OrderStateMachine,
    private readonly tradeEvents: AlipayTradeEventService,
    private readonly lookups: AlipayLookupService,
  ) {}

  /**
   * Starts an Alipay payment for the caller's active order and says how the storefront presents it
   * (redirect, form or QR code). Each call is a new attempt with a fresh, random `out_trade_no` (the
   * core's `newOutTradeNo`, unrelated to the order: it appears in payment URLs and on the payer's
   * bill), recorded as an {@link AlipayTrade} with its order and the amount the order still owes;
   * earlier unpaid attempts of the order are closed (best effort). At most the core's
   * `MAX_OPEN_ATTEMPTS_PER_ORDER` attempts stay open: beyond that (earlier closes failed) the oldest
   * are closed first, and the attempt is refused (`TOO_MANY_OPEN_ATTEMPTS`) while they cannot be.
   * The order itself is not transitioned: the `ArrangingPayment` transition is only dry-run, and the
   * payment is recorded once Alipay's verified notification (or a status query) says it was paid.
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
    const method = await this.lookups.findAlipayMethod(ctx, input.paymentMethodCode);
    if (!method?.enabled) {
      return intentError('PAYMENT_METHOD_NOT_FOUND');
    }
    const quote = (await this.orderService.getEligiblePaymentMethods(ctx, order.id)).find(
      q => q.code === method.code,
    );
    if (!quote?.isEligible) {
      return intentError('PAYMENT_METHOD_NOT_ELIGIBLE', quote?.eligibilityMessage ?? undefined);
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
    const gateway = this.lookups.gatewayFor(method);
    if (!gateway.ok) {
      Logger.warn(
        `${describeTrade(label)}: payment method "${method.code}" has invalid settings (${gateway.issues
          .map(i => i.field)
          .join(', ')}); no payment started`,
        loggerCtx,
      );
      return intentError('INVALID_SETTINGS', bilingualLine(describeIssues(gateway.issues)));
    }
    // The method's own generation decides (mainland: CNY only; Antom: the currencies it knows), also
    // for a method created without the eligibility checker.
    const currencyRefusal = gateway.alipay.currencyRefusal(order.currencyCode);
    if (currencyRefusal !== undefined) {
      return intentError('CURRENCY_NOT_SUPPORTED', bilingualLine(currencyRefusal));
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
        return intentError('INTERFACE_NOT_CONTRACTED', bilingualLine(error.hint));
      }
      throw error;
    }

    if (!(await this.closeExcessAttempts(ctx, order))) {
      return intentError('TOO_MANY_OPEN_ATTEMPTS');
    }
    const trade = await this.recordNewTrade(ctx, order, method.code, gateway, amountFen);
    label.outTradeNo = trade.outTradeNo;
    const paymentOrder = await this.paymentOrderFor(
      ctx,
      order,
      trade,
      method.code,
      gateway.alipay.generation,
    );
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
      `${describeTrade(label)}: started ${paymentInterface} for ${amountFen} ${minorUnitName(order.currencyCode)} (${start.kind})`,
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
   * For the storefront's return page: asks Alipay about the order's trades that are still open there
   * and applies each answer exactly as a notification would ({@link AlipayTradeEventService.applyTradeEvent}).
   * Trades recorded as paid, closed, finished or superseded (closed by the plugin) are not asked about;
   * the core's `tradesToSync` picks the rest, and a trade asked about within the core's
   * `SYNC_MIN_INTERVAL_MS` is answered from the recorded state — claimed with one conditional update, so
   * that concurrent syncs query it once. Only the order's own customer, or the session whose active
   * order it is (a guest), may sync it and read the answer; anyone else is refused, even where Vendure's
   * `orderByCode` would show them the order (a guest order within its anonymous-access window): knowing
   * an order code is not owning the order. A storefront shows an order that is no longer its session's
   * active order through `orderByCode`, under Vendure's own access rules.
   *
   * @returns the order, or `undefined` when no such order exists in the channel.
   * @throws ForbiddenError when the caller is neither the order's customer nor its session.
   */
  async syncPaymentStatus(ctx: RequestContext, orderCode: string): Promise<Order | undefined> {
    const order = await this.orderService.findOneByCode(ctx, orderCode, ['customer', 'customer.user']);
    if (!order) {
      return undefined;
    }
    if (!this.ownsOrder(ctx, order)) {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: refused a status sync by someone who does not own the order`,
        loggerCtx,
      );
      throw new ForbiddenError();
    }
    // Applied exactly as a notification is: with an admin context of the channel (the handler
    // records Alipay payments for the admin API only, never for the caller's shop context).
    const adminCtx = await this.lookups.channelContext(ctx.channelId);
    const now = new Date();
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { orderId: order.id, channelId: ctx.channelId, status: In([...OPEN_AT_ALIPAY_STATUSES]) },
    });
    for (const trade of tradesToSync(trades, now)) {
      if (adminCtx && (await this.claimSyncQuery(trade, now))) {
        await this.tradeEvents.queryAndApply(adminCtx, trade);
      }
    }
    return this.orderService.findOne(ctx, order.id);
  }

  /**
   * Where to send a buyer whom Alipay returned to the shop, or `undefined` when no trade with that
   * `out_trade_no` exists for that channel and payment method (found by the stored mapping, never by
   * parsing the number). Always `storefrontReturnUrl` with a status only ({@link AlipayReturnStatus}),
   * never the order, the trade or a session, signed or not: a trade number is no proof of owning the
   * order (it is in payment URLs, on the payer's bill and in "pay for me" links), and even a return
   * Alipay signed is followed by whoever paid, who may not be the buyer. The storefront finds its own
   * order through its own session. The parameters never change the order.
   */
  async findReturnRedirect(input: AlipayReturnInput): Promise<string | undefined> {
    const outTradeNo = input.query.out_trade_no;
    // A repeated parameter arrives as an array; anything but one plain string is not ours.
    if (typeof outTradeNo !== 'string' || outTradeNo === '') {
      return undefined;
    }
    const channel = await this.lookups.channelByToken(input.channelToken);
    if (!channel) {
      return undefined;
    }
    const trade = await this.connection.rawConnection.getRepository(AlipayTrade).findOne({
      where: { outTradeNo, channelId: channel.id, paymentMethodCode: input.paymentMethodCode },
    });
    if (!trade) {
      return undefined;
    }
    const status = await this.verifyReturn(channel, trade, input.rawQuery);
    return buildStorefrontReturnUrl(this.options.storefrontReturnUrl, status);
  }

  /**
   * Claims the trade for one sync query: sets `lastQueriedAt` only when it is older than the core's
   * interval (or unset), in one conditional update, so that of concurrent syncs exactly one queries.
   */
  private async claimSyncQuery(trade: AlipayTrade, now: Date): Promise<boolean> {
    const repo = this.connection.rawConnection.getRepository(AlipayTrade);
    const cutoff = syncClaimCutoff(now);
    const never = await repo.update({ id: trade.id, lastQueriedAt: IsNull() }, { lastQueriedAt: now });
    if (never.affected) return true;
    const stale = await repo.update(
      { id: trade.id, lastQueriedAt: LessThan(cutoff) },
      { lastQueriedAt: now },
    );
    return Boolean(stale.affected);
  }

  /** True for the order's own customer (logged in) or the session whose active order it is. */
  private ownsOrder(ctx: RequestContext, order: Order): boolean {
    const userId = ctx.activeUserId;
    if (userId !== undefined) {
      const ownerId = order.customer?.user?.id;
      return ownerId !== undefined && idsAreEqual(ownerId, userId);
    }
    const activeOrderId = ctx.session?.activeOrderId;
    return activeOrderId !== undefined && activeOrderId !== null && idsAreEqual(activeOrderId, order.id);
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
    for (let tries = 1; ; tries++) {
      const trade = new AlipayTrade({
        // Random and unrelated to the order: the number is public (payment URL, the payer's bill).
        // The order is stored with it; every lookup goes by this row, never by parsing the number.
        outTradeNo: newOutTradeNo(),
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
        // 120 random bits: a collision is practically impossible, but costs only a new number.
        if (!isUniqueViolation(error) || tries >= 3) {
          throw error;
        }
      }
    }
  }

  private async paymentOrderFor(
    ctx: RequestContext,
    order: Order,
    trade: AlipayTrade,
    paymentMethodCode: string,
    generation: Alipay['generation'],
  ): Promise<PaymentOrder> {
    const shipping = order.shippingWithTax;
    const address = order.shippingAddress ?? {};
    const goods = this.options.goodsType ? await this.options.goodsType(ctx, order) : 'physical';
    return {
      outTradeNo: trade.outTradeNo,
      amountFen: trade.amountFen,
      currency: order.currencyCode,
      // Neither names the order: both are in the payment URL and on the payer's bill.
      subject: paymentSubject((order.lines ?? []).map(line => line.productVariant?.name ?? '')),
      goods,
      // The logistics fee is part of the total and only meaningful when the whole order is paid at once.
      shippingFeeFen:
        trade.amountFen === order.totalWithTax && shipping > 0 && shipping < trade.amountFen ? shipping : 0,
      notifyUrl: this.lookups.notifyUrl(ctx, paymentMethodCode),
      returnUrl: this.returnUrlFor(ctx, paymentMethodCode, generation, trade.outTradeNo),
      // Part of the payment URL, so it must not name the order either: the storefront's return page
      // shows the buyer's own order from its session.
      quitUrl: this.options.storefrontReturnUrl,
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

  /**
   * The return route for this attempt. Alipay appends the signed trade parameters to it; Antom appends
   * nothing (and signs no return), so an Antom attempt's URL names its `out_trade_no` itself, which the
   * return route needs to find the trade. The number is random and already in the payment's URLs.
   */
  private returnUrlFor(
    ctx: RequestContext,
    paymentMethodCode: string,
    generation: Alipay['generation'],
    outTradeNo: string,
  ): string {
    const url = this.lookups.returnUrl(ctx, paymentMethodCode);
    if (generation !== 'antom') return url;
    return `${url}?out_trade_no=${encodeURIComponent(outTradeNo)}`;
  }

  /** Closes earlier unpaid attempts of the order (best effort): a stale cashier must not take money. */
  private async closeSupersededTrades(
    ctx: RequestContext,
    order: Order,
    current: AlipayTrade,
  ): Promise<void> {
    const earlier = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { orderId: order.id, status: In([...UNPAID_RECORDED_STATUSES]), id: Not(current.id) },
    });
    for (const trade of earlier) {
      await this.closeAttempt(ctx, trade, `superseded by ${current.outTradeNo}`);
    }
  }

  /**
   * Before a new attempt: closes the oldest open attempts beyond the core's cap
   * (`attemptsToCloseBeforeNew`). False when one of them could not be closed: the new attempt must not
   * start then, or one shopper could pile up open trades while Alipay refuses the closes.
   */
  private async closeExcessAttempts(ctx: RequestContext, order: Order): Promise<boolean> {
    const open = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { orderId: order.id, status: In([...UNPAID_RECORDED_STATUSES]) },
    });
    let closedAll = true;
    for (const trade of attemptsToCloseBeforeNew(open)) {
      if (!(await this.closeAttempt(ctx, trade, 'too many open attempts of the order'))) {
        closedAll = false;
        // The newer ones would fail the same way; one failed call per refused attempt is enough.
        break;
      }
    }
    if (!closedAll) {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: new payment attempt refused: ${open.length} earlier attempts are still open and could not be closed`,
        loggerCtx,
      );
    }
    return closedAll;
  }

  /**
   * Closes an unpaid attempt on Alipay and marks it `SUPERSEDED`; true when Alipay no longer has it
   * open. When the close fails (Alipay unreachable, or the trade was paid meanwhile) the trade keeps its
   * status, so that notifications, syncs and reconciliation still apply a payment of it.
   */
  private async closeAttempt(ctx: RequestContext, trade: AlipayTrade, why: string): Promise<boolean> {
    const repo = this.connection.getRepository(ctx, AlipayTrade);
    const method = await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = method ? this.lookups.gatewayForTrade(method, trade) : undefined;
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
        `${describeTrade(trade)}: ${why}; ${existed ? 'closed on Alipay' : 'Alipay had not seen it'}`,
        loggerCtx,
      );
      return true;
    } catch (error) {
      await repo.update({ id: trade.id }, { supersededAt: new Date() });
      Logger.warn(
        `${describeTrade(trade)}: ${why} but could not be closed (reconciliation keeps watching it): ${describeError(error)}`,
        loggerCtx,
      );
      return false;
    }
  }

  /**
   * Verifies a return's parameters with the trade's settings and logs the result; the status for the
   * storefront is `unverified` unless Alipay signed them for this very trade.
   */
  private async verifyReturn(
    channel: Channel,
    trade: AlipayTrade,
    rawQuery: string,
  ): Promise<AlipayReturnStatus> {
    const ctx = await this.requestContextService.create({ apiType: 'admin', channelOrToken: channel });
    const method = await this.lookups.findAlipayMethod(ctx, trade.paymentMethodCode);
    const gateway = method ? this.lookups.gatewayForTrade(method, trade) : undefined;
    if (!gateway?.ok) {
      Logger.warn(
        `${describeTrade(trade)}: buyer returned; parameters not verified: ${gateway ? gateway.message.en : 'payment method missing'}; sent to the storefront as unverified`,
        loggerCtx,
      );
      return 'unverified';
    }
    if (gateway.alipay.generation === 'antom') {
      // Antom signs no return: the storefront shows the order's own state (its status sync asks Antom).
      Logger.info(
        `${describeTrade(trade)}: buyer returned from Antom's cashier; sent to the storefront as unverified (Antom signs no return)`,
        loggerCtx,
      );
      return 'unverified';
    }
    const verdict = gateway.alipay.handleReturn(rawQuery);
    if (verdict.ok && verdict.event.outTradeNo !== trade.outTradeNo) {
      Logger.warn(
        `${describeTrade(trade)}: buyer returned with parameters Alipay signed for another trade (${logSafe(verdict.event.outTradeNo)}); sent to the storefront as unverified, nothing changed`,
        loggerCtx,
      );
      return 'unverified';
    }
    if (!verdict.ok) {
      Logger.warn(
        `${describeTrade(trade)}: buyer returned with unverified parameters (${verdict.reason}): ${logSafe(verdict.message)}; sent to the storefront as unverified, nothing changed`,
        loggerCtx,
      );
      return 'unverified';
    }
    const status = storefrontReturnStatus(verdict.event.status);
    Logger.info(
      `${describeTrade({ ...trade, tradeNo: verdict.event.tradeNo })}: buyer returned from Alipay (verified, display only: ${verdict.event.alipayStatus || 'paid'}); sent to the storefront as ${status}`,
      loggerCtx,
    );
    return status;
  }
}

function intentError(reason: AlipayPaymentIntentErrorReason, hint?: string): AlipayPaymentIntentError {
  return {
    __typename: 'AlipayPaymentIntentError',
    errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR',
    reason,
    message: bilingualLine(INTENT_ERROR_MESSAGES[reason]),
    hint: hint ?? null,
  };
}

function intentErrorFor(error: unknown): AlipayPaymentIntentError {
  if (error instanceof InterfaceNotContractedError) {
    return intentError('INTERFACE_NOT_CONTRACTED', bilingualLine(error.hint));
  }
  if (error instanceof MoneyError) {
    return intentError('AMOUNT_NOT_ACCEPTED', bilingualLine(error.hint));
  }
  if (error instanceof AlipayNetworkError) {
    return intentError('GATEWAY_UNAVAILABLE', bilingualLine(error.hint));
  }
  if (error instanceof AlipayError) {
    return intentError('GATEWAY_ERROR', bilingualLine(error.hint));
  }
  throw error;
}

/** The minor unit of a currency, for log lines: fen for CNY, else e.g. `USD minor units`. */
function minorUnitName(currency: string): string {
  return currency === 'CNY' ? 'fen' : `${currency} minor units`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
