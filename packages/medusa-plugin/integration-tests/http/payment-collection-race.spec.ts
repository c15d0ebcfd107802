/**
 * An admin deletes a cart's payment collection while the plugin is adding Alipay's verified payment
 * to it (issue 14; found by the invariant suite, CI seed 7, sequence #169). Medusa's
 * `DELETE /admin/payment-collections/:id` only checks that the collection is `not_paid` and unlinks
 * it from its cart; it never asks the payment provider. When that lands between the plugin reading
 * the session's facts (a cart, no order) and Medusa inserting the payment, the money reaches a
 * collection that belongs to no cart and no order. It must then be an orphan payment — journalled,
 * and refunded by the shop's policy — never money taken for nothing.
 *
 * The race is made deterministic with PostgreSQL itself, on a connection of the test's own: a
 * `SHARE` lock on the `payment` table lets every read through and holds the payment's `INSERT`.
 * The test waits until the plugin's payment workflow is blocked on that lock, deletes the collection
 * (which does not touch `payment`), then releases the lock. Nothing of the plugin or Medusa is mocked.
 *
 * The second test holds the trade's `alipay_trade` row as well, so that the orphan record written after
 * Medusa's commit waits, and then cuts that database connection (as a crash at that moment would): the
 * accepted payment's retry finds the payment already there, and must still make the money an orphan.
 *
 * This app runs with `autoRefundOrphanPayments: true`.
 */
import { eventually } from '@alipay-commerce/sandbox/testing';
import pg from 'pg';
import { alipaySpec } from '../utils/alipay-spec';
import { call, ok } from '../utils/http';
import { resumeAcceptedPayments } from '../utils/plugin';

