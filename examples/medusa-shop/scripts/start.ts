/**
 * `pnpm --filter @alipay-commerce/example-medusa-shop start`: the whole example shop in one process tree.
 *
 * 1. PostgreSQL: an embedded server whose data lives in `$DATA_DIR/postgres` (kept between starts), or the
 *    server of `DATABASE_URL`. A server left running by a crashed earlier start is stopped first.
 * 2. In parallel:
 *    - the build: `medusa build` (backend + admin with the plugin's Settings → Alipay page), kept in
 *      `.medusa/builds/<fingerprint of its inputs>` and reused by every later start and every DATA_DIR;
 *    - the database: `medusa db:migrate` when the schema inputs changed (Medusa or plugin migrations), and
 *      on the first start `medusa exec ./src/scripts/seed.ts` (admin user, CNY region with Alipay,
 *      shipping, products, Alipay settings, publishable key).
 * 3. `medusa start` in the build directory (the production way: compiled config, prebuilt admin at /app),
 *    then, once it answers, one stdout line for the demo and the browser tests:
 *    `ALIPAY_COMMERCE_READY {"url","adminUrl","adminUser","adminPassword","publishableKey"}`.
 *
 * SIGTERM / SIGINT / SIGHUP stop Medusa first, then PostgreSQL (so Medusa never loses its database while it
 * shuts down), then exit.
 *
 * Environment: `PORT` (9000), `ALIPAY_SANDBOX_URL` (http://127.0.0.1:7010), `STOREFRONT_URL`
 * (http://localhost:8080), `DATA_DIR` (`examples/medusa-shop/.data`), `DATABASE_URL` (optional).
 *
 * Production mode (medusa-config.ts): `REDIS_URL`, `MEDUSA_WORKER_MODE` (`server` | `worker` | `shared`)
 * and `MEDUSA_BACKEND_URL` are passed on to Medusa. Several processes share one `DATABASE_URL` and one
 * `DATA_DIR` (its secrets): run `start.ts --prepare-only` once first (build, migrations, seed; prints
 * `ALIPAY_COMMERCE_PREPARED {json}` and exits), then start every process; each finds the schema and the
 * seed up to date and only starts `medusa start`. A worker answers `/health` only (no API routes), so its
 * readiness is `/health`; a server's is `/health`, the admin and the Store API.
 *
 * Secrets (`JWT_SECRET`, `COOKIE_SECRET`, `ALIPAY_SETTINGS_SECRET`): from the environment, else from
 * `$DATA_DIR/secrets.json` (git-ignored); the first start generates the missing ones there. With
 * `NODE_ENV=production` nothing is generated: the shop refuses to start, before anything else, until all
 * three are set. Every Medusa command gets them in its environment (medusa-config.ts has no fallback).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadSecrets, MissingSecretsError } from '@alipay-commerce/example-support/secrets';
import {
  type RunningPostgres,
  startPostgres,
} from '../../../packages/medusa-plugin/integration-tests/utils/postgres';
import { DATABASE_NAME, DEMO_ADMIN } from '../src/demo';
import { acquireLock, exists, filesUnder, fingerprintOf, pruneOldBuilds, versionOf } from './builds';
import { describe, say, seconds, stopChildren } from './processes';
import { createDatabaseIfMissing, dropDatabase, readState, type ShopState, saveState } from './shop-state';

const exampleDir = path.resolve(__dirname, '..');
const port = Number(process.env.PORT || 9000);
const shopUrl = `http://localhost:${port}`;
const sandboxUrl = (process.env.ALIPAY_SANDBOX_URL || 'http://127.0.0.1:7010').replace(/\/+$/, '');
const storefrontUrl = (process.env.STOREFRONT_URL || 'http://localhost:8080').replace(/\/+$/, '');
const dataDir = path.resolve(process.env.DATA_DIR || path.join(exampleDir, '.data'));
const externalDatabaseUrl = process.env.DATABASE_URL || undefined;
/** `--prepare-only`: build, migrate and seed, then exit (before the processes of a multi-process shop start). */
const prepareOnly = process.argv.includes('--prepare-only');
/** A worker process (`MEDUSA_WORKER_MODE=worker`) serves `/health` only. */
const isWorker = process.env.MEDUSA_WORKER_MODE === 'worker';
/** The shop's secrets file (git-ignored with the data directory). */
const secretsFile = path.join(dataDir, 'secrets.json');
/** What medusa-config.ts and the plugin read; no secret has a fixed fallback. */
const SECRET_NAMES = ['JWT_SECRET', 'COOKIE_SECRET', 'ALIPAY_SETTINGS_SECRET'] as const;
/** The secrets every Medusa command gets (filled by {@link loadShopSecrets}). */
let secretEnv: Record<string, string> = {};

