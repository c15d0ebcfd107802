/**
 * The contract between the browser suite (`e2e/shops.e2e.test.ts`) and one example shop, next to the
 * reliability suites' {@link ShopDriver}. The suite owns the scenarios a buyer and a merchant go through
 * on every shop (storefront checkout on desktop and phone, the sandbox cashier, the way back from
 * Alipay, escrow shipped and confirmed, an admin refund, the settings form); a {@link BrowserShop} knows
 * the shop's admin: its API (to check what the merchant sees) and its admin UI (to ship, refund and edit
 * settings as a merchant would). A new platform gets every scenario by writing one `<name>-browser.ts`
 * and adding it to `BROWSER_SHOPS` (`browser-shops.ts`).
 *
 * Every shop sells the same seeded catalogue (examples/*-shop seeds): {@link PRODUCTS}.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningShop, RunningStorefront } from './example-shop';
import type { DemoSandbox } from './sandbox';

/** The seeded products each scenario buys (the same SKUs in every example shop). */
export const PRODUCTS = {
  /** ¥288.00 (plus ¥10.00 shipping): the instant order, later refunded ¥288.00. */
  instant: 'TEA-SET-01',
  /** Physical goods for the escrow order (it must be shipped). */
  escrow: 'SCARF-RED',
  /** Bought on the phone (mobile website payment). */
  wap: 'EBOOK-ALIPAY',
  /** Bought on the desktop with a QR code. */
  qr: 'COURSE-PAY-01',
  /** Bought after the settings form saved its masked secrets: the payment must still open. */
  afterSettings: 'LONGJING-250',
  /** Bought in USD through Antom (cross-border): a virtual product, no shipping. */
  antom: 'EBOOK-ALIPAY',
} as const;

/** Which scenario a checkout belongs to (a shop may map it to one of its payment methods). */
export type Purchase = keyof typeof PRODUCTS;

/** Everything a running browser test has: the sandbox, the shop, the storefront, the browser. */
export interface BrowserRun {
  sandbox: DemoSandbox;
  shop: RunningShop;
  storefront: RunningStorefront;
  browser: Browser;
  /** The desktop browser the buyer and the merchant use (one session each page). */
  desktop: BrowserContext;
  /** The admin UI, logged in once ({@link BrowserShop.loginAdminUi}) and reused. */
  adminUi(): Promise<Page>;
  /** The order the instant scenario paid (refunded later), once it ran. */
  instant?: AdminOrderRef;
}

/** An order the shop's admin knows, as a scenario carries it from one step to the next. */
export interface AdminOrderRef {
  /** The admin's reference of the order (Vendure: order code; Medusa: order ID). */
  ref: string;
  /** The `out_trade_no` of its Alipay payment. */
  outTradeNo: string;
  /** The shop's payment ID, where the admin UI names the payment by it. */
  paymentId?: string;
  /** Alipay's trade number, where the admin records it. */
  tradeNo?: string;
}

/** A scenario only one shop has (its own admin UI), run after the shared ones. */
export interface ShopScenario {
  title: string;
  run(run: BrowserRun): Promise<void>;
}

/** One example shop in the browser suite. */
export interface BrowserShop {
  /** `vendure`, `medusa`: the example shop's name (`examples/<name>-shop`), test names and screenshots. */
  readonly name: 'vendure' | 'medusa';
  /** How the instant scenario pays, for its title (`即时到账`, `OpenAPI page`). */
  readonly instantLabel: string;
  /** The path prefix of the plugin's return route (where Alipay sends the buyer back, signed). */
  readonly returnRoute: string;
  /**
   * Scenario order: the scenarios share one shop and each shop's settings change in between (Medusa's
   * escrow test switches the shop to legacy escrow, so it runs last there). Default: {@link SCENARIOS}.
   */
  readonly scenarioOrder?: readonly Scenario[];
  /** Storefront options (e.g. a recording fetch towards the shop), before the storefront starts. */
  storefrontOptions?(): { syncAfterMs?: number; shopFetch?: typeof fetch };
  /** Logs in to the shop's admin API (as the ready line's admin) once the shop serves requests. */
  connect(run: BrowserRun): Promise<void>;
  /** Logs the admin UI in on `page` (the suite keeps the page for the admin scenarios). */
  loginAdminUi(page: Page, run: BrowserRun): Promise<void>;
  /** The storefront's payment method to choose for `purchase`, when the shop offers several. */
  paymentMethod(purchase: Purchase): string | undefined;

