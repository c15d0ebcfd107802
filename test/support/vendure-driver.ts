import { join } from 'node:path';
import { buyerEmail, ExampleShopDriver, openCashier } from './driver-base';
import { assertNoErrorResult, GraphQlClient } from './graphql';
import type {
  AdminAnswer,
  NotificationOutcome,
  OrderView,
  OrphanView,
  PaymentKind,
  PendingOrder,
  RefundView,
  ShopDriver,
  ShopSnapshot,
  ShopStartOptions,
} from './shop-driver';
import { repoRoot, startShopProcess } from './shop-process';
import { vendureNotificationOutcomes } from './vendure-log';
import { reconcileVendureShop } from './vendure-reconcile';

const shopDir = join(repoRoot, 'examples', 'vendure-shop');

/** The example shop's seeded payment methods (examples/vendure-shop/src/seed.ts). */
const METHOD_CODES: Record<PaymentKind, string> = {
  openapi: 'alipay',
  'legacy-instant': 'alipay-instant',
  'legacy-escrow': 'alipay-escrow',
  antom: 'alipay-antom',
};

/** Seeded products: a physical one (tracked stock of 100) and an untracked e-book. */
const PHYSICAL_SKU = 'LONGJING-250';
const VIRTUAL_SKU = 'EBOOK-ALIPAY';

/** The shipping address every test buyer gives (a Chinese one: the seeded shipping zone). */
export const BUYER_ADDRESS = {
  fullName: '测试 Buyer',
  streetLine1: '文三路 1 号',
  city: '杭州',
  province: '浙江',
  postalCode: '310000',
  countryCode: 'CN',
  phoneNumber: '13800000000',
} as const;

/** Payment states in which Vendure holds money for the order. */
const LIVE_PAYMENT_STATES = new Set(['Authorized', 'Settled']);

interface AdminPayment {
  id: string;
  state: string;
  amount: number;
  method: string;
  transactionId: string | null;
  refunds: { id: string; state: string; total: number; metadata?: Record<string, unknown> | null }[];
}
interface AdminOrder {
  id: string;
  code: string;
  state: string;
  totalWithTax: number;
  lines: { id: string; quantity: number }[];
  payments: AdminPayment[] | null;
}

const ORDER_FIELDS = `id code state totalWithTax lines { id quantity }
  payments { id state amount method transactionId refunds { id state total metadata } }`;

/** Order states in which Vendure counts the order as shipped. */
const SHIPPED_STATES = new Set(['Shipped', 'PartiallyShipped', 'Delivered', 'PartiallyDelivered']);

/** Fulfillment states after which a fulfillment is no longer waiting to be shipped. */
const FULFILLMENT_DONE = new Set(['Shipped', 'Delivered', 'Cancelled']);

/** Vendure refund states as {@link RefundView.state}. */
const REFUND_STATES: Record<string, RefundView['state']> = {
  Settled: 'settled',
  Failed: 'failed',
  Pending: 'pending',
};

export class VendureDriver extends ExampleShopDriver implements ShopDriver {
  readonly name = 'vendure';
  private channelToken = '';
  private admin: GraphQlClient | undefined;
  private variantIds = new Map<string, string>();
  private shippingMethods = new Map<'physical' | 'virtual', string>();
  /** Each order's buyer (Shop API session), for further payment attempts of the same order. */
  private readonly buyers = new Map<string, GraphQlClient>();

  async start(options: ShopStartOptions): Promise<void> {
    await this.prepare(options, 'debug');
    await this.spawn();
    const admin = new GraphQlClient(`${this.url}/admin-api`);
    await admin.request(
      `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }`,
      {
        u: this.adminCredentials.user,
        p: this.adminCredentials.password,
      },
    );
    this.admin = admin;
    const { activeChannel } = await admin.request<{ activeChannel: { token: string } }>(
      '{ activeChannel { token } }',
    );
    this.channelToken = activeChannel.token;
    const shop = new GraphQlClient(`${this.url}/shop-api`);
    const { products } = await shop.request<{
      products: { items: { variants: { id: string; sku: string }[] }[] };
    }>('{ products(options: { take: 100 }) { items { variants { id sku } } } }');
    for (const product of products.items) {
      for (const variant of product.variants) this.variantIds.set(variant.sku, variant.id);
    }
  }

