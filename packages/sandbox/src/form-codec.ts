import {
  type AlipayCharset,
  encodeText,
  FormBodyError,
  normalizeCharset,
  parseFormBody,
} from '@alipay-commerce/core';

/**
 * URL and form encoding the way Alipay's Java gateway writes it (java.net.URLEncoder): bytes of the
 * merchant's charset, `A-Z a-z 0-9 . - * _` kept, space as `+`, everything else `%XX` (upper case).
 * Reading is done once, with the core's `parseFormBody`, falling back to a lossy decoder so that bytes
 * sent in the wrong charset end as a failed signature check (ILLEGAL_SIGN), as on the real gateway.
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

function lossyParse(bytes: Uint8Array, charset: AlipayCharset): Record<string, string> {
  // Decoding with replacement characters instead of failing: a GBK body read as UTF-8 must still yield
  // (garbled) values, so the signature check is what fails, exactly like Alipay's ILLEGAL_SIGN.
  const decoder = new TextDecoder(charset === 'utf-8' ? 'utf-8' : 'gbk', { fatal: false });
  const text = Buffer.from(bytes).toString('latin1');
  const result: Record<string, string> = Object.create(null);
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const decode = (s: string): string => {
      const plain = s.replace(/\+/g, ' ');
      const out: number[] = [];
      for (let i = 0; i < plain.length; i++) {
        if (plain[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(plain.slice(i + 1, i + 3))) {
          out.push(Number.parseInt(plain.slice(i + 1, i + 3), 16));
          i += 2;
        } else out.push(plain.charCodeAt(i) & 0xff);
      }
      return decoder.decode(Uint8Array.from(out));
    };
    result[decode(rawKey)] = decode(rawValue);
  }
  return result;
}

/** Parses one urlencoded part (query string or body) in `charset`. */
export function parseParams(bytes: Uint8Array, charset: AlipayCharset): Record<string, string> {
  if (bytes.byteLength === 0) return Object.create(null);
  try {
    return parseFormBody(bytes, `application/x-www-form-urlencoded; charset=${charset}`, {
      maxBytes: MAX_BODY_BYTES,
    });
  } catch (error) {
    if (error instanceof FormBodyError) {
      if (error.reason === 'invalid_bytes') return lossyParse(bytes, charset);
      if (error.reason === 'duplicate_key') throw new ParamsError('duplicate', error.message);
      if (error.reason === 'too_large') throw new ParamsError('too_large', error.message);
      if (error.reason === 'unsupported_charset') throw new ParamsError('charset', error.message);
      throw new ParamsError('malformed', error.message);
    }
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

/** The charset label normalised, or undefined if Alipay would not accept it. */
export function charsetOf(label: string | undefined): AlipayCharset | undefined {
  const cs = normalizeCharset(label);
  // gb18030 is not one of the charsets the gateway lists for `_input_charset`.
  return cs === 'gb18030' ? undefined : cs;
}
