import {
  type Alipay,
  type AlipaySettings,
  type Bilingual,
  type ConfigIssue,
  createAlipay,
  type HttpOptions,
  type SettingsPolicy,
  STRICT_SETTINGS_POLICY,
  settingsToConfig,
} from '@alipay-commerce/core';
import {
  type TradeOrigin as CoreTradeOrigin,
  FacadeCache,
  generationOf,
  settingsFingerprint,
  settingsForTrade,
  tradeSettingsOf,
} from '@alipay-commerce/core/lifecycle';
import type { PaymentMethod } from '@vendure/core';
import { describeIssues, settingsFromArgs } from './alipay-method-args';
import type { AlipayTradeSettings } from './entities/alipay-trade.entity';

/**
 * Which Alipay facade serves which work. A merchant may hold a legacy contract (partner + MD5 key) and an
 * OpenAPI one (app + RSA2) at once, keep both credential sets in one payment method and switch its
 * `interfaceType` in the admin. New payments follow the current `interfaceType`; every operation on an
 * existing trade (refund, close, query, shipment confirmation, verifying its notifications and returns)
 * must follow the generation the trade was made with, or Alipay would be asked about a trade it files
 * under another contract (the core's `settingsForTrade` says which settings serve a trade). When that generation's credentials are gone, the operation fails with a message
 * saying so: the other generation's credentials are never used instead.
 *
 * @packageDocumentation
 */

/** `legacy` (partner + MD5 key, mapi gateway), `openapi` (app + RSA2) or `antom` (cross-border, client ID + RSA). */
export type AlipayGeneration = Alipay['generation'];

/** A usable Alipay facade, or why there is none (issues per field and one bilingual explanation). */
export type GatewayResult =
  | {
      ok: true;
      alipay: Alipay;
      /** The `interfaceType` the facade was built for (the trade's, or the method's current one). */
      interfaceType: string;
      /** What a trade created through this facade records (see {@link AlipayTrade.createdWith}). */
      tradeSettings: AlipayTradeSettings;
    }
  | { ok: false; issues: ConfigIssue[]; message: Bilingual };

/**
 * What an existing trade says about how it was made (the {@link AlipayTrade} columns used here): the
 * core's {@link CoreTradeOrigin}, with the trade's `out_trade_no` for messages.
 */
export interface TradeOrigin extends CoreTradeOrigin {
  /** The trade's `out_trade_no`, for messages. */
  outTradeNo: string;
  /** The shared settings recorded when the trade was made; `null` for trades made before they were. */
  createdWith: AlipayTradeSettings | null;
}

/** Human names of a generation's credentials, for the messages below. */
const GENERATION_TEXT: Record<AlipayGeneration, Bilingual & { short: string }> = {
  legacy: { short: 'legacy', en: 'legacy (partner + MD5 key)', zh: '旧版（合作者身份 + MD5 密钥）' },
  openapi: { short: 'OpenAPI', en: 'OpenAPI (app ID + RSA2 key)', zh: '开放平台（应用 ID + RSA2 私钥）' },
  antom: { short: 'Antom', en: 'Antom (client ID + RSA key)', zh: 'Antom 跨境（客户端 ID + RSA 私钥）' },
};

/**
 * The issues of unusable settings as one line per language (field by field, as the core words them: fields,
 * never values), so the text fits one log line, a refund's metadata and the order history alike.
 */
export function describeIssuesInline(issues: readonly ConfigIssue[]): Bilingual {
  const { en, zh } = describeIssues(issues);
  // The core's Chinese messages end with 。 already, so a space is enough between them.
  return { en: en.replace(/\n/g, '; '), zh: zh.replace(/\n/g, ' ') };
}

/**
 * The explanation when a trade's own generation has no usable settings left: which trade, which
 * generation, which fields (from the core's issues, which name fields and never values), and what to do.
 */
