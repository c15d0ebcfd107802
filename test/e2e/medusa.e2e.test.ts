/**
 * The Medusa example shop in a real browser: the storefront, the sandbox cashier and buyer pages, and
 * Medusa's admin dashboard (with the plugin's Settings → Alipay page and order widget), with the shop
 * started exactly as `pnpm demo:medusa` starts it (fresh data directory, free ports). Screenshots go to
 * artifacts/e2e/.
 *
 * The tests share one shop and run in order. The shop is seeded with the OpenAPI interface (page + wap
 * + QR); the refund uses the instant order of the first test; the settings form turns "always QR on
 * desktop" on for the device test; the escrow test switches to legacy escrow in the settings form, as a
 * merchant would, and ships in the admin.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demoAccounts from '../../examples/sandbox/demo-accounts.json';
import {
  desktopContext,
  eventually,
  freePort,
  launchBrowser,
  mobileContext,
  type RunningShop,
  type RunningStorefront,
  sandboxControl,
  screenshot,
  startDemoSandbox,
  startExampleShop,
  startStorefront,
} from './harness';

type Sandbox = Awaited<ReturnType<typeof startDemoSandbox>>;

interface AdminPayment {
  id: string;
  amount: number;
  provider_id: string;
  captured_at: string | null;
  data: { out_trade_no?: string; trade_no?: string; interface?: string } | null;
  refunds?: { id: string; amount: number; note?: string | null }[];
}
interface AdminOrder {
  id: string;
  display_id: number;
  payment_status: string;
  fulfillment_status: string;
  total: number;
  payment_collections: { payments: AdminPayment[] }[];
}
interface AlipayEvent {
  kind: string;
  cart_id: string | null;
  order_id: string | null;
  out_trade_no: string | null;
  message: string;
  details: Record<string, unknown> | null;
}
interface AlipayOrderView {
  trades: { out_trade_no: string; status: string; alipay_status: string }[];
  shipments: { carrier: string; tracking_number: string | null; status: string }[];
  refunds: { request_no: string; status: string; amount: string; medusa_refund_id: string | null }[];
  events: AlipayEvent[];
}
interface MaskedSettings {
  interfaceType: string;
  gateway: string;
  partnerId: string | null;
  alwaysQrOnDesktop: boolean;
  hasAppPrivateKey: boolean;
  appPrivateKeyHint: string | null;
  [field: string]: unknown;
}
interface SandboxTrade {
  tradeNo: string;
  outTradeNo: string;
  status: string;
  service: string;
  refundedAmount: string;
  refunds?: { outRequestNo?: string; amount: string }[];
  shipment?: { logisticsName?: string; invoiceNo?: string } | null;
  history: { status: string; event: string }[];
}
interface Delivery {
  outcome: string;
  answer: string;
  params: Record<string, string>;
}
/** A Store API request the storefront sent, as the test's recording fetch saw it. */
interface StoreRequest {
  at: number;
  method: string;
  path: string;
}

/** Medusa's Admin API as the seeded admin (a bearer token from the emailpass login). */
class MedusaAdminApi {
  private token = '';
  constructor(private readonly url: string) {}

