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
import {
  type AlipayGeneration,
  INTERFACE_TYPES,
  type InterfaceType,
  interfaceTypeOfPayment,
  type SellerAccount,
} from '@alipay-commerce/core';
import { generationOf } from '@alipay-commerce/core/lifecycle';

/** How a trade was created: what the facade for every later operation on it is built from. */
export interface TradeOrigin {
  /** The admin interface type (`legacy-direct`, `openapi-page-wap`, …). */
  interfaceType: InterfaceType;
  /**
   * `true` when the session recorded the interface type itself; `false` when it was inferred (from the
   * Alipay interface name of an older session, or a notification's shape): then only the generation
   * is certain, and the current settings are used when they are of that generation.
   */
  exact: boolean;
  /** The gateway URL the trade was created at, when recorded. */
  gateway: string | null;
  /** The seller the trade was created for, when recorded (`null`: unknown; `{}`: none configured). */
  seller: SellerAccount | null;
}

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

/** `legacy` or `openapi`, from an admin interface type: the core's rule. */
export { generationOf };

/** A representative interface type of a generation, when only the generation is known. */
export function originOfGeneration(generation: AlipayGeneration): TradeOrigin {
  return {
    interfaceType: generation === 'legacy' ? 'legacy-direct' : 'openapi-page',
    exact: false,
    gateway: null,
    seller: null,
  };
}

/**
 * The origin recorded in a payment session's (or payment's) `data`: the plugin's `interface_type`,
 * `gateway` and `seller_email` / `seller_id`; for sessions created before these were recorded, the
 * generation inferred from the Alipay `interface` name. `null` when the data names no trade.
 */
export function tradeOriginOf(data: Record<string, unknown> | null | undefined): TradeOrigin | null {
  if (!data) return null;
  const recorded = data.interface_type;
  if (typeof recorded === 'string' && (INTERFACE_TYPES as readonly string[]).includes(recorded)) {
    const sellerKnown = 'seller_email' in data || 'seller_id' in data;
    const seller: SellerAccount = {};
    if (typeof data.seller_email === 'string' && data.seller_email) seller.email = data.seller_email;
    if (typeof data.seller_id === 'string' && data.seller_id) seller.id = data.seller_id;
    return {
      interfaceType: recorded as InterfaceType,
      exact: true,
      gateway: typeof data.gateway === 'string' && data.gateway ? data.gateway : null,
      seller: sellerKnown ? seller : null,
    };
  }
  const name = typeof data.interface === 'string' ? data.interface : undefined;
  if (!name) return null;
  const inferred = interfaceTypeOfPayment(name);
  if (!inferred) return null;
  return { interfaceType: inferred, exact: false, gateway: null, seller: null };
}
