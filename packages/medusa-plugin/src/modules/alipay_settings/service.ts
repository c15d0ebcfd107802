import { createHash } from 'node:crypto';
import {
  type Alipay,
  type AlipayConfig,
  type AlipayGeneration,
  createAlipay,
  resolveSettingsPolicy,
  type SellerAccount,
  type SettingsPolicy,
  settingsToConfig,
  type TradeEvent,
  toTradeStatus,
} from '@alipay-commerce/core';
import {
  FINAL_REFUND_STATUSES,
  holdsRefundLock,
  type RefundOrigin,
  type ShopRefundStatus,
  TRADE_STATUS_ORDER,
} from '@alipay-commerce/core/lifecycle';
import type { SqlEntityManager } from '@medusajs/framework/mikro-orm/knex';
import type { Context } from '@medusajs/framework/types';
import {
  generateEntityId,
  InjectManager,
  InjectTransactionManager,
  MedusaContext,
  MedusaError,
  MedusaService,
} from '@medusajs/framework/utils';
import { generationOf, type TradeOrigin } from '../../lib/trade-origin';
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
import { AlipayEvent } from './models/alipay-event';
import { AlipayNotificationClaim } from './models/alipay-notification-claim';
import { AlipayRefund, REFUND_STATUSES } from './models/alipay-refund';
import { AlipaySettings } from './models/alipay-settings';
import { AlipayShipment } from './models/alipay-shipment';
import { AlipayTrade } from './models/alipay-trade';
import { AlipayTradeStart } from './models/alipay-trade-start';
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

/**
 * The plugin's options in medusa-config (`plugins: [{ resolve: "@alipay-commerce/medusa", options }]`),
 * which Medusa hands to the plugin's modules: what administrators may set.
 */