  async login(email: string, password: string): Promise<void> {
    const response = await fetch(`${this.url}/auth/user/emailpass`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    this.token = ((await response.json()) as { token?: string }).token ?? '';
    expect(this.token, 'admin login').not.toBe('');
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async order(id: string): Promise<AdminOrder> {
    const fields =
      'id,display_id,payment_status,fulfillment_status,total,' +
      '*payment_collections.payments,*payment_collections.payments.refunds';
    return (await this.get<{ order: AdminOrder }>(`/admin/orders/${id}?fields=${fields}`)).order;
  }

  /** What the order widget shows: the order's verified trades, shipment confirmations and journal. */
  alipayOrder(id: string): Promise<AlipayOrderView> {
    return this.get<AlipayOrderView>(`/admin/alipay/orders/${id}`);
  }

  async settings(): Promise<MaskedSettings> {
    return (await this.get<{ global: MaskedSettings }>('/admin/alipay/settings')).global;
  }

  /**
   * The journal entry of the verified notification that completed the cart into an order: written by
   * the plugin's notify route only when processing that notification created the order itself
   * (`orderCreated`), which it does not when the cart was completed before (e.g. by a storefront sync).
   */
  async orderCreatedByNotification(cartId: string): Promise<AlipayEvent> {
    return eventually(async () => {
      const { events } = await this.get<{ events: AlipayEvent[] }>(
        '/admin/alipay/events?kind=notification&limit=200',
      );
      return events.find(e => e.cart_id === cartId && e.details?.orderCreated === true);
    }, `the notification that created the order of ${cartId}`);
  }
}

const paymentsOf = (order: AdminOrder) => order.payment_collections.flatMap(c => c.payments);

describe('Medusa example shop in the browser', () => {
  let sandbox: Sandbox;
  let shop: RunningShop;
  let storefront: RunningStorefront;
  let browser: Browser;
  let desktop: BrowserContext;
  let adminPage: Page | undefined;
  const admin = { api: undefined as unknown as MedusaAdminApi };
  /** Every Store API request the storefront sent, in order. */
  const storeRequests: StoreRequest[] = [];
  /** The order paid instantly in the first test; refunded later from the admin. */
  const instant = { orderId: '', paymentId: '', outTradeNo: '' };
  const [merchantA] = demoAccounts.merchants;
  const [demoApp] = demoAccounts.apps;

  beforeAll(async () => {
    sandbox = await startDemoSandbox();
    const storefrontPort = await freePort();
    shop = await startExampleShop('medusa', {
      sandboxUrl: sandbox.url,
      storefrontUrl: `http://localhost:${storefrontPort}`,
    });
    const recordingFetch: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      storeRequests.push({ at: Date.now(), method: init?.method ?? 'GET', path: url.pathname });
      return fetch(input, init);
    };
    storefront = await startStorefront('medusa', shop, storefrontPort, {
      shopFetch: recordingFetch,
      // The order pages wait for Alipay's notification; the storefront's fallback sync (complete on the
      // unpaid cart, 5 s by default) would, on a slow machine, overtake a late notification and make
      // "the notification created the order" a matter of timing.
      syncAfterMs: 15_000,
    });
    browser = await launchBrowser();
    desktop = await desktopContext(browser);
    admin.api = new MedusaAdminApi(shop.url);
    await admin.api.login(shop.adminUser, shop.adminPassword);
  });

  afterAll(async () => {
    await browser?.close();
    await storefront?.close();
    await shop?.stop();
    await sandbox?.close();
  });

  /** Storefront: one product into the cart, then "Pay with Alipay" (one Alipay method: no choice). */
  async function checkout(page: Page, productId: string): Promise<void> {
    await page.goto(storefront.url);
    await page.click(`[data-testid="add-${productId}"]`);
    await page.waitForURL(`${storefront.url}/cart`);
    await page.click('[data-testid="pay-with-alipay"]');
  }

  /** On the sandbox cashier: pays as the test buyer and follows Alipay back to the storefront. */
  async function payAtCashier(page: Page): Promise<string> {
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    await page.click('#pay');
    await page.waitForURL(`${storefront.url}/order/**`);
    return (await page.textContent('[data-testid="order-code"]')) ?? '';
  }

  async function sandboxTrade(outTradeNo: string): Promise<SandboxTrade> {
    const { trade } = await sandboxControl<{ trade: SandboxTrade }>(
      sandbox.url,
      'GET',
      `trades/${encodeURIComponent(outTradeNo)}`,
    );
    return trade;
  }

  /** Logs in to Medusa's admin dashboard once; the page is reused by the admin tests. */
  async function adminUi(): Promise<Page> {
    if (adminPage) return adminPage;
    const page = await desktop.newPage();
    await page.goto(`${shop.adminUrl}/login`);
    await page.fill('input[name="email"]', shop.adminUser);
    await page.fill('input[name="password"]', shop.adminPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL(url => !url.pathname.includes('/login'), { timeout: 30_000 });
    adminPage = page;
    return page;
  }

  /** Settings → Alipay: waits for the toast of a successful save. */
  async function saveSettingsForm(ui: Page): Promise<void> {
    await ui.getByRole('button', { name: 'Save / 保存' }).first().click();
    await ui.getByText('Alipay settings saved / 支付宝设置已保存').waitFor();
  }

  it('instant payment (OpenAPI page): product → cart → cashier → the notification creates the paid order', async () => {
    const page = await desktop.newPage();
    await checkout(page, 'TEA-SET-01');
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    await page.waitForSelector('#pay');
    await screenshot(page, 'medusa-cashier');
    const navigations: string[] = [];
    page.on('request', request => {
      if (request.isNavigationRequest()) navigations.push(request.url());
    });
    const code = await payAtCashier(page);
    expect(code).toMatch(/^cart_/);
    // Back from Alipay through the plugin's return route, which named no cart, session or order (issue 15).
    const returned = navigations.filter(url => url.includes('/hooks/alipay/return/'));
    expect(returned.length).toBeGreaterThan(0);
    const landing = navigations.filter(url => url.startsWith(`${storefront.url}/order/return`));
    expect(landing.length).toBeGreaterThan(0);
    for (const url of landing) expect(url).not.toMatch(/cart_|payses_|order_|pay_col_/);
    // The order page refreshes every 2 s until Alipay's notification has completed the cart.
    await page.waitForSelector('.status.paid', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="order-status"]')).toContain('已支付 Paid');
    await screenshot(page, 'medusa-order-paid');

    // The plugin journals which event created the order: here Alipay's verified notification.
    const created = await admin.api.orderCreatedByNotification(code);
    expect(created.details).toMatchObject({ source: 'notify', alipayStatus: 'TRADE_SUCCESS' });
    const order = await admin.api.order(String(created.order_id));
    expect(order.payment_status).toBe('captured');
    const [payment, ...others] = paymentsOf(order);
    expect(others).toEqual([]);
    expect(payment).toMatchObject({ provider_id: 'pp_alipay_alipay', amount: 298 });
    expect(payment?.captured_at).toBeTruthy();
    expect(payment?.data?.interface).toBe('alipay.trade.page.pay');
    const outTradeNo = String(payment?.data?.out_trade_no);
    Object.assign(instant, { orderId: order.id, paymentId: payment?.id, outTradeNo });

    const { deliveries } = await sandboxControl<{ deliveries: Delivery[] }>(
      sandbox.url,
      'GET',
      `deliveries?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    expect(deliveries.map(d => [d.params.trade_status, d.answer])).toContainEqual([
      'TRADE_SUCCESS',
      'success',
    ]);
    expect((await sandboxTrade(outTradeNo)).status).toBe('TRADE_SUCCESS');

    // And the storefront did not complete the cart itself: its first `complete` call for this cart
    // (which only fetches the order the notification made) was sent after Medusa completed the cart.
    const cartResponse = await fetch(`${shop.url}/store/carts/${code}?fields=id,completed_at`, {
      headers: { 'x-publishable-api-key': shop.publishableKey ?? '' },
    });
    const { cart } = (await cartResponse.json()) as { cart: { completed_at: string | null } };
    expect(cart.completed_at).toBeTruthy();
    const completes = storeRequests.filter(
      r => r.method === 'POST' && r.path === `/store/carts/${code}/complete`,
    );
    expect(completes.length).toBeGreaterThan(0);
    expect(completes[0]?.at).toBeGreaterThanOrEqual(Date.parse(String(cart.completed_at)));

    // The provider's return route redirects with a status only (issue 15): the storefront finds the
    // order through its own session cookie, and a browser without it gets a page that shows no order.
    await page.goto(`${storefront.url}/order/return?status=paid`);
    await page.waitForURL(`${storefront.url}/order/${code}`);
    const stranger = await fetch(`${storefront.url}/order/return?status=paid`, { redirect: 'manual' });
    expect(stranger.status).toBe(200);
    const strangerPage = await stranger.text();
    expect(strangerPage).toContain('data-testid="payment-received"');
    expect(strangerPage).not.toContain(code);
    expect(strangerPage).not.toContain('¥');
    await page.waitForSelector('.status.paid');
    await page.close();
  });

  it('a refund from the admin: Payments → Refund → Alipay refunds the trade, Medusa records it', async () => {
    const ui = await adminUi();
    await ui.goto(`${shop.adminUrl}/orders/${instant.orderId}`);
    // The payment's menu (the row shows the last 7 characters of its ID).
    const paymentRow = ui
      .getByText(`#${instant.paymentId.slice(-7).toUpperCase()}`)
      .locator('xpath=ancestor::div[contains(@class,"grid")][1]');
    await paymentRow.locator('button[aria-haspopup="menu"]').click();
    await ui.getByRole('menuitem', { name: 'Refund' }).click();
    const drawer = ui.getByRole('dialog');
    // Refund the tea set (¥288.00), not the shipping (¥10.00).
    await drawer.locator('input[name="amount"]').fill('288');
    await drawer.locator('textarea[name="note"]').fill('买家不想要了 Customer changed mind');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await ui.getByText(/Refund of amount .*288\.00 successful/).waitFor();

    const order = await eventually(async () => {
      const current = await admin.api.order(instant.orderId);
      return current.payment_status === 'partially_refunded' && current;
    }, 'Medusa to record the refund');
    expect(paymentsOf(order)[0]?.refunds?.map(r => r.amount)).toEqual([288]);
    const trade = await sandboxTrade(instant.outTradeNo);
    expect(trade.refundedAmount).toBe('288.00');
    // Alipay knows the refund by the number in the plugin's refund ledger (its idempotency key), and
    // the ledger row is settled and linked to the Medusa refund.
    const { events, refunds } = await admin.api.alipayOrder(instant.orderId);
    expect(refunds).toMatchObject([{ status: 'succeeded', amount: '288.00' }]);
    expect(refunds[0]?.medusa_refund_id).toBe(paymentsOf(order)[0]?.refunds?.[0]?.id);
    expect(trade.refunds?.map(r => r.outRequestNo)).toEqual([refunds[0]?.request_no]);
    expect(events.some(e => e.kind === 'refund' && e.message.includes('288.00'))).toBe(true);

    await ui.reload();
    await ui.getByText('Partially refunded').first().waitFor();
    await screenshot(ui, 'medusa-admin-refund');
  });

  it('the Alipay settings form: a change is saved and reloaded, the secret stays masked and working', async () => {
    const ui = await adminUi();
    await ui.setViewportSize({ width: 1400, height: 1700 });
    await ui.goto(`${shop.adminUrl}/settings/alipay`);
    const privateKey = ui.locator('#alipay-app-private-key');
    const qrSwitch = ui.locator('#alipay-always-qr');
    await privateKey.waitFor();
    const before = await admin.api.settings();
    expect(before.interfaceType).toBe('openapi-page-wap-qr');
    expect(before.hasAppPrivateKey).toBe(true);
    expect(before.appPrivateKeyHint).toMatch(/^••••/);
    expect(before).not.toHaveProperty('appPrivateKey');
    // Write-only: the field is empty, only the hint is shown, the key is nowhere in the page.
    const keyLine = demoApp?.privateKey.split('\n')[5] ?? '';
    expect(keyLine.length).toBeGreaterThan(20);
    const expectMasked = async () => {
      expect(await privateKey.inputValue()).toBe('');
      expect(await privateKey.getAttribute('placeholder')).toBe(before.appPrivateKeyHint);
      await ui.getByText(`Stored: ${before.appPrivateKeyHint}`).waitFor();
      expect(await ui.content()).not.toContain(keyLine);
    };
    await expectMasked();
    expect(await qrSwitch.getAttribute('aria-checked')).toBe('false');

    await qrSwitch.click();
    await saveSettingsForm(ui);
    const saved = await eventually(async () => {
      const current = await admin.api.settings();
      return current.alwaysQrOnDesktop === true && current;
    }, 'the saved settings');
    expect(saved).toMatchObject({
      interfaceType: 'openapi-page-wap-qr',
      gateway: sandbox.openapiGateway,
      hasAppPrivateKey: true,
      appPrivateKeyHint: before.appPrivateKeyHint,
    });

    await ui.reload();
    await qrSwitch.waitFor();
    expect(await qrSwitch.getAttribute('aria-checked')).toBe('true');
    await expectMasked();
    await screenshot(ui, 'medusa-admin-settings');
    await ui.setViewportSize({ width: 1400, height: 1000 });
  });

  it('a phone gets the mobile website payment (wap); a desktop gets the QR page, paid by scanning', async () => {
    const phone = await mobileContext(browser);
    const mobilePage = await phone.newPage();
    const gatewayMethods: string[] = [];
    mobilePage.on('request', request => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/openapi/gateway.do'))
        gatewayMethods.push(url.searchParams.get('method') ?? '');
    });
    await checkout(mobilePage, 'EBOOK-ALIPAY');
    await mobilePage.waitForURL(`${sandbox.url}/cashier/**`);
    await mobilePage.waitForSelector('#pay');
    expect(gatewayMethods).toEqual(['alipay.trade.wap.pay']);
    expect(storefront.log.some(line => /answered redirect for a mobile buyer/.test(line))).toBe(true);
    await screenshot(mobilePage, 'medusa-wap-cashier');
    await phone.close();

    // "Always QR on desktop" (saved in the previous test): the desktop buyer gets a QR code.
    const page = await desktop.newPage();
    await checkout(page, 'COURSE-PAY-01');
    await page.waitForURL(/\/order\/[^/]+\/qr$/);
    await page.waitForSelector('[data-testid="qr-image"] svg');
    await screenshot(page, 'medusa-qr');
    const qrPage = page.url();
    const code = qrPage.split('/order/')[1]?.split('/')[0] ?? '';
    // "Scanning" the code opens the cashier (the sandbox's stand-in for the Alipay app).
    await page.click('[data-testid="qr-link"]');
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    await page.click('#pay');
    await page.goto(qrPage);
    // The QR page polls the order and moves on to the order page once it is paid.
    await page.waitForURL(`${storefront.url}/order/${code}`, { timeout: 20_000 });
    await page.waitForSelector('.status.paid', { timeout: 20_000 });
    const created = await admin.api.orderCreatedByNotification(code);
    const order = await admin.api.order(String(created.order_id));
    expect(order.payment_status).toBe('captured');
    // Signed with the stored app key after the masked form was saved: the secret survived.
    expect(paymentsOf(order).map(p => p.data?.interface)).toEqual(['alipay.trade.precreate']);
    await page.close();
  });

  it('escrow (担保交易): switched in Settings → Alipay, paid into escrow, shipped in the admin, receipt confirmed → captured', async () => {
    // The merchant switches to the legacy escrow contract (merchant A's credentials are stored).
    const ui = await adminUi();
    await ui.goto(`${shop.adminUrl}/settings/alipay`);
    await ui.click('#alipay-interface-type');
    await ui.getByRole('option', { name: /create_partner_trade_by_buyer/ }).click();
    await ui.fill('#alipay-gateway-url', sandbox.legacyGateway);
    expect(await ui.inputValue('#alipay-partner-id')).toBe(merchantA?.partner);
    await saveSettingsForm(ui);
    await eventually(async () => {
      const current = await admin.api.settings();
      return current.interfaceType === 'legacy-escrow' && current.gateway === sandbox.legacyGateway;
    }, 'the escrow settings');

    const page = await desktop.newPage();
    await checkout(page, 'SCARF-RED');
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    expect(await page.textContent('body')).toContain('担保交易');
    const code = await payAtCashier(page);
    await page.waitForSelector('.status.paid', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="order-status"]')).toContain('escrow');
    await screenshot(page, 'medusa-order-escrow');
    const created = await admin.api.orderCreatedByNotification(code);
    expect(created.details).toMatchObject({ source: 'notify', alipayStatus: 'WAIT_SELLER_SEND_GOODS' });
    const orderId = String(created.order_id);
    let order = await admin.api.order(orderId);
    expect(order.payment_status).toBe('authorized');
    const [payment] = paymentsOf(order);
    expect(payment?.captured_at).toBeNull();
    expect(payment?.data?.interface).toBe('create_partner_trade_by_buyer');
    const outTradeNo = String(payment?.data?.out_trade_no);
    expect((await sandboxTrade(outTradeNo)).status).toBe('WAIT_SELLER_SEND_GOODS');

    // The merchant ships in Medusa's admin: Fulfill items, then Mark as shipped with a tracking number.
    await ui.goto(`${shop.adminUrl}/orders/${orderId}`);
    await ui
      .getByText('Unfulfilled Items', { exact: true })
      .locator('xpath=..')
      .locator('button[aria-haspopup="menu"]')
      .click();
    await ui.getByRole('menuitem', { name: 'Fulfill items' }).click();
    await ui.getByRole('button', { name: 'Create Fulfillment' }).click();
    await ui.getByRole('button', { name: /^Mark as shipped$/i }).click();
    await ui.getByRole('button', { name: 'Add tracking number' }).click();
    await ui.locator('input[name="labels.0.tracking_number"]').fill('SF1234567890');
    await ui.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await ui.getByRole('button', { name: /^Mark as delivered$/i }).waitFor();

    // The plugin's subscriber confirms the shipment to Alipay (send_goods_confirm_by_platform).
    const shipped = await eventually(async () => {
      const trade = await sandboxTrade(outTradeNo);
      return trade.status === 'WAIT_BUYER_CONFIRM_GOODS' && trade;
    }, 'the shipment confirmation on the sandbox');
    expect(shipped.shipment?.invoiceNo).toBe('SF1234567890');
    expect(shipped.history.map(h => h.event)).toContain('seller-sent-goods');
    const widget = await eventually(async () => {
      const view = await admin.api.alipayOrder(orderId);
      return view.shipments[0]?.status === 'confirmed' && view;
    }, 'the confirmed shipment in the order widget');
    expect(widget.shipments[0]?.tracking_number).toBe('SF1234567890');
    order = await admin.api.order(orderId);
    expect(order).toMatchObject({ payment_status: 'authorized', fulfillment_status: 'shipped' });
    // …and the order page's Alipay widget shows it.
    await ui.reload();
    const panel = ui.getByTestId('alipay-order-panel');
    await panel.getByText(/Shipment confirmation .*SF1234567890/).waitFor();
    expect(await panel.textContent()).toContain('confirmed');
    expect(await panel.textContent()).toContain('WAIT_BUYER_CONFIRM_GOODS');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(ui, 'medusa-admin-escrow-shipped');

    // The buyer confirms receipt on the sandbox's buyer page; Alipay releases the money.
    await page.goto(`${sandbox.url}/buyer/trades/${shipped.tradeNo}`);
    await page.click('#confirm-receipt');
    await eventually(
      async () => (await sandboxTrade(outTradeNo)).status === 'TRADE_FINISHED',
      'TRADE_FINISHED',
    );
    order = await eventually(async () => {
      const current = await admin.api.order(orderId);
      return current.payment_status === 'captured' && current;
    }, 'the escrow payment to be captured');
    expect(paymentsOf(order)[0]?.captured_at).toBeTruthy();
    await page.goto(`${storefront.url}/order/${code}`);
    await page.waitForSelector('.status.paid');
    expect(await page.textContent('[data-testid="order-status"]')).toContain('已支付 Paid');
    await page.close();
  });
});
