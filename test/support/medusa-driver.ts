/**
 * {@link ShopDriver} for `examples/medusa-shop`: Medusa 2.21 on an embedded PostgreSQL with the Alipay
 * plugin, started as `node -r ts-node/register/transpile-only scripts/start.ts` (what `pnpm start` runs):
 * that script supervises PostgreSQL and the Medusa server (`medusa start`), and names the server's PID
 * in its ready line (`serverPid`), which is what `pid()`, `rssBytes()` and `restart()` act on.
 *
 * - Logs: `LOG_LEVEL=info` (`silly` for `verboseLogs`); Medusa writes JSON lines in production mode, and
 *   the plugin's notify route writes one `[alipay] notify request accepted|refused (<reason>): …` line
 *   per request, which `notificationOutcomes()` parses.
 * - The three payment kinds: the seeded sales channel uses the seeded global settings (OpenAPI); `start()`
 *   adds two sales channels with their own publishable keys whose Alipay settings override the interface
 *   type (`legacy-direct`, `legacy-escrow`, the gateway `/gateway.do`), as a marketplace would per seller.
 *   Every kind notifies the same URL (`/hooks/alipay/notify/pp_alipay_alipay`).
 * - An order's `ref` is the cart ID: Medusa makes the order from the cart when the payment arrives.
 * - `reconcile()` calls the example shop's test hook `POST /admin/example-shop/reconcile` (enabled by
 *   `EXAMPLE_SHOP_TEST_HOOKS=true`), which runs the plugin's reconciliation with every open session due.
 * - Orphan payments are refunded automatically (`ALIPAY_AUTO_REFUND_ORPHANS=true`, the provider option
 *   `autoRefundOrphanPayments`), as in the Vendure example shop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buyerEmail, ExampleShopDriver, isAlive, openCashier } from './driver-base';
import { medusaNotificationOutcomes } from './medusa-log';
import { buyerAddressOf, setUpMedusaShop } from './medusa-setup';
import {
  type AdminOrder,
  type LedgerRow,
  ORDER_FIELDS,
  type OrphanEvent,
  orphanViews,
  payments,
  refundViews,
  toView,
  UNPAID_CART,
  yuanToFen,
} from './medusa-views';
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

const shopDir = join(repoRoot, 'examples', 'medusa-shop');
/** The mainland provider (CNY region), and the Antom one (USD region, `antom` kind). */
const providerOf = (kind: PaymentKind) => (kind === 'antom' ? 'pp_alipay_antom' : 'pp_alipay_alipay');

/** Seeded products: a physical one (tracked stock of 100) and an e-book without inventory. */
const PHYSICAL_SKU = 'LONGJING-250';
const VIRTUAL_SKU = 'EBOOK-ALIPAY';

/** What the driver remembers about a cart it made. */
interface CartInfo {
  kind: PaymentKind;
  publishableKey: string;
  /** The cart's payment collection (where further payment sessions are made). */
  collectionId?: string;
}

export class MedusaDriver extends ExampleShopDriver implements ShopDriver {
  readonly name = 'medusa';
  private serverPid = 0;
  private token = '';
  private regionId = '';
  /** The USD region, whose carts pay through Antom. */
  private usdRegionId = '';
  private readonly publishableKeys = new Map<PaymentKind, string>();
  private readonly variantIds = new Map<string, string>();
  private readonly shippingOptions = new Map<PaymentKind, string>();
  private readonly carts = new Map<string, CartInfo>();
  /** Order IDs by the cart they were made from, once seen. */
  private readonly orderIds = new Map<string, string>();

  async start(options: ShopStartOptions): Promise<void> {
    await this.prepare(options, 'silly');
    const ready = await this.spawn();
    await this.setUpShop(ready.publishableKey);
  }

