import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { ALIPAY_MODULE } from '../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../modules/alipay/service';
import type { SettingsIssue } from '../../../../../modules/alipay/settings-errors';
import { defaultFallbackSettings } from '../../../../../settings/runtime';
import type { AdminSaveAlipaySettingsType } from '../validators';

/**
 * `POST /admin/alipay/settings/validate`: the same body as `POST /admin/alipay/settings`, checked
 * with the core's `settingsToConfig` as if saved — nothing is written. Answers 200 with
 * `{ ok, issues: [{ field, message: { en, zh } }] }`, so the admin page can put each message next to
 * its field (the JS SDK does not expose the body of an error answer). Secrets sent here are only
 * checked, never stored or echoed.
 */
export const POST = async (
  req: AuthenticatedMedusaRequest<AdminSaveAlipaySettingsType>,
  res: MedusaResponse<{ ok: boolean; issues: SettingsIssue[] }>,
) => {
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const issues = await settings.checkSettings(req.validatedBody, {
    fallback: defaultFallbackSettings(req.scope, req.validatedBody.configuration),
  });
  res.json({ ok: issues.length === 0, issues });
};
