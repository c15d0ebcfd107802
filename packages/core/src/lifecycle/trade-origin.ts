/**
 * Which settings serve an existing trade. A merchant may hold a legacy contract (partner + MD5 key) and an
 * OpenAPI one (app + RSA2) at once, keep both credential sets and switch the interface type in the admin.
 * New payments follow the current interface type; everything about an existing trade (refund, close,
 * query, shipment confirmation, verifying its notifications and returns) must follow the generation the
 * trade was made with, or Alipay would be asked about a trade it files under another contract.
 *
 * @packageDocumentation
 */
import type { ConfigIssue } from '../errors';
import type { AlipayGeneration } from '../events';
import type { AlipaySettings } from '../settings-fields';

/** The generation of an interface type (`legacy-direct` → `legacy`, `openapi-page` → `openapi`, `antom` → `antom`). */
export function generationOf(interfaceType: string): AlipayGeneration {
  if (interfaceType === 'antom') return 'antom';
  return interfaceType.startsWith('legacy-') ? 'legacy' : 'openapi';
}

/**
 * Settings both generations read from the same field (`gateway`, `sellerId`, `sellerEmail`): recorded with
 * each trade (never secrets), because after a switch to the other generation they hold that generation's
 * values.
 */
export const TRADE_SHARED_SETTINGS = ['gateway', 'sellerId', 'sellerEmail'] as const;

/** The shared settings a trade records when it is made (see {@link TRADE_SHARED_SETTINGS}). */
export type TradeSharedSettings = Partial<Record<(typeof TRADE_SHARED_SETTINGS)[number], string>>;

/** How an existing trade was made: what every later operation on it is built from. */
export interface TradeOrigin {
  /** The interface type the trade was made with. */
  interfaceType: string;
  /** The shared settings recorded when the trade was made; `null` when nothing was recorded. */
  createdWith: TradeSharedSettings | null;
  /** The trade's `out_trade_no`, for messages about it. */
  outTradeNo?: string;
  /**
   * `false` when only the generation is certain: the interface type was inferred (from the Alipay interface
   * name of a trade made before the adapter recorded its interface type, or from a notification's shape).
   * A trade of the current generation is then served by the current interface type. Default `true`.
   */
  exact?: boolean;
}

/** The shared settings of a method's current settings, as a new trade records them (non-empty only). */
export function tradeSettingsOf(settings: AlipaySettings): TradeSharedSettings {
  const recorded: TradeSharedSettings = {};
  for (const name of TRADE_SHARED_SETTINGS) {
    const value = settings[name];
    if (typeof value === 'string' && value !== '') {
      recorded[name] = value;
    }
  }
  return recorded;
}

/**
 * Why a trade of the other generation has no usable gateway: it recorded none (made before the adapter
 * recorded it), and the configured gateway is a custom URL, which belongs to the current generation
 * (a named gateway — unset, `production`, `sandbox` — resolves per generation and is kept).
 */
export const UNKNOWN_TRADE_GATEWAY_ISSUE: ConfigIssue = {
  field: 'gateway',
  message: {
    en:
      'the trade did not record its gateway and the configured custom gateway belongs to the current ' +
      'interface type; set the gateway to "production" (or the one this trade used) while handling it',
    zh: '该交易未记录其网关，而当前配置的自定义网关属于当前接口类型；处理该交易时请将网关设为 production（或该交易使用的网关）',
  },
};

/** The settings that serve an existing trade, or why there are none (see {@link settingsForTrade}). */
export type TradeSettingsResult =
  | { ok: true; settings: AlipaySettings }
  | { ok: false; issues: ConfigIssue[] };

/** Gateway values that name a gateway per generation rather than a URL of one. */
function isNamedGateway(gateway: string | undefined): boolean {
  return gateway === undefined || gateway === '' || gateway === 'production' || gateway === 'sandbox';
}

/**
 * The settings that serve an existing trade: the stored settings (both credential sets) with the trade's
 * interface type.
 *
 * - Same generation as the current interface type: the current values stay authoritative, so a corrected
 *   gateway or seller applies to older trades too; an inferred origin (`exact: false`) is served by the
 *   current interface type itself.
 * - The other generation (or no current interface type): the shared fields hold the current generation's
 *   values (an offline sandbox URL is per generation, the OpenAPI seller need not be the legacy partner),
 *   so the values recorded with the trade are used. A trade that recorded nothing keeps the current values,
 *   except a custom gateway URL, which is refused ({@link UNKNOWN_TRADE_GATEWAY_ISSUE}) rather than sent
 *   the other generation's calls.
 *
 * The other generation's credentials are never used instead: the facade built from the result fails when
 * the trade's own are gone.
 */
export function settingsForTrade(current: AlipaySettings, origin: TradeOrigin): TradeSettingsResult {
  const currentType = current.interfaceType ? String(current.interfaceType) : undefined;
  if (currentType && generationOf(currentType) === generationOf(origin.interfaceType)) {
    const interfaceType = origin.exact === false ? currentType : origin.interfaceType;
    return { ok: true, settings: { ...current, interfaceType } };
  }
  const settings: AlipaySettings = { ...current, interfaceType: origin.interfaceType };
  if (!origin.createdWith) {
    const gateway = typeof current.gateway === 'string' ? current.gateway : undefined;
    return isNamedGateway(gateway)
      ? { ok: true, settings }
      : { ok: false, issues: [UNKNOWN_TRADE_GATEWAY_ISSUE] };
  }
  for (const name of TRADE_SHARED_SETTINGS) {
    delete settings[name];
    const value = origin.createdWith[name];
    if (value !== undefined) {
      settings[name] = value;
    }
  }
  return { ok: true, settings };
}
