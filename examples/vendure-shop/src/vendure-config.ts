/**
 * The example shop's Vendure configuration. The Alipay part (`DefaultJobQueuePlugin` with
 * `alipayBackoffStrategy()`, `DefaultSchedulerPlugin`, `AlipayPlugin.init({...})`) is exactly what
 * packages/vendure-plugin/README.md tells a merchant to add; everything else is an ordinary small
 * Vendure server on SQLite with the Vendure Dashboard.
 */
import { join } from 'node:path';
import { loadSecrets } from '@alipay-commerce/example-support/secrets';
import { AlipayPlugin, alipayBackoffStrategy } from '@alipay-commerce/vendure';
import {
  DefaultJobQueuePlugin,
  DefaultLogger,
  DefaultSchedulerPlugin,
  DefaultSearchPlugin,
  LogLevel,
  type VendureConfig,
} from '@vendure/core';
import { DashboardPlugin } from '@vendure/dashboard/plugin';
import { ExampleShopPlugin, goodsTypeOfOrder } from './example-shop.plugin';

/** The example shop's settings, read from the environment by {@link settingsFromEnv}. */
export interface ExampleShopSettings {
  /** Port of the Vendure server (Shop API, Admin API, Dashboard, Alipay endpoints). */
  port: number;
  /** Where the SQLite database lives; kept between starts. */
  dataDir: string;
  /** The shop's own URL as Alipay's servers and the buyer's browser reach it. */
  publicUrl: string;
  /** The offline Alipay sandbox the seeded payment methods point at. */
  sandboxUrl: string;
  /** The storefront; its return page (Alipay's way back) is `${storefrontUrl}/order/return`. */
  storefrontUrl: string;
  /** Vendure's log level (`LOG_LEVEL=debug|verbose|info|warn|error`). */
  logLevel: LogLevel;
  /** Signs the admin's session cookie: `COOKIE_SECRET`, else `$DATA_DIR/secrets.json` (see {@link secretsPath}). */
  cookieSecret: string;
  /** The superadmin Vendure creates on the first start. */
  superadmin: { identifier: string; password: string };
  /** The secrets this start generated into {@link secretsPath} (names only). */
  generatedSecrets: string[];
}

/**
 * The superadmin of the local demo (`SUPERADMIN_USERNAME` / `SUPERADMIN_PASSWORD` replace it). Test
 * material printed by `pnpm demo`, never for a real shop: with `NODE_ENV=production` the shop refuses to
 * start without `SUPERADMIN_PASSWORD`.
 */
export const DEMO_SUPERADMIN = { identifier: 'superadmin', password: 'superadmin' } as const;

