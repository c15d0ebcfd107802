/**
 * Issue 15 items 3 and 4 on Medusa, with Medusa's RBAC on (`MEDUSA_FF_RBAC=true`): every
 * `/admin/alipay/*` route declares its policies, so a role without them — and a secret API key, which
 * has no role — gets 403; changing the gateway, keys or seller IDs also needs
 * `alipay_credentials:update`; the gateway must be one the deployment allows; every change writes one
 * audit line with the admin's ID and the field names, never the values.
 */
import type { Logger } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { vi } from 'vitest';
import { createAdminUser } from '../utils/admin';
import { alipaySpec } from '../utils/alipay-spec';
import { call, ok } from '../utils/http';

const MD5_KEY = 'rbacTestSecretValue0123456789abc';

/** Every admin route of the plugin, with a request that reaches its handler when allowed. */
const ROUTES: Array<{ method: 'get' | 'post' | 'delete'; url: string; body?: unknown }> = [
  { method: 'get', url: '/admin/alipay/settings' },
  { method: 'post', url: '/admin/alipay/settings', body: { charset: 'utf-8' } },
  { method: 'post', url: '/admin/alipay/settings/validate', body: {} },
  { method: 'post', url: '/admin/alipay/settings/test-credentials', body: {} },
  { method: 'delete', url: '/admin/alipay/settings/sales-channels/sc_none' },
  { method: 'get', url: '/admin/alipay/events' },
  { method: 'post', url: '/admin/alipay/events/evt_none/resolve', body: {} },
  { method: 'get', url: '/admin/alipay/orders/order_none' },
  { method: 'post', url: '/admin/alipay/orphans/none/refund', body: {} },
  { method: 'post', url: '/admin/alipay/shipments/none/retry', body: {} },
];

