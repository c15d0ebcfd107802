import type { MedusaContainer } from '@medusajs/framework/types';
import { retryDueShipments, SHIPMENT_RETRY_INTERVAL_MS } from '../lib/shipments';

/**
 * Every 15 seconds: retries escrow shipment confirmations whose previous attempt failed and whose
 * backoff delay has passed (one indexed query when there is nothing to do). The rows live in the
 * database, so retries survive restarts.
 */
export default async function alipayRetryShipments(container: MedusaContainer): Promise<void> {
  await retryDueShipments(container);
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-retry-shipments',
  schedule: { interval: SHIPMENT_RETRY_INTERVAL_MS },
};
