import { hash } from 'node:crypto';
import { type AlipayCharset, encodeText, normalizeCharset } from '../charset';
import { buildSignString, type SignableValue } from './canonical';

/** Options of {@link md5Sign} and {@link md5Verify}. */
export interface Md5Options {
  /** The `_input_charset` whose bytes are hashed: `utf-8` (default), `gbk` or `gb2312`. */
  charset?: AlipayCharset | string;
}

function charsetOf(options: Md5Options): AlipayCharset {
  const charset = normalizeCharset(options.charset ?? 'utf-8');
  if (!charset) throw new TypeError(`unsupported charset ${JSON.stringify(options.charset)}`);
  return charset;
}

/**
 * Legacy (mapi) MD5 signature: `md5(buildSignString(params) + key)` over the bytes of `charset`, as
 * lowercase hex. The key is appended directly, with no separator.
 */
export function md5Sign(
  params: Readonly<Record<string, SignableValue>>,
  key: string,
  options: Md5Options = {},
): string {
  const text = buildSignString(params) + key;
  const charset = charsetOf(options);
  // One-shot hash (Node ≥ 20.12): a UTF-8 string is encoded natively, with no Hash object nor Buffer.
  return hash('md5', charset === 'utf-8' ? text : encodeText(text, charset), 'hex');
}

/**
 * Checks `params.sign` against {@link md5Sign} of the other parameters, in constant time. Returns false
 * (never throws) for a missing or malformed signature.
 */
export function md5Verify(
  params: Readonly<Record<string, SignableValue>>,
  key: string,
  options: Md5Options = {},
): boolean {
  const given = params['sign'];
  if (typeof given !== 'string' || given.length !== 32) return false;
  const actual = given.toLowerCase();
  if (actual.length !== 32) return false;
  const expected = md5Sign(params, key, options);
  // Constant-time comparison of the two 32-character strings, without allocating Buffers.
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= actual.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
