import { DEFAULT_APPS, DEFAULT_MERCHANTS } from '@alipay-commerce/sandbox';
import {
  LanguageCode,
  ProductService,
  RequestContextService,
  ShippingMethodService,
  TransactionalConnection,
  User,
} from '@vendure/core';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNotifyUrl } from '../src/alipay-urls';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import { CREATE_PAYMENT_METHOD, UPDATE_PAYMENT_METHOD } from './graphql-documents';
import { control, payAsBuyer, sandboxTrade } from './sandbox-steps';
import {
  adminOrder,
  createAlipayMethod,
  createIntent,
  open,
  postNotification,
  prepareOrder,
} from './shop-steps';

const PAYMENT_METHODS = gql`
  query {
    paymentMethods {
      items {
        code
        handler {
          args {
            name
            value
          }
        }
      }
    }
  }
`;

/** Two sellers of one marketplace (C2C): each channel's payment method pays its own seller account. */
const PAYEES = [
  { email: 'tea-house@market.test', userId: '2088101000000101' },
  { email: 'silk-road@market.test', userId: '2088101000000102' },
];

/**
 * Settings of Alipay payment methods: validated with the core's schema when saved (field-level,
 * bilingual message), secrets masked in Admin API answers, and per-channel settings for a marketplace.
 */
