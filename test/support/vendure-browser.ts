/**
 * {@link BrowserShop} for `examples/vendure-shop`: the Vendure Admin API (GraphQL, as the superadmin) to
 * check what the merchant sees, and the Vendure Dashboard (`@vendure/dashboard` with the Alipay plugin's
 * extension: the grouped payment-method form and the order page's Alipay panel) to ship, refund and edit
 * settings. The shop seeds one payment method per interface (examples/vendure-shop/src/seed.ts), which
 * the storefront lets the buyer choose.
 */
import {
  CHARSET_LABELS,
  INTERFACE_TYPE_LABELS,
  SETTING_FIELDS,
  SETTING_GROUP_LABELS,
  type SettingGroup,
} from '@alipay-commerce/core/settings';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser';
import {
  type AdminOrderRef,
  type BrowserRun,
  type BrowserShop,
  checkout,
  type Purchase,
  type Shipment,
  type ShopScenario,
} from './browser-shop';
import { GraphQlClient } from './graphql';
import { eventually } from './sandbox';

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
  currencyCode: string;
  payments: AdminPayment[];
}

/** The seeded payment method the storefront offers for each purchase. */
const METHODS: Record<Purchase, string> = {
  instant: 'alipay-instant',
  escrow: 'alipay-escrow',
  wap: 'alipay',
  qr: 'alipay-qr',
  afterSettings: 'alipay-escrow',
  // The only method eligible for a USD order: the storefront offers it without a choice.
  antom: 'alipay-antom',
};

/** The settings of one group, in form order (the core's one list). */
const fieldsOf = (group: SettingGroup) => SETTING_FIELDS.filter(f => f.group === group).map(f => f.name);

/** The Vendure shop in the browser suite. */
export class VendureBrowserShop implements BrowserShop {
  readonly name = 'vendure';
  readonly instantLabel = '即时到账';
  readonly returnRoute = '/payments/alipay/return/';
  private readonly api = { client: undefined as GraphQlClient | undefined };

  async connect(run: BrowserRun): Promise<void> {
    const client = new GraphQlClient(`${run.shop.url}/admin-api`);
    await client.request(
      `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }`,
      { u: run.shop.adminUser, p: run.shop.adminPassword },
    );
    this.api.client = client;
  }

  async loginAdminUi(page: Page, run: BrowserRun): Promise<void> {
    await page.setViewportSize({ width: 1400, height: 1500 });
    await page.goto(`${run.shop.adminUrl}/`);
    await page.fill('input[name="username"]', run.shop.adminUser);
    await page.fill('input[name="password"]', run.shop.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url => !url.pathname.includes('/login'), { timeout: 30_000 });
  }

  paymentMethod(purchase: Purchase): string | undefined {
    // A USD order has one eligible method (alipay-antom): the storefront offers it without a choice.
    return purchase === 'antom' ? undefined : METHODS[purchase];
  }

