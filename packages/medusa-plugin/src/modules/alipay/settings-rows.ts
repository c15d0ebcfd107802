/**
 * The `alipay_settings` rows and the values they hold: the column of each field, secrets encrypted
 * on write and decrypted (or masked) on read, the merge fallback ← global ← sales channel, and the
 * content the facade cache fingerprints. Pure functions over rows; the store does the I/O.
 *
 * @packageDocumentation
 */
import {
  type AlipayConfig,
  type SellerAccount,
  type SettingsPolicy,
  settingsToConfig,
} from '@alipay-commerce/core';
import {
  type AlipaySettingsAdminView,
  type AlipaySettingsValues,
  BOOLEAN_FIELDS,
  hasFlagName,
  type MaskedAlipaySettings,
  type SaveAlipaySettingsInput,
  SECRET_FIELDS,
  type SecretField,
} from '../../shared/settings-fields';
import {
  decryptSecret,
  encryptSecret,
  requireSettingsKey,
  SECRET_NOT_CONFIGURED_MESSAGE,
  type SecretLocation,
  secretHint,
  settingsKeyFromEnv,
} from './secret-box';
import type { SettingsIssue } from './settings-errors';

/** Scope value of the shop-wide settings row. */
export const GLOBAL_SCOPE = 'global';

/** Prefix of the scope of a provider's own settings (its `settingsScope` option). */
const CONFIGURATION_PREFIX = 'configuration:';

/** The pattern of a `settingsScope` name: short, safe in a scope value and a URL. */
export const CONFIGURATION_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The row scope of a provider's own settings named `name` (its `settingsScope` option). */
export function configurationScope(name: string): string {
  return `${CONFIGURATION_PREFIX}${name}`;
}

/**
 * The configuration name of a scope of a provider's own settings, or undefined for the global scope and
 * sales channel scopes. Such a scope stands alone: it inherits nothing from the global row.
 */
export function configurationOf(scope: string | null | undefined): string | undefined {
  return scope?.startsWith(CONFIGURATION_PREFIX) ? scope.slice(CONFIGURATION_PREFIX.length) : undefined;
}

/** The scope a save (or check) of `input` writes: a provider's configuration, a sales channel, or global. */
export function scopeOfInput(input: SaveAlipaySettingsInput): string {
  if (input.configuration) return configurationScope(input.configuration);
  return input.salesChannelId ?? GLOBAL_SCOPE;
}

/**
 * The rows a scope's effective settings are read from: a provider's configuration alone, else the
 * global row and, for a sales channel, its row.
 */
export function scopesToRead(scope: string | null | undefined): string[] {
  if (!scope || scope === GLOBAL_SCOPE) return [GLOBAL_SCOPE];
  return configurationOf(scope) !== undefined ? [scope] : [GLOBAL_SCOPE, scope];
}

/** Settings from the provider options in medusa-config: the fallback under the stored settings. */
export type FallbackSettings = Partial<AlipaySettingsValues>;

/** A row of `alipay_settings` as MikroORM returns it (only the columns this service reads). */
export type SettingsRow = {
  id: string;
  scope: string;
  interface_type: AlipaySettingsValues['interfaceType'] | null;
  charset: AlipaySettingsValues['charset'] | null;
} & Record<(typeof COLUMN_OF)[keyof typeof COLUMN_OF], unknown>;

/**
 * Column of each settings field. Secrets map to their `*_ciphertext` column. One table for the
 * whole mapping, so the admin API's flat field names and the snake_case schema cannot drift apart.
 */
const COLUMN_OF = {
  interfaceType: 'interface_type',
  gateway: 'gateway',
  partnerId: 'partner_id',
  key: 'key_ciphertext',
  sellerEmail: 'seller_email',
  sellerId: 'seller_id',
  charset: 'charset',
  refundWithoutPassword: 'refund_without_password',
  appId: 'app_id',
  appPrivateKey: 'app_private_key_ciphertext',
  alipayPublicKey: 'alipay_public_key',
  appCertificate: 'app_certificate',
  alipayCertificate: 'alipay_certificate',
  alipayRootCertificate: 'alipay_root_certificate',
  encryptKey: 'encrypt_key_ciphertext',
  appAuthToken: 'app_auth_token_ciphertext',
  alwaysQrOnDesktop: 'always_qr_on_desktop',
  antomClientId: 'antom_client_id',
  antomPrivateKey: 'antom_private_key_ciphertext',
  antomPublicKey: 'antom_public_key',
  antomRegion: 'antom_region',
  antomKeyVersion: 'antom_key_version',
  antomPaymentMethods: 'antom_payment_methods',
} as const satisfies Record<keyof AlipaySettingsValues, string>;

