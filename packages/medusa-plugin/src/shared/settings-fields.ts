/**
 * The Alipay settings an admin edits under Settings → Alipay, shared by the backend (settings module,
 * admin API) and the admin page: what Medusa adds to the core's settings schema (`SETTING_FIELDS`),
 * i.e. its stored types, the admin API's masked view and request body.
 *
 * The field list, interface types, labels and secret names are the core's, from its browser-safe
 * `@alipay-commerce/core/settings` entry; the main entry must not be imported here (it pulls
 * `node:crypto` into the admin bundle).
 *
 * @packageDocumentation
 */

import {
  type AlipaySettings,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  type InterfaceType,
  SECRET_SETTINGS,
  SETTING_FIELDS,
  type SettingNameOf,
  settingNamesOf,
} from '@alipay-commerce/core/settings';

/**
 * Which Alipay product the merchant signed up for (`legacy-*`: partner ID + MD5 "mapi" interfaces,
 * `openapi-*`: app ID + RSA2), with bilingual labels: the core's own lists, from its browser-safe
 * `@alipay-commerce/core/settings` entry (no Node-only imports, so the admin bundle can use it).
 */
export { INTERFACE_TYPE_LABELS, INTERFACE_TYPES, type InterfaceType };

/** Charsets Alipay signs and sends notifications in (the database column is an enum of them). */
export const CHARSETS = ['utf-8', 'gbk'] as const;

/** One of {@link CHARSETS}. */
export type Charset = (typeof CHARSETS)[number];

/** Named gateways; any other value must be an absolute http(s) URL (a proxy, or the offline sandbox). */
export const NAMED_GATEWAYS = ['production', 'sandbox'] as const;

/** Fields stored encrypted and never returned by the admin API: the core's `SECRET_SETTINGS`. */
export const SECRET_FIELDS = SECRET_SETTINGS;

/** One of {@link SECRET_FIELDS}. */
export type SecretField = (typeof SECRET_FIELDS)[number];

/** Boolean switches (stored as booleans, `false` when unset): the core's boolean settings. */
export const BOOLEAN_FIELDS = settingNamesOf('boolean');

/** One of {@link BOOLEAN_FIELDS}. */
export type BooleanField = SettingNameOf<'boolean'>;

/**
 * The complete settings of one scope, secrets in plain text: the core's `AlipaySettings`, with the
 * types this store keeps (a known interface type and charset, real booleans). `undefined` means
 * "not set" (for a sales-channel scope: "inherit from the global settings").
 */
export type AlipaySettingsValues = Partial<
  Omit<AlipaySettings, 'interfaceType' | 'charset' | BooleanField> & {
    interfaceType: InterfaceType;
    charset: Charset;
  } & Record<BooleanField, boolean>
>;

/** What the admin API returns for one secret field: never the value, at most its last four characters. */
export interface MaskedSecret {
  /** Whether a value is stored. */
  isSet: boolean;
  /** `••••` plus at most the last 4 characters, or `null` when nothing is stored or it cannot be decrypted. */
  hint: string | null;
}

/** Settings of one scope as the admin API returns them: secrets replaced by {@link MaskedSecret}s. */
export type MaskedAlipaySettings = Omit<AlipaySettingsValues, SecretField> & {
  [F in SecretField as `has${Capitalize<F>}`]: boolean;
} & {
  [F in SecretField as `${F}Hint`]: string | null;
};

/** Response of `GET /admin/alipay/settings`. */
export interface AlipaySettingsAdminView {
  /** Whether `ALIPAY_SETTINGS_SECRET` is usable, i.e. whether secrets can be saved and read. */
  encryption: { configured: boolean; problem: string | null };
  global: MaskedAlipaySettings;
  /** Per-sales-channel overrides (marketplace sellers); unset fields inherit from `global`. */
  salesChannels: Array<MaskedAlipaySettings & { salesChannelId: string }>;
  /**
   * Stand-alone settings of the providers with a `settingsScope` of their own (e.g. `antom`: an Antom
   * contract taking the non-CNY regions next to the mainland one); nothing is inherited from `global`.
   */
  configurations: Array<MaskedAlipaySettings & { configuration: string }>;
  /** The Alipay providers of this shop and the URLs to give Alipay (filled by the admin route). */
  providers?: AlipayProviderEndpoints[];
}

/** One Alipay provider of the shop and its public endpoints. */
export interface AlipayProviderEndpoints {
  /** `pp_alipay_<id>`. */
  id: string;
  /** The provider's own settings (its `settingsScope` option), or `null` for the global settings. */
  configuration: string | null;
  /** Where Alipay POSTs notifications (`notify_url`). */
  notifyUrl: string;
  /** Where Alipay sends the buyer back (`return_url`). */
  returnUrl: string;
}

/** A field-level problem the core found in the settings, in English and Chinese. */
export interface SettingsFieldIssue {
  field: string;
  message: { en: string; zh: string };
}

/**
 * Body of `POST /admin/alipay/settings`. Omitted fields keep their stored value; `null` clears a
 * field. A secret is write-only: omitted or empty keeps the stored secret, a non-empty value
 * replaces it, `null` deletes it.
 */
export type SaveAlipaySettingsInput = {
  [F in keyof AlipaySettingsValues]?: AlipaySettingsValues[F] | null;
} & {
  /** Omit (or `null`) for the global settings; a sales channel ID for that channel's overrides. */
  salesChannelId?: string | null;
  /**
   * The `settingsScope` of a provider with settings of its own (e.g. `antom`), instead of the global
   * settings; not together with `salesChannelId`.
   */
  configuration?: string | null;
};

/** Capitalised names for the `has…` flags of {@link MaskedAlipaySettings}. */
export function hasFlagName<F extends SecretField>(field: F): `has${Capitalize<F>}` {
  return `has${field.charAt(0).toUpperCase()}${field.slice(1)}` as `has${Capitalize<F>}`;
}

/** Every settings field name, in the core's form order. */
export const SETTINGS_FIELD_NAMES = SETTING_FIELDS.map(field => field.name);
