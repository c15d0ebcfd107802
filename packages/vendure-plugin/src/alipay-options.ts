import { resolveSettingsPolicy, type SettingsPolicy, SettingsPolicyError } from '@alipay-commerce/core';
import {
  MAX_SHIPMENT_ATTEMPTS,
  RECONCILE_AFTER_MS,
  RECONCILE_INTERVAL_MS,
} from '@alipay-commerce/core/lifecycle';
import type { Order, RequestContext } from '@vendure/core';
import { ORDER_CODE_PLACEHOLDER } from './alipay-urls';

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

/** {@link AlipayPluginOptions} after validation, with every default filled in. */
export interface ResolvedAlipayPluginOptions {
  /** See {@link AlipayPluginOptions.publicBaseUrl}; never ends with a slash. */
  publicBaseUrl: string;
  /** See {@link AlipayPluginOptions.storefrontReturnUrl}. */
  storefrontReturnUrl: string;
  /** See {@link AlipayPluginOptions.reconciliationIntervalMinutes}. */
  reconciliationIntervalMinutes: number;
  /** See {@link AlipayPluginOptions.pendingAfterMinutes}. */
  pendingAfterMinutes: number;
  /** See {@link AlipayPluginOptions.autoRefundOrphanPayments}. */
  autoRefundOrphanPayments: boolean;
  /** See {@link AlipayPluginOptions.shipmentConfirmationRetries}. */
  shipmentConfirmationRetries: number;
  /** See {@link AlipayPluginOptions.paymentTimeoutMinutes}; `undefined` leaves Alipay's default. */
  paymentTimeoutMinutes: number | undefined;
  /** See {@link AlipayPluginOptions.http}. */
  http: AlipayGatewayHttpOptions;
  /** See {@link AlipayPluginOptions.goodsType}. */
  goodsType: AlipayGoodsTypeFn | undefined;
  /**
   * What administrators may set: {@link AlipayPluginOptions.allowedGateways},
   * {@link AlipayPluginOptions.allowLoopbackGateway} and {@link AlipayPluginOptions.envPrefix} merged
   * with their environment variables.
   */
  settingsPolicy: SettingsPolicy;
}

/** Default of {@link AlipayPluginOptions.reconciliationIntervalMinutes}: the core's schedule. */
export const DEFAULT_RECONCILIATION_INTERVAL_MINUTES = RECONCILE_INTERVAL_MS / 60_000;
/** Default of {@link AlipayPluginOptions.pendingAfterMinutes}: the core's schedule. */
export const DEFAULT_PENDING_AFTER_MINUTES = RECONCILE_AFTER_MS / 60_000;
/** Default of {@link AlipayPluginOptions.shipmentConfirmationRetries}: the core's attempts, minus the first. */
export const DEFAULT_SHIPMENT_CONFIRMATION_RETRIES = MAX_SHIPMENT_ATTEMPTS - 1;

/** Thrown by `AlipayPlugin.init()` when the options cannot work; the message says which one and why. */
export class AlipayPluginOptionsError extends Error {
  override readonly name = 'AlipayPluginOptionsError';
}

