/**
 * One format for every log line of the plugin: what happened, then the identifiers a merchant or an
 * engineer searches for (our `out_trade_no`, cart, order, Alipay trade number). Never pass a key, a
 * signature, a raw body or buyer data.
 *
 * @packageDocumentation
 */

import { logSafe as coreLogSafe, logSafeId } from '@alipay-commerce/core';

/**
 * Identifiers a log line names. `outTradeNo` is ours (random since issue 15; the trade's start record
 * maps it to its payment session), `trade` is Alipay's `trade_no`.
 */
export interface LogIds {
  outTradeNo?: string | null;
  cart?: string | null;
  order?: string | null;
  trade?: string | null;
  provider?: string | null;
}

/**
 * `[alipay] <message> (out_trade_no at…, cart cart_…, trade 2026…)`; unknown IDs are written `-`.
 * IDs and message are made log-safe ({@link logSafeId}, {@link logSafe}): a notification's fields are
 * logged before it is verified, and must not be able to start a line of their own (log forging).
 */
export function logLine(message: string, ids: LogIds): string {
  const id = (value: string | null | undefined) => (value ? logSafeId(value) : '-');
  const parts = [`out_trade_no ${id(ids.outTradeNo)}`, `cart ${id(ids.cart)}`, `trade ${id(ids.trade)}`];
  if (ids.order) parts.push(`order ${id(ids.order)}`);
  if (ids.provider) parts.push(`provider ${id(ids.provider)}`);
  return `[alipay] ${logSafe(message)} (${parts.join(', ')})`;
}

/**
 * Medusa's lines quote whole messages (the core's bilingual hints, Medusa's own errors), so they are cut
 * later than the core's default for a single value.
 */
const MESSAGE_MAX_CHARS = 2000;

/**
 * Text for a log line: the core's {@link coreLogSafe} (every control character escaped, so that text from a
 * request can never start a line of its own), cut after `max` characters.
 */
export function logSafe(text: string, max = MESSAGE_MAX_CHARS): string {
  return coreLogSafe(text, max);
}

export { logSafeId };
