/**
 * The fixture every Medusa integration spec is declared with:
 *
 * ```ts
 * await alipaySpec({ settingsSecret: 'c3'.repeat(32) }, t => {
 *   it('…', async () => {
 *     const { session } = await t.startCheckout();
 *     await t.pay(session);
 *   });
 * });
 * ```
 *
 * It boots one Medusa app for the file (real PostgreSQL, the plugin's build, a port and a settings
 * secret of its own), prepares an offline sandbox, an admin user and a shop before all tests, and hands
 * the suite `t`: those parts and the steps the specs are written in (see {@link AlipaySpec}).
 *
 * The runner restores the database before each test; after each test the sandbox forgets its trades and
 * faults as well: a pending retry of an earlier test's trade would otherwise arrive as an orphan.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '@alipay-commerce/sandbox';
import { eventually, type TestSandbox, type TradeOwner } from '@alipay-commerce/sandbox/testing';
import type { MedusaContainer } from '@medusajs/framework/types';
import { type MedusaSuiteOptions, medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { createAdminUser } from './admin';
import { call, type Database, type HttpClient, type HttpResponse, ok } from './http';
import { copyTemplateInto, saveTemplate, templateName, templatesEnabled } from './migrated-template';
import { alipayProvider, reconcileAlipayPayments } from './plugin';
import { freePort } from './postgres';
import { legacySettings, openApiSettings, startShopSandbox } from './sandbox';
import {
  createAlipaySession,
  outTradeNoOf,
  type PreparedCart,
  prepareCart,
  type Shop,
  type StoreSession,
  setupShop,
  tryAlipaySession,
} from './shop';

/** The plugin's notify route for the provider the test app registers. */
export const NOTIFY_PATH = '/hooks/alipay/notify/pp_alipay_alipay';

/** What a spec file prepares before its tests: each level includes the ones after it. */
export type Preparation = 'shop' | 'admin' | 'sandbox' | 'nothing';

/** Options of {@link alipaySpec}. */
export interface AlipaySpecOptions {
  /** `ALIPAY_SETTINGS_SECRET` of this file's app (32 bytes as hex). Defaults to one for the file. */
  settingsSecret?: string;
  /** Defaults to `shop`: a sandbox, an admin user and a shop. */
  prepare?: Preparation;
  /** Sales channels of the shop (the second and later ones are marketplace sellers). */
  channels?: number;
  /** Settings the merchant saves before all tests, from the sandbox's accounts. */
  settings?: (t: AlipaySpec) => Record<string, unknown>;
  /** Turns on the provider's `autoRefundOrphanPayments` for this file's app. */
  autoRefundOrphans?: boolean;
  /** Environment the app needs before `medusa-config.ts` is read (feature flags). */
  env?: Record<string, string>;
  /** The app's directory under `integration-tests/`; defaults to the test app itself. */
  appDir?: string;
  /** vitest's `testTimeout` for the file, in ms. */
  testTimeout?: number;
}

/** One spec file's app, as {@link alipaySpec} prepares it. */
export interface AlipayTestApp {
  /** The test app's directory (`medusaIntegrationTestRunner`'s `cwd`). */
  cwd: string;
  /** The app's environment: its port and the settings-encryption secret. */
  env: Record<string, string>;
  /** Where the app listens, which the provider's `backendUrl` points at (`ALIPAY_TEST_BACKEND_URL`). */
  backendUrl: string;
}

/**
 * Declares a spec file: the runner, its app and the preparation, then `suite(t)` to declare the tests.
 * Await it at the top of the file: the app's port is picked before the runner is declared.
 */
