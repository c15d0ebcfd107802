import type { Database } from './http';

/** Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws with `what`). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until every accepted notification has been applied: the plugin answers Alipay `success` as
 * soon as a payment notification is verified and stored, and applies the payment right after
 * (`trades/process-trade-event.ts`), so the order appears a moment after the answer.
 */
export async function acceptedPaymentsApplied(db: Database): Promise<void> {
  await waitFor('the accepted payments to be applied', async () => {
    const { rows } = await db.raw(
      `select count(*)::int as n from alipay_notification_claim where state = 'processing' and outcome = 'accepted'`,
    );
    return rows[0].n === 0;
  });
}
