// @ts-check
/**
 * The storefront's client for the Medusa example shop: Medusa 2's Store API (REST, every request with the
 * sales channel's publishable key) and the Alipay payment provider `pp_alipay_alipay`, following
 * "For storefront authors" in examples/medusa-shop/README.md.
 *
 * Each buyer session keeps its own cart ID; the order code the storefront shows is the cart ID (Medusa
 * creates the order from the cart, and Alipay's notification does so whether or not the buyer comes
 * back). A session sees only the carts it created: Medusa itself lets anyone who knows a cart or guest
 * order ID read it, so the storefront does not hand out other buyers' orders by code.
 *
 * Money in Medusa 2 is in major units (`39.9` yuan, `5.99` dollars); the storefront works in integer minor
 * units. The buyer shops in a region by its currency: 中国 China (CNY) pays through the mainland Alipay
 * provider `pp_alipay_alipay`, United States (USD) through the Antom provider `pp_alipay_antom`.
 */

/** @typedef {import('../shop-client.mjs').ShopClient} ShopClient */
/** @typedef {import('../shop-client.mjs').OrderView} OrderView */
/**
 * @typedef {{ cartId?: string, carts: string[], orders: Record<string, string>, currency?: string }} MedusaSession
 *   `cartId`: the open cart; `carts`: every cart this session checked out (the order codes it may see);
 *   `orders`: cart ID → order ID once Medusa completed the cart; `currency`: the region's (default CNY).
 */

/** Payment statuses of a Medusa order in which the buyer has paid (into escrow, or to the seller). */
const PAID_STATUSES = ['authorized', 'partially_captured', 'captured', 'partially_refunded', 'refunded'];
/** …and those in which the seller has the money (escrow released, or instant), refunds included. */
const SETTLED_STATUSES = ['captured', 'partially_refunded', 'refunded'];

const ORDER_FIELDS =
  'id,display_id,status,currency_code,payment_status,fulfillment_status,total,shipping_total,*items,' +
  '*payment_collections.payments,*payment_collections.payments.refunds';
const CART_FIELDS = 'id,completed_at,currency_code,item_total,shipping_total,total,*items,+items.total';

/** Yuan (Medusa's numbers) → integer fen. @param {unknown} amount */
const fen = amount => Math.round(Number(amount ?? 0) * 100);

/** "中文 English" when the two differ, one of them otherwise. @param {string} zh @param {string | null | undefined} en */
const bilingual = (zh, en) => (en && en !== zh ? `${zh} ${en}` : zh);

/**
 * @param {{ url: string, publishableKey?: string, fetch?: typeof fetch }} options
 * @returns {ShopClient}
 */