  /** Starts the shop's process(es) and reads the ready line (a topology starts several: vendure-topology.ts). */
  protected async spawn(): Promise<void> {
    this.process = await startShopProcess({
      args: [join(shopDir, 'scripts', 'start.mjs')],
      cwd: shopDir,
      log: this.log,
      env: this.shopEnv({ PUBLIC_URL: `http://127.0.0.1:${this.port}`, VENDURE_DISABLE_TELEMETRY: 'true' }),
    });
    this.readyLine();
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
    this.cleanUp('VENDURE_DRIVER_LOG');
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', whileDown?: () => Promise<void>): Promise<void> {
    await this.process?.stop(signal);
    await whileDown?.();
    await this.spawn();
    // Admin sessions live in the database: the bearer token stays valid across restarts.
  }

  isRunning(): boolean {
    const child = this.process?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  pid(): number {
    const pid = this.process?.child.pid;
    if (pid === undefined) throw new Error('the Vendure shop is not running');
    return pid;
  }

  notificationOutcomes(fromLine = 0): NotificationOutcome[] {
    return vendureNotificationOutcomes(this.log.slice(fromLine));
  }

  /** The Vendure server's base URL (`http://127.0.0.1:<port>`). */
  baseUrl(): string {
    return this.url;
  }

  notifyUrl(kind: PaymentKind): string {
    return `${this.url}/payments/alipay/notify/${this.channelToken}/${METHOD_CODES[kind]}`;
  }

  protected adminApi(): GraphQlClient {
    if (!this.admin) throw new Error('the Vendure shop is not started');
    return this.admin;
  }

  async createPendingOrder(input: {
    kind: PaymentKind;
    physical?: boolean;
    headers?: Record<string, string>;
  }): Promise<PendingOrder> {
    const physical = input.physical ?? false;
    const variantId = this.variantIds.get(physical ? PHYSICAL_SKU : VIRTUAL_SKU);
    if (!variantId) throw new Error('the seeded products are missing');
    // The antom method takes the shop's USD orders: the buyer shops in USD (Vendure's `currencyCode`).
    const currency = input.kind === 'antom' ? '?currencyCode=USD' : '';
    const shop = new GraphQlClient(`${this.url}/shop-api${currency}`, input.headers);
    const added = await shop.request<{ addItemToOrder: { errorCode?: string; message?: string } }>(
      `mutation ($id: ID!) { addItemToOrder(productVariantId: $id, quantity: 1) {
        __typename ... on ErrorResult { errorCode message } } }`,
      { id: variantId },
    );
    assertNoErrorResult(added.addItemToOrder, 'addItemToOrder');
    const customer = await shop.request<{
      setCustomerForOrder: { code?: string; errorCode?: string; message?: string };
    }>(
      `mutation ($input: CreateCustomerInput!) { setCustomerForOrder(input: $input) {
        __typename ... on Order { code } ... on ErrorResult { errorCode message } } }`,
      {
        input: {
          emailAddress: buyerEmail(),
          firstName: '测试',
          lastName: 'Buyer',
        },
      },
    );
    assertNoErrorResult(customer.setCustomerForOrder, 'setCustomerForOrder');
    const code = customer.setCustomerForOrder.code!;
    this.buyers.set(code, shop);
    const address = await shop.request<{ setOrderShippingAddress: { errorCode?: string } }>(
      `mutation ($input: CreateAddressInput!) { setOrderShippingAddress(input: $input) {
        __typename ... on ErrorResult { errorCode message } } }`,
      {
        input: BUYER_ADDRESS,
      },
    );
    assertNoErrorResult(address.setOrderShippingAddress, 'setOrderShippingAddress');
    const goods = physical ? 'physical' : 'virtual';
    let shippingMethodId = this.shippingMethods.get(goods);
    if (!shippingMethodId) {
      const { eligibleShippingMethods } = await shop.request<{
        eligibleShippingMethods: { id: string; priceWithTax: number }[];
      }>('{ eligibleShippingMethods { id priceWithTax } }');
      const [cheapest] = [...eligibleShippingMethods].sort((a, b) => a.priceWithTax - b.priceWithTax);
      if (!cheapest) throw new Error('no eligible shipping method');
      shippingMethodId = cheapest.id;
      this.shippingMethods.set(goods, shippingMethodId);
    }
    const shipping = await shop.request<{ setOrderShippingMethod: { errorCode?: string } }>(
      `mutation ($ids: [ID!]!) { setOrderShippingMethod(shippingMethodId: $ids) {
        __typename ... on ErrorResult { errorCode message } } }`,
      { ids: [shippingMethodId] },
    );
    assertNoErrorResult(shipping.setOrderShippingMethod, 'setOrderShippingMethod');
    return this.startPayment(shop, code, input.kind);
  }

  /**
   * Starts an Alipay payment for the buyer's active order (`createAlipayPaymentIntent`, desktop) and sends
   * the buyer's browser to the cashier.
   */
  private async startPayment(shop: GraphQlClient, code: string, kind: PaymentKind): Promise<PendingOrder> {
    const { createAlipayPaymentIntent: intent } = await shop.request<{
      createAlipayPaymentIntent: {
        __typename: string;
        outTradeNo?: string;
        url?: string;
        reason?: string;
        message?: string;
      };
    }>(
      `mutation ($input: AlipayPaymentIntentInput!) { createAlipayPaymentIntent(input: $input) {
        __typename
        ... on AlipayRedirect { outTradeNo url }
        ... on AlipayForm { outTradeNo }
        ... on AlipayQrCode { outTradeNo }
        ... on AlipayPaymentIntentError { reason message } } }`,
      { input: { paymentMethodCode: METHOD_CODES[kind], device: 'desktop' } },
    );
    if (!intent.outTradeNo || !intent.url) {
      throw new Error(`createAlipayPaymentIntent: ${intent.__typename} ${intent.reason}: ${intent.message}`);
    }
    await openCashier(intent.url);
    const { activeOrder } = await shop.request<{ activeOrder: { totalWithTax: number } | null }>(
      '{ activeOrder { totalWithTax } }',
    );
    return {
      ref: code,
      kind,
      outTradeNo: intent.outTradeNo,
      // No longer active: another attempt paid the order meanwhile (the admin still reads its total).
      amountFen: activeOrder?.totalWithTax ?? (await this.adminOrder(code)).totalWithTax,
      notifyUrl: this.notifyUrl(kind),
      paymentUrl: intent.url,
    };
  }

  async readPaymentSettings(): Promise<unknown> {
    const { paymentMethods } = await this.adminApi().request<{ paymentMethods: { items: unknown[] } }>(
      `{ paymentMethods(options: { take: 100 }) { items { id code enabled handler { code args { name value } } } } }`,
    );
    return paymentMethods.items;
  }

  private async adminOrder(code: string): Promise<AdminOrder> {
    const { orders } = await this.adminApi().request<{ orders: { items: AdminOrder[] } }>(
      `query ($code: String!) { orders(options: { filter: { code: { eq: $code } } }) { items { ${ORDER_FIELDS} } } }`,
      { code },
    );
    const [order] = orders.items;
    if (!order) throw new Error(`no order ${code}`);
    return order;
  }

  async orderState(order: PendingOrder): Promise<OrderView> {
    return toView(await this.adminOrder(order.ref));
  }

  private async adminOrders(): Promise<AdminOrder[]> {
    const orders: AdminOrder[] = [];
    for (let skip = 0; ; skip += 1000) {
      const page = await this.adminApi().request<{ orders: { items: AdminOrder[]; totalItems: number } }>(
        `query ($skip: Int!) { orders(options: { skip: $skip, take: 1000, sort: { id: ASC } }) {
          totalItems items { ${ORDER_FIELDS} } } }`,
        { skip },
      );
      orders.push(...page.orders.items);
      if (orders.length >= page.orders.totalItems || page.orders.items.length === 0) break;
    }
    return orders;
  }

  async allOrders(): Promise<Map<string, OrderView>> {
    return new Map((await this.adminOrders()).map(order => [order.code, toView(order)]));
  }

  /** Every order (active carts too) with payments and refunds, and the orphan payments. */
  async snapshot(): Promise<ShopSnapshot> {
    const orders = await this.adminOrders();
    const { alipayOrphanPayments } = await this.adminApi().request<{ alipayOrphanPayments: unknown[] }>(
      '{ alipayOrphanPayments { outTradeNo tradeNo orderCode amount reason refundStatus } }',
    );
    return {
      orders: Object.fromEntries(
        orders.map(o => [
          o.code,
          {
            state: o.state,
            total: o.totalWithTax,
            payments: (o.payments ?? []).map(p => ({
              id: p.id,
              state: p.state,
              amount: p.amount,
              method: p.method,
              transactionId: p.transactionId,
              refunds: p.refunds.map(r => ({ id: r.id, state: r.state, total: r.total })),
            })),
          },
        ]),
      ),
      orphanPayments: alipayOrphanPayments,
    };
  }

  async tryShip(
    order: PendingOrder,
    shipment: { carrier: string; trackingNumber: string },
  ): Promise<AdminAnswer> {
    try {
      const { orders } = await this.adminApi().request<{
        orders: {
          items: Array<{
            lines: { id: string; quantity: number }[];
            fulfillments: { id: string; state: string }[] | null;
          }>;
        };
      }>(
        `query ($code: String!) { orders(options: { filter: { code: { eq: $code } } }) {
          items { lines { id quantity } fulfillments { id state } } } }`,
        { code: order.ref },
      );
      const current = orders.items[0];
      if (!current) return { accepted: false, reason: `no order ${order.ref}` };
      // A fulfillment an earlier refusal left unshipped is shipped now; else a new one for every line.
      let fulfillmentId = (current.fulfillments ?? []).find(f => !FULFILLMENT_DONE.has(f.state))?.id;
      if (!fulfillmentId) {
        const { addFulfillmentToOrder } = await this.adminApi().request<{
          addFulfillmentToOrder: { id?: string; errorCode?: string; message?: string };
        }>(
          `mutation ($input: FulfillOrderInput!) { addFulfillmentToOrder(input: $input) {
            __typename ... on Fulfillment { id } ... on ErrorResult { errorCode message } } }`,
          {
            input: {
              lines: current.lines.map(line => ({ orderLineId: line.id, quantity: line.quantity })),
              handler: {
                code: 'manual-fulfillment',
                arguments: [
                  { name: 'method', value: shipment.carrier },
                  { name: 'trackingCode', value: shipment.trackingNumber },
                ],
              },
            },
          },
        );
        if (addFulfillmentToOrder.errorCode || !addFulfillmentToOrder.id) {
          return {
            accepted: false,
            reason: `addFulfillmentToOrder: ${addFulfillmentToOrder.errorCode}: ${addFulfillmentToOrder.message}`,
          };
        }
        fulfillmentId = addFulfillmentToOrder.id;
      }
      const { transitionFulfillmentToState: moved } = await this.adminApi().request<{
        transitionFulfillmentToState: { errorCode?: string; message?: string; transitionError?: string };
      }>(
        `mutation ($id: ID!) { transitionFulfillmentToState(id: $id, state: "Shipped") {
          __typename ... on ErrorResult { errorCode message }
          ... on FulfillmentStateTransitionError { transitionError } } }`,
        { id: fulfillmentId },
      );
      if (moved.errorCode) {
        return {
          accepted: false,
          reason: `transitionFulfillmentToState: ${moved.errorCode}: ${moved.transitionError ?? moved.message}`,
        };
      }
      return { accepted: true };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  async shipped(order: PendingOrder): Promise<boolean> {
    return SHIPPED_STATES.has((await this.adminOrder(order.ref)).state);
  }

  /** `refundOrder` on the order's live Alipay payment (the newest, should there be several). */
  async refund(order: PendingOrder, amountFen: number): Promise<AdminAnswer> {
    try {
      const current = await this.adminOrder(order.ref);
      const live = (current.payments ?? []).filter(
        p => LIVE_PAYMENT_STATES.has(p.state) && p.method.startsWith('alipay'),
      );
      const payment = live.at(-1);
      if (!payment) return { accepted: false, reason: `no live Alipay payment (order ${current.state})` };
      const { refundOrder } = await this.adminApi().request<{
        refundOrder: {
          __typename: string;
          id?: string;
          state?: string;
          metadata?: Record<string, unknown> | null;
          errorCode?: string;
          message?: string;
        };
      }>(
        `mutation ($input: RefundOrderInput!) { refundOrder(input: $input) {
          __typename ... on Refund { id state metadata } ... on ErrorResult { errorCode message } } }`,
        {
          // Vendure 3.7 still stores the deprecated shipping/adjustment columns as NOT NULL.
          input: {
            paymentId: payment.id,
            amount: amountFen,
            reason: 'invariant suite',
            lines: [],
            shipping: 0,
            adjustment: 0,
          },
        },
      );
      if (refundOrder.errorCode)
        return { accepted: false, reason: `${refundOrder.errorCode}: ${refundOrder.message}` };
      if (refundOrder.state === 'Failed') {
        return {
          accepted: false,
          reason: `refund ${refundOrder.id} Failed: ${String(refundOrder.metadata?.errorMessage ?? refundOrder.metadata?.errorCode ?? '')}`,
        };
      }
      return { accepted: true, reason: `refund ${refundOrder.id} ${refundOrder.state}` };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  async refunds(order: PendingOrder): Promise<RefundView[]> {
    return refundsOf(await this.adminOrder(order.ref));
  }

  async books(order: PendingOrder): Promise<{ view: OrderView; refunds: RefundView[] }> {
    const current = await this.adminOrder(order.ref);
    return { view: toView(current), refunds: refundsOf(current) };
  }

  async orphans(): Promise<OrphanView[]> {
    const { alipayOrphanPayments } = await this.adminApi().request<{
      alipayOrphanPayments: Array<{
        outTradeNo: string;
        tradeNo: string | null;
        amount: number;
        refundedAmount: number;
        refundStatus: string | null;
      }>;
    }>('{ alipayOrphanPayments { outTradeNo tradeNo amount refundedAmount refundStatus } }');
    return alipayOrphanPayments.map(o => ({
      outTradeNo: o.outTradeNo,
      tradeNo: o.tradeNo,
      amountFen: o.amount,
      refundStatus: o.refundStatus,
      refundedFen: o.refundedAmount,
    }));
  }

  async newAttempt(order: PendingOrder): Promise<PendingOrder> {
    const buyer = this.buyers.get(order.ref);
    if (!buyer) throw new Error(`order ${order.ref} was not made by this driver`);
    return this.startPayment(buyer, order.ref, order.kind);
  }

  async cancelOrder(order: PendingOrder): Promise<AdminAnswer> {
    try {
      const current = await this.adminOrder(order.ref);
      const { cancelOrder } = await this.adminApi().request<{
        cancelOrder: { __typename: string; state?: string; errorCode?: string; message?: string };
      }>(
        `mutation ($input: CancelOrderInput!) { cancelOrder(input: $input) {
          __typename ... on Order { state } ... on ErrorResult { errorCode message } } }`,
        { input: { orderId: current.id, reason: 'invariant suite' } },
      );
      if (cancelOrder.errorCode)
        return { accepted: false, reason: `${cancelOrder.errorCode}: ${cancelOrder.message}` };
      return { accepted: true, reason: `order ${cancelOrder.state}` };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  /**
   * Makes every open trade and refund due, then runs the plugin's reconciliation task until every open
   * trade has been asked ({@link reconcileVendureShop}).
   */
  reconcile(): Promise<void> {
    return reconcileVendureShop({ dataDir: this.dataDir, admin: this.adminApi(), log: this.log });
  }
}

function toView(order: AdminOrder): OrderView {
  const payments = (order.payments ?? []).map(p => ({
    id: p.id,
    state: p.state,
    amountFen: p.amount,
    ...(p.transactionId ? { tradeNo: p.transactionId } : {}),
  }));
  const live = payments.filter(p => LIVE_PAYMENT_STATES.has(p.state));
  return {
    state: order.state,
    paid: live.length > 0,
    settled: live.length > 0 && live.every(p => p.state === 'Settled'),
    livePayments: live.length,
    payments,
  };
}

/** The refunds of an order's payments, as {@link VendureDriver.refunds} reports them. */
function refundsOf(current: AdminOrder): RefundView[] {
  return (current.payments ?? []).flatMap(payment =>
    payment.refunds.map(refund => {
      const origin = refund.metadata?.origin;
      return {
        id: refund.id,
        amountFen: refund.total,
        state: REFUND_STATES[refund.state] ?? 'pending',
        ...(typeof origin === 'string' ? { origin } : {}),
        paymentId: payment.id,
        ...(payment.transactionId ? { tradeNo: payment.transactionId } : {}),
        raw: refund.state,
      };
    }),
  );
}
