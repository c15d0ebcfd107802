/**
 * Payments the notify route accepted (answered Alipay `success`) before applying them, whose process then
 * died: the `alipay-resume-payments` job applies them, waits quietly while a dead process still holds the
 * cart's lock, and a cart whose payment was added before the crash is completed by the next notification.
 * The same legacy 即时到账 merchant as `checkout.spec.ts`, on a real Medusa 2.21 app and real PostgreSQL.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import { eventually } from '@alipay-commerce/sandbox/testing';
import type { IPaymentModuleService } from '@medusajs/framework/types';
import { Modules } from '@medusajs/framework/utils';
import { alipaySpec } from '../utils/alipay-spec';
import { ALIPAY_MODULE, type AlipayModuleService, resumeAcceptedPayments } from '../utils/plugin';
import { outTradeNoOf } from '../utils/shop';

await alipaySpec(
  {
    settingsSecret: 'b3'.repeat(32),
    settings: t => t.legacySettings('legacy-direct', { charset: 'utf-8', refundWithoutPassword: true }),
  },
  t => {
    /**
     * What a process that died right after answering Alipay leaves: an accepted claim with its event, which
     * nobody refreshes any more (made with the plugin's own service, as the notify route does).
     */
    const acceptedClaimOfDeadProcess = async (
      session: { id: string; data?: Record<string, unknown> | null },
      tradeNo: string,
    ) => {
      const settings = t.container.resolve<AlipayModuleService>(ALIPAY_MODULE);
      const outTradeNo = outTradeNoOf(session);
      const claim = await settings.claimNotification({
        tradeNo,
        claimKey: 'TRADE_SUCCESS',
        outTradeNo,
        sessionId: session.id,
        source: 'notify',
      });
      if (!claim.claimed) throw new Error('the claim was taken');
      await settings.acceptClaim(claim.claimId, {
        providerId: 'pp_alipay_alipay',
        scope: t.shop.salesChannels[0]!.id,
        outTradeNo,
        tradeNo,
        status: 'paid',
        alipayStatus: 'TRADE_SUCCESS',
        amountFen: 3500,
      });
    };

    it('answers a payment before applying it; an accepted payment whose process died is applied by the resume job', async () => {
      const { prepared, session } = await t.startCheckout();
      const paid = await t.payLosingNotifications(session);
      const dropped = paid.deliveries[0]!;
      const rawState = async () => ({
        orders: (await t.db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows,
        claims: (await t.db.raw('select state, outcome, attempts from alipay_notification_claim')).rows,
      });

      await acceptedClaimOfDeadProcess(session, String(paid.trade.tradeNo));

      // Alipay's retry while the claim is still fresh: acknowledged (it is accepted), nothing applied twice.
      const retry = await t.postNotification(dropped.body, dropped.contentType);
      expect([retry.status, retry.data]).toEqual([200, 'success']);
      expect(await rawState()).toEqual({
        orders: [],
        claims: [{ state: 'processing', outcome: 'accepted', attempts: 0 }],
      });
      // A fresh claim belongs to a live process: the job leaves it alone.
      expect(await resumeAcceptedPayments(t.container)).toBe(0);

      // Its holder stopped refreshing it longer than the lease ago: the job applies the stored event.
      await t.db.raw(`update alipay_notification_claim set claimed_at = now() - interval '1 minute'`);
      // The app's own `alipay-resume-payments` job (every 10 s) may get there first: either applies it once.
      expect(await resumeAcceptedPayments(t.container)).toBeLessThanOrEqual(1);
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
      expect(after.payments[0]!.captured_at).not.toBeNull();
      expect((await rawState()).claims).toEqual([
        { state: 'processed', outcome: 'order_created', attempts: 0 },
      ]);
      expect(await resumeAcceptedPayments(t.container)).toBe(0);

      // A genuine delivery now is a plain duplicate.
      const late = await t.postNotification(dropped.body, dropped.contentType);
      expect([late.status, late.data]).toEqual([200, 'success']);
      expect((await t.checkoutRows(prepared, session.id)).orders).toHaveLength(1);
    });

    it('an accepted payment whose cart is still locked by a dead process: retried quietly until the lock expires, then applied', async () => {
      const { prepared, session } = await t.startCheckout();
      const paid = await t.payLosingNotifications(session);
      await acceptedClaimOfDeadProcess(session, String(paid.trade.tradeNo));
      // The dead process was inside Medusa's payment workflow: it holds the cart's lock until it expires.
      const locking = t.container.resolve(Modules.LOCKING);
      await locking.acquire(prepared.cartId, { ownerId: 'the-dead-server', expire: 300 });
      try {
        await t.db.raw(`update alipay_notification_claim set claimed_at = now() - interval '1 minute'`);
        // This call or the app's own job (every 10 s) takes it over; the workflow waits 30 s for the lock.
        void resumeAcceptedPayments(t.container);
        await eventually(
          async () =>
            (await t.db.raw('select attempts from alipay_notification_claim')).rows[0]?.attempts === 1,
          { what: 'the attempt that met the lock', timeoutMs: 90_000, intervalMs: 500 },
        );
        // Busy, not broken: no error for the merchant, and the claim waits for its retry.
        const errors = await t.db.raw(
          `select details from alipay_event where out_trade_no = ? and kind = 'error'`,
          [outTradeNoOf(session)],
        );
        expect(errors.rows).toEqual([]);
        const orders = await t.db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId]);
        expect(orders.rows).toEqual([]);
      } finally {
        await locking.release(prepared.cartId, { ownerId: 'the-dead-server' });
      }
      // The lock gone (expired), the retry that comes due applies the payment once.
      await t.db.raw(`update alipay_notification_claim set claimed_at = now() - interval '1 minute'`);
      await resumeAcceptedPayments(t.container);
      const after = await eventually(
        async () => {
          const rows = await t.checkoutRows(prepared, session.id);
          return rows.orders.length === 1 ? rows : undefined;
        },
        { what: 'the order after the retry', timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(after.payments).toHaveLength(1);
    }, 180_000);

    it('a process that died between adding the payment and completing the cart: the next notification completes it', async () => {
      const { prepared, session } = await t.startCheckout();
      const paid = await t.payLosingNotifications(session);
      // What Medusa's payment workflow commits before it completes the cart: the session authorized, its
      // payment made (the provider finds the trade paid: captured). Then the process died.
      const payments = t.container.resolve<IPaymentModuleService>(Modules.PAYMENT);
      await payments.authorizePaymentSession(session.id, {});
      const before = await t.checkoutRows(prepared, session.id);
      expect([before.orders, before.payments.length]).toEqual([[], 1]);

      // Alipay's retry finds the payment settled: the core ignores it, and the paid cart is completed.
      const retry = await t.postNotification(paid.deliveries[0]!.body, paid.deliveries[0]!.contentType);
      expect([retry.status, retry.data]).toEqual([200, 'success']);
      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toHaveLength(1);
      expect(after.payments).toHaveLength(1);
    });
  },
);
