import { ForbiddenError, LanguageCode, Logger, PaymentMethodHandler } from '@vendure/core';
import { AlipayService } from './alipay.service';
import { describeTrade } from './alipay-log';
import { alipayHandlerArgs } from './alipay-settings';
import { ALIPAY_HANDLER_CODE, loggerCtx } from './constants';

/** Set in `init()` when Vendure starts the handler; the callbacks below run only after that. */
let alipayService: AlipayService | undefined;

function getAlipayService(): AlipayService {
  if (!alipayService) {
    throw new Error('The Alipay payment handler was used before Vendure initialised it');
  }
  return alipayService;
}

/**
 * The Vendure payment method handler with code `alipay`. Its `args` are the settings form of an
 * Alipay payment method (see {@link alipayHandlerArgs}); every callback delegates to
 * {@link AlipayService}.
 *
 * `createPayment` only runs in the Admin API context: the plugin records Alipay payments itself,
 * from verified notifications and status queries. The Shop API's `addPaymentToOrder` must not
 * reach it, or a buyer could declare an unpaid order paid.
 */
export const alipayPaymentHandler = new PaymentMethodHandler({
  code: ALIPAY_HANDLER_CODE,
  description: [
    { languageCode: LanguageCode.en, value: 'Alipay' },
    { languageCode: LanguageCode.zh_Hans, value: '支付宝' },
  ],
  args: alipayHandlerArgs,

  init(injector) {
    alipayService = injector.get(AlipayService);
  },

  destroy() {
    alipayService = undefined;
  },

  createPayment(ctx, order, amount, args, metadata, method) {
    if (ctx.apiType !== 'admin') {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: refused to create an Alipay payment from the ${ctx.apiType} API: Alipay payments are recorded from verified notifications only`,
        loggerCtx,
      );
      throw new ForbiddenError();
    }
    return getAlipayService().createPayment(ctx, order, amount, args, metadata, method);
  },

  settlePayment(ctx, order, payment, args, method) {
    return getAlipayService().settlePayment(ctx, order, payment, args, method);
  },

  cancelPayment(ctx, order, payment, args, method) {
    return getAlipayService().cancelPayment(ctx, order, payment, args, method);
  },

  createRefund(ctx, input, amount, order, payment, args, method) {
    return getAlipayService().createRefund(ctx, input, amount, order, payment, args, method);
  },
});
