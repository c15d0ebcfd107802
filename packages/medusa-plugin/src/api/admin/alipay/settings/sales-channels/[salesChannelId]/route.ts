import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_SETTINGS_MODULE } from '../../../../../../modules/alipay_settings/constants';
import type AlipaySettingsModuleService from '../../../../../../modules/alipay_settings/service';

/**
 * `DELETE /admin/alipay/settings/sales-channels/:salesChannelId`: removes that channel's overrides
 * (including its encrypted secrets); the channel then uses the global settings. Idempotent.
 */
export const DELETE = async (
  req: AuthenticatedMedusaRequest,
  res: MedusaResponse<{ salesChannelId: string; deleted: true }>,
) => {
  const salesChannelId = req.params.salesChannelId as string;
  const settings = req.scope.resolve<AlipaySettingsModuleService>(ALIPAY_SETTINGS_MODULE);
  await settings.deleteSalesChannelSettings(salesChannelId);
  res.json({ salesChannelId, deleted: true });
};
