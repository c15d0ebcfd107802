import { DEFAULT_APPS, DEFAULT_MERCHANTS } from '@alipay-commerce/sandbox';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { expect } from 'vitest';
import { type AlipayShop, startAlipayShop } from './alipay-shop-fixture';
import { payAsBuyer } from './sandbox-steps';
import { adminOrder, createIntent, open, prepareOrder, shipOrder } from './shop-steps';

/**
 * The shop of the checkout specs: one payment method per interface type (and a GBK merchant), an app
 * signed up for page and wap only, shipment confirmations retried quickly; the shop client is signed in
 * as the first seeded customer.
 */
export interface CheckoutShop extends AlipayShop {
  /** The e-mail address of a seeded customer (password `test`). */
  customerEmail(index: number): Promise<string>;
  /** A fresh anonymous Shop API session. */
  newShopClient(): SimpleGraphQLClient;
  /** An escrow order paid into escrow (PaymentAuthorized). */
  escrowOrder(): Promise<{ code: string; outTradeNo: string }>;
  /** Fulfils every line of an order and marks the fulfilment Shipped. */
  ship(code: string, trackingCode: string): Promise<void>;
}

/**
 * Starts a {@link CheckoutShop} with the methods `alipay-direct`, `alipay-escrow`, `alipay-dual`,
 * `alipay-gbk` (legacy, no-password refunds), `alipay-openapi` (page, wap and QR), `alipay-qr` (QR on
 * desktop) and `alipay-no-qr` (the app without 当面付, with a bare private key).
 */
export async function startCheckoutShop(label: string): Promise<CheckoutShop> {
  const shop = await startAlipayShop(label, {
    // The default accounts, plus an app signed up for page and wap only (no 当面付).
    sandbox: {
      merchants: DEFAULT_MERCHANTS,
      apps: [...DEFAULT_APPS, { appId: '2021000000000002', products: ['page', 'wap'] }],
    },
    plugin: { shipmentConfirmationRetries: 2 },
    configure: config => {
      // Shipment confirmations are retried quickly in tests.
      const strategy = config.jobQueueOptions.jobQueueStrategy as unknown as {
        constructor: new (o: object) => unknown;
      };
      config.jobQueueOptions.jobQueueStrategy = new strategy.constructor({
        pollInterval: 50,
        backoffStrategy: () => 50,
      }) as typeof config.jobQueueOptions.jobQueueStrategy;
    },
  });
  const { env, sandbox, adminClient } = shop;
  const legacy = { ...shop.legacySettings(), refundWithoutPassword: true };
  await shop.createMethod('alipay-direct', { ...legacy, interfaceType: 'legacy-direct' });
  await shop.createMethod('alipay-escrow', { ...legacy, interfaceType: 'legacy-escrow' });
  await shop.createMethod('alipay-dual', { ...legacy, interfaceType: 'legacy-dual' });
  await shop.createMethod('alipay-gbk', { ...legacy, interfaceType: 'legacy-direct', charset: 'gbk' });
  const openapi = shop.openapiSettings();
  await shop.createMethod('alipay-openapi', { ...openapi, interfaceType: 'openapi-page-wap-qr' });
  await shop.createMethod('alipay-qr', {
    ...openapi,
    interfaceType: 'openapi-page-qr',
    alwaysQrOnDesktop: true,
  });
  const app2 = shop.app(1);
  await shop.createMethod('alipay-no-qr', {
    gateway: sandbox.openapiGateway,
    appId: app2.appId,
    appPrivateKey: app2.privateKey.replace(/-----[^-]+-----|\s/g, ''),
    alipayPublicKey: app2.alipayPublicKey,
    interfaceType: 'openapi-page-qr',
    alwaysQrOnDesktop: true,
  });

  async function customerEmail(index: number): Promise<string> {
    const { customers } = await adminClient.query(gql`
      query {
        customers(options: { sort: { id: ASC } }) {
          items {
            emailAddress
          }
        }
      }
    `);
    return customers.items[index].emailAddress;
  }
  await shop.shopClient.asUserWithCredentials(await customerEmail(0), 'test');

  return Object.assign(shop, {
    customerEmail,
    newShopClient: () => new SimpleGraphQLClient(env.config, `${env.baseUrl}/shop-api`),
    async escrowOrder() {
      const { code } = await prepareOrder(env.shopClient);
      const intent = await createIntent(env.shopClient, 'alipay-escrow');
      const cashier = await open(intent.url as string);
      await open(cashier.location as string);
      await payAsBuyer(sandbox, { outTradeNo: intent.outTradeNo as string, partner: shop.partner });
      expect((await adminOrder(adminClient, code)).state).toBe('PaymentAuthorized');
      return { code, outTradeNo: intent.outTradeNo as string };
    },
    async ship(code: string, trackingCode: string) {
      await shipOrder(adminClient, code, trackingCode);
    },
  });
}