export interface AlipaySettingsModuleOptions {
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

/** Settings from the provider options in medusa-config: the fallback under the stored settings. */
export type FallbackSettings = Partial<AlipaySettingsValues>;

/** Shown when neither the admin nor the provider options chose an interface type. English / 简体中文. */
export const NOT_CONFIGURED_MESSAGE =
  'Alipay is not configured yet: choose the interface type and enter the credentials in the admin ' +
  'under Settings → Alipay. / 支付宝尚未配置：请在后台「设置 → Alipay」中选择接口类型并填写凭据。';

/** One configuration problem, naming the settings field, in English and Chinese (the core's shape). */
export interface SettingsIssue {
  field: string;
  message: { en: string; zh: string };
}

/**
 * Settings the core refuses (`settingsToConfig` issues). Thrown on save (nothing is stored) and when
 * a payment needs a facade for a scope whose stored settings became invalid.
 */
export class AlipaySettingsInvalidError extends MedusaError {
  /**
   * Every field the core refused, with its bilingual message. (Not named `issues`: Medusa's error
   * handler treats any error with an `issues` array as a zod error and rewrites its message.)
   */
  readonly fieldIssues: SettingsIssue[];
  constructor(issues: SettingsIssue[]) {
    super(
      MedusaError.Types.INVALID_DATA,
      `The Alipay settings are not valid / 支付宝设置无效: ${issues
        .map(issue => `${issue.field}: ${issue.message.en} / ${issue.message.zh}`)
        .join('; ')}`,
    );
    this.fieldIssues = issues;
  }
}

/** Names of the two interface generations, for messages. */
const GENERATION_LABEL: Record<AlipayGeneration, { en: string; zh: string }> = {
  legacy: { en: 'legacy (partner ID + MD5 key)', zh: '旧版（合作者身份 + 安全校验码）' },
  openapi: { en: 'OpenAPI (app ID + RSA2)', zh: '开放平台（APPID + RSA2）' },
};

/**
 * An existing trade needs the credentials of the interface generation it was created with, and the
 * settings no longer hold them (or hold them invalid). Thrown instead of ever falling back to the
 * other generation's credentials: Alipay would refuse, or — worse — a call could reach the wrong
 * gateway. Names the missing fields and what to do, in English and 简体中文; never a value.
 */
export class AlipayTradeCredentialsError extends MedusaError {
  /** The fields the core refused for the trade's generation. (Not `issues`: see {@link AlipaySettingsInvalidError}.) */
  readonly fieldIssues: SettingsIssue[];
  /** The interface type the trade was created with. */
  readonly interfaceType: string;
  constructor(interfaceType: string, issues: SettingsIssue[], outTradeNo?: string | null) {
    const generation = GENERATION_LABEL[generationOf(interfaceType)];
    const fields = [...new Set(issues.map(issue => issue.field))].join(', ');
    const trade = outTradeNo ? ` ${outTradeNo}` : '';
    // The core's messages name the field and end with a full stop; they never contain a value.
    const bare = (message: string) => message.replace(/[.。]+$/u, '');
    super(
      MedusaError.Types.NOT_ALLOWED,
      `Alipay trade${trade} was created with the ${generation.en} interface (${interfaceType}), but its ` +
        `credentials are no longer configured or not valid (${fields}): ` +
        `${issues.map(issue => bare(issue.message.en)).join('; ')}. Enter them again under ` +
        `Settings → Alipay (select that interface type to show its fields, enter them, then select the ` +
        `current interface type again and save: both generations' credentials are kept side by side). ` +
        `Trades are never handled with the other generation's credentials. / ` +
        `支付宝交易${trade ? `${trade} ` : ''}是用${generation.zh}接口（${interfaceType}）创建的，但该接口的凭据已不再配置或无效` +
        `（${fields}）：${issues.map(issue => bare(issue.message.zh)).join('；')}。请在「设置 → Alipay」中` +
        `重新填写（先选择该接口类型以显示其字段，填写后再选回当前接口类型并保存：两代接口的凭据可以同时保存）。` +
        `交易不会改用另一代接口的凭据处理。`,
    );
    this.fieldIssues = issues;
    this.interfaceType = interfaceType;
  }
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

/** A row of `alipay_trade`: the last verified state of a trade. */
export interface VerifiedTrade {
  id: string;
  out_trade_no: string;
  session_id: string | null;
  provider_id: string;
  scope: string;
  trade_no: string | null;
  status: TradeEvent['status'];
  alipay_status: string;
  total_amount: string;
  refunded_amount: string | null;
  source: 'notify' | 'query';
  /** The core's `OrphanReason` when the trade's money could not reach its order. */
  orphan_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `alipay_trade_start` (see the model): how a trade was started, kept after its session is gone. */
export interface TradeStartRow {
  id: string;
  out_trade_no: string;
  /**
   * The payment session the trade was started for: the stored mapping from the random `out_trade_no`.
   * `null` only for rows of trades started before the column existed, whose `out_trade_no` was the session ID.
   */
  session_id: string | null;
  provider_id: string;
  scope: string;
  amount: string;
  /** The session data keys the trade's origin and scope are read from (nothing secret). */
  origin: Record<string, unknown>;
  /** When a storefront-driven status check last asked Alipay about the trade. */
  last_queried_at?: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `alipay_refund` (see the model): one refund of a trade, amounts in yuan text. */
export interface RefundRow {
  id: string;
  out_trade_no: string;
  trade_no: string | null;
  provider_id: string;
  scope: string;
  generation: AlipayGeneration;
  refund_id: string;
  request_no: string;
  amount: string;
  status: ShopRefundStatus;
  origin: RefundOrigin;
  in_flight_key: string | null;
  settled_before: string;
  medusa_refund_id: string | null;
  confirm_url: string | null;
  reason: string | null;
  error: string | null;
  attempts: number;
  created_at: Date;
  updated_at: Date;
}

/** A refund about to be sent to Alipay (shop or orphan), as {@link AlipaySettingsModuleService.openRefund} stores it. */
export interface NewRefund {
  outTradeNo: string;
  tradeNo: string | null;
  providerId: string;
  scope: string;
  generation: AlipayGeneration;
  refundId: string;
  requestNo: string;
  /** Yuan text. */
  amount: string;
  origin: Exclude<RefundOrigin, 'alipay'>;
  /** Yuan text. */
  settledBefore: string;
  medusaRefundId: string | null;
  reason: string | null;
}

/** A refund Alipay already made, as {@link AlipaySettingsModuleService.insertSettledRefund} stores it. */
export interface SettledRefund {
  outTradeNo: string;
  tradeNo: string | null;
  providerId: string;
  scope: string;
  generation: AlipayGeneration;
  requestNo: string;
  /** Yuan text. */
  amount: string;
  origin: RefundOrigin;
  /** Take the trade's refund lock while Medusa records it (see `linkRecordedRefund`). */
  lock: boolean;
}

/** `('succeeded', 'failed')` for SQL: the core's final refund statuses. */
const FINAL_REFUND_STATUSES_SQL = `(${FINAL_REFUND_STATUSES.map(status => `'${status}'`).join(', ')})`;

/** Refund statuses still waiting for Alipay's answer or result: every status the core does not call final. */
const OPEN_REFUND_STATUSES_SQL = `(${REFUND_STATUSES.filter(status => !FINAL_REFUND_STATUSES.includes(status))
  .map(status => `'${status}'`)
  .join(', ')})`;

/** State of an existing claim; `released` when it vanished between the insert and the read. */
export type ClaimState = 'processing' | 'processed' | 'ignored' | 'released';

/** Outcome of {@link AlipaySettingsModuleService.claimNotification}. */
export type ClaimResult =
  | { claimed: true; claimId: string; tookOver?: boolean }
  | { claimed: false; state: ClaimState; outcome: string | null; claimId?: string };

/**
 * How long a `processing` claim protects its holder before another delivery may take it over. The
 * holder refreshes `claimed_at` every {@link CLAIM_HEARTBEAT_MS} while it lives (`lib/claim-heartbeat.ts`),
 * so only a dead holder's claim gets this old.
 */
export const DEFAULT_CLAIM_LEASE_MS = 30_000;

/** How often a live process refreshes the claims it holds. */
export const CLAIM_HEARTBEAT_MS = 5_000;

/**
 * What an accepted claim keeps to apply its notification later (`alipay_notification_claim.event`):
 * the verified event's identifiers, status and amount, and the settings scope it was verified in.
 */
export interface AcceptedTradeEvent {
  providerId: string;
  scope: string;
  outTradeNo: string;
  tradeNo: string;
  status: TradeEvent['status'];
  alipayStatus: string;
  amountFen: number;
}

/** An accepted claim this process has just taken over to apply (see `lib/accepted-payments.ts`). */
export interface AcceptedClaim {
  id: string;
  event: AcceptedTradeEvent;
  /** Failed attempts so far. */
  attempts: number;
}

/** One journal entry (see the `alipay_event` model). */
export interface JournalEntry {
  kind: 'notification' | 'query' | 'return' | 'shipment' | 'refund' | 'orphan' | 'rejection' | 'error';
  level: 'info' | 'warning' | 'error';
  /** Bilingual: `English / 中文`. */
  message: string;
  providerId?: string | null;
  outTradeNo?: string | null;
  tradeNo?: string | null;
  sessionId?: string | null;
  cartId?: string | null;
  orderId?: string | null;
  /** Identifiers, statuses, amounts and reason codes only. */
  details?: Record<string, unknown> | null;
}

/** `'waiting_payment', …` for SQL: the core's order, in which a trade's status may only move forward. */
const STATUS_ORDER_SQL = TRADE_STATUS_ORDER.map(status => `'${status}'`).join(', ');

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
export default class AlipaySettingsModuleService extends MedusaService({
  AlipaySettings,
  AlipayTrade,
  AlipayTradeStart,
  AlipayNotificationClaim,
  AlipayEvent,
  AlipayShipment,
  AlipayRefund,
}) {
  /**
   * What administrators may set (allowed gateways), from the plugin's options in medusa-config
   * (`allowedGateways`, `allowLoopbackGateway`) and the environment (`ALIPAY_ALLOWED_GATEWAYS`,
   * `ALIPAY_ALLOW_LOOPBACK_GATEWAY`): the deployment's decision, never the admin's.
   */
  readonly settingsPolicy: SettingsPolicy;

  // biome-ignore lint/suspicious/noExplicitAny: MedusaService's constructor takes the module's cradle as it comes
  constructor(_cradle: any, options?: AlipaySettingsModuleOptions) {
    // biome-ignore lint/complexity/noArguments: MedusaService reads every constructor argument
    super(...arguments);
    this.settingsPolicy = resolveSettingsPolicy(
      { allowedGateways: options?.allowedGateways, allowLoopbackGateway: options?.allowLoopbackGateway },
      process.env,
    );
  }

  /** Facades per scope, rebuilt when the stored rows (or the fallback options) change. */
  private readonly facades_ = new Map<string, { fingerprint: string; facade: ScopedAlipay }>();
  /**
   * Facades of existing trades (see {@link getAlipayForTrade}), per scope and trade origin (interface
   * type, gateway, seller); same fingerprint rule as `facades_`.
   */
  private readonly tradeFacades_ = new Map<string, { fingerprint: string; facade: ScopedAlipay }>();

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
    const fingerprint = settingsFingerprint(rows, fallback);
    const cached = this.facades_.get(scope);
    if (cached?.fingerprint === fingerprint) return cached.facade;

    const values = mergeSettings(fallback, rows, salesChannelId);
    if (!values.interfaceType) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, NOT_CONFIGURED_MESSAGE);
    }
    const result = settingsToConfig({ ...values, interfaceType: values.interfaceType }, this.settingsPolicy);
    if (!result.ok) {
      throw new AlipaySettingsInvalidError(result.issues);
    }
    const facade: ScopedAlipay = {
      scope,
      alipay: createAlipay(result.config),
      config: result.config,
      seller: sellerOf(result.config),
      interfaceType: values.interfaceType,
    };
    this.facades_.set(scope, { fingerprint, facade });
    return facade;
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
    const fingerprint = settingsFingerprint(rows, fallback);
    const key = JSON.stringify([scope, origin]);
    const cached = this.tradeFacades_.get(key);
    if (cached?.fingerprint === fingerprint) return cached.facade;

