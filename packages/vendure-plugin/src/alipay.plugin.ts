import {
  LanguageCode,
  PluginCommonModule,
  RuntimeVendureConfig,
  ScheduledTask,
  Type,
  VendurePlugin,
} from '@vendure/core';
import { AlipayController } from './alipay.controller';
import { alipayPaymentHandler } from './alipay.handler';
import { AlipayService } from './alipay.service';
import { AlipayCheckoutService } from './alipay-checkout.service';
import { alipayCnyOnlyChecker, alipayCurrencyChecker } from './alipay-eligibility';
import { AlipayEventLedger } from './alipay-event-ledger';
import { AlipayLookupService } from './alipay-lookup.service';
import { AlipayNotificationService } from './alipay-notification.service';
import {
  type AlipayPluginOptions,
  type ResolvedAlipayPluginOptions,
  resolveAlipayPluginOptions,
} from './alipay-options';
import { alipayEscrowOrderProcess, alipayFulfillmentProcess } from './alipay-order-process';
import { AlipayOrderViewService } from './alipay-order-view.service';
import { AlipayOrphanService } from './alipay-orphan.service';
import { AlipayReconciliationService, reconciliationSchedule } from './alipay-reconciliation.service';
import { AlipayRefundService } from './alipay-refund.service';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { alipayRefundProcess } from './alipay-refund-process';
import { AlipayShipmentService } from './alipay-shipment.service';
import { AlipayTradeEventService } from './alipay-trade-events.service';
import { AlipayAdminResolver, AlipayPaymentMethodResolver } from './api/alipay-admin.resolver';
import { AlipayPaymentIntentResultResolver, AlipayShopResolver } from './api/alipay-shop.resolver';
import { adminApiExtensions, shopApiExtensions } from './api/api-extensions';
import {
  ALIPAY_ALERT_FIELD,
  ALIPAY_NOTIFY_ROUTE,
  ALIPAY_PLUGIN_OPTIONS,
  ALIPAY_RECONCILIATION_TASK_ID,
} from './constants';
import { AlipayNotificationReceipt } from './entities/alipay-notification-receipt.entity';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import { createNotifyBodyParser } from './notify-body-parser';
import {
  AlipayPaymentMethodSubscriber,
  updateAlipaySettingsPermission,
} from './payment-method-settings.subscriber';

/**
 * Adds the mandatory pieces to Vendure's configuration: the `alipay` payment method handler, the
 * `alipay-cny-only` and `alipay-currency` payment method eligibility checkers, the raw-body reader on the notify route, the
 * refund process that lets Alipay refunds start `Pending`, the order process that lets escrow orders
 * ship before their payment settles, and the reconciliation task. Idempotent: a config object that
 * goes through plugin configuration twice (an app that bootstraps more than once per process) gets
 * none of them twice.
 */
function configureAlipay(config: RuntimeVendureConfig): RuntimeVendureConfig {
  const options = AlipayPlugin.options;
  if (!options) {
    throw new Error('Add the Alipay plugin as AlipayPlugin.init({ publicBaseUrl, storefrontReturnUrl, … })');
  }
  config.authOptions.customPermissions = config.authOptions.customPermissions ?? [];
  const { customPermissions } = config.authOptions;
  if (
    !customPermissions.some(permission => permission.Permission === updateAlipaySettingsPermission.Permission)
  ) {
    customPermissions.push(updateAlipaySettingsPermission);
  }
  const { paymentMethodHandlers } = config.paymentOptions;
  if (!paymentMethodHandlers.includes(alipayPaymentHandler)) {
    paymentMethodHandlers.push(alipayPaymentHandler);
  }
  config.paymentOptions.paymentMethodEligibilityCheckers =
    config.paymentOptions.paymentMethodEligibilityCheckers ?? [];
  const { paymentMethodEligibilityCheckers } = config.paymentOptions;
  for (const alipayChecker of [alipayCnyOnlyChecker, alipayCurrencyChecker]) {
    if (!paymentMethodEligibilityCheckers.some(checker => checker.code === alipayChecker.code)) {
      paymentMethodEligibilityCheckers.push(alipayChecker);
    }
  }
  const { middleware } = config.apiOptions;
  if (!middleware.some(m => m.route === ALIPAY_NOTIFY_ROUTE)) {
    // Mounted before Nest's global body parsers: those answer 415 to `charset=GBK` and would
    // percent-decode bytes with the wrong charset. Once this reader has read the stream, the
    // global parsers skip the request; a body it refuses is answered (and the socket closed) there. Scoped to the notify route only, so GraphQL is unaffected.
    middleware.push({
      route: ALIPAY_NOTIFY_ROUTE,
      handler: createNotifyBodyParser(),
      beforeListen: true,
    });
  }
  config.paymentOptions.refundProcess = config.paymentOptions.refundProcess ?? [];
  const { refundProcess } = config.paymentOptions;
  if (!refundProcess.includes(alipayRefundProcess)) {
    refundProcess.push(alipayRefundProcess);
  }
  const orderProcess = config.orderOptions.process;
  if (!orderProcess.includes(alipayEscrowOrderProcess)) {
    orderProcess.push(alipayEscrowOrderProcess);
  }
  config.shippingOptions.process = config.shippingOptions.process ?? [];
  const fulfillmentProcess = config.shippingOptions.process as unknown[];
  if (!fulfillmentProcess.includes(alipayFulfillmentProcess)) {
    fulfillmentProcess.push(alipayFulfillmentProcess);
  }
  config.customFields.Order = config.customFields.Order ?? [];
  const orderFields = config.customFields.Order;
  if (!orderFields.some(field => field.name === ALIPAY_ALERT_FIELD)) {
    orderFields.push({
      name: ALIPAY_ALERT_FIELD,
      type: 'text',
      nullable: true,
      readonly: true,
      public: false,
      label: [
        { languageCode: LanguageCode.en, value: 'Alipay alert' },
        { languageCode: LanguageCode.zh_Hans, value: '支付宝提醒' },
      ],
      description: [
        {
          languageCode: LanguageCode.en,
          value: 'Set when Alipay closed or refunded this order’s trade, or a refund needs a person.',
        },
        {
          languageCode: LanguageCode.zh_Hans,
          value: '支付宝关闭或退款了该订单的交易，或某笔退款需要人工处理时设置。',
        },
      ],
    });
  }
  config.schedulerOptions.tasks = config.schedulerOptions.tasks ?? [];
  const { tasks } = config.schedulerOptions;
  if (options.reconciliationIntervalMinutes > 0 && !tasks.some(t => t.id === ALIPAY_RECONCILIATION_TASK_ID)) {
    tasks.push(
      new ScheduledTask({
        id: ALIPAY_RECONCILIATION_TASK_ID,
        description:
          'Queries Alipay about trades without a verified notification and applies the answers; refunds orphan payments when enabled.',
        schedule: reconciliationSchedule(options.reconciliationIntervalMinutes),
        preventOverlap: true,
        execute: ({ injector }) => injector.get(AlipayReconciliationService).reconcilePendingTrades(),
      }),
    );
  }
  return config;
}

