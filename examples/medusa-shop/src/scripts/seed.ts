/**
 * First-start seed of the example shop, run once by `scripts/start.ts` as
 * `medusa exec ./src/scripts/seed.ts` on a freshly migrated database:
 *
 * - the admin user (`DEMO_ADMIN`),
 * - the store in CNY (and USD), a sales channel, a region 中国 China (CNY) with `pp_alipay_alipay` enabled
 *   and a region 美国 United States (USD) with `pp_alipay_antom` (the Antom contract),
 * - a stock location in Shanghai with a shipping fulfillment set, the default shipping profile, a courier
 *   option (10 CNY) and a return option, so physical goods can be fulfilled and shipped in the admin,
 * - the catalogue of the Vendure example (same SKUs and prices, `seed/catalogue.json`): three physical products with stock and
 *   two virtual ones (no shipping profile, no inventory: carts of them need no shipping method),
 * - the Alipay settings, saved through the plugin's own `alipay` module exactly as the admin
 *   page saves them: OpenAPI app `2021000100000001` (page + wap + QR) active, and legacy merchant A's
 *   partner ID and key stored too, so Settings → Alipay can switch to 即时到账 / 担保交易 / 双接口; and
 *   the settings of the `antom` provider from the sandbox's first Antom client,
 * - last, the publishable API key of the sales channel (its presence marks the seed as done).
 *
 * Environment: `ALIPAY_SANDBOX_URL` (the gateways point there), `ALIPAY_DEMO_ACCOUNTS` (path of
 * `examples/sandbox/demo-accounts.json`; default: found from the working directory).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExecArgs } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules, ProductStatus } from '@medusajs/framework/utils';
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  createUsersWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} from '@medusajs/medusa/core-flows';
import { DEMO_ADMIN, PUBLISHABLE_KEY_TITLE } from '../demo';

/** What the seed reads from `examples/sandbox/demo-accounts.json` (throw-away sandbox accounts). */
interface DemoAccounts {
  merchants: Array<{ partner: string; key: string; sellerEmail: string }>;
  apps: Array<{ appId: string; privateKey: string }>;
  alipayKeys: { publicKey: string };
  /** The sandbox's Antom clients (the first one is the demo's) and its own "Antom" public key. */
  antom?: {
    clients: Array<{ clientId: string; privateKey: string; keyVersion?: string; paymentMethods?: string[] }>;
    antomKeys: { publicKey: string };
  };
}

/** The part of the plugin's `alipay` module service the seed uses (the plugin ships no typings). */
interface AlipaySettingsModule {
  saveSettings(input: Record<string, unknown>): Promise<unknown>;
}

/** One product of the catalogue; money in yuan (Medusa 2 amounts are major units). */
interface CatalogueProduct {
  handle: string;
  zh: { title: string; description: string };
  en: { title: string; description: string };
  goods: 'physical' | 'virtual';
  option: { zh: string; en: string };
  /** `price` in yuan (the CNY region), `priceUsd` in dollars (the USD region, paid through Antom). */
  variants: Array<{ sku: string; value: { zh: string; en: string }; price: number; priceUsd: number }>;
}

/**
 * The catalogue, kept as data next to the Vendure example's `seed/products.csv` (same products, SKUs and
 * prices): `seed/catalogue.json` of this package (`medusa exec` runs from the package's folder).
 */
const CATALOGUE_FILE = resolve(process.cwd(), 'seed', 'catalogue.json');

/** Stock of each physical variant at the Shanghai warehouse. */
const STOCK_PER_VARIANT = 100;

