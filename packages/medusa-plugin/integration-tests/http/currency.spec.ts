/**
 * Alipay takes CNY only. A shop that enables the provider in a region of another currency (here USD)
 * gets a refusal when the storefront starts an Alipay payment session: a 400 that says why, in English
 * and Chinese, and no Alipay trade. The CNY region of the same shop still pays.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import { alipaySpec } from '../utils/alipay-spec';
import { ok } from '../utils/http';
import type { PreparedCart } from '../utils/shop';

await alipaySpec({ settingsSecret: 'c3'.repeat(32), settings: t => t.legacySettings('legacy-direct') }, t => {
  /** A misconfigured shop: a USD region with the Alipay provider, and a USD price on the product. */
  async function usdCart(): Promise<PreparedCart> {
    const { region } = await ok(t.api, 'post', '/admin/regions', t.admin, {
      name: 'United States',
      currency_code: 'usd',
      countries: ['us'],
      payment_providers: ['pp_alipay_alipay'],
    });
    const { products } = await ok(t.api, 'get', '/admin/products?fields=id,variants.id', t.admin);
    await ok(t.api, 'post', `/admin/products/${products[0].id}/variants/${t.shop.variantId}`, t.admin, {
      prices: [
        { currency_code: 'cny', amount: 12.5 },
        { currency_code: 'usd', amount: 2 },
      ],
    });
    const store = { 'x-publishable-api-key': t.shop.salesChannels[0]!.publishableKey };
    const { cart } = await ok(t.api, 'post', '/store/carts', store, {
      region_id: region.id,
      sales_channel_id: t.shop.salesChannels[0]!.id,
      email: 'buyer@example.com',
      items: [{ variant_id: t.shop.variantId, quantity: 1 }],
    });
    expect(cart.currency_code).toBe('usd');
    const { payment_collection } = await ok(t.api, 'post', '/store/payment-collections', store, {
      cart_id: cart.id,
    });
    return { cartId: cart.id, paymentCollectionId: payment_collection.id, store };
  }

  it('refuses an Alipay session in USD with a 400 saying why in English and Chinese, and starts no trade', async () => {
    const refused = await t.trySession(await usdCart());
    expect(refused.status).toBe(400);
    expect(refused.data.message).toContain('Alipay accepts payments in Chinese yuan (CNY) only');
    expect(refused.data.message).toContain('USD');
    expect(refused.data.message).toContain('支付宝仅支持人民币（CNY）付款');
    for (const table of ['alipay_trade', 'alipay_trade_start']) {
      expect((await t.db.raw(`select count(*)::int as n from ${table}`)).rows[0].n, table).toBe(0);
    }
  });

  it('accepts the README’s store-currency step (Selling in CNY, step 1)', async () => {
    const { stores } = await ok(t.api, 'get', '/admin/stores', t.admin);
    const { store } = await ok(t.api, 'post', `/admin/stores/${stores[0].id}`, t.admin, {
      supported_currencies: [{ currency_code: 'cny', is_default: true }],
    });
    expect(store.supported_currencies).toEqual([
      expect.objectContaining({ currency_code: 'cny', is_default: true }),
    ]);
  });

  it('still starts a session in the CNY region', async () => {
    const session = await t.createSession(await t.prepareCart(), { device: 'desktop' });
    expect(session.data).toMatchObject({ currency: 'CNY', amount: '35.00', kind: 'redirect' });
  });
});
