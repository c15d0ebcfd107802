import type { SubscriberArgs, SubscriberConfig } from '@medusajs/framework';
import { FulfillmentWorkflowEvents } from '@medusajs/framework/utils';
import { confirmShipmentForFulfillment } from '../shipments/shipment-confirmation';

/**
 * `shipment.created` (emitted by Medusa 2.21's `createOrderShipmentWorkflow` with the fulfillment
 * ID): confirms shipment to Alipay for escrow trades. Failures are recorded and retried by the
 * `alipay-retry-shipments` job, never thrown back into Medusa's shipment flow.
 */
export default async function alipayShipmentCreated({ event, container }: SubscriberArgs<{ id: string }>) {
  try {
    await confirmShipmentForFulfillment(container, event.data.id);
  } catch (error) {
    container
      .resolve('logger')
      .error(
        `[alipay] shipment confirmation for fulfillment ${event.data.id} could not be recorded: ${(error as Error).message}`,
      );
  }
}

/** Subscribed event: `shipment.created`. */
export const config: SubscriberConfig = {
  event: FulfillmentWorkflowEvents.SHIPMENT_CREATED,
};
