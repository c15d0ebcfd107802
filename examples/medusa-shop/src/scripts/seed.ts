/**
 * First-start seed of the example shop, run once by `scripts/start.ts` as
 * `medusa exec ./src/scripts/seed.ts` on a freshly migrated database:
 *
 * - the admin user (`DEMO_ADMIN`),
 * - the store in CNY, a sales channel, a region 中国 China (CNY) with `pp_alipay_alipay` enabled,
 * - a stock location in Shanghai with a shipping fulfillment set, the default shipping profile, a courier
 *   option (10 CNY) and a return option, so physical goods can be fulfilled and shipped in the admin,
 * - the catalogue of the Vendure example (same SKUs and prices): three physical products with stock and
 *   two virtual ones (no shipping profile, no inventory: carts of them need no shipping method),
 * - the Alipay settings, saved through the plugin's own `alipay` module exactly as the admin
 *   page saves them: OpenAPI app `2021000100000001` (page + wap + QR) active, and legacy merchant A's
 *   partner ID and key stored too, so Settings → Alipay can switch to 即时到账 / 担保交易 / 双接口,
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
  variants: Array<{ sku: string; value: { zh: string; en: string }; price: number }>;
}

/** Same products, SKUs and prices as the Vendure example (`examples/vendure-shop/seed/products.csv`). */
const CATALOGUE: CatalogueProduct[] = [
  {
    handle: 'celadon-tea-set',
    zh: { title: '龙泉青瓷茶具', description: '龙泉青瓷一壶四杯，加厚包装发货。' },
    en: {
      title: 'Celadon Tea Set',
      description: 'Four cups and a teapot from Longquan, shipped in a padded box.',
    },
    goods: 'physical',
    option: { zh: '规格', en: 'Set' },
    variants: [{ sku: 'TEA-SET-01', value: { zh: '一壶四杯', en: 'Teapot and four cups' }, price: 288 }],
  },
  {
    handle: 'silk-scarf',
    zh: { title: '杭州丝巾', description: '杭州真丝，90 × 90 厘米。' },
    en: { title: 'Silk Scarf', description: 'Hangzhou silk, 90 x 90 cm.' },
    goods: 'physical',
    option: { zh: '颜色', en: 'Colour' },
    variants: [
      { sku: 'SCARF-RED', value: { zh: '红色', en: 'Red' }, price: 168 },
      { sku: 'SCARF-BLUE', value: { zh: '蓝色', en: 'Blue' }, price: 168 },
    ],
  },
  {
    handle: 'longjing-tea-250g',
    zh: { title: '西湖龙井 250 克', description: '杭州明前绿茶，铁罐装。' },
    en: {
      title: 'West Lake Longjing Tea 250 g',
      description: 'Spring-picked green tea from Hangzhou, in a tin.',
    },
    goods: 'physical',
    option: { zh: '规格', en: 'Size' },
    variants: [{ sku: 'LONGJING-250', value: { zh: '250 克', en: '250 g' }, price: 98 }],
  },
  {
    handle: 'alipay-integration-handbook',
    zh: { title: '支付宝接入手册（电子书）', description: 'PDF 电子书，付款后通过下载链接交付。' },
    en: {
      title: 'Alipay Integration Handbook (e-book)',
      description: 'PDF e-book, delivered by download link after payment.',
    },
    goods: 'virtual',
    option: { zh: '格式', en: 'Format' },
    variants: [{ sku: 'EBOOK-ALIPAY', value: { zh: 'PDF', en: 'PDF' }, price: 39.9 }],
  },
  {
    handle: 'online-course-payments',
    zh: { title: '在线课程：自建商城的支付', description: '六节视频课，在线观看。' },
    en: {
      title: 'Online Course: Payments for Self-hosted Shops',
      description: 'Six video lessons, streamed online.',
    },
    goods: 'virtual',
    option: { zh: '形式', en: 'Format' },
    variants: [{ sku: 'COURSE-PAY-01', value: { zh: '在线观看', en: 'Streamed' }, price: 199 }],
  },
];

/** Stock of each physical variant at the Shanghai warehouse. */
const STOCK_PER_VARIANT = 100;

