/**
 * The example shop's Medusa configuration: the Alipay plugin installed exactly as
 * `packages/medusa-plugin/README.md` tells a merchant (the plugin under `plugins`, the provider under the
 * payment module with `dependencies: ['alipay']`), nothing else added. The Alipay credentials are
 * not here: they are saved in the admin (Settings → Alipay), which the first start seeds.
 *
 * Read by every Medusa command (`medusa db:migrate`, `exec`, `build`, `start`); `scripts/start.ts` sets the
 * environment: `PORT`, `STOREFRONT_URL`, `DATABASE_URL`, and the secrets `JWT_SECRET`, `COOKIE_SECRET`,
 * `ALIPAY_SETTINGS_SECRET`.
 *
 * Production mode (several processes on one PostgreSQL, see docs/deployment.md), driven by three more
 * variables; without them the shop is one process with Medusa's in-memory modules:
 * - `REDIS_URL`: Medusa's Redis event bus, workflow engine, locking and caching, shared by every process;
 * - `MEDUSA_WORKER_MODE`: `server` (HTTP only: API routes, the notify route, the admin), `worker` (the
 *   scheduled jobs and the subscribers, no API routes) or `shared` (both, the default);
 * - `MEDUSA_BACKEND_URL`: the public URL in front of the servers (the load balancer), which Alipay's
 *   notifications are sent to.
 */
import { defineConfig } from '@medusajs/framework/utils';

const port = Number(process.env.PORT || 9000);
/**
 * Where the shop is reached: the notify URL Alipay posts to, the admin at `/app`. Behind a load balancer
 * this is the balancer's URL (`MEDUSA_BACKEND_URL`), not an instance's own.
 */
const backendUrl = (process.env.MEDUSA_BACKEND_URL || `http://localhost:${port}`).replace(/\/+$/, '');
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

/** Shared state of a multi-process shop; unset: one process, in-memory modules. */
const redisUrl = process.env.REDIS_URL || undefined;

/** What this process does: `server` answers HTTP, `worker` runs jobs and subscribers, `shared` both. */
function workerMode(): 'shared' | 'worker' | 'server' {
  const mode = process.env.MEDUSA_WORKER_MODE || 'shared';
  if (mode !== 'shared' && mode !== 'worker' && mode !== 'server') {
    throw new Error(
      `MEDUSA_WORKER_MODE must be shared, worker or server, not "${mode}". / ` +
        `MEDUSA_WORKER_MODE 必须是 shared、worker 或 server，而不是 "${mode}"。`,
    );
  }
  return mode;
}

/**
 * Medusa's Redis modules, as its documentation configures them: the event bus (a subscriber runs once,
 * in a worker), the workflow engine (scheduled jobs run once per tick across the workers), locking (a
 * lock holds across processes) and the caching module's Redis provider.
 */
function redisModules(url: string) {
  return [
    { resolve: '@medusajs/medusa/event-bus-redis', options: { redisUrl: url } },
    { resolve: '@medusajs/medusa/workflow-engine-redis', options: { redis: { redisUrl: url } } },
    {
      resolve: '@medusajs/medusa/locking',
      options: {
        providers: [
          {
            resolve: '@medusajs/medusa/locking-redis',
            id: 'locking-redis',
            is_default: true,
            options: { redisUrl: url },
          },
        ],
      },
    },
    {
      resolve: '@medusajs/medusa/caching',
      options: {
        providers: [
          {
            resolve: '@medusajs/medusa/caching-redis',
            id: 'caching-redis',
            is_default: true,
            options: { redisUrl: url },
          },
        ],
      },
    },
  ];
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl,
    workerMode: workerMode(),
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
    // A worker serves no HTTP but /health: no dashboard. (Read at start only: `medusa build` runs without
    // MEDUSA_WORKER_MODE, so one build serves every process.)
    disable: workerMode() === 'worker',
  },
  // The caching module is behind Medusa's `caching` feature flag in 2.21.
  ...(redisUrl ? { featureFlags: { caching: true } } : {}),
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
          {
            // The Antom (cross-border) contract for the USD region, next to the mainland one: settings of
            // its own under Settings → Alipay (`settingsScope`). Antom 跨境收单（美元区域），独立设置。
            resolve: '@alipay-commerce/medusa/providers/alipay',
            id: 'antom', // → provider ID pp_alipay_antom
            options: {
              backendUrl,
              storefrontReturnUrl: `${storefrontUrl}/order/return`,
              subject: '演示商店订单 Demo shop order',
              autoRefundOrphanPayments: process.env.ALIPAY_AUTO_REFUND_ORPHANS !== 'false',
              settingsScope: 'antom',
            },
          },
        ],
      },
    },
    ...(redisUrl ? redisModules(redisUrl) : []),
  ],
});