  /**
   * Once the shop answers on {@link url}: logs the admin in and adds what the suites need (sales channels
   * per payment kind, shipping), through the admin API. The topology driver calls it with `url` on its proxy.
   */
  protected async setUpShop(publishableKey: string): Promise<void> {
    // The seeded sales channel sells in both regions: the USD one pays through the Antom provider.
    this.publishableKeys.set('openapi', publishableKey);
    this.publishableKeys.set('antom', publishableKey);
    await this.login();
    const catalogue = await setUpMedusaShop(
      (method, path, body) => this.admin(method, path, body),
      this.sandboxUrl,
    );
    this.regionId = catalogue.regionId;
    this.usdRegionId = catalogue.usdRegionId ?? '';
    for (const [sku, id] of catalogue.variantIds) this.variantIds.set(sku, id);
    for (const [kind, key] of catalogue.publishableKeys) this.publishableKeys.set(kind, key);
  }

  /**
   * Starts the shop; once more when it failed because the plugin's build (`.medusa/server`, which the
   * shop loads) was missing — `medusa plugin:build` deletes it first, so a build running at the same time
   * (another test run, a developer) makes a start fail that a retry after the build passes.
   */
  protected async spawn(): Promise<{ publishableKey: string }> {
    try {
      return await this.spawnOnce();
    } catch (error) {
      const buildMissing = /Cannot find module .*@alipay-commerce\/medusa|The Alipay plugin is not built/;
      if (!buildMissing.test(String(error))) throw error;
      const built = join(repoRoot, 'packages', 'medusa-plugin', '.medusa', 'server', 'src', 'admin');
      const deadline = Date.now() + 120_000;
      while (!existsSync(built) && Date.now() < deadline) await new Promise(r => setTimeout(r, 1000));
      // The build writes the admin last; give it a moment to finish.
      await new Promise(r => setTimeout(r, 3000));
      this.log.push('[medusa-driver] the plugin build was missing (a build was running); starting again');
      return this.spawnOnce();
    }
  }

  private async spawnOnce(): Promise<{ publishableKey: string }> {
    this.process = await startShopProcess({
      args: ['-r', 'ts-node/register/transpile-only', join(shopDir, 'scripts', 'start.ts')],
      cwd: shopDir,
      log: this.log,
      // First start in a new data directory: migrations and seed (and a build when the shop changed).
      readyTimeoutMs: 280_000,
      env: this.shopEnv({
        EXAMPLE_SHOP_TEST_HOOKS: 'true',
        // Orphan payments refunded by themselves, as the Vendure example shop does.
        ALIPAY_AUTO_REFUND_ORPHANS: 'true',
        MEDUSA_DISABLE_TELEMETRY: 'true',
      }),
    });
    const ready = this.readyLine<{
      url: string;
      adminUser: string;
      adminPassword: string;
      publishableKey: string;
      serverPid?: number;
    }>();
    if (!ready.serverPid) throw new Error('the Medusa shop did not name its server process (serverPid)');
    this.serverPid = ready.serverPid;
    return ready;
  }

  private async login(): Promise<void> {
    const { token } = await this.request<{ token: string }>('POST', '/auth/user/emailpass', {
      body: { email: this.adminCredentials.user, password: this.adminCredentials.password },
    });
    this.token = token;
  }

  async stop(): Promise<void> {
    // SIGTERM to the start script: it stops Medusa, then PostgreSQL.
    await this.process?.stop('SIGTERM', 30_000);
    this.stopLeftoverPostgres();
    this.cleanUp('MEDUSA_DRIVER_LOG');
  }

