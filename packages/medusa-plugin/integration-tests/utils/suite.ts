/**
 * What the checkout specs share: the app's options for `medusaIntegrationTestRunner`, the plugin's own
 * build loaded as the running app loads it, and one offline sandbox, admin user and shop per file.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '@alipay-commerce/sandbox';
import type { MedusaContainer } from '@medusajs/framework/types';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createAdminUser } from './admin';
import { type HttpClient, ok } from './http';
import { freePort } from './ports';
import { SandboxControl, startTestSandbox } from './sandbox';
import { type Shop, setupShop } from './shop';

/** One spec file's app, as {@link alipayTestApp} prepares it. */
export interface AlipayTestApp {
  /** The test app's directory (`medusaIntegrationTestRunner`'s `cwd`). */
  cwd: string;
  /** The app's environment: its port and the settings-encryption secret. */
  env: Record<string, string>;
  /** Where the app listens, which the provider's `backendUrl` points at (`ALIPAY_TEST_BACKEND_URL`). */
  backendUrl: string;
}

/** Picks a free port for one spec file's app and the secret its Alipay settings are encrypted with. */
export async function alipayTestApp(settingsSecret: string): Promise<AlipayTestApp> {
  const port = await freePort();
  const backendUrl = `http://localhost:${port}`;
  process.env.ALIPAY_TEST_BACKEND_URL = backendUrl;
  return {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ALIPAY_SETTINGS_SECRET: settingsSecret, PORT: String(port) },
    backendUrl,
  };
}

const pluginRequire = createRequire(fileURLToPath(new URL('../../.medusa/server/src/', import.meta.url)));

/**
 * A module of the plugin's build (`./reconciliation/reconcile.js`), through Node's own require: the same module
 * instances as the running app, which a TypeScript import of `src/` would not be.
 */
export function pluginModule<T>(path: string): T {
  return pluginRequire(path) as T;
}

/** What {@link useAlipayShop} sets up for a spec file. */
export interface AlipayShopFixture {
  sandbox: Sandbox;
  control: SandboxControl;
  /** Headers of the admin user. */
  admin: Record<string, string>;
  shop: Shop;
}

/**
 * Registers the hooks of a spec file that pays through the sandbox: before all tests a sandbox, an
 * admin user and a shop (`channels` sales channels), handed to `ready` (which keeps them and may
 * save the merchant's settings); after each test the sandbox's faults and trades are cleared — the
 * runner restores the database before each test, and a pending retry of an earlier test's trade
 * would otherwise arrive as an orphan.
 */
export function useAlipayShop(
  api: HttpClient,
  getContainer: () => unknown,
  options: { channels?: number; ready: (fixture: AlipayShopFixture) => void | Promise<void> },
): void {
  let fixture: AlipayShopFixture | undefined;
  beforeAll(async () => {
    const sandbox = await startTestSandbox();
    const control = new SandboxControl(sandbox.url);
    const admin = await createAdminUser(getContainer() as MedusaContainer, api);
    const shop = await setupShop(api, admin, { channels: options.channels });
    fixture = { sandbox, control, admin, shop };
    await options.ready(fixture);
  });
  afterAll(async () => {
    await fixture?.sandbox.close();
  });
  afterEach(async () => {
    await fixture?.control.clearFaults();
    fixture?.sandbox.reset();
  });
}

/** Settings of the sandbox's merchant A (legacy partner + MD5 key) for `interfaceType`. */
export function legacySettings<T extends 'legacy-direct' | 'legacy-escrow' | 'legacy-dual'>(
  sandbox: Sandbox,
  interfaceType: T,
  extra: Record<string, unknown> = {},
) {
  const merchant = sandbox.merchants[0]!;
  return {
    interfaceType,
    gateway: sandbox.legacyGateway,
    partnerId: merchant.partner,
    key: merchant.key,
    sellerEmail: merchant.sellerEmail,
    ...extra,
  };
}

/** Settings of the sandbox's OpenAPI app (app ID + RSA2 keys). */
export function openApiSettings(
  sandbox: Sandbox,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const app = sandbox.apps[0]!;
  return {
    interfaceType: 'openapi-page-wap-qr',
    gateway: sandbox.openapiGateway,
    appId: app.appId,
    appPrivateKey: app.privateKey,
    alipayPublicKey: app.alipayPublicKey,
    sellerId: app.sellerId,
    ...extra,
  };
}

/** Saves Alipay settings through the admin API (what the merchant does on Settings → Alipay). */
export async function saveSettings(
  api: HttpClient,
  admin: Record<string, string>,
  settings: Record<string, unknown>,
): Promise<void> {
  await ok(api, 'post', '/admin/alipay/settings', admin, settings);
}
