import { type AlipayCharset, decodeText, encodeText, normalizeCharset } from '../charset';
import { FormBodyError } from '../errors';

/** Largest form body accepted by default (Alipay notifications are a few KiB). */
export const DEFAULT_MAX_FORM_BYTES = 64 * 1024;

/** Options of {@link parseFormBody}. */
export interface FormBodyOptions {
  /** Refuse bodies larger than this many bytes. Default 64 KiB. */
  maxBytes?: number;
}

const PLUS = 0x2b;
const SPACE = 0x20;
const PERCENT = 0x25;
const AMP = 0x26;
const EQUALS = 0x3d;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/**
 * Percent-decodes `bytes[start, end)` into `out` (from 0) and returns the byte count; `+` becomes a space
 * first, so `%2B` stays a `+`.
 */
function unescapeInto(bytes: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === PLUS) {
      out[n++] = SPACE;
    } else if (byte === PERCENT) {
      const hi = i + 2 < end ? hexValue(bytes[i + 1]!) : -1;
      const lo = hi >= 0 ? hexValue(bytes[i + 2]!) : -1;
      if (lo < 0) throw new FormBodyError('malformed', `bad percent escape at byte ${i}`);
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return n;
}

/** One field name or value: plain ASCII is read as is; anything else is unescaped, then decoded. */
function decodeField(
  bytes: Uint8Array,
  start: number,
  end: number,
  scratch: Uint8Array,
  charset: AlipayCharset,
): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === PLUS || byte === PERCENT || byte >= 0x80) {
      plain = false;
      break;
    }
  }
  // ASCII reads the same in UTF-8 and the GBK family.
  if (plain) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  return decodeText(scratch.subarray(0, unescapeInto(bytes, start, end, scratch)), charset);
}

function contentTypeCharset(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /(?:^|[;\s])charset\s*=\s*"?([A-Za-z0-9_-]+)"?/i.exec(contentType);
  return match?.[1];
}

/**
 * Finds a `charset=` or `_input_charset=` field in the still-encoded body (charset names are ASCII).
 * Never throws: an escape that is not valid UTF-8 (`charset=%E4`) is returned as written, which names no
 * charset, so {@link parseFormBody} refuses the body as `unsupported_charset`.
 */
function fieldCharset(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const match = /(?:^|&)(?:_input_charset|charset)=([A-Za-z0-9_%-]+)/.exec(text);
  const label = match?.[1];
  if (!label) return undefined;
  try {
    return decodeURIComponent(label);
  } catch {
    return label;
  }
}

function toBytes(raw: Uint8Array | string, charsetHint: AlipayCharset): Uint8Array {
  if (typeof raw !== 'string') return raw;
  // An already-text body: pure ASCII is the usual case; literal non-ASCII text is re-encoded in the
  // body's charset so it decodes back to the same characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for ASCII on purpose
  return /^[\x00-\x7f]*$/.test(raw) ? Buffer.from(raw, 'latin1') : encodeText(raw, charsetHint);
}

/**
 * Decodes an `application/x-www-form-urlencoded` body exactly once, as Alipay sends it: the charset comes
 * from the content type, else from a `charset` / `_input_charset` field, else UTF-8 (GBK, GB2312 and
 * GB18030 supported). `+` means space, `%2B` a literal plus. Duplicate keys, invalid escapes, bytes invalid
 * in the charset and bodies over `maxBytes` are refused with a {@link FormBodyError}.
 *
 * The result has no prototype, so a `__proto__` field is just a field.
 */
export function parseFormBody(
  raw: Uint8Array | string,
  contentType?: string,
  options: FormBodyOptions = {},
): Record<string, string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FORM_BYTES;
  const declared = contentTypeCharset(contentType);
  const rawLength = typeof raw === 'string' ? raw.length : raw.byteLength;
  if (rawLength > maxBytes)
    throw new FormBodyError('too_large', `body of ${rawLength} bytes exceeds ${maxBytes}`);

  let charset: AlipayCharset | undefined;
  if (declared !== undefined) {
    charset = normalizeCharset(declared);
    if (!charset)
      throw new FormBodyError('unsupported_charset', `unsupported charset ${JSON.stringify(declared)}`);
  }
  const bytes = toBytes(raw, charset ?? 'utf-8');
  if (bytes.byteLength > maxBytes) {
    throw new FormBodyError('too_large', `body of ${bytes.byteLength} bytes exceeds ${maxBytes}`);
  }
  if (!charset) {
    const field = fieldCharset(bytes);
    if (field !== undefined) {
      charset = normalizeCharset(field);
      if (!charset)
        throw new FormBodyError('unsupported_charset', `unsupported charset ${JSON.stringify(field)}`);
    }
  }
  const effective = charset ?? 'utf-8';

  const result: Record<string, string> = Object.create(null);
  // Unescaped bytes of one field at a time (never longer than the body).
  const scratch = new Uint8Array(bytes.byteLength);
  let start = 0;
  const length = bytes.byteLength;
  while (start <= length) {
    let end = start;
    while (end < length && bytes[end] !== AMP) end++;
    if (end > start) {
      let eq = start;
      while (eq < end && bytes[eq] !== EQUALS) eq++;
      let key: string;
      let value: string;
      try {
        key = decodeField(bytes, start, eq, scratch, effective);
        value = eq < end ? decodeField(bytes, eq + 1, end, scratch, effective) : '';
      } catch (error) {
        if (error instanceof FormBodyError) throw error;
        throw new FormBodyError('invalid_bytes', `bytes invalid in ${effective} near byte ${start}`);
      }
      if (key === '') throw new FormBodyError('malformed', `empty field name at byte ${start}`);
      if (Object.hasOwn(result, key))
        throw new FormBodyError('duplicate_key', `duplicate field ${JSON.stringify(key)}`);
      result[key] = value;
    }
    start = end + 1;
  }
  return result;
}

/** The charset a body was decoded with by {@link parseFormBody}, for callers that must re-encode values. */
export function formBodyCharset(raw: Uint8Array | string, contentType?: string): AlipayCharset {
  const declared = normalizeCharset(contentTypeCharset(contentType));
  if (declared) return declared;
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  return normalizeCharset(fieldCharset(bytes)) ?? 'utf-8';
}
