import {
  LanguageCode,
  type Order,
  PluginCommonModule,
  type RequestContext,
  RuntimeVendureConfig,
  ScheduledTask,
  Type,
  VendurePlugin,
} from '@vendure/core';
import { AlipayController } from './alipay.controller';
import { alipayPaymentHandler } from './alipay.handler';
import { AlipayService } from './alipay.service';
import { AlipayCheckoutService } from './alipay-checkout.service';
import { alipayCnyOnlyChecker } from './alipay-eligibility';
import { AlipayEventLedger } from './alipay-event-ledger';
import { reconciliationSchedule } from './alipay-helpers';
import { AlipayLookupService } from './alipay-lookup.service';
import { type ResolvedAlipayPluginOptions, resolveAlipayPluginOptions } from './alipay-options';
import { alipayEscrowOrderProcess, alipayFulfillmentProcess } from './alipay-order-process';
import { AlipayReconciliationService } from './alipay-reconciliation.service';
import { AlipayRefundService } from './alipay-refund.service';
import { alipayRefundProcess } from './alipay-refund-process';
import { AlipayShipmentService } from './alipay-shipment.service';
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

/** Timeouts and retries of the calls to Alipay's gateway (the core's defaults when omitted). */
export interface AlipayGatewayHttpOptions {
  /** Abort a call after this many milliseconds. Core default 10 000. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (queries, notify_verify, close). Core default 2. */
  retries?: number;
  /** Delay before the first retry in milliseconds, doubled each time. Core default 200. */
  retryDelayMs?: number;
}

/**
 * Decides whether an order holds physical goods (escrow and dual trades then carry logistics and
 * need a shipment confirmation) or only virtual ones (`logistics_type=DIRECT`).
 */
export type AlipayGoodsTypeFn = (
  ctx: RequestContext,
  order: Order,
) => 'physical' | 'virtual' | Promise<'physical' | 'virtual'>;

/**
 * Options of {@link AlipayPlugin}, given to `AlipayPlugin.init()`. Per-merchant settings (keys,
 * gateway, Alipay product) are not here: they are the arguments of each Alipay payment method,
 * so every channel can have its own.
 */
export interface AlipayPluginOptions {
  /**
   * The public base URL of this Vendure server as Alipay's servers and the buyer's browser reach
   * it, without a trailing slash. The notify and return URLs are built under it:
   * `{publicBaseUrl}/payments/alipay/notify/{channelToken}/{paymentMethodCode}` and
   * `{publicBaseUrl}/payments/alipay/return/{channelToken}/{paymentMethodCode}`.
   * It may include a path prefix when a proxy mounts Vendure under one.
   *
   * @example 'https://api.shop.example'
   */
  publicBaseUrl: string;

  /**
   * The storefront page where the return endpoint sends the buyer back from Alipay, and the mobile
   * cashier's back link (`quit_url`). The return endpoint adds only `status` (`paid`, `authorized`,
   * `pending` or `unverified`, for display) and never names the order, the trade or a session, signed
   * or not: whoever paid follows it — in a "pay for me" link, someone else than the buyer — and
   * Vendure's `orderByCode` shows a guest order to anyone holding its code. The page shows the order of
   * its own session (the storefront remembers which order it sent to Alipay) and, in a browser that has
   * none, only that the payment was received. Must not contain `:code`; the `storefrontOrderUrl` and
   * `storefrontHomeUrl` options of earlier versions are refused at startup.
   *
   * @example 'https://shop.example/checkout/alipay'
   */
  storefrontReturnUrl: string;

  /**
   * How often, in minutes, the scheduled task `alipay-reconcile-pending-trades` queries Alipay about
   * trades that are still open, so that a lost notification cannot leave a paid order unpaid (below
   * 60 a cron `*\/N`, above whole hours). `0` registers no task. Scheduled tasks only run with
   * Vendure's `DefaultSchedulerPlugin` (or another scheduler strategy), by default in the worker.
   *
   * @default 5 (the core's `RECONCILE_INTERVAL_MS`)
   */
  reconciliationIntervalMinutes?: number;