export function createShopClient(options) {
  const baseUrl = options.url.replace(/\/+$/, '');
  const publishableKey = options.publishableKey ?? '';
  const doFetch = options.fetch ?? fetch;
  if (!publishableKey) {
    throw new Error(
      'The Medusa Store API needs a publishable API key (--publishable-key; the shop prints it) / ' +
        '缺少 Medusa 可发布密钥（--publishable-key，商店启动时会打印）',
    );
  }

  /**
   * One Store API call. Errors carry Medusa's HTTP status and `type` (e.g. `not_allowed`).
   * @param {'GET' | 'POST'} method @param {string} path @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async function store(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { 'x-publishable-api-key': publishableKey };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await doFetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const json = /** @type {any} */ (await response.json().catch(() => ({})));
    if (!response.ok) {
      const error = new Error(`Medusa: ${json?.message ?? `HTTP ${response.status}`}`);
      /** @type {any} */ (error).status = response.status;
      /** @type {any} */ (error).type = json?.type;
      throw error;
    }
    return json;
  }

  /** The shop's regions by currency (lower case), looked up once. @type {Promise<Map<string, any>> | undefined} */
  let regions;
  /** The region the session shops in (its currency's; CNY by default). @param {import('../shop-client.mjs').SessionState} state */
  async function regionOf(state) {
    regions ??= store('GET', '/store/regions').then(
      ({ regions: list }) =>
        new Map((list ?? []).map((/** @type {any} */ r) => [String(r.currency_code), r])),
    );
    // A failed lookup is not cached: the next request tries again.
    regions.catch(() => {
      regions = undefined;
    });
    const currency = (sessionOf(state).currency ?? 'CNY').toLowerCase();
    const region = (await regions).get(currency);
    if (!region)
      throw new Error(
        `The shop has no ${currency.toUpperCase()} region / 商店没有 ${currency.toUpperCase()} 区域`,
      );
    return /** @type {{ id: string, countries?: Array<{ iso_2: string }> }} */ (region);
  }
  /** @param {import('../shop-client.mjs').SessionState} state */
  const regionId = async state => (await regionOf(state)).id;

  /** @param {import('../shop-client.mjs').SessionState} state */
  const sessionOf = state => /** @type {MedusaSession} */ (/** @type {unknown} */ (state));

  /**
   * "Product · variant", without a variant title the product title already says (西湖龙井 250 克 · 250 克).
   * @param {any} item
   */
  const lineName = item => {
    const product = bilingual(item.product_title ?? '', item.product_subtitle);
    const variant = String(item.variant_title ?? '');
    const variantZh = variant.split(' ')[0] ?? '';
    if (!variant || variant === 'Default variant' || String(item.product_title).includes(variantZh))
      return product;
    return `${product} · ${variant}`;
  };

  /** @param {any[] | undefined} items @returns {import('../shop-client.mjs').CartLine[]} */
  const linesOf = items =>
    (items ?? []).map(item => ({
      name: lineName(item),
      quantity: item.quantity,
      totalFen: fen(item.total ?? Number(item.unit_price) * Number(item.quantity)),
    }));

  /** The session's open cart, or undefined when it has none (or Medusa completed it). @param {MedusaSession} session */
  async function openCart(session) {
    if (!session.cartId) return undefined;
    try {
      const { cart } = await store(
        'GET',
        `/store/carts/${encodeURIComponent(session.cartId)}?fields=${CART_FIELDS}`,
      );
      if (!cart.completed_at) return cart;
    } catch (error) {
      if (/** @type {any} */ (error).status !== 404) throw error;
    }
    // Paid (the notification completed it) or gone: the next item starts a new cart.
    session.cartId = undefined;
    return undefined;
  }

  /**
   * The order the cart became: `POST /store/carts/:id/complete` is idempotent and returns the order the
   * notification created. On a cart not paid yet the provider asks Alipay first (the sync): while the
   * trade is unpaid Medusa answers 400 `not_allowed`, and the order does not exist yet (undefined).
   * @param {MedusaSession} session @param {string} cartId
   */
  async function completeCart(session, cartId) {
    try {
      const result = await store('POST', `/store/carts/${encodeURIComponent(cartId)}/complete`);
      if (result.type !== 'order' || !result.order?.id) return undefined;
      session.orders[cartId] = result.order.id;
      if (session.cartId === cartId) session.cartId = undefined;
      return /** @type {string} */ (result.order.id);
    } catch (error) {
      if (/** @type {any} */ (error).status === 400) return undefined;
      throw error;
    }
  }

  /** @param {string} cartId @param {any} order @returns {OrderView} */
  function orderView(cartId, order) {
    const payments = (order.payment_collections ?? [])
      .flatMap((/** @type {any} */ collection) => collection.payments ?? [])
      .map((/** @type {any} */ payment) => {
        const refundedFen = (payment.refunds ?? []).reduce(
          (/** @type {number} */ sum, /** @type {any} */ refund) => sum + fen(refund.amount),
          0,
        );
        const amountFen = fen(payment.amount);
        const state = payment.canceled_at
          ? 'canceled'
          : refundedFen >= amountFen && amountFen > 0
            ? 'refunded'
            : refundedFen > 0
              ? 'partially_refunded'
              : payment.captured_at
                ? 'captured'
                : 'authorized';
        const tradeNo = payment.data?.trade_no;
        return {
          state,
          amountFen,
          // The Alipay interface the admin settings chose (alipay.trade.page.pay, create_partner_trade_by_buyer…).
          method: payment.data?.interface ?? payment.provider_id,
          ...(typeof tradeNo === 'string' && tradeNo ? { tradeNo } : {}),
        };
      });
    return {
      code: cartId,
      state: `#${order.display_id} ${order.payment_status}`,
      paid: PAID_STATUSES.includes(order.payment_status),
      settled: SETTLED_STATUSES.includes(order.payment_status),
      totalFen: fen(order.total),
      shippingFen: fen(order.shipping_total),
      lines: linesOf(order.items),
      currency: String(order.currency_code ?? 'cny').toUpperCase(),
      payments,
    };
  }

  return {
    name: 'medusa',
    adminUrl: `${baseUrl}/app`,
    currencies: ['CNY', 'USD'],

    async setCurrency(state, currency) {
      const session = sessionOf(state);
      if ((session.currency ?? 'CNY') === currency) return;
      session.currency = currency;
      // A cart belongs to its region: shopping in another currency starts another cart.
      session.cartId = undefined;
    },

    async createSession() {
      /** @type {MedusaSession} */
      const session = { carts: [], orders: {} };
      return /** @type {import('../shop-client.mjs').SessionState} */ (/** @type {unknown} */ (session));
    },

    async listProducts(state) {
      const region = await regionId(state);
      const { products } = await store(
        'GET',
        `/store/products?region_id=${encodeURIComponent(region)}&fields=*variants.calculated_price,+metadata&limit=100`,
      );
      // Products seeded together share their created_at, so Medusa's order is arbitrary among them: a
      // stable order (physical goods first, then dearer first) keeps the page from reshuffling.
      const sorted = [...(products ?? [])].sort(
        (/** @type {any} */ a, /** @type {any} */ b) =>
          Number(a.metadata?.goods === 'virtual') - Number(b.metadata?.goods === 'virtual') ||
          fen(b.variants?.[0]?.calculated_price?.calculated_amount) -
            fen(a.variants?.[0]?.calculated_price?.calculated_amount) ||
          String(a.title).localeCompare(String(b.title)),
      );
      return sorted.flatMap((/** @type {any} */ product) =>
        (product.variants ?? []).map((/** @type {any} */ variant) => {
          const name = bilingual(product.title, product.subtitle);
          return {
            id: variant.sku ?? variant.id,
            variantId: variant.id,
            // The variant only when it is what tells the choices apart (红色 Red / 蓝色 Blue).
            name: product.variants.length > 1 ? `${name} · ${variant.title}` : name,
            description: bilingual(product.description ?? '', product.metadata?.description_en),
            priceFen: fen(variant.calculated_price?.calculated_amount),
            goods: product.metadata?.goods === 'virtual' ? 'virtual' : 'physical',
          };
        }),
      );
    },

    async addToCart(state, variantId, quantity) {
      const session = sessionOf(state);
      let cart = await openCart(session);
      if (!cart) {
        ({ cart } = await store('POST', '/store/carts', { region_id: await regionId(state) }));
        session.cartId = cart.id;
      }
      await store('POST', `/store/carts/${encodeURIComponent(cart.id)}/line-items`, {
        variant_id: variantId,
        quantity,
      });
    },

    async getCart(state) {
      const cart = await openCart(sessionOf(state));
      if (!cart) return null;
      return {
        lines: linesOf(cart.items),
        subtotalFen: fen(cart.item_total),
        shippingFen: fen(cart.shipping_total),
        totalFen: fen(cart.total),
        currency: sessionOf(state).currency ?? 'CNY',
      };
    },

    async listPaymentMethods(state) {
      // One entry per Alipay provider enabled in the region: which Alipay interface the buyer gets
      // (page, wap, QR, legacy instant or escrow) is the choice of the admin's Settings → Alipay.
      if (!sessionOf(state).cartId) return [];
      const { payment_providers } = await store(
        'GET',
        `/store/payment-providers?region_id=${encodeURIComponent(await regionId(state))}`,
      );
      return (payment_providers ?? [])
        .filter((/** @type {any} */ p) => String(p.id).startsWith('pp_alipay_'))
        .map((/** @type {any} */ p) => ({
          code: p.id,
          name: '支付宝 Alipay',
          description: '跳转到支付宝收银台付款 Pay on the Alipay cashier',
        }));
    },

    async checkout(state, { customer, device, paymentMethodCode }) {
      const session = sessionOf(state);
      const cart = await openCart(session);
      if (!cart?.items?.length) throw new Error('Your cart is empty / 购物车是空的');
      const cartId = /** @type {string} */ (cart.id);
      const path = `/store/carts/${encodeURIComponent(cartId)}`;
      const address = {
        first_name: customer.fullName,
        last_name: '',
        address_1: customer.streetLine,
        city: customer.city,
        province: customer.province,
        postal_code: customer.postalCode,
        // The region's country (cn for CNY, us for USD): Medusa takes addresses in the cart's region only.
        country_code: (await regionOf(state)).countries?.[0]?.iso_2 ?? 'cn',
        phone: customer.phone,
      };
      await store('POST', path, {
        email: customer.email,
        shipping_address: address,
        billing_address: address,
      });
      // Physical goods need a shipping method (the courier); a virtual-only cart needs none, although
      // the courier is still listed for it. Adding a method replaces the cart's earlier one.
      if (cart.items.some((/** @type {any} */ item) => item.requires_shipping)) {
        const { shipping_options } = await store(
          'GET',
          `/store/shipping-options?cart_id=${encodeURIComponent(cartId)}`,
        );
        const [cheapest] = [...(shipping_options ?? [])].sort(
          (/** @type {any} */ a, /** @type {any} */ b) => Number(a.amount) - Number(b.amount),
        );
        if (!cheapest) throw new Error('No shipping method for this cart / 此购物车没有可用的配送方式');
        await store('POST', `${path}/shipping-methods`, { option_id: cheapest.id });
      }
      if (!session.carts.includes(cartId)) session.carts.push(cartId);

      const { payment_collection: collection } = await store('POST', '/store/payment-collections', {
        cart_id: cartId,
      });
      const providerId = paymentMethodCode || 'pp_alipay_alipay';
      /** @type {any} */
      let withSession;
      try {
        ({ payment_collection: withSession } = await store(
          'POST',
          `/store/payment-collections/${encodeURIComponent(collection.id)}/payment-sessions`,
          // Creating a session again (the buyer came back to the cart) replaces the earlier one, whose
          // unpaid trade the provider closes. No return_url: the buyer comes back to the provider's
          // storefrontReturnUrl (/order/return), never to a URL naming the cart — the provider's return
          // route redirects anyone who knows the trade's out_trade_no there.
          { provider_id: providerId, data: { device } },
        ));
      } catch (error) {
        // The plugin refuses with a bilingual message (e.g. Alipay not configured): show it.
        const status = /** @type {any} */ (error).status;
        if (status >= 400 && status < 500) {
          return {
            orderCode: cartId,
            start: { kind: 'error', message: /** @type {Error} */ (error).message.replace(/^Medusa: /, '') },
          };
        }
        throw error;
      }
      const paymentSession = (withSession.payment_sessions ?? []).find(
        (/** @type {any} */ s) => s.provider_id === providerId,
      );
      const data = paymentSession?.data ?? {};
      /** @type {import('../shop-client.mjs').PaymentStart} */
      let start;
      switch (data.kind) {
        case 'redirect':
          start = { kind: 'redirect', url: data.redirect_url };
          break;
        case 'form':
          start = { kind: 'form', html: data.form_html };
          break;
        case 'qr':
          start = { kind: 'qr', qrCode: data.qr_code, expiresAt: data.qr_expires_at };
          break;
        default:
          start = {
            kind: 'error',
            message: 'Alipay did not start the payment / 支付宝未能发起付款',
          };
      }
      return { orderCode: cartId, start };
    },

    async getOrder(state, code, { syncWithAlipay } = { syncWithAlipay: true }) {
      const session = sessionOf(state);
      if (!session.carts.includes(code)) return null;
      /** @type {string | undefined} */
      let orderId = session.orders[code];
      /** @type {any} */
      let cart;
      if (!orderId) {
        ({ cart } = await store('GET', `/store/carts/${encodeURIComponent(code)}?fields=${CART_FIELDS}`));
        // Completed: Alipay's notification made the order; `complete` hands back its ID. Not completed
        // and asked to sync: `complete` makes the provider query Alipay (the fallback for a late or
        // lost notification) and creates the order when the trade is paid.
        if (cart.completed_at || syncWithAlipay) orderId = await completeCart(session, code);
      }
      if (orderId) {
        const { order } = await store(
          'GET',
          `/store/orders/${encodeURIComponent(orderId)}?fields=${ORDER_FIELDS}`,
        );
        return orderView(code, order);
      }
      return {
        code,
        state: 'cart',
        paid: false,
        settled: false,
        totalFen: fen(cart.total),
        shippingFen: fen(cart.shipping_total),
        lines: linesOf(cart.items),
        currency: String(cart.currency_code ?? 'cny').toUpperCase(),
        payments: [],
      };
    },
  };
}
