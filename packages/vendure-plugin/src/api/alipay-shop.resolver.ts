import { Args, Mutation, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, Ctx, Order, Permission, RequestContext } from '@vendure/core';
import { AlipayCheckoutService } from '../alipay-checkout.service';
import type { AlipayPaymentIntentInput, AlipayPaymentIntentResult } from '../types';

/** Shop API mutations of the plugin; they only delegate to {@link AlipayCheckoutService}. */
@Resolver()
export class AlipayShopResolver {
  constructor(private readonly checkoutService: AlipayCheckoutService) {}

  /**
   * `createAlipayPaymentIntent`: starts an Alipay payment for the caller's active order. No
   * `@Transaction()`: the service talks to Alipay (QR codes, closing superseded trades) and must not
   * hold a database transaction open meanwhile; its few writes are single statements.
   */
  @Mutation()
  @Allow(Permission.Owner)
  createAlipayPaymentIntent(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AlipayPaymentIntentInput,
  ): Promise<AlipayPaymentIntentResult> {
    return this.checkoutService.createPaymentIntent(ctx, input);
  }

  /**
   * `syncAlipayPaymentStatus`: pulls the verified status of an order's Alipay trades. No
   * `@Transaction()`: each answer is applied in its own transaction, exactly like a notification.
   */
  @Mutation()
  @Allow(Permission.Owner)
  syncAlipayPaymentStatus(
    @Ctx() ctx: RequestContext,
    @Args('orderCode') orderCode: string,
  ): Promise<Order | undefined> {
    return this.checkoutService.syncPaymentStatus(ctx, orderCode);
  }
}

/**
 * Tells GraphQL which member of the `AlipayPaymentIntentResult` union a result is. Every result
 * object carries its `__typename` (the TypeScript types require it), so no shape-sniffing is needed.
 */
@Resolver('AlipayPaymentIntentResult')
export class AlipayPaymentIntentResultResolver {
  /** Resolves the union member from the result's `__typename`. */
  @ResolveField()
  __resolveType(value: AlipayPaymentIntentResult): AlipayPaymentIntentResult['__typename'] {
    return value.__typename;
  }
}
