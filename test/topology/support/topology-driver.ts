/**
 * What a platform's production topology offers the topology suite and `pnpm bench:load -- --topology`: a
 * {@link ShopDriver} whose shop is PostgreSQL + Redis + two server instances + one worker behind a
 * round-robin proxy (its `notifyUrl`, admin and storefront calls all go through the proxy), plus handles on
 * the single processes. Each platform implements it in one file (`vendure-topology.ts`,
 * `medusa-topology.ts`) on top of its single-process driver.
 *
 * `restart()` (the invariant runner's restart step) restarts ONE server instance, in turn; the other one and
 * the worker keep running, as in a rolling deploy.
 */
import type { PaymentKind, ShopDriver } from '../../support/shop-driver';
import type { RoundRobinProxy } from './proxy';
import type { TopologyTally } from './summary';

/** One process of a topology. */
export type TopologyRole = 'server' | 'worker';

/** A process of the topology, as the tests address it. */
export interface TopologyProcessInfo {
  role: TopologyRole;
  /** 0 or 1 for the servers; 0 for the worker. */
  index: number;
  pid: number;
  /** The instance's own base URL (servers only), bypassing the proxy. */
  url?: string;
  running: boolean;
}

/** A shop in its production topology. */
export interface TopologyDriver extends ShopDriver {
  /** What runs, for the summary line: e.g. `2 servers + worker`. */
  readonly processes: string;
  /** The proxy in front of the servers. */
  readonly proxy: RoundRobinProxy;
  /** What the topology tests counted so far (the summary line). */
  readonly tally: TopologyTally;
  /** The processes, servers first. */
  processList(): TopologyProcessInfo[];
  /** The notify URL of one server instance, bypassing the proxy (to hit both instances at the same moment). */
  notifyUrlOn(serverIndex: number, kind: PaymentKind): string;
  /** Stops one process with `signal` (SIGKILL: no shutdown hooks) and waits until it is gone. */
  kill(role: TopologyRole, index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped process again (same port, same database) and waits until it is ready. */
  revive(role: TopologyRole, index: number): Promise<void>;
  /** Routes the proxy to the first `count` servers only (1 or 2), for the load benchmark. */
  useServers(count: 1 | 2): void;
  /** Every line the given process wrote (for "ran in the worker" checks). */
  logsOf(role: TopologyRole, index: number): readonly string[];
}

/**
 * The invariant runner's restart in a topology: one server instance, in turn, goes down (`signal`) and comes
 * back while the other server and the worker keep running, as in a rolling deploy.
 */
export class RollingRestart {
  private next = 0;

  async restart(
    driver: Pick<TopologyDriver, 'kill' | 'revive'>,
    signal: 'SIGTERM' | 'SIGKILL',
    whileDown?: () => Promise<void>,
  ): Promise<void> {
    const index = this.next;
    this.next = (this.next + 1) % 2;
    await driver.kill('server', index, signal);
    await whileDown?.();
    await driver.revive('server', index);
  }
}
