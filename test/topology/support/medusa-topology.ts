/**
 * {@link TopologyDriver} for `examples/medusa-shop` in its production mode (issue 16): one embedded
 * PostgreSQL database, a private redis-server, two `medusa start` processes with
 * `MEDUSA_WORKER_MODE=server`, one with `MEDUSA_WORKER_MODE=worker`, and the round-robin proxy in front of
 * the servers. Every process gets `REDIS_URL` (Medusa's Redis event bus, workflow engine, locking and
 * caching, see medusa-config.ts) and `MEDUSA_BACKEND_URL` = the proxy's URL, so the notify URL Alipay is
 * given is the proxy's.
 *
 * Start: PostgreSQL and Redis in parallel; `scripts/start.ts --prepare-only` once (the one build,
 * migrations, seed); then the three processes in parallel, each through `scripts/start.ts` (which finds
 * everything prepared and only runs `medusa start`), sharing one data directory (its secrets). Everything
 * else — orders, admin calls, reading the books — is {@link MedusaDriver}'s, with its base URL on the proxy.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  type RunningPostgres,
  startPostgres,
} from '../../../packages/medusa-plugin/integration-tests/utils/postgres';
import { isAlive } from '../../support/driver-base';
import { MedusaDriver } from '../../support/medusa-driver';
import type { PaymentKind, ShopStartOptions } from '../../support/shop-driver';
import { freePort, repoRoot, type ShopProcess, startShopProcess } from '../../support/shop-process';
import { type RoundRobinProxy, startRoundRobinProxy } from './proxy';
import { type RunningRedis, startRedis } from './redis';
import { newTally, type TopologyTally } from './summary';
import {
  RollingRestart,
  type TopologyDriver,
  type TopologyProcessInfo,
  type TopologyRole,
} from './topology-driver';

const shopDir = join(repoRoot, 'examples', 'medusa-shop');
const startScript = join(shopDir, 'scripts', 'start.ts');
const NOTIFY_PATH = '/hooks/alipay/notify/pp_alipay_alipay';
const DATABASE = 'medusa_topology';

/** One Medusa process of the topology. */
interface Member {
  role: TopologyRole;
  index: number;
  port: number;
  /** Its own lines (they also go to the driver's shared log). */
  lines: string[];
  process?: ShopProcess;
  /** The `medusa start` process under the start script. */
  medusaPid: number;
  /** When it was last ready (ms since the epoch). */
  readyAt?: number;
}

/** An array whose `push` also pushes to `shared` (a process's own log and the shop's whole log). */
function teeLog(shared: string[]): string[] {
  const own: string[] = [];
  own.push = (...lines: string[]) => {
    shared.push(...lines);
    return Array.prototype.push.apply(own, lines);
  };
  return own;
}

/** Medusa in production topology: 2 servers + 1 worker on PostgreSQL and Redis, behind the proxy. */
export class MedusaTopologyDriver extends MedusaDriver implements TopologyDriver {
  readonly processes = '2 servers + worker';
  readonly tally: TopologyTally = newTally();
  private postgres: RunningPostgres | undefined;
  private redis: RunningRedis | undefined;
  private proxyServer: RoundRobinProxy | undefined;
  private readonly members: Member[] = [];
  private readonly rolling = new RollingRestart();
  private instanceToken = '';
  /** How long each phase of the last start took, in seconds (reported by the test). */
  readonly startTimes: Record<string, number> = {};

  get proxy(): RoundRobinProxy {
    if (!this.proxyServer) throw new Error('the Medusa topology is not started');
    return this.proxyServer;
  }

  /** The database URL the processes share (tests read the claims table through it). */
  databaseUrl(): string {
    if (!this.postgres) throw new Error('the Medusa topology is not started');
    return this.postgres.url(DATABASE);
  }

  override async start(options: ShopStartOptions): Promise<void> {
    await this.prepare(options, 'silly');
    const ready = await this.spawn();
    await this.setUpShop(ready.publishableKey);
  }