// MEDUSA_FF_RBAC before the runner loads medusa-config.ts (it applies `env` only after), so the config
// lists the rbac module.
await alipaySpec(
  {
    settingsSecret: 'b2'.repeat(32),
    prepare: 'sandbox',
    env: { MEDUSA_FF_RBAC: 'true' },
    testTimeout: 120_000,
  },
  t => {
    let superAdmin: Record<string, string>;
    const users: Record<string, { id: string; headers: Record<string, string> }> = {};
    const logged: string[] = [];

    /** A user with `roleIds`, linked before the login so that the token carries the roles. */
    async function userWithRoles(email: string, roleIds: string[]) {
      const user = await createAdminUser(t.container, t.api, {
        email,
        password: 'rbac-test-password',
        roleIds,
      });
      return { id: user.userId, headers: user.headers };
    }

    /** A role holding the policies of `keys` (`resource:operation`). */
    async function role(name: string, keys: string[]): Promise<string> {
      const { policies } = await ok(t.api, 'get', '/admin/rbac/policies?limit=1000', superAdmin);
      const ids = keys.map(key => {
        const policy = policies.find(
          (p: { resource: string; operation: string }) => `${p.resource}:${p.operation}` === key,
        );
        if (!policy)
          throw new Error(`No policy ${key}: ${policies.map((p: { key: string }) => p.key).join(', ')}`);
        return policy.id;
      });
      const { role: created } = await ok(t.api, 'post', '/admin/rbac/roles', superAdmin, {
        name,
        policy_ids: ids,
      });
      return created.id;
    }

    beforeAll(async () => {
      const logger = t.container.resolve<Logger>(ContainerRegistrationKeys.LOGGER);
      for (const level of ['info', 'warn'] as const) {
        const original = logger[level].bind(logger);
        vi.spyOn(logger, level).mockImplementation((message: string, ...rest: unknown[]) => {
          logged.push(String(message));
          return (original as (...args: unknown[]) => void)(message, ...rest);
        });
      }
      superAdmin = (await userWithRoles('super@rbac.test', ['role_super_admin'])).headers;
      const support = await role('Support', ['order:read']);
      const manager = await role('Alipay manager', [
        'alipay_settings:read',
        'alipay_settings:update',
        'alipay_credentials:update',
        'alipay_event:read',
        'alipay_event:update',
        'alipay_payment:read',
        'alipay_payment:update',
      ]);
      const editor = await role('Alipay settings editor', ['alipay_settings:read', 'alipay_settings:update']);
      users.support = await userWithRoles('support@rbac.test', [support]);
      users.manager = await userWithRoles('manager@rbac.test', [manager]);
      users.editor = await userWithRoles('editor@rbac.test', [editor]);
    });

    it('a role without the plugin’s policies, and a secret API key, get 403 on every /admin/alipay route', async () => {
      const { api_key } = await ok(t.api, 'post', '/admin/api-keys', superAdmin, {
        title: 'CI',
        type: 'secret',
      });
      const apiKey = { authorization: `Basic ${Buffer.from(`${api_key.token}:`).toString('base64')}` };
      // The key works where Medusa lets it (so a 403 below is the policies, not a broken key).
      expect((await call(t.api, 'get', '/admin/regions', apiKey)).status).not.toBe(401);
      for (const route of ROUTES) {
        for (const [who, headers] of [
          ['support role', users.support!.headers],
          ['secret API key', apiKey],
        ] as const) {
          const response = await call(t.api, route.method, route.url, headers, route.body);
          expect(response.status, `${who}: ${route.method.toUpperCase()} ${route.url}`).toBe(403);
        }
      }
    });

    it('a role with the policies reaches every route', async () => {
      await ok(t.api, 'post', '/admin/alipay/settings', superAdmin, t.legacySettings());
      for (const route of ROUTES) {
        const response = await call(t.api, route.method, route.url, users.manager!.headers, route.body);
        expect(response.status, `${route.method.toUpperCase()} ${route.url}`).not.toBe(403);
        expect(response.status, `${route.method.toUpperCase()} ${route.url}`).toBeLessThan(500);
      }
    });

    it('changing the gateway, keys or seller IDs needs alipay_credentials:update; other fields do not', async () => {
      const settings = t.legacySettings();
      await ok(t.api, 'post', '/admin/alipay/settings', superAdmin, settings);
      const editor = users.editor!.headers;
      for (const change of [{ gateway: 'production' }, { key: MD5_KEY }, { sellerId: '2088000000000099' }]) {
        const refused = await call(t.api, 'post', '/admin/alipay/settings', editor, change);
        expect(refused.status, JSON.stringify(change)).toBe(403);
      }
      // The whole form sent back unchanged (secrets left empty = kept), with another charset: allowed.
      const { key: _key, ...form } = settings;
      const saved = await call(t.api, 'post', '/admin/alipay/settings', editor, {
        ...form,
        key: '',
        charset: 'gbk',
      });
      expect(saved.status).toBe(200);
      const { global } = await ok(t.api, 'get', '/admin/alipay/settings', superAdmin);
      expect(global).toMatchObject({ gateway: settings.gateway, charset: 'gbk', hasKey: true });
      expect(global.sellerId ?? null).toBeNull();
      expect(logged).toContain(
        `Alipay settings audit: admin ${users.editor!.id} changed the global settings: charset`,
      );
      expect(logged.some(line => line.includes(`refused user ${users.editor!.id} changing gateway`))).toBe(
        true,
      );
      // The manager may.
      const allowed = await call(t.api, 'post', '/admin/alipay/settings', users.manager!.headers, {
        key: MD5_KEY,
      });
      expect(allowed.status).toBe(200);
      expect(logged).toContain(
        `Alipay settings audit: admin ${users.manager!.id} changed the global settings: key`,
      );
    });

    it('audit lines name the admin and the fields, never a value', async () => {
      const settings = t.legacySettings();
      await ok(t.api, 'post', '/admin/alipay/settings', superAdmin, settings);
      const audit = logged.filter(line => line.startsWith('Alipay settings audit'));
      expect(
        audit.some(line =>
          line.endsWith('changed the global settings: gateway, interfaceType, key, partnerId, sellerEmail'),
        ),
      ).toBe(true);
      const text = logged.join('\n');
      expect(text).not.toContain(t.sandbox.merchants[0]!.key);
      expect(text).not.toContain(MD5_KEY);
    });

    it('the gateway must be one the deployment allows', async () => {
      const response = await call(t.api, 'post', '/admin/alipay/settings', superAdmin, {
        ...t.legacySettings(),
        gateway: 'https://attacker.example/gateway.do',
      });
      expect(response.status).toBe(400);
      const issue = response.data.issues.find((i: { field: string }) => i.field === 'gateway');
      expect(issue.message.en).toContain('a URL this server allows');
      expect(issue.message.zh).toContain('本服务器允许的网址');
    });
  },
);
