import { bilingualLine, currencyRefusal } from '@alipay-commerce/core';
import { LanguageCode, PaymentMethodEligibilityChecker } from '@vendure/core';

/** The code of {@link alipayCnyOnlyChecker}, as a payment method's `checker.code` names it. */
export const ALIPAY_CNY_CHECKER_CODE = 'alipay-cny-only';

/**
 * A payment method eligibility checker that offers Alipay on orders in Chinese yuan only (the core's
 * currency rule): an order in another currency lists the method with `isEligible: false` and a message in
 * English and Chinese that names the currency, instead of letting the buyer choose Alipay and fail at the
 * payment. Registered by {@link AlipayPlugin}; give it to every Alipay payment method
 * (`checker: { code: 'alipay-cny-only', arguments: [] }`).
 */
export const alipayCnyOnlyChecker = new PaymentMethodEligibilityChecker({
  code: ALIPAY_CNY_CHECKER_CODE,
  description: [
    { languageCode: LanguageCode.en, value: 'Alipay: orders in Chinese yuan (CNY) only' },
    { languageCode: LanguageCode.zh_Hans, value: '支付宝：仅限人民币（CNY）订单' },
  ],
  args: {},
  check: (_ctx, order) => {
    const refusal = currencyRefusal(order.currencyCode);
    return refusal === undefined ? true : bilingualLine(refusal);
  },
});
