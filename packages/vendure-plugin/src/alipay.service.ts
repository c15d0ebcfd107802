import { Inject, Injectable } from '@nestjs/common';
import {
  CancelPaymentErrorResult,
  CancelPaymentResult,
  ChannelNotFoundError,
  ChannelService,
  CreatePaymentErrorResult,
  CreatePaymentResult,
  CreateRefundFn,
  CreateRefundResult,
  Order,
  Payment,
  PaymentMetadata,
  PaymentMethod,
  RequestContext,
  SettlePaymentErrorResult,
  SettlePaymentResult,
  TransactionalConnection,
} from '@vendure/core';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import type { AlipayHandlerArgs, AlipayHandlerArgValues } from './alipay-settings';
import { buildNotifyUrl, buildReturnUrl, buildStorefrontOrderUrl } from './alipay-urls';
import { ALIPAY_PLUGIN_OPTIONS } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';
import { AlipayNotImplementedError } from './errors';
import type {
  AlipayNotifyInput,
  AlipayNotifyReply,
  AlipayPaymentIntentInput,
  AlipayPaymentIntentResult,
  AlipayReturnInput,
} from './types';

/** The refund input Vendure hands to `createRefund` (not exported by `@vendure/core` itself). */
export type AlipayRefundOrderInput = Parameters<CreateRefundFn<AlipayHandlerArgs>>[1];

/**
 * All Alipay work of the plugin: the handler, the controller and the Shop API resolver only
 * delegate here. Exported by the plugin so a shop can build custom flows on top of it.
 */
@Injectable()
export class AlipayService {
  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly channelService: ChannelService,
  ) {}

  /** The `notify_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  notifyUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildNotifyUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  /** The `return_url` to give Alipay for a payment with `paymentMethodCode` in the context's channel. */
  returnUrl(ctx: RequestContext, paymentMethodCode: string): string {
    return buildReturnUrl(this.options.publicBaseUrl, ctx.channel.token, paymentMethodCode);
  }

  /**
   * Where to send a buyer whom Alipay returned to the shop: the storefront page of the order that
   * the trade in `out_trade_no` belongs to, or `undefined` when no such trade exists for that
   * channel and payment method.
   *
   * Only the lookup happens here; the return parameters are not trusted to change anything. The
   * storefront page then asks for the verified status (`syncAlipayPaymentStatus`).
   */
  async findReturnRedirect(input: AlipayReturnInput): Promise<string | undefined> {
    const outTradeNo = input.query.out_trade_no;
    // A repeated parameter arrives as an array; anything but one plain string is not ours.
    if (typeof outTradeNo !== 'string' || outTradeNo === '') {
      return undefined;
    }
    let channelId: AlipayTrade['channelId'];
    try {
      channelId = (await this.channelService.getChannelFromToken(input.channelToken)).id;
    } catch (error) {
      if (error instanceof ChannelNotFoundError) {
        return undefined;
      }
      throw error;
    }
    const trade = await this.connection.rawConnection.getRepository(AlipayTrade).findOne({
      where: { outTradeNo, channelId, paymentMethodCode: input.paymentMethodCode },
    });
    return trade ? buildStorefrontOrderUrl(this.options.storefrontOrderUrl, trade.orderCode) : undefined;
  }

  /**
   * Starts an Alipay payment for the active order and says how the storefront presents it.
   */
  async createPaymentIntent(
    _ctx: RequestContext,
    _input: AlipayPaymentIntentInput,
  ): Promise<AlipayPaymentIntentResult> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('createPaymentIntent');
  }

  /**
   * Asks Alipay for the status of the order's open trades and records a payment that succeeded;
   * returns the order (or `undefined` when the caller may not see it).
   */
  async syncPaymentStatus(_ctx: RequestContext, _orderCode: string): Promise<Order | undefined> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('syncPaymentStatus');
  }

  /**
   * Processes one delivery to the notify endpoint and returns the reply Alipay must read:
   * `success` once the notification is handled (or deliberately ignored), `failure` to be retried.
   */
  async handleNotify(_input: AlipayNotifyInput): Promise<AlipayNotifyReply> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('handleNotify');
  }

  /** Builds the Vendure payment for a verified Alipay trade (handler `createPayment`, admin context only). */
  async createPayment(
    _ctx: RequestContext,
    _order: Order,
    _amount: number,
    _settings: AlipayHandlerArgValues,
    _metadata: PaymentMetadata,
    _method: PaymentMethod,
  ): Promise<CreatePaymentResult | CreatePaymentErrorResult> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('createPayment');
  }

  /** Settles an authorised payment (legacy escrow: after the buyer confirmed receipt). */
  async settlePayment(
    _ctx: RequestContext,
    _order: Order,
    _payment: Payment,
    _settings: AlipayHandlerArgValues,
    _method: PaymentMethod,
  ): Promise<SettlePaymentResult | SettlePaymentErrorResult> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('settlePayment');
  }

  /** Cancels a payment (closes the Alipay trade when it is still open). */
  async cancelPayment(
    _ctx: RequestContext,
    _order: Order,
    _payment: Payment,
    _settings: AlipayHandlerArgValues,
    _method: PaymentMethod,
  ): Promise<CancelPaymentResult | CancelPaymentErrorResult> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('cancelPayment');
  }

  /** Refunds (part of) a payment through Alipay. */
  async createRefund(
    _ctx: RequestContext,
    _input: AlipayRefundOrderInput,
    _amount: number,
    _order: Order,
    _payment: Payment,
    _settings: AlipayHandlerArgValues,
    _method: PaymentMethod,
  ): Promise<CreateRefundResult> {
    // wired to the core facade in the next phase
    throw new AlipayNotImplementedError('createRefund');
  }
}
