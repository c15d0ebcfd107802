/**
 * The settings store: reads and saves the `alipay_settings` rows of each scope and builds (and
 * caches) the core facade of a scope, or of an existing trade's generation.
 *
 * @packageDocumentation
 */
import {
  type Alipay,
  type AlipayConfig,
  type AlipaySettings,
  type ConfigIssue,
  createAlipay,
  type SellerAccount,
  type SettingsPolicy,
  settingsToConfig,
} from '@alipay-commerce/core';
import {
  FacadeCache,
  type SettingsFingerprint,
  settingsFingerprint,
  settingsForTrade,
  type TradeOrigin,
} from '@alipay-commerce/core/lifecycle';
import type { Context } from '@medusajs/framework/types';
import { InjectTransactionManager, MedusaContext, MedusaError } from '@medusajs/framework/utils';
import type {
  AlipaySettingsAdminView,
  AlipaySettingsValues,
  MaskedAlipaySettings,
  SaveAlipaySettingsInput,
} from '../../shared/settings-fields';
import {
  AlipaySettingsInvalidError,
  AlipayTradeCredentialsError,
  NOT_CONFIGURED_MESSAGE,
  type SettingsIssue,
} from './settings-errors';
import {
  columnsToWrite,
  configurationOf,
  emptyMasked,
  encryptionStatus,
  type FallbackSettings,
  GLOBAL_SCOPE,
  issuesAfter,
  mergeSettings,
  readRow,
  rowContent,
  type SettingsRow,
  scopeOfInput,
  scopesToRead,
  sellerOf,
} from './settings-rows';
import type { ModuleRepository } from './sql-store';

/** Facades the store keeps at most (see {@link SettingsStore}). */
const FACADES_KEPT = 256;

/**
 * The settings version the facade cache compares: the core's fingerprint (a SHA-256) of the stored rows
 * (ciphertexts included, never decrypted for this) and of the fallback options.
 */
function fingerprintOf(rows: SettingsRow[], fallback: FallbackSettings): SettingsFingerprint {
  return settingsFingerprint({ rows: rows.map(rowContent), fallback });
}

/**
 * The plugin's options in medusa-config (`plugins: [{ resolve: "@alipay-commerce/medusa", options }]`),
 * which Medusa hands to the plugin's modules: what administrators may set.
 */
export interface AlipayModuleOptions {
  /**
   * Gateway URLs an admin may type besides `production` and `sandbox`: https URLs, compared by origin.
   * Added to the comma-separated `ALIPAY_ALLOWED_GATEWAYS`.
   */
  allowedGateways?: string[];
  /**
   * Lets the gateway point at this machine (the offline sandbox): development only. Also
   * `ALIPAY_ALLOW_LOOPBACK_GATEWAY=true`.
   */
  allowLoopbackGateway?: boolean;
}

/** The core facade of one settings scope, with what adapters need next to it. */
export interface ScopedAlipay {
  /** `global` or the sales channel ID whose settings built it. */
  scope: string;
  alipay: Alipay;
  config: AlipayConfig;
  /** The seller this scope's payments go to (C2C: the channel's seller). */
  seller: SellerAccount;
  interfaceType: NonNullable<AlipaySettingsValues['interfaceType']>;
}

/**
 * The module service's generated CRUD of `alipay_settings` the store writes through (MedusaService
 * names them after the model).
 */
export interface SettingsRecords {
  listAlipaySettings(
    filters?: Record<string, unknown>,
    config?: Record<string, unknown>,
    sharedContext?: Context,
  ): Promise<unknown[]>;
  createAlipaySettings(data: Record<string, unknown>, sharedContext?: Context): Promise<unknown>;
  updateAlipaySettings(data: Record<string, unknown>, sharedContext?: Context): Promise<unknown>;
  deleteAlipaySettings(ids: string[], sharedContext?: Context): Promise<void>;
}

/** Settings of each scope, secrets encrypted at rest, and the facades built from them. */
export class SettingsStore {
  /**
   * @param records the module service's generated `alipay_settings` methods.
   * @param baseRepository_ the module's repository (see {@link ModuleRepository}).
   * @param settingsPolicy what administrators may set (the deployment's decision).
   */
  constructor(
    private readonly records: SettingsRecords,
    protected readonly baseRepository_: ModuleRepository,
    private readonly settingsPolicy: SettingsPolicy,
  ) {}

  /**
   * Facades per scope (`scope` keys) and per scope and trade origin (`trade` keys, see
   * {@link getAlipayForTrade}), rebuilt when the stored rows (or the fallback options) change. Bounded far
   * above a marketplace's channels × interface types; an evicted facade is only rebuilt.
   */
  private readonly facades_ = new FacadeCache<ScopedAlipay>(FACADES_KEPT);

