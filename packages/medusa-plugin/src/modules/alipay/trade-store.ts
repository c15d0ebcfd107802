/**
 * The trade store: the verified state of each trade (`alipay_trade`, never moved backwards) and how
 * each trade was started (`alipay_trade_start`, the only mapping from `out_trade_no` to its session).
 *
 * @packageDocumentation
 */
import { type TradeEvent, toTradeStatus } from '@alipay-commerce/core';
import { TRADE_STATUS_ORDER } from '@alipay-commerce/core/lifecycle';
import type { Context } from '@medusajs/framework/types';
import { generateEntityId, MedusaError } from '@medusajs/framework/utils';
import { type RowWindow, SqlStore } from './sql-store';

/** A row of `alipay_trade`: the last verified state of a trade. */
export interface VerifiedTrade {
  id: string;
  out_trade_no: string;
  session_id: string | null;
  provider_id: string;
  scope: string;
  trade_no: string | null;
  status: TradeEvent['status'];
  alipay_status: string;
  total_amount: string;
  refunded_amount: string | null;
  source: 'notify' | 'query';
  /** The core's `OrphanReason` when the trade's money could not reach its order. */
  orphan_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `alipay_trade_start` (see the model): how a trade was started, kept after its session is gone. */
export interface TradeStartRow {
  id: string;
  out_trade_no: string;
  /**
   * The payment session the trade was started for: the stored mapping from the random `out_trade_no`.
   * `null` only for rows of trades started before the column existed, whose `out_trade_no` was the session ID.
   */
  session_id: string | null;
  provider_id: string;
  scope: string;
  amount: string;
  /** The session data keys the trade's origin and scope are read from (nothing secret). */
  origin: Record<string, unknown>;
  /** When a storefront-driven status check last asked Alipay about the trade. */
  last_queried_at?: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** `'waiting_payment', …` for SQL: the core's order, in which a trade's status may only move forward. */
const STATUS_ORDER_SQL = TRADE_STATUS_ORDER.map(status => `'${status}'`).join(', ');

/** Verified trade state and trade starts. */
export class TradeStore extends SqlStore {
  // ---------------------------------------------------------------------------------------------
  // Verified trade state

