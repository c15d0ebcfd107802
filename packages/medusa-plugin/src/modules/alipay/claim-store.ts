/**
 * The claim store (`alipay_notification_claim`): exactly one worker handles each notification (or
 * query answer) of a trade; an accepted payment is kept with its claim until it is applied; and the
 * heartbeat of the claims this process holds. A claim stays `processing` while its holder works on
 * it; another delivery, or the resume job, may take it over once `claimed_at` is older than the lease
 * ({@link DEFAULT_CLAIM_LEASE_MS}). Refreshing `claimed_at` every {@link CLAIM_HEARTBEAT_MS} keeps a
 * live holder's claims — including accepted payments waiting in the queue — from being taken over,
 * so the lease can be short and a dead holder's work is resumed within seconds instead of minutes.
 *
 * @packageDocumentation
 */
import type { TradeEvent } from '@alipay-commerce/core';
import type { Context } from '@medusajs/framework/types';
import { generateEntityId, MedusaError } from '@medusajs/framework/utils';
import { SqlStore } from './sql-store';

/** State of an existing claim; `released` when it vanished between the insert and the read. */
export type ClaimState = 'processing' | 'processed' | 'ignored' | 'released';

/** Outcome of {@link ClaimStore.claimNotification}. */
export type ClaimResult =
  | { claimed: true; claimId: string; tookOver?: boolean }
  | { claimed: false; state: ClaimState; outcome: string | null; claimId?: string };

/**
 * How long a `processing` claim protects its holder before another delivery may take it over. The
 * holder refreshes `claimed_at` every {@link CLAIM_HEARTBEAT_MS} while it lives (see {@link holdClaim}),
 * so only a dead holder's claim gets this old.
 */
export const DEFAULT_CLAIM_LEASE_MS = 30_000;

/** How often a live process refreshes the claims it holds. */
export const CLAIM_HEARTBEAT_MS = 5_000;

/**
 * What an accepted claim keeps to apply its notification later (`alipay_notification_claim.event`):
 * the verified event's identifiers, status, amount and currency, and the settings scope it was verified in.
 */
export interface AcceptedTradeEvent {
  providerId: string;
  scope: string;
  outTradeNo: string;
  tradeNo: string;
  status: TradeEvent['status'];
  alipayStatus: string;
  amountFen: number;
  /** The payment's currency when it is not CNY (Antom): the lifecycle compares it with the order's. */
  currency?: string;
}

/** An accepted claim this process has just taken over to apply (see `trades/process-trade-event.ts`). */
export interface AcceptedClaim {
  id: string;
  event: AcceptedTradeEvent;
  /** Failed attempts so far. */
  attempts: number;
}

/** Notification claims. */
export class ClaimStore extends SqlStore {
  // ---------------------------------------------------------------------------------------------
  // Notification claims (idempotency)

  /**
   * Claims `(tradeNo, claimKey)` for processing. Exactly one concurrent caller gets `claimed: true`:
   * the row is inserted under a UNIQUE index with `on conflict do nothing`. A claim left `processing`
   * for longer than `leaseMs` (its holder crashed) is taken over atomically.
   */
  async claimNotification(
    input: {
      tradeNo: string;
      claimKey: string;
      outTradeNo: string | null;
      sessionId: string | null;
      source: 'notify' | 'query';
      leaseMs?: number;
    },
    context?: Context,
  ): Promise<ClaimResult> {
    const inserted = await this.execute<Array<{ id: string }>>(
      `insert into "alipay_notification_claim" ("id", "trade_no", "claim_key", "out_trade_no", "session_id",
         "source", "state", "claimed_at", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, 'processing', now(), now(), now())
       on conflict do nothing
       returning "id"`,
      [
        generateEntityId(undefined, 'aliclaim'),
        input.tradeNo,
        input.claimKey,
        input.outTradeNo,
        input.sessionId,
        input.source,
      ],
      context,
    );
    if (inserted[0]) return { claimed: true, claimId: inserted[0].id };

    const leaseSeconds = Math.ceil((input.leaseMs ?? DEFAULT_CLAIM_LEASE_MS) / 1000);
    const takenOver = await this.execute<Array<{ id: string }>>(
      `update "alipay_notification_claim" set "claimed_at" = now(), "source" = ?, "updated_at" = now()
       where "trade_no" = ? and "claim_key" = ? and "deleted_at" is null and "state" = 'processing'
         and "claimed_at" < now() - (? * interval '1 second')
       returning "id"`,
      [input.source, input.tradeNo, input.claimKey, leaseSeconds],
      context,
    );
    if (takenOver[0]) return { claimed: true, claimId: takenOver[0].id, tookOver: true };

    const existing = await this.execute<Array<{ id: string; state: ClaimState; outcome: string | null }>>(
      `select "id", "state", "outcome" from "alipay_notification_claim"
       where "trade_no" = ? and "claim_key" = ? and "deleted_at" is null`,
      [input.tradeNo, input.claimKey],
      context,
    );
    const row = existing[0];
    // The holder released the claim between our insert and this read: report it as free to retry.
    if (!row) return { claimed: false, state: 'released', outcome: null };
    return { claimed: false, state: row.state, outcome: row.outcome, claimId: row.id };
  }

