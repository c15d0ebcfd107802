import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { type KeyInput, toPrivateKey, toPublicKey } from './keys';

/** `RSA` = SHA1withRSA (legacy mapi and old OpenAPI apps); `RSA2` = SHA256withRSA (OpenAPI). */
export type RsaSignType = 'RSA' | 'RSA2';

function digestOf(type: RsaSignType): 'sha1' | 'sha256' {
  if (type === 'RSA2') return 'sha256';
  if (type === 'RSA') return 'sha1';
  throw new TypeError(`unsupported sign type ${JSON.stringify(type)}`);
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/** Standard padded base64 → bytes in JS; anything unusual goes to Buffer.from's lenient decoder. */
function base64Bytes(text: string): Uint8Array {
  let end = text.length;
  if (end % 4 !== 0) return Buffer.from(text, 'base64');
  if (text.charCodeAt(end - 1) === 0x3d) end--;
  if (text.charCodeAt(end - 1) === 0x3d) end--;
  const out = Buffer.allocUnsafe((end * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? B64[code]! : -1;
    if (value < 0) return Buffer.from(text, 'base64');
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

/**
 * PKCS#1 v1.5 signature over `content` (UTF-8 text, or bytes in another charset), as standard base64.
 * The key may be PEM (PKCS#1/PKCS#8) or bare base64; it is parsed once and cached.
 */
export function rsaSign(content: string | Uint8Array, privateKey: KeyInput, type: RsaSignType): string {
  return cryptoSign(digestOf(type), bytesOf(content), toPrivateKey(privateKey)).toString('base64');
}

/**
 * Verifies a base64 PKCS#1 v1.5 signature. Returns false (never throws) for a wrong signature, bad base64
 * or an unusable key, so callers can treat every failure alike.
 */
export function rsaVerify(
  content: string | Uint8Array,
  signature: string,
  publicKey: KeyInput,
  type: RsaSignType,
): boolean {
  if (typeof signature !== 'string' || signature.length === 0) return false;
  try {
    return cryptoVerify(digestOf(type), bytesOf(content), toPublicKey(publicKey), base64Bytes(signature));
  } catch {
    return false;
  }
}
