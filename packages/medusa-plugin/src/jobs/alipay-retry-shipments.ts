import { FIRST_RETRY_DELAY_MS } from '@alipay-commerce/core/lifecycle';
import type { MedusaContainer } from '@medusajs/framework/types';
import { retryDueShipments } from '../shipments/shipment-confirmation';

/**
 * Every `FIRST_RETRY_DELAY_MS` (the core's first retry delay, 15 s): retries escrow shipment
 * confirmations whose previous attempt failed and whose backoff delay (the core's `retryDelayMs`) has
 * passed — one indexed query when there is nothing to do. The rows live in the database, so retries
 * survive restarts.
 */
export default async function alipayRetryShipments(container: MedusaContainer): Promise<void> {
  await retryDueShipments(container);
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-retry-shipments',
  schedule: { interval: FIRST_RETRY_DELAY_MS },
};