  /** PostgreSQL, Redis, the one preparation, then the three processes in parallel; the URL is the proxy's. */
  protected override async spawn(): Promise<{ publishableKey: string }> {
    let t = Date.now();
    const lap = (name: string) => {
      this.startTimes[name] = Math.round((Date.now() - t) / 100) / 10;
      t = Date.now();
    };
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    this.proxyServer = await startRoundRobinProxy([]);
    [this.postgres, this.redis] = await Promise.all([
      startPostgres({ databaseUrl: null, durability: 'fast' }),
      startRedis(),
    ]);
    lap('postgres+redis');
    const prepared = await this.prepareShop();
    lap('prepare');
    this.members.push(
      { role: 'server', index: 0, port: ports[0]!, lines: teeLog(this.log), medusaPid: 0 },
      { role: 'server', index: 1, port: ports[1]!, lines: teeLog(this.log), medusaPid: 0 },
      { role: 'worker', index: 0, port: ports[2]!, lines: teeLog(this.log), medusaPid: 0 },
    );
    await Promise.all(this.members.map(member => this.startMember(member)));
    lap('processes');
    this.proxyServer.setTargets(this.serverUrls());
    this.url = this.proxyServer.url;
    const ready = this.members[0]!.process!.ready as { adminUser: string; adminPassword: string };
    this.adminCredentials = { user: ready.adminUser, password: ready.adminPassword };
    return prepared;
  }

  /** The environment every process of the topology shares, plus its own `PORT` and worker mode. */
  private memberEnv(port: number, workerMode: 'server' | 'worker' | 'shared'): NodeJS.ProcessEnv {
    return this.shopEnv({
      PORT: String(port),
      DATABASE_URL: this.databaseUrl(),
      REDIS_URL: this.redis!.url,
      MEDUSA_WORKER_MODE: workerMode,
      MEDUSA_BACKEND_URL: this.proxy.url,
      EXAMPLE_SHOP_TEST_HOOKS: 'true',
      ALIPAY_AUTO_REFUND_ORPHANS: 'true',
      // Reconciliation every minute instead of five: the suite sees it tick a few times.
      ALIPAY_RECONCILIATION_INTERVAL_MINUTES: '1',
      MEDUSA_DISABLE_TELEMETRY: 'true',
      // Medusa's Redis workflow engine logs each scheduled job run at debug level ("executing scheduled
      // job <name>"): where the jobs run, and how often, is read from the logs.
      LOG_LEVEL: 'debug',
    });
  }