/** Where generated secrets are kept: `secrets.json` in the (git-ignored) data directory. */
export function secretsPath(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

const LOG_LEVELS: Record<string, LogLevel> = {
  error: LogLevel.Error,
  warn: LogLevel.Warn,
  info: LogLevel.Info,
  verbose: LogLevel.Verbose,
  debug: LogLevel.Debug,
};

/**
 * Reads the settings from the environment; every variable has a default for `pnpm start`. The secrets
 * come from the environment or `$DATA_DIR/secrets.json`; a first start generates the missing ones there,
 * except with `NODE_ENV=production`, which throws `MissingSecretsError` instead (and also wants
 * `SUPERADMIN_PASSWORD`: the demo's superadmin is not for production).
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleShopSettings {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`PORT must be a TCP port number, got "${env.PORT}"`);
  }
  // Relative to this package, not to the caller's working directory: pnpm --filter runs us
  // from the package, `node dist/index.js` may run from anywhere.
  const dataDir = env.DATA_DIR || join(__dirname, '..', '.data');
  const production = env.NODE_ENV === 'production';
  const secrets = loadSecrets({
    file: secretsPath(dataDir),
    names: production ? ['COOKIE_SECRET', 'SUPERADMIN_PASSWORD'] : ['COOKIE_SECRET'],
    env,
  });
  return {
    port,
    dataDir,
    cookieSecret: secrets.values.COOKIE_SECRET as string,
    superadmin: {
      identifier: env.SUPERADMIN_USERNAME || DEMO_SUPERADMIN.identifier,
      password: secrets.values.SUPERADMIN_PASSWORD || env.SUPERADMIN_PASSWORD || DEMO_SUPERADMIN.password,
    },
    generatedSecrets: secrets.generated,
    publicUrl: trimSlash(env.PUBLIC_URL || `http://localhost:${port}`),
    sandboxUrl: trimSlash(env.ALIPAY_SANDBOX_URL || 'http://127.0.0.1:7010'),
    storefrontUrl: trimSlash(env.STOREFRONT_URL || 'http://localhost:8080'),
    logLevel: LOG_LEVELS[(env.LOG_LEVEL ?? 'warn').toLowerCase()] ?? LogLevel.Warn,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Path of the SQLite database file in the data directory. */
export function databasePath(settings: ExampleShopSettings): string {
  return join(settings.dataDir, 'vendure.sqlite');
}

/**
 * Where the built Dashboard is (vite.config.mts writes it): `dist/dashboard` of this package, the same
 * path from src/ (the Dashboard build reads the config there) and from dist/ (the running shop).
 */
export const dashboardDir = join(__dirname, '..', 'dist', 'dashboard');

/** The Vendure configuration of the example shop. */
export function createVendureConfig(settings: ExampleShopSettings): VendureConfig {
  return {
    apiOptions: {
      port: settings.port,
      adminApiPath: 'admin-api',
      shopApiPath: 'shop-api',
      // The Dashboard is served from this origin and the storefront calls the Shop API from its
      // server, so browsers need no other origin.
      cors: { origin: [settings.publicUrl, settings.storefrontUrl], credentials: true },
      // JSON POSTs only (the Dashboard, the storefront): Apollo's CSRF check costs nothing here.
      csrfPrevention: true,
    },
    authOptions: {
      // Bearer for the storefront (one token per buyer session), cookie for the Dashboard.
      tokenMethod: ['bearer', 'cookie'],
      superadminCredentials: { ...settings.superadmin },
      // Generated on the first start (or COOKIE_SECRET): a copied shop never signs sessions with a known key.
      cookieOptions: { secret: settings.cookieSecret },
    },
    dbConnectionOptions: {
      type: 'better-sqlite3',
      database: databasePath(settings),
      // The schema follows the entities (Vendure's and the plugin's) on every start: this is a
      // development database. A real shop runs migrations (see the plugin README, step 3).
      synchronize: true,
      logging: false,
    },
    paymentOptions: {
      // The plugin registers the `alipay` handler itself (AlipayPlugin's configuration()).
      paymentMethodHandlers: [],
    },
    schedulerOptions: {
      // One process does the worker's duties too (see index.ts), so tasks run here.
      runTasksInWorkerOnly: false,
    },
    logger: new DefaultLogger({ level: settings.logLevel }),
    plugins: [
      // --- As packages/vendure-plugin/README.md, step 2 ---
      // Exponential backoff for the Alipay shipment queue, Vendure's default for the others.
      DefaultJobQueuePlugin.init({ backoffStrategy: alipayBackoffStrategy() }),
      // Manual runs of a task (the admin's "run now", the test drivers' reconcile) start within a second.
      DefaultSchedulerPlugin.init({ manualTriggerCheckInterval: 1000 }),
      AlipayPlugin.init({
        // Where Alipay (the sandbox) and the buyer's browser reach this Vendure server.
        publicBaseUrl: settings.publicUrl,
        // The storefront's return page (also the mobile cashier's back link). The plugin adds only
        // ?status=…, never the order: the storefront shows the order of the buyer's own session.
        storefrontReturnUrl: `${settings.storefrontUrl}/order/return`,
        autoRefundOrphanPayments: true,
        // DEMO ONLY (演示用): the offline sandbox runs on this machine. A real shop leaves this out, so that
        // no admin can point the gateway at a loopback address.
        allowLoopbackGateway: true,
        // E-books and courses are virtual goods: legacy escrow trades then need no logistics.
        goodsType: goodsTypeOfOrder,
      }),
      // --- The rest of an ordinary Vendure server ---
      // Buffered: every paid order moves stock, and each stock movement would otherwise enqueue and run
      // a search-index job (~16 KB) while Alipay's notifications wait on the same SQLite writer.
      // index.ts flushes the buffer every few seconds as one merged job (docs/performance.md).
      DefaultSearchPlugin.init({ bufferUpdates: true, indexStockStatus: true }),
      ExampleShopPlugin,
      // The Vendure Dashboard (React), built by `pnpm build:dashboard` (vite.config.mts) with the Alipay
      // plugin's extension compiled in; `pnpm start` builds it when its inputs changed.
      DashboardPlugin.init({ route: 'dashboard', appDir: dashboardDir }),
    ],
  };
}