type SettingsField = keyof typeof COLUMN_OF;
const NON_SECRET_FIELDS = (Object.keys(COLUMN_OF) as SettingsField[]).filter(
  (field): field is Exclude<SettingsField, SecretField> =>
    !(SECRET_FIELDS as readonly string[]).includes(field),
);

/**
 * Turns an input into column values. Secrets are encrypted here, before any database call, so a
 * missing key aborts the whole save.
 */
export function columnsToWrite(input: SaveAlipaySettingsInput, scope: string): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  const secretsToWrite = SECRET_FIELDS.filter(
    field => typeof input[field] === 'string' && input[field] !== '',
  );
  const key = secretsToWrite.length ? requireSettingsKey() : undefined;
  for (const field of SECRET_FIELDS) {
    const value = input[field];
    if (value === null) columns[COLUMN_OF[field]] = null;
    else if (key && typeof value === 'string' && value !== '') {
      columns[COLUMN_OF[field]] = encryptSecret(value, key, { scope, field });
    }
  }
  for (const field of NON_SECRET_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    columns[COLUMN_OF[field]] = value === '' ? null : value;
  }
  return columns;
}

/**
 * Reads one row: plain `values` (secrets decrypted when `decrypt`, else left out) and the `masked`
 * admin view (hints computed when the key is available). `undecryptable` lists the secrets whose
 * hint could not be computed because the current key does not open them.
 */
export function readRow(
  row: SettingsRow,
  { decrypt }: { decrypt: boolean },
): { values: AlipaySettingsValues; masked: MaskedAlipaySettings; undecryptable: SecretLocation[] } {
  const values: Record<string, unknown> = {};
  const masked: Record<string, unknown> = {};
  const undecryptable: SecretLocation[] = [];
  for (const field of NON_SECRET_FIELDS) {
    const value = row[COLUMN_OF[field]];
    if (value !== null && value !== undefined) {
      values[field] = value;
      masked[field] = value;
    } else {
      masked[field] = null;
    }
  }
  const key = settingsKeyFromEnvSafe();
  for (const field of SECRET_FIELDS) {
    const stored = row[COLUMN_OF[field]];
    const location: SecretLocation = { scope: row.scope, field };
    masked[hasFlagName(field)] = typeof stored === 'string';
    masked[`${field}Hint`] = null;
    if (typeof stored !== 'string') continue;
    if (decrypt) {
      // Throws a clear error (naming the field, not the value) when the key is missing or wrong:
      // a payment must not silently run without its credentials.
      values[field] = decryptSecret(stored, requireSettingsKey(), location);
    } else if (key) {
      try {
        masked[`${field}Hint`] = secretHint(decryptSecret(stored, key, location));
      } catch {
        // Reported through `encryption.problem` of the admin view; the hint stays empty.
        undecryptable.push(location);
      }
    }
  }
  return { values: values as AlipaySettingsValues, masked: masked as MaskedAlipaySettings, undecryptable };
}

/** The admin view of a scope with nothing stored: every field `null`, no secret set. */
export function emptyMasked(): MaskedAlipaySettings {
  const masked: Record<string, unknown> = {};
  for (const field of NON_SECRET_FIELDS) masked[field] = null;
  for (const field of SECRET_FIELDS) {
    masked[hasFlagName(field)] = false;
    masked[`${field}Hint`] = null;
  }
  return masked as MaskedAlipaySettings;
}

function settingsKeyFromEnvSafe(): Buffer | undefined {
  try {
    return settingsKeyFromEnv();
  } catch {
    return undefined;
  }
}

/**
 * Whether secrets can be saved and read (`ALIPAY_SETTINGS_SECRET` usable) and which stored secrets the
 * current key cannot open, for the admin view. English / 简体中文.
 */