describe('Alipay payment method settings', () => {
  const shop = useShop(() => {
    const [a, b] = DEFAULT_MERCHANTS;
    return startAlipayShop('alipay-settings', {
      sandbox: {
        merchants: [{ ...a, partner: a?.partner ?? '', payees: PAYEES }, ...(b ? [b] : [])],
        apps: DEFAULT_APPS,
      },
    });
  });

  /**
   * Legacy instant-payment settings with the merchant's MD5 key written in literally (not `env:`), as an
   * admin pastes it: the settings these tests validate, mask and restore.
   */
  const literalLegacySettings = () => ({
    interfaceType: 'legacy-direct',
    gateway: shop.sandbox.legacyGateway,
    partnerId: shop.merchant().partner,
    key: shop.merchant().key,
  });

  function createInput(code: string, args: Record<string, string>) {
    return {
      input: {
        code,
        enabled: true,
        handler: {
          code: 'alipay',
          arguments: Object.entries(args).map(([name, value]) => ({ name, value })),
        },
        translations: [{ languageCode: LanguageCode.en, name: code, description: '' }],
      },
    };
  }

  it('refuses to create a payment method with invalid settings, naming each field in English and Chinese', async () => {
    const attempt = shop.env.adminClient.query(
      CREATE_PAYMENT_METHOD,
      createInput('alipay-bad', {
        interfaceType: 'legacy-direct',
        gateway: 'production',
        partnerId: '12345',
        key: 'too-short',
      }),
    );
    const error = await attempt.then(
      () => undefined,
      (e: { response?: { errors?: Array<{ message: string; extensions: { code: string } }> } }) => e,
    );
    const graphQlError = error?.response?.errors?.[0];
    expect(graphQlError?.extensions.code).toBe('USER_INPUT_ERROR');
    expect(graphQlError?.message).toContain(
      'partnerId: partnerId must be the 16-digit partner ID (合作者身份) that starts with 2088.',
    );
    expect(graphQlError?.message).toContain('key: key must be exactly 32 letters and digits');
    expect(graphQlError?.message).toContain('partnerId 应为以 2088 开头的 16 位合作者身份（PID）。');
    expect(graphQlError?.message).not.toContain('too-short');
    const { paymentMethods } = await shop.env.adminClient.query(PAYMENT_METHODS);
    expect(paymentMethods.items.map((m: { code: string }) => m.code)).not.toContain('alipay-bad');
  });

  it('refuses an update that breaks the settings and keeps the stored ones', async () => {
    const created = await createAlipayMethod(shop.env.adminClient, 'alipay-update', literalLegacySettings());
    const attempt = shop.env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: {
        id: created.id,
        handler: {
          code: 'alipay',
          arguments: [
            { name: 'interfaceType', value: 'legacy-escrow' },
            { name: 'gateway', value: 'sandbox' },
            { name: 'partnerId', value: shop.merchant().partner },
            { name: 'key', value: shop.merchant().key },
          ],
        },
      },
    });
    await expect(attempt).rejects.toThrow(/Alipay has no sandbox for the legacy \(partner \+ key\) gateway/);
    expect(await shop.storedArgs('alipay-update')).toMatchObject({
      interfaceType: 'legacy-direct',
      gateway: shop.sandbox.legacyGateway,
    });
    // Disabling it (settings unchanged) is not blocked by validation.
    const { updatePaymentMethod } = await shop.env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: { id: created.id, enabled: false },
    });
    expect(updatePaymentMethod.enabled).toBe(false);
  });

  it('masks literal secrets in every Admin API answer; saving the mask back keeps the secret', async () => {
    const created = await createAlipayMethod(shop.env.adminClient, 'alipay-masked', {
      ...literalLegacySettings(),
      sellerEmail: shop.merchant().sellerEmail,
    });
    const masked = `••••${shop.merchant().key.slice(-4)}`;
    expect(created.handler.args.find(a => a.name === 'key')?.value).toBe(masked);
    const { paymentMethods } = await shop.env.adminClient.query(PAYMENT_METHODS);
    expect(JSON.stringify(paymentMethods)).not.toContain(shop.merchant().key);

    // The dashboard sends the whole form back, mask included, when another field changes.
    const args = created.handler.args.map(a =>
      a.name === 'sellerEmail' ? { name: a.name, value: PAYEES[0]?.email ?? '' } : a,
    );
    const { updatePaymentMethod } = await shop.env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: { id: created.id, handler: { code: 'alipay', arguments: args } },
    });
    expect(updatePaymentMethod.handler.args.find((a: { name: string }) => a.name === 'key').value).toBe(
      masked,
    );
    expect(await shop.storedArgs('alipay-masked')).toMatchObject({
      key: shop.merchant().key,
      sellerEmail: PAYEES[0]?.email,
    });
  });

  describe('a marketplace: one channel per seller, each with its own seller account (C2C)', () => {
    const channels: Array<{ token: string; code: string; payee: (typeof PAYEES)[number] }> = [];

    beforeAll(async () => {
      for (const [index, payee] of PAYEES.entries()) {
        const token = `seller-${index + 1}-token`;
        const { createChannel } = await shop.env.adminClient.query(
          gql`
            mutation ($input: CreateChannelInput!) {
              createChannel(input: $input) {
                ... on Channel {
                  id
                }
              }
            }
          `,
          {
            input: {
              code: `seller-${index + 1}`,
              token,
              defaultLanguageCode: 'en',
              currencyCode: 'CNY',
              pricesIncludeTax: true,
              defaultShippingZoneId: 'T_1',
              defaultTaxZoneId: 'T_1',
            },
          },
        );
        // Through the services: Vendure 3.7.3's assignProductsToChannel mutation returned [] here.
        const superadmin = await shop.env.server.app
          .get(TransactionalConnection)
          .rawConnection.getRepository(User)
          .findOneOrFail({ where: { identifier: 'superadmin' }, relations: ['roles', 'roles.channels'] });
        const ctx = await shop.env.server.app
          .get(RequestContextService)
          .create({ apiType: 'admin', user: superadmin });
        const channelId = Number(String(createChannel.id).replace(/^T_/, ''));
        await shop.env.server.app
          .get(ProductService)
          .assignProductsToChannel(ctx, { productIds: [3], channelId, priceFactor: 1 });
        await shop.env.server.app
          .get(ShippingMethodService)
          .assignShippingMethodsToChannel(ctx, { shippingMethodIds: [1], channelId });
        shop.env.adminClient.setChannelToken(token);
        await createAlipayMethod(shop.env.adminClient, 'alipay-market', {
          ...literalLegacySettings(),
          sellerEmail: payee.email,
          refundWithoutPassword: true,
        });
        shop.env.adminClient.setChannelToken('e2e-default-channel');
        channels.push({ token, code: 'alipay-market', payee });
      }
    });

    it('each seller’s channel pays its own seller account and its notifications verify', async () => {
      for (const channel of channels) {
        const buyer = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
        buyer.setChannelToken(channel.token);
        const { code } = await prepareOrder(buyer, {
          variantId: 'T_4',
          guestEmail: `buyer@${channel.token}.test`,
        });
        const intent = await createIntent(buyer, channel.code);
        const url = new URL(intent.url as string);
        expect(url.searchParams.get('seller_email')).toBe(channel.payee.email);
        expect(url.searchParams.get('notify_url')).toBe(
          buildNotifyUrl(shop.env.baseUrl, channel.token, channel.code),
        );
        await open(intent.url as string);
        const { deliveries } = await payAsBuyer(shop.sandbox, {
          outTradeNo: intent.outTradeNo as string,
          partner: shop.merchant().partner,
        });
        expect(deliveries[0]?.params.seller_email).toBe(channel.payee.email);
        expect(deliveries[0]?.answer).toBe('success');
        shop.env.adminClient.setChannelToken(channel.token);
        expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
        shop.env.adminClient.setChannelToken('e2e-default-channel');
        expect((await sandboxTrade(shop.sandbox, intent.outTradeNo as string)).sellerEmail).toBe(
          channel.payee.email,
        );
      }
    });

    it('a notification for one seller posted to the other seller’s channel changes nothing', async () => {
      const [first, second] = channels;
      if (!first || !second) throw new Error('channels missing');
      const buyer = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
      buyer.setChannelToken(first.token);
      const { code } = await prepareOrder(buyer, { variantId: 'T_4', guestEmail: 'cross@market.test' });
      const intent = await createIntent(buyer, first.code);
      await open(intent.url as string);
      // Alipay's delivery is dropped, then replayed to the wrong seller's notify URL.
      await control(shop.sandbox, 'POST', 'faults', {
        scope: { outTradeNo: intent.outTradeNo },
        fault: 'drop-notify',
        count: 1,
      });
      const { deliveries } = await payAsBuyer(shop.sandbox, {
        outTradeNo: intent.outTradeNo as string,
        partner: shop.merchant().partner,
      });
      const wrong = await postNotification(
        buildNotifyUrl(shop.env.baseUrl, second.token, second.code),
        deliveries[0]?.body as string,
        deliveries[0]?.contentType,
      );
      // The other seller's settings expect another seller_email: a settings question, so Alipay may retry.
      expect(wrong.text).toBe('fail');
      shop.env.adminClient.setChannelToken(first.token);
      expect((await adminOrder(shop.env.adminClient, code)).payments).toEqual([]);
      // The right channel accepts the very same delivery.
      const right = await postNotification(
        buildNotifyUrl(shop.env.baseUrl, first.token, first.code),
        deliveries[0]?.body as string,
        deliveries[0]?.contentType,
      );
      expect(right.text).toBe('success');
      expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');
      shop.env.adminClient.setChannelToken('e2e-default-channel');
    });
  });

  it('no literal secret reached a log line, even from the refused saves', () => {
    const everything = shop.env.logger.text();
    expect(everything).not.toContain(shop.merchant().key);
    expect(everything).not.toContain('too-short');
  });
});
