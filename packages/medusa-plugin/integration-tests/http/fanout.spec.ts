/**
 * Issue 15, item 5: one shopper must not fan out Alipay calls. On a real Medusa 2.21 app and real
 * PostgreSQL, against the offline sandbox, which logs every gateway request it receives: many payment
 * attempts on one cart leave one open trade, and repeated or concurrent status checks (completing the
 * cart, `getPaymentStatus`) ask Alipay about it at most once per the core's `SYNC_MIN_INTERVAL_MS`.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import type { Sandbox } from '@alipay-commerce/sandbox';
import type { MedusaContainer } from '@medusajs/framework/types';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import { call, type HttpClient } from '../utils/http';
import type { SandboxControl } from '../utils/sandbox';
import { createAlipaySession, outTradeNoOf, prepareCart, type Shop } from '../utils/shop';
import { alipayTestApp, legacySettings, pluginModule, saveSettings, useAlipayShop } from '../utils/suite';

const SETTINGS_SECRET = 'c3'.repeat(32);
const app = await alipayTestApp(SETTINGS_SECRET);

const { default: AlipayProviderService } = pluginModule<typeof import('../../src/providers/alipay/service')>(
  './providers/alipay/service.js',
);

/** The core's `SYNC_MIN_INTERVAL_MS`. */
const SYNC_INTERVAL_MS = 5_000;

vi.setConfig({ testTimeout: 90_000 });

medusaIntegrationTestRunner({
  cwd: app.cwd,
  env: app.env,
  testSuite: ({ api: runnerApi, getContainer }) => {
    const api = runnerApi as unknown as HttpClient;
    let sandbox: Sandbox;
    let control: SandboxControl;
    let admin: Record<string, string>;
    let shop: Shop;
    const partner = () => sandbox.merchants[0]!.partner;

    useAlipayShop(api, getContainer, {
      ready: async fixture => {
        ({ sandbox, control, admin, shop } = fixture);
        await saveSettings(api, admin, legacySettings(sandbox, 'legacy-direct', { charset: 'utf-8' }));
      },
    });

    /** The gateway calls of one kind (legacy service) the sandbox received about `outTradeNos`. */
    async function calls(name: string, outTradeNos: string[]): Promise<string[][]> {
      const response = await fetch(`${sandbox.url}/__sandbox/gateway-calls?name=${encodeURIComponent(name)}`);
      const { calls: all } = (await response.json()) as { calls: Array<{ outTradeNos: string[] }> };
      return all.map(c => c.outTradeNos).filter(nos => nos.some(no => outTradeNos.includes(no)));
    }

    describe('Alipay calls per cart are bounded (issue 15 item 5)', () => {
      it('many attempts leave one open trade; repeated cart completions query it once per interval', async () => {
        const prepared = await prepareCart(api, shop);
        const sessions: Array<{ id: string; data: Record<string, unknown> }> = [];
        for (let i = 0; i < 8; i++)
          sessions.push(await createAlipaySession(api, prepared, { device: 'desktop' }));
        const ids = sessions.map(s => outTradeNoOf(s));
        const current = sessions[sessions.length - 1]!;
        // Medusa deleted each replaced session, and the plugin closed its trade: one close call each.
        expect((await calls('close_trade', ids)).map(nos => nos[0])).toEqual(ids.slice(0, -1));

        await control.openRequest(String(current.data.redirect_url));
        // The shopper hammers "complete": the cart is not paid, so each is refused, but only the first asks Alipay.
        for (let i = 0; i < 4; i++) {
          const completed = await call(
            api,
            'post',
            `/store/carts/${prepared.cartId}/complete`,
            prepared.store,
          );
          expect(JSON.stringify(completed.data)).not.toMatch(/"order":\{"id"/);
        }
        expect(await calls('single_trade_query', ids)).toEqual([[outTradeNoOf(current)]]);

        // Paid, the notification lost: once the interval has passed, completing the cart asks again.
        await control.addFault({ scope: { outTradeNo: outTradeNoOf(current) }, fault: 'drop-notify' });
        await control.pay({ outTradeNo: outTradeNoOf(current), partner: partner() });
        await new Promise(resolve => setTimeout(resolve, SYNC_INTERVAL_MS + 200));
        const completed = await call(api, 'post', `/store/carts/${prepared.cartId}/complete`, prepared.store);
        expect(completed.status, JSON.stringify(completed.data)).toBe(200);
        expect(completed.data.order?.id).toMatch(/^order_/);
        expect(await calls('single_trade_query', ids)).toEqual([
          [outTradeNoOf(current)],
          [outTradeNoOf(current)],
        ]);
      });

      it('concurrent status checks of one trade ask Alipay once', async () => {
        const container = getContainer() as MedusaContainer;
        const provider = new AlipayProviderService(
          {
            logger: container.resolve('logger'),
            configModule: container.resolve('configModule'),
            alipay: container.resolve('alipay'),
          },
          { backendUrl: app.backendUrl, storefrontReturnUrl: 'http://storefront.test/checkout/alipay' },
        );
        const started = await provider.initiatePayment({
          amount: 35,
          currency_code: 'cny',
          data: { session_id: 'payses_01FANOUTTEST000000000000A' },
        });
        const data = started.data!;
        const outTradeNo = outTradeNoOf(started);
        await control.openRequest(String(data.redirect_url));
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
});
