/**
 * A shop that forgot `dependencies: ["alipay"]` on the payment module: the most likely
 * installation mistake. The provider must say how to fix it instead of failing obscurely.
 */
import path from 'node:path';
import { defineConfig } from '@medusajs/framework/utils';

const pluginRoot = path.resolve(__dirname, '../..');

module.exports = defineConfig({
  projectConfig: {
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
  plugins: [{ resolve: pluginRoot, options: { allowLoopbackGateway: true } }],
  modules: [
    {
      resolve: '@medusajs/medusa/payment',
      options: {
        providers: [
          {
            resolve: require.resolve('@alipay-commerce/medusa/providers/alipay'),
            id: 'alipay',
            options: { backendUrl: 'http://localhost:9000', storefrontReturnUrl: 'http://storefront.test/' },
          },
        ],
      },
    },
  ],
});
