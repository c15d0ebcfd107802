/**
 * {@link ShopDriver} for `examples/vendure-shop`: Vendure 3 on SQLite with the Alipay plugin, started as
 * `node scripts/start.mjs` (what `pnpm start` runs) with `LOG_LEVEL=info`, so that the plugin's line for
 * every notification (accepted ones included) is in the log.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assertNoErrorResult, GraphQlClient } from './graphql';
import type {
  NotificationOutcome,
  OrderView,
  PaymentKind,
  PendingOrder,
  ShopDriver,
  ShopSnapshot,
  ShopStartOptions,
} from './shop-driver';
import { freePort, repoRoot, rssOf, type ShopProcess, startShopProcess } from './shop-process';

const shopDir = join(repoRoot, 'examples', 'vendure-shop');

/** The example shop's seeded payment methods (examples/vendure-shop/src/seed.ts). */
const METHOD_CODES: Record<PaymentKind, string> = {
  openapi: 'alipay',
  'legacy-instant': 'alipay-instant',
  'legacy-escrow': 'alipay-escrow',
};

/** Seeded products: a physical one (tracked stock of 100) and an untracked e-book. */
const PHYSICAL_SKU = 'LONGJING-250';
const VIRTUAL_SKU = 'EBOOK-ALIPAY';

/** Payment states in which Vendure holds money for the order. */
const LIVE_PAYMENT_STATES = new Set(['Authorized', 'Settled']);

interface AdminPayment {
  id: string;
  state: string;
  amount: number;
  method: string;
  transactionId: string | null;
  refunds: { id: string; state: string; total: number }[];
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
  payments { id state amount method transactionId refunds { id state total } }`;

/**
 * The plugin's log line for one notify request (see packages/vendure-plugin/src/alipay.service.ts and
 * notify-body-parser.ts); `verdict` says whether the shop treated the notification as genuine news.
 */
/**
 * The start of every line the plugin writes about a trade: `[AlipayPlugin] order X · trade Y · Alipay Z: `,
 * where an identifier that is not a plain token is JSON-quoted by the plugin. Outcome patterns must match
 * right after it: a pattern found anywhere in a line would count text forged into a quoted field (a
 * `notify_type` carrying "→ applied") as an outcome.
 */
const LINE_PREFIX = String.raw`^\[AlipayPlugin\] order (?:"(?:[^"\\]|\\.)*"|\S+) · trade (?:"(?:[^"\\]|\\.)*"|\S+) · Alipay (?:"(?:[^"\\]|\\.)*"|\(none yet\)|\S+): `;

const anchoredPatterns = new Map<RegExp, RegExp>();

/** `text` without ANSI SGR escape sequences (colours). The plugin escapes ESC in request text itself. */
function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what is being removed.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** `pattern` matching only right after {@link LINE_PREFIX}, at the start of the text it is given. */
function anchored(pattern: RegExp): RegExp {
  let full = anchoredPatterns.get(pattern);
  if (!full) {
    full = new RegExp(LINE_PREFIX + pattern.source);
    anchoredPatterns.set(pattern, full);
  }
  return full;
}

const OUTCOME_PATTERNS: Array<{
  pattern: RegExp;
  outcome: (m: RegExpExecArray) => Omit<NotificationOutcome, 'line'>;
}> = [
  // applyTradeEvent: "notify TRADE_SUCCESS → applied: …" (applied | recorded | orphan = acted on;
  // duplicate | ignored | rejected = refused).
  {
    pattern:
      /notify (?:"(?:[^"\\]|\\.)*"|\S+) → (applied|recorded|orphan|duplicate|ignored|rejected): (?:rejected \((\w+)\))?/,
    outcome: m => ({
      verdict: m[1] === 'applied' || m[1] === 'recorded' || m[1] === 'orphan' ? 'accepted' : 'refused',
      reason: m[2] ?? m[1]!,
    }),
  },
  {
    pattern: /batch_refund_notify → (\w+):/,
    outcome: m => ({ verdict: 'accepted', reason: `refund-${m[1]}` }),
  },
  { pattern: /notification rejected \((\w+)\)/, outcome: m => ({ verdict: 'refused', reason: m[1]! }) },
  {
    pattern: /verified notification \(\S+\) for a trade this channel never created/,
    outcome: () => ({ verdict: 'refused', reason: 'unknown_trade' }),
  },
  {
    pattern: /rejected a notify request body \(([\w.]+)/,
    outcome: m => ({ verdict: 'refused', reason: `body:${m[1]}` }),
  },
  {
    pattern: /notification for unknown (channel token|Alipay payment method)/,
    outcome: m => ({
      verdict: 'refused',
      reason: m[1] === 'channel token' ? 'unknown_channel' : 'unknown_method',
    }),
  },
  {
    pattern: /notification .*could not be processed.*answered fail/,
    outcome: () => ({ verdict: 'refused', reason: 'processing_error' }),
  },
  {
    pattern: /cannot verify a notification/,
    outcome: () => ({ verdict: 'refused', reason: 'invalid_settings' }),
  },
];

