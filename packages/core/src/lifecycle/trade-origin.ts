/**
 * Which settings serve an existing trade. A merchant may hold a legacy contract (partner + MD5 key) and an
 * OpenAPI one (app + RSA2) at once, keep both credential sets and switch the interface type in the admin.
 * New payments follow the current interface type; everything about an existing trade (refund, close,
 * query, shipment confirmation, verifying its notifications and returns) must follow the generation the
 * trade was made with, or Alipay would be asked about a trade it files under another contract.
 *
 * @packageDocumentation
 */
import type { AlipayGeneration } from '../events';
import type { AlipaySettings } from '../settings-fields';

/** The generation of an interface type (`legacy-direct` → `legacy`, `openapi-page` → `openapi`). */
export function generationOf(interfaceType: string): AlipayGeneration {
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
 * The settings that serve an existing trade: the stored settings (both credential sets) with the trade's
 * interface type. After a switch to the other generation the shared fields hold that generation's values
 * (an offline sandbox URL is per generation, the OpenAPI seller need not be the legacy partner), so the
 * values recorded with the trade are used then. Within one generation the current values stay
 * authoritative, so a corrected gateway or seller applies to older trades too. The other generation's
 * credentials are never used instead: the facade built from the result fails when the trade's own are gone.
 */
export function settingsForTrade(current: AlipaySettings, origin: TradeOrigin): AlipaySettings {
  const settings: AlipaySettings = { ...current, interfaceType: origin.interfaceType };
  if (origin.createdWith && generationOf(origin.interfaceType) !== generationOf(current.interfaceType)) {
    for (const name of TRADE_SHARED_SETTINGS) {
      delete settings[name];
      const value = origin.createdWith[name];
      if (value !== undefined) {
        settings[name] = value;
      }
    }
  }
  return settings;
}