export function tradeSettingsMessage(
  methodCode: string,
  origin: TradeOrigin,
  currentInterfaceType: string,
  issues: readonly ConfigIssue[],
): Bilingual {
  const generation = generationOf(origin.interfaceType);
  const details = describeIssuesInline(issues);
  if (generation === generationOf(currentInterfaceType)) {
    return details;
  }
  const text = GENERATION_TEXT[generation];
  return {
    en: `Trade ${origin.outTradeNo} was made with the ${text.en} interface "${origin.interfaceType}", but payment method "${methodCode}" (now "${currentInterfaceType}") no longer has usable ${text.short} settings. ${details.en} Restore them in the payment method (the current interface type can stay); the other generation's credentials are never used for this trade.`,
    zh: `交易 ${origin.outTradeNo} 使用${text.zh}接口“${origin.interfaceType}”创建，但支付方式“${methodCode}”（当前为“${currentInterfaceType}”）已没有可用的${text.zh}设置。${details.zh}请在支付方式中补回这些设置（当前接口类型可保持不变）；此交易绝不会改用另一代接口的凭据处理。`,
  };
}

/**
 * Builds and caches the Alipay facades of payment methods: one for new payments (the method's current
 * `interfaceType`) and one per generation of existing trades. Facades are cached per (method,
 * interfaceType) in the core's {@link FacadeCache}, valid for the settings' fingerprint (a SHA-256, never a
 * secret in clear), so a changed setting builds a new one.
 */
export class AlipayGateways {
  private readonly cache = new FacadeCache<Alipay>();

  /** @param http - timeouts and retries of every call to Alipay (the plugin's `http` option). */
  constructor(
    private readonly http: HttpOptions | undefined,
    private readonly policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
  ) {}

  /** The facade for new payments: the method's settings as they are now. */
  current(method: PaymentMethod): GatewayResult {
    const flat = settingsFromArgs(method.handler.args, process.env, this.policy);
    if (!flat.ok) {
      return { ok: false, issues: flat.issues, message: describeIssuesInline(flat.issues) };
    }
    return this.build(method, flat.settings, describeIssuesInline);
  }

  /**
   * The facade for an existing trade: built for the trade's recorded `interfaceType` from the method's
   * stored credentials of that generation, whatever the method's current `interfaceType` is.
   */
  forTrade(method: PaymentMethod, origin: TradeOrigin): GatewayResult {
    const flat = settingsFromArgs(method.handler.args, process.env, this.policy);
    const currentType = flat.ok ? String(flat.settings.interfaceType) : origin.interfaceType;
    if (!flat.ok) {
      return {
        ok: false,
        issues: flat.issues,
        message: tradeSettingsMessage(method.code, origin, currentType, flat.issues),
      };
    }
    const explain = (issues: ConfigIssue[]) => tradeSettingsMessage(method.code, origin, currentType, issues);
    const trade = settingsForTrade(flat.settings, origin);
    if (!trade.ok) {
      return { ok: false, issues: trade.issues, message: explain(trade.issues) };
    }
    return this.build(method, trade.settings, explain);
  }

  private build(
    method: PaymentMethod,
    settings: AlipaySettings,
    explain: (issues: ConfigIssue[]) => Bilingual,
  ): GatewayResult {
    const interfaceType = String(settings.interfaceType);
    const tradeSettings = tradeSettingsOf(settings);
    const key = `${method.id}\u0000${interfaceType}`;
    const fingerprint = settingsFingerprint(settings);
    const cached = this.cache.get(key, fingerprint);
    if (cached) {
      return { ok: true, alipay: cached, interfaceType, tradeSettings };
    }
    const parsed = settingsToConfig(settings, this.policy);
    if (!parsed.ok) {
      return { ok: false, issues: parsed.issues, message: explain(parsed.issues) };
    }
    const alipay = this.cache.set(key, fingerprint, createAlipay(parsed.config, { http: this.http }));
    return { ok: true, alipay, interfaceType, tradeSettings };
  }
}