export async function alipaySpec(options: AlipaySpecOptions, suite: (t: AlipaySpec) => void): Promise<void> {
  // Read by medusa-config.ts, which the runner loads before it applies `env`.
  if (options.autoRefundOrphans) process.env.ALIPAY_TEST_AUTO_REFUND_ORPHANS = 'true';
  Object.assign(process.env, options.env);
  const port = await freePort();
  const backendUrl = `http://localhost:${port}`;
  process.env.ALIPAY_TEST_BACKEND_URL = backendUrl;
  const app: AlipayTestApp = {
    cwd: fileURLToPath(new URL(`../${options.appDir ?? '.'}`, import.meta.url)),
    env: {
      ALIPAY_SETTINGS_SECRET: options.settingsSecret ?? 'c3'.repeat(32),
      PORT: String(port),
      ...options.env,
    },
    backendUrl,
  };
  vi.setConfig({ testTimeout: options.testTimeout ?? 90_000 });
  // The file's own database; the first file of an app leaves a migrated copy for the later ones.
  const dbName = `alipay-spec-${randomBytes(6).toString('hex')}`;
  const template = templateName(
    JSON.stringify([app.cwd, options.env ?? {}, options.autoRefundOrphans ?? false]),
  );
  let copied = false;
  medusaIntegrationTestRunner({
    cwd: app.cwd,
    env: app.env,
    dbName,
    hooks: {
      beforeServerStart: async () => {
        if (templatesEnabled()) copied = await copyTemplateInto(dbName, template);
      },
    },
    testSuite: runner => {
      const t = new AlipaySpec(app, runner);
      beforeAll(async () => {
        if (templatesEnabled() && !copied) await saveTemplate(dbName, template);
      });
      beforeAll(() => t.prepare(options));
      afterAll(() => t.close());
      afterEach(() => t.forgetTrades());
      suite(t);
    },
  });
}

/** A payment row of the payment module, as the specs read it. */
export interface PaymentRow {
  id: string;
  amount: string;
  captured_at: string | null;
  canceled_at: string | null;
  data: Record<string, unknown>;
}

/** A row of the plugin's refund book (`alipay_refund`). */
export interface RefundRow {
  status: string;
  origin: string;
  generation: string;
  amount: string;
  request_no: string;
  in_flight_key: string | null;
  medusa_refund_id: string | null;
  error: string | null;
}

/** An order as the admin API answers it with `*items`. */
export interface AdminOrder {
  id: string;
  items: Array<{ id: string; quantity: number; detail?: Record<string, unknown> }>;
}

/**
 * A spec file's parts (the app's API and database, the sandbox, the admin, the shop) and its steps.
 * The parts exist from the file's `beforeAll` on; read them inside hooks and tests.
 */
export class AlipaySpec {
  /** The store and admin API of the app (never throws on a status: see `call` / `ok`). */
  readonly api: HttpClient;
  /** The app's database (raw SQL). */
  readonly db: Database;
  private readonly runner: MedusaSuiteOptions;
  private parts?: { control?: TestSandbox; admin?: Record<string, string>; shop?: Shop };

  constructor(
    /** The app: its directory, environment and URL. */
    readonly app: AlipayTestApp,
    runner: MedusaSuiteOptions,
  ) {
    this.runner = runner;
    this.api = runner.api as HttpClient;
    this.db = runner.dbConnection as Database;
  }

  /** @internal Prepares what `options.prepare` asks for; run by {@link alipaySpec} before all tests. */
  async prepare(options: AlipaySpecOptions): Promise<void> {
    const level = options.prepare ?? 'shop';
    this.parts = {};
    if (level === 'nothing') return;
    this.parts.control = await startShopSandbox();
    if (level === 'sandbox') return;
    this.parts.admin = (await createAdminUser(this.container, this.api)).headers;
    if (level === 'admin') return;
    this.parts.shop = await setupShop(this.api, this.admin, { channels: options.channels });
    if (options.settings) await this.saveSettings(options.settings(this));
  }

  /** @internal */
  async close(): Promise<void> {
    await this.parts?.control?.close();
  }

  /** @internal Clears the sandbox's faults (releasing hung requests), trades and clock after a test. */
  async forgetTrades(): Promise<void> {
    await this.parts?.control?.clearFaults();
    await this.parts?.control?.reset();
  }

  private part<K extends keyof NonNullable<AlipaySpec['parts']>>(name: K) {
    const value = this.parts?.[name];
    if (!value) throw new Error(`this spec file did not prepare the ${name} (see alipaySpec's prepare)`);
    return value as NonNullable<NonNullable<AlipaySpec['parts']>[K]>;
  }

  // -----------------------------------------------------------------------------------------------
  // Parts

  /** The app's container. */
  get container(): MedusaContainer {
    return this.runner.getContainer();
  }

  /** The sandbox's control API (the buyer, Alipay's side, faults, the clock). */
  get control(): TestSandbox {
    return this.part('control');
  }

  /** The sandbox's accounts, keys and gateway URLs. */
  get sandbox(): Sandbox {
    return this.control.sandbox;
  }

  /** Headers of the admin user. */
  get admin(): Record<string, string> {
    return this.part('admin');
  }

  /** The shop: region, channels, shipping, product. */
  get shop(): Shop {
    return this.part('shop');
  }

