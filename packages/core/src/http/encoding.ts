import { type AlipayCharset, encodeText } from '../charset';

/** Helpers shared by the legacy and OpenAPI clients to send the buyer's browser to a gateway. */

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

const SUB_DELIMS = /[!'()*]/g;

/** Percent-encodes text as bytes of the request charset (GBK merchants send GBK in the URL too). */
function percentEncode(value: string, charset: AlipayCharset): string {
  if (charset === 'utf-8') {
    try {
      // Native UTF-8 percent-encoding; it leaves !'()* alone, which UNRESERVED does not allow.
      return encodeURIComponent(value).replace(
        SUB_DELIMS,
        c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
    } catch {
      // A lone surrogate: fall through to the byte loop, which encodes it as U+FFFD like Buffer.from.
    }
  }
  let out = '';
  for (const byte of encodeText(value, charset)) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Encodes a query string (or form body) with every value percent-encoded in the request charset. */
export function encodeQuery(params: Record<string, string>, charset: AlipayCharset): string {
  return Object.keys(params)
    .map(key => `${percentEncode(key, charset)}=${percentEncode(params[key]!, charset)}`)
    .join('&');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML attribute or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => HTML_ESCAPES[c]!);
}

/** An auto-submitting form posting `params` to `action`, in `charset`. */
export function autoSubmitForm(action: string, params: Record<string, string>, charset: string): string {
  const inputs = Object.keys(params)
    .map(key => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(params[key]!)}"/>`)
    .join('');
  return (
    `<form id="alipaysubmit" name="alipaysubmit" action="${escapeHtml(action)}" method="POST" accept-charset="${escapeHtml(charset)}">` +
    `${inputs}<input type="submit" value="Pay with Alipay / 前往支付宝付款"/></form>` +
    `<script>document.forms['alipaysubmit'].submit();</script>`
  );
}
