/**
 * The Vendure example shop in a real browser: the storefront, the sandbox cashier and buyer pages, and
 * the Vendure Dashboard (`@vendure/dashboard` with the Alipay plugin's extension), with the shop started
 * exactly as `pnpm demo` starts it (fresh data directory, free ports). Screenshots go to artifacts/e2e/.
 *
 * The tests share one shop and run in order: the refund and the settings tests use the orders and
 * the admin session of the earlier ones.
 */
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
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

interface AdminRefund {
  id: string;
  state: string;
  total: number;
  transactionId: string | null;
  metadata: Record<string, unknown>;
}
interface AdminPayment {
  id: string;
  state: string;
  method: string;
  amount: number;
  transactionId: string;
  metadata: Record<string, unknown>;
  refunds: AdminRefund[];
}
interface AdminOrder {
  id: string;
  code: string;
  state: string;
  totalWithTax: number;
  payments: AdminPayment[];
  fulfillments: { id: string; state: string; method: string; trackingCode: string }[];
}
interface SandboxTrade {
  tradeNo: string;
  outTradeNo: string;
  status: string;
  refundedAmount: string;
  shipment?: { logisticsName?: string; invoiceNo?: string } | null;
}
interface Delivery {
  outcome: string;
  answer: string;
  params: Record<string, string>;
}

/** The Vendure Admin API as the superadmin (a bearer token from `login`). */
class AdminApi {
  private token = '';
  constructor(private readonly url: string) {}

  async login(username: string, password: string): Promise<void> {
    const response = await fetch(`${this.url}/admin-api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }`,
        variables: { u: username, p: password },
      }),
    });
    this.token = response.headers.get('vendure-auth-token') ?? '';
    expect(this.token, 'admin login').not.toBe('');
  }

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.url}/admin-api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map(e => e.message).join('; '));
    return body.data as T;
  }

  async order(code: string): Promise<AdminOrder> {
    const { orders } = await this.query<{ orders: { items: AdminOrder[] } }>(
      `query ($code: String!) {
        orders(options: { filter: { code: { eq: $code } } }) {
          items {
            id code state totalWithTax
            payments { id state method amount transactionId metadata
              refunds { id state total transactionId metadata } }
            fulfillments { id state method trackingCode }
          }
        }
      }`,
      { code },
    );
    const [order] = orders.items;
    if (!order) throw new Error(`no order ${code}`);
    return order;
  }

  async paymentMethodId(code: string): Promise<string> {
    const { paymentMethods } = await this.query<{
      paymentMethods: { items: { id: string; code: string }[] };
    }>(`{ paymentMethods(options: { take: 50 }) { items { id code } } }`);
    const method = paymentMethods.items.find(m => m.code === code);
    if (!method) throw new Error(`no payment method ${code}`);
    return method.id;
  }
}

