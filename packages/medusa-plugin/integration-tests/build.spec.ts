/**
 * `medusa plugin:build` (run once by the global setup, the artifact every other test file loads)
 * succeeded and produced what a shop consumes: the exports map targets, the migrations, the API
 * routes, and an admin bundle whose route module registers Settings → Alipay.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const built = (path: string) => join(packageRoot, '.medusa/server', path);

describe('medusa plugin:build', () => {
  it('exits 0 and reports both halves as built', () => {
    const build = inject('pluginBuild');
    expect(build.exitCode, build.output).toBe(0);
    expect(build.output).toContain('Plugin build completed successfully');
    expect(build.output).toContain('Plugin admin extensions build completed successfully');
  });

  it('emits the backend files a shop loads, and no test sources', () => {
    for (const file of [
      'src/providers/alipay/index.js',
      'src/modules/alipay/index.js',
      'src/api/middlewares.js',
      'src/api/admin/alipay/settings/route.js',
      'src/api/admin/alipay/settings/test-credentials/route.js',
      'src/api/admin/alipay/settings/validate/route.js',
      'src/api/admin/alipay/events/route.js',
      'src/api/admin/alipay/orders/[id]/route.js',
      'src/api/admin/alipay/shipments/[id]/retry/route.js',
      'src/api/hooks/alipay/notify/[providerId]/route.js',
      'src/api/hooks/alipay/return/[providerId]/route.js',
      'src/jobs/alipay-reconcile-payments.js',
      'src/jobs/alipay-retry-shipments.js',
      'src/subscribers/alipay-shipment-created.js',
      'src/modules/alipay/migrations/Migration20261125211736.js',
    ]) {
      expect(existsSync(built(file)), file).toBe(true);
    }
    const migrations = readFileSync(
      join(packageRoot, 'src/modules/alipay/migrations/.snapshot-medusa-alipay-settings.json'),
      'utf8',
    );
    expect(migrations).toContain('"key_ciphertext"');
    expect(existsSync(built('integration-tests'))).toBe(false);
  });

  it('resolves every exports entry the README tells shops to use', () => {
    // Self-reference through package.json "exports", as a shop's require() would resolve them.
    const require = createRequire(join(packageRoot, 'package.json'));
    const provider = require('@alipay-commerce/medusa/providers/alipay');
    expect(provider.default.services[0].identifier).toBe('alipay');
    const alipayModule = require('@alipay-commerce/medusa/modules/alipay');
    expect(alipayModule.default.service.name).toBe('AlipayModuleService');
    expect(require.resolve('@alipay-commerce/medusa/admin')).toBe(built('src/admin/index.js'));
  });

  it('ships an admin bundle with the /settings/alipay route, its menu item and the order widget', () => {
    const bundle = readFileSync(built('src/admin/index.mjs'), 'utf8');
    const routeModule = bundle.slice(bundle.indexOf('const routeModule'));
    expect(routeModule).toMatch(
      /routes:\s*\[\s*\{\s*Component: AlipaySettingsPage,\s*path: "\/settings\/alipay"/,
    );
    expect(bundle).toMatch(/menuItems:\s*\[[\s\S]*path: "\/settings\/alipay"/);
    // The settings form is drawn from the core's settings vocabulary, which the shop's admin build bundles
    // from the browser-safe entry (the labels live there, not in this bundle).
    expect(bundle).toMatch(/import \{[^}]*\bSETTING_FIELDS\b[^}]*\} from "@alipay-commerce\/core\/settings"/);
    expect(bundle).toMatch(/Component: AlipayOrderPanel,\s*zone: \["order\.details\.after"\]/);
    // Browser code only: the core (node:crypto, iconv-lite) must not be bundled into the admin.
    expect(bundle).not.toMatch(/node:crypto|createHash|iconv-lite/);
  });
});
