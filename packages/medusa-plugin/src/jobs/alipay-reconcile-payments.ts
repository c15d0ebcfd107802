import type { Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { reconcileAlipayPayments } from '../lib/reconcile';

/**
 * Every 5 minutes: asks Alipay about Alipay payment sessions still pending (older than 2 minutes,
 * younger than 7 days) and escrow payments not captured yet (up to 45 days), and applies each paid / finished /
 * closed answer exactly as the notification would have — so a cart becomes an order even when every
 * notification was lost.
 */
export default async function alipayReconcilePayments(container: MedusaContainer): Promise<void> {
  const report = await reconcileAlipayPayments(container);
  if (report.checked) {
    container
      .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
      .info(
        `[alipay] reconciliation: ${report.checked} checked, ${report.applied} applied, ${report.failed} failed`,
      );
  }
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-reconcile-payments',
  schedule: '*/5 * * * *',
};
