// @ts-check
/**
 * The storefront's client for the Vendure example shop: Vendure's Shop API (GraphQL) plus the Alipay
 * plugin's `createAlipayPaymentIntent` and `syncAlipayPaymentStatus`. Each buyer session has its
 * own bearer token (Vendure sends `vendure-auth-token` when it opens a session), so carts never mix.
 *
 * Buyers check out as guests; the order page reads the order as the session's active order until it
 * is placed, then by code (Vendure lets a guest read a placed order by code for two hours). A browser
 * session sees only the orders it checked out itself: Vendure's `orderByCode` would show a guest order
 * to anyone holding its code, so the storefront does not hand out other buyers' orders by code. The
 * plugin's return redirect names no order (its `storefrontReturnUrl` gets `?status=…` only); the
 * storefront's `/order/return` finds the order through the browser's own session.
 */

/** @typedef {import('../shop-client.mjs').ShopClient} ShopClient */
/**
 * @typedef {{ token?: string, orderCodes?: string[], currency?: string }} VendureSession
 *   `token`: Vendure's session token; `orderCodes`: the orders this browser checked out; `currency`: what
 *   the buyer shops in (Vendure's `currencyCode`; CNY by default, USD pays through the `alipay-antom` method).
 */

/** Order states in which the order has been paid (into escrow or to the seller). */
const PAID_PAYMENT_STATES = ['Authorized', 'Settled'];

/** The facet value that marks virtual goods in the example shop (products.csv: `kind:digital`). */
const DIGITAL_FACET = { facet: 'kind', value: 'digital' };

const ORDER_FIELDS = `
  fragment OrderFields on Order {
    id code state active totalWithTax subTotalWithTax shippingWithTax currencyCode
    lines { quantity linePriceWithTax productVariant { name sku } }
    payments { state amount method transactionId metadata }
  }`;

/**
 * @param {{ url: string, fetch?: typeof fetch }} options
 * @returns {ShopClient}
 */
