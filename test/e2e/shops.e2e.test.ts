/**
 * Every example shop in a real browser (one `describe` per shop of `BROWSER_SHOPS`, `browser-shops.ts`): the
 * storefront, the sandbox cashier and buyer pages, and the shop's own admin UI (Vendure Dashboard with
 * the plugin's extension; Medusa's admin with Settings → Alipay and the order widget), with the shop
 * started exactly as `pnpm demo` starts it (fresh data directory, free ports). Screenshots go to
 * artifacts/e2e/<shop>-….png.
 *
 * A shop's tests share one shop and run in order: the refund uses the instant order of the first test,
 * and each shop's settings change in between (see {@link BrowserShop.scenarioOrder}).
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopContext, launchBrowser, mobileContext, screenshot } from '../support/browser';
import {
  type BrowserRun,
  type BrowserShop,
  checkout,
  SCENARIOS,
  type Scenario,
} from '../support/browser-shop';
import { registeredBrowserShops } from '../support/browser-shops';
import { startExampleShop, startStorefront } from '../support/example-shop';
import { eventually, startDemoSandbox } from '../support/sandbox';
import { freePort } from '../support/shop-process';

/** What the storefront shows on a paid order page. */
const PAID = '已支付 Paid';

for (const { name, create } of registeredBrowserShops()) {
  describe(`${name} example shop in the browser`, () => {
    const shop: BrowserShop = create();
    const run = {} as BrowserRun;
    let adminPage: Page | undefined;

    beforeAll(async () => {
      run.sandbox = await startDemoSandbox();
      const storefrontPort = await freePort();
      run.shop = await startExampleShop(shop.name, {
        sandboxUrl: run.sandbox.url,
        storefrontUrl: `http://localhost:${storefrontPort}`,
      });
      run.storefront = await startStorefront(
        shop.name,
        run.shop,
        storefrontPort,
        shop.storefrontOptions?.() ?? {},
      );
      run.browser = await launchBrowser();
      run.desktop = await desktopContext(run.browser);
      run.adminUi = async () => {
        if (adminPage) return adminPage;
        const page = await run.desktop.newPage();
        await shop.loginAdminUi(page, run);
        adminPage = page;
        return page;
      };
      await shop.connect(run);
    });

    afterAll(async () => {
      await run.browser?.close();
      await run.storefront?.close();
      await run.shop?.stop();
      await run.sandbox?.close();
    });

    /**
     * On the sandbox cashier: pays as the test buyer and follows Alipay back to the storefront, checking
     * that the way back names no order (issue 15 item 2): the plugin's return route sends the browser to
     * the storefront's `/order/return?status=…`, which finds the order through this browser's own session
     * and shows it. Returns the storefront's order code and the signed return URL Alipay sent the browser to.
     */
    async function payAtCashier(page: Page): Promise<{ code: string; signedReturnUrl: string }> {
      const { sandbox, storefront } = run;
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
      const signed = navigations.filter(url => url.includes(shop.returnRoute));
      expect(signed).toHaveLength(1);
      const signedReturnUrl = signed[0] as string;
      const outTradeNo = new URL(signedReturnUrl).searchParams.get('out_trade_no') ?? '';
      expect(outTradeNo).not.toBe('');
      // The first storefront page after the return route: a status, nothing that names the order, the
      // cart, the payment session or the trade.
      const landing = navigations.find(url => url.startsWith(`${storefront.url}/`)) ?? '';
      expect(landing.slice(storefront.url.length)).toMatch(/^\/order\/return\?status=(paid|authorized)$/);
      for (const secret of [code, outTradeNo]) expect(landing).not.toContain(secret);
      expect(landing).not.toMatch(/cart_|payses_|order_|pay_col_/);
      expect(page.url()).toBe(`${storefront.url}/order/${code}`);
      return { code, signedReturnUrl };
    }

    /** Alipay's notifications of the trade include a TRADE_SUCCESS the shop answered `success`. */
    async function expectNotifiedSuccess(outTradeNo: string): Promise<void> {
      const deliveries = await run.sandbox.deliveries(outTradeNo);
      expect(deliveries.map(d => [d.params.trade_status, d.answer])).toContainEqual([
        'TRADE_SUCCESS',
        'success',
      ]);
      expect((await run.sandbox.trade(outTradeNo)).status).toBe('TRADE_SUCCESS');
    }

    const scenarios: Record<Scenario, { title: string; run(): Promise<void> }> = {
      antom: {
        title:
          'Antom (cross-border): a USD order → the Antom cashier (in USD, the CNY amount shown) → its PAYMENT_RESULT pays the order → part refunded in the admin',
        async run() {
          const { sandbox, storefront, desktop } = run;
          const page = await desktop.newPage();
          await checkout(page, run, shop, 'antom');
          await page.waitForURL(`${sandbox.url}/antom/cashier/**`);
          await page.waitForSelector('#pay');
          expect(await page.textContent('[data-testid="total"]')).toContain('USD');
          expect(await page.textContent('[data-testid="cny-amount"]')).toMatch(/^\d+\.\d{2}$/);
          await screenshot(page, `${shop.name}-antom-cashier`);
          const paymentRequestId =
            (await page.getAttribute('[data-testid="cashier"]', 'data-payment-request-id')) ?? '';
          await page.click('#pay');
          // Antom sends the buyer back through the shop's return route; it proves nothing (Antom signs
          // nothing on it): the order page shows what the notification did.
          await page.waitForURL(`${storefront.url}/order/**`);
          await page.waitForSelector('.status.paid', { timeout: 20_000 });
          expect(await page.textContent('[data-testid="order-total"]')).toContain('US$');
          await screenshot(page, `${shop.name}-antom-order-paid`);
          const code = page.url().split('/order/')[1]?.split(/[/?]/)[0] ?? '';
          const payment = await sandbox.antomPayment(paymentRequestId);
          expect(payment.status).toBe('SUCCESS');
          const deliveries = await sandbox.deliveries(paymentRequestId);
          expect(deliveries.map(d => [d.kind, d.outcome])).toContainEqual(['PAYMENT_RESULT', 'success']);
          const order = await shop.expectAntomPaid(run, code, Number(payment.value));
          expect(order.outTradeNo).toBe(paymentRequestId);
          const refunded = await shop.refundAntomInAdmin(run, order);
          expect(refunded).toBeGreaterThan(0);
          expect((await sandbox.antomPayment(paymentRequestId)).refundedValue).toBe(String(refunded));
          await page.close();
        },
      },

      instant: {
        title: `instant payment (${shop.instantLabel}): product → cart → cashier → the notification makes the order paid; the way back names no order`,
        async run() {
          const { sandbox, storefront, desktop, browser } = run;
          const page = await desktop.newPage();
          await checkout(page, run, shop, 'instant');
          await page.waitForURL(`${sandbox.url}/cashier/**`);
          await page.waitForSelector('#pay');
          await screenshot(page, `${shop.name}-cashier`);
          const { code, signedReturnUrl } = await payAtCashier(page);
          // The order page refreshes every 2 s until Alipay's notification has paid the order (the
          // storefront asks the shop to query Alipay only later).
          await page.waitForSelector('.status.paid', { timeout: 20_000 });
          expect(await page.textContent('[data-testid="order-status"]')).toContain(PAID);
          await screenshot(page, `${shop.name}-order-paid`);

          // This browser's own way back: the return page finds the order through the session cookie.
          await page.goto(`${storefront.url}/order/return?status=paid`);
          await page.waitForURL(`${storefront.url}/order/${code}`);
          await page.waitForSelector('.status.paid');

          // Issue 15 item 2: someone else who paid through a "pay for me" link follows the same signed
          // return in their own browser. They see that the payment was received, and nothing of the
          // buyer's order.
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

          // Recorded from Alipay's verified notification (the shop checks how), which it answered.
          run.instant = await shop.expectInstantPaid(run, code);
          await expectNotifiedSuccess(run.instant.outTradeNo);
          await page.close();
        },
      },

      escrow: {
        title:
          'escrow (担保交易): paid into escrow → shipped in the admin → the buyer confirms receipt → settled',
        async run() {
          const { sandbox, storefront, desktop } = run;
          await shop.prepareEscrow?.(run);
          const page = await desktop.newPage();
          await checkout(page, run, shop, 'escrow');
          await page.waitForURL(`${sandbox.url}/cashier/**`);
          expect(await page.textContent('body')).toContain('担保交易');
          const { code } = await payAtCashier(page);
          await page.waitForSelector('.status.paid', { timeout: 20_000 });
          expect(await page.textContent('[data-testid="order-status"]')).toContain('escrow');
          await screenshot(page, `${shop.name}-order-escrow`);
          const order = await shop.expectEscrowHeld(run, code);
          expect((await run.sandbox.trade(order.outTradeNo)).status).toBe('WAIT_SELLER_SEND_GOODS');

          // The merchant ships in the admin UI; the plugin confirms the shipment to Alipay
          // (send_goods_confirm_by_platform).
          await shop.shipInAdmin(run, order, {
            carrier: 'SF Express 顺丰速运',
            trackingNumber: 'SF1234567890',
          });
          const shipped = await eventually(
            async () => {
              const trade = await run.sandbox.trade(order.outTradeNo);
              return trade.status === 'WAIT_BUYER_CONFIRM_GOODS' && trade;
            },
            { what: 'the shipment confirmation on the sandbox' },
          );
          expect(shipped.shipment?.invoiceNo).toBe('SF1234567890');
          await shop.expectShipmentConfirmed(run, order, shipped.tradeNo);

          // The buyer confirms receipt on the sandbox's buyer page; Alipay releases the money.
          await page.goto(`${sandbox.url}/buyer/trades/${shipped.tradeNo}`);
          await page.click('#confirm-receipt');
          await eventually(
            async () => (await run.sandbox.trade(order.outTradeNo)).status === 'TRADE_FINISHED',
            { what: 'TRADE_FINISHED' },
          );
          await shop.expectEscrowSettled(run, order);
          await page.goto(`${storefront.url}/order/${code}`);
          await page.waitForSelector('.status.paid');
          expect(await page.textContent('[data-testid="order-status"]')).toContain(PAID);
          await page.close();
        },
      },

      refund: {
        title:
          'a refund from the admin: Alipay refunds ¥288.00 of the instant trade, the shop records it settled',
        async run() {
          const { instant } = run;
          if (!instant) throw new Error('the instant payment test did not pay an order');
          await shop.refundInAdmin(run, instant);
          expect((await run.sandbox.trade(instant.outTradeNo)).refundedAmount).toBe('288.00');
        },
      },

      settings: {
        title:
          'the Alipay settings form: a change is saved and reloaded, the secret stays masked and working',
        run: () => shop.editSettingsInAdmin(run),
      },

      devices: {
        title:
          'a phone gets the mobile website payment (wap); a desktop QR checkout gets the QR page, paid by scanning',
        async run() {
          const { sandbox, storefront, desktop, browser } = run;
          const phone = await mobileContext(browser);
          const mobilePage = await phone.newPage();
          const gatewayMethods: string[] = [];
          mobilePage.on('request', request => {
            const url = new URL(request.url());
            if (url.pathname.endsWith('/openapi/gateway.do'))
              gatewayMethods.push(url.searchParams.get('method') ?? '');
          });
          await checkout(mobilePage, run, shop, 'wap');
          await mobilePage.waitForURL(`${sandbox.url}/cashier/**`);
          await mobilePage.waitForSelector('#pay');
          expect(gatewayMethods).toEqual(['alipay.trade.wap.pay']);
          expect(storefront.log.some(line => /answered redirect for a mobile buyer/.test(line))).toBe(true);
          await screenshot(mobilePage, `${shop.name}-wap-cashier`);
          await phone.close();

          const page = await desktop.newPage();
          await checkout(page, run, shop, 'qr');
          await page.waitForURL(/\/order\/[^/]+\/qr$/);
          await page.waitForSelector('[data-testid="qr-image"] svg');
          await screenshot(page, `${shop.name}-qr`);
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
          await shop.expectQrPaid(run, code);
          await page.close();
        },
      },
    };

    for (const name of shop.scenarioOrder ?? SCENARIOS) {
      const scenario = scenarios[name];
      it(scenario.title, () => scenario.run());
    }
    for (const own of shop.ownScenarios ?? []) {
      it(own.title, () => own.run(run));
    }
  });
}