export class VendureDriver implements ShopDriver {
  readonly name = 'vendure';
  private process: ShopProcess | undefined;
  private readonly log: string[] = [];
  private port = 0;
  private dataDir = '';
  private sandboxUrl = '';
  private url = '';
  private channelToken = '';
  private admin: GraphQlClient | undefined;
  private variantIds = new Map<string, string>();
  private shippingMethods = new Map<'physical' | 'virtual', string>();
  private adminCredentials = { user: '', password: '' };
  private logLevel = 'info';

  async start(options: ShopStartOptions): Promise<void> {
    this.sandboxUrl = options.sandboxUrl;
    this.logLevel = options.verboseLogs ? 'debug' : 'info';
    this.port = await freePort();
    this.dataDir = mkdtempSync(join(tmpdir(), 'vendure-reliability-'));
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

  private async spawn(): Promise<void> {
    this.process = await startShopProcess({
      args: [join(shopDir, 'scripts', 'start.mjs')],
      cwd: shopDir,
      log: this.log,
      env: {
        ...process.env,
        PORT: String(this.port),
        DATA_DIR: this.dataDir,
        ALIPAY_SANDBOX_URL: this.sandboxUrl,
        // The storefront is only where Alipay's return sends browsers; these suites never follow it.
        STOREFRONT_URL: 'http://127.0.0.1:9',
        PUBLIC_URL: `http://127.0.0.1:${this.port}`,
        LOG_LEVEL: this.logLevel,
        VENDURE_DISABLE_TELEMETRY: 'true',
      },
    });
    const ready = this.process.ready as { url: string; adminUser: string; adminPassword: string };
    this.url = ready.url;
    this.adminCredentials = { user: ready.adminUser, password: ready.adminPassword };
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
    this.process = undefined;
    if (this.dataDir && existsSync(this.dataDir)) rmSync(this.dataDir, { recursive: true, force: true });
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

  rssBytes(): number {
    return rssOf(this.pid());
  }

  logs(): readonly string[] {
    return this.log;
  }

  notificationOutcomes(fromLine = 0): NotificationOutcome[] {
    const outcomes: NotificationOutcome[] = [];
    for (const line of this.log.slice(fromLine)) {
      // Vendure's logger colours its output when the environment asks for colour (FORCE_COLOR, as set
      // under CI): the escape codes sit around the context, so they go before matching.
      const plain = stripAnsi(line);
      // From the plugin's context on: the first `[AlipayPlugin]` is the logger's, any later one is text.
      const start = plain.indexOf('[AlipayPlugin]');
      if (start < 0) continue;
      const message = plain.slice(start);
      for (const { pattern, outcome } of OUTCOME_PATTERNS) {
        const match = anchored(pattern).exec(message);
        if (match) {
          outcomes.push({ ...outcome(match), line });
          break;
        }
      }
    }
    return outcomes;
  }

  /** The Vendure server's base URL (`http://127.0.0.1:<port>`). */
  baseUrl(): string {
    return this.url;
  }

  notifyUrl(kind: PaymentKind): string {
    return `${this.url}/payments/alipay/notify/${this.channelToken}/${METHOD_CODES[kind]}`;
  }

  private adminApi(): GraphQlClient {
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
    const shop = new GraphQlClient(`${this.url}/shop-api`, input.headers);
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
          emailAddress: `buyer-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`,
          firstName: '测试',
          lastName: 'Buyer',
        },
      },
    );
    assertNoErrorResult(customer.setCustomerForOrder, 'setCustomerForOrder');
    const code = customer.setCustomerForOrder.code!;
    const address = await shop.request<{ setOrderShippingAddress: { errorCode?: string } }>(
      `mutation ($input: CreateAddressInput!) { setOrderShippingAddress(input: $input) {
        __typename ... on ErrorResult { errorCode message } } }`,
      {
        input: {
          fullName: '测试 Buyer',
          streetLine1: '文三路 1 号',
          city: '杭州',
          province: '浙江',
          postalCode: '310000',
          countryCode: 'CN',
          phoneNumber: '13800000000',
        },
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
      { input: { paymentMethodCode: METHOD_CODES[input.kind], device: 'desktop' } },
    );
    if (!intent.outTradeNo || !intent.url) {
      throw new Error(`createAlipayPaymentIntent: ${intent.__typename} ${intent.reason}: ${intent.message}`);
    }
    await openCashier(intent.url);
    const { activeOrder } = await shop.request<{ activeOrder: { totalWithTax: number } }>(
      '{ activeOrder { totalWithTax } }',
    );
    return {
      ref: code,
      kind: input.kind,
      outTradeNo: intent.outTradeNo,
      amountFen: activeOrder.totalWithTax,
      notifyUrl: this.notifyUrl(input.kind),
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

  async ship(order: PendingOrder, shipment: { carrier: string; trackingNumber: string }): Promise<void> {
    const current = await this.adminOrder(order.ref);
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
    assertNoErrorResult(addFulfillmentToOrder, 'addFulfillmentToOrder');
    const { transitionFulfillmentToState } = await this.adminApi().request<{
      transitionFulfillmentToState: { errorCode?: string; message?: string };
    }>(
      `mutation ($id: ID!) { transitionFulfillmentToState(id: $id, state: "Shipped") {
        __typename ... on ErrorResult { errorCode message } } }`,
      { id: addFulfillmentToOrder.id },
    );
    assertNoErrorResult(transitionFulfillmentToState, 'transitionFulfillmentToState');
  }

  /**
   * Ages every trade past the plugin's `pendingAfterMinutes` (5) by moving its `createdAt` back an hour
   * in the SQLite file (the shop cannot be told a different clock), then runs the scheduled task
   * `alipay-reconcile-pending-trades` through the Admin API and waits for its run to be recorded.
   */
  async reconcile(): Promise<void> {
    const db = new Database(join(this.dataDir, 'vendure.sqlite'), { timeout: 10_000 });
    try {
      db.prepare(
        "UPDATE alipay_trade SET createdAt = datetime(createdAt, '-60 minutes') WHERE createdAt > datetime('now', '-60 minutes')",
      ).run();
    } finally {
      db.close();
    }
    const taskId = 'alipay-reconcile-pending-trades';
    const lastRun = async () => {
      const { scheduledTasks } = await this.adminApi().request<{
        scheduledTasks: { id: string; lastExecutedAt: string | null; isRunning: boolean }[];
      }>('{ scheduledTasks { id lastExecutedAt isRunning } }');
      const task = scheduledTasks.find(t => t.id === taskId);
      if (!task) throw new Error(`no scheduled task ${taskId}`);
      return task;
    };
    const before = (await lastRun()).lastExecutedAt;
    await this.adminApi().request('mutation ($id: String!) { runScheduledTask(id: $id) { success } }', {
      id: taskId,
    });
    // Vendure's DefaultSchedulerPlugin picks manual triggers up on an interval; the run is recorded in
    // `lastExecutedAt` when it ends.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = await lastRun();
      if (task.lastExecutedAt !== before && !task.isRunning) return;
      if (Date.now() > deadline) throw new Error(`${taskId} did not run within 60 s`);
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }
}

/**
 * The buyer's browser follows the payment URL to Alipay's cashier (on Alipay, as on the sandbox, the trade
 * exists from then on).
 */
export async function openCashier(url: string): Promise<void> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const location = response.headers.get('location') ?? '';
  await response.arrayBuffer();
  if (response.status !== 302 || !/\/cashier\//.test(location)) {
    throw new Error(`the payment URL did not lead to the cashier: HTTP ${response.status} ${location}`);
  }
}

function toView(order: AdminOrder): OrderView {
  const payments = (order.payments ?? []).map(p => ({
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
