/** A parameter value as callers hold it; empty, null and undefined values are never signed. */
export type SignableValue = string | number | boolean | null | undefined;

/** Options of {@link buildSignString}. */
export interface SignStringOptions {
  /** Keys left out of the signed string. Default `['sign', 'sign_type']`. */
  exclude?: readonly string[];
}

const DEFAULT_EXCLUDE: readonly string[] = ['sign', 'sign_type'];

/**
 * The canonical string Alipay signs: drop the excluded keys (default `sign`, `sign_type`) and empty /
 * null / undefined values, sort the keys by UTF-16 code unit, join raw (not URL-encoded) `k=v` pairs
 * with `&`. Used by both generations: legacy MD5/RSA and OpenAPI RSA2.
 *
 * @example buildSignString({ service: 'test', partner: '123', sign: 'x' }) // 'partner=123&service=test'
 */
export function buildSignString(
  params: Readonly<Record<string, SignableValue>>,
  options: SignStringOptions = {},
): string {
  const exclude = options.exclude ?? DEFAULT_EXCLUDE;
  const keys: string[] = [];
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (value === undefined || value === null || value === '') continue;
    if (exclude.includes(key)) continue;
    keys.push(key);
  }
  // Array.prototype.sort compares strings by UTF-16 code units, which is Alipay's ASCII order for keys.
  keys.sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += `${i === 0 ? '' : '&'}${key}=${String(params[key])}`;
  }
  return out;
}
