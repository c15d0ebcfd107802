/**
 * `@alipay-commerce/vendure`: Alipay (支付宝) payments for Vendure 3. What a shop uses: the plugin and its
 * options, the payment method handler and eligibility checker it registers, the job-queue backoff for its
 * shipment queue, the reconciliation service (to run reconciliation on a schedule of one's own), and the
 * types a storefront reads. The plugin's other services, entities and helpers are its own business.
 *
 * @packageDocumentation
 */

export { alipayPaymentHandler } from './alipay.handler';
export { AlipayPlugin } from './alipay.plugin';
export {
  ALIPAY_CNY_CHECKER_CODE,
  ALIPAY_CURRENCY_CHECKER_CODE,
  alipayCnyOnlyChecker,
  alipayCurrencyChecker,
} from './alipay-eligibility';
export type { AlipayPaymentIntentErrorReason } from './alipay-messages';
export type { AlipayGatewayHttpOptions, AlipayGoodsTypeFn, AlipayPluginOptions } from './alipay-options';
export { AlipayPluginOptionsError } from './alipay-options';
export { AlipayReconciliationService } from './alipay-reconciliation.service';
export type { AlipayHandlerArgs } from './alipay-settings';
export { alipayBackoffStrategy } from './alipay-shipment.service';
export type { AlipayReturnStatus } from './alipay-urls';
export type {
  AlipayOrphanPayment,
  AlipayPaymentIntentResult,
  AlipayPaymentMetadata,
  AlipayReconciliationSummary,
} from './types';
