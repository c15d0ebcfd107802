import { type AlipayCharset, encodeText } from './charset';

/** Small parameter checks shared by both gateways. */

/** Byte length of text in a charset (Alipay limits `subject` and `body` in bytes). */
export function byteLength(text: string, charset: AlipayCharset): number {
  return encodeText(text, charset).byteLength;
}

/**
 * A notify_url/return_url Alipay accepts: absolute http(s), no query string of the merchant's own (the
 * 2009 demo: "不能加?id=123这类自定义参数"), no fragment.
 */
export function isCallbackUrl(text: string): boolean {
  if (text.includes('?') || text.includes('#')) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** An absolute http(s) URL (queries allowed), e.g. `show_url`, `quit_url`. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