  /** `start.ts --prepare-only`: the build, the migrations and the seed, once, before any process starts. */
  private prepareShop(): Promise<{ publishableKey: string; buildDir: string }> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', startScript, '--prepare-only'],
      { cwd: shopDir, env: this.memberEnv(0, 'shared'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = teeLog(this.log);
    let out = '';
    child.stdout.on('data', chunk => {
      out += chunk;
    });
    child.stderr.on('data', chunk => lines.push(...String(chunk).split('\n').filter(Boolean)));
    return new Promise((resolve, reject) => {
      child.once('exit', code => {
        lines.push(...out.split('\n').filter(Boolean));
        const match = /^ALIPAY_COMMERCE_PREPARED (\{.*\})$/m.exec(out);
        if (code === 0 && match) resolve(JSON.parse(match[1]!));
        else
          reject(
            new Error(`preparing the Medusa shop failed (exit ${code}):\n${lines.slice(-40).join('\n')}`),
          );
      });
    });
  }

  private async startMember(member: Member): Promise<void> {
    member.process = await startShopProcess({
      args: ['-r', 'ts-node/register/transpile-only', startScript],
      cwd: shopDir,
      log: member.lines,
      readyTimeoutMs: 240_000,
      env: this.memberEnv(member.port, member.role),
    });
    const ready = member.process.ready as { serverPid?: number; workerMode?: string };
    if (!ready.serverPid) throw new Error('the Medusa shop did not name its server process (serverPid)');
    if (ready.workerMode !== member.role) {
      throw new Error(`process ${member.role} ${member.index} started as ${ready.workerMode}`);
    }
    member.medusaPid = ready.serverPid;
    member.readyAt = Date.now();
  }

  private member(role: TopologyRole, index: number): Member {
    const found = this.members.find(m => m.role === role && m.index === index);
    if (!found) throw new Error(`no ${role} ${index} in the Medusa topology`);
    return found;
  }

  private serverUrls(count = 2): string[] {
    return this.members
      .filter(m => m.role === 'server')
      .slice(0, count)
      .map(m => `http://127.0.0.1:${m.port}`);
  }

  processList(): TopologyProcessInfo[] {
    return this.members.map(m => ({
      role: m.role,
      index: m.index,
      pid: m.medusaPid,
      ...(m.role === 'server' ? { url: `http://127.0.0.1:${m.port}` } : {}),
      running: this.memberRunning(m),
    }));
  }

  private memberRunning(m: Member): boolean {
    const child = m.process?.child;
    return (
      child !== undefined && child.exitCode === null && child.signalCode === null && isAlive(m.medusaPid)
    );
  }

  notifyUrlOn(serverIndex: number, _kind: PaymentKind): string {
    return `http://127.0.0.1:${this.member('server', serverIndex).port}${NOTIFY_PATH}`;
  }

  async kill(role: TopologyRole, index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const m = this.member(role, index);
    const current = m.process;
    if (!current) return;
    // The Medusa process gets the signal; its start script then exits (an external database: nothing else to stop).
    if (isAlive(m.medusaPid)) process.kill(m.medusaPid, signal);
    const timer = setTimeout(() => current.child.kill('SIGKILL'), 30_000);
    await current.exited;
    clearTimeout(timer);
    m.process = undefined;
  }

  async revive(role: TopologyRole, index: number): Promise<void> {
    const m = this.member(role, index);
    if (m.process && this.memberRunning(m)) return;
    await this.startMember(m);
  }

  /**
   * An admin API call straight at server `index` (bypassing the proxy), as the admin logged in there: the
   * session token is a JWT of the shared secret, valid on every instance.
   */
  async adminOn<T = unknown>(index: number, method: string, path: string, body?: unknown): Promise<T> {
    const base = `http://127.0.0.1:${this.member('server', index).port}`;
    if (!this.instanceToken) {
      const login = await fetch(`${base}/auth/user/emailpass`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: this.adminCredentials.user, password: this.adminCredentials.password }),
      });
      if (!login.ok) throw new Error(`admin login on server ${index}: HTTP ${login.status}`);
      this.instanceToken = ((await login.json()) as { token: string }).token;
    }
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.instanceToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${path} on server ${index}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Runs `work` with the proxy sending everything to server `index` only (e.g. a buyer's calls). */
  async onServer<T>(index: number, work: () => Promise<T>): Promise<T> {
    const before = [...this.proxy.targets()];
    this.proxy.setTargets([`http://127.0.0.1:${this.member('server', index).port}`]);
    try {
      return await work();
    } finally {
      this.proxy.setTargets(before);
    }
  }

  useServers(count: 1 | 2): void {
    this.proxy.setTargets(this.serverUrls(count));
  }

  /** When the process was last ready (ms since the epoch). */
  readyAt(role: TopologyRole, index: number): number {
    return this.member(role, index).readyAt ?? 0;
  }

  logsOf(role: TopologyRole, index: number): readonly string[] {
    return this.member(role, index).lines;
  }

  /** One server instance, in turn (a rolling deploy); the other server and the worker keep running. */
  override restart(
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
    whileDown?: () => Promise<void>,
  ): Promise<void> {
    return this.rolling.restart(this, signal, whileDown);
  }

  override isRunning(): boolean {
    return this.members.length > 0 && this.members.every(m => this.memberRunning(m));
  }

  /** The first server's Medusa process. */
  override pid(): number {
    const first = this.members[0];
    if (!first?.medusaPid) throw new Error('the Medusa topology is not running');
    return first.medusaPid;
  }

  override async stop(): Promise<void> {
    await Promise.all(this.members.map(m => m.process?.stop('SIGTERM', 30_000)));
    await this.proxyServer?.close();
    await this.redis?.stop();
    await this.postgres?.stop();
    this.cleanUp('MEDUSA_TOPOLOGY_LOG');
  }
}