  /** A PostgreSQL of this data directory still running (its supervisor was killed): stopped. */
  private stopLeftoverPostgres(): void {
    const pidFile = join(this.dataDir, 'postgres', 'postmaster.pid');
    if (!this.dataDir || !existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid > 0 && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone meanwhile
      }
    }
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', whileDown?: () => Promise<void>): Promise<void> {
    const current = this.process;
    if (current) {
      // The server gets the signal; its supervisor then stops PostgreSQL and exits.
      if (isAlive(this.serverPid)) process.kill(this.serverPid, signal);
      const timer = setTimeout(() => current.child.kill('SIGTERM'), 30_000);
      await current.exited;
      clearTimeout(timer);
      this.stopLeftoverPostgres();
    }
    await whileDown?.();
    await this.spawn();
    // The admin token is a JWT signed with the shop's fixed secret: still valid.
  }

  isRunning(): boolean {
    const child = this.process?.child;
    return (
      child !== undefined && child.exitCode === null && child.signalCode === null && isAlive(this.serverPid)
    );
  }

  pid(): number {
    if (!this.process || !this.serverPid) throw new Error('the Medusa shop is not running');
    return this.serverPid;
  }

  notificationOutcomes(fromLine = 0): NotificationOutcome[] {
    return medusaNotificationOutcomes(this.log.slice(fromLine));
  }

  /** The Medusa server's base URL (`http://localhost:<port>`). */
  baseUrl(): string {
    return this.url;
  }

  notifyUrl(kind: PaymentKind): string {
    return `${this.url}/hooks/alipay/notify/${providerOf(kind)}`;
  }

  async createPendingOrder(input: {
    kind: PaymentKind;
    physical?: boolean;
    headers?: Record<string, string>;
  }): Promise<PendingOrder> {
    const physical = input.physical ?? false;
    const variantId = this.variantIds.get(physical ? PHYSICAL_SKU : VIRTUAL_SKU);
    const publishableKey = this.publishableKeys.get(input.kind);
    if (!variantId || !publishableKey) throw new Error('the Medusa shop is not set up');
    const store = <T>(method: string, path: string, body?: unknown) =>
      this.request<T>(method, path, {
        body,
        headers: { ...input.headers, 'x-publishable-api-key': publishableKey },
      });
    const { cart } = await store<{ cart: { id: string } }>('POST', '/store/carts', {
      region_id: input.kind === 'antom' ? this.usdRegionId : this.regionId,
      email: buyerEmail(),
      items: [{ variant_id: variantId, quantity: 1 }],
      shipping_address: buyerAddressOf(input.kind),
      billing_address: buyerAddressOf(input.kind),
    });
    this.carts.set(cart.id, { kind: input.kind, publishableKey });
    if (physical) {
      let optionId = this.shippingOptions.get(input.kind);
      if (!optionId) {
        const { shipping_options: options } = await store<{
          shipping_options: Array<{ id: string; amount: number }>;
        }>('GET', `/store/shipping-options?cart_id=${cart.id}`);
        const [cheapest] = [...options].sort((a, b) => a.amount - b.amount);
        if (!cheapest) throw new Error('no shipping option for the cart');
        optionId = cheapest.id;
        this.shippingOptions.set(input.kind, optionId);
      }
      await store('POST', `/store/carts/${cart.id}/shipping-methods`, { option_id: optionId });
    }
    const { payment_collection: collection } = await store<{ payment_collection: { id: string } }>(
      'POST',
      '/store/payment-collections',
      { cart_id: cart.id },
    );
    const { payment_collection: withSession } = await store<{
      payment_collection: {
        payment_sessions: Array<{ id: string; provider_id: string; data: Record<string, unknown> }>;
      };
    }>('POST', `/store/payment-collections/${collection.id}/payment-sessions`, {
      provider_id: providerOf(input.kind),
      data: { device: 'desktop' },
    });
    this.carts.set(cart.id, { kind: input.kind, publishableKey, collectionId: collection.id });
    return this.openSession(cart.id, input.kind, withSession.payment_sessions);
  }

  /** The Alipay session among `sessions`: the buyer's browser goes to its cashier. */
  private async openSession(
    ref: string,
    kind: PaymentKind,
    sessions: Array<{ id: string; provider_id: string; data: Record<string, unknown> }>,
  ): Promise<PendingOrder> {
    const session = sessions.find(s => s.provider_id === providerOf(kind));
    const url = session?.data.redirect_url;
    const outTradeNo = session?.data.out_trade_no;
    if (!session || typeof url !== 'string' || typeof outTradeNo !== 'string') {
      throw new Error(`no Alipay redirect in the payment session: ${JSON.stringify(session?.data)}`);
    }
    await openCashier(url);
    return {
      ref,
      kind,
      // Random, unrelated to the session (issue 15): only the session's data names it.
      outTradeNo,
      amountFen: yuanToFen(String(session.data.amount)),
      notifyUrl: new URL(url).searchParams.get('notify_url') ?? this.notifyUrl(kind),
      paymentUrl: url,
    };
  }

  /**
   * A new Alipay payment session on the cart's payment collection (what the storefront does when the
   * buyer pays again): Medusa drops the earlier session, and the plugin closes its trade.
   */
  async newAttempt(order: PendingOrder): Promise<PendingOrder> {
    const info = this.carts.get(order.ref);
    if (!info?.collectionId) throw new Error(`cart ${order.ref} was not made by this driver`);
    const { payment_collection: withSession } = await this.request<{
      payment_collection: {
        payment_sessions: Array<{ id: string; provider_id: string; data: Record<string, unknown> }>;
      };
    }>('POST', `/store/payment-collections/${info.collectionId}/payment-sessions`, {
      body: { provider_id: providerOf(order.kind), data: { device: 'desktop' } },
      headers: { 'x-publishable-api-key': info.publishableKey },
    });
    return this.openSession(order.ref, order.kind, withSession.payment_sessions);
  }

  /**
   * An unpaid Medusa order is still a cart: what the admin can do is delete the cart's payment collection
   * (`DELETE /admin/payment-collections/:id`, allowed while it is not paid), which takes the payment
   * sessions with it. A placed order is cancelled with `POST /admin/orders/:id/cancel`.
   */
  async cancelOrder(order: PendingOrder): Promise<AdminAnswer> {
    try {
      const placed = await this.placedOrder(order.ref);
      if (placed) {
        await this.admin('POST', `/admin/orders/${placed.id}/cancel`, {});
        return { accepted: true, reason: `order ${placed.id} cancelled` };
      }
      const info = this.carts.get(order.ref);
      if (!info?.collectionId)
        return { accepted: false, reason: `cart ${order.ref} has no payment collection` };
      await this.admin('DELETE', `/admin/payment-collections/${info.collectionId}`);
      return { accepted: true, reason: `payment collection ${info.collectionId} deleted` };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  /** `POST /admin/payments/:id/refund` on the order's live Alipay payment; Medusa takes yuan. */
  async refund(order: PendingOrder, amountFen: number): Promise<AdminAnswer> {
    try {
      const placed = await this.placedOrder(order.ref);
      if (!placed) return { accepted: false, reason: `cart ${order.ref} has no order (unpaid)` };
      const payment = payments(placed)
        .filter(p => !p.canceled_at && p.captured_at)
        .at(-1);
      if (!payment) return { accepted: false, reason: `order ${placed.id} has no captured Alipay payment` };
      await this.admin('POST', `/admin/payments/${payment.id}/refund`, {
        amount: Number((amountFen / 100).toFixed(2)),
      });
      return { accepted: true };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  /**
   * Medusa's refunds of the order's Alipay payments, with their state from the plugin's refund ledger
   * (`alipay_refund` rows in `GET /admin/alipay/orders/:id`: succeeded → settled, failed → failed, the
   * rest pending). Ledger rows without a Medusa refund (Alipay-side, orphan) are listed too. A Medusa
   * refund the ledger does not know counts as pending. Until the plugin has the ledger, the state comes
   * from the payment's own record of its refunds (`data.alipay_refunds`).
   */
  async refunds(order: PendingOrder): Promise<RefundView[]> {
    const placed = await this.placedOrder(order.ref);
    return placed ? this.refundsOf(placed) : [];
  }

  async books(order: PendingOrder): Promise<{ view: OrderView; refunds: RefundView[] }> {
    const placed = await this.placedOrder(order.ref);
    if (!placed) return { view: UNPAID_CART, refunds: [] };
    const view = toView(placed);
    return { view, refunds: view.payments.length > 0 ? await this.refundsOf(placed) : [] };
  }

  private async refundsOf(placed: AdminOrder): Promise<RefundView[]> {
    const details = await this.admin<{ refunds?: LedgerRow[] }>('GET', `/admin/alipay/orders/${placed.id}`);
    const ledger = Array.isArray(details.refunds) ? details.refunds : undefined;
    return refundViews(placed, ledger);
  }

  /**
   * The orphan payments: the plugin's journal entries of kind `orphan` (the newest per trade), with the
   * status of the refund of their money (`orphan_refund.status` from the refund ledger) and how much of
   * it went back (`orphan_refunded_fen`).
   */
  async orphans(): Promise<OrphanView[]> {
    return orphanViews(await this.orphanEvents<OrphanEvent>());
  }

  /** Every orphan journal entry, newest first, read page by page (a long run has hundreds). */
  private async orphanEvents<Event>(): Promise<Event[]> {
    const all: Event[] = [];
    for (;;) {
      const { events } = await this.admin<{ events: Event[] }>(
        'GET',
        `/admin/alipay/events?kind=orphan&limit=200&offset=${all.length}`,
      );
      all.push(...events);
      if (events.length < 200) return all;
    }
  }

  async readPaymentSettings(): Promise<unknown> {
    return this.admin('GET', '/admin/alipay/settings');
  }

  /** Every order, 1000 per page. */
  private async adminOrders(): Promise<AdminOrder[]> {
    const orders: AdminOrder[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.admin<{ orders: AdminOrder[]; count: number }>(
        'GET',
        `/admin/orders?fields=${ORDER_FIELDS}&limit=1000&offset=${offset}&order=created_at`,
      );
      orders.push(...page.orders);
      if (orders.length >= page.count || page.orders.length === 0) return orders;
    }
  }

  /** Orders by the cart they were made from (the refs of this driver). */
  private async ordersByCart(): Promise<Map<string, AdminOrder>> {
    const byCart = new Map((await this.adminOrders()).map(order => [order.cart?.id ?? order.id, order]));
    for (const [ref, order] of byCart) this.orderIds.set(ref, order.id);
    return byCart;
  }

  /**
   * The order made from cart `ref`, or undefined while there is none: read by its ID once known, else
   * only when the Store API shows the cart completed (Medusa makes the order when it completes the cart),
   * so that reading one unpaid cart does not list every order.
   */
  private async placedOrder(ref: string): Promise<AdminOrder | undefined> {
    const known = this.orderIds.get(ref);
    if (known) {
      const { order } = await this.admin<{ order: AdminOrder }>(
        'GET',
        `/admin/orders/${known}?fields=${ORDER_FIELDS}`,
      );
      return order;
    }
    const info = this.carts.get(ref);
    if (info) {
      try {
        const { cart } = await this.request<{ cart: { completed_at: string | null } }>(
          'GET',
          `/store/carts/${ref}?fields=id,completed_at`,
          { headers: { 'x-publishable-api-key': info.publishableKey } },
        );
        if (!cart.completed_at) return undefined;
      } catch {
        // Not readable through the Store API: look among the orders.
      }
    }
    return (await this.ordersByCart()).get(ref);
  }

  async orderState(order: PendingOrder): Promise<OrderView> {
    const found = await this.placedOrder(order.ref);
    return found ? toView(found) : UNPAID_CART;
  }

  async allOrders(): Promise<Map<string, OrderView>> {
    const views = new Map<string, OrderView>();
    // Carts of this driver not (yet) made into orders: nothing paid for them.
    for (const ref of this.carts.keys()) views.set(ref, UNPAID_CART);
    for (const [ref, order] of await this.ordersByCart()) views.set(ref, toView(order));
    return views;
  }

  /**
   * Every order with its payments and refunds, every cart of this driver not made into an order (with
   * its payment sessions and payments, as the Store API shows them), and the orphan payments.
   */
  async snapshot(): Promise<ShopSnapshot> {
    const byCart = await this.ordersByCart();
    const orders: Record<string, unknown> = {};
    for (const [ref, o] of byCart) {
      orders[ref] = {
        order: o.id,
        status: o.status,
        paymentStatus: o.payment_status,
        fulfillmentStatus: o.fulfillment_status,
        total: o.total,
        payments: payments(o).map(p => ({
          id: p.id,
          amount: p.amount,
          captured: p.captured_at,
          canceled: p.canceled_at,
          data: p.data,
          refunds: (p.refunds ?? []).map(r => ({ id: r.id, amount: r.amount })),
        })),
      };
    }
    for (const [ref, info] of this.carts) {
      if (byCart.has(ref)) continue;
      const { cart } = await this.request<{ cart: unknown }>(
        'GET',
        `/store/carts/${ref}?fields=id,completed_at,total,*payment_collection,*payment_collection.payment_sessions`,
        { headers: { 'x-publishable-api-key': info.publishableKey } },
      );
      orders[ref] = { cart };
    }
    const events = await this.orphanEvents<Record<string, unknown>>();
    return {
      orders,
      orphanPayments: events.map(e => ({
        id: e.id,
        outTradeNo: e.out_trade_no,
        tradeNo: e.trade_no,
        orderId: e.order_id,
        details: e.details,
      })),
    };
  }

  async tryShip(
    order: PendingOrder,
    shipment: { carrier: string; trackingNumber: string },
  ): Promise<AdminAnswer> {
    try {
      const found = await this.placedOrder(order.ref);
      if (!found) return { accepted: false, reason: `cart ${order.ref} has no order (unpaid)` };
      const { order: full } = await this.admin<{
        order: {
          items: Array<{ id: string; quantity: number }>;
          fulfillments?: Array<{ id: string; shipped_at: string | null; canceled_at: string | null }> | null;
        };
      }>('GET', `/admin/orders/${found.id}?fields=id,*items,*fulfillments`);
      const items = full.items.map(item => ({ id: item.id, quantity: item.quantity }));
      // A fulfillment an earlier refusal left unshipped is shipped now; otherwise one is created.
      let waiting = (full.fulfillments ?? []).find(f => !f.shipped_at && !f.canceled_at);
      if (!waiting) {
        const before = new Set((full.fulfillments ?? []).map(f => f.id));
        const { order: fulfilled } = await this.admin<{
          order: { fulfillments?: Array<{ id: string }> | null };
        }>('POST', `/admin/orders/${found.id}/fulfillments?fields=id,fulfillments.id`, {
          items,
          metadata: { alipay_carrier: shipment.carrier },
        });
        const created = (fulfilled.fulfillments ?? []).find(f => !before.has(f.id));
        if (!created) throw new Error(`no fulfillment was created for order ${found.id}`);
        waiting = { id: created.id, shipped_at: null, canceled_at: null };
      }
      await this.admin('POST', `/admin/orders/${found.id}/fulfillments/${waiting.id}/shipments`, {
        items,
        labels: [{ tracking_number: shipment.trackingNumber, tracking_url: '#', label_url: '#' }],
      });
      return { accepted: true };
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }

  async shipped(order: PendingOrder): Promise<boolean> {
    const found = await this.placedOrder(order.ref);
    if (!found) return false;
    const { order: full } = await this.admin<{
      order: { fulfillments?: Array<{ shipped_at: string | null; canceled_at: string | null }> | null };
    }>('GET', `/admin/orders/${found.id}?fields=id,*fulfillments`);
    return (full.fulfillments ?? []).some(f => f.shipped_at && !f.canceled_at);
  }

  async reconcile(): Promise<void> {
    await this.admin('POST', '/admin/example-shop/reconcile', {});
  }

  private admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) throw new Error('the Medusa shop is not started');
    return this.request<T>(method, path, { body, headers: { authorization: `Bearer ${this.token}` } });
  }

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(300_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
}
