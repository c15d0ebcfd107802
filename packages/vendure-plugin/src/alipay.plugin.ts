import { PluginCommonModule, RuntimeVendureConfig, Type, VendurePlugin } from '@vendure/core';
import { AlipayController } from './alipay.controller';
import { alipayPaymentHandler } from './alipay.handler';
import { AlipayService } from './alipay.service';
import { type ResolvedAlipayPluginOptions, resolveAlipayPluginOptions } from './alipay-options';
import { AlipayPaymentIntentResultResolver, AlipayShopResolver } from './api/alipay-shop.resolver';
import { shopApiExtensions } from './api/api-extensions';
import { ALIPAY_NOTIFY_ROUTE, ALIPAY_PLUGIN_OPTIONS } from './constants';
import { AlipayNotificationReceipt } from './entities/alipay-notification-receipt.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import { createNotifyBodyParser } from './notify-body-parser';

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
   * The storefront page of an order, where the return endpoint sends the buyer back. Every `:code`
   * is replaced by the order code.
   *
   * @example 'https://shop.example/order/:code'
   */
  storefrontOrderUrl: string;

  /**
   * How often, in minutes, trades that are still open should be reconciled with Alipay (queried)
   * so that a lost notification cannot leave a paid order unpaid. `0` disables reconciliation.
   * Validated now; acted upon once reconciliation is wired (logic phase).
   *
   * @default 10
   */
  reconciliationIntervalMinutes?: number;

  /**
   * Minutes after creating a trade, without a verified notification, before reconciliation treats
   * it as pending and starts querying Alipay for it. Validated now; acted upon once reconciliation
   * is wired (logic phase).
   *
   * @default 5
   */
  pendingAfterMinutes?: number;

  /**
   * What to do with an orphan payment: money Alipay reports for an order that cannot take it any
   * more (cancelled, or already paid by another trade). `true` refunds it automatically; `false`
   * logs it as an error for a person to refund. Validated now; acted upon once notification
   * processing is wired (logic phase).
   *
   * @default false
   */
  autoRefundOrphanPayments?: boolean;
}

/**
 * Adds the mandatory pieces to Vendure's configuration: the `alipay` payment method handler and the
 * raw-body parser on the notify route. Idempotent: a config object that goes through plugin
 * configuration twice (an app that bootstraps more than once per process) gets neither twice.
 */
function configureAlipay(config: RuntimeVendureConfig): RuntimeVendureConfig {
  if (!AlipayPlugin.options) {
    throw new Error('Add the Alipay plugin as AlipayPlugin.init({ publicBaseUrl, storefrontOrderUrl, … })');
  }
  const { paymentMethodHandlers } = config.paymentOptions;
  if (!paymentMethodHandlers.includes(alipayPaymentHandler)) {
    paymentMethodHandlers.push(alipayPaymentHandler);
  }
  const { middleware } = config.apiOptions;
  if (!middleware.some(m => m.route === ALIPAY_NOTIFY_ROUTE)) {
    // Mounted before Nest's global body parsers: those answer 415 to `charset=GBK` and would
    // percent-decode bytes with the wrong charset. Once this parser has read the stream, the
    // global parsers skip the request. Scoped to the notify route only, so GraphQL is unaffected.
    middleware.push({
      route: ALIPAY_NOTIFY_ROUTE,
      handler: createNotifyBodyParser(),
      beforeListen: true,
    });
  }
  return config;
}

/**
 * Alipay (支付宝) payments for Vendure 3.
 *
 * Registers the `alipay` payment method handler (whose arguments are the Alipay settings form),
 * the notify and return endpoints under `/payments/alipay`, the `createAlipayPaymentIntent` and
 * `syncAlipayPaymentStatus` Shop API mutations, and the `AlipayTrade` and
 * `AlipayNotificationReceipt` entities (a migration is needed when `synchronize` is off).
 *
 * @example
 * ```ts
 * // vendure-config.ts
 * plugins: [
 *   AlipayPlugin.init({
 *     publicBaseUrl: 'https://api.shop.example',
 *     storefrontOrderUrl: 'https://shop.example/order/:code',
 *   }),
 * ],
 * ```
 */
@VendurePlugin({
  imports: [PluginCommonModule],
  entities: [AlipayTrade, AlipayNotificationReceipt],
  controllers: [AlipayController],
  providers: [AlipayService, { provide: ALIPAY_PLUGIN_OPTIONS, useFactory: () => AlipayPlugin.options }],
  exports: [AlipayService],
  shopApiExtensions: {
    schema: shopApiExtensions,
    resolvers: [AlipayShopResolver, AlipayPaymentIntentResultResolver],
  },
  configuration: configureAlipay,
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