    const values = mergeSettings(fallback, rows, salesChannelId);
    const current = values.interfaceType;
    const sameGeneration =
      current !== undefined && generationOf(current) === generationOf(origin.interfaceType);
    if (sameGeneration && (!origin.exact || current === origin.interfaceType)) {
      const facade = await this.getAlipay(salesChannelId, fallback);
      this.tradeFacades_.set(key, { fingerprint, facade });
      return facade;
    }

    const tradeValues: AlipaySettingsValues = { ...values, interfaceType: origin.interfaceType };
    if (!sameGeneration) {
      const namedGateway =
        values.gateway === undefined || values.gateway === 'production' || values.gateway === 'sandbox';
      if (origin.gateway) tradeValues.gateway = origin.gateway;
      else if (!namedGateway) {
        throw new AlipayTradeCredentialsError(origin.interfaceType, [UNKNOWN_GATEWAY_ISSUE], outTradeNo);
      }
      if (origin.seller) {
        tradeValues.sellerEmail = origin.seller.email;
        tradeValues.sellerId = origin.seller.id;
      }
    }
    const result = settingsToConfig(
      { ...tradeValues, interfaceType: origin.interfaceType },
      this.settingsPolicy,
    );
    if (!result.ok) throw new AlipayTradeCredentialsError(origin.interfaceType, result.issues, outTradeNo);
    const facade: ScopedAlipay = {
      scope,
      alipay: createAlipay(result.config),
      config: result.config,
      seller: sellerOf(result.config),
      interfaceType: origin.interfaceType,
    };
    this.tradeFacades_.set(key, { fingerprint, facade });
    return facade;
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
    this.tradeFacades_.clear();
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
      await this.scopeRows(input.salesChannelId),
      this.settingsPolicy,
    );
  }

