import { MAX_FEN, MIN_FEN, parseYuan } from './amounts';
import type { AlipayCharset } from './charset';
import { charsetOf, mergeParams, ParamsError, parseParams, peekField } from './form-codec';
import { isMultipart, MultipartError, parseMultipart } from './multipart';

/**
 * A legacy (mapi) request as the gateway reads it: query and body (form or multipart) merged in the
 * declared `_input_charset`, the error type carrying Alipay's codes, and the parameter checks every
 * interface shares.
 */

/** Logistics types the escrow interfaces accept (create and send_goods_confirm_by_platform). */
export const LOGISTICS_TYPES = ['POST', 'EXPRESS', 'EMS', 'DIRECT'];

/** A gateway error with Alipay's code; `detail` is the sandbox's hint for humans. */
export class LegacyError extends Error {
  constructor(
    readonly code: string,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

/** Throws a {@link LegacyError}; typed `never` so checks read as guards. */
export const legacyFail = (code: string, detail?: string): never => {
  throw new LegacyError(code, detail);
};

/** A parsed legacy request. */
export interface LegacyRequest {
  params: Record<string, string>;
  charset: AlipayCharset;
  method: string;
}

/**
 * Reads a request's parameters. An unsupported or undecodable charset comes back as `error` (with the
 * parameters read as UTF-8 when possible, so the error page can still name partner and service).
 */
export function readLegacyRequest(
  query: Buffer,
  body: Buffer,
  contentType: string | undefined,
): { request?: LegacyRequest; charsetLabel?: string; error?: LegacyError } {
  let parts: Array<[string, Buffer]> | undefined;
  if (body.length > 0 && isMultipart(contentType)) {
    try {
      parts = parseMultipart(body, contentType!);
    } catch (error) {
      if (error instanceof MultipartError)
        return { error: new LegacyError('ILLEGAL_ARGUMENT', error.message) };
      throw error;
    }
  }
  const bodyLabel = parts
    ? parts.find(([name]) => name === '_input_charset')?.[1].toString('latin1')
    : peekField(body, '_input_charset');
  const label = peekField(query, '_input_charset') ?? bodyLabel;
  const charset = label === undefined ? 'utf-8' : charsetOf(label);
  // An unsupported charset still needs parameters for the error page's partner/service: read as UTF-8.
  const decodeAs = charset ?? 'utf-8';
  try {
    const bodyParams = parts ? multipartParams(parts, decodeAs) : parseParams(body, decodeAs);
    // Query and body merge the same way whatever the body's encoding (a conflict is refused).
    const params = mergeParams(parseParams(query, decodeAs), bodyParams);
    const request: LegacyRequest = { params, charset: decodeAs, method: 'GET' };
    if (label !== undefined && !charset)
      return { request, charsetLabel: label, error: new LegacyError('ILLEGAL_CHARSET') };
    if (label === undefined) return { request };
    return { request, charsetLabel: label };
  } catch (error) {
    if (error instanceof ParamsError) {
      return {
        error: new LegacyError(
          error.reason === 'charset' ? 'ILLEGAL_CHARSET' : 'ILLEGAL_ARGUMENT',
          error.message,
        ),
      };
    }
    throw error;
  }
}

/**
 * Multipart values are raw bytes in the request charset. Decoded without failing: bytes sent in another
 * charset than declared become garbage and fail the signature check (ILLEGAL_SIGN), as on Alipay.
 */
function multipartParams(parts: Array<[string, Buffer]>, charset: AlipayCharset): Record<string, string> {
  const decoder = new TextDecoder(charset === 'utf-8' ? 'utf-8' : 'gbk', { fatal: false });
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of parts) params[name] = decoder.decode(value);
  return params;
}

/** A required parameter; ILLEGAL_ARGUMENT when missing or empty. */
export function requiredParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '')
    legacyFail('ILLEGAL_ARGUMENT', `${name} is required / ${name} 不能为空`);
  return value!;
}

/** A required yuan amount within Alipay's range (0.00 allowed for fees and discounts when told). */
export function amountParam(params: Record<string, string>, name: string, allowZero = false): number {
  const text = requiredParam(params, name);
  const fen = parseYuan(text);
  if (fen === undefined || fen > MAX_FEN || (!allowZero && fen < MIN_FEN)) {
    legacyFail(
      'ILLEGAL_ARGUMENT',
      `${name} must be a yuan amount with at most 2 decimals in 0.01–100000000.00, got ${text}`,
    );
  }
  return fen!;
}
