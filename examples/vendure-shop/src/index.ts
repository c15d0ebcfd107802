/**
 * Starts the example shop: `pnpm --filter @alipay-commerce/example-vendure-shop start`.
 *
 * The first start (no data directory yet) seeds the database; later starts reuse it. Once the server
 * serves requests it prints one line `ALIPAY_COMMERCE_READY {"url","adminUrl","adminUser","adminPassword"}`
 * on stdout, which `pnpm demo` and the browser tests wait for.
 *
 * One process does the work of Vendure's server and worker: it runs the job queue (the Alipay
 * shipment confirmations) and the scheduled tasks (Alipay reconciliation) itself. SQLite then has a
 * single writer, and the demo has one process less to start and stop. A production shop runs
 * `bootstrapWorker()` in its own process instead.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingSecretsError } from '@alipay-commerce/example-support/secrets';
import {
  bootstrap,
  JobQueueService,
  LanguageCode,
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
  const { items } = await service.findAll(ctx, { take: 100 });
  for (const method of items) {
    const gateway = method.handler.args.find(arg => arg.name === 'gateway');
    if (!seededCodes.has(method.code) || !gateway?.value.startsWith(`${from}/`)) continue;
    await service.update(ctx, {
      id: method.id,
      handler: {
        code: method.handler.code,
        arguments: method.handler.args.map(arg =>
          arg.name === 'gateway' ? { name: arg.name, value: to + arg.value.slice(from.length) } : arg,
        ),
      },
    });
  }
}

async function main(): Promise<void> {
  // Vendure reports usage to its servers on bootstrap unless told not to; a demo stays offline.
  process.env.VENDURE_DISABLE_TELEMETRY ??= 'true';
  const settings = settingsFromEnv();
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
  const ready = {
    url: settings.publicUrl,
    adminUrl: `${settings.publicUrl}/dashboard`,
    adminUser: settings.superadmin.identifier,
    // The demo's throw-away password is printed on purpose; a password of your own never is.
    adminPassword:
      settings.superadmin.password === DEMO_SUPERADMIN.password
        ? DEMO_SUPERADMIN.password
        : '(SUPERADMIN_PASSWORD)',
  };
  console.log(`ALIPAY_COMMERCE_READY ${JSON.stringify(ready)}`);
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
