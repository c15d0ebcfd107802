import { generateKeyPairSync } from 'node:crypto';
import { buildSignString, rsaSign } from '@alipay-commerce/core/primitives';
import { DEFAULT_APPS, DEFAULT_MERCHANTS, sandboxAppAuthToken } from '@alipay-commerce/sandbox';
import { DefaultSchedulerPlugin } from '@vendure/core';
import { expect } from 'vitest';
import { buildNotifyUrl } from '../src/alipay-urls';
import { type AlipayShop, startAlipayShop } from './alipay-shop-fixture';
import { sandboxTrade } from './sandbox-steps';
import { adminOrder, createIntent, open, prepareOrder } from './shop-steps';

/**
 * The shop of the notification specs: the sandbox's "Alipay" key pair fixed here (so tests can sign
 * notifications Alipay never sent), a service provider's app acting for an authorised merchant, orphan
 * payments refunded automatically, and scheduled tasks that can be triggered from the Admin API.
 */
export interface NotifyShop extends AlipayShop {
  /** The seller ID of the sandbox app (`alipay-openapi`, and the provider of `alipay-isv`). */
  appSellerId: string;
  /** The seller ID of the merchant that authorised the app (`alipay-isv`). */
  isvMerchantSellerId: string;
  /** The shop's notify URL of a payment method in the default channel. */
  notifyUrl(method: string): string;
  /** An OpenAPI trade notification signed with the sandbox's "Alipay" key, as if Alipay sent it. */
  openApiNotification(fields: Record<string, string>): string;
  /**
   * An order with an OpenAPI trade the buyer has opened, not paid; `signed` makes a notification about
   * that trade (its numbers and amount, then `fields`) signed as if Alipay sent it.
   */
  openedOpenApiTrade(): Promise<{
    code: string;
    outTradeNo: string;
    tradeNo: string;
    total: number;
    signed(fields?: Record<string, string>): string;
  }>;
  /** Expects an order without any payment, still being filled. */
  expectUnpaid(code: string): Promise<void>;
}

/**
 * Starts a {@link NotifyShop} with three payment methods: `alipay-direct` (legacy, no-password refunds),
 * `alipay-openapi` and `alipay-isv` (service-provider mode); the shop client is signed in.
 */
export async function startNotifyShop(label: string): Promise<NotifyShop> {
  const alipayKeys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const shop = await startAlipayShop(label, {
    sandbox: {
      merchants: DEFAULT_MERCHANTS,
      // The second app is a merchant that authorised the first as its service provider (issue 15 item 7).
      apps: [
        ...DEFAULT_APPS,
        { appId: '2021000000000077', sellerId: '2088101000000077', products: ['page'] },
      ],
      alipayKeys: { privateKey: alipayKeys.privateKey, publicKey: alipayKeys.publicKey },
    },
    plugin: { autoRefundOrphanPayments: true },
    configure: config => {
      config.plugins.push(DefaultSchedulerPlugin.init({ manualTriggerCheckInterval: 100 }));
      config.schedulerOptions.runTasksInWorkerOnly = false;
    },
    signIn: true,
  });
  const app = shop.app();
  const merchantApp = shop.app(1);
  await shop.createMethod('alipay-direct', {
    interfaceType: 'legacy-direct',
    ...shop.legacySettings(),
    refundWithoutPassword: true,
  });
  await shop.createMethod('alipay-openapi', { interfaceType: 'openapi-page', ...shop.openapiSettings() });
  // Service-provider mode: the first app acts for the second, the authorised merchant.
  await shop.createMethod('alipay-isv', {
    interfaceType: 'openapi-page',
    ...shop.openapiSettings(),
    appAuthToken: sandboxAppAuthToken(merchantApp.appId),
    sellerId: merchantApp.sellerId,
  });

  const { env, sandbox } = shop;
  /** An OpenAPI trade notification signed with the sandbox's "Alipay" key, as if Alipay sent it. */
  function openApiNotification(fields: Record<string, string>): string {
    const params: Record<string, string> = {
      notify_time: '2026-11-25 12:00:00',
      notify_type: 'trade_status_sync',
      notify_id: `forged-${Math.random().toString(36).slice(2)}`,
      app_id: app.appId,
      charset: 'utf-8',
      version: '1.0',
      seller_id: app.sellerId,
      trade_status: 'TRADE_SUCCESS',
      gmt_payment: '2026-11-25 11:59:59',
      ...fields,
    };
    const sign = rsaSign(buildSignString(params), alipayKeys.privateKey, 'RSA2');
    return new URLSearchParams({ ...params, sign, sign_type: 'RSA2' }).toString();
  }

  const notifyShop: NotifyShop = Object.assign(shop, {
    appSellerId: app.sellerId,
    isvMerchantSellerId: merchantApp.sellerId,
    notifyUrl: (method: string) => buildNotifyUrl(env.baseUrl, 'e2e-default-channel', method),
    openApiNotification,
    async openedOpenApiTrade() {
      const { code, totalWithTax } = await prepareOrder(env.shopClient);
      const intent = await createIntent(env.shopClient, 'alipay-openapi', 'desktop');
      const cashier = await open(intent.url as string);
      await open(new URL(cashier.location as string, sandbox.url).toString());
      const outTradeNo = intent.outTradeNo as string;
      const { tradeNo } = await sandboxTrade(sandbox, outTradeNo);
      const signed = (fields: Record<string, string> = {}) =>
        openApiNotification({
          out_trade_no: outTradeNo,
          trade_no: tradeNo,
          total_amount: (totalWithTax / 100).toFixed(2),
          ...fields,
        });
      return { code, outTradeNo, tradeNo, total: totalWithTax, signed };
    },
    async expectUnpaid(code: string) {
      const order = await adminOrder(env.adminClient, code);
      expect(order.state).toBe('AddingItems');
      expect(order.payments).toEqual([]);
    },
  });
  return notifyShop;
}
