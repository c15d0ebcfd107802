/**
 * The shipping gate in Medusa's own workflows: creating a fulfillment, or marking one shipped, for an
 * order whose Alipay money is no longer held (see `shipments/shipping-gate.ts`) fails with the core's
 * `SHIPMENT_REFUSED` text, and Medusa rolls the fulfillment or shipment back. Neither workflow has a
 * validation hook in Medusa 2.21, so the check runs in the hook each one offers after its work.
 */
import { createOrderFulfillmentWorkflow, createOrderShipmentWorkflow } from '@medusajs/medusa/core-flows';
import { refuseShippingWithoutMoney } from '../../shipments/shipping-gate';

createOrderFulfillmentWorkflow.hooks.fulfillmentCreated(async ({ fulfillment }, { container }) => {
  await refuseShippingWithoutMoney(container, fulfillment.id);
});

createOrderShipmentWorkflow.hooks.shipmentCreated(async ({ shipment }, { container }) => {
  await refuseShippingWithoutMoney(container, shipment.id);
});
