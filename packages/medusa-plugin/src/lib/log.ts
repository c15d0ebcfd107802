/**
 * One format for every log line of the plugin: what happened, then the identifiers a merchant or an
 * engineer searches for (payment session, cart, order, Alipay trade number). Never pass a key, a
 * signature, a raw body or buyer data.
 *
 * @packageDocumentation
 */

/** Identifiers a log line names. `session` doubles as our `out_trade_no`. */
export interface LogIds {
  session?: string | null;
  cart?: string | null;
  order?: string | null;
  trade?: string | null;
  provider?: string | null;
}

/** `[alipay] <message> (session payses_…, cart cart_…, trade 2026…)`; unknown IDs are written `-`. */
export function logLine(message: string, ids: LogIds): string {
  const parts = [`session ${ids.session || '-'}`, `cart ${ids.cart || '-'}`, `trade ${ids.trade || '-'}`];
  if (ids.order) parts.push(`order ${ids.order}`);
  if (ids.provider) parts.push(`provider ${ids.provider}`);
  return `[alipay] ${message} (${parts.join(', ')})`;
}
