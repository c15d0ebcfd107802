/**
 * First-start content of the example shop: a CNY channel in Simplified Chinese and English, China as
 * the tax and shipping zone with Chinese VAT rates, a courier and an online delivery, a few products
 * (physical and virtual goods) with CNY and USD prices, and Alipay payment methods pointed at the
 * offline sandbox with the fixed demo accounts of examples/sandbox/demo-accounts.json: the mainland ones
 * offered on CNY orders, the `antom` (cross-border) one on USD orders.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALIPAY_CNY_CHECKER_CODE, ALIPAY_CURRENCY_CHECKER_CODE } from '@alipay-commerce/vendure';
import {
  type bootstrap,
  ChannelService,
  CurrencyCode,
  GlobalSettingsService,
  type InitialData,
  LanguageCode,
  Logger,
  PaymentMethodService,
  ProductVariantService,
  RequestContextService,
  ShippingMethodService,
} from '@vendure/core';
import { importProductsFromCsv, populateInitialData } from '@vendure/core/cli';
import type { ExampleShopSettings } from './vendure-config';

const loggerCtx = 'ExampleShop';

/** The channel's languages, default first. */
export const SHOP_LANGUAGES = [LanguageCode.zh_Hans, LanguageCode.en];

/** The products file: bilingual columns, `kind:physical` / `kind:digital` facets. */
export const PRODUCTS_CSV = join(__dirname, '..', 'seed', 'products.csv');

/**
 * The Alipay payment methods' codes, names and per-method settings (`seed/payment-methods.json`); the
 * credentials of their generation are added from the demo accounts.
 */
export const PAYMENT_METHODS_FILE = join(__dirname, '..', 'seed', 'payment-methods.json');

/** A row of {@link PAYMENT_METHODS_FILE}. */
interface PaymentMethodRow extends Omit<SeededPaymentMethod, 'args' | 'checker'> {
  generation: 'openapi' | 'legacy' | 'antom';
  args: Record<string, string | boolean>;
}

/** The sandbox's fixed accounts: throw-away test keys shared with the sandbox the demo starts. */
export const DEMO_ACCOUNTS_FILE = join(__dirname, '..', '..', 'sandbox', 'demo-accounts.json');

/**
 * Zones, countries and taxes (`seed/initial-data.json`); tax category names are referenced by
 * products.csv. Its default language is English, so that codes derived from names (facets, zones) stay
 * ASCII; the shipping and payment methods are created by {@link seedExampleShop} instead (the shipping
 * ones with the example shop's goods-kind eligibility checker).
 */
export const INITIAL_DATA_FILE = join(__dirname, '..', 'seed', 'initial-data.json');

interface DemoAccounts {
  merchants: Array<{ partner: string; key: string; sellerEmail: string; sellerId: string }>;
  apps: Array<{ appId: string; privateKey: string; sellerId: string }>;
  alipayKeys: { publicKey: string };
  /** Antom (cross-border): the merchant's client and the sandbox's "Antom" key pair. */
  antom: {
    clients: Array<{ clientId: string; privateKey: string; keyVersion: string }>;
    antomKeys: { publicKey: string };
  };
}

/**
 * The second currency the shop sells in, paid through the `antom` method; CNY orders keep the mainland
 * methods. Prices in it are the CNY prices at {@link CNY_PER_USD}, rounded to whole cents.
 */
export const SECOND_CURRENCY = CurrencyCode.USD;

/** The demo's fixed exchange rate for the USD price list (the sandbox's Antom cashier has its own). */
const CNY_PER_USD = 7.2;

/** An Alipay payment method the shop is seeded with. */
export interface SeededPaymentMethod {
  code: string;
  name: { en: string; zh: string };
  description: { en: string; zh: string };
  args: Record<string, string | boolean>;
  /**
   * The eligibility checker: the mainland methods take CNY orders only (`alipay-cny-only`); the antom
   * one the shop's other currency (`alipay-currency` limited to {@link SECOND_CURRENCY}).
   */
  checker: { code: string; arguments: Array<{ name: string; value: string }> };
}

/**
 * The Alipay payment methods, one per way of paying a buyer can try in the demo. Codes are stable:
 * the storefront lists them, the browser tests pick them.
 */
export function alipayPaymentMethods(sandboxUrl: string, accounts: DemoAccounts): SeededPaymentMethod[] {
  const [merchant] = accounts.merchants;
  const [app] = accounts.apps;
  const [antomClient] = accounts.antom?.clients ?? [];
  if (!merchant || !app || !antomClient) {
    throw new Error(`${DEMO_ACCOUNTS_FILE} needs a merchant, an app and an Antom client`);
  }
  const openapi = {
    gateway: `${sandboxUrl}/openapi/gateway.do`,
    appId: app.appId,
    // The settings form takes the key as one line of base64 (what Alipay's key tool writes).
    appPrivateKey: app.privateKey.replace(/-----[^-]+-----|\s/g, ''),
    alipayPublicKey: accounts.alipayKeys.publicKey,
    sellerId: app.sellerId,
    interfaceType: 'openapi-page-wap-qr',
  };
  const legacy = {
    gateway: `${sandboxUrl}/gateway.do`,
    partnerId: merchant.partner,
    key: merchant.key,
    sellerEmail: merchant.sellerEmail,
    sellerId: merchant.sellerId,
    charset: 'utf-8',
    // Merchant A's contract includes refund_fastpay_by_platform_nopwd.
    refundWithoutPassword: true,
  };
  const antom = {
    interfaceType: 'antom',
    antomClientId: antomClient.clientId,
    antomPrivateKey: antomClient.privateKey,
    antomPublicKey: accounts.antom.antomKeys.publicKey,
    // The sandbox acts as Antom's host (in place of the region NA, SEA or DE).
    antomRegion: new URL(sandboxUrl).origin,
    antomKeyVersion: antomClient.keyVersion,
  };
  const credentials = { openapi, legacy, antom };
  const cnyOnly = { code: ALIPAY_CNY_CHECKER_CODE, arguments: [] };
  const secondCurrency = {
    code: ALIPAY_CURRENCY_CHECKER_CODE,
    arguments: [{ name: 'currencies', value: SECOND_CURRENCY }],
  };
  const methods = JSON.parse(readFileSync(PAYMENT_METHODS_FILE, 'utf8')) as PaymentMethodRow[];
  return methods.map(({ generation, args, ...method }) => ({
    ...method,
    args: { ...credentials[generation], ...args },
    checker: generation === 'antom' ? secondCurrency : cnyOnly,
  }));
}

