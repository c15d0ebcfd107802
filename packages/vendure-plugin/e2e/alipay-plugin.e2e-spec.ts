import { generateKeyPairSync } from 'node:crypto';
import { INTERFACE_TYPES, SETTING_FIELDS, type SettingInput } from '@alipay-commerce/core/settings';
import { CurrencyCode, LanguageCode } from '@vendure/core';
import { ClientError } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlipayService } from '../src/alipay.service';
import { AlipayCheckoutService } from '../src/alipay-checkout.service';
import { CREATE_INTENT, CREATE_PAYMENT_METHOD } from './graphql-documents';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

const PAYMENT_METHOD_CODE = 'alipay-e2e';

/** The names of the core's settings edited with one kind of input (e.g. the masked secrets). */
function fieldsWithInput(input: SettingInput): string[] {
  return SETTING_FIELDS.filter(field => field.input === input).map(field => field.name);
}

const HANDLERS = gql`
  query PaymentMethodHandlers {
    paymentMethodHandlers {
      code
      description
      args {
        name
        type
        required
        defaultValue
        list
        ui
        label
        description
      }
    }
  }
`;

/** A field's or argument's type, one wrapper deep: enough to see `T!` and its named type. */
const TYPE_REF = gql`
  fragment TypeRef on __Type {
    kind
    name
    ofType {
      kind
      name
    }
  }
`;

const SHOP_SCHEMA = gql`
  query AlipayShopSchema {
    mutationType: __type(name: "Mutation") {
      fields {
        name
        args {
          name
          type {
            ...TypeRef
          }
        }
        type {
          ...TypeRef
        }
      }
    }
    result: __type(name: "AlipayPaymentIntentResult") {
      kind
      possibleTypes {
        name
      }
    }
    error: __type(name: "AlipayPaymentIntentError") {
      interfaces {
        name
      }
      fields {
        name
      }
    }
    qrCode: __type(name: "AlipayQrCode") {
      fields {
        name
        type {
          kind
          ofType {
            name
          }
        }
      }
    }
    input: __type(name: "AlipayPaymentIntentInput") {
      inputFields {
        name
        type {
          kind
          name
          ofType {
            name
          }
        }
      }
    }
    device: __type(name: "AlipayDevice") {
      enumValues {
        name
      }
    }
    errorCode: __type(name: "ErrorCode") {
      enumValues {
        name
      }
    }
  }
  ${TYPE_REF}
`;

const ACTIVE_CHANNEL = gql`
  query ActiveChannel {
    activeChannel {
      defaultCurrencyCode
      defaultLanguageCode
      availableLanguageCodes
      pricesIncludeTax
    }
    products(options: { sort: { name: ASC } }) {
      items {
        slug
        facetValues {
          code
        }
        variants {
          sku
          priceWithTax
          currencyCode
        }
      }
    }
  }
`;

interface HandlerArg {
  name: string;
  type: string;
  required: boolean;
  defaultValue: unknown;
  list: boolean;
  ui: { component: string; options?: Array<{ value: string }> } | null;
  label: string | null;
  description: string | null;
}
interface Handler {
  code: string;
  description: string;
  args: HandlerArg[];
}

