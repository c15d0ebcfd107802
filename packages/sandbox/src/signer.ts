import { buildSignString, md5Sign, md5Verify, rsaSign, rsaVerify } from '@alipay-commerce/core/primitives';
import { type AlipayCharset, encodeText } from './charset';
import type { App, Merchant } from './config';

/**
 * The sandbox side of signing: verifying what merchants send and signing what "Alipay" sends back.
 * Only the core's primitives are used (canonical string, MD5, RSA), never its client code.
 */

/** Spoils a signature the way a man-in-the-middle would: same length and alphabet, different value. */
export function tamper(sign: string): string {
  if (sign.length === 0) return 'x';
  const i = Math.floor(sign.length / 2);
  const c = sign[i]!;
  const replacement =
    c === 'a' ? 'b' : c === 'A' ? 'B' : /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : 'a';
  return sign.slice(0, i) + replacement + sign.slice(i + 1);
}

/** Verifies a legacy request: MD5 with the partner's key, or RSA (SHA1) with the partner's public key. */
export function verifyLegacy(
  params: Record<string, string>,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
  charset: AlipayCharset,
): boolean {
  if (signType === 'MD5') return md5Verify(params, merchant.key, { charset });
  return rsaVerify(
    encodeText(buildSignString(params), charset),
    params['sign'] ?? '',
    merchant.rsaPublicKey,
    'RSA',
  );
}

/**
 * Signs legacy parameters Alipay sends (notify, return, XML): MD5 with the partner's key, or RSA with
 * Alipay's legacy private key. Returns the parameters with `sign` and `sign_type` added.
 */
export function signLegacy(
  params: Record<string, string>,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
  charset: AlipayCharset,
  legacyRsaPrivateKey: string,
  spoil = false,
): Record<string, string> {
  const sign =
    signType === 'MD5'
      ? md5Sign(params, merchant.key, { charset })
      : rsaSign(encodeText(buildSignString(params), charset), legacyRsaPrivateKey, 'RSA');
  return { ...params, sign: spoil ? tamper(sign) : sign, sign_type: signType };
}

/** The string the OpenAPI gateway verifies: every parameter but `sign` (so `sign_type` is signed). */
export function openApiRequestPresign(params: Record<string, string>): string {
  return buildSignString(params, { exclude: ['sign'] });
}

/** Verifies an OpenAPI request signature with the app's public key. */
export function verifyOpenApi(
  params: Record<string, string>,
  app: App,
  signType: 'RSA' | 'RSA2',
  charset: AlipayCharset,
): boolean {
  return rsaVerify(
    encodeText(openApiRequestPresign(params), charset),
    params['sign'] ?? '',
    app.publicKey,
    signType,
  );
}

/**
 * Signs OpenAPI notify/return parameters with the app's "Alipay" private key: everything but `sign` and
 * `sign_type` (trade notifications exclude `sign_type`).
 */
export function signOpenApiParams(
  params: Record<string, string>,
  app: App,
  charset: AlipayCharset,
  spoil = false,
): Record<string, string> {
  const sign = rsaSign(encodeText(buildSignString(params), charset), app.alipayPrivateKey, 'RSA2');
  return { ...params, sign: spoil ? tamper(sign) : sign, sign_type: 'RSA2' };
}

/** Signs a response text (the raw JSON of `<method>_response`) with the app's "Alipay" private key. */
export function signOpenApiText(
  text: string,
  app: App,
  signType: 'RSA' | 'RSA2',
  charset: AlipayCharset,
): string {
  return rsaSign(encodeText(text, charset), app.alipayPrivateKey, signType);
}