describe('Vendure example shop in the browser', () => {
  let sandbox: Sandbox;
  let shop: RunningShop;
  let storefront: RunningStorefront;
  let browser: Browser;
  let desktop: BrowserContext;
  let adminPage: Page;
  const admin = { api: undefined as unknown as AdminApi };
  /** The order paid instantly in the first test; refunded later from the admin. */
  let instantOrderCode = '';
  const [merchantA] = demoAccounts.merchants;

  beforeAll(async () => {
    sandbox = await startDemoSandbox();
    const storefrontPort = await freePort();
    shop = await startExampleShop('vendure', {
      sandboxUrl: sandbox.url,
      storefrontUrl: `http://localhost:${storefrontPort}`,
    });
    storefront = await startStorefront('vendure', shop, storefrontPort);
    browser = await launchBrowser();
    desktop = await desktopContext(browser);
    admin.api = new AdminApi(shop.url);
    await admin.api.login(shop.adminUser, shop.adminPassword);
  });

  afterAll(async () => {
    await browser?.close();
    await storefront?.close();
    await shop?.stop();
    await sandbox?.close();
  });

  /** Storefront: one product into the cart, the Alipay method chosen, "Pay with Alipay". */
  async function checkout(page: Page, productId: string, paymentMethodCode: string): Promise<void> {
    await page.goto(storefront.url);
    await page.click(`[data-testid="add-${productId}"]`);
    await page.waitForURL(`${storefront.url}/cart`);
    await page.check(`[data-testid="payment-method-${paymentMethodCode}"]`);
    await page.click('[data-testid="pay-with-alipay"]');
  }

  /**
   * On the sandbox cashier: pays as the test buyer and follows Alipay back to the storefront, checking
   * that the way back names no order (issue 15 item 2): the plugin's return route sends the browser to
   * the storefront's `/order/return?status=…`, which finds the order through this browser's own session
   * and shows it. Returns the order code and the signed return URL Alipay sent the browser to.
   */
  async function payAtCashier(page: Page): Promise<{ code: string; signedReturnUrl: string }> {
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    const navigations: string[] = [];
    const record = (request: Request) => {
      if (request.isNavigationRequest()) navigations.push(request.url());
    };
    page.on('request', record);
    await page.click('#pay');
    await page.waitForURL(`${storefront.url}/order/**`);
    await page.waitForSelector('[data-testid="order-code"]');
    page.off('request', record);
    const code = (await page.textContent('[data-testid="order-code"]')) ?? '';
    const signed = navigations.filter(url => url.includes('/payments/alipay/return/'));
    expect(signed).toHaveLength(1);
    const signedReturnUrl = signed[0] as string;
    const outTradeNo = new URL(signedReturnUrl).searchParams.get('out_trade_no') ?? '';
    expect(outTradeNo).not.toBe('');
    // The first storefront page after the return route: a status, nothing that names the order.
    const landing = navigations.find(url => url.startsWith(`${storefront.url}/`)) ?? '';
    expect(landing.slice(storefront.url.length)).toMatch(/^\/order\/return\?status=(paid|authorized)$/);
    expect(landing).not.toContain(code);
    expect(landing).not.toContain(outTradeNo);
    expect(page.url()).toBe(`${storefront.url}/order/${code}`);
    return { code, signedReturnUrl };
  }

  async function sandboxTrade(outTradeNo: string): Promise<SandboxTrade> {
    const { trade } = await sandboxControl<{ trade: SandboxTrade }>(
      sandbox.url,
      'GET',
      `trades/${encodeURIComponent(outTradeNo)}`,
    );
    return trade;
  }

  /** Logs in to the Vendure Dashboard once; the page is reused by the admin tests. */
  async function adminUi(): Promise<Page> {
    if (adminPage) return adminPage;
    adminPage = await desktop.newPage();
    await adminPage.setViewportSize({ width: 1400, height: 1500 });
    await adminPage.goto(`${shop.adminUrl}/`);
    await adminPage.fill('input[name="username"]', shop.adminUser);
    await adminPage.fill('input[name="password"]', shop.adminPassword);
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.waitForURL(url => !url.pathname.includes('/login'), { timeout: 30_000 });
    return adminPage;
  }

  /** The Alipay panel of an order page in the Dashboard, once it shows the order's trade. */
  async function alipayPanel(ui: Page, orderId: string) {
    await ui.goto(`${shop.adminUrl}/orders/${orderId}`);
    const panel = ui.getByTestId('alipay-order-panel');
    await panel.getByTestId('alipay-trade-no').first().waitFor({ timeout: 30_000 });
    return panel;
  }

  it('instant payment (即时到账): product → cart → cashier → the notification makes the order paid', async () => {
    const page = await desktop.newPage();
    await checkout(page, 'TEA-SET-01', 'alipay-instant');
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    await page.waitForSelector('#pay');
    await screenshot(page, 'vendure-cashier');
    const { code, signedReturnUrl } = await payAtCashier(page);
    instantOrderCode = code;
    // The order page refreshes every 2 s; it asks the shop to query Alipay only after 5 s.
    await page.waitForSelector('.status.paid', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="order-status"]')).toContain('Paid');
    await screenshot(page, 'vendure-order-paid');

    // Issue 15 item 2: someone else who paid through a "pay for me" link follows the same signed return
    // in their own browser. They see that the payment was received, and nothing of the buyer's order.
    const stranger = await desktopContext(browser);
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(signedReturnUrl);
    await strangerPage.waitForSelector('[data-testid="payment-received"]');
    expect(strangerPage.url()).toBe(`${storefront.url}/order/return?status=paid`);
    expect(await strangerPage.textContent('[data-testid="payment-received"]')).toContain('已收到付款');
    expect(await strangerPage.$('[data-testid="order-code"]')).toBeNull();
    const seen = await strangerPage.content();
    // The storefront's test buyer (examples/storefront TEST_CUSTOMER), and any amount.
    for (const secret of [code, 'buyer@example.com', '13800138000', 'Zhang San', '¥']) {
      expect(seen).not.toContain(secret);
    }
    // Nor does the storefront show the order by its code to a browser that did not check it out
    // (Vendure's orderByCode would show a guest order to anyone holding the code).
    const byCode = await strangerPage.goto(`${storefront.url}/order/${code}`);
    expect(byCode?.status()).toBe(404);
    expect(await strangerPage.content()).not.toContain(code);
    await stranger.close();

    const order = await admin.api.order(instantOrderCode);
    expect(order.state).toBe('PaymentSettled');
    expect(order.payments).toHaveLength(1);
    const [payment] = order.payments as [AdminPayment];
    expect(payment).toMatchObject({ state: 'Settled', method: 'alipay-instant', amount: order.totalWithTax });
    // Recorded from Alipay's verified notification, not from the buyer's return nor a status query.
    expect(payment.metadata.source).toBe('notify');
    const outTradeNo = String(payment.metadata.outTradeNo);
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
    await page.close();
  });

  it('escrow (担保交易): paid into escrow → shipped in the Dashboard → the buyer confirms receipt → settled', async () => {
    const page = await desktop.newPage();
    await checkout(page, 'SCARF-RED', 'alipay-escrow');
    const { code } = await payAtCashier(page);
    await page.waitForSelector('.status.paid', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="order-status"]')).toContain('escrow');
    let order = await admin.api.order(code);
    expect(order.state).toBe('PaymentAuthorized');
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);
    const outTradeNo = String(order.payments[0]?.metadata.outTradeNo);
    expect((await sandboxTrade(outTradeNo)).status).toBe('WAIT_SELLER_SEND_GOODS');

    // The merchant ships in the Dashboard: Fulfill order, then the fulfillment to Shipped.
    const ui = await adminUi();
    await ui.goto(`${shop.adminUrl}/orders/${order.id}`);
    await ui.getByRole('button', { name: 'Fulfill order' }).click();
    const dialog = ui.getByRole('dialog');
    const details = dialog.locator('input:not([type="number"]):not([type="checkbox"]):not([type="hidden"])');
    await details.nth(0).fill('SF Express 顺丰速运');
    await details.nth(1).fill('SF1234567890');
    await dialog.getByRole('button', { name: 'Fulfill order' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The fulfillment's state menu (the one showing its tracking code) → Transition to Shipped.
    const fulfillment = ui
      .locator('div.rounded-md', { hasText: 'SF1234567890', has: ui.getByTestId('state-transition-trigger') })
      .last();
    await fulfillment.getByTestId('state-transition-trigger').click();
    await ui.getByRole('menuitem', { name: 'Transition to Shipped' }).click();
    await eventually(
      async () => (await admin.api.order(code)).state === 'Shipped',
      'the order to be shipped from the Dashboard',
    );

    // The plugin's job confirms the shipment to Alipay (send_goods_confirm_by_platform).
    const shipped = await eventually(async () => {
      const trade = await sandboxTrade(outTradeNo);
      return trade.status === 'WAIT_BUYER_CONFIRM_GOODS' && trade;
    }, 'the shipment confirmation on the sandbox');
    expect(shipped.shipment?.invoiceNo).toBe('SF1234567890');
    order = await admin.api.order(code);
    expect(order.state).toBe('Shipped');
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);

    // The order page's Alipay panel: Alipay's trade number, the escrow state, the shipment confirmed.
    const panel = await eventually(async () => {
      const current = await alipayPanel(ui, order.id);
      const text = (await current.textContent()) ?? '';
      return text.includes('WAIT_BUYER_CONFIRM_GOODS') && text.includes('confirmed to Alipay') && current;
    }, 'the Alipay panel to show the confirmed shipment');
    expect(await panel.getByTestId('alipay-trade-no').first().textContent()).toBe(shipped.tradeNo);
    expect(await panel.textContent()).toContain('Shipped, waiting for the buyer to confirm receipt');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(ui, 'vendure-admin-escrow-shipped');

    // The buyer confirms receipt on the sandbox's buyer page.
    await page.goto(`${sandbox.url}/buyer/trades/${shipped.tradeNo}`);
    await page.click('#confirm-receipt');
    await eventually(
      async () => (await sandboxTrade(outTradeNo)).status === 'TRADE_FINISHED',
      'TRADE_FINISHED',
    );
    order = await eventually(async () => {
      const current = await admin.api.order(code);
      return current.payments[0]?.state === 'Settled' && current;
    }, 'the escrow payment to settle');
    expect(order.state).toBe('Shipped');
    await page.goto(`${storefront.url}/order/${code}`);
    await page.waitForSelector('.status.paid');
    expect(await page.textContent('[data-testid="order-status"]')).toContain('已支付 Paid');
    await page.close();
  });

  it('a refund from the Dashboard: Pending (legacy batch) → batch_refund_notify → Settled; the sandbox trade is refunded', async () => {
    const before = await admin.api.order(instantOrderCode);
    const payment = before.payments[0] as AdminPayment;
    const ui = await adminUi();
    // The Alipay panel names the trade by Alipay's trade number (the payment's transaction ID).
    const panel = await alipayPanel(ui, before.id);
    expect(await panel.getByTestId('alipay-trade-no').first().textContent()).toBe(payment.transactionId);
    expect(await panel.textContent()).toContain('TRADE_SUCCESS');
    await ui.getByTestId('action-bar-dropdown-trigger').click();
    await ui.getByRole('menuitem', { name: 'Refund & Cancel' }).click();
    // Refund the one line (not the shipping): ¥288.00 of ¥298.00.
    const dialog = ui.getByRole('dialog');
    await dialog.locator('input[type="number"]').first().fill('1');
    await dialog.getByText('Select a reason...').click();
    await ui.getByRole('option', { name: 'Other' }).click();
    await dialog.getByPlaceholder('Enter custom reason...').fill('买家不想要了 Customer changed mind');
    const submit = dialog.getByRole('button', { name: /^Refund CN¥288\.00$/ });
    await submit.click();
    await dialog.waitFor({ state: 'detached' });

    const refund = await eventually(async () => {
      const order = await admin.api.order(instantOrderCode);
      return order.payments[0]?.refunds[0];
    }, 'the refund');
    expect(refund.total).toBe(28800);
    expect(refund.transactionId).toMatch(/^\d{8}\d+$/); // the legacy batch_no
    const settled = await eventually(async () => {
      const order = await admin.api.order(instantOrderCode);
      const current = order.payments[0]?.refunds[0];
      return current?.state === 'Settled' && current;
    }, 'batch_refund_notify to settle the refund');
    expect(settled.metadata).toMatchObject({ refundRequestNo: refund.transactionId });
    const trade = await sandboxTrade(String(payment.metadata.outTradeNo));
    expect(trade.refundedAmount).toBe('288.00');
    await ui.reload();
    await ui.getByText('Settled').first().waitFor();
    // The refund in the Alipay panel, by its batch number.
    const refunds = (await alipayPanel(ui, before.id)).getByTestId('alipay-refunds');
    await refunds.getByText('Refunded').waitFor();
    expect(await refunds.textContent()).toContain(String(refund.transactionId));
  });

  /** The Alipay settings shown by the Dashboard's payment method form, in form order. */
  async function shownSettings(ui: Page): Promise<string[]> {
    return ui
      .locator('[data-alipay-setting]')
      .evaluateAll(rows => rows.map(row => row.getAttribute('data-alipay-setting') ?? ''));
  }

  it('the Alipay settings form: a change is saved and reloaded, the secret stays masked and working', async () => {
    const ui = await adminUi();
    const methodId = await admin.api.paymentMethodId('alipay-escrow');
    await ui.goto(`${shop.adminUrl}/payment-methods/${methodId}`);
    const charset = ui.locator('#alipay-setting-charset');
    const key = ui.locator('#alipay-setting-key');
    await charset.waitFor();
    expect(await charset.locator('option:checked').textContent()).toContain('UTF-8');
    const maskedKey = await key.inputValue();
    expect(maskedKey).not.toBe(merchantA?.key);
    expect(maskedKey.startsWith('••••')).toBe(true);
    await charset.selectOption({ label: 'GBK' });
    await ui.getByRole('button', { name: 'Update' }).click();
    // Saved: the Admin API now answers the new value (and the key still masked).
    const savedArgs = await eventually(async () => {
      const { paymentMethod } = await admin.api.query<{
        paymentMethod: { handler: { args: { name: string; value: string }[] } };
      }>(`query ($id: ID!) { paymentMethod(id: $id) { handler { args { name value } } } }`, { id: methodId });
      const args = new Map(paymentMethod.handler.args.map(a => [a.name, a.value]));
      return args.get('charset') === 'gbk' && args;
    }, 'the saved settings');
    expect(savedArgs.get('key')).toBe(maskedKey);

    await ui.reload();
    await charset.waitFor();
    expect(await charset.locator('option:checked').textContent()).toContain('GBK');
    expect(await key.inputValue()).toBe(maskedKey);
    await screenshot(ui, 'vendure-admin-settings');

    // The stored key survived the save of the masked form: a GBK-signed escrow payment still opens.
    const page = await desktop.newPage();
    await checkout(page, 'LONGJING-250', 'alipay-escrow');
    await page.waitForURL(`${sandbox.url}/cashier/**`);
    await page.waitForSelector('#pay');
    expect(new URL(page.url()).pathname).toMatch(/^\/cashier\/\d+$/);
    await page.close();
  });

  it('the Alipay form groups the settings: a legacy interface type shows only legacy fields, an OpenAPI one only OpenAPI fields', async () => {
    const ui = await adminUi();
    const methodId = await admin.api.paymentMethodId('alipay-escrow');
    await ui.goto(`${shop.adminUrl}/payment-methods/${methodId}`);
    const interfaceType = ui.locator('#alipay-setting-interfaceType');
    await interfaceType.waitFor();
    const common = ['interfaceType', 'gateway', 'sellerId'];
    const legacy = ['partnerId', 'key', 'sellerEmail', 'charset', 'refundWithoutPassword'];
    const openapi = [
      'appId',
      'appPrivateKey',
      'alipayPublicKey',
      'appCertificate',
      'alipayCertificate',
      'alipayRootCertificate',
      'encryptKey',
      'appAuthToken',
      'alwaysQrOnDesktop',
    ];
    expect(await shownSettings(ui)).toEqual([...common, ...legacy]);
    // The select groups the interface types by generation.
    expect(
      await interfaceType.locator('optgroup').evaluateAll(groups => groups.map(g => g.getAttribute('label'))),
    ).toEqual(['Legacy interface (partner + MD5)', 'OpenAPI (app ID + RSA2)']);
    await interfaceType.selectOption('openapi-page-qr');
    expect(await shownSettings(ui)).toEqual([...common, ...openapi]);
    await screenshot(ui, 'vendure-admin-settings-openapi');
    await interfaceType.selectOption('legacy-dual');
    expect(await shownSettings(ui)).toEqual([...common, ...legacy]);
    // Switching back and forth kept the legacy values (hidden fields are not cleared).
    expect(await ui.locator('#alipay-setting-partnerId').inputValue()).toBe(merchantA?.partner);
    // Nothing saved: leave the page unchanged.
    await ui.reload();
    await interfaceType.waitFor();
    expect(await interfaceType.inputValue()).toBe('legacy-escrow');
  });

  it('with the Dashboard in 中文 the Alipay form and order panel are labelled in Chinese', async () => {
    const ui = await adminUi();
    // The user menu → Language → display language 简体中文 (the Dashboard keeps it per administrator).
    await ui.getByRole('button', { name: /Super Admin/ }).click();
    await ui.getByRole('menu').getByText('Language', { exact: true }).click();
    const languageDialog = ui.getByRole('dialog');
    await languageDialog.getByRole('combobox').first().click();
    await ui.getByRole('option', { name: /zh_Hans/i }).click();
    await ui.keyboard.press('Escape');
    await languageDialog.waitFor({ state: 'detached' });
    const methodId = await admin.api.paymentMethodId('alipay-escrow');
    await ui.goto(`${shop.adminUrl}/payment-methods/${methodId}`);
    await ui.locator('#alipay-setting-interfaceType').waitFor();
    const form = ui.getByTestId('alipay-settings-form');
    await form.getByText('旧版接口（合作者身份 + 安全校验码）').waitFor();
    const labels = await form.locator('label').allTextContents();
    expect(labels).toEqual(
      expect.arrayContaining(['接口类型', '网关', '合作者身份 (PID)', 'MD5 安全校验码', '字符集']),
    );
    expect(await ui.locator('#alipay-setting-interfaceType option:checked').textContent()).toBe(
      '旧版：担保交易',
    );
    await screenshot(ui, 'vendure-admin-settings-zh');

    const order = await admin.api.order(instantOrderCode);
    const panel = await alipayPanel(ui, order.id);
    expect(await panel.textContent()).toContain('支付宝交易号');
    await screenshot(ui, 'vendure-admin-order-panel-zh');
  });

  it('a phone gets the mobile website payment (wap); a desktop QR method gets the QR page, paid by scanning', async () => {
    const phone = await mobileContext(browser);
    const mobilePage = await phone.newPage();
    const gatewayMethods: string[] = [];
    mobilePage.on('request', request => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/openapi/gateway.do'))
        gatewayMethods.push(url.searchParams.get('method') ?? '');
    });
    await checkout(mobilePage, 'EBOOK-ALIPAY', 'alipay');
    await mobilePage.waitForURL(`${sandbox.url}/cashier/**`);
    expect(gatewayMethods).toEqual(['alipay.trade.wap.pay']);
    expect(storefront.log.some(line => /alipay answered redirect for a mobile buyer/.test(line))).toBe(true);
    await screenshot(mobilePage, 'vendure-wap-cashier');
    await phone.close();

    const page = await desktop.newPage();
    await checkout(page, 'COURSE-PAY-01', 'alipay-qr');
    await page.waitForURL(/\/order\/[^/]+\/qr$/);
    await page.waitForSelector('[data-testid="qr-image"] svg');
    await screenshot(page, 'vendure-qr');
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
    const order = await admin.api.order(code);
    expect(order.payments.map(p => [p.method, p.state])).toEqual([['alipay-qr', 'Settled']]);
    await page.close();
  });
});
