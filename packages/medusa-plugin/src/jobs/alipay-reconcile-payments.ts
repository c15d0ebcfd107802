import { RECONCILE_INTERVAL_MS } from '@alipay-commerce/core/lifecycle';
import type { Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { reconcileAlipayPayments } from '../reconciliation/reconcile';

/**
 * Every `RECONCILE_INTERVAL_MS` (the core's schedule, 5 minutes): asks Alipay about what notifications
 * left open — pending payment sessions, escrow payments not captured yet, unanswered or uncertain
 * refunds — and takes each answer through the core's lifecycle exactly as the notification would have
 * been (so a cart becomes an order even when every notification was lost); refunds orphan payments
 * when the shop chose to; records settled refunds Medusa has no record of. See `reconciliation/reconcile.ts`.
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
  schedule: { interval: RECONCILE_INTERVAL_MS },
};
