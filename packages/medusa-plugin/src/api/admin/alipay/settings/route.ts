import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ContainerRegistrationKeys, MedusaError } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from '../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../modules/alipay/service';
import { AlipaySettingsInvalidError, type SettingsIssue } from '../../../../modules/alipay/settings-errors';
import { notifyUrlFor, returnUrlFor } from '../../../../settings/provider-options';
import {
  alipayRuntime,
  configuredAlipayProviders,
  defaultFallbackSettings,
  providerOfConfiguration,
} from '../../../../settings/runtime';
import {
  assertMayChangeCredentials,
  auditSettingsChange,
  changedFieldsOf,
} from '../../../../settings/settings-guard';
import type { AlipaySettingsAdminView, MaskedAlipaySettings } from '../../../../shared/settings-fields';
import type { AdminSaveAlipaySettingsType } from './validators';

/**
 * `GET /admin/alipay/settings`: the global settings and the per-sales-channel overrides. Secrets are
 * never returned: each comes as `has<Field>` and a `<field>Hint` of at most its last 4 characters.
 */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse<AlipaySettingsAdminView>) => {
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const providers = configuredAlipayProviders(req.scope).flatMap(id => {
    try {
      const { options } = alipayRuntime(req.scope, id);
      return [
        {
          id,
          configuration: options.settingsScope ?? null,
          notifyUrl: notifyUrlFor(options, id),
          returnUrl: returnUrlFor(options, id),
        },
      ];
    } catch {
      return [];
    }
  });
  res.json({ ...(await settings.getAdminView()), providers });
};

/** Body of a 400 answer for settings the core refuses: one bilingual message per field. */
export interface InvalidSettingsResponse {
  type: 'invalid_data';
  message: string;
  issues: SettingsIssue[];
}

/**
 * `POST /admin/alipay/settings`: saves one scope (global, or `salesChannelId`). Secrets are
 * write-only: sending none keeps the stored ones. Answers the saved scope, masked.
 *
 * The resulting settings are checked with the core's `settingsToConfig` first (when an interface
 * type is chosen); if the core refuses them, nothing is saved and the answer is 400 with `issues`:
 * `[{ field, message: { en, zh } }]`, which the admin page shows next to each field.
 *
 * Changing the gateway, keys, certificates or seller IDs also needs the RBAC policy
 * `alipay_credentials:update` (when RBAC is on); every change logs the admin's ID and the changed
 * field names.
 */
export const POST = async (
  req: AuthenticatedMedusaRequest<AdminSaveAlipaySettingsType>,
  res: MedusaResponse<{ settings: MaskedAlipaySettings } | InvalidSettingsResponse>,
) => {
  const input = req.validatedBody;
  if (input.salesChannelId) {
    await assertSalesChannelExists(req, input.salesChannelId);
  }
  if (input.configuration) {
    if (input.salesChannelId) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        'Send salesChannelId or configuration, not both. / salesChannelId 与 configuration 只能二选一。',
      );
    }
    assertConfigurationExists(req, input.configuration);
  }
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const view = await settings.getAdminView();
  const before = input.salesChannelId
    ? view.salesChannels.find(channel => channel.salesChannelId === input.salesChannelId)
    : input.configuration
      ? view.configurations.find(entry => entry.configuration === input.configuration)
      : view.global;
  const fields = changedFieldsOf(input, before);
  await assertMayChangeCredentials(req, fields);
  try {
    const saved = await settings.saveSettings(input, {
      fallback: defaultFallbackSettings(req.scope, input.configuration),
    });
    auditSettingsChange(
      req,
      input.salesChannelId
        ? `sales channel ${input.salesChannelId}`
        : input.configuration
          ? `configuration ${input.configuration}`
          : 'the global settings',
      fields,
    );
    res.json({ settings: saved });
  } catch (error) {
    if (!(error instanceof AlipaySettingsInvalidError)) throw error;
    res.status(400).json({ type: 'invalid_data', message: error.message, issues: error.fieldIssues });
  }
};

/** A configuration is the `settingsScope` of a provider in medusa-config; others would be settings nobody uses. */
function assertConfigurationExists(req: AuthenticatedMedusaRequest, configuration: string) {
  if (!providerOfConfiguration(req.scope, configuration)) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No Alipay provider has settingsScope "${configuration}" in medusa-config. / ` +
        `medusa-config 中没有 settingsScope 为 "${configuration}" 的支付宝支付提供方。`,
    );
  }
}

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
