import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../../modules/alipay/service';
import {
  attemptShipmentConfirmation,
  type ShipmentRow,
} from '../../../../../../shipments/shipment-confirmation';

/**
 * `POST /admin/alipay/shipments/:id/retry`: confirms an escrow shipment to Alipay again now (after
 * the automatic retries gave up, or to skip the wait). Answers the shipment after the attempt.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const row = (await settings.retrieveAlipayShipment(req.params.id as string)) as unknown as ShipmentRow;
  if (row.status === 'confirmed') {
    res.json({ shipment: row });
    return;
  }
  // A manual retry gets the whole budget of automatic attempts again.
  const reset = (await settings.updateAlipayShipments({
    id: row.id,
    status: 'pending',
    attempts: 0,
    next_attempt_at: new Date(),
  })) as unknown as ShipmentRow;
  res.json({ shipment: await attemptShipmentConfirmation(req.scope, reset) });
};
