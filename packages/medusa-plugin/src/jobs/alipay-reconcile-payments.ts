import { bilingualLine, SettingsPolicyError } from '@alipay-commerce/core';
import { RECONCILE_INTERVAL_MS } from '@alipay-commerce/core/lifecycle';
import type { Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { reconcileAlipayPayments } from '../reconciliation/reconcile';

/** The environment variable that sets how often, in whole minutes, the reconciliation job runs. */
export const RECONCILIATION_INTERVAL_ENV = 'ALIPAY_RECONCILIATION_INTERVAL_MINUTES';

/**
 * The reconciliation job's interval in milliseconds: `ALIPAY_RECONCILIATION_INTERVAL_MINUTES` (a whole
 * number of minutes, at least 1) or the core's `RECONCILE_INTERVAL_MS` (5 minutes) when it is unset.
 * Medusa reads a job's schedule when it loads the job file, before any plugin option is at hand, so the
 * setting is an environment variable, the same in every process.
 *
 * @throws {@link SettingsPolicyError} for anything but a whole number ≥ 1, so a typo stops the worker at
 *   startup instead of silently keeping (or dropping) the safety net.
 */
export function reconciliationIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RECONCILIATION_INTERVAL_ENV]?.trim();
  if (raw === undefined || raw === '') return RECONCILE_INTERVAL_MS;
  if (!/^[1-9][0-9]{0,4}$/.test(raw)) {
    throw new SettingsPolicyError(
      bilingualLine({
        en: `${RECONCILIATION_INTERVAL_ENV} must be a whole number of minutes (1 or more), got ${JSON.stringify(raw.slice(0, 20))}`,
        zh: `${RECONCILIATION_INTERVAL_ENV} 必须是整数分钟（至少 1），实际为 ${JSON.stringify(raw.slice(0, 20))}`,
      }),
    );
  }
  return Number(raw) * 60_000;
}

/**
 * Every `RECONCILE_INTERVAL_MS` (the core's schedule, 5 minutes; see {@link reconciliationIntervalMs}):
 * asks Alipay about what notifications left open — pending payment sessions, escrow payments not
 * captured yet, unanswered or uncertain refunds — and takes each answer through the core's lifecycle
 * exactly as the notification would have been (so a cart becomes an order even when every notification
 * was lost); refunds orphan payments when the shop chose to; records settled refunds Medusa has no
 * record of. See `reconciliation/reconcile.ts`. Like every scheduled job it runs only in a process whose
 * `workerMode` is `worker` or `shared`, and with the Redis workflow engine once per tick across them.
 */
export default async function alipayReconcilePayments(container: MedusaContainer): Promise<void> {
  const report = await reconcileAlipayPayments(container);
  if (report.checked || report.refunds || report.recorded || report.failed) {
    container
      .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
      .info(
        `[alipay] reconciliation: ${report.checked} checked, ${report.applied} applied, ` +
          `${report.refunds} refunds looked at, ${report.recorded} recorded, ${report.failed} failed`,
      );
  }
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-reconcile-payments',
  schedule: { interval: reconciliationIntervalMs() },
};