/**
 * Alipay (支付宝) payments for Vendure 3.
 *
 * Registers the `alipay` payment method handler (whose arguments are the Alipay settings form,
 * validated by the core when saved), the `alipay-cny-only` (CNY orders only) and `alipay-currency`
 * (the currencies of the method's interface type: CNY, or the shop's currency for `antom`) payment
 * method eligibility checkers, the notify and return endpoints under `/payments/alipay`, the
 * `createAlipayPaymentIntent` and `syncAlipayPaymentStatus` Shop API mutations, the
 * `alipayOrphanPayments` Admin API query, the `alipay-confirm-shipment` job queue, the
 * `alipay-reconcile-pending-trades` scheduled task, the shipping gate (order and fulfillment
 * processes), the `alipayAlert` custom field on `Order`, and the `AlipayTrade`,
 * `AlipayNotificationReceipt` and `AlipayRefund` entities (a migration is needed when `synchronize` is
 * off).
 *
 * @example
 * ```ts
 * // vendure-config.ts
 * plugins: [
 *   AlipayPlugin.init({
 *     publicBaseUrl: 'https://api.shop.example',
 *     storefrontReturnUrl: 'https://shop.example/checkout/alipay',
 *   }),
 * ],
 * ```
 */
@VendurePlugin({
  imports: [PluginCommonModule],
  entities: [AlipayTrade, AlipayNotificationReceipt, AlipayRefund],
  controllers: [AlipayController],
  providers: [
    AlipayLookupService,
    AlipayEventLedger,
    AlipayRefundBookService,
    AlipayRefundService,
    AlipayOrphanService,
    AlipayOrderViewService,
    AlipayTradeEventService,
    AlipayNotificationService,
    AlipayService,
    AlipayCheckoutService,
    AlipayShipmentService,
    AlipayReconciliationService,
    AlipayPaymentMethodSubscriber,
    { provide: ALIPAY_PLUGIN_OPTIONS, useFactory: () => AlipayPlugin.options },
  ],
  exports: [
    AlipayService,
    AlipayNotificationService,
    AlipayTradeEventService,
    AlipayLookupService,
    AlipayRefundService,
    AlipayRefundBookService,
    AlipayOrphanService,
    AlipayOrderViewService,
    AlipayCheckoutService,
    AlipayShipmentService,
    AlipayReconciliationService,
  ],
  shopApiExtensions: {
    schema: shopApiExtensions,
    resolvers: [AlipayShopResolver, AlipayPaymentIntentResultResolver],
  },
  adminApiExtensions: {
    schema: adminApiExtensions,
    resolvers: [AlipayAdminResolver, AlipayPaymentMethodResolver],
  },
  configuration: configureAlipay,
  // The Dashboard extension (src/dashboard, shipped as source): compiled by the shop's Dashboard build.
  // Relative to this file, and '../src/' resolves to the same folder from src/ and from dist/.
  dashboard: '../src/dashboard/index.tsx',
  compatibility: '^3.0.0',
})
// biome-ignore lint/complexity/noStaticOnlyClass: Vendure plugins are classes configured through a static init()
export class AlipayPlugin {
  /** The options of the last `init()` call, validated; `undefined` until `init()` is called. */
  static options: ResolvedAlipayPluginOptions | undefined;

  /**
   * Validates `options` (throwing an `AlipayPluginOptionsError` that names the bad option) and
   * returns the plugin class to put in `plugins`.
   */
  static init(options: AlipayPluginOptions): Type<AlipayPlugin> {
    AlipayPlugin.options = resolveAlipayPluginOptions(options);
    return AlipayPlugin;
  }
}
