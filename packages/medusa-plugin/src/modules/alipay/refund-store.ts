/**
 * The refund store (`alipay_refund`): every refund of a trade, the trade's refund lock
 * (`in_flight_key`) and the recording of settled refunds in Medusa.
 *
 * @packageDocumentation
 */
import type { AlipayGeneration } from '@alipay-commerce/core';
import {
  FINAL_REFUND_STATUSES,
  holdsRefundLock,
  type RefundOrigin,
  type ShopRefundStatus,
} from '@alipay-commerce/core/lifecycle';
import type { SqlEntityManager } from '@medusajs/framework/mikro-orm/knex';
import type { Context } from '@medusajs/framework/types';
import {
  generateEntityId,
  InjectTransactionManager,
  MedusaContext,
  MedusaError,
} from '@medusajs/framework/utils';
import { REFUND_STATUSES } from './models/alipay-refund';
import { SqlStore } from './sql-store';

/** A row of `alipay_refund` (see the model): one refund of a trade, amounts in yuan text. */
export interface RefundRow {
  id: string;
  out_trade_no: string;
  trade_no: string | null;
  provider_id: string;
  scope: string;
  generation: AlipayGeneration;
  refund_id: string;
  request_no: string;
  amount: string;
  status: ShopRefundStatus;
  origin: RefundOrigin;
  in_flight_key: string | null;
  settled_before: string;
  medusa_refund_id: string | null;
  confirm_url: string | null;
  reason: string | null;
  error: string | null;
  attempts: number;
  created_at: Date;
  updated_at: Date;
}

/** A refund about to be sent to Alipay (shop or orphan), as {@link RefundStore.openRefund} stores it. */
export interface NewRefund {
  outTradeNo: string;
  tradeNo: string | null;
  providerId: string;
  scope: string;
  generation: AlipayGeneration;
  refundId: string;
  requestNo: string;
  /** Yuan text. */
  amount: string;
  origin: Exclude<RefundOrigin, 'alipay'>;
  /** Yuan text. */
  settledBefore: string;
  medusaRefundId: string | null;
  reason: string | null;
}

/** `('succeeded', 'failed')` for SQL: the core's final refund statuses. */
const FINAL_REFUND_STATUSES_SQL = `(${FINAL_REFUND_STATUSES.map(status => `'${status}'`).join(', ')})`;

/** Refund statuses still waiting for Alipay's answer or result: every status the core does not call final. */
const OPEN_REFUND_STATUSES_SQL = `(${REFUND_STATUSES.filter(status => !FINAL_REFUND_STATUSES.includes(status))
  .map(status => `'${status}'`)
  .join(', ')})`;

/** What every new refund names: its trade, the request Alipay knows it by, its amount and who asked. */
export type RefundOfTrade = Pick<
  NewRefund,
  'outTradeNo' | 'tradeNo' | 'providerId' | 'scope' | 'generation' | 'requestNo' | 'amount'
> & { origin: RefundOrigin };

/**
 * The statement inserting one `alipay_refund` row (a new ID, no attempts yet, the refund's trade and
 * request, and the given columns), or nothing when one of its unique keys is taken: the request
 * (`out_trade_no`, `request_no`) or the trade's refund lock (`in_flight_key`). Returns the row inserted.
 * Column names come from {@link RefundRow}, never from input.
 */
export function refundInsert(
  refund: RefundOfTrade,
  columns: Partial<Omit<RefundRow, 'id' | keyof typeof TRADE_COLUMNS | 'created_at' | 'updated_at'>>,
): { sql: string; params: unknown[] } {
  const row: Record<string, unknown> = {
    id: generateEntityId(undefined, 'alirefund'),
    attempts: 0,
    ...columns,
  };
  for (const [column, field] of Object.entries(TRADE_COLUMNS)) row[column] = refund[field];
  const names = Object.keys(row);
  return {
    sql: `insert into "alipay_refund" (${names.map(name => `"${name}"`).join(', ')}, "created_at", "updated_at")
       values (${names.map(() => '?').join(', ')}, now(), now())
       on conflict do nothing
       returning *`,
    params: Object.values(row),
  };
}

/** The column of each {@link RefundOfTrade} field. */
const TRADE_COLUMNS = {
  out_trade_no: 'outTradeNo',
  trade_no: 'tradeNo',
  provider_id: 'providerId',
  scope: 'scope',
  generation: 'generation',
  request_no: 'requestNo',
  amount: 'amount',
  origin: 'origin',
} as const satisfies Partial<Record<keyof RefundRow, keyof RefundOfTrade>>;

/** The refund ledger. */
export class RefundStore extends SqlStore {
  // ---------------------------------------------------------------------------------------------
  // Refund ledger (alipay_refund)

