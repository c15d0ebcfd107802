/**
 * The heartbeat of the notification claims this process holds. A claim (`alipay_notification_claim`)
 * stays `processing` while its holder works on it; another delivery, or the resume job, may take it
 * over once `claimed_at` is older than the lease (`DEFAULT_CLAIM_LEASE_MS`). Refreshing `claimed_at`
 * every `CLAIM_HEARTBEAT_MS` keeps a live holder's claims — including accepted payments waiting in
 * the queue — from being taken over, so the lease can be short and a dead holder's work is resumed
 * within seconds instead of minutes.
 *
 * @packageDocumentation
 */
import type AlipaySettingsModuleService from '../modules/alipay_settings/service';
import { CLAIM_HEARTBEAT_MS } from '../modules/alipay_settings/service';

/** Held claim ID → the settings service that refreshes it (one per Medusa app in this process). */
const held = new Map<string, AlipaySettingsModuleService>();
let timer: NodeJS.Timeout | undefined;

/** Starts refreshing `claimId` until {@link dropClaim}. */
export function holdClaim(settings: AlipaySettingsModuleService, claimId: string): void {
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
  const byService = new Map<AlipaySettingsModuleService, string[]>();
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
