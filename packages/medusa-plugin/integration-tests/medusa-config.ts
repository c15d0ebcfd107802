/**
 * The Medusa app the integration tests boot: the plugin installed the way the README tells a shop
 * to, loaded from its build output through the package's `exports`.
 */
import { alipayProviderEntry, testAppConfig } from './utils/app-config';

module.exports = testAppConfig([
  // RBAC (rbac.spec.ts sets MEDUSA_FF_RBAC=true): Medusa reads this file before it registers its own
  // feature flags, so defineConfig leaves the rbac module out; a shop that turns RBAC on lists it too.
  ...(process.env.MEDUSA_FF_RBAC === 'true' ? [{ resolve: '@medusajs/medusa/rbac' }] : []),
  {
    resolve: '@medusajs/medusa/payment',
    // Lets the provider resolve the plugin's settings module from the payment module's container.
    dependencies: ['alipay'],
    options: {
      providers: [
        alipayProviderEntry({
          // The test server's own URL: the spec picks the port before booting (PORT) and sets this.
          backendUrl: process.env.ALIPAY_TEST_BACKEND_URL ?? 'http://localhost:9000',
          storefrontReturnUrl: 'http://storefront.test/checkout/alipay',
          // A spec file that tests the orphan policy turns it on through its app's environment.
          ...(process.env.ALIPAY_TEST_AUTO_REFUND_ORPHANS === 'true'
            ? { autoRefundOrphanPayments: true }
            : {}),
        }),
        // A second contract (antom.spec.ts sets it): an Antom provider with settings of its own, as a shop
        // selling in USD next to CNY configures it (packages/medusa-plugin/README.md, "Antom").
        ...(process.env.ALIPAY_TEST_ANTOM_PROVIDER === 'true'
          ? [
              alipayProviderEntry(
                {
                  backendUrl: process.env.ALIPAY_TEST_BACKEND_URL ?? 'http://localhost:9000',
                  storefrontReturnUrl: 'http://storefront.test/checkout/alipay',
                  settingsScope: 'antom',
                },
                'antom',
              ),
            ]
          : []),
      ],
    },
  },
]);
