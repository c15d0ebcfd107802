import type { MedusaContainer } from '@medusajs/framework/types';
import { retryDueShipments } from '../lib/shipments';

/**
 * Every minute: retries escrow shipment confirmations whose previous attempt failed and whose
 * backoff delay has passed. The rows live in the database, so retries survive restarts.
 */
export default async function alipayRetryShipments(container: MedusaContainer): Promise<void> {
  await retryDueShipments(container);
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-retry-shipments',
  schedule: '* * * * *',
};
