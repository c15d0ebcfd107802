import type { Context } from '@medusajs/framework/types';
import {
  InjectTransactionManager,
  MedusaContext,
  MedusaError,
  MedusaService,
} from '@medusajs/framework/utils';
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
import { AlipaySettings } from './models/alipay-settings';
import {
  decryptSecret,
  encryptSecret,
  requireSettingsKey,
  SECRET_NOT_CONFIGURED_MESSAGE,
  type SecretLocation,
  secretHint,
  settingsKeyFromEnv,
} from './secret-box';

/** Scope value of the shop-wide settings row. */
export const GLOBAL_SCOPE = 'global';

/** A row of `alipay_settings` as MikroORM returns it (only the columns this service reads). */
type SettingsRow = {
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
} as const satisfies Record<keyof AlipaySettingsValues, string>;

type SettingsField = keyof typeof COLUMN_OF;
const NON_SECRET_FIELDS = (Object.keys(COLUMN_OF) as SettingsField[]).filter(
  (field): field is Exclude<SettingsField, SecretField> =>
    !(SECRET_FIELDS as readonly string[]).includes(field),
);

/**
 * The `alipay_settings` module: Alipay credentials and options edited under Settings → Alipay, one
 * row per scope (global, or per sales channel for marketplace sellers), secrets encrypted at rest.
 *
 * Resolve it as `container.resolve("alipay_settings")`; inside the payment provider it is reachable
 * only when the payment module lists `dependencies: ["alipay_settings"]`.
 */
export default class AlipaySettingsModuleService extends MedusaService({ AlipaySettings }) {
  /**
   * The effective settings for a payment, secrets decrypted: the global row, overridden field by
   * field by the sales channel's row when `salesChannelId` is given and has one. Unset fields are
   * `undefined`; booleans default to `false`.
   *
   * For server-side use only (the payment provider). Never send the result to a browser or a log.
   * @throws MedusaError when a stored secret cannot be decrypted with the current `ALIPAY_SETTINGS_SECRET`.
   */
  async getSettings(salesChannelId?: string | null): Promise<AlipaySettingsValues> {
    const scopes = salesChannelId ? [GLOBAL_SCOPE, salesChannelId] : [GLOBAL_SCOPE];
    const rows = (await this.listAlipaySettings({ scope: scopes })) as unknown as SettingsRow[];
    const global = rows.find(row => row.scope === GLOBAL_SCOPE);
    const channel = salesChannelId ? rows.find(row => row.scope === salesChannelId) : undefined;
    const values: AlipaySettingsValues = {
      ...(global ? readRow(global, { decrypt: true }).values : {}),
      ...(channel ? readRow(channel, { decrypt: true }).values : {}),
    };
    for (const field of BOOLEAN_FIELDS) values[field] ??= false;
    return values;
  }

  /**
   * Everything the admin page shows: the global settings and each sales channel's overrides, secrets
   * masked (`hasKey`, `keyHint: "••••abcd"`), never their values.
   */
  async getAdminView(): Promise<AlipaySettingsAdminView> {
    const rows = (await this.listAlipaySettings({}, { order: { scope: 'ASC' } })) as unknown as SettingsRow[];
    const read = rows.map(row => ({ scope: row.scope, ...readRow(row, { decrypt: false }) }));
    const global = read.find(row => row.scope === GLOBAL_SCOPE);
    return {
      encryption: encryptionStatus(read.flatMap(row => row.undecryptable)),
      global: global ? global.masked : emptyMasked(),
      salesChannels: read
        .filter(row => row.scope !== GLOBAL_SCOPE)
        .map(row => ({ salesChannelId: row.scope, ...row.masked })),
    };
  }

  /**
   * Saves the settings of one scope (global, or `input.salesChannelId`).
   *
   * - Omitted fields keep their stored value; `null` (or `""` for text) clears a field.
   * - Secrets are write-only: omitted or `""` keeps the stored secret, a value replaces it, `null` deletes it.
   * - Every secret is encrypted before anything is written: when `ALIPAY_SETTINGS_SECRET` is missing
   *   and the input carries a secret, it throws and nothing of the input is stored.
   *
   * @returns the saved scope, masked.
   */
  async saveSettings(input: SaveAlipaySettingsInput): Promise<MaskedAlipaySettings> {
    const row = await this.saveSettingsInTransaction(input);
    return readRow(row, { decrypt: false }).masked;
  }

  /** Deletes a sales channel's overrides (the channel then uses the global settings). Idempotent. */
  async deleteSalesChannelSettings(salesChannelId: string): Promise<void> {
    if (salesChannelId === GLOBAL_SCOPE) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, 'The global settings cannot be deleted.');
    }
    const rows = (await this.listAlipaySettings({ scope: salesChannelId })) as unknown as SettingsRow[];
    // Hard delete: a soft-deleted row would keep encrypted secrets around after the admin removed them.
    if (rows.length) await this.deleteAlipaySettings(rows.map(row => row.id));
  }

  @InjectTransactionManager()
  protected async saveSettingsInTransaction(
    input: SaveAlipaySettingsInput,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<SettingsRow> {
    const scope = input.salesChannelId ?? GLOBAL_SCOPE;
    const columns = columnsToWrite(input, scope);
    const [existing] = (await this.listAlipaySettings(
      { scope },
      {},
      sharedContext,
    )) as unknown as SettingsRow[];
    if (existing) {
      const updated = await this.updateAlipaySettings({ id: existing.id, ...columns }, sharedContext);
      return updated as unknown as SettingsRow;
    }
    const created = await this.createAlipaySettings({ scope, ...columns }, sharedContext);
    return created as unknown as SettingsRow;
  }
}

/**
 * Turns an input into column values. Secrets are encrypted here, before any database call, so a
 * missing key aborts the whole save.
 */
function columnsToWrite(input: SaveAlipaySettingsInput, scope: string): Record<string, unknown> {
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
function readRow(
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

function emptyMasked(): MaskedAlipaySettings {
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

function encryptionStatus(undecryptable: SecretLocation[]): AlipaySettingsAdminView['encryption'] {
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
