/**
 * {@link BrowserShop} for `examples/medusa-shop`: Medusa's Admin API (as the seeded admin) and the
 * plugin's admin routes to check what the merchant sees, and Medusa's admin dashboard (with the plugin's
 * Settings → Alipay page and order widget) to ship, refund and edit settings. The shop is seeded with the
 * OpenAPI interface (page + wap + QR), one Alipay method the storefront offers without a choice; the
 * settings scenario turns "always QR on desktop" on for the devices scenario, and the escrow scenario
 * switches to legacy escrow in the settings form (as a merchant would), so it runs last.
 *
 * The settings page is found by the core's labels (`SETTING_FIELDS`) and roles, not by its layout.
 */
import { INTERFACE_TYPE_LABELS, type SettingField, settingField } from '@alipay-commerce/core/settings';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser';
import {
  type AdminOrderRef,
  type BrowserRun,
  type BrowserShop,
  literally,
  type Shipment,
} from './browser-shop';
import { eventually } from './sandbox';

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
/** A Store API request the storefront sent, as the recording fetch saw it. */
interface StoreRequest {
  at: number;
  method: string;
  path: string;
}

const PROVIDER_ID = 'pp_alipay_alipay';
/** The Antom provider of the USD region. */
const ANTOM_PROVIDER_ID = 'pp_alipay_antom';

const paymentsOf = (order: AdminOrder) => order.payment_collections.flatMap(c => c.payments);

/**
 * The accessible name of a setting's control: the core's English label, without Alipay's term in
 * parentheses, followed by anything but more words (the Chinese label, Alipay's term), so that
 * "Alipay public key" does not also find "Alipay public key certificate".
 */
function labelled(field: SettingField): RegExp {
  const base = field.label.en.replace(/\s*\(.*\)$/, '');
  return new RegExp(`^${literally(base)}(?!\\s*[A-Za-z0-9])`);
}

/** The Medusa shop in the browser suite. */
export class MedusaBrowserShop implements BrowserShop {
  readonly name = 'medusa';
  readonly instantLabel = 'OpenAPI page';
  readonly returnRoute = '/hooks/alipay/return/';
  readonly scenarioOrder = ['instant', 'refund', 'settings', 'devices', 'antom', 'escrow'] as const;
  private token = '';
  private url = '';
  /** Every Store API request the storefront sent, in order. */
  private readonly storeRequests: StoreRequest[] = [];

