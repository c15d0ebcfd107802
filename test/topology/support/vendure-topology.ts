/**
 * The Vendure example shop in its production topology (issue 16): PostgreSQL (one database per topology),
 * the job queue on Redis (`BullMQJobQueuePlugin`) or in PostgreSQL (`DefaultJobQueuePlugin`), a `setup`
 * step that creates the schema and seeds, then two servers (`VENDURE_PROCESS=server`) and one worker
 * (`VENDURE_PROCESS=worker`, Vendure's `bootstrapWorker`) behind the round-robin proxy. The proxy's URL is
 * the shop's public URL: the `notify_url` Alipay (the sandbox) calls, and where the driver's buyer and
 * admin go. Everything else is {@link VendureDriver}'s: the same orders, admin reads and actions.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ABANDON_AFTER_MS, OPEN_RECORDED_STATUSES } from '@alipay-commerce/core/lifecycle';
import {
  type RunningPostgres,
  startPostgres,
} from '../../../packages/medusa-plugin/integration-tests/utils/postgres';
import { buyerEmail, isAlive } from '../../support/driver-base';
import { GraphQlClient } from '../../support/graphql';
import type { PaymentKind } from '../../support/shop-driver';
import { freePort, repoRoot, type ShopProcess, startShopProcess } from '../../support/shop-process';
import { BUYER_ADDRESS, VendureDriver } from '../../support/vendure-driver';
import { reconcileUntilAllAsked } from '../../support/vendure-reconcile';
import { type RoundRobinProxy, startRoundRobinProxy } from './proxy';
import { type RunningRedis, startRedis } from './redis';
import { newTally, type TopologyTally } from './summary';
import {
  RollingRestart,
  type TopologyDriver,
  type TopologyProcessInfo,
  type TopologyRole,
} from './topology-driver';

const shopDir = join(repoRoot, 'examples', 'vendure-shop');

/** Where the job queue lives: BullMQ on Redis, or Vendure's SQL job queue in PostgreSQL. */
export type VendureJobQueue = 'bullmq' | 'database';

/** The bits of `pg` used here (the example shop depends on it; the test package does not). */
interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const pg = createRequire(join(shopDir, 'package.json'))('pg') as {
  Client: new (options: { connectionString: string }) => PgClient;
};

interface TopologyProcess {
  role: TopologyRole;
  index: number;
  env: NodeJS.ProcessEnv;
  /** Servers: the instance's own URL. */
  url?: string;
  log: string[];
  process?: ShopProcess;
}

/** Options of {@link VendureTopologyDriver}. */
export interface VendureTopologyOptions {
  jobQueue: VendureJobQueue;
  /** A PostgreSQL server to create the topology's database in (else the driver starts its own). */
  postgres?: RunningPostgres;
}

/** The Vendure example shop as 2 servers + 1 worker on PostgreSQL (+ Redis), behind a round-robin proxy. */
export class VendureTopologyDriver extends VendureDriver implements TopologyDriver {
  readonly processes = '2 servers + worker';
  readonly tally: TopologyTally = newTally();
  readonly jobQueue: VendureJobQueue;
  private postgres: RunningPostgres | undefined;
  private readonly ownsPostgres: boolean;
  private databaseUrl = '';
  private redis: RunningRedis | undefined;
  private proxyServer: RoundRobinProxy | undefined;
  private readonly procs: TopologyProcess[] = [];
  private readonly rolling = new RollingRestart();

  constructor(options: VendureTopologyOptions) {
    super();
    this.jobQueue = options.jobQueue;
    this.postgres = options.postgres;
    this.ownsPostgres = !options.postgres;
  }

  get proxy(): RoundRobinProxy {
    if (!this.proxyServer) throw new Error('the topology is not started');
    return this.proxyServer;
  }

  /** PostgreSQL, Redis, the proxy, the setup step, then the servers and the worker side by side. */
  protected override async spawn(): Promise<void> {
    if (this.procs.length > 0) {
      // A restart of the whole shop (VendureDriver.restart): every process again.
      await Promise.all(this.procs.map(p => this.startProcess(p)));
      this.process = this.procs[0]!.process;
      this.readyLine();
      return;
    }
    this.postgres ??= await startPostgres({ databaseUrl: null, leaveSignalsToCaller: true });
    const database = `vendure_topology_${this.jobQueue}_${randomBytes(4).toString('hex')}`;
    await this.postgres.ensureDatabase(database);
    this.databaseUrl = this.postgres.url(database);
    if (this.jobQueue === 'bullmq') this.redis = await startRedis();
    const serverPorts = [await freePort(), await freePort()];
    const serverUrls = serverPorts.map(port => `http://127.0.0.1:${port}`);
    this.proxyServer = await startRoundRobinProxy(serverUrls);
    const common: NodeJS.ProcessEnv = {
      ...this.shopEnv({}),
      PUBLIC_URL: this.proxyServer.url,
      DATABASE_URL: this.databaseUrl,
      // Every server must sign and read the same session cookies.
      COOKIE_SECRET: randomBytes(24).toString('hex'),
      VENDURE_DISABLE_TELEMETRY: 'true',
      ...(this.redis ? { REDIS_URL: this.redis.url } : { REDIS_URL: '' }),
    };
    // The setup step: schema and seed, once, before anything else (through the package's start script,
    // which compiles src/ and builds the Dashboard when they changed).
    await this.runSetup({ ...common, VENDURE_PROCESS: 'setup', PORT: String(await freePort()) });
    serverPorts.forEach((port, index) => {
      this.procs.push({
        role: 'server',
        index,
        url: serverUrls[index],
        env: { ...common, VENDURE_PROCESS: 'server', PORT: String(port) },
        log: this.processLog(),
      });
    });
    this.procs.push({
      role: 'worker',
      index: 0,
      env: {
        ...common,
        VENDURE_PROCESS: 'worker',
        PORT: String(await freePort()),
        WORKER_HEALTH_PORT: String(await freePort()),
      },
      log: this.processLog(),
    });
    await Promise.all(this.procs.map(p => this.startProcess(p)));
    this.process = this.procs[0]!.process;
    this.readyLine();
  }

