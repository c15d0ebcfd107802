import { type Bilingual, bilingualLine, currencyRefusal } from '@alipay-commerce/core';
import { interfaceGeneration } from '@alipay-commerce/core/settings';
import {
  type Injector,
  LanguageCode,
  type PaymentMethod,
  PaymentMethodEligibilityChecker,
} from '@vendure/core';
import { AlipayLookupService } from './alipay-lookup.service';

/** The code of {@link alipayCnyOnlyChecker}, as a payment method's `checker.code` names it. */
export const ALIPAY_CNY_CHECKER_CODE = 'alipay-cny-only';

/** The code of {@link alipayCurrencyChecker}, as a payment method's `checker.code` names it. */
export const ALIPAY_CURRENCY_CHECKER_CODE = 'alipay-currency';

/**
 * A payment method eligibility checker that offers Alipay on orders in Chinese yuan only (the core's
 * currency rule for the mainland interfaces): an order in another currency lists the method with
 * `isEligible: false` and a message in English and Chinese that names the currency, instead of letting
 * the buyer choose Alipay and fail at the payment. Registered by {@link AlipayPlugin}; right for the
 * mainland interface types (legacy, OpenAPI). A method of interface type `antom` takes other currencies:
 * give it {@link alipayCurrencyChecker} instead.
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

let lookups: AlipayLookupService | undefined;

/**
 * Why an order in `currency` cannot be paid with this Alipay payment method, asked of the method's own
 * facade (`alipay.currencyRefusal`): the mainland interfaces take CNY only, `antom` the currencies Antom
 * knows. When the settings are unusable the facade cannot be asked: a mainland method keeps the CNY rule,
 * an `antom` one stays listed and the payment start names the settings to fix (`INVALID_SETTINGS`).
 */
export function methodCurrencyRefusal(
  method: PaymentMethod,
  currency: string,
  gateways: Pick<AlipayLookupService, 'gatewayFor'> | undefined,
): Bilingual | undefined {
  const gateway = gateways?.gatewayFor(method);
  if (gateway?.ok) return gateway.alipay.currencyRefusal(currency);
  const interfaceType = method.handler.args.find(arg => arg.name === 'interfaceType')?.value;
  return interfaceGeneration(interfaceType) === 'antom' ? undefined : currencyRefusal(currency);
}

/**
 * A payment method eligibility checker that offers an Alipay payment method on orders in the currencies
 * its interface type accepts, as the method's facade says (`currencyRefusal`): CNY for the mainland
 * interfaces (legacy, OpenAPI), the shop's currency (USD, EUR, JPY…) for `antom`. Otherwise the method is
 * listed with `isEligible: false` and the bilingual reason. The optional `currencies` argument narrows
 * it further (e.g. `USD` for an antom method beside a mainland method that takes the CNY orders).
 * Registered by {@link AlipayPlugin}; give it to every Alipay payment method
 * (`checker: { code: 'alipay-currency', arguments: [{ name: 'currencies', value: 'USD' }] }`), and it
 * must be given to `antom` methods (the `alipay-cny-only` checker would refuse their orders).
 */
export const alipayCurrencyChecker = new PaymentMethodEligibilityChecker({
  code: ALIPAY_CURRENCY_CHECKER_CODE,
  description: [
    {
      languageCode: LanguageCode.en,
      value:
        'Alipay: orders in the currencies of the interface type (CNY for mainland, the shop’s currency for Antom)',
    },
    {
      languageCode: LanguageCode.zh_Hans,
      value: '支付宝：按接口类型限定订单币种（境内接口仅人民币，Antom 跨境为商店币种）',
    },
  ],
  args: {
    currencies: {
      type: 'string',
      required: false,
      defaultValue: '',
      label: [
        { languageCode: LanguageCode.en, value: 'Only these currencies' },
        { languageCode: LanguageCode.zh_Hans, value: '仅限这些币种' },
      ],
      description: [
        {
          languageCode: LanguageCode.en,
          value:
            'Optional, comma-separated ISO codes, e.g. USD, EUR: offer the method on orders in these currencies only (among those its interface type accepts). A shop with a mainland method for CNY orders gives its antom method the other currencies here. Empty: every currency the interface type accepts.',
        },
        {
          languageCode: LanguageCode.zh_Hans,
          value:
            '可选，以逗号分隔的 ISO 币种代码，例如 USD, EUR：仅对这些币种的订单提供此支付方式（且须为接口类型支持的币种）。已有境内支付方式处理人民币订单的商店，可在 antom 支付方式中填写其他币种。留空：接口类型支持的所有币种。',
        },
      ],
    },
  },
  init: (injector: Injector) => {
    lookups = injector.get(AlipayLookupService);
  },
  check: (_ctx, order, args, method) => {
    const refusal =
      listedCurrencyRefusal(args.currencies, order.currencyCode) ??
      methodCurrencyRefusal(method, order.currencyCode, lookups);
    return refusal === undefined ? true : bilingualLine(refusal);
  },
});

/**
 * The refusal when the merchant limited a method to some currencies (the checker's `currencies`
 * argument) and the order is in another one; `undefined` when it is listed or nothing is listed.
 */
export function listedCurrencyRefusal(listed: string | undefined, currency: string): Bilingual | undefined {
  const codes = (listed ?? '')
    .split(',')
    .map(code => code.trim().toUpperCase())
    .filter(Boolean);
  if (codes.length === 0 || codes.includes(currency.toUpperCase())) return undefined;
  const list = codes.join(', ');
  return {
    en: `This Alipay payment method takes orders in ${list} only, and this order is in ${currency}.`,
    zh: `该支付宝支付方式仅用于 ${list} 订单，此订单的币种为 ${currency}。`,
  };
}
