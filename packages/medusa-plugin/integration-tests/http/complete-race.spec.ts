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
import { eventually } from '@alipay-commerce/sandbox/testing';
import { alipaySpec } from '../utils/alipay-spec';
import { call } from '../utils/http';
import { outTradeNoOf } from '../utils/shop';

/** Delays (ms) between the notification leaving Alipay and the storefront's complete call. */
const COMPLETE_DELAYS_MS = [0, 15, 40, 80, 150, 300];

await alipaySpec({ settingsSecret: 'c7'.repeat(32), autoRefundOrphans: true, testTimeout: 240_000 }, t => {
  it('the storefront completes the cart while the notification is applied: one order, one payment, no orphan, no refund', async () => {
    await t.saveSettings(t.openApiSettings());
    for (const delayMs of COMPLETE_DELAYS_MS) {
      const { prepared, session } = await t.startCheckout();
      const outTradeNo = outTradeNoOf(session);
      const complete = () => call(t.api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);

      const paying = t.pay(session);
      await new Promise(resolve => setTimeout(resolve, delayMs));
      const [paid, completed] = await Promise.all([paying, complete()]);
      const round = `complete ${delayMs} ms after the notification`;
      expect(paid.deliveries[0], round).toMatchObject({ answer: 'success' });
      // The storefront's call gets an answer: the order, a cart still to be paid, or a clean refusal.
      expect(completed.status, `${round}: ${JSON.stringify(completed.data)}`).toBeLessThan(500);
      await t.acceptedPaymentsApplied();

      // One order for the cart, with the one captured payment.
      const orders = (await t.db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId]))
        .rows;
      expect(orders, round).toHaveLength(1);
      const payments = (
        await t.db.raw(
          `select p.id, p.captured_at from payment p
           join payment_session s on s.id = p.payment_session_id
           where s.payment_collection_id = ? and p.deleted_at is null and p.canceled_at is null`,
          [prepared.paymentCollectionId],
        )
      ).rows;
      expect(payments, round).toHaveLength(1);
      expect(payments[0].captured_at, round).not.toBeNull();
      // A storefront calling again gets that order.
      const again = await complete();
      expect([again.status, again.data?.order?.id], round).toEqual([200, orders[0].order_id]);

      // No orphan, and Alipay refunded nothing: the shop's books equal Alipay's.
      const orphans = (
        await t.db.raw(`select id from alipay_event where kind = 'orphan' and out_trade_no = ?`, [outTradeNo])
      ).rows;
      expect(orphans, round).toEqual([]);
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(await t.alipayRefundedFen(String(paid.trade.tradeNo)), round).toBe(0);
      expect(await t.refundRows(outTradeNo), round).toEqual([]);
      await eventually(
        async () => {
          const { rows } = await t.db.raw(
            `select count(*)::int as n from alipay_notification_claim where state = 'processing'`,
          );
          return rows[0].n === 0;
        },
        { what: 'nothing left to apply', timeoutMs: 15_000 },
      );
    }
  });
});
