/**
 * One format for every log line of the plugin: what happened, then the identifiers a merchant or an
 * engineer searches for (our `out_trade_no`, cart, order, Alipay trade number). Never pass a key, a
 * signature, a raw body or buyer data.
 *
 * @packageDocumentation
 */

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

/** Line breaks and other control characters: C0, DEL, C1 and the Unicode line and paragraph separators. */
function isUnsafeInLog(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function escapeUnsafe(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += char.length === 1 && isUnsafeInLog(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

/**
 * Text for a log line: every control character (line breaks included: `\n`, `\r`, U+0085, U+2028,
 * U+2029) written as a `\uXXXX` escape, so that text from a request can never start a line of its
 * own; cut after `max` characters.
 */
export function logSafe(text: string, max = 2000): string {
  return escapeUnsafe(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * An identifier for a log line: as it is when it looks like one (`[\w.:-]`, at most 64 characters),
 * else JSON-quoted, cut after 64 characters and escaped as {@link logSafe} does.
 */
export function logSafeId(value: string): string {
  if (/^[\w.:-]{1,64}$/.test(value)) return value;
  return escapeUnsafe(JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value));
}