  /** The instant order, paid from the notification: checks the admin's view and names the order. */
  expectInstantPaid(run: BrowserRun, storefrontCode: string): Promise<AdminOrderRef>;
  /** The admin refunds ¥288.00 of the instant order in the admin UI and sees it settled. */
  refundInAdmin(run: BrowserRun, order: AdminOrderRef): Promise<void>;
  /** Changes a setting in the admin settings form, saves, reloads: the secret stays masked and working. */
  editSettingsInAdmin(run: BrowserRun): Promise<void>;
  /** The QR order (desktop, scanned), paid: checks the admin's view of its payment. */
  expectQrPaid(run: BrowserRun, storefrontCode: string): Promise<void>;
  /** Before the escrow checkout: a shop that sells through another interface switches (in its admin). */
  prepareEscrow?(run: BrowserRun): Promise<void>;
  /** The escrow order, paid into escrow: the admin sees the money held, not settled. */
  expectEscrowHeld(run: BrowserRun, storefrontCode: string): Promise<AdminOrderRef>;
  /** Ships the escrow order in the admin UI with a carrier and a tracking number. */
  shipInAdmin(run: BrowserRun, order: AdminOrderRef, shipment: Shipment): Promise<void>;
  /** Once Alipay knows of the shipment: the admin (its order page's Alipay panel) shows it confirmed. */
  expectShipmentConfirmed(run: BrowserRun, order: AdminOrderRef, tradeNo: string): Promise<void>;
  /** After the buyer confirmed receipt: the escrow payment is settled / captured. */
  expectEscrowSettled(run: BrowserRun, order: AdminOrderRef): Promise<void>;
  /** The USD order paid through Antom: the admin's view of its payment (settled, in cents). */
  expectAntomPaid(run: BrowserRun, storefrontCode: string, amountCents: number): Promise<AdminOrderRef>;
  /** The admin refunds part of the Antom order in the admin UI and sees it settled: the cents refunded. */
  refundAntomInAdmin(run: BrowserRun, order: AdminOrderRef): Promise<number>;
  /** Scenarios of this shop's own admin UI, run after the shared ones. */
  readonly ownScenarios?: readonly ShopScenario[];
}

/** A carrier and tracking number the merchant enters when shipping. */
export interface Shipment {
  carrier: string;
  trackingNumber: string;
}

/** The shared scenarios, in their default order. */
export const SCENARIOS = ['instant', 'escrow', 'refund', 'settings', 'devices', 'antom'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * Storefront: one product into the cart, the shop's Alipay method for it chosen (when there is a
 * choice), "Pay with Alipay".
 */
export async function checkout(
  page: Page,
  run: BrowserRun,
  shop: BrowserShop,
  purchase: Purchase,
): Promise<void> {
  const { storefront } = run;
  await page.goto(storefront.url);
  // Antom takes the shop's own currency: the buyer shops in USD; every other purchase is in CNY.
  const currency = page.locator(`[data-testid="currency-${purchase === 'antom' ? 'USD' : 'CNY'}"]`);
  if ((await currency.count()) > 0) await currency.click();
  await page.click(`[data-testid="add-${PRODUCTS[purchase]}"]`);
  await page.waitForURL(`${storefront.url}/cart`);
  const method = shop.paymentMethod(purchase);
  if (method) await page.check(`[data-testid="payment-method-${method}"]`);
  await page.click('[data-testid="pay-with-alipay"]');
}

/** `text` as a regular expression matching it literally. */
export function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
