/**
 * What the test apps' `medusa-config.ts` files share: the project settings, the plugin installed the
 * way the README tells a shop to (loaded from its build output through the package's `exports`), and
 * the Alipay provider entry of the payment module. Loaded by Medusa with plain `require()` (through
 * the ts-node hook of `setup/register-ts.ts`), so CommonJS names only.
 */
import path from 'node:path';
import type { InputConfigWithArrayModules } from '@medusajs/framework/types';
import { defineConfig } from '@medusajs/framework/utils';

/** The plugin's package directory: a shop writes the package name, here it is its own workspace. */
const pluginRoot = path.resolve(__dirname, '../..');

/** A test app: the shared project settings with the payment (and other) modules of `modules`. */
export function testAppConfig(modules: InputConfigWithArrayModules['modules']) {
  return defineConfig({
    projectConfig: {
      // Replaced by @medusajs/test-utils with its per-run test database.
      databaseUrl: process.env.DATABASE_URL,
      http: {
        jwtSecret: 'integration-tests-jwt-secret',
        cookieSecret: 'integration-tests-cookie-secret',
        storeCors: 'http://localhost',
        adminCors: 'http://localhost',
        authCors: 'http://localhost',
      },
    },
    admin: { disable: true },
    // The offline sandbox listens on loopback: a development setup, allowed explicitly.
    plugins: [{ resolve: pluginRoot, options: { allowLoopbackGateway: true } }],
    modules,
  });
}

/** The payment module's provider entry for the plugin, with the provider's `options` (`id`: pp_alipay_<id>). */
export function alipayProviderEntry(options: Record<string, unknown>, id = 'alipay') {
  return {
    // Self-reference through the package's exports map: exactly what a shop resolves.
    resolve: require.resolve('@alipay-commerce/medusa/providers/alipay'),
    id,
    options,
  };
}
