/** A parameter value as callers hold it; empty, null and undefined values are never signed. */
export type SignableValue = string | number | boolean | null | undefined;

/** Options of {@link buildSignString}. */
export interface SignStringOptions {
  /** Keys left out of the signed string. Default `['sign', 'sign_type']`. */
  exclude?: readonly string[];
  /**
   * Keep keys whose value is the empty string, as `k=` (null and undefined are still left out). Alipay
   * signs without them; some official clients (Node `checkNotifySignV2`, python-alipay-sdk, the Java
   * SDK's `getSignCheckContentV1`) keep them. Only {@link verifyOpenApiNotification}'s second attempt
   * uses this. Default false.
   */
  keepEmpty?: boolean;
}

const DEFAULT_EXCLUDE: readonly string[] = ['sign', 'sign_type'];

/**
 * Sorted key orders of the parameter shapes seen last (same keys, same insertion order). A notify
 * handler sees the same few shapes over and over, so sorting — the larger part of building the string —
 * is done once per shape; checking a shape is a pointer comparison per key (property names are
 * internalized). Bounded: at most {@link MAX_SHAPES} shapes of at most {@link MAX_SHAPE_KEYS} keys.
 */
const MAX_SHAPES = 16;
const MAX_SHAPE_KEYS = 64;
const shapeKeys: string[][] = [];
const shapeSorted: string[][] = [];

function sortedKeysOf(params: object): readonly string[] {
  const keys = Object.keys(params);
  search: for (let s = 0; s < shapeKeys.length; s++) {
    const known = shapeKeys[s]!;
    if (known.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (known[i] !== keys[i]) continue search;
    return shapeSorted[s]!;
  }
  // Array.prototype.sort compares strings by UTF-16 code units, which is Alipay's ASCII order for keys.
  const sorted = keys.slice().sort();
  if (keys.length <= MAX_SHAPE_KEYS) {
    if (shapeKeys.length === MAX_SHAPES) {
      shapeKeys.shift();
      shapeSorted.shift();
    }
    shapeKeys.push(keys);
    shapeSorted.push(sorted);
  }
  return sorted;
}

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
  const keepEmpty = options.keepEmpty === true;
  // Sorting all keys and then dropping some gives the same order as dropping first.
  const keys = sortedKeysOf(params);
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = params[key];
    if (value === undefined || value === null || (value === '' && !keepEmpty) || exclude.includes(key))
      continue;
    out += `${out === '' ? '' : '&'}${key}=${String(value)}`;
  }
  return out;
}
