import { maskSecret } from '@alipay-commerce/core';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, Ctx, type ID, type PaymentMethod, Permission, RequestContext } from '@vendure/core';
import { isLiteralSecret, SECRET_ARG_NAMES } from '../alipay-method-args';
import { AlipayOrderViewService } from '../alipay-order-view.service';
import { AlipayOrphanService } from '../alipay-orphan.service';
import { ALIPAY_HANDLER_CODE } from '../constants';
import type { AlipayOrderSummary, AlipayOrphanPayment } from '../types';

/**
 * Admin API queries and mutations of the plugin; they only delegate to {@link AlipayOrphanService} and
 * {@link AlipayOrderViewService}.
 */
@Resolver()
export class AlipayAdminResolver {
  constructor(
    private readonly orphans: AlipayOrphanService,
    private readonly orderView: AlipayOrderViewService,
  ) {}

  /** `alipayOrphanPayments`: paid trades of the channel that could not be applied to their order. */
  @Query()
  @Allow(Permission.ReadOrder)
  alipayOrphanPayments(@Ctx() ctx: RequestContext): Promise<AlipayOrphanPayment[]> {
    return this.orphans.findOrphanPayments(ctx);
  }

  /** `alipayOrder`: the Alipay trades and refunds of one order of the channel (the Dashboard's panel). */
  @Query()
  @Allow(Permission.ReadOrder)
  alipayOrder(@Ctx() ctx: RequestContext, @Args('orderId') orderId: ID): Promise<AlipayOrderSummary> {
    return this.orderView.orderSummary(ctx, orderId);
  }

  /** `refundAlipayOrphanPayment`: refunds an orphan payment in full (once, whatever the calls). */
  @Mutation()
  @Allow(Permission.UpdateOrder)
  refundAlipayOrphanPayment(
    @Ctx() ctx: RequestContext,
    @Args('outTradeNo') outTradeNo: string,
  ): Promise<AlipayOrphanPayment | undefined> {
    return this.orphans.refundOrphanPayment(ctx, outTradeNo);
  }
}

/**
 * Masks the secrets of Alipay payment methods in every Admin API answer (`paymentMethod`,
 * `paymentMethods`, the create and update mutations): a literal MD5 key, private key, AES key or app
 * auth token comes back as `••••` plus at most its last 4 characters. `env:NAME` references are not
 * secrets and come back as stored. Saving the form with the mask unchanged keeps the stored secret
 * (see `AlipayPaymentMethodSubscriber`).
 */
@Resolver('PaymentMethod')
export class AlipayPaymentMethodResolver {
  /** The `handler` field with Alipay secrets masked; other handlers are returned untouched. */
  @ResolveField()
  handler(@Parent() paymentMethod: PaymentMethod): PaymentMethod['handler'] {
    const { handler } = paymentMethod;
    if (handler?.code !== ALIPAY_HANDLER_CODE) {
      return handler;
    }
    return {
      ...handler,
      args: handler.args.map(arg =>
        SECRET_ARG_NAMES.includes(arg.name) && isLiteralSecret(arg.value)
          ? { ...arg, value: maskSecret(arg.value) }
          : arg,
      ),
    };
  }
}