function requireHttpUrl(name: string, value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AlipayPluginOptionsError(`AlipayPlugin option "${name}" is required`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AlipayPluginOptionsError(
      `AlipayPlugin option "${name}" must be an absolute URL, got "${value}"`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AlipayPluginOptionsError(
      `AlipayPlugin option "${name}" must be an http(s) URL, got "${value}"`,
    );
  }
  return url;
}

function integerAtLeast(name: string, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isInteger(value) || value < min) {
    throw new AlipayPluginOptionsError(
      `AlipayPlugin option "${name}" must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * Validates the options given to `AlipayPlugin.init()` and fills in defaults, so a misconfiguration
 * stops the server at startup instead of surfacing when the first buyer pays.
 *
 * @throws {@link AlipayPluginOptionsError} naming the offending option.
 */
export function resolveAlipayPluginOptions(options: AlipayPluginOptions): ResolvedAlipayPluginOptions {
  if (options === null || typeof options !== 'object') {
    throw new AlipayPluginOptionsError('AlipayPlugin.init() needs an options object');
  }
  const publicBaseUrl = requireHttpUrl('publicBaseUrl', options.publicBaseUrl);
  if (publicBaseUrl.search !== '' || publicBaseUrl.hash !== '') {
    throw new AlipayPluginOptionsError(
      'AlipayPlugin option "publicBaseUrl" must not contain a query or fragment',
    );
  }
  refuseRemovedStorefrontOptions(options);
  requireHttpUrl('storefrontReturnUrl', options.storefrontReturnUrl);
  if (options.storefrontReturnUrl.includes(ORDER_CODE_PLACEHOLDER)) {
    throw new AlipayPluginOptionsError(
      `AlipayPlugin option "storefrontReturnUrl" must not contain "${ORDER_CODE_PLACEHOLDER}": the return redirect names no order — whoever paid follows it, and an order code opens a guest order. The storefront finds its own order from its session. / ` +
        `AlipayPlugin 选项 "storefrontReturnUrl" 不能包含 "${ORDER_CODE_PLACEHOLDER}"：返回跳转不透露订单——付款人（包括代付的人）都会经过它，而订单号可以打开游客订单。店面应通过自己的会话找到订单。`,
    );
  }
  if (
    options.autoRefundOrphanPayments !== undefined &&
    typeof options.autoRefundOrphanPayments !== 'boolean'
  ) {
    throw new AlipayPluginOptionsError('AlipayPlugin option "autoRefundOrphanPayments" must be a boolean');
  }
  return {
    publicBaseUrl: options.publicBaseUrl.trim().replace(/\/+$/, ''),
    storefrontReturnUrl: options.storefrontReturnUrl.trim(),
    reconciliationIntervalMinutes: integerAtLeast(
      'reconciliationIntervalMinutes',
      options.reconciliationIntervalMinutes,
      0,
      DEFAULT_RECONCILIATION_INTERVAL_MINUTES,
    ),
    pendingAfterMinutes: integerAtLeast(
      'pendingAfterMinutes',
      options.pendingAfterMinutes,
      1,
      DEFAULT_PENDING_AFTER_MINUTES,
    ),
    autoRefundOrphanPayments: options.autoRefundOrphanPayments ?? false,
    shipmentConfirmationRetries: integerAtLeast(
      'shipmentConfirmationRetries',
      options.shipmentConfirmationRetries,
      0,
      DEFAULT_SHIPMENT_CONFIRMATION_RETRIES,
    ),
    paymentTimeoutMinutes:
      options.paymentTimeoutMinutes === undefined
        ? undefined
        : integerAtLeast('paymentTimeoutMinutes', options.paymentTimeoutMinutes, 1, 1),
    http: resolveHttpOptions(options.http),
    goodsType: resolveGoodsType(options.goodsType),
    settingsPolicy: resolvePolicy(options),
  };
}

/**
 * Options of earlier versions that sent the buyer to a URL naming the order: a configuration that still
 * has them stops the server with what to do, instead of running without the page it expects.
 */
function refuseRemovedStorefrontOptions(options: AlipayPluginOptions): void {
  const given = options as unknown as Record<string, unknown>;
  for (const removed of ['storefrontOrderUrl', 'storefrontHomeUrl']) {
    if (given[removed] !== undefined) {
      throw new AlipayPluginOptionsError(
        `AlipayPlugin option "${removed}" was removed: set "storefrontReturnUrl" instead, a storefront page without "${ORDER_CODE_PLACEHOLDER}" (e.g. https://shop.example/checkout/alipay) that shows the order of the buyer's own session. The return redirect adds only ?status=… and never names the order, signed or not (see the README's upgrade notes). / ` +
          `AlipayPlugin 选项 "${removed}" 已移除：请改用 "storefrontReturnUrl"，即不含 "${ORDER_CODE_PLACEHOLDER}" 的店面页面（如 https://shop.example/checkout/alipay），由它展示买家自己会话中的订单。返回跳转只附加 ?status=…，无论是否有签名都不透露订单（见 README 的升级说明）。`,
      );
    }
  }
}

function resolvePolicy(options: AlipayPluginOptions): SettingsPolicy {
  try {
    return resolveSettingsPolicy(
      {
        allowedGateways: options.allowedGateways,
        allowLoopbackGateway: options.allowLoopbackGateway,
        envPrefix: options.envPrefix,
      },
      process.env,
    );
  } catch (error) {
    if (error instanceof SettingsPolicyError) {
      throw new AlipayPluginOptionsError(`AlipayPlugin: ${error.message}`);
    }
    throw error;
  }
}

function resolveHttpOptions(http: AlipayGatewayHttpOptions | undefined): AlipayGatewayHttpOptions {
  if (http === undefined) {
    return {};
  }
  if (http === null || typeof http !== 'object') {
    throw new AlipayPluginOptionsError('AlipayPlugin option "http" must be an object');
  }
  const resolved: AlipayGatewayHttpOptions = {};
  if (http.timeoutMs !== undefined) {
    resolved.timeoutMs = integerAtLeast('http.timeoutMs', http.timeoutMs, 1, 1);
  }
  if (http.retries !== undefined) {
    resolved.retries = integerAtLeast('http.retries', http.retries, 0, 0);
  }
  if (http.retryDelayMs !== undefined) {
    resolved.retryDelayMs = integerAtLeast('http.retryDelayMs', http.retryDelayMs, 0, 0);
  }
  return resolved;
}

function resolveGoodsType(goodsType: AlipayGoodsTypeFn | undefined): AlipayGoodsTypeFn | undefined {
  if (goodsType !== undefined && typeof goodsType !== 'function') {
    throw new AlipayPluginOptionsError('AlipayPlugin option "goodsType" must be a function');
  }
  return goodsType;
}
