import type { Bilingual } from '@alipay-commerce/core';
import { bilingualLine } from '@alipay-commerce/core';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Channel,
  ChannelNotFoundError,
  ChannelService,
  HistoryService,
  type ID,
  Order,
  type Payment,
  PaymentMethod,
  RequestContext,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { AlipayGateways, type GatewayResult, type TradeOrigin } from './alipay-gateways';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { buildNotifyUrl, buildReturnUrl } from './alipay-urls';
import { ALIPAY_HANDLER_CODE, ALIPAY_PLUGIN_OPTIONS } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';

/**
 * What every part of the plugin looks up: the channel and Alipay payment method of a request, the
 * Alipay facade for new payments or for an existing trade, the trade of a payment, the notify and
 * return URLs, and the order history. Platform mechanics only; no payment policy lives here.
 */
@Injectable()
export class AlipayLookupService {
  /** The Alipay facades: the current settings for new payments, the trade's generation for the rest. */
  private readonly gateways: AlipayGateways;

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly channelService: ChannelService,
    private readonly requestContextService: RequestContextService,
    private readonly historyService: HistoryService,
  ) {
    this.gateways = new AlipayGateways(options.http, options.settingsPolicy);
  }

  /** The `notify_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  notifyUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildNotifyUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  /** The `return_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  returnUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildReturnUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  /**
   * The Alipay facade for NEW payments of a payment method: its current settings (secrets resolved),
   * cached per distinct settings; or the issues that make the settings unusable. Anything about an
   * existing trade goes through {@link AlipayLookupService.gatewayForTrade} instead.
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
  gatewayForPayment(method: PaymentMethod, payment: Payment, trade: AlipayTrade | null): GatewayResult {
    if (trade) return this.gatewayForTrade(method, trade);
    const metadata = payment.metadata as { interfaceType?: unknown; outTradeNo?: unknown } | null;
    if (typeof metadata?.interfaceType === 'string' && typeof metadata.outTradeNo === 'string') {
      return this.gatewayForTrade(method, {
        outTradeNo: metadata.outTradeNo,
        interfaceType: metadata.interfaceType,
        createdWith: null,
      });
    }
    return this.gatewayFor(method);
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

  /** The trade with this `out_trade_no` in the context's channel. */
  findTrade(ctx: RequestContext, outTradeNo: string): Promise<AlipayTrade | null> {
    return this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { outTradeNo, channelId: ctx.channelId } });
  }

  /** The trade a Vendure payment records (its `transactionId` is Alipay's trade number). */
  async tradeOfPayment(ctx: RequestContext, payment: Payment): Promise<AlipayTrade | null> {
    if (!payment.transactionId) return null;
    return this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { tradeNo: payment.transactionId } });
  }

  /**
   * The order a payment event is about, in the context's channel: its own columns only (state, totals,
   * currency, placed date), which is all the checks before Vendure's `addPaymentToOrder` need.
   */
  orderForPayment(ctx: RequestContext, orderId: ID): Promise<Order | null> {
    return this.connection
      .getRepository(ctx, Order)
      .createQueryBuilder('order')
      .innerJoin('order.channels', 'channel', 'channel.id = :channelId', { channelId: ctx.channelId })
      .where('order.id = :orderId', { orderId })
      .getOne();
  }

  /** The channel with this token, or `undefined` (never an error) when there is none. */
  async channelByToken(token: string): Promise<Channel | undefined> {
    try {
      return await this.channelService.getChannelFromToken(token);
    } catch (error) {
      if (error instanceof ChannelNotFoundError) return undefined;
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

  /** Adds an admin-only bilingual note to the order's history. */
  async addOrderNote(ctx: RequestContext, orderId: ID, note: Bilingual): Promise<void> {
    type HistoryType = Parameters<HistoryService['createHistoryEntryForOrder']>[0]['type'];
    await this.historyService.createHistoryEntryForOrder(
      {
        ctx,
        orderId,
        // HistoryEntryType.ORDER_NOTE: an admin-only note in the order's timeline.
        type: 'ORDER_NOTE' as HistoryType,
        data: { note: bilingualLine(note) },
      },
      false,
    );
  }

  /**
   * Flags the order for the admin (the `alipayAlert` custom field, shown on the order page) and notes
   * the same text in its history: something happened at Alipay that a person must act on.
   */
  async flagOrder(ctx: RequestContext, orderId: ID, alert: Bilingual): Promise<void> {
    await this.connection
      .getRepository(ctx, Order)
      .update({ id: orderId }, { customFields: { alipayAlert: bilingualLine(alert) } } as never);
    await this.addOrderNote(ctx, orderId, alert);
  }
}