  /** Every refund of a trade, oldest first. */
  async listTradeRefunds(outTradeNo: string, context?: Context): Promise<RefundRow[]> {
    return this.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" = ? and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNo],
      context,
    );
  }

  /** The refunds of several trades (the admin's order view), oldest first. */
  async listRefundsOfTrades(outTradeNos: string[], context?: Context): Promise<RefundRow[]> {
    if (!outTradeNos.length) return [];
    return this.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" in (?) and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNos],
      context,
    );
  }

  /** The refund Alipay knows by `requestNo` (a legacy `batch_no` is unique per partner and day). */
  async refundByRequestNo(requestNo: string, context?: Context): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `select * from "alipay_refund" where "request_no" = ? and "deleted_at" is null order by "created_at" limit 1`,
      [requestNo],
      context,
    );
  }

  /** The refund a Medusa refund records, if any. */
  async refundByMedusaRefundId(medusaRefundId: string, context?: Context): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `select * from "alipay_refund" where "medusa_refund_id" = ? and "deleted_at" is null limit 1`,
      [medusaRefundId],
      context,
    );
  }

  /**
   * Stores a refund about to be sent (status `requested`) and takes the trade's refund lock
   * (`in_flight_key`), committed before Alipay is called. Returns `null` — nothing stored — when
   * another refund of the trade holds the lock: the caller must not call Alipay then.
   */
  async openRefund(input: NewRefund, context?: Context): Promise<RefundRow | null> {
    const { sql, params } = refundInsert(input, {
      refund_id: input.refundId,
      status: 'requested',
      in_flight_key: input.outTradeNo,
      settled_before: input.settledBefore,
      medusa_refund_id: input.medusaRefundId,
      reason: input.reason,
    });
    return this.first<RefundRow>(sql, params, context);
  }

  /**
   * Counts a call to Alipay for a refund, before it is made: returns how many calls were made before
   * this one (whose fate may be unknown).
   */
  async countRefundAttempt(id: string, context?: Context): Promise<number> {
    const rows = await this.execute<Array<{ attempts: number }>>(
      `update "alipay_refund" set "attempts" = "attempts" + 1, "updated_at" = now()
       where "id" = ? returning "attempts"`,
      [id],
      context,
    );
    return Math.max(0, (rows[0]?.attempts ?? 1) - 1);
  }

  /**
   * Stores what one call to Alipay came to. A row a notification (or reconciliation) already made
   * final (the core's `FINAL_REFUND_STATUSES`) is never overwritten: the stored row is returned as it
   * is. The lock stays only while the core's `holdsRefundLock` says so (the answer is still unknown).
   */
  async storeRefundAttempt(
    id: string,
    result: { status: ShopRefundStatus; error?: string | null; confirmUrl?: string | null },
    context?: Context,
  ): Promise<RefundRow> {
    const rows = await this.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = ?, "error" = ?, "confirm_url" = coalesce(?, "confirm_url"),
         "in_flight_key" = case when ? then "out_trade_no" else null end,
         "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL}
       returning *`,
      [result.status, result.error ?? null, result.confirmUrl ?? null, holdsRefundLock(result.status), id],
      context,
    );
    if (rows[0]) return rows[0];
    return this.requireRefund(id, context);
  }

  /**
   * Settles refunds Alipay reports refunded: `succeeded`, lock released. Returns the rows that changed,
   * each with the status it had before (`previous_status`). One transaction: the rows are locked and
   * read, then updated, so a concurrent writer (the provider storing its answer) waits and then finds
   * them final.
   */
  @InjectTransactionManager()
  async settleRefunds(
    ids: string[],
    @MedusaContext() sharedContext: Context = {},
  ): Promise<Array<RefundRow & { previous_status: ShopRefundStatus }>> {
    if (!ids.length) return [];
    const manager = sharedContext.transactionManager as SqlEntityManager;
    const before = await manager.execute<Array<{ id: string; status: ShopRefundStatus }>>(
      `select "id", "status" from "alipay_refund"
       where "id" in (?) and "status" <> 'succeeded' and "deleted_at" is null
       for update`,
      [ids],
    );
    if (!before.length) return [];
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = 'succeeded', "error" = null, "in_flight_key" = null,
         "updated_at" = now()
       where "id" in (?)
       returning *`,
      [before.map(row => row.id)],
    );
    return rows.map(row => ({
      ...row,
      previous_status: before.find(candidate => candidate.id === row.id)?.status ?? row.status,
    }));
  }

  /** Marks an unfinished refund `failed` (Alipay's result says it did not go through); lock released. */
  async failRefund(id: string, error: string, context?: Context): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `update "alipay_refund" set "status" = 'failed', "error" = ?, "in_flight_key" = null, "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL} returning *`,
      [error, id],
      context,
    );
  }

  /** Replaces a refund's note for the merchant (why it is uncertain, why it cannot be recorded…). */
  async noteRefundError(id: string, error: string | null, context?: Context): Promise<void> {
    await this.execute(
      `update "alipay_refund" set "error" = ?, "updated_at" = now() where "id" = ?`,
      [error, id],
      context,
      'run',
    );
  }

  /** Refunds still waiting for Alipay's answer or result, requested before `before`, oldest first. */
  async openRefundsBefore(before: Date, limit: number, context?: Context): Promise<RefundRow[]> {
    return this.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" in ${OPEN_REFUND_STATUSES_SQL} and "created_at" <= ? and "deleted_at" is null
       order by "created_at" limit ?`,
      [before, limit],
      context,
    );
  }

  private async requireRefund(id: string, context?: Context): Promise<RefundRow> {
    const rows = await this.execute<RefundRow[]>(
      `select * from "alipay_refund" where "id" = ?`,
      [id],
      context,
    );
    if (!rows[0]) throw new MedusaError(MedusaError.Types.NOT_FOUND, `refund ${id} not found`);
    return rows[0];
  }
}
