import { type AlipayCharset, charsetOf, decodeText, encodeText } from './charset';

export { charsetOf };

/**
 * URL and form encoding the way Alipay's Java gateway writes it (java.net.URLEncoder): bytes of the
 * merchant's charset, `A-Z a-z 0-9 . - * _` kept, space as `+`, everything else `%XX` (upper case).
 * Reading is the sandbox's own (not the core's parser, which it exists to check): strict first, then
 * lossy, so that bytes sent in the wrong charset end as a failed signature check (ILLEGAL_SIGN), as on
 * the real gateway.
 */

const SAFE = /[A-Za-z0-9.\-*_]/;

/** Percent-encodes text in the given charset, URLEncoder style. */
export function urlEncode(text: string, charset: AlipayCharset = 'utf-8'): string {
  let out = '';
  for (const ch of text) {
    if (SAFE.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else
      for (const byte of encodeText(ch, charset))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `k=v&k=v` in the given charset, in the order given. */
export function encodeForm(
  params: Readonly<Record<string, string>>,
  charset: AlipayCharset = 'utf-8',
): string {
  return Object.entries(params)
    .map(([k, v]) => `${urlEncode(k, charset)}=${urlEncode(v, charset)}`)
    .join('&');
}

/** Appends form parameters to a URL that has no query string of its own (Alipay forbids one). */
export function appendQuery(
  url: string,
  params: Readonly<Record<string, string>>,
  charset: AlipayCharset,
): string {
  const query = encodeForm(params, charset);
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Why parameters could not be read at all. */
export class ParamsError extends Error {
  constructor(
    readonly reason: 'charset' | 'duplicate' | 'malformed' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

/** A field's bytes after `+` → space and `%XX` → byte; a `%` without two hex digits is refused when strict. */
function unescapeField(field: string, strict: boolean): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const ch = field[i]!;
    if (ch === '+') bytes.push(0x20);
    else if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(field.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(field.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === '%' && strict) throw new ParamsError('malformed', `bad percent escape in ${field}`);
    else bytes.push(field.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(bytes);
}

/** Reads `k=v&k=v`; `strict` refuses bad escapes and bytes invalid in the charset (a TypeError). */
function readParams(bytes: Uint8Array, charset: AlipayCharset, strict: boolean): Record<string, string> {
  const result: Record<string, string> = Object.create(null);
  // Latin-1 keeps one character per byte, so escapes and raw bytes are read alike.
  for (const part of Buffer.from(bytes).toString('latin1').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeText(unescapeField(eq < 0 ? part : part.slice(0, eq), strict), charset, strict);
    const value = decodeText(unescapeField(eq < 0 ? '' : part.slice(eq + 1), strict), charset, strict);
    if (strict && key === '') throw new ParamsError('malformed', 'a parameter has no name');
    if (strict && Object.hasOwn(result, key)) throw new ParamsError('duplicate', `parameter ${key} repeated`);
    result[key] = value;
  }
  return result;
}

/** Parses one urlencoded part (query string or body) in `charset`. */
export function parseParams(bytes: Uint8Array, charset: AlipayCharset): Record<string, string> {
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new ParamsError('too_large', `body of ${bytes.byteLength} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  try {
    return readParams(bytes, charset, true);
  } catch (error) {
    // Bytes invalid in the charset: read them lossily; the signature check is what fails then.
    if (error instanceof TypeError) return readParams(bytes, charset, false);
    throw error;
  }
}

/** Largest request body the gateways read (a 1000-item refund batch fits easily). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Finds `name=value` in still-encoded bytes (charset names are ASCII), without decoding the rest. */
export function peekField(bytes: Uint8Array, name: string): string | undefined {
  const text = Buffer.from(bytes).toString('latin1');
  const re = new RegExp(`(?:^|&)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=([^&]*)`);
  const m = re.exec(text);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!.replace(/\+/g, ' '));
  } catch {
    return m[1];
  }
}

/**
 * Merges query and body parameters. A key present in both must carry the same value (the 2009 demo
 * repeats `_input_charset` in the form action and in the form); a conflict is refused.
 */
export function mergeParams(
  query: Record<string, string>,
  body: Record<string, string>,
): Record<string, string> {
  const merged: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(query)) merged[k] = v;
  for (const [k, v] of Object.entries(body)) {
    if (k in merged && merged[k] !== v)
      throw new ParamsError('duplicate', `parameter ${k} differs between URL and body`);
    merged[k] = v;
  }
  return merged;
}
