import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { type KeyInput, toPrivateKey, toPublicKey } from './keys';

/** `RSA` = SHA1withRSA (legacy mapi and old OpenAPI apps); `RSA2` = SHA256withRSA (OpenAPI). */
export type RsaSignType = 'RSA' | 'RSA2';

function digestOf(type: RsaSignType): 'sha1' | 'sha256' {
  if (type === 'RSA2') return 'sha256';
  if (type === 'RSA') return 'sha1';
  throw new TypeError(`unsupported sign type ${JSON.stringify(type)}`);
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
    return cryptoVerify(
      digestOf(type),
      bytesOf(content),
      toPublicKey(publicKey),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}
