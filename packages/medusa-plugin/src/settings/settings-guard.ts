/**
 * Who may change which Alipay settings, and the audit line of each change: the Medusa side of the
 * core's `PROTECTED_SETTINGS` and `settingsAuditLine`.
 *
 * @packageDocumentation
 */
import { changedSettingFields, protectedSettingFields, settingsAuditLine } from '@alipay-commerce/core';
import { hasPermission } from '@medusajs/framework';
import type { AuthenticatedMedusaRequest } from '@medusajs/framework/http';
import type { Logger } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, FeatureFlag, MedusaError } from '@medusajs/framework/utils';
import { ALIPAY_RBAC } from '../policies/alipay';
import {
  hasFlagName,
  type MaskedAlipaySettings,
  type SaveAlipaySettingsInput,
  SECRET_FIELDS,
  SETTINGS_FIELD_NAMES,
  type SecretField,
} from '../shared/settings-fields';

/**
 * Names of the fields `input` changes in a scope whose stored settings are `before` (masked): a
 * secret changes when a new value is sent, or when `null` deletes a stored one (an empty value keeps
 * it); any other field when its value differs. Names only, never values.
 */
export function changedFieldsOf(
  input: SaveAlipaySettingsInput,
  before: MaskedAlipaySettings | undefined,
): string[] {
  const changed: string[] = [];
  const plain: Record<string, unknown> = {};
  const next: Record<string, unknown> = {};
  for (const field of SETTINGS_FIELD_NAMES) {
    const value = input[field];
    if (value === undefined) continue;
    if ((SECRET_FIELDS as readonly string[]).includes(field)) {
      const stored = Boolean(before?.[hasFlagName(field as SecretField)]);
      if ((value === null && stored) || (typeof value === 'string' && value !== '')) changed.push(field);
      continue;
    }
    plain[field] = before?.[field as keyof MaskedAlipaySettings];
    next[field] = value;
  }
  return [...changed, ...changedSettingFields(plain, next)].sort();
}

/**
 * Refuses (403) when Medusa's RBAC is on and the admin's roles lack `alipay_credentials:update`:
 * needed, besides the route's own policy, to change the gateway, keys, certificates or seller IDs.
 * With RBAC off every admin may, as everywhere in Medusa.
 */
export async function assertMayChangeCredentials(req: AuthenticatedMedusaRequest, fields: readonly string[]) {
  const guarded = protectedSettingFields(fields);
  if (guarded.length === 0 || !FeatureFlag.isFeatureEnabled('rbac')) return;
  const roles = (req.auth_context?.app_metadata?.roles as string[] | undefined) ?? [];
  const allowed =
    roles.length > 0 &&
    (await hasPermission({
      roles,
      actions: [{ resource: ALIPAY_RBAC.credentials, operation: 'update' }],
      container: req.scope,
    }));
  if (!allowed) {
    req.scope
      .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
      .warn(
        `Alipay settings: refused ${req.auth_context?.actor_type ?? 'actor'} ${req.auth_context?.actor_id ?? '(none)'} changing ${guarded.join(', ')} without ${ALIPAY_RBAC.credentials}:update`,
      );
    throw new MedusaError(
      MedusaError.Types.FORBIDDEN,
      `Changing ${guarded.join(', ')} needs the policy ${ALIPAY_RBAC.credentials}:update. / 修改 ${guarded.join('、')} 需要 ${ALIPAY_RBAC.credentials}:update 权限。`,
    );
  }
}

/** Writes the audit line of a settings change (the admin's ID and the field names) when any changed. */
export function auditSettingsChange(
  req: AuthenticatedMedusaRequest,
  target: string,
  fields: readonly string[],
) {
  if (fields.length === 0) return;
  req.scope
    .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
    .info(settingsAuditLine({ actorId: req.auth_context?.actor_id ?? '(unknown)', target, fields }));
}
