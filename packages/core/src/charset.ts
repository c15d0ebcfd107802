import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';

/** The charsets Alipay uses for `_input_charset` / `charset`. */
export type AlipayCharset = 'utf-8' | 'gbk' | 'gb2312' | 'gb18030';

const ALIASES: Record<string, AlipayCharset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  cp936: 'gbk',
  gb2312: 'gb2312',
  gb18030: 'gb18030',
};

/** Normalizes a charset label (`UTF-8`, `GBK`, `utf8`) or returns undefined when Alipay does not use it. */
export function normalizeCharset(label: string | undefined | null): AlipayCharset | undefined {
  if (!label) return undefined;
  const key = label.trim().toLowerCase();
  // Own keys only: a request may declare `charset=constructor`, which every object inherits.
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}

/** Text → bytes in the given charset (GBK family through iconv-lite; Node has no GBK encoder). */
export function encodeText(text: string, charset: AlipayCharset = 'utf-8'): Uint8Array {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  // gb2312 is a subset of GBK: encode with GBK so that characters outside GB2312 still survive.
  return iconv.encode(text, charset === 'gb18030' ? 'gb18030' : 'gbk');
}

const decoders = new Map<AlipayCharset, TextDecoder>();

/**
 * Bytes → text in the given charset. Throws a `TypeError` on byte sequences that are invalid in that
 * charset (fatal decoding), so corrupted input is refused rather than silently replaced.
 */
export function decodeText(bytes: Uint8Array, charset: AlipayCharset = 'utf-8'): string {
  let decoder = decoders.get(charset);
  if (!decoder) {
    // WHATWG maps gbk/gb2312 labels to GBK decoding (a superset), which is what Alipay sends.
    decoder = new TextDecoder(charset === 'gb2312' ? 'gbk' : charset, { fatal: true, ignoreBOM: true });
    decoders.set(charset, decoder);
  }
  return decoder.decode(bytes);
}
