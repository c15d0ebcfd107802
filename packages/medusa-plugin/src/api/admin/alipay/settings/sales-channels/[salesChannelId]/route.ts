import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../../modules/alipay/service';
import { auditSettingsChange } from '../../../../../../settings/settings-guard';
import { SETTINGS_FIELD_NAMES } from '../../../../../../shared/settings-fields';

/**
 * `DELETE /admin/alipay/settings/sales-channels/:salesChannelId`: removes that channel's overrides
 * (including its encrypted secrets); the channel then uses the global settings. Idempotent. Its
 * payments then go to the global merchant: the route needs the `alipay_credentials:update` policy.
 */
export const DELETE = async (
  req: AuthenticatedMedusaRequest,
  res: MedusaResponse<{ salesChannelId: string; deleted: true }>,
) => {
  const salesChannelId = req.params.salesChannelId as string;
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const view = await settings.getAdminView();
  const before = view.salesChannels.find(channel => channel.salesChannelId === salesChannelId) as
    | Record<string, unknown>
    | undefined;
  await settings.deleteSalesChannelSettings(salesChannelId);
  const fields = before
    ? SETTINGS_FIELD_NAMES.filter(
        field =>
          (before[field] ?? '') !== '' || before[`has${field[0]!.toUpperCase()}${field.slice(1)}`] === true,
      )
    : [];
  auditSettingsChange(req, `sales channel ${salesChannelId} (overrides removed)`, fields);
  res.json({ salesChannelId, deleted: true });
};