export default async function seedExampleShop({ container }: ExecArgs): Promise<void> {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER);
  const link = container.resolve(ContainerRegistrationKeys.LINK);
  const query = container.resolve(ContainerRegistrationKeys.QUERY);
  const sandboxUrl = (process.env.ALIPAY_SANDBOX_URL || 'http://127.0.0.1:7010').replace(/\/+$/, '');
  const accounts = readDemoAccounts();

  logger.info('[seed] admin user');
  await createAdminUser(container);

  logger.info('[seed] sales channel, region 中国 China (CNY) with pp_alipay_alipay');
  const {
    result: [salesChannel],
  } = await createSalesChannelsWorkflow(container).run({
    input: {
      salesChannelsData: [
        { name: '演示店面 Demo storefront', description: 'The storefront of the Alipay demo 支付宝演示店面' },
      ],
    },
  });
  const {
    result: [region],
  } = await createRegionsWorkflow(container).run({
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
  });
  if (!salesChannel || !region) throw new Error('the sales channel or the region was not created');
  // Prices include tax (Chinese retail prices do): a tax region without rates keeps totals as priced.
  await createTaxRegionsWorkflow(container).run({
    input: [{ country_code: 'cn', provider_id: 'tp_system' }],
  });
  const storeModule = container.resolve(Modules.STORE);
  const [store] = await storeModule.listStores();
  if (!store) throw new Error('Medusa has no store: did the migrations run?');
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        name: '演示商店 Demo shop',
        supported_currencies: [{ currency_code: 'cny', is_default: true }],
        default_sales_channel_id: salesChannel.id,
        default_region_id: region.id,
      },
    },
  });

  logger.info('[seed] stock location, fulfillment set, shipping options');
  const {
    result: [location],
  } = await createStockLocationsWorkflow(container).run({
    input: {
      locations: [
        {
          name: '上海仓库 Shanghai warehouse',
          address: { address_1: '南京东路 1 号', city: '上海', postal_code: '200001', country_code: 'CN' },
        },
      ],
    },
  });
  if (!location) throw new Error('the stock location was not created');
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
    ],
  });
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
  });
  const serviceZone = fulfillmentSet.service_zones[0];
  if (!serviceZone) throw new Error('the service zone was not created');
  const shippingProfile = await defaultShippingProfile(container);
  await createShippingOptionsWorkflow(container).run({
    input: [
      {
        name: '快递 Standard courier',
        price_type: 'flat',
        provider_id: 'manual_manual',
        service_zone_id: serviceZone.id,
        shipping_profile_id: shippingProfile.id,
        type: {
          label: '快递 Courier',
          description: '2–4 天送达 Delivered in 2–4 days',
          code: 'standard-courier',
        },
        prices: [
          { currency_code: 'cny', amount: 10 },
          { region_id: region.id, amount: 10 },
        ],
        rules: [
          { attribute: 'enabled_in_store', value: 'true', operator: 'eq' },
          { attribute: 'is_return', value: 'false', operator: 'eq' },
        ],
      },
      {
        name: '快递退货 Return by courier',
        price_type: 'flat',
        provider_id: 'manual_manual',
        service_zone_id: serviceZone.id,
        shipping_profile_id: shippingProfile.id,
        type: {
          label: '退货 Return',
          description: '买家寄回 Sent back by the buyer',
          code: 'return-courier',
        },
        prices: [
          { currency_code: 'cny', amount: 0 },
          { region_id: region.id, amount: 0 },
        ],
        rules: [
          { attribute: 'enabled_in_store', value: 'true', operator: 'eq' },
          { attribute: 'is_return', value: 'true', operator: 'eq' },
        ],
      },
    ],
  });
  await linkSalesChannelsToStockLocationWorkflow(container).run({
    input: { id: location.id, add: [salesChannel.id] },
  });

  logger.info(`[seed] ${CATALOGUE.length} products`);
  await createProductsWorkflow(container).run({
    input: {
      products: CATALOGUE.map(product => {
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
            prices: [{ currency_code: 'cny', amount: variant.price }],
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

  logger.info('[seed] publishable API key');
  const {
    result: [apiKey],
  } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: PUBLISHABLE_KEY_TITLE, type: 'publishable', created_by: '' }] },
  });
  if (!apiKey) throw new Error('the publishable API key was not created');
  await linkSalesChannelsToApiKeyWorkflow(container).run({
    input: { id: apiKey.id, add: [salesChannel.id] },
  });
  logger.info('[seed] done');
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
  const {
    result: [user],
  } = await createUsersWorkflow(container).run({ input: { users: [{ email: DEMO_ADMIN.email }] } });
  if (!user) throw new Error('the admin user was not created');
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
  const {
    result: [created],
  } = await createShippingProfilesWorkflow(container).run({
    input: { data: [{ name: '实物 Physical goods', type: 'default' }] },
  });
  if (!created) throw new Error('the shipping profile was not created');
  return created;
}
