import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ContainerRegistrationKeys, MedusaError } from '@medusajs/framework/utils';
import { ALIPAY_SETTINGS_MODULE } from '../../../../modules/alipay_settings/constants';
import type AlipaySettingsModuleService from '../../../../modules/alipay_settings/service';
import type { AlipaySettingsAdminView, MaskedAlipaySettings } from '../../../../shared/settings-fields';
import type { AdminSaveAlipaySettingsType } from './validators';

/**
 * `GET /admin/alipay/settings`: the global settings and the per-sales-channel overrides. Secrets are
 * never returned: each comes as `has<Field>` and a `<field>Hint` of at most its last 4 characters.
 */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse<AlipaySettingsAdminView>) => {
  const settings = req.scope.resolve<AlipaySettingsModuleService>(ALIPAY_SETTINGS_MODULE);
  res.json(await settings.getAdminView());
};

/**
 * `POST /admin/alipay/settings`: saves one scope (global, or `salesChannelId`). Secrets are
 * write-only: sending none keeps the stored ones. Answers the saved scope, masked.
 */
export const POST = async (
  req: AuthenticatedMedusaRequest<AdminSaveAlipaySettingsType>,
  res: MedusaResponse<{ settings: MaskedAlipaySettings }>,
) => {
  const input = req.validatedBody;
  if (input.salesChannelId) {
    await assertSalesChannelExists(req, input.salesChannelId);
  }
  const settings = req.scope.resolve<AlipaySettingsModuleService>(ALIPAY_SETTINGS_MODULE);
  res.json({ settings: await settings.saveSettings(input) });
};

async function assertSalesChannelExists(req: AuthenticatedMedusaRequest, salesChannelId: string) {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY);
  const { data } = await query.graph({
    entity: 'sales_channel',
    fields: ['id'],
    filters: { id: salesChannelId },
  });
  if (!data.length) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `Sales channel ${salesChannelId} does not exist. / 销售渠道 ${salesChannelId} 不存在。`,
    );
  }
}
