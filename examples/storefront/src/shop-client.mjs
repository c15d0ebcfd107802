// @ts-check
/**
 * The contract between the storefront and a shop backend. `shops/vendure.mjs` and `shops/medusa.mjs`
 * implement it against each shop's own storefront API; the pages never know which shop they talk to.
 *
 * Money is integer fen (分) everywhere, as in the plugins.
 *
 * @typedef {{ id: string, variantId: string, name: string, description: string, priceFen: number,
 *   goods: 'physical' | 'virtual' }} Product
 * @typedef {{ name: string, quantity: number, totalFen: number }} CartLine
 * @typedef {{ lines: CartLine[], subtotalFen: number, shippingFen: number, totalFen: number }} Cart
 * @typedef {{ email: string, fullName: string, phone: string, streetLine: string, city: string,
 *   province: string, postalCode: string }} Customer
 * @typedef {{ kind: 'redirect', url: string } | { kind: 'form', html: string }
 *   | { kind: 'qr', qrCode: string, expiresAt: string } | { kind: 'error', message: string }} PaymentStart
 * @typedef {{ orderCode: string, start: PaymentStart }} Checkout
 * @typedef {{ code: string, state: string, paid: boolean, settled: boolean, totalFen: number,
 *   lines: CartLine[], payments: { state: string, amountFen: number, tradeNo?: string }[] }} OrderView
 * @typedef {Record<string, unknown>} SessionState  opaque, per buyer (auth tokens, cart id…)
 *
 * @typedef {object} ShopClient
 * @property {'vendure' | 'medusa'} name
 * @property {string} adminUrl  where the merchant's admin lives (printed by the demo)
 * @property {() => Promise<SessionState>} createSession
 * @property {(session: SessionState) => Promise<Product[]>} listProducts
 * @property {(session: SessionState, variantId: string, quantity: number) => Promise<void>} addToCart
 * @property {(session: SessionState) => Promise<Cart | null>} getCart
 * @property {(session: SessionState, customer: Customer, device: 'desktop' | 'mobile', orderUrl: (code: string) => string) => Promise<Checkout>} checkout
 *   Fills in the customer and shipping, then asks the shop's Alipay plugin to start the payment.
 *   `orderUrl(code)` is where the buyer should land after paying.
 * @property {(session: SessionState, orderCode: string) => Promise<OrderView | null>} getOrder
 *   The order as the shop sees it now; may ask the plugin to sync with Alipay when still unpaid.
 */

export {};