  private query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    if (!this.api.client) throw new Error('not connected to the Vendure Admin API');
    return this.api.client.request<T>(query, variables);
  }

  private async order(code: string): Promise<AdminOrder> {
    const { orders } = await this.query<{ orders: { items: AdminOrder[] } }>(
      `query ($code: String!) {
        orders(options: { filter: { code: { eq: $code } } }) {
          items {
            id code state totalWithTax currencyCode
            payments { id state method amount transactionId metadata
              refunds { id state total transactionId metadata } }
          }
        }
      }`,
      { code },
    );
    const [order] = orders.items;
    if (!order) throw new Error(`no order ${code}`);
    return order;
  }

  private async paymentMethodId(code: string): Promise<string> {
    const { paymentMethods } = await this.query<{
      paymentMethods: { items: { id: string; code: string }[] };
    }>(`{ paymentMethods(options: { take: 50 }) { items { id code } } }`);
    const method = paymentMethods.items.find(m => m.code === code);
    if (!method) throw new Error(`no payment method ${code}`);
    return method.id;
  }

  /** The Alipay panel of an order page in the Dashboard, once it shows the order's trade. */
  private async alipayPanel(run: BrowserRun, orderId: string): Promise<Locator> {
    const ui = await run.adminUi();
    await ui.goto(`${run.shop.adminUrl}/orders/${orderId}`);
    const panel = ui.getByTestId('alipay-order-panel');
    await panel.getByTestId('alipay-trade-no').first().waitFor({ timeout: 30_000 });
    return panel;
  }

  /** Opens the Dashboard's form of the escrow payment method; resolves to its ID. */
  private async openEscrowMethod(run: BrowserRun): Promise<string> {
    const ui = await run.adminUi();
    const methodId = await this.paymentMethodId('alipay-escrow');
    await ui.goto(`${run.shop.adminUrl}/payment-methods/${methodId}`);
    return methodId;
  }

  async expectInstantPaid(_run: BrowserRun, code: string): Promise<AdminOrderRef> {
    const order = await this.order(code);
    expect(order.state).toBe('PaymentSettled');
    expect(order.payments).toHaveLength(1);
    const [payment] = order.payments as [AdminPayment];
    expect(payment).toMatchObject({ state: 'Settled', method: 'alipay-instant', amount: order.totalWithTax });
    // Recorded from Alipay's verified notification, not from the buyer's return nor a status query.
    expect(payment.metadata.source).toBe('notify');
    return { ref: code, outTradeNo: String(payment.metadata.outTradeNo), tradeNo: payment.transactionId };
  }

  async expectAntomPaid(_run: BrowserRun, code: string, amountCents: number): Promise<AdminOrderRef> {
    const order = await this.order(code);
    expect([order.state, order.currencyCode, order.totalWithTax]).toEqual([
      'PaymentSettled',
      'USD',
      amountCents,
    ]);
    expect(order.payments).toHaveLength(1);
    const [payment] = order.payments as [AdminPayment];
    expect(payment).toMatchObject({ state: 'Settled', method: 'alipay-antom', amount: amountCents });
    // Recorded from Antom's verified PAYMENT_RESULT, not from the buyer's return.
    expect(payment.metadata.source).toBe('notify');
    return { ref: code, outTradeNo: String(payment.metadata.outTradeNo), tradeNo: payment.transactionId };
  }

  /** The order page's Refund & Cancel: one of the first line, reason "Other", confirmed by the `button` named so. */
  private async refundFirstLine(ui: Page, button: RegExp): Promise<void> {
    await ui.getByTestId('action-bar-dropdown-trigger').click();
    await ui.getByRole('menuitem', { name: 'Refund & Cancel' }).click();
    const dialog = ui.getByRole('dialog');
    await dialog.locator('input[type="number"]').first().fill('1');
    await dialog.getByText('Select a reason...').click();
    await ui.getByRole('option', { name: 'Other' }).click();
    await dialog.getByPlaceholder('Enter custom reason...').fill('买家不想要了 Customer changed mind');
    await dialog.getByRole('button', { name: button }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** Refund & Cancel of the e-book line in the Dashboard: Antom refunds it at once (Settled). */
  async refundAntomInAdmin(run: BrowserRun, antom: AdminOrderRef): Promise<number> {
    const before = await this.order(antom.ref);
    const ui = await run.adminUi();
    await ui.goto(`${run.shop.adminUrl}/orders/${before.id}`);
    await this.refundFirstLine(ui, /^Refund /);
    const refund = await eventually(
      async () => {
        const current = (await this.order(antom.ref)).payments[0]?.refunds[0];
        return current?.state === 'Settled' && current;
      },
      { what: 'Antom to refund (settled)' },
    );
    // Antom knows the refund by the plugin's request number (its idempotent refundRequestId).
    const payment = await run.sandbox.antomPayment(antom.outTradeNo);
    expect(payment.refunds.map(r => r.refundRequestId)).toEqual([refund.transactionId]);
    await screenshot(ui, 'vendure-admin-antom-refund');
    return refund.total;
  }

  /** Refund & Cancel in the Dashboard: Pending (legacy batch) → batch_refund_notify → Settled. */
  async refundInAdmin(run: BrowserRun, instant: AdminOrderRef): Promise<void> {
    const before = await this.order(instant.ref);
    const payment = before.payments[0] as AdminPayment;
    const ui = await run.adminUi();
    // The Alipay panel names the trade by Alipay's trade number (the payment's transaction ID).
    const panel = await this.alipayPanel(run, before.id);
    expect(await panel.getByTestId('alipay-trade-no').first().textContent()).toBe(payment.transactionId);
    expect(await panel.textContent()).toContain('TRADE_SUCCESS');
    // Refund the one line (not the shipping): ¥288.00 of ¥298.00.
    await this.refundFirstLine(ui, /^Refund CN¥288\.00$/);

    const refund = await eventually(async () => (await this.order(instant.ref)).payments[0]?.refunds[0], {
      what: 'the refund',
    });
    expect(refund.total).toBe(28800);
    expect(refund.transactionId).toMatch(/^\d{8}\d+$/); // the legacy batch_no
    const settled = await eventually(
      async () => {
        const current = (await this.order(instant.ref)).payments[0]?.refunds[0];
        return current?.state === 'Settled' && current;
      },
      { what: 'batch_refund_notify to settle the refund' },
    );
    expect(settled.metadata).toMatchObject({ refundRequestNo: refund.transactionId });
    await ui.reload();
    await ui.getByText('Settled').first().waitFor();
    // The refund in the Alipay panel, by its batch number.
    const refunds = (await this.alipayPanel(run, before.id)).getByTestId('alipay-refunds');
    await refunds.getByText('Refunded').waitFor();
    expect(await refunds.textContent()).toContain(String(refund.transactionId));
  }

  /** The escrow method's charset to GBK; the masked MD5 key is saved back unchanged and still signs. */
  async editSettingsInAdmin(run: BrowserRun): Promise<void> {
    const ui = await run.adminUi();
    const methodId = await this.openEscrowMethod(run);
    const charset = ui.locator('#alipay-setting-charset');
    const key = ui.locator('#alipay-setting-key');
    await charset.waitFor();
    expect(await charset.locator('option:checked').textContent()).toContain(CHARSET_LABELS['utf-8'].en);
    const maskedKey = await key.inputValue();
    expect(maskedKey).not.toBe(run.sandbox.accounts.merchants[0]?.key);
    expect(maskedKey.startsWith('••••')).toBe(true);
    await charset.selectOption({ label: CHARSET_LABELS.gbk.en });
    await ui.getByRole('button', { name: 'Update' }).click();
    // Saved: the Admin API now answers the new value (and the key still masked).
    const savedArgs = await eventually(
      async () => {
        const { paymentMethod } = await this.query<{
          paymentMethod: { handler: { args: { name: string; value: string }[] } };
        }>(`query ($id: ID!) { paymentMethod(id: $id) { handler { args { name value } } } }`, {
          id: methodId,
        });
        const args = new Map(paymentMethod.handler.args.map(a => [a.name, a.value]));
        return args.get('charset') === 'gbk' && args;
      },
      { what: 'the saved settings' },
    );
    expect(savedArgs.get('key')).toBe(maskedKey);

    await ui.reload();
    await charset.waitFor();
    expect(await charset.locator('option:checked').textContent()).toContain(CHARSET_LABELS.gbk.en);
    expect(await key.inputValue()).toBe(maskedKey);
    await screenshot(ui, 'vendure-admin-settings');

    // The stored key survived the save of the masked form: a GBK-signed escrow payment still opens.
    const page = await run.desktop.newPage();
    await checkout(page, run, this, 'afterSettings');
    await page.waitForURL(`${run.sandbox.url}/cashier/**`);
    await page.waitForSelector('#pay');
    expect(new URL(page.url()).pathname).toMatch(/^\/cashier\/\d+$/);
    await page.close();
  }

  async expectQrPaid(_run: BrowserRun, code: string): Promise<void> {
    const order = await this.order(code);
    expect(order.payments.map(p => [p.method, p.state])).toEqual([['alipay-qr', 'Settled']]);
  }

  async expectEscrowHeld(_run: BrowserRun, code: string): Promise<AdminOrderRef> {
    const order = await this.order(code);
    expect(order.state).toBe('PaymentAuthorized');
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);
    return { ref: code, outTradeNo: String(order.payments[0]?.metadata.outTradeNo) };
  }

  /** Fulfill order in the Dashboard, then the fulfillment's state menu → Transition to Shipped. */
  async shipInAdmin(run: BrowserRun, escrow: AdminOrderRef, shipment: Shipment): Promise<void> {
    const ui = await run.adminUi();
    const order = await this.order(escrow.ref);
    await ui.goto(`${run.shop.adminUrl}/orders/${order.id}`);
    await ui.getByRole('button', { name: 'Fulfill order' }).click();
    const dialog = ui.getByRole('dialog');
    const details = dialog.locator('input:not([type="number"]):not([type="checkbox"]):not([type="hidden"])');
    await details.nth(0).fill(shipment.carrier);
    await details.nth(1).fill(shipment.trackingNumber);
    await dialog.getByRole('button', { name: 'Fulfill order' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The fulfillment's state menu (the one showing its tracking code) → Transition to Shipped.
    const fulfillment = ui
      .locator('div.rounded-md', {
        hasText: shipment.trackingNumber,
        has: ui.getByTestId('state-transition-trigger'),
      })
      .last();
    await fulfillment.getByTestId('state-transition-trigger').click();
    await ui.getByRole('menuitem', { name: 'Transition to Shipped' }).click();
    await eventually(async () => (await this.order(escrow.ref)).state === 'Shipped', {
      what: 'the order to be shipped from the Dashboard',
    });
  }

  /** The order page's Alipay panel: Alipay's trade number, the escrow state, the shipment confirmed. */
  async expectShipmentConfirmed(run: BrowserRun, escrow: AdminOrderRef, tradeNo: string): Promise<void> {
    const order = await this.order(escrow.ref);
    expect(order.state).toBe('Shipped');
    expect(order.payments.map(p => p.state)).toEqual(['Authorized']);
    const panel = await eventually(
      async () => {
        const current = await this.alipayPanel(run, order.id);
        const text = (await current.textContent()) ?? '';
        return text.includes('WAIT_BUYER_CONFIRM_GOODS') && text.includes('confirmed to Alipay') && current;
      },
      { what: 'the Alipay panel to show the confirmed shipment' },
    );
    expect(await panel.getByTestId('alipay-trade-no').first().textContent()).toBe(tradeNo);
    expect(await panel.textContent()).toContain('Shipped, waiting for the buyer to confirm receipt');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(await run.adminUi(), 'vendure-admin-escrow-shipped');
  }

  async expectEscrowSettled(_run: BrowserRun, escrow: AdminOrderRef): Promise<void> {
    const order = await eventually(
      async () => {
        const current = await this.order(escrow.ref);
        return current.payments[0]?.state === 'Settled' && current;
      },
      { what: 'the escrow payment to settle' },
    );
    expect(order.state).toBe('Shipped');
  }

  /** The Alipay settings shown by the Dashboard's payment method form, in form order. */
  private shownSettings(ui: Page): Promise<string[]> {
    return ui
      .locator('[data-alipay-setting]')
      .evaluateAll(rows => rows.map(row => row.getAttribute('data-alipay-setting') ?? ''));
  }

  readonly ownScenarios: readonly ShopScenario[] = [
    {
      title:
        'the Alipay form groups the settings: a legacy interface type shows only legacy fields, an OpenAPI one only OpenAPI fields',
      run: async run => {
        const ui = await run.adminUi();
        await this.openEscrowMethod(run);
        const interfaceType = ui.locator('#alipay-setting-interfaceType');
        await interfaceType.waitFor();
        const [common, legacy, openapi] = [fieldsOf('common'), fieldsOf('legacy'), fieldsOf('openapi')];
        expect(await this.shownSettings(ui)).toEqual([...common, ...legacy]);
        // The select groups the interface types by generation.
        expect(
          await interfaceType
            .locator('optgroup')
            .evaluateAll(groups => groups.map(g => g.getAttribute('label'))),
        ).toEqual([
          SETTING_GROUP_LABELS.legacy.en,
          SETTING_GROUP_LABELS.openapi.en,
          SETTING_GROUP_LABELS.antom.en,
        ]);
        await interfaceType.selectOption('openapi-page-qr');
        expect(await this.shownSettings(ui)).toEqual([...common, ...openapi]);
        await screenshot(ui, 'vendure-admin-settings-openapi');
        await interfaceType.selectOption('legacy-dual');
        expect(await this.shownSettings(ui)).toEqual([...common, ...legacy]);
        // Switching back and forth kept the legacy values (hidden fields are not cleared).
        expect(await ui.locator('#alipay-setting-partnerId').inputValue()).toBe(
          run.sandbox.accounts.merchants[0]?.partner,
        );
        // Nothing saved: leave the page unchanged.
        await ui.reload();
        await interfaceType.waitFor();
        expect(await interfaceType.inputValue()).toBe('legacy-escrow');
      },
    },
    {
      title: 'with the Dashboard in 中文 the Alipay form and order panel are labelled in Chinese',
      run: async run => {
        const ui = await run.adminUi();
        // The user menu → Language → display language 简体中文 (the Dashboard keeps it per administrator).
        await ui.getByRole('button', { name: /Super Admin/ }).click();
        await ui.getByRole('menu').getByText('Language', { exact: true }).click();
        const languageDialog = ui.getByRole('dialog');
        await languageDialog.getByRole('combobox').first().click();
        await ui.getByRole('option', { name: /zh_Hans/i }).click();
        await ui.keyboard.press('Escape');
        await languageDialog.waitFor({ state: 'detached' });
        await this.openEscrowMethod(run);
        await ui.locator('#alipay-setting-interfaceType').waitFor();
        const form = ui.getByTestId('alipay-settings-form');
        await form.getByText(SETTING_GROUP_LABELS.legacy.zh).waitFor();
        const labels = await form.locator('label').allTextContents();
        const shown = ['interfaceType', 'gateway', 'partnerId', 'key', 'charset'];
        expect(labels).toEqual(
          expect.arrayContaining(SETTING_FIELDS.filter(f => shown.includes(f.name)).map(f => f.label.zh)),
        );
        expect(await ui.locator('#alipay-setting-interfaceType option:checked').textContent()).toBe(
          INTERFACE_TYPE_LABELS['legacy-escrow'].zh,
        );
        await screenshot(ui, 'vendure-admin-settings-zh');

        if (!run.instant) throw new Error('the instant payment test did not pay an order');
        const order = await this.order(run.instant.ref);
        const panel = await this.alipayPanel(run, order.id);
        expect(await panel.textContent()).toContain('支付宝交易号');
        await screenshot(ui, 'vendure-admin-order-panel-zh');
      },
    },
  ];
}
