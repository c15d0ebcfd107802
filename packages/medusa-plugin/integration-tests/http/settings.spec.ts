/**
 * The plugin inside a real Medusa 2.21 app on real PostgreSQL: provider registration, provider →
 * settings module wiring, encrypted write-only settings through the admin API, validation with the
 * core, the credentials test against the offline sandbox, the settings page in a real browser. (The notify
 * route's guards: `notify-route.spec.ts`.)
 * One app boot for the whole file; the database is restored before each test.
 */
import type { IPaymentModuleService, IWorkflowEngineService } from '@medusajs/framework/types';
import { Modules } from '@medusajs/framework/utils';
import { alipaySpec } from '../utils/alipay-spec';
import { chromiumPath, launchBrowser, openHarness } from '../utils/browser';
import { call } from '../utils/http';
import { ALIPAY_MODULE, type AlipayModuleService } from '../utils/plugin';

/** A legacy MD5 key: 32 letters and digits, like the real ones. */
const MD5_KEY = 'k3yPlain7extSecretValue012345678';
/** Another valid key. */
const OTHER_MD5_KEY = 'an0therPlainTextSecretValue98765';
const PRIVATE_KEY_BODY = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC${'x'.repeat(40)}Zq9w`;
const APP_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n`;

await alipaySpec({ settingsSecret: 'a1'.repeat(32), prepare: 'admin', testTimeout: 60_000 }, t => {
  describe('provider registration', () => {
    it('boots with pp_alipay_alipay registered in payment_provider, and the jobs scheduled', async () => {
      const rows = await t.db.raw('select id, is_enabled from payment_provider order by id');
      expect(rows.rows).toContainEqual({ id: 'pp_alipay_alipay', is_enabled: true });

      const payment = t.container.resolve<IPaymentModuleService>(Modules.PAYMENT);
      const providers = await payment.listPaymentProviders({ id: 'pp_alipay_alipay' });
      expect(providers.map(provider => provider.id)).toEqual(['pp_alipay_alipay']);

      // The plugin's scheduled jobs are registered with Medusa's scheduler and run through it.
      const engine = t.container.resolve<IWorkflowEngineService>(Modules.WORKFLOW_ENGINE);
      for (const job of ['job-alipay-reconcile-payments', 'job-alipay-retry-shipments']) {
        const { errors } = await engine.run(job, { input: {}, throwOnError: false });
        expect(errors, job).toEqual([]);
      }
    });

    it('lets the provider read the alipay_settings module from inside the payment module', async () => {
      const payment = t.container.resolve<IPaymentModuleService>(Modules.PAYMENT);
      const settings = t.container.resolve<AlipayModuleService>(ALIPAY_MODULE);
      const collection = await payment.createPaymentCollections({ currency_code: 'cny', amount: 25 });
      const startSession = () =>
        payment.createPaymentSession(collection.id, {
          provider_id: 'pp_alipay_alipay',
          amount: 25,
          currency_code: 'cny',
          data: {},
        });

      // Nothing saved yet: the provider reached the module, read the (empty) table and says so.
      await expect(startSession()).rejects.toThrow(/Alipay is not configured yet/);

      // Saved settings are seen by the provider on the next call (no restart).
      await settings.saveSettings(t.legacySettings());
      const session = await startSession();
      expect(session.data).toMatchObject({ kind: 'redirect', amount: '25.00' });
      expect(session.data?.out_trade_no).toMatch(/^at[0-9a-f]{30}$/);
      expect(String(session.data?.redirect_url)).toContain(t.sandbox.legacyGateway);
    });

    it('takes medusa-config options as a fallback under the stored settings', async () => {
      const settings = t.container.resolve<AlipayModuleService>(ALIPAY_MODULE);
      const fallback = {
        interfaceType: 'legacy-escrow' as const,
        sellerEmail: 'fallback@example.com',
        charset: 'gbk' as const,
      };
      await expect(settings.getSettings(null, fallback)).resolves.toMatchObject(fallback);
      await settings.saveSettings({
        interfaceType: 'legacy-direct',
        partnerId: '2088000000000001',
        key: MD5_KEY,
      });
      // Stored fields win field by field; fields never stored still come from the fallback.
      await expect(settings.getSettings(null, fallback)).resolves.toMatchObject({
        interfaceType: 'legacy-direct',
        partnerId: '2088000000000001',
        sellerEmail: 'fallback@example.com',
        charset: 'gbk',
      });
    });
  });

  describe('admin settings API', () => {
    it('rejects unauthenticated requests', async () => {
      const response = await call(t.api, 'get', '/admin/alipay/settings', {});
      expect(response.status).toBe(401);
    });

    it('saves settings and returns secrets only masked; the database holds no plaintext', async () => {
      const saved = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: 'legacy-direct',
        partnerId: '2088000000000001',
        key: MD5_KEY,
        sellerEmail: 'seller@example.com',
        charset: 'GBK',
        appPrivateKey: APP_PRIVATE_KEY,
        refundWithoutPassword: true,
      });
      expect(saved.status).toBe(200);
      expect(saved.data.settings).toMatchObject({
        interfaceType: 'legacy-direct',
        partnerId: '2088000000000001',
        charset: 'gbk',
        refundWithoutPassword: true,
        hasKey: true,
        keyHint: `••••${MD5_KEY.slice(-4)}`,
        hasAppPrivateKey: true,
        // PEM armour is ignored: the hint ends with the key material, not "----".
        appPrivateKeyHint: '••••Zq9w',
        hasEncryptKey: false,
        encryptKeyHint: null,
      });

      const read = await call(t.api, 'get', '/admin/alipay/settings', t.admin);
      expect(read.status).toBe(200);
      expect(read.data.encryption).toEqual({ configured: true, problem: null });
      expect(read.data.global).toMatchObject({ hasKey: true, keyHint: `••••${MD5_KEY.slice(-4)}` });
      for (const body of [saved.data, read.data]) {
        expect(body.settings?.key ?? body.global?.key).toBeUndefined();
        const json = JSON.stringify(body);
        expect(json).not.toContain(MD5_KEY);
        expect(json).not.toContain(PRIVATE_KEY_BODY);
      }

      const rows = await t.db.raw('select * from alipay_settings');
      expect(rows.rows).toHaveLength(1);
      const row = rows.rows[0];
      expect(row.scope).toBe('global');
      expect(row.key_ciphertext).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
      expect(row.app_private_key_ciphertext).toMatch(/^v1:/);
      const rowJson = JSON.stringify(row);
      expect(rowJson).not.toContain(MD5_KEY);
      expect(rowJson).not.toContain(PRIVATE_KEY_BODY);

      // The server side still gets the plaintext back.
      const settings = t.container.resolve<AlipayModuleService>(ALIPAY_MODULE);
      await expect(settings.getSettings()).resolves.toMatchObject({
        key: MD5_KEY,
        appPrivateKey: APP_PRIVATE_KEY.trim(),
        alwaysQrOnDesktop: false,
      });
    });

    it('refuses to save a secret without ALIPAY_SETTINGS_SECRET and stores nothing', async () => {
      const previous = process.env.ALIPAY_SETTINGS_SECRET;
      delete process.env.ALIPAY_SETTINGS_SECRET;
      try {
        const response = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
          interfaceType: 'legacy-direct',
          partnerId: '2088000000000001',
          key: MD5_KEY,
        });
        expect(response.status).toBe(400);
        expect(response.data.message).toContain('ALIPAY_SETTINGS_SECRET is not set');
        expect(response.data.message).toContain('未设置 ALIPAY_SETTINGS_SECRET');
        expect(JSON.stringify(response.data)).not.toContain(MD5_KEY);

        const rows = await t.db.raw('select count(*)::int as n from alipay_settings');
        expect(rows.rows[0].n).toBe(0);

        const read = await call(t.api, 'get', '/admin/alipay/settings', t.admin);
        expect(read.data.encryption.configured).toBe(false);
        expect(read.data.encryption.problem).toContain('ALIPAY_SETTINGS_SECRET');
      } finally {
        process.env.ALIPAY_SETTINGS_SECRET = previous;
      }
    });

    it('keeps a write-only secret when the form is saved without it, and deletes it only on null', async () => {
      await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: 'legacy-direct',
        partnerId: '2088000000000001',
        key: MD5_KEY,
      });
      const before = (await t.db.raw('select key_ciphertext from alipay_settings')).rows[0].key_ciphertext;

      // The admin page sends every visible field and leaves the untouched secret out (or empty).
      for (const body of [
        { sellerEmail: 'new-seller@example.com', partnerId: '2088000000000002' },
        { sellerEmail: 'new-seller@example.com', key: '' },
      ]) {
        const response = await call(t.api, 'post', '/admin/alipay/settings', t.admin, body);
        expect(response.status).toBe(200);
        expect(response.data.settings).toMatchObject({ hasKey: true, keyHint: `••••${MD5_KEY.slice(-4)}` });
      }
      const after = (await t.db.raw('select key_ciphertext, seller_email, partner_id from alipay_settings'))
        .rows;
      expect(after).toEqual([
        { key_ciphertext: before, seller_email: 'new-seller@example.com', partner_id: '2088000000000002' },
      ]);

      const replaced = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        key: OTHER_MD5_KEY,
      });
      expect(replaced.data.settings.keyHint).toBe(`••••${OTHER_MD5_KEY.slice(-4)}`);

      // Deleting the key alone would leave unusable settings; with the interface type it is allowed.
      const refused = await call(t.api, 'post', '/admin/alipay/settings', t.admin, { key: null });
      expect(refused.status).toBe(400);
      const cleared = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: null,
        key: null,
      });
      expect(cleared.data.settings).toMatchObject({ hasKey: false, keyHint: null, interfaceType: null });
      expect(
        (await t.db.raw('select key_ciphertext from alipay_settings')).rows[0].key_ciphertext,
      ).toBeNull();
    });

    it('refuses settings the core rejects, with a message per field in English and Chinese', async () => {
      const response = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: 'legacy-escrow',
        partnerId: '2088 1234',
        key: 'too-short',
        sellerEmail: 'not-an-account',
      });
      expect(response.status).toBe(400);
      const byField = Object.fromEntries(
        response.data.issues.map((issue: { field: string; message: { en: string; zh: string } }) => [
          issue.field,
          issue.message,
        ]),
      );
      expect(Object.keys(byField).sort()).toEqual(['key', 'partnerId', 'sellerEmail']);
      expect(byField.partnerId.en).toContain('spaces');
      expect(byField.partnerId.zh).toContain('空格');
      expect(byField.key.en).toContain('32');
      expect(byField.key.zh).toContain('安全校验码');
      // The refused key is not echoed back, and nothing was stored.
      expect(JSON.stringify(response.data)).not.toContain('too-short');
      expect((await t.db.raw('select count(*)::int as n from alipay_settings')).rows[0].n).toBe(0);

      // OpenAPI: "always QR on desktop" without 当面付 in the contract (the core's device check).
      const openapi = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: 'openapi-page-wap',
        appId: t.sandbox.apps[0]!.appId,
        appPrivateKey: t.sandbox.apps[0]!.privateKey,
        alipayPublicKey: t.sandbox.apps[0]!.alipayPublicKey,
        alwaysQrOnDesktop: true,
      });
      expect(openapi.status).toBe(400);
      expect(openapi.data.issues).toEqual([
        {
          field: 'alwaysQrOnDesktop',
          message: { en: expect.stringContaining('QR'), zh: expect.stringContaining('二维码') },
        },
      ]);
      expect(JSON.stringify(openapi.data)).not.toContain('PRIVATE KEY');
      expect((await t.db.raw('select count(*)::int as n from alipay_settings')).rows[0].n).toBe(0);
    });

    it('tests the saved credentials against Alipay (the sandbox): good key, then a wrong one', async () => {
      await call(t.api, 'post', '/admin/alipay/settings', t.admin, t.legacySettings());
      const good = await call(t.api, 'post', '/admin/alipay/settings/test-credentials', t.admin, {});
      expect(good.status).toBe(200);
      expect(good.data).toMatchObject({ ok: true, code: 'TRADE_NOT_EXIST', scope: 'global' });
      expect(good.data.message.zh).toContain('凭据有效');

      await call(t.api, 'post', '/admin/alipay/settings', t.admin, { key: OTHER_MD5_KEY });
      const bad = await call(t.api, 'post', '/admin/alipay/settings/test-credentials', t.admin, {});
      expect(bad.data).toMatchObject({ ok: false, code: 'ILLEGAL_SIGN' });
      expect(bad.data.message.en).toMatch(/key/i);
      expect(bad.data.message.zh.length).toBeGreaterThan(0);
      expect(JSON.stringify(bad.data)).not.toContain(OTHER_MD5_KEY);
    });

    it('rejects unknown fields and malformed values', async () => {
      for (const body of [
        { partnerID: '2088' },
        { interfaceType: 'wechat' },
        { gateway: 'ftp://example.com' },
        { charset: 'latin1' },
        { alwaysQrOnDesktop: 'yes' },
      ]) {
        const response = await call(t.api, 'post', '/admin/alipay/settings', t.admin, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
      }
      expect((await t.db.raw('select count(*)::int as n from alipay_settings')).rows[0].n).toBe(0);
    });

    it('stores per-sales-channel seller overrides that win over the global settings', async () => {
      const channel = await call(t.api, 'post', '/admin/sales-channels', t.admin, { name: 'Seller A' });
      const salesChannelId: string = channel.data.sales_channel.id;
      await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        interfaceType: 'legacy-direct',
        sellerEmail: 'platform@example.com',
        partnerId: '2088000000000001',
        key: MD5_KEY,
      });
      const override = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        salesChannelId,
        sellerEmail: 'seller-a@example.com',
      });
      expect(override.status).toBe(200);

      const settings = t.container.resolve<AlipayModuleService>(ALIPAY_MODULE);
      await expect(settings.getSettings(salesChannelId)).resolves.toMatchObject({
        sellerEmail: 'seller-a@example.com',
        partnerId: '2088000000000001',
      });
      await expect(settings.getSettings()).resolves.toMatchObject({ sellerEmail: 'platform@example.com' });

      const read = await call(t.api, 'get', '/admin/alipay/settings', t.admin);
      expect(read.data.salesChannels).toEqual([
        expect.objectContaining({ salesChannelId, sellerEmail: 'seller-a@example.com', partnerId: null }),
      ]);

      const missing = await call(t.api, 'post', '/admin/alipay/settings', t.admin, {
        salesChannelId: 'sc_does_not_exist',
        sellerEmail: 'x@example.com',
      });
      expect(missing.status).toBe(404);

      const removed = await call(
        t.api,
        'delete',
        `/admin/alipay/settings/sales-channels/${salesChannelId}`,
        t.admin,
      );
      expect(removed.status).toBe(200);
      await expect(settings.getSettings(salesChannelId)).resolves.toMatchObject({
        sellerEmail: 'platform@example.com',
      });
    });
  });

  describe.skipIf(!chromiumPath)('settings page in a real browser (the built admin extension)', () => {
    it('shows the core’s field messages, saves, tests credentials, lists nothing to handle', async () => {
      await call(t.api, 'post', '/admin/alipay/settings', t.admin, t.legacySettings());
      const origin = t.app.backendUrl;
      const browser = await launchBrowser();
      try {
        const { page, problems } = await openHarness(browser, origin, t.admin.authorization!);
        await page.getByText('Alipay / 支付宝', { exact: true }).waitFor();
        expect(await page.getByTestId('alipay-notify-url').textContent()).toBe(
          `${origin}/hooks/alipay/notify/pp_alipay_alipay`,
        );
        expect(await page.inputValue('#alipay-partner-id')).toBe(t.sandbox.merchants[0]!.partner);
        expect(await page.getByTestId('alipay-attention').textContent()).toContain('Nothing to handle');

        // A pasted partner ID with a space: the core's message appears next to the field; nothing saved.
        await page.fill('#alipay-partner-id', '2088 1010 0000 0001');
        await page.getByRole('button', { name: 'Save / 保存' }).first().click();
        const error = page.getByTestId('alipay-error-partnerId');
        await error.waitFor();
        expect(await error.textContent()).toMatch(/spaces.*空格/);
        expect((await t.db.raw('select partner_id from alipay_settings')).rows[0].partner_id).toBe(
          t.sandbox.merchants[0]!.partner,
        );

        await page.fill('#alipay-partner-id', t.sandbox.merchants[0]!.partner);
        await page.fill('#alipay-seller-email', 'new-seller@t.sandbox.alipay.test');
        await page.getByRole('button', { name: 'Save / 保存' }).first().click();
        await page.getByText('Alipay settings saved / 支付宝设置已保存').waitFor();
        expect(await error.count()).toBe(0);
        expect((await t.db.raw('select seller_email from alipay_settings')).rows[0].seller_email).toBe(
          'new-seller@t.sandbox.alipay.test',
        );

        await page.getByRole('button', { name: 'Test credentials / 测试凭据' }).click();
        const result = page.getByTestId('alipay-credential-result');
        await result.waitFor();
        expect(await result.textContent()).toMatch(/TRADE_NOT_EXIST.*凭据有效/s);
        // The stored key never reaches the page.
        expect(await page.content()).not.toContain(t.sandbox.merchants[0]!.key);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
