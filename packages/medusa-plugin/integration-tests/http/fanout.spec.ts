/**
 * Issue 15, item 5: one shopper must not fan out Alipay calls. On a real Medusa 2.21 app and real
 * PostgreSQL, against the offline sandbox, which logs every gateway request it receives: many payment
 * attempts on one cart leave one open trade, and repeated or concurrent status checks (completing the
 * cart, `getPaymentStatus`) ask Alipay about it at most once per the core's `SYNC_MIN_INTERVAL_MS`.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import type { GatewayCall } from '@alipay-commerce/sandbox';
import { alipaySpec } from '../utils/alipay-spec';
import { call } from '../utils/http';
import { outTradeNoOf, type StoreSession } from '../utils/shop';

/** The core's `SYNC_MIN_INTERVAL_MS`. */
const SYNC_INTERVAL_MS = 5_000;

await alipaySpec(
  { settingsSecret: 'c3'.repeat(32), settings: t => t.legacySettings('legacy-direct', { charset: 'utf-8' }) },
  t => {
    /** The gateway calls of one kind (legacy service) the sandbox received about `outTradeNos`. */
    async function calls(name: string, outTradeNos: string[]): Promise<string[][]> {
      const all = await t.control.gatewayCalls<GatewayCall>({ name });
      return all.map(c => c.outTradeNos).filter(nos => nos.some(no => outTradeNos.includes(no)));
    }

    describe('Alipay calls per cart are bounded (issue 15 item 5)', () => {
      it('many attempts leave one open trade; repeated cart completions query it once per interval', async () => {
        const prepared = await t.prepareCart();
        const sessions: StoreSession[] = [];
        for (let i = 0; i < 8; i++) sessions.push(await t.createSession(prepared, { device: 'desktop' }));
        const ids = sessions.map(s => outTradeNoOf(s));
        const current = sessions[sessions.length - 1]!;
        // Medusa deleted each replaced session, and the plugin closed its trade: one close call each.
        expect((await calls('close_trade', ids)).map(nos => nos[0])).toEqual(ids.slice(0, -1));

        await t.control.openRequest(String(current.data.redirect_url));
        const complete = () =>
          call(t.api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
        // The shopper hammers "complete": the cart is not paid, so each is refused, but only the first asks Alipay.
        for (let i = 0; i < 4; i++) {
          expect(JSON.stringify((await complete()).data)).not.toMatch(/"order":\{"id"/);
        }
        expect(await calls('single_trade_query', ids)).toEqual([[outTradeNoOf(current)]]);

        // Paid, the notification lost: once the interval has passed, completing the cart asks again.
        await t.loseNotifications(current, 'all');
        await t.pay(current);
        await new Promise(resolve => setTimeout(resolve, SYNC_INTERVAL_MS + 200));
        const completed = await complete();
        expect(completed.status, JSON.stringify(completed.data)).toBe(200);
        expect(completed.data.order?.id).toMatch(/^order_/);
        expect(await calls('single_trade_query', ids)).toEqual([
          [outTradeNoOf(current)],
          [outTradeNoOf(current)],
        ]);
      });

      it('concurrent status checks of one trade ask Alipay once', async () => {
        const { provider, data } = await t.providerPayment('payses_01FANOUTTEST000000000000A');
        const outTradeNo = outTradeNoOf({ data });
        await t.control.openRequest(String(data.redirect_url));
        const answers = await Promise.all(
          Array.from({ length: 6 }, () => provider.getPaymentStatus({ data })),
        );
        for (const answer of answers) expect(answer.status).toBe('pending');
        expect(await calls('single_trade_query', [outTradeNo])).toHaveLength(1);
        // The shop's own close is news: the next check asks Alipay again and sees it closed.
        await provider.cancelPayment({ data });
        await expect(provider.getPaymentStatus({ data })).resolves.toMatchObject({ status: 'canceled' });
        expect(await calls('single_trade_query', [outTradeNo])).toHaveLength(2);
      });
    });
  },
);