export function createShopClient(options) {
  const shopApi = `${options.url.replace(/\/+$/, '')}/shop-api`;
  const doFetch = options.fetch ?? fetch;

  /**
   * One Shop API call in one language, with the session's token; remembers a token Vendure issues.
   * @param {import('../shop-client.mjs').SessionState} state
   * @param {string} query @param {Record<string, unknown>} [variables] @param {'zh_Hans' | 'en'} [language]
   * @returns {Promise<any>}
   */
  async function graphql(state, query, variables = {}, language = 'zh_Hans') {
    const session = /** @type {VendureSession} */ (state);
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json' };
    if (session.token) headers.authorization = `Bearer ${session.token}`;
    const currency = session.currency ? `&currencyCode=${encodeURIComponent(session.currency)}` : '';
    const response = await doFetch(`${shopApi}?languageCode=${language}${currency}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const token = response.headers.get('vendure-auth-token');
    if (token) session.token = token;
    const body =
      /** @type {{ data?: any, errors?: { message: string, extensions?: { code?: string } }[] }} */ (
        await response.json().catch(() => ({}))
      );
    if (body.errors?.length) {
      const [first] = body.errors;
      const error = new Error(`Vendure: ${first?.message ?? 'error'}`);
      /** @type {any} */ (error).code = first?.extensions?.code;
      throw error;
    }
    if (!response.ok || !body.data) throw new Error(`Vendure Shop API answered HTTP ${response.status}`);
    return body.data;
  }

  /**
   * Throws when a mutation answered one of Vendure's ErrorResult types.
   * @param {{ __typename?: string, errorCode?: string, message?: string } | null | undefined} result
   * @param {string} what
   */
  function assertNoErrorResult(result, what) {
    if (result && 'errorCode' in result && result.errorCode) {
      throw new Error(`${what}: ${result.message} (${result.errorCode})`);
    }
  }

  /** @param {{ code: string, facet?: { code: string } }[] | undefined} values */
  const isDigital = values =>
    (values ?? []).some(v => v.code === DIGITAL_FACET.value && v.facet?.code === DIGITAL_FACET.facet);

  /** "中文 English" when the two differ, one of them otherwise. @param {string} zh @param {string | undefined} en */
  const bilingual = (zh, en) => (en && en !== zh ? `${zh} ${en}` : zh);

  /**
   * @param {any} order
   * @returns {import('../shop-client.mjs').OrderView}
   */
  function toOrderView(order) {
    /** @type {import('../shop-client.mjs').OrderView['payments']} */
    const payments = (order.payments ?? []).map((/** @type {any} */ p) => {
      // The Shop API shows only `metadata.public` of a payment: { tradeNo, outTradeNo }.
      const visible = p.metadata?.public ?? p.metadata ?? {};
      const tradeNo = visible.tradeNo ?? p.transactionId ?? undefined;
      return { state: p.state, amountFen: p.amount, method: p.method, ...(tradeNo ? { tradeNo } : {}) };
    });
    const live = payments.filter(p => PAID_PAYMENT_STATES.includes(p.state));
    return {
      code: order.code,
      state: order.state,
      paid: live.length > 0,
      settled: live.length > 0 && live.every(p => p.state === 'Settled'),
      totalFen: order.totalWithTax,
      shippingFen: order.shippingWithTax,
      lines: (order.lines ?? []).map((/** @type {any} */ l) => ({
        name: l.productVariant.name,
        quantity: l.quantity,
        totalFen: l.linePriceWithTax,
      })),
      currency: order.currencyCode,
      payments,
    };
  }

  return {
    name: 'vendure',
    adminUrl: `${options.url.replace(/\/+$/, '')}/admin`,
    currencies: ['CNY', 'USD'],

    async setCurrency(state, currency) {
      const session = /** @type {VendureSession} */ (state);
      if ((session.currency ?? 'CNY') === currency) return;
      session.currency = currency;
      // An order keeps the currency it was made in: a new Vendure session starts a cart in this one.
      delete session.token;
    },

    async createSession() {
      /** @type {VendureSession} */
      const session = {};
      return session;
    },

    async listProducts(session) {
      const query = `query Products {
        products(options: { take: 100, sort: { id: ASC } }) {
          items { id name description facetValues { code facet { code } }
            variants { id sku name priceWithTax facetValues { code facet { code } } } }
        }
      }`;
      const [zh, en] = await Promise.all([
        graphql(session, query, {}, 'zh_Hans'),
        graphql(session, query, {}, 'en'),
      ]);
      /** @type {Map<string, { name: string, description: string }>} */
      const english = new Map();
      for (const product of en.products.items) {
        for (const variant of product.variants) {
          english.set(variant.id, { name: variant.name, description: product.description });
        }
      }
      return zh.products.items.flatMap((/** @type {any} */ product) =>
        product.variants.map((/** @type {any} */ variant) => ({
          id: variant.sku,
          variantId: variant.id,
          name: bilingual(variant.name, english.get(variant.id)?.name),
          description: bilingual(product.description, english.get(variant.id)?.description),
          priceFen: variant.priceWithTax,
          goods: isDigital(product.facetValues) || isDigital(variant.facetValues) ? 'virtual' : 'physical',
        })),
      );
    },

    async addToCart(session, variantId, quantity) {
      const data = await graphql(
        session,
        `mutation AddItem($variantId: ID!, $quantity: Int!) {
          addItemToOrder(productVariantId: $variantId, quantity: $quantity) {
            __typename ... on ErrorResult { errorCode message }
          }
        }`,
        { variantId, quantity },
      );
      assertNoErrorResult(data.addItemToOrder, 'Adding to the cart failed / 加入购物车失败');
    },

    async getCart(session) {
      const data = await graphql(session, `query Cart { activeOrder { ...OrderFields } } ${ORDER_FIELDS}`);
      const order = data.activeOrder;
      if (!order) return null;
      return {
        lines: toOrderView(order).lines,
        subtotalFen: order.subTotalWithTax,
        shippingFen: order.shippingWithTax,
        totalFen: order.totalWithTax,
        currency: order.currencyCode,
      };
    },

    async listPaymentMethods(session) {
      const query = `query PaymentMethods { eligiblePaymentMethods { code name description isEligible } }`;
      const [zh, en] = await Promise.all([
        graphql(session, query, {}, 'zh_Hans'),
        graphql(session, query, {}, 'en'),
      ]);
      const english = new Map(en.eligiblePaymentMethods.map((/** @type {any} */ m) => [m.code, m]));
      return zh.eligiblePaymentMethods
        .filter((/** @type {any} */ m) => m.isEligible)
        .map((/** @type {any} */ m) => ({
          code: m.code,
          name: bilingual(m.name, english.get(m.code)?.name),
          description: bilingual(m.description ?? '', english.get(m.code)?.description),
        }));
    },

    async checkout(session, { customer, device, paymentMethodCode }) {
      // Alipay's way back is the plugin's `storefrontReturnUrl` option, set in the shop's config: it
      // names no order, so this session remembers the order it checked out (server.mjs, /order/return).
      const setCustomer = await graphql(
        session,
        `mutation SetCustomer($input: CreateCustomerInput!) {
          setCustomerForOrder(input: $input) {
            __typename ... on Order { code } ... on ErrorResult { errorCode message }
          }
        }`,
        {
          input: {
            emailAddress: customer.email,
            firstName: customer.fullName,
            lastName: '',
            phoneNumber: customer.phone,
          },
        },
      );
      assertNoErrorResult(setCustomer.setCustomerForOrder, 'Customer details refused / 顾客信息有误');
      const orderCode = /** @type {string} */ (setCustomer.setCustomerForOrder.code);
      const own = /** @type {VendureSession} */ (session);
      own.orderCodes = [...(own.orderCodes ?? []).filter(c => c !== orderCode), orderCode];
      const address = await graphql(
        session,
        `mutation SetAddress($input: CreateAddressInput!) {
          setOrderShippingAddress(input: $input) { __typename ... on ErrorResult { errorCode message } }
        }`,
        {
          input: {
            fullName: customer.fullName,
            streetLine1: customer.streetLine,
            city: customer.city,
            province: customer.province,
            postalCode: customer.postalCode,
            countryCode: 'CN',
            phoneNumber: customer.phone,
          },
        },
      );
      assertNoErrorResult(address.setOrderShippingAddress, 'Address refused / 地址有误');
      // The shop offers the courier for physical goods and online delivery for virtual ones: the
      // cheapest eligible method is the right one here.
      const { eligibleShippingMethods } = await graphql(
        session,
        `query ShippingMethods { eligibleShippingMethods { id priceWithTax } }`,
      );
      const [shippingMethod] = [...eligibleShippingMethods].sort(
        (/** @type {any} */ a, /** @type {any} */ b) => a.priceWithTax - b.priceWithTax,
      );
      if (!shippingMethod) throw new Error('No shipping method for this cart / 此购物车没有可用的配送方式');
      const shipping = await graphql(
        session,
        `mutation SetShipping($ids: [ID!]!) {
          setOrderShippingMethod(shippingMethodId: $ids) { __typename ... on ErrorResult { errorCode message } }
        }`,
        { ids: [shippingMethod.id] },
      );
      assertNoErrorResult(shipping.setOrderShippingMethod, 'Shipping refused / 配送方式有误');

      const { createAlipayPaymentIntent: intent } = await graphql(
        session,
        `mutation Pay($input: AlipayPaymentIntentInput!) {
          createAlipayPaymentIntent(input: $input) {
            __typename
            ... on AlipayRedirect { url }
            ... on AlipayForm { html }
            ... on AlipayQrCode { qrCode expiresAt }
            ... on AlipayPaymentIntentError { reason message hint }
          }
        }`,
        { input: { paymentMethodCode, device } },
      );
      /** @type {import('../shop-client.mjs').PaymentStart} */
      let start;
      switch (intent.__typename) {
        case 'AlipayRedirect':
          start = { kind: 'redirect', url: intent.url };
          break;
        case 'AlipayForm':
          start = { kind: 'form', html: intent.html };
          break;
        case 'AlipayQrCode':
          start = { kind: 'qr', qrCode: intent.qrCode, expiresAt: intent.expiresAt };
          break;
        default:
          start = {
            kind: 'error',
            message: intent.hint ? `${intent.message} ${intent.hint}` : intent.message,
          };
      }
      return { orderCode, start };
    },

    async getOrder(session, orderCode, { syncWithAlipay } = { syncWithAlipay: true }) {
      // Only the orders this browser checked out (see the top of this file).
      const own = /** @type {VendureSession} */ (session);
      if (!(own.orderCodes ?? []).includes(orderCode)) return null;
      // Until it is paid, the order is still the session's active (editable) order.
      const { activeOrder } = await graphql(
        session,
        `query ActiveOrder { activeOrder { ...OrderFields } } ${ORDER_FIELDS}`,
      );
      if (activeOrder?.code === orderCode) {
        if (!syncWithAlipay) return toOrderView(activeOrder);
        const { syncAlipayPaymentStatus: synced } = await graphql(
          session,
          `mutation Sync($code: String!) { syncAlipayPaymentStatus(orderCode: $code) { ...OrderFields } } ${ORDER_FIELDS}`,
          { code: orderCode },
        );
        return synced ? toOrderView(synced) : null;
      }
      try {
        const { orderByCode } = await graphql(
          session,
          `query OrderByCode($code: String!) { orderByCode(code: $code) { ...OrderFields } } ${ORDER_FIELDS}`,
          { code: orderCode },
        );
        return orderByCode ? toOrderView(orderByCode) : null;
      } catch (error) {
        // Someone else's order, or a guest order placed too long ago: as if it did not exist.
        if (/** @type {any} */ (error).code === 'FORBIDDEN') return null;
        throw error;
      }
    },
  };
}