/** Rejects with `what` when `promise` has not settled within `ms` (a step that must not wait on the lock). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

await alipaySpec({ settingsSecret: 'e5'.repeat(32), autoRefundOrphans: true }, t => {
  /** A connection of the test's own to the app's database (the runner's `DB_*` variables). */
  async function separateConnection(): Promise<pg.Client> {
    const { rows } = await t.db.raw('select current_database() as name');
    const client = new pg.Client({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT),
      user: process.env.DB_USERNAME,
      password: process.env.DB_PASSWORD,
      database: rows[0].name,
    });
    await client.connect();
    return client;
  }

  /** Backends waiting for a lock that `holder` holds, with the statement each one waits in; `null` when none. */
  async function waitingOn(holder: pg.Client): Promise<Array<{ pid: number; query: string }> | null> {
    const { rows } = await t.db.raw(
      `select pid, query from pg_stat_activity
       where datname = current_database() and ? = any(pg_blocking_pids(pid))`,
      [(holder as unknown as { processID: number }).processID],
    );
    return rows.length > 0 ? rows : null;
  }

  /** The first backend that waits for `holder`'s lock, once there is one. */
  async function firstWaiting(holder: pg.Client, what: string) {
    const [waiting] = await eventually(() => waitingOn(holder), { what, timeoutMs: 30_000 });
    return waiting!;
  }

  /** The shop's settled refunds of a trade (`alipay_refund`), in fen, by origin. */
  async function settledRefunds(outTradeNo: string): Promise<Array<{ origin: string; fen: number }>> {
    return (await t.refundRows(outTradeNo))
      .filter(row => row.status === 'succeeded')
      .map(row => ({ origin: row.origin, fen: Math.round(Number(row.amount) * 100) }));
  }

  /** The trade's money is an orphan payment in the merchant's journal, for the reason the core gives. */
  async function journalledAsOrphan(outTradeNo: string) {
    expect(await t.orphanEvents()).toEqual([
      expect.objectContaining({
        out_trade_no: outTradeNo,
        details: expect.objectContaining({ reason: 'order_missing' }),
      }),
    ]);
  }

  /** …refunded by the shop's policy, once: the shop's books equal Alipay's. */
  async function refundedAsOrphan(tradeNo: string, outTradeNo: string) {
    await eventually(async () => (await t.alipayRefundedFen(tradeNo)) === 3500, {
      what: 'the orphan refund',
    });
    await eventually(
      async () => (await settledRefunds(outTradeNo)).some(refund => refund.origin === 'orphan'),
      {
        what: 'the orphan refund to be settled',
      },
    );
    expect(await settledRefunds(outTradeNo)).toEqual([{ origin: 'orphan', fen: 3500 }]);
  }

  /** An OpenAPI checkout whose trade exists at Alipay, not paid yet. */
  async function openApiCheckout() {
    await t.saveSettings(t.openApiSettings());
    const checkout = await t.startCheckout();
    return { ...checkout, outTradeNo: String(checkout.session.data.out_trade_no ?? checkout.session.id) };
  }

  it('the payment collection is deleted while the payment is being added: the money is an orphan, refunded, books equal Alipay’s', async () => {
    const { prepared, session, outTradeNo } = await openApiCheckout();

    const lock = await separateConnection();
    let locked = false;
    try {
      // Reads of `payment` pass, its INSERT waits: the plugin reads the session's facts (a cart, no
      // order, no payment) and Medusa's payment workflow starts, up to the payment's insert.
      await lock.query('begin');
      await lock.query('lock table payment in share mode');
      locked = true;

      // Alipay's verified notification of the payment (35.00 CNY, TRADE_SUCCESS).
      const paying = t.pay(session);
      const held = await firstWaiting(lock, 'the plugin’s payment insert to wait for the lock');
      expect(held.query).toMatch(/^\s*insert into "payment"/i);

      // Meanwhile the admin deletes the payment collection: it is still `not_paid`, so Medusa unlinks it
      // from the cart. It must not wait for the lock (it never touches `payment`).
      const deleted = await within(
        20_000,
        'DELETE /admin/payment-collections/:id',
        call(t.api, 'delete', `/admin/payment-collections/${prepared.paymentCollectionId}`, t.admin),
      );
      expect([deleted.status, deleted.data]).toEqual([200, expect.objectContaining({ deleted: true })]);
      expect(
        (
          await t.db.raw('select id from cart_payment_collection where cart_id = ? and deleted_at is null', [
            prepared.cartId,
          ])
        ).rows,
      ).toEqual([]);
      // Exactly inside the window: the payment is still held back.
      expect(
        (await t.db.raw('select id from payment where payment_session_id = ?', [session.id])).rows,
      ).toEqual([]);

      // The payment goes on.
      await lock.query('rollback');
      locked = false;
      const paid = await within(30_000, 'the payment notification', paying);
      expect(paid.deliveries[0]).toMatchObject({ answer: 'success' });
      const tradeNo = String(paid.trade.tradeNo);
      await t.acceptedPaymentsApplied();

      // Alipay took the money, and Medusa holds a payment on a collection that belongs to no cart or order.
      const payment = (
        await t.db.raw('select id, captured_at from payment where payment_session_id = ?', [session.id])
      ).rows[0];
      expect(payment?.id).toBeTruthy();
      expect(
        (await t.db.raw('select order_id from order_cart where cart_id = ?', [prepared.cartId])).rows,
      ).toEqual([]);

      // So the money is an orphan payment, in the journal the merchant reads…
      await journalledAsOrphan(outTradeNo);
      await refundedAsOrphan(tradeNo, outTradeNo);
      expect(await t.alipayRefundedFen(tradeNo)).toBe(3500);
      expect(await t.orphanEvents()).toEqual([
        expect.objectContaining({
          out_trade_no: outTradeNo,
          orphan_refund: expect.objectContaining({ status: 'succeeded', amount_fen: 3500 }),
          orphan_refunded_fen: 3500,
        }),
      ]);
    } finally {
      if (locked) await lock.query('rollback').catch(() => undefined);
      await lock.end();
    }
  });

  it('the orphan record fails after Medusa added the payment to the unlinked collection: the retried payment still becomes an orphan, refunded', async () => {
    const { prepared, session, outTradeNo } = await openApiCheckout();

    const paymentLock = await separateConnection();
    const tradeLock = await separateConnection();
    try {
      // The same race as above: the payment's insert held, the collection deleted meanwhile.
      await paymentLock.query('begin');
      await paymentLock.query('lock table payment in share mode');
      const paying = t.pay(session);
      const insert = await firstWaiting(paymentLock, 'the payment insert to wait');
      expect(insert.query).toMatch(/^\s*insert into "payment"/i);
      await ok(t.api, 'delete', `/admin/payment-collections/${prepared.paymentCollectionId}`, t.admin);
      // Now the trade's record is held too (its status was written before the payment workflow), so
      // the orphan record that follows Medusa's payment waits…
      await tradeLock.query('begin');
      await tradeLock.query('select id from alipay_trade where out_trade_no = $1 for update', [outTradeNo]);
      await paymentLock.query('rollback');
      const paid = await within(30_000, 'the payment notification', paying);
      const tradeNo = String(paid.trade.tradeNo);
      const orphanRecord = await firstWaiting(tradeLock, 'the orphan record to wait');
      expect(orphanRecord.query).toMatch(/^\s*update "alipay_trade" set "orphan_reason"/i);
      // …after Medusa committed the payment: Alipay's money is in a payment of no cart and no order.
      const payment = (
        await t.db.raw('select id, captured_at from payment where payment_session_id = ?', [session.id])
      ).rows[0];
      expect(payment?.captured_at).toBeTruthy();
      // …and fails there (the database connection is lost, as when the process dies at that moment).
      await t.db.raw('select pg_terminate_backend(?)', [orphanRecord.pid]);
      await tradeLock.query('rollback');
      // The attempt failed and is journalled; the accepted payment is left for the resume job.
      await eventually(
        async () => {
          const { rows } = await t.db.raw(
            `select details from alipay_event where out_trade_no = ? and kind = 'error'`,
            [outTradeNo],
          );
          return rows[0]?.details?.attempts === 1;
        },
        { what: 'the failed attempt to be journalled' },
      );
      expect(await t.orphanEvents()).toEqual([]);

      // The retry is due (the clock moved on): the payment is there now, the core ignores the event, and
      // the money must still end up an orphan, refunded.
      await t.db.raw(`update alipay_notification_claim set claimed_at = now() - interval '1 hour'`);
      expect(await resumeAcceptedPayments(t.container)).toBe(1);
      await t.acceptedPaymentsApplied();
      await journalledAsOrphan(outTradeNo);
      await refundedAsOrphan(tradeNo, outTradeNo);
    } finally {
      await paymentLock.query('rollback').catch(() => undefined);
      await tradeLock.query('rollback').catch(() => undefined);
      await paymentLock.end();
      await tradeLock.end();
    }
  });
});
