/**
 * Reconciliation in the Vendure example shop on demand: its records made due in the SQLite file (the
 * shop cannot be told a different clock), then the plugin's scheduled task run through the Admin API.
 */
import { join } from 'node:path';
import {
  ABANDON_AFTER_MS,
  OPEN_RECORDED_STATUSES,
  RECONCILE_BATCH_SIZE,
} from '@alipay-commerce/core/lifecycle';
import Database from 'better-sqlite3';
import type { GraphQlClient } from './graphql';
import { reconciliationRunsChecked } from './vendure-log';

/** What reconciliation needs of a running Vendure example shop. */
export interface VendureShopFiles {
  /** The shop's data directory (its `vendure.sqlite`). */
  dataDir: string;
  /** The Admin API as the superadmin. */
  admin: GraphQlClient;
  /** The shop's log so far (reconciliation runs log how many trades they checked). */
  log: readonly string[];
}

/** A time as TypeORM stores it in SQLite (UTC, `YYYY-MM-DD HH:MM:SS.SSS`), for comparisons in SQL. */
function sqliteTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Makes every open trade and refund due, then runs the scheduled task `alipay-reconcile-pending-trades`
 * through the Admin API and waits for its run to be recorded, again (a run takes a batch) until every
 * open trade has been asked. Due means older than the plugin's `pendingAfterMinutes` (5): the refund
 * ledger's `createdAt`/`updatedAt`/`lastAttemptAt`, Vendure's refunds' `createdAt` and the trades'
 * `lastQueriedAt` are moved back an hour in the SQLite file (the shop cannot be told a different clock).
 * The trades' `createdAt` goes back past the core's `ABANDON_AFTER_MS` (48 h): an unpaid trade Alipay
 * does not know is then retired (`ABANDONED`) as a real shop does after two days — the invariant suite
 * resets the sandbox between rounds, so earlier rounds' unpaid trades would otherwise be asked about on
 * every run. A trade Alipay knows is not affected.
 */
export async function reconcileVendureShop(shop: VendureShopFiles): Promise<void> {
  ageRecords(shop.dataDir);
  const since = sqliteTime(new Date());
  await reconcileUntilAllAsked(shop.admin, shop.log, async () =>
    openTradesNotAskedSince(shop.dataDir, since),
  );
}

/**
 * Runs the reconciliation task until every open trade has been asked: a run takes a batch (least recently
 * touched first), so again while a run checked a full batch and `openTradesLeft()` is not 0 (10 runs at most).
 * `log` is where the process running the task writes (the shop's, or the topology's worker included).
 */
export async function reconcileUntilAllAsked(
  admin: GraphQlClient,
  log: readonly string[],
  openTradesLeft: () => Promise<number>,
): Promise<void> {
  for (let run = 0; run < 10; run++) {
    const from = log.length;
    await runReconciliationTask(admin);
    const checked = reconciliationRunsChecked(log.slice(from));
    if (!checked.some(n => n >= RECONCILE_BATCH_SIZE) || (await openTradesLeft()) === 0) return;
  }
}

/** Open trades (the core's open statuses, not orphans) created and not asked about since `since`. */
function openTradesNotAskedSince(dataDir: string, since: string): number {
  const db = new Database(join(dataDir, 'vendure.sqlite'), { timeout: 10_000, readonly: true });
  try {
    const statuses = [...OPEN_RECORDED_STATUSES];
    const row = db
      .prepare(
        `SELECT COUNT(*) AS n FROM alipay_trade WHERE status IN (${statuses.map(() => '?').join(',')})
         AND orphanReason IS NULL AND createdAt < ? AND (lastQueriedAt IS NULL OR lastQueriedAt < ?)`,
      )
      .get(...statuses, since, since) as { n: number };
    return row.n;
  } catch {
    // An older schema (no lastQueriedAt): the log line decides.
    return Number.POSITIVE_INFINITY;
  } finally {
    db.close();
  }
}

/** Moves the timestamps reconciliation reads back (the tables and columns that exist; see {@link reconcile}). */
function ageRecords(dataDir: string): void {
  const db = new Database(join(dataDir, 'vendure.sqlite'), { timeout: 10_000 });
  try {
    const columns = (table: string) =>
      new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(c => c.name));
    const age = (table: string, wanted: string[], minutes = 60) => {
      const present = columns(table);
      for (const column of wanted.filter(c => present.has(c))) {
        db.prepare(
          `UPDATE ${table} SET ${column} = datetime(${column}, '-${minutes} minutes') WHERE ${column} > datetime('now', '-${minutes} minutes')`,
        ).run();
      }
    };
    age('alipay_trade', ['createdAt'], ABANDON_AFTER_MS / 60_000 + 60);
    age('alipay_trade', ['lastQueriedAt']);
    age('alipay_refund', ['createdAt', 'updatedAt', 'lastAttemptAt']);
    age('refund', ['createdAt']);
  } finally {
    db.close();
  }
}

/**
 * Runs the scheduled task `alipay-reconcile-pending-trades` once through the Admin API (`runScheduledTask`)
 * and waits until its run is recorded (`lastExecutedAt` moved, not running).
 */
export async function runReconciliationTask(admin: GraphQlClient): Promise<void> {
  const taskId = 'alipay-reconcile-pending-trades';
  const lastRun = async () => {
    const { scheduledTasks } = await admin.request<{
      scheduledTasks: { id: string; lastExecutedAt: string | null; isRunning: boolean }[];
    }>('{ scheduledTasks { id lastExecutedAt isRunning } }');
    const task = scheduledTasks.find(t => t.id === taskId);
    if (!task) throw new Error(`no scheduled task ${taskId}`);
    return task;
  };
  const before = (await lastRun()).lastExecutedAt;
  await admin.request('mutation ($id: String!) { runScheduledTask(id: $id) { success } }', {
    id: taskId,
  });
  // Vendure's DefaultSchedulerPlugin picks manual triggers up on an interval; the run is recorded in
  // `lastExecutedAt` when it ends.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await lastRun();
    if (task.lastExecutedAt !== before && !task.isRunning) return;
    if (Date.now() > deadline) throw new Error(`${taskId} did not run within 60 s`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}
