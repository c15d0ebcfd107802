/**
 * What every {@link ShopDriver} does the same way, whatever the platform: keep the shop's log, read the
 * server's memory, ship through the driver's own `tryShip`, and act as the buyer's browser towards the
 * cashier.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminAnswer, PendingOrder, ShopStartOptions } from './shop-driver';
import { freePort, rssOf, type ShopProcess } from './shop-process';

/** A carrier and tracking number an admin ships with. */
export interface ShipmentInput {
  carrier: string;
  trackingNumber: string;
}

/** The parts of {@link ShopDriver} that are the same for every example shop. */
export abstract class ExampleShopDriver {
  abstract readonly name: string;
  /** Every line the shop process wrote since `start`, restarts included. */
  protected readonly log: string[] = [];
  protected process: ShopProcess | undefined;
  /** The shop's port, kept across restarts. */
  protected port = 0;
  /** The shop's data directory, kept across restarts, removed by `stop`. */
  protected dataDir = '';
  protected sandboxUrl = '';
  /** The shop's base URL, from its ready line. */
  protected url = '';
  protected logLevel = 'info';
  /** The seeded admin, from the shop's ready line. */
  protected adminCredentials = { user: '', password: '' };

  /** Before the first start: the sandbox, the log level, a free port and a fresh data directory. */
  protected async prepare(options: ShopStartOptions, verboseLevel: string): Promise<void> {
    this.sandboxUrl = options.sandboxUrl.replace(/\/+$/, '');
    this.logLevel = options.verboseLogs ? verboseLevel : 'info';
    this.port = await freePort();
    this.dataDir = mkdtempSync(join(tmpdir(), `${this.name}-reliability-`));
  }

  /** The environment an example shop starts with (as `pnpm demo` sets it), plus the shop's own `extra`. */
  protected shopEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PORT: String(this.port),
      DATA_DIR: this.dataDir,
      ALIPAY_SANDBOX_URL: this.sandboxUrl,
      // The storefront is only where Alipay's return sends browsers; these suites never follow it.
      STOREFRONT_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: this.logLevel,
      ...extra,
    };
  }

  /** Takes the shop's URL and admin from its ready line; returns the whole line. */
  protected readyLine<T extends { url: string; adminUser: string; adminPassword: string }>(): T {
    if (!this.process) throw new Error(`the ${this.name} shop is not started`);
    const ready = this.process.ready as T;
    this.url = ready.url;
    this.adminCredentials = { user: ready.adminUser, password: ready.adminPassword };
    return ready;
  }

  /** Once the process is stopped: the log saved when `logEnvName` names a file, the data directory removed. */
  protected cleanUp(logEnvName: string): void {
    this.saveLog(logEnvName);
    this.process = undefined;
    if (this.dataDir && existsSync(this.dataDir)) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Process ID of the shop's server process. */
  abstract pid(): number;
  /** Ships the order, reporting a refusal instead of throwing. */
  abstract tryShip(order: PendingOrder, shipment: ShipmentInput): Promise<AdminAnswer>;

  rssBytes(): number {
    return rssOf(this.pid());
  }

  logs(): readonly string[] {
    return this.log;
  }

  async ship(order: PendingOrder, shipment: ShipmentInput): Promise<void> {
    const answer = await this.tryShip(order, shipment);
    if (!answer.accepted) throw new Error(`the shop refused to ship ${order.ref}: ${answer.reason}`);
  }

  /** With `<envName>=<file>` set, the whole shop log goes there (for debugging a run). */
  protected saveLog(envName: string): void {
    const file = process.env[envName];
    if (file) writeFileSync(file, `${this.log.join('\n')}\n`);
  }
}

/**
 * The buyer's browser follows the payment URL to Alipay's cashier (on Alipay, as on the sandbox, the trade
 * exists from then on), or opens Antom's cashier page.
 */
export async function openCashier(url: string): Promise<void> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  if (new URL(url).pathname.startsWith('/antom/cashier/')) {
    // Antom's pay answer is the cashier page itself (its `normalUrl`): the payment exists since `pay`.
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`the Antom cashier answered HTTP ${response.status}`);
    return;
  }
  const location = response.headers.get('location') ?? '';
  await response.arrayBuffer();
  if (response.status !== 302 || !/\/cashier\//.test(location)) {
    throw new Error(`the payment URL did not lead to the cashier: HTTP ${response.status} ${location}`);
  }
}

/** A new guest buyer's e-mail address (every order its own buyer). */
export function buyerEmail(): string {
  return `buyer-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`;
}

/** Whether `pid` runs (a zombie does not). */
export function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
