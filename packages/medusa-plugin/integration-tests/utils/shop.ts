/**
 * A minimal shop for checkout tests, built through Medusa's admin and store APIs the way a merchant
 * and a storefront would: a CNY region with the Alipay provider, sales channels with publishable
 * keys, a stock location with a shipping option (顺丰速运, 10 CNY), and a product at 12.50 CNY.
 */
import { readFileSync } from 'node:fs';
import { call, type HttpClient, ok } from './http';

/**
 * The CNY shop's request bodies (region, warehouse, shipping, product), as data: the install test
 * (test/install/medusa.mjs) builds the same shop in a freshly installed Medusa app from this file.
 */
// biome-ignore lint/suspicious/noExplicitAny: request bodies as the admin API takes them
const CNY_SHOP: Record<string, any> = JSON.parse(
  readFileSync(new URL('./cny-shop.json', import.meta.url), 'utf8'),
);

/** What {@link setupShop} created. */
export interface Shop {
  regionId: string;
  variantId: string;
  shippingOptionId: string;
  stockLocationId: string;
  salesChannels: Array<{ id: string; publishableKey: string }>;
}

/** Builds the shop with `channels` sales channels (the second and later ones are marketplace sellers). */
export async function setupShop(
  api: HttpClient,
  admin: Record<string, string>,
  { channels = 1 }: { channels?: number } = {},
): Promise<Shop> {
  const salesChannels: Shop['salesChannels'] = [];
  for (let index = 0; index < channels; index++) {
    const { sales_channel } = await ok(api, 'post', '/admin/sales-channels', admin, {
      name: `Channel ${index + 1}`,
    });
    const { api_key } = await ok(api, 'post', '/admin/api-keys', admin, {
      title: `Storefront ${index + 1}`,
      type: 'publishable',
    });
    await ok(api, 'post', `/admin/api-keys/${api_key.id}/sales-channels`, admin, { add: [sales_channel.id] });
    salesChannels.push({ id: sales_channel.id, publishableKey: api_key.token });
  }
  const channelIds = salesChannels.map(channel => channel.id);

  const { region } = await ok(api, 'post', '/admin/regions', admin, CNY_SHOP.region);

  const { stock_location } = await ok(api, 'post', '/admin/stock-locations', admin, CNY_SHOP.stockLocation);
  await ok(api, 'post', `/admin/stock-locations/${stock_location.id}/sales-channels`, admin, {
    add: channelIds,
  });
  await ok(api, 'post', `/admin/stock-locations/${stock_location.id}/fulfillment-providers`, admin, {
    add: ['manual_manual'],
  });
  const withSet = await ok(
    api,
    'post',
    `/admin/stock-locations/${stock_location.id}/fulfillment-sets?fields=*fulfillment_sets`,
    admin,
    CNY_SHOP.fulfillmentSet,
  );
  const fulfillmentSetId = withSet.stock_location.fulfillment_sets[0].id;
  const { fulfillment_set } = await ok(
    api,
    'post',
    `/admin/fulfillment-sets/${fulfillmentSetId}/service-zones?fields=*service_zones`,
    admin,
    CNY_SHOP.serviceZone,
  );
  const serviceZoneId = fulfillment_set.service_zones[0].id;
  const { shipping_profile } = await ok(
    api,
    'post',
    '/admin/shipping-profiles',
    admin,
    CNY_SHOP.shippingProfile,
  );
  const { shipping_option } = await ok(api, 'post', '/admin/shipping-options', admin, {
    ...CNY_SHOP.shippingOption,
    service_zone_id: serviceZoneId,
    shipping_profile_id: shipping_profile.id,
  });

  const { product } = await ok(api, 'post', '/admin/products', admin, {
    ...CNY_SHOP.product,
    shipping_profile_id: shipping_profile.id,
    sales_channels: channelIds.map(id => ({ id })),
  });

  return {
    regionId: region.id,
    variantId: product.variants[0].id,
    shippingOptionId: shipping_option.id,
    stockLocationId: stock_location.id,
    salesChannels,
  };
}

/** A cart ready to pay and its payment collection: 2 × 12.50 + 10.00 shipping = 35.00 CNY. */
export interface PreparedCart {
  cartId: string;
  paymentCollectionId: string;
  store: Record<string, string>;
}

/** The storefront's side up to (not including) the payment session. */
export async function prepareCart(
  api: HttpClient,
  shop: Shop,
  { channel = 0, quantity = 2 }: { channel?: number; quantity?: number } = {},
): Promise<PreparedCart> {
  const store = { 'x-publishable-api-key': shop.salesChannels[channel]!.publishableKey };
  const { cart } = await ok(api, 'post', '/store/carts', store, {
    region_id: shop.regionId,
    sales_channel_id: shop.salesChannels[channel]!.id,
    ...CNY_SHOP.buyer,
    items: [{ variant_id: shop.variantId, quantity }],
  });
  await ok(api, 'post', `/store/carts/${cart.id}/shipping-methods`, store, {
    option_id: shop.shippingOptionId,
  });
  const { payment_collection } = await ok(api, 'post', '/store/payment-collections', store, {
    cart_id: cart.id,
  });
  return { cartId: cart.id, paymentCollectionId: payment_collection.id, store };
}

/** A payment session as the store API answers it, with its public `data`. */
// biome-ignore lint/suspicious/noExplicitAny: the session JSON
export type StoreSession = { id: string; status: string; data: Record<string, any> };

/** Creates the Alipay payment session as a storefront does; returns the session (with its public `data`). */
export async function createAlipaySession(
  api: HttpClient,
  prepared: PreparedCart,
  data: Record<string, unknown> = {},
): Promise<StoreSession> {
  const { payment_collection } = await ok(
    api,
    'post',
    `/store/payment-collections/${prepared.paymentCollectionId}/payment-sessions`,
    prepared.store,
    { provider_id: 'pp_alipay_alipay', data },
  );
  return payment_collection.payment_sessions.find(
    (session: { provider_id: string }) => session.provider_id === 'pp_alipay_alipay',
  );
}

/**
 * The `out_trade_no` of an Alipay payment session (or of a payment, whose `data` is a copy of its
 * session's): what Alipay, the sandbox and the plugin's tables know the trade by. Random since issue 15,
 * never the session ID.
 */
export function outTradeNoOf(session: { data?: Record<string, unknown> | null }): string {
  const outTradeNo = session.data?.out_trade_no;
  if (typeof outTradeNo !== 'string' || !outTradeNo) {
    throw new Error(`no out_trade_no in the session data: ${JSON.stringify(session.data)}`);
  }
  return outTradeNo;
}

/** Starts another Alipay session on the cart's collection as a storefront does; the raw answer (it may be refused). */
export function tryAlipaySession(api: HttpClient, prepared: PreparedCart) {
  return call(
    api,
    'post',
    `/store/payment-collections/${prepared.paymentCollectionId}/payment-sessions`,
    prepared.store,
    { provider_id: 'pp_alipay_alipay', data: {} },
  );
}