  /**
   * Records the verified state of a trade (from a verified notification or a signed query answer):
   * `event.alipayStatus` is the status to record (the lifecycle's decision, or a query's answer).
   * Never moves a trade backwards in the core's order (`TRADE_STATUS_ORDER`), also when two writers
   * race: a late `WAIT_BUYER_PAY` after `TRADE_SUCCESS` leaves the stored state as it is.
   * @returns the stored row after the write.
   */
  async recordVerifiedTrade(
    input: {
      event: Pick<TradeEvent, 'outTradeNo' | 'tradeNo' | 'alipayStatus'>;
      sessionId: string | null;
      providerId: string;
      scope: string;
      source: 'notify' | 'query';
      totalAmount: string;
      refundedAmount: string | null;
    },
    context?: Context,
  ): Promise<VerifiedTrade> {
    const { event } = input;
    const status = toTradeStatus(event.alipayStatus);
    if (!status) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `unknown trade status ${event.alipayStatus}`);
    }
    const rank = (column: string) => `array_position(ARRAY[${STATUS_ORDER_SQL}]::text[], ${column}::text)`;
    const rows = await this.execute<VerifiedTrade[]>(
      `insert into "alipay_trade" ("id", "out_trade_no", "session_id", "provider_id", "scope", "trade_no",
         "status", "alipay_status", "total_amount", "refunded_amount", "source", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())
       on conflict ("out_trade_no") where "deleted_at" is null do update set
         "trade_no" = coalesce(excluded."trade_no", "alipay_trade"."trade_no"),
         "session_id" = coalesce("alipay_trade"."session_id", excluded."session_id"),
         "status" = excluded."status",
         "alipay_status" = excluded."alipay_status",
         "total_amount" = excluded."total_amount",
         "refunded_amount" = coalesce(excluded."refunded_amount", "alipay_trade"."refunded_amount"),
         "source" = excluded."source",
         "updated_at" = now()
       where ${rank('excluded."status"')} >= ${rank('"alipay_trade"."status"')}
       returning *`,
      [
        generateEntityId(undefined, 'alitrade'),
        event.outTradeNo,
        input.sessionId,
        input.providerId,
        input.scope,
        event.tradeNo || null,
        status,
        event.alipayStatus,
        input.totalAmount,
        input.refundedAmount,
        input.source,
      ],
      context,
    );
    if (rows[0]) return rows[0];
    // The write was skipped because the stored state is further along: return that one.
    const stored = await this.getVerifiedTrade(event.outTradeNo, context);
    if (!stored)
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, 'alipay_trade upsert lost its row');
    return stored;
  }

  /** The verified state of the trade with this `out_trade_no`, or `null` when none was verified yet. */
  async getVerifiedTrade(outTradeNo: string, context?: Context): Promise<VerifiedTrade | null> {
    return this.first<VerifiedTrade>(
      `select * from "alipay_trade" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
      context,
    );
  }

  /** The verified state of the trade with Alipay's `trade_no`, or `null`. */
  async getVerifiedTradeByTradeNo(tradeNo: string, context?: Context): Promise<VerifiedTrade | null> {
    return this.first<VerifiedTrade>(
      `select * from "alipay_trade" where "trade_no" = ? and "deleted_at" is null order by "updated_at" desc limit 1`,
      [tradeNo],
      context,
    );
  }

  /**
   * Records how a trade was started (see the `alipay_trade_start` model), before the buyer can pay it,
   * with the payment session it belongs to: the only mapping from the random `out_trade_no` to the
   * session. A session rebuilt under the same `out_trade_no` (a changed amount before Alipay knew the
   * trade) overwrites it; its session never changes.
   */
  async recordTradeStart(
    input: {
      outTradeNo: string;
      /** The Medusa payment session the trade is started for. */
      sessionId: string;
      providerId: string;
      scope: string;
      amount: string;
      origin: Record<string, unknown>;
    },
    context?: Context,
  ): Promise<void> {
    await this.execute(
      `insert into "alipay_trade_start" ("id", "out_trade_no", "session_id", "provider_id", "scope", "amount", "origin", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?::jsonb, now(), now())
       on conflict ("out_trade_no") where "deleted_at" is null do update set
         "session_id" = coalesce("alipay_trade_start"."session_id", excluded."session_id"),
         "provider_id" = excluded."provider_id", "scope" = excluded."scope", "amount" = excluded."amount",
         "origin" = excluded."origin", "updated_at" = now()`,
      [
        generateEntityId(undefined, 'alistart'),
        input.outTradeNo,
        input.sessionId,
        input.providerId,
        input.scope,
        input.amount,
        JSON.stringify(input.origin),
      ],
      context,
      'run',
    );
  }

  /**
   * Claims one storefront-driven status query of the trade: sets `last_queried_at` to `now` only when it
   * is unset or older than `cutoff`, in one conditional update, so that of concurrent checks exactly one
   * asks Alipay. `recent` when another check asked after `cutoff` (answer from the recorded state);
   * `unknown` when the trade has no start record (started before they were kept: query as before).
   */
  async claimTradeQuery(
    outTradeNo: string,
    now: Date,
    cutoff: Date,
    context?: Context,
  ): Promise<'claimed' | 'recent' | 'unknown'> {
    const claimed = await this.execute<Array<{ id: string }>>(
      `update "alipay_trade_start" set "last_queried_at" = ?
       where "out_trade_no" = ? and "deleted_at" is null
         and ("last_queried_at" is null or "last_queried_at" < ?)
       returning "id"`,
      [now, outTradeNo, cutoff],
      context,
    );
    if (claimed.length > 0) return 'claimed';
    const exists = await this.execute<Array<{ id: string }>>(
      `select "id" from "alipay_trade_start" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
      context,
    );
    return exists.length > 0 ? 'recent' : 'unknown';
  }

  /**
   * Forgets the last status query of the trade: the shop itself changed it on Alipay (closed it), so the
   * next status check must ask again rather than answer from the state before.
   */
  async releaseTradeQuery(outTradeNo: string, context?: Context): Promise<void> {
    await this.execute(
      `update "alipay_trade_start" set "last_queried_at" = null where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
      context,
      'run',
    );
  }

  /** How the trade `outTradeNo` was started, or `null` (started before this was recorded, or not ours). */
  async getTradeStart(outTradeNo: string, context?: Context): Promise<TradeStartRow | null> {
    return this.first<TradeStartRow>(
      `select * from "alipay_trade_start" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
      context,
    );
  }

  /**
   * Trades started from `window.from` to `window.to` that Alipay has not reported paid or closed (no
   * verified state, or still waiting for the buyer), newest first: reconciliation asks about those whose
   * session Medusa deleted.
   */
  async unsettledTradeStarts(window: RowWindow, context?: Context): Promise<TradeStartRow[]> {
    return this.execute<TradeStartRow[]>(
      `select s.* from "alipay_trade_start" s
       left join "alipay_trade" t on t."out_trade_no" = s."out_trade_no" and t."deleted_at" is null
       where s."deleted_at" is null and s."created_at" >= ? and s."created_at" <= ?
         and (t."id" is null or t."status" = 'waiting_payment')
       order by s."created_at" desc limit ?`,
      [window.from, window.to, window.limit],
      context,
    );
  }

  /** Marks a trade as an orphan payment (its money could not reach its order), with the core's reason. */
  async markOrphanTrade(outTradeNo: string, reason: string, context?: Context): Promise<void> {
    await this.execute(
      `update "alipay_trade" set "orphan_reason" = ?, "updated_at" = now()
       where "out_trade_no" = ? and "deleted_at" is null`,
      [reason, outTradeNo],
      context,
      'run',
    );
  }

  /**
   * Orphan trades of `providerIds` older than `before` that the core's `planOrphanRefund` would refund
   * for the policy: the auto-refund policy's work list. The query narrows with the same rule (money not
   * all back, no orphan refund succeeded or open, no refusal since which nothing settled) so that held
   * orphans never fill the batch; the caller still decides with the core.
   */
  async orphanTradesWithoutRefund(
    providerIds: readonly string[],
    before: Date,
    limit: number,
    context?: Context,
  ): Promise<VerifiedTrade[]> {
    if (!providerIds.length) return [];
    const settled = `coalesce((select sum(s."amount"::numeric) from "alipay_refund" s
           where s."out_trade_no" = t."out_trade_no" and s."status" = 'succeeded' and s."deleted_at" is null), 0)`;
    return this.execute<VerifiedTrade[]>(
      `select t.* from "alipay_trade" t
       where t."orphan_reason" is not null and t."deleted_at" is null and t."status" <> 'closed'
         and t."provider_id" in (${providerIds.map(() => '?').join(', ')})
         and t."trade_no" is not null and t."updated_at" <= ?
         and t."total_amount"::numeric > ${settled}
         and not exists (select 1 from "alipay_refund" r
           where r."out_trade_no" = t."out_trade_no" and r."origin" = 'orphan' and r."deleted_at" is null
             and (r."status" <> 'failed' or r."settled_before"::numeric = ${settled}))
       order by t."updated_at" limit ?`,
      [...providerIds, before, limit],
      context,
    );
  }
}
