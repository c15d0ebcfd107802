/**
 * What the Medusa driver adds to the seeded example shop before a suite runs: the catalogue read, the
 * storefront channel's seller, and one sales channel per legacy payment kind (with its publishable key,
 * the products, the warehouse and Alipay settings that override the interface type), as a marketplace
 * would configure one per seller.
 */
import { demoAccounts } from './sandbox';
import type { PaymentKind } from './shop-driver';

/** The sales channels the legacy kinds are sold through, and their interface types. */
const LEGACY_CHANNELS: Record<
  Exclude<PaymentKind, 'openapi' | 'antom'>,
  { name: string; interfaceType: string }
> = {
  'legacy-instant': { name: '即时到账 Reliability instant', interfaceType: 'legacy-direct' },
  'legacy-escrow': { name: '担保交易 Reliability escrow', interfaceType: 'legacy-escrow' },
};

/** An Admin API call as the logged-in admin. */
export type MedusaAdminCall = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** What the driver keeps of the set-up shop. */
export interface MedusaCatalogue {
  /** The CNY region carts are made in. */
  regionId: string;
  /**
   * The seeded USD region (provider `pp_alipay_antom`, the Antom contract with settings of its own), for
   * Antom checkouts; undefined in a shop seeded before it existed.
   */
  usdRegionId?: string;
  /** Variant IDs by SKU. */
  variantIds: Map<string, string>;
  /** The publishable key of each legacy kind's sales channel. */
  publishableKeys: Map<PaymentKind, string>;
}

/** Reads the seeded catalogue and adds the sales channels that sell through the legacy interfaces. */
export async function setUpMedusaShop(admin: MedusaAdminCall, sandboxUrl: string): Promise<MedusaCatalogue> {
  const { regions } = await admin<{ regions: Array<{ id: string; currency_code: string }> }>(
    'GET',
    '/admin/regions?fields=id,currency_code&limit=50',
  );
  const region = regions.find(r => r.currency_code === 'cny');
  if (!region) throw new Error('the seeded CNY region is missing');
  const regionId = region.id;
  const usdRegionId = regions.find(r => r.currency_code === 'usd')?.id;
  const variantIds = new Map<string, string>();
  const { products } = await admin<{
    products: Array<{ id: string; variants: Array<{ id: string; sku: string }> }>;
  }>('GET', '/admin/products?fields=id,variants.id,variants.sku&limit=100');
  for (const product of products) {
    for (const variant of product.variants) variantIds.set(variant.sku, variant.id);
  }
  // The seeded global settings name no seller, and the OpenAPI interface checks a notification's
  // seller_id only against a configured one: the storefront's channel gets the app's seller, as a
  // merchant enters it (the one `sellerId` field serves both generations, so it cannot be global here).
  const { stores } = await admin<{ stores: Array<{ default_sales_channel_id: string }> }>(
    'GET',
    '/admin/stores?fields=id,default_sales_channel_id',
  );
  await admin('POST', '/admin/alipay/settings', {
    salesChannelId: stores[0]!.default_sales_channel_id,
    sellerId: demoAccounts.apps[0]!.sellerId,
  });
  const publishableKeys = new Map<PaymentKind, string>();
  const { stock_locations: locations } = await admin<{ stock_locations: Array<{ id: string }> }>(
    'GET',
    '/admin/stock-locations?fields=id&limit=10',
  );
  for (const [kind, channel] of Object.entries(LEGACY_CHANNELS) as Array<
    [Exclude<PaymentKind, 'openapi'>, { name: string; interfaceType: string }]
  >) {
    const { sales_channel: salesChannel } = await admin<{ sales_channel: { id: string } }>(
      'POST',
      '/admin/sales-channels',
      { name: channel.name },
    );
    await admin('POST', `/admin/sales-channels/${salesChannel.id}/products`, {
      add: products.map(p => p.id),
    });
    for (const location of locations) {
      await admin('POST', `/admin/stock-locations/${location.id}/sales-channels`, {
        add: [salesChannel.id],
      });
    }
    const { api_key: apiKey } = await admin<{ api_key: { id: string; token: string } }>(
      'POST',
      '/admin/api-keys',
      { title: channel.name, type: 'publishable' },
    );
    await admin('POST', `/admin/api-keys/${apiKey.id}/sales-channels`, { add: [salesChannel.id] });
    await admin('POST', '/admin/alipay/settings', {
      salesChannelId: salesChannel.id,
      interfaceType: channel.interfaceType,
      gateway: `${sandboxUrl}/gateway.do`,
    });
    publishableKeys.set(kind, apiKey.token);
  }
  return { regionId, ...(usdRegionId ? { usdRegionId } : {}), variantIds, publishableKeys };
}

/** The guest buyer's address: in China for the CNY region, in the US for the USD region (`antom`). */
export function buyerAddressOf(kind: PaymentKind) {
  const common = { first_name: '测试', last_name: 'Buyer', phone: '13800000000' };
  return kind === 'antom'
    ? {
        ...common,
        address_1: '1 Market St',
        city: 'San Francisco',
        province: 'CA',
        postal_code: '94105',
        country_code: 'us',
      }
    : {
        ...common,
        address_1: '文三路 1 号',
        city: '杭州',
        province: '浙江',
        postal_code: '310000',
        country_code: 'cn',
      };
}
