/**
 * What every {@link ShopDriver} does the same way, whatever the platform: keep the shop's log, read the
 * server's memory, ship through the driver's own `tryShip`, and act as the buyer's browser towards the
 * cashier.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AdminAnswer, PendingOrder } from './shop-driver';
import { rssOf } from './shop-process';

/** A carrier and tracking number an admin ships with. */
export interface ShipmentInput {
  carrier: string;
  trackingNumber: string;
}

/** The parts of {@link ShopDriver} that are the same for every example shop. */
export abstract class ExampleShopDriver {
  /** Every line the shop process wrote since `start`, restarts included. */
  protected readonly log: string[] = [];

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
 * exists from then on).
 */
export async function openCashier(url: string): Promise<void> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
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
