/**
 * The topology suite's one line per platform (issue 16 item 3):
 * `topology <platform>: 2 servers + worker, <n> notifications across instances, <p> payments, 0 doubled, 0 lost`.
 * The test files add what each test delivered and what the books say; the line is printed once, after the
 * platform's last test, and the suite fails when anything was doubled or lost.
 */

/** What one platform's topology tests counted. */
export interface TopologyTally {
  /** Notification deliveries answered by a server instance (through the proxy or straight at an instance). */
  notifications: number;
  /** Orders that Alipay (the sandbox's ledger) says were paid, checked against the shop's books. */
  payments: number;
  /** Orders with more than one live payment for one Alipay payment. */
  doubled: number;
  /** Orders paid on Alipay without a live payment in the shop (after the suite's waits). */
  lost: number;
}

/** A tally to add to while a platform's tests run. */
export function newTally(): TopologyTally {
  return { notifications: 0, payments: 0, doubled: 0, lost: 0 };
}

/** The summary line. */
export function topologySummary(
  platform: string,
  tally: TopologyTally,
  processes = '2 servers + worker',
): string {
  return (
    `topology ${platform}: ${processes}, ${tally.notifications} notifications across instances, ` +
    `${tally.payments} payments, ${tally.doubled} doubled, ${tally.lost} lost`
  );
}
