// @ts-check
/**
 * The contract between the storefront and a shop backend. `shops/vendure.mjs` and `shops/medusa.mjs`
 * implement it against each shop's own storefront API; the pages never know which shop they talk to.
 *
 * Money is integer minor units of the session's currency everywhere, as in the plugins: fen (分) for CNY, the
 * mainland route; cents for USD, which the shops' Antom (cross-border) payment methods take.
 *
 * @typedef {{ id: string, variantId: string, name: string, description: string, priceFen: number,
 *   goods: 'physical' | 'virtual' }} Product
 * @typedef {{ name: string, quantity: number, totalFen: number }} CartLine
 * @typedef {{ lines: CartLine[], subtotalFen: number, shippingFen: number, totalFen: number, currency?: string }} Cart
 * @typedef {{ email: string, fullName: string, phone: string, streetLine: string, city: string,
 *   province: string, postalCode: string }} Customer
 * @typedef {{ kind: 'redirect', url: string } | { kind: 'form', html: string }
 *   | { kind: 'qr', qrCode: string, expiresAt: string } | { kind: 'error', message: string }} PaymentStart
 * @typedef {{ orderCode: string, start: PaymentStart }} Checkout
 * @typedef {{ code: string, name: string, description: string }} PaymentMethodOption
 *   One way to pay with Alipay the buyer may choose (names bilingual, "中文 English").
 * @typedef {{ customer: Customer, device: 'desktop' | 'mobile', orderUrl: (code: string) => string,
 *   paymentMethodCode: string }} CheckoutInput
 * @typedef {{ syncWithAlipay: boolean }} GetOrderOptions
 * @typedef {{ code: string, state: string, paid: boolean, settled: boolean, totalFen: number,
 *   shippingFen: number, lines: CartLine[], currency?: string,
 *   payments: { state: string, amountFen: number, method?: string, tradeNo?: string }[] }} OrderView
 *   `paid`: a payment is Authorized (escrow: the money waits at Alipay) or Settled; `settled`: every such
 *   payment is Settled (the seller has the money).
 * @typedef {Record<string, unknown>} SessionState  opaque, per buyer (auth tokens, cart id…)
 *
 * @typedef {object} ShopClient
 * @property {'vendure' | 'medusa'} name
 * @property {string} adminUrl  where the merchant's admin lives (printed by the demo)
 * @property {readonly string[]} currencies  the currencies the buyer may shop in, the default first (ISO codes)
 * @property {() => Promise<SessionState>} createSession
 * @property {(session: SessionState, currency: string) => Promise<void>} setCurrency
 *   Shop in `currency` (one of `currencies`) from now on: prices, the cart and the payment methods are
 *   those of the shop's channel or region in it (an open cart in another currency is left behind).
 * @property {(session: SessionState) => Promise<Product[]>} listProducts
 * @property {(session: SessionState, variantId: string, quantity: number) => Promise<void>} addToCart
 * @property {(session: SessionState) => Promise<Cart | null>} getCart
 * @property {(session: SessionState) => Promise<PaymentMethodOption[]>} listPaymentMethods
 *   The Alipay payment methods eligible for the session's cart, in the shop's order (the first is the
 *   default). Vendure: one per Alipay payment method (instant, escrow, QR… each is its own method).
 *   Medusa: one entry for the Alipay payment provider, whose interface the admin settings choose.
 * @property {(session: SessionState, input: CheckoutInput) => Promise<Checkout>} checkout
 *   Fills in the customer and shipping, then asks the shop's Alipay plugin to start the payment with
 *   `paymentMethodCode` (a code from `listPaymentMethods`) for `device` (the storefront decides it from
 *   the User-Agent: phones get Alipay's mobile website payment). `orderUrl(code)` is where the buyer
 *   should land after paying, for shops that take it per payment; Vendure's plugin has it in its
 *   `storefrontReturnUrl` option instead (a page naming no order: `/order/return`), and the Medusa client does
 *   not pass it (a return URL naming the cart would reach anyone who knows the trade's `out_trade_no`).
 * @property {(session: SessionState, orderCode: string, options: GetOrderOptions) => Promise<OrderView | null>} getOrder
 *   The order as the shop sees it now, or null when this session may not see it. With
 *   `syncWithAlipay` and the order still unpaid, the shop's plugin first asks Alipay about it (Vendure
 *   `syncAlipayPaymentStatus`): the fallback for a notification that is late or lost.
 */

export {};
