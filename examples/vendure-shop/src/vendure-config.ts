/**
 * The example shop's Vendure configuration. The Alipay part (`DefaultJobQueuePlugin` with
 * `alipayBackoffStrategy()`, `DefaultSchedulerPlugin`, `AlipayPlugin.init({...})`) is exactly what
 * packages/vendure-plugin/README.md tells a merchant to add; everything else is an ordinary small
 * Vendure server with the Vendure Dashboard.
 *
 * Two modes, chosen by the environment (see {@link settingsFromEnv}):
 * - **demo** (default): SQLite in `$DATA_DIR`, one process doing the work of server and worker;
 * - **production** (`DATABASE_URL=postgres://…`): PostgreSQL, optionally the BullMQ job queue on Redis
 *   (`REDIS_URL=redis://…`, else the job queue stays in PostgreSQL), and one role per process
 *   (`VENDURE_PROCESS=setup|server|worker`): `setup` creates the schema and seeds once per deploy, any
 *   number of `server`s answer HTTP (Shop/Admin API, Alipay's notifications) and never run jobs or
 *   scheduled tasks, and the `worker` runs both (the Alipay shipment confirmations, reconciliation).
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
import { type BackoffOptions, BullMQJobQueuePlugin } from '@vendure/job-queue-plugin/package/bullmq';
import { ExampleShopPlugin, goodsTypeOfOrder } from './example-shop.plugin';

/**
 * What this process does (`VENDURE_PROCESS`):
 * - `all` (default): server and worker in one process, the demo on SQLite;
 * - `setup`: creates or updates the database schema and seeds an empty database, then exits. Run it once
 *   per deploy, before the servers and the worker (a real shop runs its migrations here);
 * - `server`: Shop API, Admin API, Dashboard and the Alipay endpoints; runs no jobs and no scheduled tasks;
 * - `worker`: Vendure's worker (`bootstrapWorker`): the job queue (Alipay shipment confirmations, search
 *   index) and the scheduled tasks (Alipay reconciliation). Exactly one worker is the simple setup;
 *   several are safe too (the job queue hands each job to one worker, the scheduler locks each task).
 */
export type ExampleShopProcess = 'all' | 'setup' | 'server' | 'worker';

const PROCESSES: readonly ExampleShopProcess[] = ['all', 'setup', 'server', 'worker'];

/** The example shop's settings, read from the environment by {@link settingsFromEnv}. */
export interface ExampleShopSettings {
  /** Port of the Vendure server (Shop API, Admin API, Dashboard, Alipay endpoints). */
  port: number;
  /** Where the SQLite database lives (demo mode); kept between starts. */
  dataDir: string;
  /** `DATABASE_URL` (`postgres://user:password@host:5432/database`): PostgreSQL instead of SQLite. */
  databaseUrl: string | undefined;
  /** `REDIS_URL` (`redis://[:password@]host:6379[/db]`): the BullMQ job queue on Redis instead of the database. */
  redisUrl: string | undefined;
  /** `VENDURE_PROCESS`: this process's role (see {@link ExampleShopProcess}). */
  process: ExampleShopProcess;
  /** `WORKER_HEALTH_PORT` (default 3020): where the worker answers `GET /health`. */
  workerHealthPort: number;
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
  const role = (env.VENDURE_PROCESS || 'all') as ExampleShopProcess;
  if (!PROCESSES.includes(role)) {
    throw new Error(`VENDURE_PROCESS must be one of ${PROCESSES.join(', ')}, got "${env.VENDURE_PROCESS}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL (without it, the shop runs on SQLite)');
  }
  if (role !== 'all' && !databaseUrl) {
    // Several processes on one SQLite file would fight over its single writer.
    throw new Error(`VENDURE_PROCESS=${role} needs DATABASE_URL (PostgreSQL): SQLite runs as one process`);
  }
  const workerHealthPort = Number(env.WORKER_HEALTH_PORT ?? 3020);
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
    databaseUrl,
    redisUrl: env.REDIS_URL || undefined,
    process: role,
    workerHealthPort,
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

/**
 * The database: PostgreSQL with `DATABASE_URL`, else the SQLite file in the data directory. Only the
 * demo's single process and the `setup` step synchronise the schema with the entities (Vendure's and the
 * plugin's): servers and workers never change it, so that several processes starting at once do not race
 * on `ALTER TABLE`. A real shop generates migrations instead (plugin README, step 3) and runs them in its
 * setup step.
 */
function databaseOptions(settings: ExampleShopSettings): VendureConfig['dbConnectionOptions'] {
  const synchronize = settings.process === 'all' || settings.process === 'setup';
  if (settings.databaseUrl) {
    return { type: 'postgres', url: settings.databaseUrl, synchronize, logging: false };
  }
  return { type: 'better-sqlite3', database: databasePath(settings), synchronize, logging: false };
}

/**
 * The job queue: BullMQ on Redis with `REDIS_URL`, else Vendure's SQL job queue in the shop's database
 * (SQLite or PostgreSQL). Either way the Alipay shipment queue retries on the core's schedule (15 s,
 * doubling, at most an hour) and every other queue as Vendure does by default.
 */
function jobQueuePlugin(settings: ExampleShopSettings) {
  const backoff = alipayBackoffStrategy();
  if (!settings.redisUrl) {
    return DefaultJobQueuePlugin.init({ backoffStrategy: backoff });
  }
  const redis = new URL(settings.redisUrl);
  return BullMQJobQueuePlugin.init({
    connection: {
      host: redis.hostname,
      port: Number(redis.port || 6379),
      ...(redis.username ? { username: decodeURIComponent(redis.username) } : {}),
      ...(redis.password ? { password: decodeURIComponent(redis.password) } : {}),
      db: Number(redis.pathname.slice(1) || 0),
      // BullMQ's workers block on Redis: they must wait for it, not fail after a few retries.
      maxRetriesPerRequest: null,
    },
    // Every job gets the backoff type `alipay`, which BullMQ hands to the strategy below together with the
    // job (whose name is the Vendure queue's): the same delays as with DefaultJobQueuePlugin. (Vendure's
    // type for this option knows only BullMQ's built-in types, hence the cast.)
    setBackoff: () => ({ type: 'alipay' }) as unknown as BackoffOptions,
    workerOptions: {
      settings: {
        backoffStrategy: (attemptsMade, _type, _error, job) => backoff(job?.name ?? '', attemptsMade),
      },
    },
  });
}

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
    dbConnectionOptions: databaseOptions(settings),
    paymentOptions: {
      // The plugin registers the `alipay` handler itself (AlipayPlugin's configuration()).
      paymentMethodHandlers: [],
    },
    schedulerOptions: {
      // The demo's one process does the worker's duties too (see index.ts), so tasks run there; in
      // production only the worker runs them (servers never do).
      runTasksInWorkerOnly: settings.process !== 'all',
    },
    logger: new DefaultLogger({ level: settings.logLevel }),
    plugins: [
      // --- As packages/vendure-plugin/README.md, step 2 ---
      // The job queue (see jobQueuePlugin): exponential backoff for the Alipay shipment queue.
      jobQueuePlugin(settings),
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
