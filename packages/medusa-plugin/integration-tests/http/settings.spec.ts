/**
 * The plugin inside a real Medusa 2.21 app on real PostgreSQL: provider registration, provider →
 * settings module wiring, encrypted write-only settings through the admin API, the raw-body notify
 * route. One app boot for the whole file; the database is restored before each test.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { IPaymentModuleService, Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules } from '@medusajs/framework/utils';
import { medusaIntegrationTestRunner } from '@medusajs/test-utils';
import { vi } from 'vitest';
import type AlipaySettingsModuleService from '../../src/modules/alipay_settings/service';
import { createAdminUser } from '../utils/admin';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** 32 bytes as hex, the documented format of ALIPAY_SETTINGS_SECRET. */
const SETTINGS_SECRET = 'a1'.repeat(32);
/** A legacy MD5 key: 32 characters, like the real ones. */
const MD5_KEY = 'k3yPlain7extSecretValue0123456789';
const PRIVATE_KEY_BODY = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC${'x'.repeat(40)}Zq9w`;
const APP_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n`;

/** The parts of the runner's axios client used here (axios is test-utils' dependency, not ours). */
interface HttpResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of several routes
  data: any;
  headers: Record<string, string>;
}
interface HttpClient {
  request(config: Record<string, unknown>): Promise<HttpResponse>;
  post(url: string, body: unknown, config?: Record<string, unknown>): Promise<HttpResponse>;
}
/** The runner's knex connection, reduced to raw queries. */
interface Database {
  // biome-ignore lint/suspicious/noExplicitAny: rows of ad-hoc SQL
  raw(sql: string): Promise<{ rows: any[] }>;
}