  /**
   * The effective settings for a payment, secrets decrypted: `fallback` (the provider options in
   * medusa-config), overridden field by field by the stored global row, overridden by the sales
   * channel's row when `salesChannelId` is given and has one. Stored settings win. Unset fields are
   * `undefined`; booleans default to `false`.
   *
   * For server-side use only (the payment provider). Never send the result to a browser or a log.
   * @throws MedusaError when a stored secret cannot be decrypted with the current `ALIPAY_SETTINGS_SECRET`.
   */
  async getSettings(
    salesChannelId?: string | null,
    fallback: FallbackSettings = {},
  ): Promise<AlipaySettingsValues> {
    const rows = await this.scopeRows(salesChannelId);
    return mergeSettings(fallback, rows, salesChannelId);
  }

  /**
   * The core facade for one scope (`global` when `salesChannelId` is empty), built from
   * {@link getSettings} and cached. The cache key is a digest of the stored rows (ciphertexts
   * included) and of the fallback, so a save on another server instance, or a database restore, is
   * picked up on the next call; a save through this service also clears the cache at once.
   *
   * @throws MedusaError (not_allowed) when nothing is configured for the scope, and (invalid_data)
   *   listing every field the core refuses, in English and Chinese.
   */
  async getAlipay(salesChannelId?: string | null, fallback: FallbackSettings = {}): Promise<ScopedAlipay> {
    const scope = salesChannelId || GLOBAL_SCOPE;
    const rows = await this.scopeRows(salesChannelId);
    const fingerprint = fingerprintOf(rows, fallback);
    const key = `scope\u0000${scope}`;
    const cached = this.facades_.get(key, fingerprint);
    if (cached) return cached;

    const values = mergeSettings(fallback, rows, salesChannelId);
    if (!values.interfaceType) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, NOT_CONFIGURED_MESSAGE);
    }
    const facade = this.buildFacade(scope, { ...values, interfaceType: values.interfaceType }, issues => {
      throw new AlipaySettingsInvalidError(issues);
    });
    return this.facades_.set(key, fingerprint, facade);
  }

  /**
   * The core facade for an **existing** trade: built for the interface type the trade was created
   * with (`origin`, see `tradeOriginOf`), from the stored settings of its scope. Adapters call this for
   * everything after the payment started — refund, refund query, close, query/reconciliation,
   * shipment confirmation, notification and return verification — so a merchant who switched the
   * interface type in the admin still handles older trades with the generation that created them.
   *
   * - `origin` `null` (nothing recorded), or inferred only (`exact: false`) and of the current
   *   generation: the current facade, exactly as {@link getAlipay}.
   * - Same generation, another recorded interface type: that type, with the current credentials,
   *   gateway and seller.
   * - The other generation: that generation's stored credentials, with the gateway and seller the
   *   trade recorded (`gateway`, `sellerEmail` and `sellerId` are shared fields and now hold the
   *   current generation's values). Without a recorded gateway a named one (`production`, unset) is
   *   used; a custom URL belongs to the current generation and is refused.
   *
   * Cached per (scope, origin — interface type, gateway, seller) and the same settings fingerprint as
   * {@link getAlipay}: a save anywhere, or a changed fallback, rebuilds it.
   *
   * @throws AlipayTradeCredentialsError (not_allowed) when that generation's credentials are missing
   *   or invalid — never a facade of the other generation.
   */
  async getAlipayForTrade(
    salesChannelId: string | null | undefined,
    origin: TradeOrigin | null,
    fallback: FallbackSettings = {},
    outTradeNo?: string | null,
  ): Promise<ScopedAlipay> {
    if (!origin) return this.getAlipay(salesChannelId, fallback);
    const scope = salesChannelId || GLOBAL_SCOPE;
    const rows = await this.scopeRows(salesChannelId);
    // The facade is a function of the rows, the fallback and the origin: look it up before anything
    // is decrypted, so that a refund or a notification of an older trade costs one SELECT.
    const fingerprint = fingerprintOf(rows, fallback);
    const key = `trade\u0000${JSON.stringify([scope, origin])}`;
    const cached = this.facades_.get(key, fingerprint);
    if (cached) return cached;

    const values = mergeSettings(fallback, rows, salesChannelId);
    const refuse = (issues: ConfigIssue[]): never => {
      throw new AlipayTradeCredentialsError(origin.interfaceType, issues, outTradeNo);
    };
    // Which settings serve the trade is the core's rule (same generation: the current values; the
    // other one: what the trade recorded; never the other generation's credentials).
    const trade = settingsForTrade(values as AlipaySettings, origin);
    if (!trade.ok) return refuse(trade.issues);
    const facade =
      trade.settings.interfaceType === values.interfaceType
        ? await this.getAlipay(salesChannelId, fallback)
        : this.buildFacade(scope, trade.settings, refuse);
    return this.facades_.set(key, fingerprint, facade);
  }

  /**
   * Everything the admin page shows: the global settings and each sales channel's overrides, secrets
   * masked (`hasKey`, `keyHint: "••••abcd"`), never their values.
   */
  async getAdminView(): Promise<AlipaySettingsAdminView> {
    const rows = (await this.records.listAlipaySettings(
      {},
      { order: { scope: 'ASC' } },
    )) as unknown as SettingsRow[];
    const read = rows.map(row => ({ scope: row.scope, ...readRow(row, { decrypt: false }) }));
    const global = read.find(row => row.scope === GLOBAL_SCOPE);
    return {
      encryption: encryptionStatus(read.flatMap(row => row.undecryptable)),
      global: global ? global.masked : emptyMasked(),
      salesChannels: read
        .filter(row => row.scope !== GLOBAL_SCOPE && configurationOf(row.scope) === undefined)
        .map(row => ({ salesChannelId: row.scope, ...row.masked })),
      configurations: read.flatMap(row => {
        const configuration = configurationOf(row.scope);
        return configuration === undefined ? [] : [{ configuration, ...row.masked }];
      }),
    };
  }

  /**
   * Saves the settings of one scope (global, or `input.salesChannelId`).
   *
   * - Omitted fields keep their stored value; `null` (or `""` for text) clears a field.
   * - Secrets are write-only: omitted or `""` keeps the stored secret, a value replaces it, `null` deletes it.
   * - Every secret is encrypted before anything is written: when `ALIPAY_SETTINGS_SECRET` is missing
   *   and the input carries a secret, it throws and nothing of the input is stored.
   * - The settings the scope would then have (fallback ← global ← channel, input applied) are checked
   *   with the core's `settingsToConfig` when an interface type is chosen; any issue throws an
   *   {@link AlipaySettingsInvalidError} naming the fields, and nothing is stored.
   *
   * @returns the saved scope, masked.
   */
  async saveSettings(
    input: SaveAlipaySettingsInput,
    options: { fallback?: FallbackSettings } = {},
  ): Promise<MaskedAlipaySettings> {
    const row = await this.saveSettingsInTransaction(input, options.fallback ?? {});
    this.facades_.clear();
    return readRow(row, { decrypt: false }).masked;
  }

  /**
   * What the core would say about the scope after saving `input` (nothing is written): `[]` when the
   * settings would be usable, or not configured at all (no interface type); else one issue per field.
   * The admin page calls this before saving to show each message next to its field.
   */
  async checkSettings(
    input: SaveAlipaySettingsInput,
    options: { fallback?: FallbackSettings } = {},
  ): Promise<SettingsIssue[]> {
    return issuesAfter(
      input,
      options.fallback ?? {},
      await this.scopeRows(scopeOfInput(input)),
      this.settingsPolicy,
    );
  }

  /** Deletes a sales channel's overrides (the channel then uses the global settings). Idempotent. */
  async deleteSalesChannelSettings(salesChannelId: string): Promise<void> {
    if (salesChannelId === GLOBAL_SCOPE) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, 'The global settings cannot be deleted.');
    }
    const rows = (await this.records.listAlipaySettings({
      scope: salesChannelId,
    })) as unknown as SettingsRow[];
    // Hard delete: a soft-deleted row would keep encrypted secrets around after the admin removed them.
    if (rows.length) await this.records.deleteAlipaySettings(rows.map(row => row.id));
    this.facades_.clear();
  }

  @InjectTransactionManager()
  protected async saveSettingsInTransaction(
    input: SaveAlipaySettingsInput,
    fallback: FallbackSettings,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<SettingsRow> {
    const scope = scopeOfInput(input);
    const columns = columnsToWrite(input, scope);
    const rows = await this.scopeRows(scope, sharedContext);
    const existing = rows.find(row => row.scope === scope);

    // What the scope will be after this save, checked before anything is written.
    const issues = issuesAfter(input, fallback, rows, this.settingsPolicy);
    if (issues.length) throw new AlipaySettingsInvalidError(issues);

    if (existing) {
      const updated = await this.records.updateAlipaySettings({ id: existing.id, ...columns }, sharedContext);
      return updated as unknown as SettingsRow;
    }
    const created = await this.records.createAlipaySettings({ scope, ...columns }, sharedContext);
    return created as unknown as SettingsRow;
  }

  /**
   * The facade of `settings` for `scope`; `refuse` turns the core's issues into the caller's error (it
   * throws, so nothing is cached for unusable settings).
   */
  private buildFacade(
    scope: string,
    settings: AlipaySettings,
    refuse: (issues: ConfigIssue[]) => never,
  ): ScopedAlipay {
    const result = settingsToConfig(settings, this.settingsPolicy);
    if (!result.ok) return refuse(result.issues);
    return {
      scope,
      alipay: createAlipay(result.config),
      config: result.config,
      seller: sellerOf(result.config),
      interfaceType: settings.interfaceType as ScopedAlipay['interfaceType'],
    };
  }

  /** The global row and, when given, the sales channel's row; or a provider configuration's row alone. */
  private async scopeRows(salesChannelId?: string | null, sharedContext?: Context): Promise<SettingsRow[]> {
    const scopes = scopesToRead(salesChannelId);
    return (await this.records.listAlipaySettings(
      { scope: scopes },
      {},
      sharedContext,
    )) as unknown as SettingsRow[];
  }
}