const medusaCli = require.resolve('@medusajs/cli/cli.js', { paths: [exampleDir] });
/** Preload of every Medusa child: it stops itself when this process dies without stopping it. */
const exitWithParent = path.join(__dirname, 'exit-with-parent.cjs');
const pluginDir = path.dirname(
  require.resolve('@alipay-commerce/medusa/package.json', { paths: [exampleDir] }),
);
const demoAccountsFile = path.resolve(exampleDir, '../sandbox/demo-accounts.json');

/** Builds live here, one directory per fingerprint of their inputs. */
const buildsDir = path.join(exampleDir, '.medusa', 'builds');
/** Written last into a finished build directory. */
const BUILD_COMPLETE_FILE = 'alipay-example-build.json';
/** Builds kept besides the current one (a running shop may still serve from an older one). */
const OLD_BUILDS_KEPT = 2;
/** How long a child may take to stop after SIGTERM before it is killed. */
const CHILD_STOP_TIMEOUT_MS = 10_000;
/** How long Medusa may take to answer after `medusa start` was spawned. */
const SERVER_READY_TIMEOUT_MS = 180_000;

const startedAt = Date.now();
const children = new Set<ChildProcess>();
let postgres: RunningPostgres | undefined;
let stopping = false;

// ---------------------------------------------------------------------------------------------------
// Child processes

interface RunOptions {
  cwd: string;
  /** Prefix of each output line; the output goes through unchanged (inherited) when absent. */
  label?: string;
}

/** Environment of every Medusa command: what medusa-config.ts and the seed read. */
function medusaEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    STOREFRONT_URL: storefrontUrl,
    ALIPAY_SANDBOX_URL: sandboxUrl,
    ALIPAY_DEMO_ACCOUNTS: demoAccountsFile,
    DATABASE_URL: databaseUrl,
    MEDUSA_DISABLE_TELEMETRY: 'true',
    ...secretEnv,
    ...extra,
  };
}

