import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { MedusaError } from '@medusajs/framework/utils';
import { AlipaySettingsInvalidError } from '../../../../../modules/alipay/settings-errors';
import {
  alipayRuntime,
  configuredAlipayProviders,
  providerOfConfiguration,
} from '../../../../../settings/runtime';

/** Answer of the credentials test: the core's `CredentialCheck`. */
export interface CredentialTestResponse {
  ok: boolean;
  /** `TRADE_NOT_EXIST` / `ACQ.TRADE_NOT_EXIST` (good), `ILLEGAL_SIGN`, `isv.invalid-app-id`, `NETWORK_TIMEOUT`… */
  code: string;
  message: { en: string; zh: string };
  /** The settings scope tested: `global` or a sales channel ID. */
  scope: string;
}

/**
 * `POST /admin/alipay/settings/test-credentials` (body `{ salesChannelId?, configuration? }`): checks the saved
 * credentials against Alipay with a harmless query for a trade that does not exist — "trade not
 * found" proves that Alipay accepted the partner/app and the signature. Not `.../settings/test`:
 * `medusa plugin:build` drops every path with a `test` segment.
 */
export const POST = async (
  req: AuthenticatedMedusaRequest<{ salesChannelId?: string | null; configuration?: string | null }>,
  res: MedusaResponse<CredentialTestResponse | { type: string; message: string; issues?: unknown }>,
) => {
  const configuration = typeof req.body?.configuration === 'string' ? req.body.configuration : null;
  // A provider with settings of its own is tested with them; else the first provider (global settings).
  const providerId = configuration
    ? providerOfConfiguration(req.scope, configuration)
    : configuredAlipayProviders(req.scope)[0];
  if (!providerId) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      'No Alipay payment provider is configured in medusa-config. / medusa-config 中未配置支付宝支付提供方。',
    );
  }
  const salesChannelId = typeof req.body?.salesChannelId === 'string' ? req.body.salesChannelId : null;
  let scoped: Awaited<ReturnType<ReturnType<typeof alipayRuntime>['facade']>>;
  try {
    scoped = await alipayRuntime(req.scope, providerId).facade(salesChannelId);
  } catch (error) {
    if (error instanceof AlipaySettingsInvalidError) {
      res.status(400).json({ type: 'invalid_data', message: error.message, issues: error.fieldIssues });
      return;
    }
    throw error;
  }
  const check = await scoped.alipay.testCredentials();
  res.json({ ok: check.ok, code: check.code, message: check.message, scope: scoped.scope });
};
