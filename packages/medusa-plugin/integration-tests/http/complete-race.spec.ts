/**
 * The buyer's storefront completes the cart at the same moment as Alipay's notification is applied.
 *
 * The plugin answers Alipay `success` as soon as a notification is verified and stored, then applies the
 * payment (authorize, capture, complete the cart) right after. A storefront that calls
 * `POST /store/carts/:id/complete` when the buyer comes back runs into that apply: both want the cart's
 * lock. Found by the install test on Medusa 2.13 (issue 17): the apply failed on the lock and its retry
 * took the order the storefront had just completed for "another payment", an orphan — the one payment of
 * the order about to be refunded. Whatever the interleaving, one cart must give one order with the one
 * payment, no orphan and no refund; a storefront call that loses the race gets an answer, never a
 * crash, and a later call gets the order.
 */
import type { Sandbox } from '@alipay-commerce/sandbox';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { call, type Database, type HttpClient } from '../utils/http';
import type { SandboxControl } from '../utils/sandbox';
import { createAlipaySession, outTradeNoOf, prepareCart, type Shop } from '../utils/shop';
import { alipayTestApp, openApiSettings, saveSettings, useAlipayShop } from '../utils/suite';
import { acceptedPaymentsApplied, waitFor } from '../utils/wait';

process.env.ALIPAY_TEST_AUTO_REFUND_ORPHANS = 'true';
const app = await alipayTestApp('c7'.repeat(32));

vi.setConfig({ testTimeout: 240_000 });

/** Delays (ms) between the notification leaving Alipay and the storefront's complete call. */
const COMPLETE_DELAYS_MS = [0, 15, 40, 80, 150, 300];

medusaIntegrationTestRunner({
  cwd: app.cwd,
  env: app.env,
  testSuite: ({ api: runnerApi, getContainer, dbConnection }) => {
    const api = runnerApi as unknown as HttpClient;
    const db = dbConnection as unknown as Database;
    let sandbox: Sandbox;
    let control: SandboxControl;
    let admin: Record<string, string>;
    let shop: Shop;

    useAlipayShop(api, getContainer, {
      ready: fixture => {
        ({ sandbox, control, admin, shop } = fixture);
      },
    });

    it('the storefront completes the cart while the notification is applied: one order, one payment, no orphan, no refund', async () => {
      await saveSettings(api, admin, openApiSettings(sandbox));
      for (const delayMs of COMPLETE_DELAYS_MS) {
        const prepared = await prepareCart(api, shop);
        const session = await createAlipaySession(api, prepared);
        const outTradeNo = outTradeNoOf(session);
        await control.openRequest(session.data.redirect_url);

        const paying = control.pay({ outTradeNo, appId: sandbox.apps[0]!.appId });
        await new Promise(resolve => setTimeout(resolve, delayMs));
        const completing = call(api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
        const [paid, completed] = await Promise.all([paying, completing]);
        const round = `complete ${delayMs} ms after the notification`;
        expect(paid.deliveries[0], round).toMatchObject({ answer: 'success' });
        // The storefront's call gets an answer: the order, a cart still to be paid, or a clean refusal.
        expect(completed.status, `${round}: ${JSON.stringify(completed.data)}`).toBeLessThan(500);
        await acceptedPaymentsApplied(db);

        // One order for the cart, with the one captured payment.
        const orders = (await db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId]))
          .rows;
        expect(orders, round).toHaveLength(1);
        const payments = (
          await db.raw(
            `select p.id, p.captured_at from payment p
             join payment_session s on s.id = p.payment_session_id
             where s.payment_collection_id = ? and p.deleted_at is null and p.canceled_at is null`,
            [prepared.paymentCollectionId],
          )
        ).rows;
        expect(payments, round).toHaveLength(1);
        expect(payments[0].captured_at, round).not.toBeNull();
        // A storefront calling again gets that order.
        const again = await call(api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
        expect([again.status, again.data?.order?.id], round).toEqual([200, orders[0].order_id]);

        // No orphan, and Alipay refunded nothing: the shop's books equal Alipay's.
        const orphans = (
          await db.raw(`select id from alipay_event where kind = 'orphan' and out_trade_no = ?`, [outTradeNo])
        ).rows;
        expect(orphans, round).toEqual([]);
        await new Promise(resolve => setTimeout(resolve, 300));
        const trade = await control.trade(String(paid.trade.tradeNo));
        expect(Number(trade.refundedFen), round).toBe(0);
        expect(
          (await db.raw('select id from alipay_refund where out_trade_no = ?', [outTradeNo])).rows,
          round,
        ).toEqual([]);
        await waitFor('nothing left to apply', async () => {
          const { rows } = await db.raw(
            `select count(*)::int as n from alipay_notification_claim where state = 'processing'`,
          );
          return rows[0].n === 0;
        });
      }
    });
  },
});
