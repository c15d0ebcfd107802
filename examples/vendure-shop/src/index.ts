/**
 * Starts the example shop: `pnpm --filter @alipay-commerce/example-vendure-shop start`.
 *
 * The first start (no data directory yet) seeds the database; later starts reuse it. Once the server
 * serves requests it prints one line `ALIPAY_COMMERCE_READY {"url","adminUrl","adminUser","adminPassword"}`
 * on stdout, which `pnpm demo` and the browser tests wait for.
 *
 * By default (the demo) one process does the work of Vendure's server and worker: it runs the job queue
 * (the Alipay shipment confirmations) and the scheduled tasks (Alipay reconciliation) itself. SQLite then
 * has a single writer, and the demo has one process less to start and stop.
 *
 * In production mode (`DATABASE_URL`, see vendure-config.ts) each process has one role,
 * `VENDURE_PROCESS=setup|server|worker`: `setup` creates the schema and seeds an empty database, then exits;
 * `server` serves HTTP only (health: `GET /health`); `worker` is Vendure's worker (`bootstrapWorker`),
 * which runs the job queue and the scheduled tasks and answers `GET /health` on `WORKER_HEALTH_PORT`.
 * Servers and the worker print the ready line too (the worker's names its health URL).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingSecretsError } from '@alipay-commerce/example-support/secrets';
import {
  bootstrap,
  bootstrapWorker,
  JobQueueService,
  LanguageCode,
  PaymentMethod,
  PaymentMethodService,
  RequestContextService,
  SearchJobBufferService,
  TransactionalConnection,
} from '@vendure/core';
import { alipayPaymentMethods, DEMO_ACCOUNTS_FILE, seedExampleShop } from './seed';
import {
  createVendureConfig,
  DEMO_SUPERADMIN,
  databasePath,
  type ExampleShopSettings,
  secretsPath,
  settingsFromEnv,
} from './vendure-config';

/** Written once seeding has completed; a database without it is an interrupted first start. */
interface SeedMarker {
  seededAt: string;
  sandboxUrl: string;
}

type VendureApp = Awaited<ReturnType<typeof bootstrap>>;

function markerPath(settings: ExampleShopSettings): string {
  return join(settings.dataDir, 'seeded.json');
}

function readMarker(settings: ExampleShopSettings): SeedMarker | undefined {
  try {
    return JSON.parse(readFileSync(markerPath(settings), 'utf8')) as SeedMarker;
  } catch {
    return undefined;
  }
}

/**
 * Points the seeded Alipay payment methods at another sandbox URL (the data directory was seeded
 * with a sandbox elsewhere). Only gateways under the old sandbox URL change: an admin's own
 * settings stay as they are.
 */
async function repointSeededPaymentMethods(app: VendureApp, from: string, to: string): Promise<void> {
  const ctx = await app
    .get(RequestContextService)
    .create({ apiType: 'admin', languageCode: LanguageCode.en });
  const service = app.get(PaymentMethodService);
  const seededCodes = new Set(
    alipayPaymentMethods(to, JSON.parse(readFileSync(DEMO_ACCOUNTS_FILE, 'utf8'))).map(m => m.code),
  );
  // The domestic gateways are URLs under the sandbox; the antom method's host is the sandbox's origin.
  const repointed = (name: string, value: string): string | undefined => {
    if (name === 'gateway' && value.startsWith(`${from}/`)) return to + value.slice(from.length);
    if (name === 'antomRegion' && value === new URL(from).origin) return new URL(to).origin;
    return undefined;
  };
  const { items } = await service.findAll(ctx, { take: 100 });
  for (const method of items) {
    if (!seededCodes.has(method.code)) continue;
    if (!method.handler.args.some(arg => repointed(arg.name, arg.value) !== undefined)) continue;
    await service.update(ctx, {
      id: method.id,
      handler: {
        code: method.handler.code,
        arguments: method.handler.args.map(arg => ({
          name: arg.name,
          value: repointed(arg.name, arg.value) ?? arg.value,
        })),
      },
    });
  }
}

