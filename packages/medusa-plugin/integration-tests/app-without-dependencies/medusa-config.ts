/**
 * A shop that forgot `dependencies: ["alipay_settings"]` on the payment module: the most likely
 * installation mistake. The provider must say how to fix it instead of failing obscurely.
 */
import { alipayProviderEntry, testAppConfig } from '../utils/app-config';

module.exports = testAppConfig([
  {
    resolve: '@medusajs/medusa/payment',
    options: {
      providers: [
        alipayProviderEntry({
          backendUrl: 'http://localhost:9000',
          storefrontReturnUrl: 'http://storefront.test/',
        }),
      ],
    },
  },
]);
