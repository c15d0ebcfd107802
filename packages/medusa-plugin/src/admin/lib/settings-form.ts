/**
 * The settings page's form state, derived from the core's settings schema (`SETTING_FIELDS`): how the
 * admin API's masked settings become form values, and form values the save request.
 *
 * @packageDocumentation
 */

import { SETTING_FIELDS, type SettingName } from '@alipay-commerce/core/settings';
import {
  type MaskedAlipaySettings,
  NAMED_GATEWAYS,
  type SaveAlipaySettingsInput,
} from '../../shared/settings-fields';

/** How the gateway is picked: a named gateway, or a custom URL typed in. */
export type GatewayMode = (typeof NAMED_GATEWAYS)[number] | 'custom';

/** Editable state of the global settings form. */
export interface SettingsForm {
  /**
   * Every setting by name: switches as booleans, the rest as text (empty = not set). Secrets hold
   * only a newly typed value (empty keeps the stored one); `gateway` holds the custom URL.
   */
  values: Record<SettingName, string | boolean>;
  gatewayMode: GatewayMode;
}

/** What a field shows when nothing is stored: the charset Alipay assumes. */
const FORM_DEFAULTS: Partial<Record<SettingName, string>> = { charset: 'utf-8' };

/** The form for the stored settings; secrets start empty (write-only). */
export function formFromSettings(settings: MaskedAlipaySettings): SettingsForm {
  const stored = settings as Partial<Record<SettingName, string | boolean>>;
  const values = {} as Record<SettingName, string | boolean>;
  for (const field of SETTING_FIELDS) {
    if (field.input === 'boolean') values[field.name] = stored[field.name] === true;
    else if (field.input === 'secret') values[field.name] = '';
    else values[field.name] = String(stored[field.name] ?? FORM_DEFAULTS[field.name] ?? '');
  }
  const gateway = String(values.gateway);
  const named = NAMED_GATEWAYS.find(name => name === gateway);
  const gatewayMode: GatewayMode = named ?? (gateway ? 'custom' : 'production');
  values.gateway = gatewayMode === 'custom' ? gateway : '';
  return { values, gatewayMode };
}

/** The POST body: every field (empty text clears it), secrets only when newly typed. */
export function bodyFromForm(form: SettingsForm): SaveAlipaySettingsInput {
  const body: Record<string, string | boolean | null> = {};
  for (const field of SETTING_FIELDS) {
    const value = form.values[field.name];
    if (field.input !== 'secret' || value !== '') body[field.name] = value;
  }
  body.interfaceType = form.values.interfaceType || null;
  body.gateway = form.gatewayMode === 'custom' ? form.values.gateway : form.gatewayMode;
  return body as SaveAlipaySettingsInput;
}