export function encryptionStatus(undecryptable: SecretLocation[]): AlipaySettingsAdminView['encryption'] {
  let key: Buffer | undefined;
  try {
    key = settingsKeyFromEnv();
  } catch (error) {
    return { configured: false, problem: (error as Error).message };
  }
  if (!key) return { configured: false, problem: SECRET_NOT_CONFIGURED_MESSAGE };
  if (undecryptable.length) {
    const list = undecryptable.map(({ scope, field }) => `${field} (${scope})`).join(', ');
    return {
      configured: true,
      problem:
        `These stored secrets cannot be decrypted with the current ALIPAY_SETTINGS_SECRET; ` +
        `save them again: ${list}. / 以下已保存的密钥无法用当前的 ALIPAY_SETTINGS_SECRET 解密，请重新保存：${list}。`,
    };
  }
  return { configured: true, problem: null };
}

/**
 * Effective settings: fallback ← global row ← channel row (each field of a later source wins when
 * set), or fallback ← the row of a provider's own configuration. `override` replaces one scope's stored values (a save being checked before it is written).
 */
export function mergeSettings(
  fallback: FallbackSettings,
  rows: SettingsRow[],
  salesChannelId: string | null | undefined,
  override?: { scope: string; values: AlipaySettingsValues },
): AlipaySettingsValues {
  const valuesOf = (scope: string): AlipaySettingsValues => {
    if (override?.scope === scope) return override.values;
    const row = rows.find(candidate => candidate.scope === scope);
    return row ? readRow(row, { decrypt: true }).values : {};
  };
  const values: AlipaySettingsValues = { ...definedOnly(fallback) };
  // A provider's own configuration stands alone; a sales channel overrides the global row.
  for (const scope of scopesToRead(salesChannelId)) Object.assign(values, valuesOf(scope));
  for (const field of BOOLEAN_FIELDS) values[field] ??= false;
  return values;
}

/** The stored values of `scope` with a save's input applied (the semantics of {@link SaveAlipaySettingsInput}). */
function applyInput(
  input: SaveAlipaySettingsInput,
  scope: string,
  rows: SettingsRow[],
): { scope: string; values: AlipaySettingsValues } {
  const row = rows.find(candidate => candidate.scope === scope);
  const values: Record<string, unknown> = row ? { ...readRow(row, { decrypt: true }).values } : {};
  for (const field of SECRET_FIELDS) {
    const value = input[field];
    if (value === null) delete values[field];
    else if (typeof value === 'string' && value !== '') values[field] = value;
  }
  for (const field of NON_SECRET_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null || value === '') delete values[field];
    else values[field] = value;
  }
  return { scope, values: values as AlipaySettingsValues };
}

function definedOnly(settings: FallbackSettings): AlipaySettingsValues {
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  ) as AlipaySettingsValues;
}

/** What identifies a row's content for the facade cache (ciphertexts included, never decrypted here). */
export function rowContent(row: SettingsRow): unknown[] {
  return [row.scope, ...Object.values(COLUMN_OF).map(column => row[column] ?? null)];
}

/** The seller a config's payments go to, as the core's notification checks compare it. */
export function sellerOf(config: AlipayConfig): SellerAccount {
  const seller: SellerAccount = {};
  if (config.generation === 'legacy') {
    if (config.sellerEmail) seller.email = config.sellerEmail;
    if (config.sellerId) seller.id = config.sellerId;
  } else if (config.generation === 'openapi' && config.sellerId) {
    // Antom has no seller ID: its notifications are checked against the client ID.
    seller.id = config.sellerId;
  }
  return seller;
}

/** The core's issues with the settings a scope would have after `input` is applied. */
export function issuesAfter(
  input: SaveAlipaySettingsInput,
  fallback: FallbackSettings,
  rows: SettingsRow[],
  policy: SettingsPolicy,
): SettingsIssue[] {
  const scope = scopeOfInput(input);
  const next = mergeSettings(fallback, rows, scope, applyInput(input, scope, rows));
  if (!next.interfaceType) return [];
  const result = settingsToConfig({ ...next, interfaceType: next.interfaceType }, policy);
  return result.ok ? [] : result.issues;
}