describe('AlipayPlugin in a Vendure server', () => {
  let env: AlipayTestEnvironment;

  beforeAll(async () => {
    env = await startAlipayTestEnvironment('alipay-plugin');
    await env.adminClient.asSuperAdmin();
  });

  afterAll(async () => {
    await env?.destroy();
  });

  async function alipayHandler(languageCode?: LanguageCode): Promise<Handler> {
    const { paymentMethodHandlers } = await env.adminClient.query<{ paymentMethodHandlers: Handler[] }>(
      HANDLERS,
      {},
      languageCode ? { languageCode } : undefined,
    );
    // Exactly one, although this process bootstrapped Vendure twice (populate, then the server).
    const alipayHandlers = paymentMethodHandlers.filter(h => h.code === 'alipay');
    expect(alipayHandlers).toHaveLength(1);
    return alipayHandlers[0] as Handler;
  }

  function argNamed(handler: Handler, name: string): HandlerArg {
    const arg = handler.args.find(a => a.name === name);
    if (!arg) {
      throw new Error(`The alipay handler has no arg ${name}`);
    }
    return arg;
  }

  describe('(a) boot', () => {
    it('boots with the plugin and its service', () => {
      expect(env.server.app.get(AlipayService)).toBeInstanceOf(AlipayService);
    });

    it('serves a CNY default channel in en and zh_Hans with CNY products', async () => {
      const { activeChannel, products } = await env.shopClient.query(ACTIVE_CHANNEL);
      expect(activeChannel).toEqual({
        defaultCurrencyCode: CurrencyCode.CNY,
        defaultLanguageCode: LanguageCode.en,
        availableLanguageCodes: [LanguageCode.en, LanguageCode.zh_Hans],
        pricesIncludeTax: true,
      });
      const bySlug = Object.fromEntries(
        (products.items as Array<{ slug: string }>).map(product => [product.slug, product]),
      );
      expect(bySlug['celadon-tea-set']).toMatchObject({
        facetValues: [{ code: 'physical' }],
        // Prices include VAT in this channel, so the CSV prices are the gross prices in fen.
        variants: [{ sku: 'TEA-SET-01', priceWithTax: 28800, currencyCode: 'CNY' }],
      });
      expect(bySlug['alipay-integration-handbook']).toMatchObject({
        facetValues: [{ code: 'digital' }],
        variants: [{ sku: 'EBOOK-ALIPAY', priceWithTax: 3990, currencyCode: 'CNY' }],
      });
    });
  });

  describe('(b) handler args in the Admin API', () => {
    it('lists the alipay handler with its settings fields and required flags', async () => {
      const handler = await alipayHandler();
      expect(handler.description).toBe('Alipay');
      expect(handler.args.map(a => a.name)).toEqual(SETTING_FIELDS.map(field => field.name));
      const required = handler.args.filter(a => a.required).map(a => a.name);
      // The gateway has a default and does not apply to interface type antom (its host is antomRegion).
      expect(required).toEqual(['interfaceType']);
      expect(argNamed(handler, 'refundWithoutPassword')).toMatchObject({
        type: 'boolean',
        required: false,
        defaultValue: false,
      });
      expect(argNamed(handler, 'gateway')).toMatchObject({ type: 'string', defaultValue: 'production' });
      expect(argNamed(handler, 'gateway').description).toContain('http://127.0.0.1:7010/gateway.do');
    });

    it('sends select options, password and textarea inputs', async () => {
      const handler = await alipayHandler();
      const interfaceType = argNamed(handler, 'interfaceType');
      expect(interfaceType.ui?.component).toBe('select-form-input');
      expect(interfaceType.ui?.options?.map(o => o.value)).toEqual([...INTERFACE_TYPES]);
      expect(argNamed(handler, 'charset').ui?.options?.map(o => o.value)).toEqual(['utf-8', 'gbk']);
      for (const secret of fieldsWithInput('secret')) {
        expect(argNamed(handler, secret).ui?.component, secret).toBe('password-form-input');
      }
      for (const pem of fieldsWithInput('textarea')) {
        expect(argNamed(handler, pem).ui?.component, pem).toBe('textarea-form-input');
      }
    });

    it('localises labels and descriptions with ?languageCode=zh_Hans', async () => {
      const zh = await alipayHandler(LanguageCode.zh_Hans);
      expect(zh.description).toBe('支付宝');
      expect(argNamed(zh, 'interfaceType').label).toBe('接口类型');
      expect(argNamed(zh, 'key').label).toBe('MD5 安全校验码');
      expect(argNamed(zh, 'key').description).toContain('env:变量名');
      const en = await alipayHandler(LanguageCode.en);
      expect(argNamed(en, 'interfaceType').label).toBe('Interface type');
    });
  });

  describe('(c) payment method', () => {
    it('creates a payment method with the alipay handler', async () => {
      // Settings are validated when saved, so the referenced secret and the public key must be usable.
      const pair = () =>
        generateKeyPairSync('rsa', {
          modulusLength: 2048,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        });
      const [appKeys, alipayKeys] = [pair(), pair()];
      process.env.ALIPAY_E2E_APP_PRIVATE_KEY = appKeys.privateKey;
      const { createPaymentMethod } = await env.adminClient.query(CREATE_PAYMENT_METHOD, {
        input: {
          code: PAYMENT_METHOD_CODE,
          enabled: true,
          handler: {
            code: 'alipay',
            arguments: [
              { name: 'interfaceType', value: 'openapi-page-wap-qr' },
              { name: 'gateway', value: 'http://127.0.0.1:7010/gateway.do' },
              { name: 'appId', value: '2021000000000001' },
              { name: 'appPrivateKey', value: 'env:ALIPAY_E2E_APP_PRIVATE_KEY' },
              { name: 'alipayPublicKey', value: alipayKeys.publicKey },
              { name: 'alwaysQrOnDesktop', value: 'true' },
            ],
          },
          translations: [
            { languageCode: LanguageCode.en, name: 'Alipay', description: '' },
            { languageCode: LanguageCode.zh_Hans, name: '支付宝', description: '' },
          ],
        },
      });
      expect(createPaymentMethod).toMatchObject({ code: PAYMENT_METHOD_CODE, enabled: true });
      expect(createPaymentMethod.handler.code).toBe('alipay');
      expect(createPaymentMethod.handler.args).toEqual(
        expect.arrayContaining([
          { name: 'interfaceType', value: 'openapi-page-wap-qr' },
          { name: 'gateway', value: 'http://127.0.0.1:7010/gateway.do' },
          { name: 'appPrivateKey', value: 'env:ALIPAY_E2E_APP_PRIVATE_KEY' },
          { name: 'alwaysQrOnDesktop', value: 'true' },
        ]),
      );
    });
  });

  describe('(e) Shop API schema', () => {
    it('has the createAlipayPaymentIntent and syncAlipayPaymentStatus mutations', async () => {
      const schema = await env.shopClient.query(SHOP_SCHEMA);
      const fields = schema.mutationType.fields as Array<{ name: string; args: unknown[]; type: unknown }>;
      expect(fields.find(f => f.name === 'createAlipayPaymentIntent')).toEqual({
        name: 'createAlipayPaymentIntent',
        args: [
          {
            name: 'input',
            type: {
              kind: 'NON_NULL',
              name: null,
              ofType: { kind: 'INPUT_OBJECT', name: 'AlipayPaymentIntentInput' },
            },
          },
        ],
        type: { kind: 'NON_NULL', name: null, ofType: { kind: 'UNION', name: 'AlipayPaymentIntentResult' } },
      });
      expect(fields.find(f => f.name === 'syncAlipayPaymentStatus')).toEqual({
        name: 'syncAlipayPaymentStatus',
        args: [
          {
            name: 'orderCode',
            type: { kind: 'NON_NULL', name: null, ofType: { kind: 'SCALAR', name: 'String' } },
          },
        ],
        type: { kind: 'OBJECT', name: 'Order', ofType: null },
      });
    });

    it('has the result union, the error result and the input types', async () => {
      const schema = await env.shopClient.query(SHOP_SCHEMA);
      expect(schema.result.kind).toBe('UNION');
      expect(schema.result.possibleTypes.map((t: { name: string }) => t.name).sort()).toEqual([
        'AlipayForm',
        'AlipayPaymentIntentError',
        'AlipayQrCode',
        'AlipayRedirect',
      ]);
      expect(schema.error.interfaces).toEqual([{ name: 'ErrorResult' }]);
      expect(schema.error.fields.map((f: { name: string }) => f.name)).toEqual([
        'errorCode',
        'message',
        'reason',
        'hint',
      ]);
      expect(schema.qrCode.fields).toContainEqual({
        name: 'expiresAt',
        type: { kind: 'NON_NULL', ofType: { name: 'DateTime' } },
      });
      expect(schema.input.inputFields).toEqual([
        { name: 'paymentMethodCode', type: { kind: 'NON_NULL', name: null, ofType: { name: 'String' } } },
        { name: 'device', type: { kind: 'ENUM', name: 'AlipayDevice', ofType: null } },
      ]);
      expect(schema.device.enumValues).toEqual([{ name: 'desktop' }, { name: 'mobile' }]);
      expect(schema.errorCode.enumValues).toContainEqual({ name: 'ALIPAY_PAYMENT_INTENT_ERROR' });
    });

    it('routes createAlipayPaymentIntent to the service and resolves each union member', async () => {
      const service = env.server.app.get(AlipayCheckoutService);
      const spy = vi.spyOn(service, 'createPaymentIntent');
      try {
        // Each union member comes back field for field as the service returned it (the date as ISO text).
        const qrCode = {
          __typename: 'AlipayQrCode' as const,
          qrCode: 'https://qr.alipay.com/bax01234',
          expiresAt: new Date('2030-01-02T03:04:05.000Z'),
          outTradeNo: 'E2E-QR-1',
        };
        spy.mockResolvedValueOnce(qrCode);
        const input = { paymentMethodCode: PAYMENT_METHOD_CODE, device: 'desktop' };
        const qr = await env.shopClient.query(CREATE_INTENT, { input });
        expect(qr.createAlipayPaymentIntent).toEqual({ ...qrCode, expiresAt: '2030-01-02T03:04:05.000Z' });
        expect(spy.mock.calls[0]?.[1]).toEqual(input);

        const intentError = {
          __typename: 'AlipayPaymentIntentError' as const,
          errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR' as const,
          reason: 'INVALID_SETTINGS' as const,
          message: 'The payment method is not configured',
          hint: 'Set appId',
        };
        spy.mockResolvedValueOnce(intentError);
        const error = await env.shopClient.query(CREATE_INTENT, { input });
        expect(error.createAlipayPaymentIntent).toEqual(intentError);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('(f) Shop API addPaymentToOrder', () => {
    it('refuses to create an Alipay payment from the storefront', async () => {
      const { customers } = await env.adminClient.query(gql`
        query {
          customers(options: { take: 1 }) {
            items {
              emailAddress
            }
          }
        }
      `);
      await env.shopClient.asUserWithCredentials(customers.items[0].emailAddress, 'test');
      await env.shopClient.query(
        gql`
          mutation ($variantId: ID!) {
            addItemToOrder(productVariantId: $variantId, quantity: 1) {
              ... on Order {
                code
              }
            }
          }
        `,
        { variantId: 'T_1' },
      );
      await env.shopClient.query(gql`
        mutation {
          setOrderShippingAddress(
            input: { fullName: "张三", streetLine1: "文三路 1 号", city: "杭州", province: "浙江", countryCode: "CN" }
          ) {
            ... on Order {
              id
            }
          }
        }
      `);
      const { eligibleShippingMethods } = await env.shopClient.query(gql`
        query {
          eligibleShippingMethods {
            id
          }
        }
      `);
      await env.shopClient.query(
        gql`
          mutation ($ids: [ID!]!) {
            setOrderShippingMethod(shippingMethodId: $ids) {
              ... on Order {
                id
              }
            }
          }
        `,
        { ids: [eligibleShippingMethods[0].id] },
      );
      const { transitionOrderToState } = await env.shopClient.query(gql`
        mutation {
          transitionOrderToState(state: "ArrangingPayment") {
            ... on Order {
              state
            }
            ... on OrderStateTransitionError {
              transitionError
            }
          }
        }
      `);
      expect(transitionOrderToState).toEqual({ state: 'ArrangingPayment' });

      const { eligiblePaymentMethods } = await env.shopClient.query(gql`
        query {
          eligiblePaymentMethods {
            code
            isEligible
          }
        }
      `);
      expect(eligiblePaymentMethods).toContainEqual({ code: PAYMENT_METHOD_CODE, isEligible: true });

      const addPayment = env.shopClient.query(
        gql`
          mutation ($input: PaymentInput!) {
            addPaymentToOrder(input: $input) {
              __typename
            }
          }
        `,
        {
          input: {
            method: PAYMENT_METHOD_CODE,
            metadata: { tradeNo: '2088FORGED', trade_status: 'TRADE_SUCCESS' },
          },
        },
      );
      const failure = await addPayment.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ClientError);
      expect((failure as ClientError).response.errors[0].extensions.code).toBe('FORBIDDEN');

      const { activeOrder } = await env.shopClient.query(gql`
        query {
          activeOrder {
            state
            payments {
              id
            }
          }
        }
      `);
      expect(activeOrder).toEqual({ state: 'ArrangingPayment', payments: [] });
    });
  });
});