  /** The legacy partner ID of the sandbox's merchant A. */
  get partner(): string {
    return this.sandbox.merchants[0]!.partner;
  }

  /** The app ID of the sandbox's OpenAPI app. */
  get appId(): string {
    return this.sandbox.apps[0]!.appId;
  }

  // -----------------------------------------------------------------------------------------------
  // The merchant's settings

  /** Settings of merchant A (partner + MD5 key) for a legacy interface type. */
  legacySettings(
    interfaceType: 'legacy-direct' | 'legacy-escrow' | 'legacy-dual' = 'legacy-direct',
    extra: Record<string, unknown> = {},
  ) {
    return legacySettings(this.sandbox, interfaceType, extra);
  }

  /** Settings of the OpenAPI app (app ID + RSA2 keys). */
  openApiSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return openApiSettings(this.sandbox, extra);
  }

  /** Saves Alipay settings through the admin API (what the merchant does on Settings → Alipay). */
  async saveSettings(settings: Record<string, unknown>): Promise<void> {
    await ok(this.api, 'post', '/admin/alipay/settings', this.admin, settings);
  }

  // -----------------------------------------------------------------------------------------------
  // The storefront and the buyer

  /** The storefront's side up to (not including) the payment session: 35.00 CNY. */
  prepareCart(options?: { channel?: number; quantity?: number }): Promise<PreparedCart> {
    return prepareCart(this.api, this.shop, options);
  }

  /** Creates the Alipay payment session as a storefront does. */
  createSession(prepared: PreparedCart, data: Record<string, unknown> = {}): Promise<StoreSession> {
    return createAlipaySession(this.api, prepared, data);
  }

  /** Starts another Alipay session on the cart's collection; the raw answer (it may be refused). */
  trySession(prepared: PreparedCart): Promise<HttpResponse> {
    return tryAlipaySession(this.api, prepared);
  }

  /**
   * A checkout up to Alipay's cashier page: a cart of `channel`, its Alipay session (with `data` from
   * the storefront), and the buyer's browser on the cashier page, so that the trade exists at Alipay.
   */
  async startCheckout(options: { channel?: number; data?: Record<string, unknown> } = {}) {
    const prepared = await this.prepareCart({ channel: options.channel ?? 0 });
    const session = await this.createSession(prepared, options.data);
    await this.control.openRequest(session.data.redirect_url);
    return { prepared, session };
  }

  /** Who owns the session's trade at Alipay: merchant A's partner ID (legacy) or the app ID (OpenAPI). */
  ownerOf(session: { data?: Record<string, unknown> | null }): TradeOwner {
    return String(session.data?.interface_type).startsWith('legacy')
      ? { partner: this.partner }
      : { appId: this.appId };
  }

  /** The buyer pays the session's trade; resolves after Alipay's first notification attempt. */
  pay(session: StoreSession, options: { mode?: 'instant' | 'escrow' } = {}) {
    return this.control.pay({ outTradeNo: outTradeNoOf(session), ...this.ownerOf(session), ...options });
  }

  /** Alipay's next `count` notifications about the session's trade are lost (`all`: until cleared). */
  async loseNotifications(session: StoreSession, count: number | 'all' = 1): Promise<void> {
    await this.control.addFault({
      scope: { outTradeNo: outTradeNoOf(session) },
      fault: 'drop-notify',
      ...(count === 'all' ? {} : { count }),
    });
  }

  /** The buyer pays, and Alipay's first `count` notifications of it are lost. */
  async payLosingNotifications(session: StoreSession, count = 1) {
    await this.loseNotifications(session, count);
    return this.pay(session);
  }

  /**
   * A checkout paid in full (or into escrow), its order created by Alipay's notification: 35.00 CNY
   * with the settings saved at the time.
   */
  async paidCheckout(options: { mode?: 'instant' | 'escrow' } = {}) {
    const { prepared, session } = await this.startCheckout();
    const paid = await this.pay(session, options);
    const orderId = await eventually(() => this.orderOf(prepared), { what: 'the order' });
    const payment = await this.paymentOf(session.id);
    return { prepared, session, paid, tradeNo: String(paid.trade.tradeNo), orderId, payment };
  }

  /** A legacy escrow (担保交易) checkout paid into escrow: the payment authorized, the order created. */
  async escrowOrder() {
    await this.saveSettings(this.legacySettings('legacy-escrow'));
    const checkout = await this.paidCheckout({ mode: 'escrow' });
    return { ...checkout, order: await this.adminOrder(checkout.orderId) };
  }

  /**
   * The shopper starts over while Alipay cannot be reached: Medusa deletes the session, and the plugin
   * could not close its trade, whose cashier page stays payable. (A trade already paid is never
   * replaced: the plugin refuses the new attempt.) Clears every fault afterwards; returns the new session.
   */
  async replaceSessionWhileAlipayDown(prepared: PreparedCart, session: StoreSession): Promise<StoreSession> {
    await this.control.addFault({ scope: { outTradeNo: outTradeNoOf(session) }, fault: 'gateway-500' });
    try {
      return await this.createSession(prepared);
    } finally {
      await this.control.clearFaults();
    }
  }

  /** Posts a notification body to the notify route as Alipay does; the plain-text answer, any status. */
  postNotification(
    body: string | Buffer,
    contentType = 'application/x-www-form-urlencoded; charset=utf-8',
    path = NOTIFY_PATH,
  ): Promise<HttpResponse> {
    return this.api.post(path, body, {
      headers: { 'content-type': contentType },
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
    });
  }

  // -----------------------------------------------------------------------------------------------
  // The admin

  /** An order with its items, as the admin reads it. */
  async adminOrder(orderId: string): Promise<AdminOrder> {
    return (await ok(this.api, 'get', `/admin/orders/${orderId}?fields=*items`, this.admin)).order;
  }

  /** The plugin's journal as Settings → Alipay lists it (`query`: e.g. `kind=orphan`, `attention=true`). */
  async events(query = '') {
    return (await ok(this.api, 'get', `/admin/alipay/events${query ? `?${query}` : ''}`, this.admin)).events;
  }

  /** The orphan payments in the journal, of one trade when `outTradeNo` is given. */
  async orphanEvents(outTradeNo?: string) {
    const events = await this.events('kind=orphan');
    return outTradeNo
      ? events.filter((event: { out_trade_no: string }) => event.out_trade_no === outTradeNo)
      : events;
  }

  /** The admin refunds an orphan payment (the button on Settings → Alipay); the answer. */
  refundOrphan(outTradeNo: string) {
    return ok(this.api, 'post', `/admin/alipay/orphans/${outTradeNo}/refund`, this.admin);
  }

  /** The admin refunds `amount` (CNY) of a payment; fails the test unless Medusa answers 2xx. */
  refund(paymentId: string, amount: number) {
    return ok(this.api, 'post', `/admin/payments/${paymentId}/refund`, this.admin, { amount });
  }

  /** The same refund, answered whatever the status (it may be refused). */
  tryRefund(paymentId: string, amount: number) {
    return call(this.api, 'post', `/admin/payments/${paymentId}/refund`, this.admin, { amount });
  }

  /** Fulfils `items` (default: all of them) from the shop's warehouse; returns the fulfillment's ID. */
  async fulfil(order: AdminOrder, items = wholeOrder(order)): Promise<string> {
    const fulfilled = await ok(
      this.api,
      'post',
      `/admin/orders/${order.id}/fulfillments?fields=*fulfillments`,
      this.admin,
      { items, location_id: this.shop.stockLocationId },
    );
    return fulfilled.order.fulfillments[0].id;
  }

  /** Fulfils the whole order and ships it with `trackingNumber`; returns the fulfillment's ID. */
  async ship(order: AdminOrder, trackingNumber: string): Promise<string> {
    const items = wholeOrder(order);
    const fulfillmentId = await this.fulfil(order, items);
    await ok(
      this.api,
      'post',
      `/admin/orders/${order.id}/fulfillments/${fulfillmentId}/shipments`,
      this.admin,
      {
        items,
        labels: [
          {
            tracking_number: trackingNumber,
            tracking_url: 'https://www.sf-express.com/',
            label_url: 'https://example.test/label.pdf',
          },
        ],
      },
    );
    return fulfillmentId;
  }

  /** The reconciliation job's run, without its minimum age (2 minutes) so that it does not wait. */
  reconcileNow() {
    return reconcileAlipayPayments(this.container, { minAgeMs: 0 });
  }

  /** The Alipay provider as the payment module builds it, to call its contract directly. */
  provider() {
    return alipayProvider(this.container, this.app.backendUrl);
  }

  /** A payment started through the provider's contract for a made-up session ID: 35.00 CNY. */
  async providerPayment(sessionId: string) {
    const provider = this.provider();
    const started = await provider.initiatePayment({
      amount: 35,
      currency_code: 'cny',
      data: { session_id: sessionId },
    });
    return { provider, data: started.data! };
  }

  // -----------------------------------------------------------------------------------------------
  // What the assertions read

  /**
   * Waits until every accepted notification has been applied: the plugin answers Alipay `success` as
   * soon as a payment notification is verified and stored, and applies the payment right after, so the
   * order appears a moment after the answer.
   */
  async acceptedPaymentsApplied(): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await this.db.raw(
          `select count(*)::int as n from alipay_notification_claim where state = 'processing' and outcome = 'accepted'`,
        );
        return rows[0].n === 0;
      },
      { what: 'the accepted payments to be applied', timeoutMs: 15_000 },
    );
  }

  /** The cart's order, once the accepted payments are applied; `undefined` without one. */
  async orderOf(prepared: PreparedCart): Promise<string | undefined> {
    await this.acceptedPaymentsApplied();
    const { rows } = await this.db.raw('select order_id from order_cart where cart_id = ?', [
      prepared.cartId,
    ]);
    return rows[0]?.order_id;
  }

  /** The payment of a session, once the accepted payments are applied. */
  async paymentOf(sessionId: string): Promise<PaymentRow> {
    await this.acceptedPaymentsApplied();
    const { rows } = await this.db.raw(
      'select id, amount, captured_at, canceled_at, data from payment where payment_session_id = ?',
      [sessionId],
    );
    return rows[0];
  }

  /**
   * The session's payment once it is `captured` (e.g. the buyer confirmed receipt of an escrow trade)
   * or `canceled` (Alipay closed the trade).
   */
  awaitPayment(sessionId: string, state: 'captured' | 'canceled'): Promise<PaymentRow> {
    return eventually(
      async () => {
        const row = await this.paymentOf(sessionId);
        return row?.[`${state}_at`] ? row : null;
      },
      { what: `the payment to be ${state}` },
    );
  }

  /** The cart's orders, the session's payments and the session, once the accepted payments are applied. */
  async checkoutRows(prepared: PreparedCart, sessionId: string) {
    await this.acceptedPaymentsApplied();
    const { db } = this;
    const orders = (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId]))
      .rows;
    const payments = (
      await db.raw('select id, amount, captured_at, data from payment where payment_session_id = ?', [
        sessionId,
      ])
    ).rows as PaymentRow[];
    const session = (await db.raw('select status, amount from payment_session where id = ?', [sessionId]))
      .rows[0];
    return { orders, payments, session };
  }

  /** The plugin's refund book for a trade, oldest first. */
  async refundRows(outTradeNo: string): Promise<RefundRow[]> {
    const { rows } = await this.db.raw(
      `select status, origin, generation, amount, request_no, in_flight_key, medusa_refund_id, error
       from alipay_refund where out_trade_no = ? order by created_at`,
      [outTradeNo],
    );
    return rows;
  }

  /** The journal's lines about legacy refund results (`batch_refund_notify`), one per batch. */
  async refundBatchResults(): Promise<Array<{ level: string }>> {
    const { rows } = await this.db.raw(
      `select level from alipay_event where kind = 'refund' and message like 'Refund batch%'`,
    );
    return rows;
  }

  /** What the refund book holds as settled for a trade, in fen. */
  async succeededFen(outTradeNo: string): Promise<number> {
    return sumFen((await this.refundRows(outTradeNo)).filter(row => row.status === 'succeeded'));
  }

  /** What Medusa keeps as refunded on a payment, in fen (its `refund` rows). */
  async medusaRefundedFen(paymentId: string): Promise<number> {
    const { rows } = await this.db.raw(
      'select amount from refund where payment_id = ? and deleted_at is null',
      [paymentId],
    );
    return sumFen(rows);
  }

  /** What the sandbox (Alipay) moved back to the buyer for a trade, in fen. */
  async alipayRefundedFen(tradeNo: string): Promise<number> {
    return Number((await this.control.trade(tradeNo)).refundedFen);
  }
}

/** Every item of the order in its full quantity, as fulfilment and shipment requests list them. */
function wholeOrder(order: AdminOrder): Array<{ id: string; quantity: number }> {
  return order.items.map(item => ({ id: item.id, quantity: item.quantity }));
}

function sumFen(rows: Array<{ amount: string }>): number {
  return rows.reduce((sum, row) => sum + Math.round(Number(row.amount) * 100), 0);
}
