/**
 * The example shop's Medusa configuration: the Alipay plugin installed exactly as
 * `packages/medusa-plugin/README.md` tells a merchant (the plugin under `plugins`, the provider under the
 * payment module with `dependencies: ['alipay']`), nothing else added. The Alipay credentials are
 * not here: they are saved in the admin (Settings → Alipay), which the first start seeds.
 *
 * Read by every Medusa command (`medusa db:migrate`, `exec`, `build`, `start`); `scripts/start.ts` sets the
 * environment: `PORT`, `STOREFRONT_URL`, `DATABASE_URL`, and the secrets `JWT_SECRET`, `COOKIE_SECRET`,
 * `ALIPAY_SETTINGS_SECRET`.
 */
import { defineConfig } from '@medusajs/framework/utils';

const port = Number(process.env.PORT || 9000);
/** Where this server is reached: the sandbox posts Alipay notifications here, the admin runs at `/app`. */
const backendUrl = `http://localhost:${port}`;
const storefrontUrl = (process.env.STOREFRONT_URL || 'http://localhost:8080').replace(/\/+$/, '');

/**
 * A secret from the environment. `scripts/start.ts` sets all three: from the environment, else from the
 * git-ignored `$DATA_DIR/secrets.json` it generates on the first start (never with NODE_ENV=production).
 * No fallback: a copied config never runs with a known key. 无默认值：复制的配置不会使用公开的密钥。
 */
function requiredSecret(name: 'JWT_SECRET' | 'COOKIE_SECRET' | 'ALIPAY_SETTINGS_SECRET'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: start the shop with \`pnpm start\` (it generates the secrets on the first run) or ` +
        `set ${name} (openssl rand -hex 32). / 未设置 ${name}：请用 \`pnpm start\` 启动（首次运行会生成密钥），` +
        `或设置 ${name}（openssl rand -hex 32）。`,
    );
  }
  return value;
}

// The plugin reads ALIPAY_SETTINGS_SECRET itself (it encrypts the Alipay secrets saved in the admin):
// checked here so that a missing key stops the start instead of the first save.
requiredSecret('ALIPAY_SETTINGS_SECRET');

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      // The storefront calls the Store API from its server and the browser; the admin is served by
      // this server itself (same origin), but the auth routes still check the origin.
      storeCors: storefrontUrl,
      adminCors: backendUrl,
      authCors: `${backendUrl},${storefrontUrl}`,
      jwtSecret: requiredSecret('JWT_SECRET'),
      cookieSecret: requiredSecret('COOKIE_SECRET'),
    },
    // `medusa start` runs with NODE_ENV=production, where the admin's session cookie is `Secure` and so
    // never set over the demo's plain http://localhost. Behind https, drop this line.
    cookieOptions: { secure: false },
    // No REDIS_URL: Medusa uses its in-memory event bus, locking, cache and workflow engine, and one
    // process does both the HTTP server and the jobs (the plugin's reconcile and retry jobs).
  },
  admin: {
    // The dashboard at http://localhost:<PORT>/app, calling the API on its own origin: one admin build
    // serves every port the demo and the tests pick.
    path: '/app',
  },
  plugins: [
    // API routes (notify, return, admin), the alipay module and its migrations, the jobs, the
    // shipment subscriber, the Settings → Alipay page and the order widget.
    // DEMO ONLY (演示用): the offline sandbox runs on this machine. A real shop leaves this out, so that no
    // admin can point the gateway at a loopback address; a proxy in front of Alipay goes in allowedGateways.
    { resolve: '@alipay-commerce/medusa', options: { allowLoopbackGateway: true } },
  ],
  modules: [
    {
      resolve: '@medusajs/medusa/payment',
      // Lets the provider read the settings saved in the admin.
      dependencies: ['alipay'],
      options: {
        providers: [
          {
            resolve: '@alipay-commerce/medusa/providers/alipay',
            id: 'alipay', // → provider ID pp_alipay_alipay
            options: {
              backendUrl,
              // Fallback landing page after the cashier; the storefront's Medusa client passes its own
              // per payment (`data.return_url`, same origin): `${STOREFRONT_URL}/order/<cart id>`.
              storefrontReturnUrl: `${storefrontUrl}/order/return`,
              subject: '演示商店订单 Demo shop order',
              // Orphan payments (paid on Alipay, no order to take them) are refunded by themselves, as in
              // the Vendure example shop; ALIPAY_AUTO_REFUND_ORPHANS=false leaves them to the admin
              // (Settings → Alipay). 无法关联的付款自动退款；设为 false 则由管理员在后台退款。
              autoRefundOrphanPayments: process.env.ALIPAY_AUTO_REFUND_ORPHANS !== 'false',
            },
          },
        ],
      },
    },
  ],
});