  /**
   * Minutes after creating a trade (or requesting a refund) before reconciliation asks Alipay about it:
   * its own notification or answer may still come before that.
   *
   * @default 5 (the core's `RECONCILE_AFTER_MS`)
   */
  pendingAfterMinutes?: number;

  /**
   * What to do with an orphan payment: money Alipay reports for an order that cannot take it
   * (gone, cancelled, already paid by another trade, total changed meanwhile). Orphans are always
   * logged, written to the order history and listed by the Admin API query `alipayOrphanPayments`;
   * `true` also refunds them automatically (once, idempotently).
   *
   * @default false
   */
  autoRefundOrphanPayments?: boolean;

  /**
   * How many times a failed escrow shipment confirmation (发货) is retried by the job queue
   * `alipay-confirm-shipment` before the failure is written to the order history. Vendure sets the
   * delay between attempts per job queue strategy: pass `alipayBackoffStrategy()` to
   * `DefaultJobQueuePlugin.init({ backoffStrategy })` for the core's schedule (15 s doubling to an hour).
   *
   * @default 9 (the core's `MAX_SHIPMENT_ATTEMPTS` attempts in all)
   */
  shipmentConfirmationRetries?: number;

  /**
   * Minutes after which Alipay closes an unpaid trade (`timeout_express` / `it_b_pay`). Alipay's own
   * default applies when omitted.
   */
  paymentTimeoutMinutes?: number;

  /** Timeouts and retries of the calls to Alipay. */
  http?: AlipayGatewayHttpOptions;

  /**
   * Gateway URLs an administrator may type in a payment method's `gateway` besides `production` and
   * `sandbox` (e.g. a forward proxy in front of Alipay). Each is an `https://` URL; a gateway is allowed
   * when its origin is one of theirs. Added to the comma-separated `ALIPAY_ALLOWED_GATEWAYS`.
   *
   * @default []
   */
  allowedGateways?: string[];

  /**
   * Lets a payment method's `gateway` point at this machine (the offline sandbox): development only.
   * `ALIPAY_ALLOW_LOOPBACK_GATEWAY=true` does the same.
   *
   * @default false
   */
  allowLoopbackGateway?: boolean;

  /**
   * The prefix every `env:NAME` secret must start with, so an administrator cannot read other
   * environment variables (or learn which exist). `ALIPAY_ENV_PREFIX` does the same.
   *
   * @default 'ALIPAY_'
   */
  envPrefix?: string;

  /**
   * Physical or virtual goods, per order (legacy escrow and dual interfaces only): virtual orders
   * are created with `logistics_type=DIRECT`. Every order is physical when omitted.
   *
   * @example (ctx, order) => order.lines.every(l => l.productVariant.sku.startsWith('EBOOK')) ? 'virtual' : 'physical'
   */
  goodsType?: AlipayGoodsTypeFn;
}

/**
 * Adds the mandatory pieces to Vendure's configuration: the `alipay` payment method handler, the
 * `alipay-cny-only` payment method eligibility checker, the raw-body reader on the notify route, the
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
  if (!paymentMethodEligibilityCheckers.some(checker => checker.code === alipayCnyOnlyChecker.code)) {
    paymentMethodEligibilityCheckers.push(alipayCnyOnlyChecker);
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
 * validated by the core when saved), the `alipay-cny-only` payment method eligibility checker (CNY
 * orders only), the notify and return endpoints under `/payments/alipay`, the
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
    AlipayRefundService,
    AlipayService,
    AlipayCheckoutService,
    AlipayShipmentService,
    AlipayReconciliationService,
    AlipayPaymentMethodSubscriber,
    { provide: ALIPAY_PLUGIN_OPTIONS, useFactory: () => AlipayPlugin.options },
  ],
  exports: [
    AlipayService,
    AlipayLookupService,
    AlipayRefundService,
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