  /** Marks a claim as done: `processed` (state changed) or `ignored` (nothing to do), with why. */
  async finishClaim(
    claimId: string,
    state: 'processed' | 'ignored',
    outcome: string,
    context?: Context,
  ): Promise<void> {
    await this.execute(
      `update "alipay_notification_claim" set "state" = ?, "outcome" = ?, "updated_at" = now() where "id" = ?`,
      [state, outcome, claimId],
      context,
      'run',
    );
  }

  /**
   * Marks a held claim as **accepted**: its notification was verified and will be applied after Alipay
   * is answered. Stored with the claim, `event` is what the `alipay-resume-payments` job applies if
   * this process dies first. Duplicates of an accepted claim are answered `success` at once.
   */
  async acceptClaim(claimId: string, event: AcceptedTradeEvent, context?: Context): Promise<void> {
    const rows = await this.execute<Array<{ id: string }>>(
      `update "alipay_notification_claim" set "outcome" = 'accepted', "event" = ?::jsonb, "updated_at" = now()
       where "id" = ? and "state" = 'processing' and "deleted_at" is null
       returning "id"`,
      [JSON.stringify(event), claimId],
      context,
    );
    if (!rows[0]) {
      throw new MedusaError(MedusaError.Types.CONFLICT, `claim ${claimId} is no longer held`);
    }
  }

  /** The heartbeat of the claims this process holds: keeps them from being taken over. */
  async refreshClaims(claimIds: string[], context?: Context): Promise<void> {
    if (!claimIds.length) return;
    await this.execute(
      `update "alipay_notification_claim" set "claimed_at" = now()
       where "id" in (?) and "state" = 'processing' and "deleted_at" is null`,
      [claimIds],
      context,
      'run',
    );
  }

  /**
   * Takes over up to `limit` accepted claims whose holder stopped refreshing them for `leaseMs` (it
   * died) or whose retry is due, oldest first. Concurrent callers (several server instances) never get
   * the same claim: rows are locked with `skip locked` and their `claimed_at` moved to now.
   */
  async takeOverStaleAcceptedClaims(
    limit: number,
    leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
    context?: Context,
  ): Promise<AcceptedClaim[]> {
    const rows = await this.execute<Array<{ id: string; event: AcceptedTradeEvent; attempts: number }>>(
      `update "alipay_notification_claim" set "claimed_at" = now(), "updated_at" = now()
       where "id" in (
         select "id" from "alipay_notification_claim"
         where "state" = 'processing' and "outcome" = 'accepted' and "deleted_at" is null
           and "claimed_at" < now() - (? * interval '1 millisecond')
         order by "claimed_at" limit ? for update skip locked)
       returning "id", "event", "attempts"`,
      [leaseMs, limit],
      context,
    );
    return rows.filter(row => row.event && typeof row.event === 'object');
  }

  /**
   * After a failed attempt at applying an accepted claim: counts it and lets the claim go stale
   * `delayMs` from now, when the resume job takes it over again. `claimed_at` is set so that it
   * passes the lease exactly then.
   */
  async postponeAcceptedClaim(
    claimId: string,
    attempts: number,
    delayMs: number,
    leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
    context?: Context,
  ): Promise<void> {
    await this.execute(
      `update "alipay_notification_claim"
       set "attempts" = ?, "claimed_at" = now() + (? * interval '1 millisecond'), "updated_at" = now()
       where "id" = ? and "state" = 'processing'`,
      [attempts, delayMs - leaseMs, claimId],
      context,
      'run',
    );
  }

  /** Releases a claim after a failed processing, so that Alipay's next retry can claim it again. */
  async releaseClaim(claimId: string, context?: Context): Promise<void> {
    await this.execute(`delete from "alipay_notification_claim" where "id" = ?`, [claimId], context, 'run');
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeat

/** What refreshes held claims: the settings module service (one per Medusa app in this process). */
export interface ClaimRefresher {
  refreshClaims(claimIds: string[]): Promise<void>;
}

/** Held claim ID → the settings service that refreshes it (one per Medusa app in this process). */
const held = new Map<string, ClaimRefresher>();
let timer: NodeJS.Timeout | undefined;

/** Starts refreshing `claimId` until {@link dropClaim}. */
export function holdClaim(settings: ClaimRefresher, claimId: string): void {
  held.set(claimId, settings);
  if (!timer) {
    timer = setInterval(() => void beat(), CLAIM_HEARTBEAT_MS);
    // Never what keeps the process alive.
    timer.unref();
  }
}

/** Stops refreshing `claimId` (finished, released, or postponed). */
export function dropClaim(claimId: string): void {
  held.delete(claimId);
  if (!held.size && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

async function beat(): Promise<void> {
  const byService = new Map<ClaimRefresher, string[]>();
  for (const [claimId, settings] of held) {
    const ids = byService.get(settings) ?? [];
    ids.push(claimId);
    byService.set(settings, ids);
  }
  for (const [settings, ids] of byService) {
    // A missed beat only shortens the protection by one interval; the next beat retries.
    await settings.refreshClaims(ids).catch(() => undefined);
  }
}