/** Stops the app on SIGINT/SIGTERM (after `beforeClose`), then exits. */
function closeOnSignal(
  close: () => Promise<unknown>,
  beforeClose: () => Promise<void> = async () => {},
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the Vendure shop / 正在停止 Vendure 商城`);
    await beforeClose();
    await close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The ready line of a server (`pnpm demo`, the test drivers and process managers wait for it). */
function printReady(settings: ExampleShopSettings, extra: Record<string, unknown> = {}): void {
  const ready = {
    url: settings.publicUrl,
    adminUrl: `${settings.publicUrl}/dashboard`,
    adminUser: settings.superadmin.identifier,
    // The demo's throw-away password is printed on purpose; a password of your own never is.
    adminPassword:
      settings.superadmin.password === DEMO_SUPERADMIN.password
        ? DEMO_SUPERADMIN.password
        : '(SUPERADMIN_PASSWORD)',
    ...extra,
  };
  console.log(`ALIPAY_COMMERCE_READY ${JSON.stringify(ready)}`);
}

/**
 * `VENDURE_PROCESS=setup` (production mode): creates or updates the schema (synchronize; a real shop runs
 * its migrations here), adds the job-queue index, seeds an empty database, then exits. Runs once per
 * deploy, before any server or worker starts. An empty database is one without payment methods; a setup
 * interrupted while seeding leaves a partly seeded one: drop the database and run setup again.
 */
async function setup(settings: ExampleShopSettings): Promise<void> {
  const started = Date.now();
  const app = await bootstrap(createVendureConfig(settings));
  try {
    const connection = app.get(TransactionalConnection);
    if (!settings.redisUrl) await indexJobQueuePolling(connection);
    const seeded = (await connection.rawConnection.getRepository(PaymentMethod).count()) > 0;
    if (!seeded) {
      console.log('Empty database: seeding / 空数据库：正在初始化数据…');
      await seedExampleShop(app, settings);
      // The seed's index updates and collection filters (the USD prices update every variant), run here:
      // Vendure's runPendingSearchUpdates waits for the collection-filter jobs it queues, which only a
      // running job queue completes (without it, setup waited until it was killed).
      await app.get(JobQueueService).start();
      await app.get(SearchJobBufferService).runPendingSearchUpdates();
    }
    console.log(
      `Vendure setup done in ${((Date.now() - started) / 1000).toFixed(1)} s (${seeded ? 'schema updated' : 'seeded'}) / 初始化完成`,
    );
  } finally {
    await app.close();
  }
}

/** `VENDURE_PROCESS=server`: HTTP only; jobs and scheduled tasks are the worker's. */
async function server(settings: ExampleShopSettings): Promise<void> {
  const app = await bootstrap(createVendureConfig(settings));
  const stopFlushing = flushSearchIndexUpdatesPeriodically(
    app.get(SearchJobBufferService),
    SEARCH_INDEX_FLUSH_MS,
  );
  closeOnSignal(() => app.close(), stopFlushing);
  printReady(settings, { role: 'server', health: `http://localhost:${settings.port}/health` });
}

/** `VENDURE_PROCESS=worker`: the job queue and the scheduled tasks, and `GET /health` on its own port. */
async function worker(settings: ExampleShopSettings): Promise<void> {
  const app = await bootstrapWorker(createVendureConfig(settings));
  await app.startJobQueue();
  await app.startHealthCheckServer({ port: settings.workerHealthPort, hostname: '127.0.0.1' });
  closeOnSignal(() => app.app.close());
  console.log('Vendure worker ready / Vendure worker 已就绪');
  printReady(settings, { role: 'worker', health: `http://127.0.0.1:${settings.workerHealthPort}/health` });
}

