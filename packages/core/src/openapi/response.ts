import type { KeyInput } from '../sign/keys';
import { rsaVerify } from '../sign/rsa';

/**
 * Synchronous OpenAPI answers: `{"<method>_response":{…},"sign":"…","alipay_cert_sn":"…"}`. Alipay signs
 * the raw JSON text of the `<method>_response` (or `error_response`) value exactly as it sent it, so the
 * text is cut out of the body byte for byte — never parsed and re-serialized, which would turn `\/` into
 * `/`, reorder keys or change whitespace and break the signature (notes B4, pitfall D9).
 */

/** The parts of an OpenAPI answer that the signature covers, cut out of the raw body. */
export interface SignedResponseParts {
  /**
   * The raw JSON text of the response value as received: an object (`{"code":"10000",…}`) or, for an
   * AES-encrypted answer, a JSON string including its quotes (`"base64…"`), which is what Alipay signs.
   */
  content: string;
  /** The top-level `sign` (base64), or null when Alipay sent none (it omits it on some errors). */
  sign: string | null;
  /** Which key held the content: `<method>_response`, or `error_response`. */
  responseKey: string;
  /** The top-level `alipay_cert_sn` (certificate mode: the SN of the certificate Alipay signed with). */
  alipayCertSn: string | undefined;
}

/** `alipay.trade.query` → `alipay_trade_query_response`: the key Alipay puts a method's answer under. */
export function openApiResponseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** The key Alipay uses instead of the method's own when the gateway refuses a call outright. */
export const OPENAPI_ERROR_RESPONSE_KEY = 'error_response';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipWhitespace(text: string, index: number): number {
  let i = index;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** `text[index]` is `"`: the index just past the closing quote, or -1 when the string never ends. */
function scanString(text: string, index: number): number {
  for (let i = index + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // An escape always consumes the next character, so `\"` and `\\` never end or confuse the string.
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i + 1;
  }
  return -1;
}

/**
 * The end of the JSON value starting at `index` (exclusive), or -1 when it is cut off. Objects and arrays
 * are matched by depth; braces inside strings do not count because strings are skipped whole.
 */
function scanValue(text: string, index: number): number {
  const first = text[index];
  if (first === '"') return scanString(text, index);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = index; i < text.length; ) {
      const char = text[i];
      if (char === '"') {
        i = scanString(text, i);
        if (i < 0) return -1;
        continue;
      }
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A literal (number, true, false, null): up to the next delimiter.
  let i = index;
  while (i < text.length && !isWhitespace(text.charCodeAt(i)) && !',}]'.includes(text[i]!)) i++;
  return i > index ? i : -1;
}

/**
 * The top-level members of a JSON object as raw text slices, first occurrence of each key kept (a repeated
 * key must not let a second, unsigned value replace the signed one). Null when the text is not one object.
 */
function topLevelMembers(text: string): Map<string, string> | null {
  let i = skipWhitespace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[i] !== '{') return null;
  const members = new Map<string, string>();
  i = skipWhitespace(text, i + 1);
  if (text[i] === '}') return skipWhitespace(text, i + 1) === text.length ? members : null;
  for (;;) {
    if (text[i] !== '"') return null;
    const keyEnd = scanString(text, i);
    if (keyEnd < 0) return null;
    let key: unknown;
    try {
      key = JSON.parse(text.slice(i, keyEnd));
    } catch {
      return null;
    }
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') return null;
    i = skipWhitespace(text, i + 1);
    const valueEnd = scanValue(text, i);
    if (valueEnd < 0) return null;
    if (!members.has(key as string)) members.set(key as string, text.slice(i, valueEnd));
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    if (text[i] !== '}') return null;
    return skipWhitespace(text, i + 1) === text.length ? members : null;
  }
}

/** The decoded value of a raw JSON string member; undefined when absent or not a string. */
function stringMember(members: Map<string, string>, key: string): string | undefined {
  const raw = members.get(key);
  if (raw === undefined || !raw.startsWith('"')) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cuts the signed part out of a raw OpenAPI answer: the raw JSON text of `<method with . → _>_response`
 * (or, when the gateway refused the call, of `error_response`), byte for byte, plus the top-level `sign`
 * (null when there is none). A small scanner walks the top level and respects string escapes, so nested
 * objects, braces inside strings, escaped `\/`, pretty-printing and either order of `sign` and the
 * response key are all handled. Returns null when the body is not one JSON object holding an object
 * (or, for encrypted answers, a string) under either key.
 *
 * @example extractSignedResponse('{"alipay_trade_query_response":{"code":"10000"},"sign":"abc"}', 'alipay.trade.query')
 * // → { content: '{"code":"10000"}', sign: 'abc', responseKey: 'alipay_trade_query_response', … }
 */
export function extractSignedResponse(rawBody: string, method: string): SignedResponseParts | null {
  const members = topLevelMembers(rawBody);
  if (!members) return null;
  for (const responseKey of [openApiResponseKey(method), OPENAPI_ERROR_RESPONSE_KEY]) {
    const content = members.get(responseKey);
    if (content === undefined) continue;
    if (!content.startsWith('{') && !content.startsWith('"')) return null;
    return {
      content,
      sign: stringMember(members, 'sign') || null,
      responseKey,
      alipayCertSn: stringMember(members, 'alipay_cert_sn'),
    };
  }
  return null;
}

/**
 * True when the raw answer carries a `sign` that verifies (SHA256withRSA) over the raw response text with
 * Alipay's public key — in certificate mode the key of `alipayCertPublicKey_RSA2.crt`. False for every
 * failure: no sign, unreadable body, wrong key, tampered text.
 */
export function verifyOpenApiResponse(rawBody: string, method: string, alipayPublicKey: KeyInput): boolean {
  const parts = extractSignedResponse(rawBody, method);
  if (!parts?.sign) return false;
  return rsaVerify(parts.content, parts.sign, alipayPublicKey, 'RSA2');
}