/** Seeds an empty database. Runs inside the started server, before it is announced as ready. */
export async function seedExampleShop(
  app: Awaited<ReturnType<typeof bootstrap>>,
  settings: ExampleShopSettings,
): Promise<void> {
  const started = Date.now();
  const contexts = app.get(RequestContextService);
  const adminCtx = () => contexts.create({ apiType: 'admin', languageCode: LanguageCode.en });

  // 1. Languages and currency. Vendure creates the default channel in USD and English, and
  //    InitialData cannot change that; it must happen before the import so that prices are CNY.
  let ctx = await adminCtx();
  const globalSettings = app.get(GlobalSettingsService);
  await globalSettings.updateSettings(ctx, { availableLanguages: SHOP_LANGUAGES });
  const channels = app.get(ChannelService);
  const channel = await channels.getDefaultChannel(ctx);
  await channels.update(ctx, {
    id: channel.id,
    defaultCurrencyCode: CurrencyCode.CNY,
    // CNY by default; USD orders (Shop API `?currencyCode=USD`) are paid through the antom method.
    availableCurrencyCodes: [CurrencyCode.CNY, SECOND_CURRENCY],
    availableLanguageCodes: SHOP_LANGUAGES,
    defaultLanguageCode: LanguageCode.zh_Hans,
    // Chinese retail prices include VAT.
    pricesIncludeTax: true,
  });

  // 2. Zones, countries, taxes; 3. products (from a fresh context: the channel changed).
  await populateInitialData(app, JSON.parse(readFileSync(INITIAL_DATA_FILE, 'utf8')) as InitialData);
  const imported = await importProductsFromCsv(app, PRODUCTS_CSV, LanguageCode.en);
  if (imported.errors?.length) {
    throw new Error(`Importing ${PRODUCTS_CSV} failed:\n${imported.errors.join('\n')}`);
  }

  // 3b. A USD price for every variant, for the orders the antom method takes.
  ctx = await adminCtx();
  const variants = app.get(ProductVariantService);
  const { items } = await variants.findAll(ctx, { take: 1000 });
  await variants.update(
    ctx,
    items.map(variant => ({
      id: variant.id,
      // The CNY list price (tax included, as the channel's prices are); the CNY price stays as it is.
      prices: [
        { currencyCode: SECOND_CURRENCY, price: Math.max(1, Math.round(variant.listPrice / CNY_PER_USD)) },
      ],
    })),
  );

  // 4. Shipping: a courier for physical goods, online delivery for virtual ones.
  const shipping = app.get(ShippingMethodService);
  const shippingMethods = [
    {
      code: 'standard-courier',
      goods: 'physical',
      rateFen: 1000,
      en: ['Standard courier', 'Delivered in 2–4 days.'],
      zh: ['快递', '2–4 天送达。'],
    },
    {
      code: 'online-delivery',
      goods: 'virtual',
      rateFen: 0,
      en: ['Online delivery', 'E-books and courses: a link after payment.'],
      zh: ['在线交付', '电子书和课程：付款后发送链接。'],
    },
  ];
  for (const method of shippingMethods) {
    await shipping.create(ctx, {
      code: method.code,
      fulfillmentHandler: 'manual-fulfillment',
      checker: { code: 'goods-kind', arguments: [{ name: 'goods', value: method.goods }] },
      calculator: {
        code: 'default-shipping-calculator',
        arguments: [
          { name: 'rate', value: String(method.rateFen) },
          { name: 'includesTax', value: 'include' },
          { name: 'taxRate', value: '9' },
        ],
      },
      translations: [
        { languageCode: LanguageCode.en, name: method.en[0], description: method.en[1] },
        { languageCode: LanguageCode.zh_Hans, name: method.zh[0], description: method.zh[1] },
      ],
    });
  }

  // 5. Alipay payment methods, as a merchant creates them in Settings → Payment methods.
  const accounts = JSON.parse(readFileSync(DEMO_ACCOUNTS_FILE, 'utf8')) as DemoAccounts;
  const paymentMethods = app.get(PaymentMethodService);
  for (const method of alipayPaymentMethods(settings.sandboxUrl, accounts)) {
    await paymentMethods.create(ctx, {
      code: method.code,
      enabled: true,
      // The mainland methods are offered on CNY orders only; the antom one on USD orders.
      checker: method.checker,
      handler: {
        code: 'alipay',
        arguments: Object.entries(method.args).map(([name, value]) => ({ name, value: String(value) })),
      },
      translations: [
        { languageCode: LanguageCode.en, name: method.name.en, description: method.description.en },
        { languageCode: LanguageCode.zh_Hans, name: method.name.zh, description: method.description.zh },
      ],
    });
  }
  Logger.info(
    `Seeded ${imported.imported} products, ${shippingMethods.length} shipping methods and Alipay payment methods in ${Date.now() - started} ms`,
    loggerCtx,
  );
}