  storefrontOptions() {
    const recordingFetch: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      this.storeRequests.push({ at: Date.now(), method: init?.method ?? 'GET', path: url.pathname });
      return fetch(input, init);
    };
    return {
      shopFetch: recordingFetch,
      // The order pages wait for Alipay's notification; the storefront's fallback sync (complete on the
      // unpaid cart, 5 s by default) would, on a slow machine, overtake a late notification and make
      // "the notification created the order" a matter of timing.
      syncAfterMs: 15_000,
    };
  }

  async connect(run: BrowserRun): Promise<void> {
    this.url = run.shop.url;
    const response = await fetch(`${this.url}/auth/user/emailpass`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: run.shop.adminUser, password: run.shop.adminPassword }),
    });
    this.token = ((await response.json()) as { token?: string }).token ?? '';
    expect(this.token, 'admin login').not.toBe('');
  }

  async loginAdminUi(page: Page, run: BrowserRun): Promise<void> {
    await page.goto(`${run.shop.adminUrl}/login`);
    await page.fill('input[name="email"]', run.shop.adminUser);
    await page.fill('input[name="password"]', run.shop.adminPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL(url => !url.pathname.includes('/login'), { timeout: 30_000 });
  }

  paymentMethod(): undefined {
    return undefined;
  }

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  private async order(id: string): Promise<AdminOrder> {
    const fields =
      'id,display_id,payment_status,fulfillment_status,total,' +
      '*payment_collections.payments,*payment_collections.payments.refunds';
    return (await this.get<{ order: AdminOrder }>(`/admin/orders/${id}?fields=${fields}`)).order;
  }

  /** What the order widget shows: the order's verified trades, shipment confirmations and journal. */
  private alipayOrder(id: string): Promise<AlipayOrderView> {
    return this.get<AlipayOrderView>(`/admin/alipay/orders/${id}`);
  }

  private async settings(): Promise<MaskedSettings> {
    return (await this.get<{ global: MaskedSettings }>('/admin/alipay/settings')).global;
  }

  /**
   * The journal entry of the verified notification that completed the cart into an order: written by
   * the plugin's notify route only when processing that notification created the order itself
   * (`orderCreated`), which it does not when the cart was completed before (e.g. by a storefront sync).
   */
  private orderCreatedByNotification(cartId: string): Promise<AlipayEvent> {
    return eventually(
      async () => {
        const { events } = await this.get<{ events: AlipayEvent[] }>(
          '/admin/alipay/events?kind=notification&limit=200',
        );
        return events.find(e => e.cart_id === cartId && e.details?.orderCreated === true);
      },
      { what: `the notification that created the order of ${cartId}` },
    );
  }

  /** Settings → Alipay: saves the form and waits for the toast of a successful save. */
  private async saveSettingsForm(ui: Page): Promise<void> {
    await ui.getByRole('button', { name: /^Save/ }).first().click();
    await ui.getByText(/Alipay settings saved/).waitFor();
  }

  /**
   * The order a verified notification created (the plugin journals which event did; Antom's SUCCESS is in
   * the trade_status words the core records for every generation), captured, with its one payment.
   */
  private async capturedByNotification(cartId: string, providerId: string, amount: number) {
    const created = await this.orderCreatedByNotification(cartId);
    expect(created.details).toMatchObject({ source: 'notify', alipayStatus: 'TRADE_SUCCESS' });
    const order = await this.order(String(created.order_id));
    expect(order.payment_status).toBe('captured');
    const [payment, ...others] = paymentsOf(order);
    expect(others).toEqual([]);
    expect(payment).toMatchObject({ provider_id: providerId, amount });
    return { order, payment };
  }

  async expectInstantPaid(run: BrowserRun, cartId: string): Promise<AdminOrderRef> {
    expect(cartId).toMatch(/^cart_/);
    const { order, payment } = await this.capturedByNotification(cartId, PROVIDER_ID, 298);
    expect(payment?.captured_at).toBeTruthy();
    expect(payment?.data?.interface).toBe('alipay.trade.page.pay');

    // And the storefront did not complete the cart itself: its first `complete` call for this cart
    // (which only fetches the order the notification made) was sent after Medusa completed the cart.
    const cartResponse = await fetch(`${this.url}/store/carts/${cartId}?fields=id,completed_at`, {
      headers: { 'x-publishable-api-key': run.shop.publishableKey ?? '' },
    });
    const { cart } = (await cartResponse.json()) as { cart: { completed_at: string | null } };
    expect(cart.completed_at).toBeTruthy();
    const completes = this.storeRequests.filter(
      r => r.method === 'POST' && r.path === `/store/carts/${cartId}/complete`,
    );
    expect(completes.length).toBeGreaterThan(0);
    expect(completes[0]?.at).toBeGreaterThanOrEqual(Date.parse(String(cart.completed_at)));
    return { ref: order.id, paymentId: payment?.id, outTradeNo: String(payment?.data?.out_trade_no) };
  }

  /** The order's payment → Refund in Medusa's admin: `amount` (major units) with a note; waits for the toast. */
  private async refundInAdminUi(run: BrowserRun, order: AdminOrderRef, amount: string): Promise<Page> {
    const ui = await run.adminUi();
    await ui.goto(`${run.shop.adminUrl}/orders/${order.ref}`);
    // The payment's menu (the row shows the last 7 characters of its ID).
    const paymentRow = ui
      .getByText(`#${String(order.paymentId).slice(-7).toUpperCase()}`)
      .locator('xpath=ancestor::div[contains(@class,"grid")][1]');
    await paymentRow.locator('button[aria-haspopup="menu"]').click();
    await ui.getByRole('menuitem', { name: 'Refund' }).click();
    const drawer = ui.getByRole('dialog');
    await drawer.locator('input[name="amount"]').fill(amount);
    await drawer.locator('textarea[name="note"]').fill('买家不想要了 Customer changed mind');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await ui
      .getByText(new RegExp(`Refund of amount .*${literally(Number(amount).toFixed(2))} successful`))
      .waitFor();
    return ui;
  }

  /** Payments → Refund in the admin: Alipay refunds the trade, Medusa and the plugin's ledger record it. */
  async refundInAdmin(run: BrowserRun, instant: AdminOrderRef): Promise<void> {
    // Refund the tea set (¥288.00), not the shipping (¥10.00).
    const ui = await this.refundInAdminUi(run, instant, '288');

    const order = await eventually(
      async () => {
        const current = await this.order(instant.ref);
        return current.payment_status === 'partially_refunded' && current;
      },
      { what: 'Medusa to record the refund' },
    );
    expect(paymentsOf(order)[0]?.refunds?.map(r => r.amount)).toEqual([288]);
    const trade = await run.sandbox.trade(instant.outTradeNo);
    // Alipay knows the refund by the number in the plugin's refund ledger (its idempotency key), and
    // the ledger row is settled and linked to the Medusa refund.
    const { events, refunds } = await this.alipayOrder(instant.ref);
    expect(refunds).toMatchObject([{ status: 'succeeded', amount: '288.00' }]);
    expect(refunds[0]?.medusa_refund_id).toBe(paymentsOf(order)[0]?.refunds?.[0]?.id);
    expect(trade.refunds.map(r => r.outRequestNo)).toEqual([refunds[0]?.request_no]);
    expect(events.some(e => e.kind === 'refund' && e.message.includes('288.00'))).toBe(true);

    await ui.reload();
    await ui.getByText('Partially refunded').first().waitFor();
    await screenshot(ui, 'medusa-admin-refund');
  }

  async expectAntomPaid(_run: BrowserRun, cartId: string, amountCents: number): Promise<AdminOrderRef> {
    // Antom's verified PAYMENT_RESULT created the order, in the USD region, through the Antom provider.
    const { order, payment } = await this.capturedByNotification(
      cartId,
      ANTOM_PROVIDER_ID,
      amountCents / 100,
    );
    expect(payment?.data?.interface).toBe('CASHIER_PAYMENT');
    return { ref: order.id, paymentId: payment?.id, outTradeNo: String(payment?.data?.out_trade_no) };
  }

  /** $2.50 of the e-book's $5.50, through the payment's Refund in the admin. */
  async refundAntomInAdmin(run: BrowserRun, antom: AdminOrderRef): Promise<number> {
    const amount = '2.50';
    await this.refundInAdminUi(run, antom, amount);
    const order = await eventually(
      async () => {
        const current = await this.order(antom.ref);
        return current.payment_status === 'partially_refunded' && current;
      },
      { what: 'Medusa to record the Antom refund' },
    );
    expect(paymentsOf(order)[0]?.refunds?.map(r => r.amount)).toEqual([Number(amount)]);
    // The plugin's ledger: settled, under the request number Antom knows it by (its refundRequestId).
    const { refunds } = await this.alipayOrder(antom.ref);
    expect(refunds).toMatchObject([{ status: 'succeeded', amount: Number(amount).toFixed(2) }]);
    const payment = await run.sandbox.antomPayment(antom.outTradeNo);
    expect(payment.refunds.map(r => r.refundRequestId)).toEqual([refunds[0]?.request_no]);
    await screenshot(await run.adminUi(), 'medusa-admin-antom-refund');
    return 250;
  }

  /** "Always QR on desktop" on, saved and reloaded; the app private key stays write-only. */
  async editSettingsInAdmin(run: BrowserRun): Promise<void> {
    const ui = await run.adminUi();
    await ui.setViewportSize({ width: 1400, height: 1700 });
    await ui.goto(`${run.shop.adminUrl}/settings/alipay`);
    const privateKey = ui.getByLabel(labelled(settingField('appPrivateKey')));
    const qrSwitch = ui.getByRole('switch', { name: labelled(settingField('alwaysQrOnDesktop')) });
    await privateKey.waitFor();
    const before = await this.settings();
    expect(before.interfaceType).toBe('openapi-page-wap-qr');
    expect(before.hasAppPrivateKey).toBe(true);
    expect(before.appPrivateKeyHint).toMatch(/^••••/);
    expect(before).not.toHaveProperty('appPrivateKey');
    // Write-only: the field is empty, only the hint is shown, the key is nowhere in the page.
    const keyLine = run.sandbox.accounts.apps[0]?.privateKey.split('\n')[5] ?? '';
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
    await this.saveSettingsForm(ui);
    const saved = await eventually(
      async () => {
        const current = await this.settings();
        return current.alwaysQrOnDesktop === true && current;
      },
      { what: 'the saved settings' },
    );
    expect(saved).toMatchObject({
      interfaceType: 'openapi-page-wap-qr',
      gateway: run.sandbox.sandbox.openapiGateway,
      hasAppPrivateKey: true,
      appPrivateKeyHint: before.appPrivateKeyHint,
    });

    await ui.reload();
    await qrSwitch.waitFor();
    expect(await qrSwitch.getAttribute('aria-checked')).toBe('true');
    await expectMasked();
    await screenshot(ui, 'medusa-admin-settings');
    await ui.setViewportSize({ width: 1400, height: 1000 });
  }

  /** "Always QR on desktop" (saved by the settings scenario): signed with the stored app key. */
  async expectQrPaid(_run: BrowserRun, cartId: string): Promise<void> {
    const created = await this.orderCreatedByNotification(cartId);
    const order = await this.order(String(created.order_id));
    expect(order.payment_status).toBe('captured');
    // Signed with the stored app key after the masked form was saved: the secret survived.
    expect(paymentsOf(order).map(p => p.data?.interface)).toEqual(['alipay.trade.precreate']);
  }

  /** The merchant switches to the legacy escrow contract (merchant A's credentials are stored). */
  async prepareEscrow(run: BrowserRun): Promise<void> {
    const ui = await run.adminUi();
    const legacyGateway = run.sandbox.sandbox.legacyGateway;
    await ui.goto(`${run.shop.adminUrl}/settings/alipay`);
    await ui.getByRole('combobox', { name: labelled(settingField('interfaceType')) }).click();
    await ui
      .getByRole('option', { name: new RegExp(literally(INTERFACE_TYPE_LABELS['legacy-escrow'].en)) })
      .click();
    // The gateway as a URL (Medusa's page offers production, the sandbox or a custom URL).
    await ui.getByRole('textbox', { name: /gateway/i }).fill(legacyGateway);
    expect(await ui.getByLabel(labelled(settingField('partnerId'))).inputValue()).toBe(
      run.sandbox.accounts.merchants[0]?.partner,
    );
    await this.saveSettingsForm(ui);
    await eventually(
      async () => {
        const current = await this.settings();
        return current.interfaceType === 'legacy-escrow' && current.gateway === legacyGateway;
      },
      { what: 'the escrow settings' },
    );
  }

  async expectEscrowHeld(_run: BrowserRun, cartId: string): Promise<AdminOrderRef> {
    const created = await this.orderCreatedByNotification(cartId);
    expect(created.details).toMatchObject({ source: 'notify', alipayStatus: 'WAIT_SELLER_SEND_GOODS' });
    const order = await this.order(String(created.order_id));
    expect(order.payment_status).toBe('authorized');
    const [payment] = paymentsOf(order);
    expect(payment?.captured_at).toBeNull();
    expect(payment?.data?.interface).toBe('create_partner_trade_by_buyer');
    return { ref: order.id, outTradeNo: String(payment?.data?.out_trade_no) };
  }

  /** Fulfill items, then Mark as shipped with a tracking number. */
  async shipInAdmin(run: BrowserRun, order: AdminOrderRef, shipment: Shipment): Promise<void> {
    const ui = await run.adminUi();
    await ui.goto(`${run.shop.adminUrl}/orders/${order.ref}`);
    await ui
      .getByText('Unfulfilled Items', { exact: true })
      .locator('xpath=..')
      .locator('button[aria-haspopup="menu"]')
      .click();
    await ui.getByRole('menuitem', { name: 'Fulfill items' }).click();
    await ui.getByRole('button', { name: 'Create Fulfillment' }).click();
    await ui.getByRole('button', { name: /^Mark as shipped$/i }).click();
    await ui.getByRole('button', { name: 'Add tracking number' }).click();
    await ui.locator('input[name="labels.0.tracking_number"]').fill(shipment.trackingNumber);
    await ui.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await ui.getByRole('button', { name: /^Mark as delivered$/i }).waitFor();
  }

  /** The confirmation in the plugin's view of the order, and the order page's Alipay widget. */
  async expectShipmentConfirmed(run: BrowserRun, escrow: AdminOrderRef): Promise<void> {
    const trade = await run.sandbox.trade(escrow.outTradeNo);
    expect(trade.history.map(h => h.event)).toContain('seller-sent-goods');
    const widget = await eventually(
      async () => {
        const view = await this.alipayOrder(escrow.ref);
        return view.shipments[0]?.status === 'confirmed' && view;
      },
      { what: 'the confirmed shipment in the order widget' },
    );
    expect(widget.shipments[0]?.tracking_number).toBe('SF1234567890');
    const order = await this.order(escrow.ref);
    expect(order).toMatchObject({ payment_status: 'authorized', fulfillment_status: 'shipped' });
    // …and the order page's Alipay widget shows it.
    const ui = await run.adminUi();
    await ui.reload();
    const panel = ui.getByTestId('alipay-order-panel');
    await panel.getByText(/Shipment confirmation .*SF1234567890/).waitFor();
    expect(await panel.textContent()).toContain('confirmed');
    expect(await panel.textContent()).toContain('WAIT_BUYER_CONFIRM_GOODS');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(ui, 'medusa-admin-escrow-shipped');
  }

  async expectEscrowSettled(_run: BrowserRun, escrow: AdminOrderRef): Promise<void> {
    const order = await eventually(
      async () => {
        const current = await this.order(escrow.ref);
        return current.payment_status === 'captured' && current;
      },
      { what: 'the escrow payment to be captured' },
    );
    expect(paymentsOf(order)[0]?.captured_at).toBeTruthy();
  }
}
