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
  InjectManager,
  InjectTransactionManager,
  MedusaContext,
  MedusaError,
} from '@medusajs/framework/utils';
import { REFUND_STATUSES } from './models/alipay-refund';
import type { ModuleRepository } from './store-types';

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

/** The refund ledger. */
export class RefundStore {
  /**
   * @param baseRepository_ the module's repository (MedusaService's `baseRepository_`): where
   *   `@InjectManager` takes a fresh entity manager when the caller passes no context.
   */
  constructor(protected readonly baseRepository_: ModuleRepository) {}

  // ---------------------------------------------------------------------------------------------
  // Refund ledger (alipay_refund)

  /** Every refund of a trade, oldest first. */
  @InjectManager()
  async listTradeRefunds(
    outTradeNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" = ? and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNo],
    );
  }

  /** The refunds of several trades (the admin's order view), oldest first. */
  @InjectManager()
  async listRefundsOfTrades(
    outTradeNos: string[],
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    if (!outTradeNos.length) return [];
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" in (?) and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNos],
    );
  }

  /** The refund Alipay knows by `requestNo` (a legacy `batch_no` is unique per partner and day). */
  @InjectManager()
  async refundByRequestNo(
    requestNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "request_no" = ? and "deleted_at" is null order by "created_at" limit 1`,
      [requestNo],
    );
    return rows[0] ?? null;
  }

  /** The refund a Medusa refund records, if any. */
  @InjectManager()
  async refundByMedusaRefundId(
    medusaRefundId: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "medusa_refund_id" = ? and "deleted_at" is null limit 1`,
      [medusaRefundId],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores a refund about to be sent (status `requested`) and takes the trade's refund lock
   * (`in_flight_key`), committed before Alipay is called. Returns `null` — nothing stored — when
   * another refund of the trade holds the lock: the caller must not call Alipay then.
   */
  @InjectManager()
  async openRefund(
    input: NewRefund,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `insert into "alipay_refund" ("id", "out_trade_no", "trade_no", "provider_id", "scope", "generation",
         "refund_id", "request_no", "amount", "status", "origin", "in_flight_key", "settled_before",
         "medusa_refund_id", "reason", "attempts", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, 0, now(), now())
       on conflict do nothing
       returning *`,
      [
        generateEntityId(undefined, 'alirefund'),
        input.outTradeNo,
        input.tradeNo,
        input.providerId,
        input.scope,
        input.generation,
        input.refundId,
        input.requestNo,
        input.amount,
        input.origin,
        input.outTradeNo,
        input.settledBefore,
        input.medusaRefundId,
        input.reason,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Counts a call to Alipay for a refund, before it is made: returns how many calls were made before
   * this one (whose fate may be unknown).
   */
  @InjectManager()
  async countRefundAttempt(id: string, @MedusaContext() sharedContext: Context = {}): Promise<number> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<Array<{ attempts: number }>>(
      `update "alipay_refund" set "attempts" = "attempts" + 1, "updated_at" = now()
       where "id" = ? returning "attempts"`,
      [id],
    );
    return Math.max(0, (rows[0]?.attempts ?? 1) - 1);
  }

  /**
   * Stores what one call to Alipay came to. A row a notification (or reconciliation) already made
   * final (the core's `FINAL_REFUND_STATUSES`) is never overwritten: the stored row is returned as it
   * is. The lock stays only while the core's `holdsRefundLock` says so (the answer is still unknown).
   */
  @InjectManager()
  async storeRefundAttempt(
    id: string,
    result: { status: ShopRefundStatus; error?: string | null; confirmUrl?: string | null },
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = ?, "error" = ?, "confirm_url" = coalesce(?, "confirm_url"),
         "in_flight_key" = case when ? then "out_trade_no" else null end,
         "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL}
       returning *`,
      [result.status, result.error ?? null, result.confirmUrl ?? null, holdsRefundLock(result.status), id],
    );
    if (rows[0]) return rows[0];
    return this.requireRefund(id, sharedContext);
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
  @InjectManager()
  async failRefund(
    id: string,
    error: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = 'failed', "error" = ?, "in_flight_key" = null, "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL} returning *`,
      [error, id],
    );
    return rows[0] ?? null;
  }

  /** Replaces a refund's note for the merchant (why it is uncertain, why it cannot be recorded…). */
  @InjectManager()
  async noteRefundError(
    id: string,
    error: string | null,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_refund" set "error" = ?, "updated_at" = now() where "id" = ?`,
      [error, id],
      'run',
    );
  }

  /** Refunds still waiting for Alipay's answer or result, requested before `before`, oldest first. */
  @InjectManager()
  async openRefundsBefore(
    before: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" in ${OPEN_REFUND_STATUSES_SQL} and "created_at" <= ? and "deleted_at" is null
       order by "created_at" limit ?`,
      [before, limit],
    );
  }

  private async requireRefund(id: string, sharedContext: Context): Promise<RefundRow> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(`select * from "alipay_refund" where "id" = ?`, [id]);
    if (!rows[0]) throw new MedusaError(MedusaError.Types.NOT_FOUND, `refund ${id} not found`);
    return rows[0];
  }
}