/** Starts `medusa <args>` (the CLI of this package) as a child in this process group. */
function spawnMedusa(args: string[], env: NodeJS.ProcessEnv, options: RunOptions): ChildProcess {
  const child = spawn(process.execPath, ['--require', exitWithParent, medusaCli, ...args], {
    cwd: options.cwd,
    env,
    stdio: options.label ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (options.label) {
    const label = options.label;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', line => say(`[${label}] ${line}`));
    }
  }
  return child;
}

/** Runs `medusa <args>` to completion; rejects on a non-zero exit. */
function runMedusa(args: string[], env: NodeJS.ProcessEnv, options: RunOptions): Promise<void> {
  const child = spawnMedusa(args, env, options);
  return new Promise((resolveRun, rejectRun) => {
    child.once('error', rejectRun);
    child.once('exit', (code, signal) => {
      if (code === 0) resolveRun();
      else rejectRun(new Error(`medusa ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** Medusa first, PostgreSQL last, then exit. Safe to call more than once. */
async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`stopping (${reason}) / 正在停止`);
  await stopChildren(children, CHILD_STOP_TIMEOUT_MS);
  await postgres?.stop().catch(error => say(`PostgreSQL did not stop cleanly: ${describe(error)}`));
  process.exit(exitCode);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal, 0));
}

// ---------------------------------------------------------------------------------------------------
// Fingerprints

/** What the build depends on: this app's config and sources, the plugin's built admin, Medusa's version. */
async function buildFingerprint(): Promise<string> {
  const pluginAdmin = await filesUnder(path.join(pluginDir, '.medusa', 'server', 'src', 'admin'));
  if (pluginAdmin.length === 0) {
    throw new Error(
      'The Alipay plugin is not built (packages/medusa-plugin/.medusa/server is missing). Run `pnpm build` ' +
        'at the repository root first. / 支付宝插件尚未构建，请先在仓库根目录运行 `pnpm build`。',
    );
  }
  const appFiles = [
    ...['medusa-config.ts', 'tsconfig.json', 'package.json'].map(name => path.join(exampleDir, name)),
    ...(await filesUnder(path.join(exampleDir, 'src'))),
  ];
  return fingerprintOf(
    exampleDir,
    [...appFiles, ...pluginAdmin],
    await Promise.all(['@medusajs/medusa', '@medusajs/dashboard'].map(name => versionOf(exampleDir, name))),
  );
}

/** What the schema depends on: Medusa's version, the plugin's migrations, the modules in medusa-config. */
async function schemaFingerprint(): Promise<string> {
  const modulesDir = path.join(pluginDir, '.medusa', 'server', 'src', 'modules');
  const migrations = (await filesUnder(modulesDir)).filter(file =>
    file.includes(`${path.sep}migrations${path.sep}`),
  );
  return fingerprintOf(
    exampleDir,
    [path.join(exampleDir, 'medusa-config.ts'), ...migrations],
    [await versionOf(exampleDir, '@medusajs/medusa')],
  );
}

// ---------------------------------------------------------------------------------------------------
// Build

/**
 * The directory to run Medusa from: an existing build for the current inputs, or a new one. Builds are
 * immutable and named by fingerprint, so a shop still running from an older build is never disturbed.
 */
async function ensureBuild(): Promise<string> {
  const fingerprint = await buildFingerprint();
  const buildDir = path.join(buildsDir, fingerprint);
  const complete = path.join(buildDir, BUILD_COMPLETE_FILE);
  if (await exists(complete)) {
    say(`build ${fingerprint} is up to date`);
    return buildDir;
  }
  await mkdir(buildsDir, { recursive: true });
  const release = await acquireLock(path.join(exampleDir, '.medusa', 'build.lock'));
  try {
    if (await exists(complete)) return buildDir;
    const started = Date.now();
    say(`building Medusa and its admin (first start, or the app or the plugin changed)… / 正在构建`);
    const output = path.join(exampleDir, '.medusa', 'server');
    await rm(output, { recursive: true, force: true });
    const buildEnv = medusaEnv('', { NODE_ENV: 'production' });
    // One build for every process of a multi-process shop: the admin is built whatever this process is.
    delete buildEnv.MEDUSA_WORKER_MODE;
    delete buildEnv.REDIS_URL;
    await runMedusa(['build'], buildEnv, { cwd: exampleDir, label: 'build' });
    await rm(buildDir, { recursive: true, force: true });
    await rename(output, buildDir);
    await writeFile(complete, JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }));
    say(`build ${fingerprint} done in ${seconds(started)}`);
    await pruneOldBuilds(buildsDir, fingerprint, OLD_BUILDS_KEPT);
    return buildDir;
  } finally {
    await release();
  }
}

// ---------------------------------------------------------------------------------------------------
// Database

/**
 * Migrates when the schema inputs changed and seeds on the first start; returns the publishable key
 * and the sandbox URL the stored Alipay settings point at.
 */
async function prepareDatabase(server: RunningPostgres, databaseUrl: string): Promise<ShopState> {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  let created = false;
  try {
    created = await createDatabaseIfMissing(server, database);
  } catch (error) {
    // An external server may not let this user create databases; the database may exist already.
    if (!server.external) throw error;
    say(`could not check or create database ${database} (${describe(error)}); using it as it is`);
  }
  let state = await readState(databaseUrl);
  if (!created && !state.publishableKey && !server.external) {
    // The key is the seed's last step: without it, an earlier first start was interrupted.
    say('an earlier first start did not finish; creating the database again');
    await dropDatabase(server, database);
    await createDatabaseIfMissing(server, database);
    state = await readState(databaseUrl);
  }
  const schema = await schemaFingerprint();
  if (state.schema !== schema) {
    const started = Date.now();
    say('migrating the database… / 正在迁移数据库');
    // Medusa logs every migration at info level (thousands of lines): warnings and errors only.
    await runMedusa(['db:migrate'], medusaEnv(databaseUrl, { LOG_LEVEL: 'warn' }), {
      cwd: exampleDir,
      label: 'migrate',
    });
    await saveState(databaseUrl, 'schema', schema);
    say(`database migrated in ${seconds(started)}`);
  }
  if (!state.publishableKey) {
    const started = Date.now();
    say('seeding the shop (first start)… / 正在初始化商店数据');
    await runMedusa(['exec', './src/scripts/seed.ts'], medusaEnv(databaseUrl), {
      cwd: exampleDir,
      label: 'seed',
    });
    await saveState(databaseUrl, 'sandboxUrl', sandboxUrl);
    state = await readState(databaseUrl);
    if (!state.publishableKey) throw new Error('the seed finished without creating the publishable key');
    say(`shop seeded in ${seconds(started)}`);
  }
  return state;
}

// ---------------------------------------------------------------------------------------------------
// Server

/** Resolves once Medusa answers `/health` and serves the admin; rejects when it exits first. */
async function waitUntilServing(server: ChildProcess, publishableKey: string): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  const exited = new Promise<never>((_, rejectExit) =>
    server.once('exit', code =>
      rejectExit(new Error(`medusa start exited (code ${code}) before it answered`)),
    ),
  );
  exited.catch(() => {});
  const probe = async (): Promise<boolean> => {
    try {
      const health = await fetch(`${shopUrl}/health`, { signal: AbortSignal.timeout(5000) });
      if (!health.ok) return false;
      if (isWorker) return true;
      const [admin, store] = await Promise.all([
        fetch(`${shopUrl}/app/`, { signal: AbortSignal.timeout(10_000) }),
        fetch(`${shopUrl}/store/regions`, {
          headers: { 'x-publishable-api-key': publishableKey },
          signal: AbortSignal.timeout(10_000),
        }),
      ]);
      return admin.ok && store.ok;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if (await Promise.race([probe(), exited])) return;
    await Promise.race([new Promise(resolveWait => setTimeout(resolveWait, 300)), exited]);
  }
  throw new Error(`Medusa did not answer on ${shopUrl} within ${SERVER_READY_TIMEOUT_MS / 1000} s`);
}

/**
 * The Alipay settings were seeded with the sandbox URL of the first start. When a later start gets
 * another one, the stored gateway is moved there through the plugin's admin API (as a merchant would
 * edit it on Settings → Alipay), unless the merchant has pointed it elsewhere meanwhile.
 */
async function followSandboxUrl(databaseUrl: string, seededWith: string | undefined): Promise<void> {
  if (!seededWith || seededWith === sandboxUrl) return;
  const login = await fetch(`${shopUrl}/auth/user/emailpass`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_ADMIN.email, password: DEMO_ADMIN.password }),
  });
  const { token } = (await login.json()) as { token?: string };
  if (!token) throw new Error(`logging in as ${DEMO_ADMIN.email} failed (HTTP ${login.status})`);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const view = (await (await fetch(`${shopUrl}/admin/alipay/settings`, { headers })).json()) as {
    global?: { gateway?: string | null };
    configurations?: Array<{ configuration: string; antomRegion?: string | null }>;
  };
  // The Antom provider's own settings (USD region): its region is the sandbox's origin.
  for (const entry of view.configurations ?? []) {
    if (entry.antomRegion !== seededWith) continue;
    const saved = await fetch(`${shopUrl}/admin/alipay/settings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ configuration: entry.configuration, antomRegion: sandboxUrl }),
    });
    if (!saved.ok)
      throw new Error(`saving the Antom region failed (HTTP ${saved.status}): ${await saved.text()}`);
    say(`Antom region (${entry.configuration}) moved to ${sandboxUrl}`);
  }
  const gateway = view.global?.gateway ?? '';
  if (gateway.startsWith(`${seededWith}/`)) {
    const moved = `${sandboxUrl}${gateway.slice(seededWith.length)}`;
    const saved = await fetch(`${shopUrl}/admin/alipay/settings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ gateway: moved }),
    });
    if (!saved.ok) throw new Error(`saving the gateway failed (HTTP ${saved.status}): ${await saved.text()}`);
    say(`Alipay gateway moved to ${moved}`);
  }
  await saveState(databaseUrl, 'sandboxUrl', sandboxUrl);
}

// ---------------------------------------------------------------------------------------------------

/**
 * As root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter DATA_DIR
 * (a `mkdtemp` directory is 0700): let others traverse it (execute bit only, no listing).
 */
async function prepareDataDir(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (userInfo().uid === 0) {
    const { mode } = await stat(dataDir);
    if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o7777) | 0o011);
  }
}

/**
 * The plugin must run on this app's copy of Medusa, as it does in a merchant's `node_modules`. In this
 * pnpm workspace the plugin resolves `@medusajs/*` from its own dev dependencies; pnpm shares one copy
 * only when both packages resolve the same peer set (hence `@types/node` pinned to the plugin's version
 * in package.json). Two copies register every Medusa workflow twice and the server refuses to boot with
 * "Workflow with id … already exists": say why up front instead.
 */
async function assertOneMedusaCopy(): Promise<void> {
  // Entry points the plugin's built code requires.
  for (const name of ['@medusajs/framework/utils', '@medusajs/medusa/core-flows']) {
    const [app, plugin] = await Promise.all(
      [exampleDir, pluginDir].map(from => realpath(require.resolve(name, { paths: [from] }))),
    );
    if (app !== plugin) {
      throw new Error(
        `The app and the Alipay plugin load different copies of ${name} (${app} vs ${plugin}). ` +
          'Align the versions of their shared dependencies (e.g. @types/node) and run pnpm install.',
      );
    }
  }
}

/**
 * Fails fast when something else listens on PORT: the readiness probe would otherwise be answered by
 * that other server while Medusa fails to bind.
 */
function assertPortFree(): Promise<void> {
  return new Promise((resolveFree, rejectBusy) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      rejectBusy(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} is in use; set PORT to a free one / 端口 ${port} 已被占用，请用 PORT 指定空闲端口`,
            )
          : error,
      ),
    );
    probe.listen(port, () => probe.close(() => resolveFree()));
  });
}

/**
 * Loads the secrets (environment, then `$DATA_DIR/secrets.json`), generating the missing ones unless
 * NODE_ENV is production (then {@link MissingSecretsError}: nothing has started yet).
 */
function loadShopSecrets(): void {
  const envHasKey = Boolean(process.env.ALIPAY_SETTINGS_SECRET);
  if (!envHasKey && !existsSync(secretsFile) && existsSync(path.join(dataDir, 'postgres'))) {
    // A data directory from before the secrets were generated: its Alipay settings are encrypted with the
    // former fixed demo key, which a generated key cannot read. Refuse rather than start a shop that
    // cannot pay.
    throw new Error(
      `${dataDir} was created before the shop generated its own secrets: its Alipay settings cannot be ` +
        'read with a new key. Delete that directory to seed a fresh demo (or set ALIPAY_SETTINGS_SECRET to the ' +
        `key it was seeded with). / ${dataDir} 创建于自动生成密钥之前，其中的支付宝设置无法用新密钥解密。` +
        '请删除该目录以重新初始化演示（或将 ALIPAY_SETTINGS_SECRET 设为初始化时使用的密钥）。',
    );
  }
  const secrets = loadSecrets({ file: secretsFile, names: SECRET_NAMES });
  secretEnv = secrets.values;
  if (secrets.generated.length > 0) {
    say(
      `generated ${secrets.generated.join(', ')} into ${secretsFile} (git-ignored; set them in the environment ` +
        'in production) / 已生成密钥并保存（已被 git 忽略；生产环境请用环境变量设置）',
    );
  }
}

async function main(): Promise<void> {
  // First: with NODE_ENV=production and secrets missing, nothing may start (no PostgreSQL, no build).
  loadShopSecrets();
  await assertOneMedusaCopy();
  await assertPortFree();
  say(`starting on ${shopUrl} (data: ${externalDatabaseUrl ? 'DATABASE_URL' : dataDir}) / 正在启动`);
  await prepareDataDir();
  const pgStarted = Date.now();
  postgres = await startPostgres({
    databaseUrl: externalDatabaseUrl ?? null,
    dataDir: path.join(dataDir, 'postgres'),
    leaveSignalsToCaller: true,
  });
  if (stopping) return;
  const databaseUrl = externalDatabaseUrl ?? postgres.url(DATABASE_NAME);
  say(
    postgres.external
      ? 'PostgreSQL from DATABASE_URL'
      : `PostgreSQL on port ${postgres.port} (${seconds(pgStarted)})`,
  );

  const [buildDir, state] = await Promise.all([ensureBuild(), prepareDatabase(postgres, databaseUrl)]);
  if (stopping) return;
  const publishableKey = state.publishableKey as string;
  if (prepareOnly) {
    say(`prepared in ${seconds(startedAt)} (build, schema and seed up to date)`);
    process.stdout.write(`ALIPAY_COMMERCE_PREPARED ${JSON.stringify({ buildDir, publishableKey })}\n`);
    await shutdown('prepared', 0);
    return;
  }

  const server = spawnMedusa(['start'], medusaEnv(databaseUrl, { NODE_ENV: 'production' }), {
    cwd: buildDir,
  });
  server.once('exit', code => {
    if (!stopping) {
      say(`medusa start exited unexpectedly (code ${code}) / Medusa 意外退出`);
      void shutdown('medusa exited', code || 1);
    }
  });
  await waitUntilServing(server, publishableKey);
  // Through the admin API, which a worker does not serve.
  if (!isWorker) {
    await followSandboxUrl(databaseUrl, state.sandboxUrl).catch(error =>
      say(`could not move the Alipay gateway to ${sandboxUrl}: ${describe(error)}`),
    );
  }

  say(`ready in ${seconds(startedAt)}: ${shopUrl}, admin ${shopUrl}/app`);
  // Throw-away demo credentials, printed on purpose (the demo shows them to the person trying it).
  const ready = {
    url: shopUrl,
    adminUrl: `${shopUrl}/app`,
    adminUser: DEMO_ADMIN.email,
    adminPassword: DEMO_ADMIN.password,
    publishableKey,
    // The Medusa server's own process (this script supervises it): tests measure and kill that one.
    serverPid: server.pid,
    workerMode: process.env.MEDUSA_WORKER_MODE || 'shared',
  };
  process.stdout.write(`ALIPAY_COMMERCE_READY ${JSON.stringify(ready)}\n`);
}

main().catch(error => {
  if (stopping) return;
  if (error instanceof MissingSecretsError) say(`refuses to start / 拒绝启动: ${error.message}`);
  else say(`failed to start / 启动失败: ${describe(error)}`);
  void shutdown('start failed', 1);
});
