/**
 * Text for log lines and admin messages that every adapter writes the same way: request text made safe for
 * one log line (no log forging), and the text of an error (the core's errors never carry secrets).
 *
 * @packageDocumentation
 */
import { AlipayError, AlipayGatewayError } from './errors';

/** Line breaks and other control characters: C0, DEL, C1 and the Unicode line/paragraph separators. */
function isUnsafeInLog(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function escapeUnsafe(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isUnsafeInLog(code) ? `\\u${code.toString(16).padStart(4, '0')}` : text[i];
  }
  return out;
}

/** How many characters {@link logSafe} keeps by default: enough for a quoted field or an error message. */
export const LOG_SAFE_MAX_CHARS = 300;

/**
 * Text from a request (an unverified trade number, a URL segment, a message quoting a field) made safe
 * for one log line: control characters and line breaks (`\n`, `\r`, U+0085, U+2028, U+2029…) escaped as
 * `\uXXXX`, cut after `max` characters (with `…`). A forged value can then never start a log line of its
 * own (log forging). Pass a larger `max` for a whole message that embeds such text.
 */
export function logSafe(text: string, max = LOG_SAFE_MAX_CHARS): string {
  return escapeUnsafe(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * An identifier for a log line: as it is when it looks like one (`[\w.:-]`, at most 64 characters), else
 * JSON-quoted, cut after 64 characters and escaped as {@link logSafe} does.
 */
export function logSafeId(value: string): string {
  if (/^[\w.:-]{1,64}$/.test(value)) return value;
  return escapeUnsafe(JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value));
}

/**
 * The codes of an error for a message: the core's code, plus Alipay's code and sub-code when Alipay
 * answered (`GATEWAY_ERROR / ACQ.TRADE_NOT_EXIST`); the core's code alone for its other errors;
 * `UNEXPECTED` for anything else.
 */
export function gatewayDetail(error: unknown): string {
  if (error instanceof AlipayGatewayError) {
    return [error.code, error.gatewayCode, error.subCode].filter(Boolean).join(' / ');
  }
  if (error instanceof AlipayError) return error.code;
  return 'UNEXPECTED';
}

/**
 * The text of an error for a log line or an admin message: for an answer of Alipay its codes and the
 * core's English hint (`GATEWAY_ERROR (ACQ.TRADE_NOT_EXIST): …`), for the core's other errors the code and
 * message, else the error's name and message. The core's errors never carry a key or a signature, so the
 * text is safe to log; text of other errors is the caller's to make log-safe ({@link logSafe}).
 */
export function describeError(error: unknown): string {
  if (error instanceof AlipayGatewayError) {
    return `${error.code} (${[error.gatewayCode, error.subCode].filter(Boolean).join(' / ')}): ${error.hint.en}`;
  }
  if (error instanceof AlipayError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
