/**
 * Which Alipay interface an existing trade was created with. A merchant may hold a legacy (partner +
 * MD5 key) and an OpenAPI (app + RSA2) contract at once and switch the interface type in the admin;
 * trades created before the switch must still be refunded, closed, queried, shipment-confirmed and
 * verified with the generation — gateway, credentials, seller — they were created with. The payment
 * session data records it at creation (keys the plugin owns; the shopper's values are dropped by the
 * `trustedSalesChannel` middleware), so everything after that can be routed without guessing.
 *
 * @packageDocumentation
 */
import { type AlipayGeneration, INTERFACE_TYPES, interfaceTypeOfPayment } from '@alipay-commerce/core';
import type { TradeOrigin, TradeSharedSettings } from '@alipay-commerce/core/lifecycle';

/** How a trade was created: the core's trade origin (interface type, shared settings it recorded, `exact`). */
export type { TradeOrigin };

/**
 * The session data keys a trade's origin and settings scope are read from: what `alipay_trade_start`
 * keeps of a session (nothing secret), so that a trade whose session Medusa deleted is still routed
 * with the settings and the generation it was created with.
 */
export const TRADE_ORIGIN_KEYS = [
  'sales_channel_id',
  'interface',
  'interface_type',
  'gateway',
  'seller_email',
  'seller_id',
] as const;

/** The {@link TRADE_ORIGIN_KEYS} of a session's data. */
export function originDataOf(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(TRADE_ORIGIN_KEYS.filter(key => key in data).map(key => [key, data[key]]));
}

/** A representative interface type of a generation, when only the generation is known. */
export function originOfGeneration(generation: AlipayGeneration): TradeOrigin {
  return {
    interfaceType:
      generation === 'legacy' ? 'legacy-direct' : generation === 'antom' ? 'antom' : 'openapi-page',
    exact: false,
    createdWith: null,
  };
}

/** The session data keys of the shared settings a trade recorded, by the core's setting name. */
const RECORDED_SETTINGS = {
  gateway: 'gateway',
  sellerEmail: 'seller_email',
  sellerId: 'seller_id',
} as const satisfies Record<keyof TradeSharedSettings, string>;

/**
 * The origin recorded in a payment session's (or payment's) `data`, as the core's {@link TradeOrigin}: the
 * plugin's `interface_type`, with `gateway` and `seller_email` / `seller_id` as the shared settings it was
 * created with (`createdWith`; a recorded `null` is a setting that was empty then). For sessions created
 * before these were recorded, the generation inferred from the Alipay `interface` name (`exact: false`,
 * nothing recorded). `null` when the data names no trade.
 *
 * The provider records the resolved gateway URL and both seller keys together with the interface type
 * (see `start-trade.ts`), so stored data has either all of them or only `interface`.
 */
export function tradeOriginOf(data: Record<string, unknown> | null | undefined): TradeOrigin | null {
  if (!data) return null;
  const recorded = data.interface_type;
  if (typeof recorded === 'string' && (INTERFACE_TYPES as readonly string[]).includes(recorded)) {
    const keys = Object.entries(RECORDED_SETTINGS);
    const createdWith: TradeSharedSettings = {};
    for (const [name, key] of keys) {
      const value = data[key];
      if (typeof value === 'string' && value) createdWith[name as keyof TradeSharedSettings] = value;
    }
    return {
      interfaceType: recorded,
      createdWith: keys.some(([, key]) => key in data) ? createdWith : null,
    };
  }
  const name = typeof data.interface === 'string' ? data.interface : undefined;
  if (!name) return null;
  const inferred = interfaceTypeOfPayment(name);
  if (!inferred) return null;
  return { interfaceType: inferred, exact: false, createdWith: null };
}
