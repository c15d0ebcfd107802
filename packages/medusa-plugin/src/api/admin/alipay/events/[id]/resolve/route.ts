import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../../modules/alipay/service';

/**
 * `POST /admin/alipay/events/:id/resolve`: marks an orphan payment or a failure as handled (refunded
 * on Alipay, order created by hand…), so it leaves the attention list. The entry itself stays.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const event = await settings.retrieveAlipayEvent(req.params.id as string);
  const updated = await settings.updateAlipayEvents({ id: event.id, resolved_at: new Date() });
  res.json({ event: updated });
};