export default async function seedExampleShop({ container }: ExecArgs): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER);
  const link = container.resolve(ContainerRegistrationKeys.LINK);
  const query = container.resolve(ContainerRegistrationKeys.QUERY);
  const sandboxUrl = (process.env.ALIPAY_SANDBOX_URL || 'http://127.0.0.1:7010').replace(/\/+$/, '');
  const accounts = readDemoAccounts();
  const catalogue = JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8')) as CatalogueProduct[];

  logger.info('[seed] admin user');
  await createAdminUser(container);

  logger.info(
    '[seed] sales channel, region 中国 China (CNY) with pp_alipay_alipay, region United States (USD) with pp_alipay_antom',
  );
  const salesChannel = created(
    'the sales channel',
    await createSalesChannelsWorkflow(container).run({
      input: {
        salesChannelsData: [
          {
            name: '演示店面 Demo storefront',
            description: 'The storefront of the Alipay demo 支付宝演示店面',
          },
        ],
      },
    }),
  );
  const region = created(
    'the region',
    await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: '中国 China',
            currency_code: 'cny',
            countries: ['cn'],
            payment_providers: ['pp_alipay_alipay'],
          },
        ],
      },
    }),
  );
  // The cross-border region: Alipay through the Antom contract (provider `antom`, its own settings).
  const usdRegion = created(
    'the USD region',
    await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: '美国 United States',
            currency_code: 'usd',
            countries: ['us'],
            payment_providers: ['pp_alipay_antom'],
          },
        ],
      },
    }),
  );
  // Prices include tax (Chinese retail prices do): a tax region without rates keeps totals as priced.
  await createTaxRegionsWorkflow(container).run({
    input: [
      { country_code: 'cn', provider_id: 'tp_system' },
      { country_code: 'us', provider_id: 'tp_system' },
    ],
  });
  const storeModule = container.resolve(Modules.STORE);
  const [store] = await storeModule.listStores();
  if (!store) throw new Error('Medusa has no store: did the migrations run?');
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        name: '演示商店 Demo shop',
        supported_currencies: [
          { currency_code: 'cny', is_default: true },
          { currency_code: 'usd', is_default: false },
        ],
        default_sales_channel_id: salesChannel.id,
        default_region_id: region.id,
      },
    },
  });

  logger.info('[seed] stock location, fulfillment set, shipping options');
  const location = created(
    'the stock location',
    await createStockLocationsWorkflow(container).run({
      input: {
        locations: [
          {
            name: '上海仓库 Shanghai warehouse',
            address: { address_1: '南京东路 1 号', city: '上海', postal_code: '200001', country_code: 'CN' },
          },
        ],
      },
    }),
  );
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_provider_id: 'manual_manual' },
  });
  const fulfillment = container.resolve(Modules.FULFILLMENT);
  const fulfillmentSet = await fulfillment.createFulfillmentSets({
    name: '上海发货 Shipping from Shanghai',
    type: 'shipping',
    service_zones: [
      { name: '中国大陆 Mainland China', geo_zones: [{ type: 'country', country_code: 'cn' }] },
      { name: '美国 United States', geo_zones: [{ type: 'country', country_code: 'us' }] },
    ],
  });
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
  });
  const serviceZone = fulfillmentSet.service_zones.find(zone => zone.name.includes('China'));
  const usServiceZone = fulfillmentSet.service_zones.find(zone => zone.name.includes('United States'));
  if (!serviceZone || !usServiceZone) throw new Error('the service zones were not created');
  const shippingProfile = await defaultShippingProfile(container);
  // A courier for the buyer's parcels and a free return option for what comes back.
  const shippingOptions = [
    {
      name: '快递 Standard courier',
      type: {
        label: '快递 Courier',
        description: '2–4 天送达 Delivered in 2–4 days',
        code: 'standard-courier',
      },
      amount: 10,
      isReturn: false,
    },
    {
      name: '快递退货 Return by courier',
      type: { label: '退货 Return', description: '买家寄回 Sent back by the buyer', code: 'return-courier' },
      amount: 0,
      isReturn: true,
    },
  ];
  // The same options for the US zone, in dollars: the courier costs 15 USD there (10 × 1.5).
  const zones = [
    { zone: serviceZone, currency: 'cny', zoneRegion: region, priceFactor: 1, codeSuffix: '' },
    { zone: usServiceZone, currency: 'usd', zoneRegion: usdRegion, priceFactor: 1.5, codeSuffix: '-us' },
  ];
  await createShippingOptionsWorkflow(container).run({
    input: zones.flatMap(({ zone, currency, zoneRegion, priceFactor, codeSuffix }) =>
      shippingOptions.map(option => ({
        name: option.name,
        price_type: 'flat' as const,
        provider_id: 'manual_manual',
        service_zone_id: zone.id,
        shipping_profile_id: shippingProfile.id,
        type: { ...option.type, code: `${option.type.code}${codeSuffix}` },
        prices: [
          { currency_code: currency, amount: option.amount * priceFactor },
          { region_id: zoneRegion.id, amount: option.amount * priceFactor },
        ],
        rules: [
          { attribute: 'enabled_in_store', value: 'true', operator: 'eq' as const },
          { attribute: 'is_return', value: String(option.isReturn), operator: 'eq' as const },
        ],
      })),
    ),
  });
  await linkSalesChannelsToStockLocationWorkflow(container).run({
    input: { id: location.id, add: [salesChannel.id] },
  });

  logger.info(`[seed] ${catalogue.length} products`);
  await createProductsWorkflow(container).run({
    input: {
      products: catalogue.map(product => {
        const optionTitle = bilingual(product.option);
        const physical = product.goods === 'physical';
        return {
          handle: product.handle,
          title: product.zh.title,
          subtitle: product.en.title,
          description: product.zh.description,
          status: ProductStatus.PUBLISHED,
          // Virtual goods have no shipping profile: their cart lines need no shipping method.
          ...(physical ? { shipping_profile_id: shippingProfile.id } : {}),
          sales_channels: [{ id: salesChannel.id }],
          // The storefront shows `title subtitle` (中文 English) and reads the goods kind from here.
          metadata: { goods: product.goods, description_en: product.en.description },
          options: [
            { title: optionTitle, values: product.variants.map(variant => bilingual(variant.value)) },
          ],
          variants: product.variants.map(variant => ({
            title: bilingual(variant.value),
            sku: variant.sku,
            options: { [optionTitle]: bilingual(variant.value) },
            manage_inventory: physical,
            prices: [
              { currency_code: 'cny', amount: variant.price },
              { currency_code: 'usd', amount: variant.priceUsd },
            ],
          })),
        };
      }),
    },
  });
  const { data: inventoryItems } = await query.graph({ entity: 'inventory_item', fields: ['id'] });
  await createInventoryLevelsWorkflow(container).run({
    input: {
      inventory_levels: inventoryItems.map((item: { id: string }) => ({
        inventory_item_id: item.id,
        location_id: location.id,
        stocked_quantity: STOCK_PER_VARIANT,
      })),
    },
  });

  logger.info(
    '[seed] Alipay settings (Settings → Alipay): OpenAPI page + wap + QR, legacy merchant A stored',
  );
  const [merchant] = accounts.merchants;
  const [app] = accounts.apps;
  if (!merchant || !app) throw new Error('demo-accounts.json needs a merchant and an app');
  const alipaySettings = container.resolve<AlipaySettingsModule>('alipay');
  await alipaySettings.saveSettings({
    interfaceType: 'openapi-page-wap-qr',
    // One gateway field for both generations: the legacy one is `${sandboxUrl}/gateway.do` (see README).
    gateway: `${sandboxUrl}/openapi/gateway.do`,
    appId: app.appId,
    // As Alipay's key tool writes it: one line of base64, no PEM armour.
    appPrivateKey: app.privateKey.replace(/-----[^-]+-----|\s/g, ''),
    alipayPublicKey: accounts.alipayKeys.publicKey,
    alwaysQrOnDesktop: false,
    // Legacy merchant A (all legacy interfaces + 无密退款). No seller fields (the one `sellerId` field
    // serves both generations): legacy notifications are checked against the partner, OpenAPI ones
    // against the app only; give a sales channel a `sellerId` to check the OpenAPI seller too.
    partnerId: merchant.partner,
    key: merchant.key,
    charset: 'utf-8',
    refundWithoutPassword: true,
  });

  // The Antom contract (USD region): the sandbox's first Antom client, saved as the settings of the
  // provider `antom` (its `settingsScope`), exactly as the admin page saves them for that configuration.
  const antomClient = accounts.antom?.clients[0];
  if (!antomClient || !accounts.antom) throw new Error('demo-accounts.json needs an Antom client');
  logger.info(`[seed] Antom settings (Settings → Alipay → antom): client ${antomClient.clientId}`);
  await alipaySettings.saveSettings({
    configuration: 'antom',
    interfaceType: 'antom',
    antomClientId: antomClient.clientId,
    antomPrivateKey: antomClient.privateKey,
    antomPublicKey: accounts.antom.antomKeys.publicKey,
    // The offline sandbox's origin in place of NA / SEA / DE (allowed by allowLoopbackGateway).
    antomRegion: sandboxUrl,
    antomKeyVersion: antomClient.keyVersion ?? '1',
    antomPaymentMethods: (antomClient.paymentMethods ?? ['ALIPAY_CN']).join(', '),
  });

  logger.info('[seed] publishable API key');
  const apiKey = created(
    'the publishable API key',
    await createApiKeysWorkflow(container).run({
      input: { api_keys: [{ title: PUBLISHABLE_KEY_TITLE, type: 'publishable', created_by: '' }] },
    }),
  );
  await linkSalesChannelsToApiKeyWorkflow(container).run({
    input: { id: apiKey.id, add: [salesChannel.id] },
  });
  logger.info('[seed] done');
}