  /** A process's own log, whose lines also go to the topology's log (`logs()`), in arrival order. */
  private processLog(): string[] {
    const own: string[] = [];
    const all = this.log;
    own.push = (...lines: string[]) => {
      all.push(...lines);
      return Array.prototype.push.apply(own, lines);
    };
    return own;
  }

  private async runSetup(env: NodeJS.ProcessEnv): Promise<void> {
    const log = this.processLog();
    const child = spawn(process.execPath, [join(shopDir, 'scripts', 'start.mjs')], {
      cwd: shopDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const code = await new Promise<number | null>(resolve => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 400_000);
      child.once('exit', c => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`vendure setup step exited with ${code}:\n${log.slice(-40).join('\n')}`);
  }

  private async startProcess(p: TopologyProcess): Promise<void> {
    p.process = await startShopProcess({
      args: [join(shopDir, 'dist', 'index.js')],
      cwd: shopDir,
      env: p.env,
      log: p.log,
      readyTimeoutMs: 120_000,
    });
  }

  private find(role: TopologyRole, index: number): TopologyProcess {
    const p = this.procs.find(x => x.role === role && x.index === index);
    if (!p) throw new Error(`no ${role} ${index} in the topology`);
    return p;
  }

  processList(): TopologyProcessInfo[] {
    return this.procs.map(p => ({
      role: p.role,
      index: p.index,
      pid: p.process?.child.pid ?? 0,
      ...(p.url ? { url: p.url } : {}),
      running: isAlive(p.process?.child.pid ?? 0) && p.process?.child.exitCode === null,
    }));
  }

  /** Each process's health check, as its ready line names it (servers: `/health`; the worker: its own port). */
  healthUrls(): Array<{ role: TopologyRole; index: number; url: string }> {
    return this.procs.map(p => ({
      role: p.role,
      index: p.index,
      url: String(p.process?.ready.health ?? ''),
    }));
  }

  /** The instance's own base URL. */
  serverUrl(index: number): string {
    const url = this.find('server', index).url;
    if (!url) throw new Error(`server ${index} has no URL`);
    return url;
  }

  notifyUrlOn(serverIndex: number, kind: PaymentKind): string {
    const viaProxy = this.notifyUrl(kind);
    return this.serverUrl(serverIndex) + viaProxy.slice(this.proxy.url.length);
  }

  async kill(role: TopologyRole, index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.find(role, index).process?.stop(signal);
  }

  async revive(role: TopologyRole, index: number): Promise<void> {
    const p = this.find(role, index);
    if (p.process && p.process.child.exitCode === null && p.process.child.signalCode === null) return;
    await this.startProcess(p);
    if (role === 'server' && index === 0) this.process = p.process;
  }

  useServers(count: 1 | 2): void {
    this.proxy.setTargets([0, 1].slice(0, count).map(i => this.serverUrl(i)));
  }

  logsOf(role: TopologyRole, index: number): readonly string[] {
    return this.find(role, index).log;
  }

  /** A rolling restart: one server instance (in turn) goes down and comes back; the rest keeps running. */
  override restart(
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
    whileDown?: () => Promise<void>,
  ): Promise<void> {
    return this.rolling.restart(this, signal, whileDown);
  }

  override isRunning(): boolean {
    return this.procs.length > 0 && this.processList().every(p => p.running);
  }

  override pid(): number {
    const pid = this.procs[0]?.process?.child.pid;
    if (pid === undefined) throw new Error('the Vendure topology is not running');
    return pid;
  }

  override async stop(): Promise<void> {
    await Promise.all(this.procs.map(p => p.process?.stop('SIGTERM')));
    await this.proxyServer?.close();
    await this.redis?.stop();
    if (this.ownsPostgres) await this.postgres?.stop();
    this.saveLogAs(process.env.VENDURE_TOPOLOGY_LOG);
    this.cleanUp('VENDURE_TOPOLOGY_LOG_UNUSED');
  }

  /** With `VENDURE_TOPOLOGY_LOG=<file>`, every process's log goes to `<file>.<jobQueue>` (one file per variant). */
  private saveLogAs(file: string | undefined): void {
    if (file) writeFileSync(`${file}.${this.jobQueue}`, `${this.log.join('\n')}\n`);
  }

  /** Runs `work` with a client of the topology's database. */
  async withDatabase<T>(work: (db: PgClient) => Promise<T>): Promise<T> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }

  /**
   * As {@link VendureDriver.reconcile}, on PostgreSQL: every open trade and refund made due (their
   * timestamps moved back, as `vendure-reconcile.ts` does in SQLite), then the scheduled task run through
   * the Admin API (a server records the trigger; the worker runs it) until every open trade was asked.
   */
  override async reconcile(): Promise<void> {
    await this.withDatabase(async db => {
      const abandon = `${Math.round(ABANDON_AFTER_MS / 60_000) + 60} minutes`;
      await db.query(`UPDATE alipay_trade SET "createdAt" = "createdAt" - interval '${abandon}'`);
      await db.query(
        `UPDATE alipay_trade SET "lastQueriedAt" = "lastQueriedAt" - interval '60 minutes' WHERE "lastQueriedAt" IS NOT NULL`,
      );
      for (const column of ['createdAt', 'updatedAt', 'lastAttemptAt']) {
        await db.query(
          `UPDATE alipay_refund SET "${column}" = "${column}" - interval '60 minutes' WHERE "${column}" IS NOT NULL`,
        );
      }
      await db.query(`UPDATE refund SET "createdAt" = "createdAt" - interval '60 minutes'`);
    });
    const since = new Date();
    await reconcileUntilAllAsked(this.adminApi(), this.log, () => this.openTradesNotAskedSince(since));
  }

  private openTradesNotAskedSince(since: Date): Promise<number> {
    return this.withDatabase(async db => {
      const statuses = [...OPEN_RECORDED_STATUSES];
      const { rows } = await db.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM alipay_trade WHERE status = ANY($1) AND "orphanReason" IS NULL
         AND "createdAt" < $2 AND ("lastQueriedAt" IS NULL OR "lastQueriedAt" < $2)`,
        [statuses, since],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  /** An Admin API client logged in on one server instance (not through the proxy). */
  async adminOn(serverIndex: number): Promise<GraphQlClient> {
    const admin = new GraphQlClient(`${this.serverUrl(serverIndex)}/admin-api`);
    await admin.request(
      `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }`,
      { u: this.adminCredentials.user, p: this.adminCredentials.password },
    );
    return admin;
  }

  /**
   * A guest buyer's checkout on one server instance (not through the proxy) up to
   * `createAlipayPaymentIntent` with `methodCode` on a desktop: the intent's GraphQL type name (what the
   * payment method's settings, as that instance reads them, make of it).
   */
  async paymentIntentOn(serverIndex: number, methodCode: string): Promise<string> {
    const shop = new GraphQlClient(`${this.serverUrl(serverIndex)}/shop-api`);
    const { products } = await shop.request<{
      products: { items: { variants: { id: string; sku: string }[] }[] };
    }>('{ products(options: { take: 100 }) { items { variants { id sku } } } }');
    const variant = products.items.flatMap(p => p.variants).find(v => v.sku === 'EBOOK-ALIPAY');
    if (!variant) throw new Error('the seeded e-book is missing');
    await shop.request(
      'mutation ($id: ID!) { addItemToOrder(productVariantId: $id, quantity: 1) { __typename } }',
      { id: variant.id },
    );
    await shop.request(
      `mutation ($input: CreateCustomerInput!) { setCustomerForOrder(input: $input) { __typename } }`,
      {
        input: {
          emailAddress: buyerEmail(),
          firstName: '测试',
          lastName: 'Buyer',
        },
      },
    );
    await shop.request(
      `mutation ($input: CreateAddressInput!) { setOrderShippingAddress(input: $input) { __typename } }`,
      { input: BUYER_ADDRESS },
    );
    const { eligibleShippingMethods } = await shop.request<{
      eligibleShippingMethods: { id: string; priceWithTax: number }[];
    }>('{ eligibleShippingMethods { id priceWithTax } }');
    const [cheapest] = [...eligibleShippingMethods].sort((a, b) => a.priceWithTax - b.priceWithTax);
    await shop.request(
      'mutation ($ids: [ID!]!) { setOrderShippingMethod(shippingMethodId: $ids) { __typename } }',
      { ids: [cheapest!.id] },
    );
    const { createAlipayPaymentIntent: intent } = await shop.request<{
      createAlipayPaymentIntent: { __typename: string };
    }>(
      `mutation ($input: AlipayPaymentIntentInput!) { createAlipayPaymentIntent(input: $input) { __typename } }`,
      { input: { paymentMethodCode: methodCode, device: 'desktop' } },
    );
    return intent.__typename;
  }
}