async function main(): Promise<void> {
  // Vendure reports usage to its servers on bootstrap unless told not to; a demo stays offline.
  process.env.VENDURE_DISABLE_TELEMETRY ??= 'true';
  const settings = settingsFromEnv();
  if (settings.process === 'setup') {
    await setup(settings);
    // Job-queue and database clients may keep the event loop alive after close: setup is done.
    process.exit(0);
  }
  if (settings.process === 'server') return server(settings);
  if (settings.process === 'worker') return worker(settings);
  if (settings.generatedSecrets.length > 0) {
    console.log(
      `Generated ${settings.generatedSecrets.join(', ')} into ${secretsPath(settings.dataDir)} (git-ignored; ` +
        'set them in the environment in production) / 已生成密钥并保存（已被 git 忽略；生产环境请用环境变量设置）',
    );
  }
  const started = Date.now();
  mkdirSync(settings.dataDir, { recursive: true });
  const marker = readMarker(settings);
  if (!marker) {
    // No marker: nothing, or a first start that was interrupted while seeding. Start over.
    for (const suffix of ['', '-wal', '-shm', '-journal']) {
      rmSync(`${databasePath(settings)}${suffix}`, { force: true });
    }
    console.log(`First start: seeding ${settings.dataDir} / 首次启动：正在初始化数据…`);
  }

  const app = await bootstrap(createVendureConfig(settings));
  let stopping = false;
  let stopFlushing = async () => {};
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the Vendure shop / 正在停止 Vendure 商城`);
    await stopFlushing();
    await app.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await indexJobQueuePolling(app.get(TransactionalConnection));
  // The worker's duties, in this process (see the file comment).
  await app.get(JobQueueService).start();

  if (!marker) {
    await seedExampleShop(app, settings);
    const seeded: SeedMarker = { seededAt: new Date().toISOString(), sandboxUrl: settings.sandboxUrl };
    writeFileSync(markerPath(settings), `${JSON.stringify(seeded, null, 2)}\n`);
    // The imported products' index updates, queued now rather than at the first tick.
    await app.get(SearchJobBufferService).runPendingSearchUpdates();
  } else if (marker.sandboxUrl !== settings.sandboxUrl) {
    await repointSeededPaymentMethods(app, marker.sandboxUrl, settings.sandboxUrl);
    writeFileSync(
      markerPath(settings),
      `${JSON.stringify({ ...marker, sandboxUrl: settings.sandboxUrl })}\n`,
    );
  }

  stopFlushing = flushSearchIndexUpdatesPeriodically(app.get(SearchJobBufferService), SEARCH_INDEX_FLUSH_MS);

  console.log(
    `Vendure shop ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${marker ? 'data reused' : 'seeded'}) / Vendure 商城已就绪`,
  );
  printReady(settings);
}

main().catch(error => {
  if (error instanceof MissingSecretsError) {
    console.error(`The Vendure example shop refuses to start / Vendure 示例商城拒绝启动: ${error.message}`);
  } else {
    console.error(
      `The Vendure example shop failed to start: ${error instanceof Error ? error.stack : error}`,
    );
  }
  process.exit(1);
});

/**
 * An index for the SQL job queue's polling. Vendure's `job_record` is indexed on `createdAt` only, and the
 * queue asks every queue for its oldest pending job five times a second: each ask scans every job ever
 * recorded. After a few thousand paid orders (each enqueues a search-index job of ~16 KB) the asks alone
 * kept this single process busy and payments waited seconds (docs/performance.md). Created at every
 * start, because `synchronize` drops indexes the entities do not declare.
 */
async function indexJobQueuePolling(connection: TransactionalConnection): Promise<void> {
  await connection.rawConnection.query(
    'CREATE INDEX IF NOT EXISTS "IDX_example_job_record_poll" ON "job_record" ("queueName", "state", "createdAt")',
  );
}

/** How often buffered search-index updates become one job (vendure-config.ts buffers them). */
const SEARCH_INDEX_FLUSH_MS = 5_000;

/**
 * Turns Vendure's buffered search-index updates into jobs every `everyMs`. With `bufferUpdates: true`
 * the updates of a few seconds (each paid order's stock movement is one) are merged into one
 * `update-variants-by-id` job instead of one job per order; Vendure itself only flushes on the Admin
 * API's `runPendingSearchIndexUpdates`, whose service method this calls. (Not
 * `JobQueueService.flush()`: in Vendure 3.7 it flushes nothing when called without buffer IDs, and the
 * buffer then grows for ever.) The buffer lives in memory: stopping flushes it into the job queue (kept
 * in SQLite), so only a crash loses up to one interval of stock-status index updates — never a
 * payment, and a reindex in the admin restores them. Returns the function that stops it.
 */
function flushSearchIndexUpdatesPeriodically(
  buffers: SearchJobBufferService,
  everyMs: number,
): () => Promise<void> {
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    flushing = flushing
      .then(() => buffers.runPendingSearchUpdates())
      .catch((error: unknown) => {
        console.error(
          `Flushing search-index updates failed / 搜索索引更新失败: ${(error as Error)?.message}`,
        );
      });
    return flushing;
  };
  const timer = setInterval(() => void flush(), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await flush();
  };
}