  /** Deletes a sales channel's overrides (the channel then uses the global settings). Idempotent. */
  async deleteSalesChannelSettings(salesChannelId: string): Promise<void> {
    if (salesChannelId === GLOBAL_SCOPE) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, 'The global settings cannot be deleted.');
    }
    const rows = (await this.listAlipaySettings({ scope: salesChannelId })) as unknown as SettingsRow[];
    // Hard delete: a soft-deleted row would keep encrypted secrets around after the admin removed them.
    if (rows.length) await this.deleteAlipaySettings(rows.map(row => row.id));
    this.facades_.clear();
    this.tradeFacades_.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Verified trade state

  /**
   * Records the verified state of a trade (from a verified notification or a signed query answer):
   * `event.alipayStatus` is the status to record (the lifecycle's decision, or a query's answer).
   * Never moves a trade backwards in the core's order (`TRADE_STATUS_ORDER`), also when two writers
   * race: a late `WAIT_BUYER_PAY` after `TRADE_SUCCESS` leaves the stored state as it is.
   * @returns the stored row after the write.
   */
  @InjectManager()
  async recordVerifiedTrade(
    input: {
      event: Pick<TradeEvent, 'outTradeNo' | 'tradeNo' | 'alipayStatus'>;
      sessionId: string | null;
      providerId: string;
      scope: string;
      source: 'notify' | 'query';
      totalAmount: string;
      refundedAmount: string | null;
    },
    @MedusaContext() sharedContext: Context = {},
  ): Promise<VerifiedTrade> {
    const manager = sharedContext.manager as SqlEntityManager;
    const { event } = input;
    const status = toTradeStatus(event.alipayStatus);
    if (!status) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `unknown trade status ${event.alipayStatus}`);
    }
    const rank = (column: string) => `array_position(ARRAY[${STATUS_ORDER_SQL}]::text[], ${column}::text)`;
    const rows = await manager.execute<VerifiedTrade[]>(
      `insert into "alipay_trade" ("id", "out_trade_no", "session_id", "provider_id", "scope", "trade_no",
         "status", "alipay_status", "total_amount", "refunded_amount", "source", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())
       on conflict ("out_trade_no") where "deleted_at" is null do update set
         "trade_no" = coalesce(excluded."trade_no", "alipay_trade"."trade_no"),
         "session_id" = coalesce("alipay_trade"."session_id", excluded."session_id"),
         "status" = excluded."status",
         "alipay_status" = excluded."alipay_status",
         "total_amount" = excluded."total_amount",
         "refunded_amount" = coalesce(excluded."refunded_amount", "alipay_trade"."refunded_amount"),
         "source" = excluded."source",
         "updated_at" = now()
       where ${rank('excluded."status"')} >= ${rank('"alipay_trade"."status"')}
       returning *`,
      [
        generateEntityId(undefined, 'alitrade'),
        event.outTradeNo,
        input.sessionId,
        input.providerId,
        input.scope,
        event.tradeNo || null,
        status,
        event.alipayStatus,
        input.totalAmount,
        input.refundedAmount,
        input.source,
      ],
    );
    if (rows[0]) return rows[0];
    // The write was skipped because the stored state is further along: return that one.
    const stored = await this.getVerifiedTrade(event.outTradeNo, sharedContext);
    if (!stored)
      throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, 'alipay_trade upsert lost its row');
    return stored;
  }

  /** The verified state of the trade with this `out_trade_no`, or `null` when none was verified yet. */
  @InjectManager()
  async getVerifiedTrade(
    outTradeNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<VerifiedTrade | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<VerifiedTrade[]>(
      `select * from "alipay_trade" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
    );
    return rows[0] ?? null;
  }

  /** The verified state of the trade with Alipay's `trade_no`, or `null`. */
  @InjectManager()
  async getVerifiedTradeByTradeNo(
    tradeNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<VerifiedTrade | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<VerifiedTrade[]>(
      `select * from "alipay_trade" where "trade_no" = ? and "deleted_at" is null order by "updated_at" desc limit 1`,
      [tradeNo],
    );
    return rows[0] ?? null;
  }

  /**
   * Records how a trade was started (see the `alipay_trade_start` model), before the buyer can pay it,
   * with the payment session it belongs to: the only mapping from the random `out_trade_no` to the
   * session. A session rebuilt under the same `out_trade_no` (a changed amount before Alipay knew the
   * trade) overwrites it; its session never changes.
   */
  @InjectManager()
  async recordTradeStart(
    input: {
      outTradeNo: string;
      /** The Medusa payment session the trade is started for. */
      sessionId: string;
      providerId: string;
      scope: string;
      amount: string;
      origin: Record<string, unknown>;
    },
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `insert into "alipay_trade_start" ("id", "out_trade_no", "session_id", "provider_id", "scope", "amount", "origin", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?::jsonb, now(), now())
       on conflict ("out_trade_no") where "deleted_at" is null do update set
         "session_id" = coalesce("alipay_trade_start"."session_id", excluded."session_id"),
         "provider_id" = excluded."provider_id", "scope" = excluded."scope", "amount" = excluded."amount",
         "origin" = excluded."origin", "updated_at" = now()`,
      [
        generateEntityId(undefined, 'alistart'),
        input.outTradeNo,
        input.sessionId,
        input.providerId,
        input.scope,
        input.amount,
        JSON.stringify(input.origin),
      ],
      'run',
    );
  }

  /**
   * Claims one storefront-driven status query of the trade: sets `last_queried_at` to `now` only when it
   * is unset or older than `cutoff`, in one conditional update, so that of concurrent checks exactly one
   * asks Alipay. `recent` when another check asked after `cutoff` (answer from the recorded state);
   * `unknown` when the trade has no start record (started before they were kept: query as before).
   */
  @InjectManager()
  async claimTradeQuery(
    outTradeNo: string,
    now: Date,
    cutoff: Date,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<'claimed' | 'recent' | 'unknown'> {
    const manager = sharedContext.manager as SqlEntityManager;
    const claimed = await manager.execute<Array<{ id: string }>>(
      `update "alipay_trade_start" set "last_queried_at" = ?
       where "out_trade_no" = ? and "deleted_at" is null
         and ("last_queried_at" is null or "last_queried_at" < ?)
       returning "id"`,
      [now, outTradeNo, cutoff],
    );
    if (claimed.length > 0) return 'claimed';
    const exists = await manager.execute<Array<{ id: string }>>(
      `select "id" from "alipay_trade_start" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
    );
    return exists.length > 0 ? 'recent' : 'unknown';
  }

  /**
   * Forgets the last status query of the trade: the shop itself changed it on Alipay (closed it), so the
   * next status check must ask again rather than answer from the state before.
   */
  @InjectManager()
  async releaseTradeQuery(outTradeNo: string, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_trade_start" set "last_queried_at" = null where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
      'run',
    );
  }

  /** How the trade `outTradeNo` was started, or `null` (started before this was recorded, or not ours). */
  @InjectManager()
  async getTradeStart(
    outTradeNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<TradeStartRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<TradeStartRow[]>(
      `select * from "alipay_trade_start" where "out_trade_no" = ? and "deleted_at" is null`,
      [outTradeNo],
    );
    return rows[0] ?? null;
  }

  /**
   * Trades started between `from` and `to` that Alipay has not reported paid or closed (no verified
   * state, or still waiting for the buyer), newest first: reconciliation asks about those whose session
   * Medusa deleted.
   */
  @InjectManager()
  async unsettledTradeStarts(
    from: Date,
    to: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<TradeStartRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<TradeStartRow[]>(
      `select s.* from "alipay_trade_start" s
       left join "alipay_trade" t on t."out_trade_no" = s."out_trade_no" and t."deleted_at" is null
       where s."deleted_at" is null and s."created_at" >= ? and s."created_at" <= ?
         and (t."id" is null or t."status" = 'waiting_payment')
       order by s."created_at" desc limit ?`,
      [from, to, limit],
    );
  }

  /** Marks a trade as an orphan payment (its money could not reach its order), with the core's reason. */
  @InjectManager()
  async markOrphanTrade(
    outTradeNo: string,
    reason: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_trade" set "orphan_reason" = ?, "updated_at" = now()
       where "out_trade_no" = ? and "deleted_at" is null`,
      [reason, outTradeNo],
      'run',
    );
  }

  /**
   * Orphan trades of `providerIds` older than `before` that the core's `planOrphanRefund` would refund
   * for the policy: the auto-refund policy's work list. The query narrows with the same rule (money not
   * all back, no orphan refund succeeded or open, no refusal since which nothing settled) so that held
   * orphans never fill the batch; the caller still decides with the core.
   */
  @InjectManager()
  async orphanTradesWithoutRefund(
    providerIds: readonly string[],
    before: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<VerifiedTrade[]> {
    if (!providerIds.length) return [];
    const manager = sharedContext.manager as SqlEntityManager;
    const settled = `coalesce((select sum(s."amount"::numeric) from "alipay_refund" s
           where s."out_trade_no" = t."out_trade_no" and s."status" = 'succeeded' and s."deleted_at" is null), 0)`;
    return manager.execute<VerifiedTrade[]>(
      `select t.* from "alipay_trade" t
       where t."orphan_reason" is not null and t."deleted_at" is null and t."status" <> 'closed'
         and t."provider_id" in (${providerIds.map(() => '?').join(', ')})
         and t."trade_no" is not null and t."updated_at" <= ?
         and t."total_amount"::numeric > ${settled}
         and not exists (select 1 from "alipay_refund" r
           where r."out_trade_no" = t."out_trade_no" and r."origin" = 'orphan' and r."deleted_at" is null
             and (r."status" <> 'failed' or r."settled_before"::numeric = ${settled}))
       order by t."updated_at" limit ?`,
      [...providerIds, before, limit],
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Refund ledger (alipay_refund)

  /** Every refund of a trade, oldest first. */
  @InjectManager()
  async listTradeRefunds(
    outTradeNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" = ? and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNo],
    );
  }

  /** The refunds of several trades (the admin's order view), oldest first. */
  @InjectManager()
  async listRefundsOfTrades(
    outTradeNos: string[],
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    if (!outTradeNos.length) return [];
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "out_trade_no" in (?) and "deleted_at" is null order by "created_at", "id"`,
      [outTradeNos],
    );
  }

  /** The refund Alipay knows by `requestNo` (a legacy `batch_no` is unique per partner and day). */
  @InjectManager()
  async refundByRequestNo(
    requestNo: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "request_no" = ? and "deleted_at" is null order by "created_at" limit 1`,
      [requestNo],
    );
    return rows[0] ?? null;
  }

  /** The refund a Medusa refund records, if any. */
  @InjectManager()
  async refundByMedusaRefundId(
    medusaRefundId: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `select * from "alipay_refund" where "medusa_refund_id" = ? and "deleted_at" is null limit 1`,
      [medusaRefundId],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores a refund about to be sent (status `requested`) and takes the trade's refund lock
   * (`in_flight_key`), committed before Alipay is called. Returns `null` — nothing stored — when
   * another refund of the trade holds the lock: the caller must not call Alipay then.
   */
  @InjectManager()
  async openRefund(
    input: NewRefund,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `insert into "alipay_refund" ("id", "out_trade_no", "trade_no", "provider_id", "scope", "generation",
         "refund_id", "request_no", "amount", "status", "origin", "in_flight_key", "settled_before",
         "medusa_refund_id", "reason", "attempts", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, 0, now(), now())
       on conflict do nothing
       returning *`,
      [
        generateEntityId(undefined, 'alirefund'),
        input.outTradeNo,
        input.tradeNo,
        input.providerId,
        input.scope,
        input.generation,
        input.refundId,
        input.requestNo,
        input.amount,
        input.origin,
        input.outTradeNo,
        input.settledBefore,
        input.medusaRefundId,
        input.reason,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Counts a call to Alipay for a refund, before it is made: returns how many calls were made before
   * this one (whose fate may be unknown).
   */
  @InjectManager()
  async countRefundAttempt(id: string, @MedusaContext() sharedContext: Context = {}): Promise<number> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<Array<{ attempts: number }>>(
      `update "alipay_refund" set "attempts" = "attempts" + 1, "updated_at" = now()
       where "id" = ? returning "attempts"`,
      [id],
    );
    return Math.max(0, (rows[0]?.attempts ?? 1) - 1);
  }

  /**
   * Stores what one call to Alipay came to. A row a notification (or reconciliation) already made
   * final (the core's `FINAL_REFUND_STATUSES`) is never overwritten: the stored row is returned as it
   * is. The lock stays only while the core's `holdsRefundLock` says so (the answer is still unknown).
   */
  @InjectManager()
  async storeRefundAttempt(
    id: string,
    result: { status: ShopRefundStatus; error?: string | null; confirmUrl?: string | null },
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = ?, "error" = ?, "confirm_url" = coalesce(?, "confirm_url"),
         "in_flight_key" = case when ? then "out_trade_no" else null end,
         "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL}
       returning *`,
      [result.status, result.error ?? null, result.confirmUrl ?? null, holdsRefundLock(result.status), id],
    );
    if (rows[0]) return rows[0];
    return this.requireRefund(id, sharedContext);
  }

  /**
   * Settles refunds Alipay reports refunded: `succeeded`, lock released. Returns the rows that changed,
   * each with the status it had before (`previous_status`). One transaction: the rows are locked and
   * read, then updated, so a concurrent writer (the provider storing its answer) waits and then finds
   * them final.
   */
  @InjectTransactionManager()
  async settleRefunds(
    ids: string[],
    @MedusaContext() sharedContext: Context = {},
  ): Promise<Array<RefundRow & { previous_status: ShopRefundStatus }>> {
    if (!ids.length) return [];
    const manager = sharedContext.transactionManager as SqlEntityManager;
    const before = await manager.execute<Array<{ id: string; status: ShopRefundStatus }>>(
      `select "id", "status" from "alipay_refund"
       where "id" in (?) and "status" <> 'succeeded' and "deleted_at" is null
       for update`,
      [ids],
    );
    if (!before.length) return [];
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = 'succeeded', "error" = null, "in_flight_key" = null,
         "updated_at" = now()
       where "id" in (?)
       returning *`,
      [before.map(row => row.id)],
    );
    return rows.map(row => ({
      ...row,
      previous_status: before.find(candidate => candidate.id === row.id)?.status ?? row.status,
    }));
  }

  /** Marks an unfinished refund `failed` (Alipay's result says it did not go through); lock released. */
  @InjectManager()
  async failRefund(
    id: string,
    error: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "status" = 'failed', "error" = ?, "in_flight_key" = null, "updated_at" = now()
       where "id" = ? and "status" not in ${FINAL_REFUND_STATUSES_SQL} returning *`,
      [error, id],
    );
    return rows[0] ?? null;
  }

  /** Replaces a refund's note for the merchant (why it is uncertain, why it cannot be recorded…). */
  @InjectManager()
  async noteRefundError(
    id: string,
    error: string | null,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_refund" set "error" = ?, "updated_at" = now() where "id" = ?`,
      [error, id],
      'run',
    );
  }

  /**
   * Records a refund Alipay has already made (on its own side, or an orphan's money given back), once:
   * idempotent by (`out_trade_no`, `request_no`). With `lock`, the row takes the trade's refund lock
   * until Medusa has recorded it (see {@link linkRecordedRefund}); when another refund holds the lock
   * it is stored without. Returns the row and whether this call created it.
   */
  @InjectManager()
  async insertSettledRefund(
    input: SettledRefund,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<{ row: RefundRow; created: boolean }> {
    const manager = sharedContext.manager as SqlEntityManager;
    const existing = async () =>
      (
        await manager.execute<RefundRow[]>(
          `select * from "alipay_refund" where "out_trade_no" = ? and "request_no" = ? and "deleted_at" is null`,
          [input.outTradeNo, input.requestNo],
        )
      )[0];
    const found = await existing();
    if (found) return { row: found, created: false };
    for (const lock of input.lock ? [true, false] : [false]) {
      const rows = await manager.execute<RefundRow[]>(
        `insert into "alipay_refund" ("id", "out_trade_no", "trade_no", "provider_id", "scope", "generation",
           "refund_id", "request_no", "amount", "status", "origin", "in_flight_key", "settled_before",
           "attempts", "created_at", "updated_at")
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, '0.00', 0, now(), now())
         on conflict do nothing
         returning *`,
        [
          generateEntityId(undefined, 'alirefund'),
          input.outTradeNo,
          input.tradeNo,
          input.providerId,
          input.scope,
          input.generation,
          input.requestNo,
          input.requestNo,
          input.amount,
          input.origin,
          lock ? input.outTradeNo : null,
        ],
      );
      if (rows[0]) return { row: rows[0], created: true };
      const raced = await existing();
      if (raced) return { row: raced, created: false };
    }
    throw new MedusaError(MedusaError.Types.CONFLICT, `refund ${input.requestNo} could not be stored`);
  }

  /**
   * Takes the trade's refund lock for a settled refund that Medusa is about to record, unlinking it
   * from any Medusa refund (one that was lost). A lock the row itself holds is taken over only when it
   * was last touched before `staleBefore` (its holder died): of two reconciliation runs at once, one
   * wins. Returns null when the lock is held (by another refund, or a live holder).
   */
  @InjectManager()
  async lockForRecording(
    id: string,
    staleBefore: Date | null,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "in_flight_key" = "out_trade_no", "medusa_refund_id" = null, "updated_at" = now()
       where "id" = ? and "status" = 'succeeded'
         and ("in_flight_key" is null or ("in_flight_key" = "out_trade_no" and "updated_at" <= ?))
       returning *`,
      [id, staleBefore ?? new Date(0)],
    );
    return rows[0] ?? null;
  }

  /**
   * The payment provider's half of recording a settled refund in Medusa: Medusa calls `refundPayment`
   * for a refund Alipay already made; the row being recorded (settled, unlinked, holding the lock) of
   * that trade and amount is linked to Medusa's refund instead of calling Alipay. Null when none waits.
   */
  @InjectManager()
  async linkRecordedRefund(
    outTradeNo: string,
    amount: string,
    medusaRefundId: string | null,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "medusa_refund_id" = ?, "in_flight_key" = null, "error" = null, "updated_at" = now()
       where "id" = (
         select "id" from "alipay_refund"
         where "out_trade_no" = ? and "amount" = ? and "status" = 'succeeded' and "origin" <> 'orphan'
           and "medusa_refund_id" is null and "in_flight_key" is not null and "deleted_at" is null
         order by "created_at" limit 1 for update skip locked)
       returning *`,
      [medusaRefundId, outTradeNo, amount],
    );
    return rows[0] ?? null;
  }

  /** Releases the lock of a settled refund after recording it (or failing to), with an optional note. */
  @InjectManager()
  async releaseRecordingLock(
    id: string,
    error: string | null,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow | null> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(
      `update "alipay_refund" set "in_flight_key" = null, "error" = coalesce(?, "error"), "updated_at" = now()
       where "id" = ? and "status" = 'succeeded' returning *`,
      [error, id],
    );
    return rows[0] ?? null;
  }

  /** Refunds still waiting for Alipay's answer or result, requested before `before`, oldest first. */
  @InjectManager()
  async openRefundsBefore(
    before: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" in ${OPEN_REFUND_STATUSES_SQL} and "created_at" <= ? and "deleted_at" is null
       order by "created_at" limit ?`,
      [before, limit],
    );
  }

  /**
   * Settled refunds of the shop or of Alipay's side that no Medusa refund records (yet): never linked,
   * or whose recording lock was last touched before `before` (its holder died).
   */
  @InjectManager()
  async unrecordedRefunds(
    before: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" = 'succeeded' and "origin" in ('shop', 'alipay') and "medusa_refund_id" is null
         and "updated_at" <= ? and "deleted_at" is null
       order by "updated_at" limit ?`,
      [before, limit],
    );
  }

  /** Settled refunds linked to a Medusa refund, last changed between `since` and `before`. */
  @InjectManager()
  async linkedRefundsBetween(
    since: Date,
    before: Date,
    limit: number,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<RefundRow[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    return manager.execute<RefundRow[]>(
      `select * from "alipay_refund"
       where "status" = 'succeeded' and "medusa_refund_id" is not null
         and "updated_at" > ? and "updated_at" <= ? and "deleted_at" is null
       order by "updated_at" limit ?`,
      [since, before, limit],
    );
  }

  private async requireRefund(id: string, sharedContext: Context): Promise<RefundRow> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<RefundRow[]>(`select * from "alipay_refund" where "id" = ?`, [id]);
    if (!rows[0]) throw new MedusaError(MedusaError.Types.NOT_FOUND, `refund ${id} not found`);
    return rows[0];
  }

  // ---------------------------------------------------------------------------------------------
  // Notification claims (idempotency)

  /**
   * Claims `(tradeNo, claimKey)` for processing. Exactly one concurrent caller gets `claimed: true`:
   * the row is inserted under a UNIQUE index with `on conflict do nothing`. A claim left `processing`
   * for longer than `leaseMs` (its holder crashed) is taken over atomically.
   */
  @InjectManager()
  async claimNotification(
    input: {
      tradeNo: string;
      claimKey: string;
      outTradeNo: string | null;
      sessionId: string | null;
      source: 'notify' | 'query';
      leaseMs?: number;
    },
    @MedusaContext() sharedContext: Context = {},
  ): Promise<ClaimResult> {
    const manager = sharedContext.manager as SqlEntityManager;
    const inserted = await manager.execute<Array<{ id: string }>>(
      `insert into "alipay_notification_claim" ("id", "trade_no", "claim_key", "out_trade_no", "session_id",
         "source", "state", "claimed_at", "created_at", "updated_at")
       values (?, ?, ?, ?, ?, ?, 'processing', now(), now(), now())
       on conflict do nothing
       returning "id"`,
      [
        generateEntityId(undefined, 'aliclaim'),
        input.tradeNo,
        input.claimKey,
        input.outTradeNo,
        input.sessionId,
        input.source,
      ],
    );
    if (inserted[0]) return { claimed: true, claimId: inserted[0].id };

    const leaseSeconds = Math.ceil((input.leaseMs ?? DEFAULT_CLAIM_LEASE_MS) / 1000);
    const takenOver = await manager.execute<Array<{ id: string }>>(
      `update "alipay_notification_claim" set "claimed_at" = now(), "source" = ?, "updated_at" = now()
       where "trade_no" = ? and "claim_key" = ? and "deleted_at" is null and "state" = 'processing'
         and "claimed_at" < now() - (? * interval '1 second')
       returning "id"`,
      [input.source, input.tradeNo, input.claimKey, leaseSeconds],
    );
    if (takenOver[0]) return { claimed: true, claimId: takenOver[0].id, tookOver: true };

    const existing = await manager.execute<Array<{ id: string; state: ClaimState; outcome: string | null }>>(
      `select "id", "state", "outcome" from "alipay_notification_claim"
       where "trade_no" = ? and "claim_key" = ? and "deleted_at" is null`,
      [input.tradeNo, input.claimKey],
    );
    const row = existing[0];
    // The holder released the claim between our insert and this read: report it as free to retry.
    if (!row) return { claimed: false, state: 'released', outcome: null };
    return { claimed: false, state: row.state, outcome: row.outcome, claimId: row.id };
  }

  /** Marks a claim as done: `processed` (state changed) or `ignored` (nothing to do), with why. */
  @InjectManager()
  async finishClaim(
    claimId: string,
    state: 'processed' | 'ignored',
    outcome: string,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_notification_claim" set "state" = ?, "outcome" = ?, "updated_at" = now() where "id" = ?`,
      [state, outcome, claimId],
      'run',
    );
  }

  /**
   * Marks a held claim as **accepted**: its notification was verified and will be applied after Alipay
   * is answered. Stored with the claim, `event` is what the `alipay-resume-payments` job applies if
   * this process dies first. Duplicates of an accepted claim are answered `success` at once.
   */
  @InjectManager()
  async acceptClaim(
    claimId: string,
    event: AcceptedTradeEvent,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<Array<{ id: string }>>(
      `update "alipay_notification_claim" set "outcome" = 'accepted', "event" = ?::jsonb, "updated_at" = now()
       where "id" = ? and "state" = 'processing' and "deleted_at" is null
       returning "id"`,
      [JSON.stringify(event), claimId],
    );
    if (!rows[0]) {
      throw new MedusaError(MedusaError.Types.CONFLICT, `claim ${claimId} is no longer held`);
    }
  }

  /** The heartbeat of the claims this process holds: keeps them from being taken over. */
  @InjectManager()
  async refreshClaims(claimIds: string[], @MedusaContext() sharedContext: Context = {}): Promise<void> {
    if (!claimIds.length) return;
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_notification_claim" set "claimed_at" = now()
       where "id" in (?) and "state" = 'processing' and "deleted_at" is null`,
      [claimIds],
      'run',
    );
  }

  /**
   * Takes over up to `limit` accepted claims whose holder stopped refreshing them for `leaseMs` (it
   * died) or whose retry is due, oldest first. Concurrent callers (several server instances) never get
   * the same claim: rows are locked with `skip locked` and their `claimed_at` moved to now.
   */
  @InjectManager()
  async takeOverStaleAcceptedClaims(
    limit: number,
    leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<AcceptedClaim[]> {
    const manager = sharedContext.manager as SqlEntityManager;
    const rows = await manager.execute<Array<{ id: string; event: AcceptedTradeEvent; attempts: number }>>(
      `update "alipay_notification_claim" set "claimed_at" = now(), "updated_at" = now()
       where "id" in (
         select "id" from "alipay_notification_claim"
         where "state" = 'processing' and "outcome" = 'accepted' and "deleted_at" is null
           and "claimed_at" < now() - (? * interval '1 millisecond')
         order by "claimed_at" limit ? for update skip locked)
       returning "id", "event", "attempts"`,
      [leaseMs, limit],
    );
    return rows.filter(row => row.event && typeof row.event === 'object');
  }

  /**
   * After a failed attempt at applying an accepted claim: counts it and lets the claim go stale
   * `delayMs` from now, when the resume job takes it over again. `claimed_at` is set so that it
   * passes the lease exactly then.
   */
  @InjectManager()
  async postponeAcceptedClaim(
    claimId: string,
    attempts: number,
    delayMs: number,
    leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(
      `update "alipay_notification_claim"
       set "attempts" = ?, "claimed_at" = now() + (? * interval '1 millisecond'), "updated_at" = now()
       where "id" = ? and "state" = 'processing'`,
      [attempts, delayMs - leaseMs, claimId],
      'run',
    );
  }

  /** Releases a claim after a failed processing, so that Alipay's next retry can claim it again. */
  @InjectManager()
  async releaseClaim(claimId: string, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    const manager = sharedContext.manager as SqlEntityManager;
    await manager.execute(`delete from "alipay_notification_claim" where "id" = ?`, [claimId], 'run');
  }

  // ---------------------------------------------------------------------------------------------
  // Journal

  /** Appends one entry to the merchant-visible journal. Never pass a secret or a raw body. */
  async recordEvent(entry: JournalEntry): Promise<void> {
    await this.createAlipayEvents({
      kind: entry.kind,
      level: entry.level,
      provider_id: entry.providerId ?? null,
      out_trade_no: entry.outTradeNo ?? null,
      trade_no: entry.tradeNo ?? null,
      session_id: entry.sessionId ?? null,
      cart_id: entry.cartId ?? null,
      order_id: entry.orderId ?? null,
      message: entry.message,
      details: entry.details ?? null,
    });
  }

  @InjectTransactionManager()
  protected async saveSettingsInTransaction(
    input: SaveAlipaySettingsInput,
    fallback: FallbackSettings,
    @MedusaContext() sharedContext: Context = {},
  ): Promise<SettingsRow> {
    const scope = input.salesChannelId ?? GLOBAL_SCOPE;
    const columns = columnsToWrite(input, scope);
    const rows = await this.scopeRows(input.salesChannelId, sharedContext);
    const existing = rows.find(row => row.scope === scope);

    // What the scope will be after this save, checked before anything is written.
    const issues = issuesAfter(input, fallback, rows, this.settingsPolicy);
    if (issues.length) throw new AlipaySettingsInvalidError(issues);

    if (existing) {
      const updated = await this.updateAlipaySettings({ id: existing.id, ...columns }, sharedContext);
      return updated as unknown as SettingsRow;
    }
    const created = await this.createAlipaySettings({ scope, ...columns }, sharedContext);
    return created as unknown as SettingsRow;
  }

  /** The global row and, when given, the sales channel's row. */
  private async scopeRows(salesChannelId?: string | null, sharedContext?: Context): Promise<SettingsRow[]> {
    const scopes = salesChannelId ? [GLOBAL_SCOPE, salesChannelId] : [GLOBAL_SCOPE];
    return (await this.listAlipaySettings({ scope: scopes }, {}, sharedContext)) as unknown as SettingsRow[];
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

/**
 * Effective settings: fallback ← global row ← channel row (each field of a later source wins when
 * set). `override` replaces one scope's stored values (a save being checked before it is written).
 */
function mergeSettings(
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
  const values: AlipaySettingsValues = {
    ...definedOnly(fallback),
    ...valuesOf(GLOBAL_SCOPE),
    ...(salesChannelId ? valuesOf(salesChannelId) : {}),
  };
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

/**
 * The settings version the facade caches compare: a digest of the stored rows (ciphertexts included,
 * never decrypted here) and of the fallback options.
 */
function settingsFingerprint(rows: SettingsRow[], fallback: FallbackSettings): string {
  return createHash('sha256')
    .update(JSON.stringify([rows.map(rowFingerprint), fallback]))
    .digest('hex');
}

/**
 * Why a trade of the other generation has no usable gateway: the configured custom gateway URL is the
 * current generation's, and the trade did not record its own (created before the plugin recorded it).
 */
const UNKNOWN_GATEWAY_ISSUE: SettingsIssue = {
  field: 'gateway',
  message: {
    en:
      'the trade did not record its gateway and the configured custom gateway belongs to the current ' +
      'interface type; set the gateway to "production" (or the one this trade used) while handling it',
    zh: '该交易未记录其网关，而当前配置的自定义网关属于当前接口类型；处理该交易时请将网关设为 production（或该交易使用的网关）',
  },
};

/** What identifies a row's content for the facade cache (ciphertexts included, never decrypted here). */
function rowFingerprint(row: SettingsRow): unknown[] {
  return [row.scope, ...Object.values(COLUMN_OF).map(column => row[column] ?? null)];
}

/** The seller a config's payments go to, as the core's notification checks compare it. */
function sellerOf(config: AlipayConfig): SellerAccount {
  const seller: SellerAccount = {};
  if (config.generation === 'legacy') {
    if (config.sellerEmail) seller.email = config.sellerEmail;
    if (config.sellerId) seller.id = config.sellerId;
  } else if (config.sellerId) {
    seller.id = config.sellerId;
  }
  return seller;
}

/** The core's issues with the settings a scope would have after `input` is applied. */
function issuesAfter(
  input: SaveAlipaySettingsInput,
  fallback: FallbackSettings,
  rows: SettingsRow[],
  policy: SettingsPolicy,
): SettingsIssue[] {
  const scope = input.salesChannelId ?? GLOBAL_SCOPE;
  const next = mergeSettings(fallback, rows, input.salesChannelId, applyInput(input, scope, rows));
  if (!next.interfaceType) return [];
  const result = settingsToConfig({ ...next, interfaceType: next.interfaceType }, policy);
  return result.ok ? [] : result.issues;
}