/** The one record a create workflow returned; throws naming `what` when it returned none. */
function created<T>(what: string, { result }: { result: T[] }): T {
  const [first] = result;
  if (!first) throw new Error(`${what} was not created`);
  return first;
}

/** "中文 English", or one of them when they are the same ("PDF"). */
function bilingual(text: { zh: string; en: string }): string {
  return text.zh === text.en ? text.zh : `${text.zh} ${text.en}`;
}

function readDemoAccounts(): DemoAccounts {
  const file = process.env.ALIPAY_DEMO_ACCOUNTS || resolve(process.cwd(), '../sandbox/demo-accounts.json');
  return JSON.parse(readFileSync(file, 'utf8')) as DemoAccounts;
}

/** The admin user, created the way `medusa user -e … -p …` creates one. */
async function createAdminUser(container: ExecArgs['container']): Promise<void> {
  const user = created(
    'the admin user',
    await createUsersWorkflow(container).run({ input: { users: [{ email: DEMO_ADMIN.email }] } }),
  );
  const auth = container.resolve(Modules.AUTH);
  const { authIdentity, error } = await auth.register('emailpass', {
    body: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  });
  if (error || !authIdentity) throw new Error(`registering the admin user failed: ${error}`);
  await auth.updateAuthIdentities({ id: authIdentity.id, app_metadata: { user_id: user.id } });
}

/** The migrations' default shipping profile, or a new one. */
async function defaultShippingProfile(container: ExecArgs['container']): Promise<{ id: string }> {
  const fulfillment = container.resolve(Modules.FULFILLMENT);
  const [existing] = await fulfillment.listShippingProfiles({ type: 'default' });
  if (existing) return existing;
  return created(
    'the shipping profile',
    await createShippingProfilesWorkflow(container).run({
      input: { data: [{ name: '实物 Physical goods', type: 'default' }] },
    }),
  );
}
