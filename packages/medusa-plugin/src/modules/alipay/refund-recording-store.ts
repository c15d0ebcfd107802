/**
 * The recording of settled refunds (`alipay_refund` rows Alipay already made): stored once, then
 * recorded in Medusa under the trade's refund lock, by the provider (`linkRecordedRefund`) or by
 * reconciliation.
 *
 * @packageDocumentation
 */
import type { AlipayGeneration } from '@alipay-commerce/core';
import type { RefundOrigin } from '@alipay-commerce/core/lifecycle';
import type { Context } from '@medusajs/framework/types';
import { MedusaError } from '@medusajs/framework/utils';
import { type RefundRow, refundInsert } from './refund-store';
import { type RowWindow, SqlStore } from './sql-store';

/** A refund Alipay already made, as {@link RefundRecordingStore.insertSettledRefund} stores it. */
export interface SettledRefund {
  outTradeNo: string;
  tradeNo: string | null;
  providerId: string;
  scope: string;
  generation: AlipayGeneration;
  requestNo: string;
  /** Yuan text. */
  amount: string;
  origin: RefundOrigin;
  /** Take the trade's refund lock while Medusa records it (see `linkRecordedRefund`). */
  lock: boolean;
}

/** Settled refunds and their recording in Medusa. */
export class RefundRecordingStore extends SqlStore {
  // ---------------------------------------------------------------------------------------------
  // Refund ledger (alipay_refund)

  /**
   * Records a refund Alipay has already made (on its own side, or an orphan's money given back), once:
   * idempotent by (`out_trade_no`, `request_no`). With `lock`, the row takes the trade's refund lock
   * until Medusa has recorded it (see {@link linkRecordedRefund}); when another refund holds the lock
   * it is stored without. Returns the row and whether this call created it.
   */
  async insertSettledRefund(
    input: SettledRefund,
    context?: Context,
  ): Promise<{ row: RefundRow; created: boolean }> {
    const existing = async () =>
      (
        await this.execute<RefundRow[]>(
          `select * from "alipay_refund" where "out_trade_no" = ? and "request_no" = ? and "deleted_at" is null`,
          [input.outTradeNo, input.requestNo],
          context,
        )
      )[0];
    const found = await existing();
    if (found) return { row: found, created: false };
    for (const lock of input.lock ? [true, false] : [false]) {
      const { sql, params } = refundInsert(input, {
        refund_id: input.requestNo,
        status: 'succeeded',
        in_flight_key: lock ? input.outTradeNo : null,
        settled_before: '0.00',
      });
      const rows = await this.execute<RefundRow[]>(sql, params, context);
      if (rows[0]) return { row: rows[0], created: true };
      const raced = await existing();
      if (raced) return { row: raced, created: false };
    }
    throw new MedusaError(MedusaError.Types.CONFLICT, `refund ${input.requestNo} could not be stored`);
  }

  /**
   * Takes the trade's refund lock for a settled refund that Medusa is about to record, unlinking it
   * from any Medusa refund (one that was lost). A lock the row itself holds is taken over only when it
   * was last touched before `staleBefore` (its holder died): of two reconciliation runs at once, one
   * wins. Returns null when the lock is held (by another refund, or a live holder).
   */
  async lockForRecording(id: string, staleBefore: Date | null, context?: Context): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `update "alipay_refund" set "in_flight_key" = "out_trade_no", "medusa_refund_id" = null, "updated_at" = now()
       where "id" = ? and "status" = 'succeeded'
         and ("in_flight_key" is null or ("in_flight_key" = "out_trade_no" and "updated_at" <= ?))
       returning *`,
      [id, staleBefore ?? new Date(0)],
      context,
    );
  }

  /**
   * The payment provider's half of recording a settled refund in Medusa: Medusa calls `refundPayment`
   * for a refund Alipay already made; the row being recorded (settled, unlinked, holding the lock) of
   * that trade and amount is linked to Medusa's refund instead of calling Alipay. Null when none waits.
   */
  async linkRecordedRefund(
    outTradeNo: string,
    amount: string,
    medusaRefundId: string | null,
    context?: Context,
  ): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `update "alipay_refund" set "medusa_refund_id" = ?, "in_flight_key" = null, "error" = null, "updated_at" = now()
       where "id" = (
         select "id" from "alipay_refund"
         where "out_trade_no" = ? and "amount" = ? and "status" = 'succeeded' and "origin" <> 'orphan'
           and "medusa_refund_id" is null and "in_flight_key" is not null and "deleted_at" is null
         order by "created_at" limit 1 for update skip locked)
       returning *`,
      [medusaRefundId, outTradeNo, amount],
      context,
    );
  }

  /** Releases the lock of a settled refund after recording it (or failing to), with an optional note. */
  async releaseRecordingLock(id: string, error: string | null, context?: Context): Promise<RefundRow | null> {
    return this.first<RefundRow>(
      `update "alipay_refund" set "in_flight_key" = null, "error" = coalesce(?, "error"), "updated_at" = now()
       where "id" = ? and "status" = 'succeeded' returning *`,
      [error, id],
      context,
    );
  }

  /**
   * Settled refunds of the shop or of Alipay's side that no Medusa refund records (yet): never linked,
   * or whose recording lock was last touched before `before` (its holder died).
   */
  async unrecordedRefunds(before: Date, limit: number, context?: Context): Promise<RefundRow[]> {
    return this.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" = 'succeeded' and "origin" in ('shop', 'alipay') and "medusa_refund_id" is null
         and "updated_at" <= ? and "deleted_at" is null
       order by "updated_at" limit ?`,
      [before, limit],
      context,
    );
  }

  /** Settled refunds linked to a Medusa refund, last changed after `window.from` until `window.to`. */
  async linkedRefundsBetween(window: RowWindow, context?: Context): Promise<RefundRow[]> {
    return this.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" = 'succeeded' and "medusa_refund_id" is not null
         and "updated_at" > ? and "updated_at" <= ? and "deleted_at" is null
       order by "updated_at" limit ?`,
      [window.from, window.to, window.limit],
      context,
    );
  }
}