/** Status and body of an admin call, whatever the status (axios throws on non-2xx otherwise). */
async function call(
  api: HttpClient,
  method: 'get' | 'post' | 'delete',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpResponse> {
  return api.request({ method, url, data: body, headers, validateStatus: () => true });
}

vi.setConfig({ testTimeout: 60_000 });

medusaIntegrationTestRunner({
  cwd: appDir,
  env: { ALIPAY_SETTINGS_SECRET: SETTINGS_SECRET },
  testSuite: ({ api: runnerApi, getContainer, dbConnection }) => {
    const api = runnerApi as unknown as HttpClient;
    const db = dbConnection as unknown as Database;
    let adminHeaders: Record<string, string>;

    beforeAll(async () => {
      adminHeaders = await createAdminUser(getContainer() as MedusaContainer, api);
    });

    describe('provider registration', () => {
      it('boots with pp_alipay_alipay registered in payment_provider', async () => {
        const rows = await db.raw('select id, is_enabled from payment_provider order by id');
        expect(rows.rows).toContainEqual({ id: 'pp_alipay_alipay', is_enabled: true });

        const payment = getContainer().resolve<IPaymentModuleService>(Modules.PAYMENT);
        const providers = await payment.listPaymentProviders({ id: 'pp_alipay_alipay' });
        expect(providers.map(provider => provider.id)).toEqual(['pp_alipay_alipay']);
      });

      it('lets the provider read the alipay_settings module from inside the payment module', async () => {
        const payment = getContainer().resolve<IPaymentModuleService>(Modules.PAYMENT);
        const settings = getContainer().resolve<AlipaySettingsModuleService>('alipay_settings');
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

        // Saved settings are seen by the provider on the next call (no restart, no cache).
        await settings.saveSettings({ interfaceType: 'openapi-page', appId: '2021000000000001' });
        await expect(startSession()).rejects.toThrow(/initiatePayment is wired in the next phase/);

        // A failed initiate leaves no session behind.
        const sessions = await payment.listPaymentSessions({ payment_collection_id: collection.id });
        expect(sessions).toEqual([]);
      });
    });

    describe('admin settings API', () => {
      it('rejects unauthenticated requests', async () => {
        const response = await call(api, 'get', '/admin/alipay/settings', {});
        expect(response.status).toBe(401);
      });

      it('saves settings and returns secrets only masked; the database holds no plaintext', async () => {
        const saved = await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
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

        const read = await call(api, 'get', '/admin/alipay/settings', adminHeaders);
        expect(read.status).toBe(200);
        expect(read.data.encryption).toEqual({ configured: true, problem: null });
        expect(read.data.global).toMatchObject({ hasKey: true, keyHint: `••••${MD5_KEY.slice(-4)}` });
        for (const body of [saved.data, read.data]) {
          expect(body.settings?.key ?? body.global?.key).toBeUndefined();
          const json = JSON.stringify(body);
          expect(json).not.toContain(MD5_KEY);
          expect(json).not.toContain(PRIVATE_KEY_BODY);
        }

        const rows = await db.raw('select * from alipay_settings');
        expect(rows.rows).toHaveLength(1);
        const row = rows.rows[0];
        expect(row.scope).toBe('global');
        expect(row.key_ciphertext).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
        expect(row.app_private_key_ciphertext).toMatch(/^v1:/);
        const rowJson = JSON.stringify(row);
        expect(rowJson).not.toContain(MD5_KEY);
        expect(rowJson).not.toContain(PRIVATE_KEY_BODY);

        // The server side still gets the plaintext back.
        const settings = getContainer().resolve<AlipaySettingsModuleService>('alipay_settings');
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
          const response = await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
            interfaceType: 'legacy-direct',
            partnerId: '2088000000000001',
            key: MD5_KEY,
          });
          expect(response.status).toBe(400);
          expect(response.data.message).toContain('ALIPAY_SETTINGS_SECRET is not set');
          expect(response.data.message).toContain('未设置 ALIPAY_SETTINGS_SECRET');
          expect(JSON.stringify(response.data)).not.toContain(MD5_KEY);

          const rows = await db.raw('select count(*)::int as n from alipay_settings');
          expect(rows.rows[0].n).toBe(0);

          const read = await call(api, 'get', '/admin/alipay/settings', adminHeaders);
          expect(read.data.encryption.configured).toBe(false);
          expect(read.data.encryption.problem).toContain('ALIPAY_SETTINGS_SECRET');
        } finally {
          process.env.ALIPAY_SETTINGS_SECRET = previous;
        }
      });

      it('keeps a write-only secret when the form is saved without it, and deletes it only on null', async () => {
        await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
          interfaceType: 'legacy-direct',
          partnerId: '2088000000000001',
          key: MD5_KEY,
        });
        const before = (await db.raw('select key_ciphertext from alipay_settings')).rows[0].key_ciphertext;

        // The admin page sends every visible field and leaves the untouched secret out (or empty).
        for (const body of [
          { sellerEmail: 'new-seller@example.com', partnerId: '2088000000000002' },
          { sellerEmail: 'new-seller@example.com', key: '' },
        ]) {
          const response = await call(api, 'post', '/admin/alipay/settings', adminHeaders, body);
          expect(response.status).toBe(200);
          expect(response.data.settings).toMatchObject({ hasKey: true, keyHint: `••••${MD5_KEY.slice(-4)}` });
        }
        const after = (await db.raw('select key_ciphertext, seller_email, partner_id from alipay_settings'))
          .rows;
        expect(after).toEqual([
          { key_ciphertext: before, seller_email: 'new-seller@example.com', partner_id: '2088000000000002' },
        ]);

        const replaced = await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
          key: `${MD5_KEY}X`,
        });
        expect(replaced.data.settings.keyHint).toBe(`••••${`${MD5_KEY}X`.slice(-4)}`);

        const cleared = await call(api, 'post', '/admin/alipay/settings', adminHeaders, { key: null });
        expect(cleared.data.settings).toMatchObject({ hasKey: false, keyHint: null });
        expect(
          (await db.raw('select key_ciphertext from alipay_settings')).rows[0].key_ciphertext,
        ).toBeNull();
      });

      it('rejects unknown fields and malformed values', async () => {
        for (const body of [
          { partnerID: '2088' },
          { interfaceType: 'wechat' },
          { gateway: 'ftp://example.com' },
          { charset: 'latin1' },
          { alwaysQrOnDesktop: 'yes' },
        ]) {
          const response = await call(api, 'post', '/admin/alipay/settings', adminHeaders, body);
          expect(response.status, JSON.stringify(body)).toBe(400);
        }
        expect((await db.raw('select count(*)::int as n from alipay_settings')).rows[0].n).toBe(0);
      });

      it('stores per-sales-channel seller overrides that win over the global settings', async () => {
        const channel = await call(api, 'post', '/admin/sales-channels', adminHeaders, { name: 'Seller A' });
        const salesChannelId: string = channel.data.sales_channel.id;
        await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
          interfaceType: 'legacy-direct',
          sellerEmail: 'platform@example.com',
          partnerId: '2088000000000001',
        });
        const override = await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
          salesChannelId,
          sellerEmail: 'seller-a@example.com',
        });
        expect(override.status).toBe(200);

        const settings = getContainer().resolve<AlipaySettingsModuleService>('alipay_settings');
        await expect(settings.getSettings(salesChannelId)).resolves.toMatchObject({
          sellerEmail: 'seller-a@example.com',
          partnerId: '2088000000000001',
        });
        await expect(settings.getSettings()).resolves.toMatchObject({ sellerEmail: 'platform@example.com' });

        const read = await call(api, 'get', '/admin/alipay/settings', adminHeaders);
        expect(read.data.salesChannels).toEqual([
          expect.objectContaining({ salesChannelId, sellerEmail: 'seller-a@example.com', partnerId: null }),
        ]);

        const missing = await call(api, 'post', '/admin/alipay/settings', adminHeaders, {
          salesChannelId: 'sc_does_not_exist',
          sellerEmail: 'x@example.com',
        });
        expect(missing.status).toBe(404);

        const removed = await call(
          api,
          'delete',
          `/admin/alipay/settings/sales-channels/${salesChannelId}`,
          adminHeaders,
        );
        expect(removed.status).toBe(200);
        await expect(settings.getSettings(salesChannelId)).resolves.toMatchObject({
          sellerEmail: 'platform@example.com',
        });
      });

      it('answers the credentials test with 501 until the payment logic exists', async () => {
        const response = await call(api, 'post', '/admin/alipay/settings/test-credentials', adminHeaders);
        expect(response.status).toBe(501);
        expect(response.data.message).toContain('wired in the next phase');
      });
    });

    describe('notify route', () => {
      /** `subject=测试` percent-encoded in GBK, then `body=测试` as raw GBK bytes, then a `sign`. */
      const gbkBody = Buffer.concat([
        Buffer.from('notify_type=trade_status_sync&subject=%B2%E2%CA%D4&body=', 'latin1'),
        Buffer.from([0xb2, 0xe2, 0xca, 0xd4]),
        Buffer.from('&sign=abc%2Bdef%3D%3D&sign_type=MD5', 'latin1'),
      ]);

      it('hands the handler the exact GBK bytes and answers plain text', async () => {
        const logger = getContainer().resolve<Logger>(ContainerRegistrationKeys.LOGGER);
        const warn = vi.spyOn(logger, 'warn');
        try {
          const response = await api.post('/hooks/alipay/notify/pp_alipay_alipay', gbkBody, {
            headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
            responseType: 'text',
            transformResponse: (data: unknown) => data,
            validateStatus: () => true,
          });
          expect(response.status).toBe(503);
          expect(response.headers['content-type']).toMatch(/^text\/plain\b/);
          expect(response.data).toBe('fail');

          const digest = createHash('sha256').update(gbkBody).digest('hex');
          const lines = warn.mock.calls.map(args => String(args[0]));
          expect(lines).toContainEqual(
            expect.stringContaining(
              `notification for pp_alipay_alipay: ${gbkBody.length} bytes, sha256 ${digest}`,
            ),
          );
        } finally {
          warn.mockRestore();
        }
      });

      it('accepts the provider id without the pp_ prefix', async () => {
        const response = await api.post('/hooks/alipay/notify/alipay_alipay', gbkBody, {
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
          validateStatus: () => true,
        });
        expect(response.status).toBe(503);
      });

      it('refuses unknown providers, other content types and oversized bodies', async () => {
        const post = (url: string, body: Buffer | string, contentType: string) =>
          api.post(url, body, {
            headers: { 'content-type': contentType },
            responseType: 'text',
            transformResponse: (data: unknown) => data,
            validateStatus: () => true,
          });
        const form = 'application/x-www-form-urlencoded; charset=utf-8';

        const unknown = await post('/hooks/alipay/notify/pp_stripe_stripe', gbkBody, form);
        expect([unknown.status, unknown.data]).toEqual([404, 'fail']);
        const notRegistered = await post('/hooks/alipay/notify/pp_alipay_other', gbkBody, form);
        expect(notRegistered.status).toBe(404);
        const json = await post('/hooks/alipay/notify/pp_alipay_alipay', '{"a":1}', 'application/json');
        expect([json.status, json.data]).toEqual([415, 'fail']);
        const huge = await post('/hooks/alipay/notify/pp_alipay_alipay', Buffer.alloc(65 * 1024, 0x61), form);
        expect([huge.status, huge.data]).toEqual([413, 'fail']);
      });
    });
  },
});
