import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * OpenAPI content encryption (接口内容加密, `encrypt_type=AES`): AES-CBC with a zero IV and PKCS#7
 * padding; the key is the base64 `encryptKey` from the Alipay console (16 bytes → AES-128).
 */

const ZERO_IV = Buffer.alloc(16, 0);

function cipherName(key: Buffer): 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' {
  if (key.length === 16) return 'aes-128-cbc';
  if (key.length === 24) return 'aes-192-cbc';
  if (key.length === 32) return 'aes-256-cbc';
  throw new TypeError('AES key must decode to 16, 24 or 32 bytes');
}

/** Encrypts `biz_content` (UTF-8 text) with the base64 AES key; returns base64 ciphertext. */
export function aesEncrypt(plaintext: string, encryptKeyBase64: string): string {
  const key = Buffer.from(encryptKeyBase64, 'base64');
  const cipher = createCipheriv(cipherName(key), key, ZERO_IV);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** Decrypts base64 ciphertext (an encrypted `<method>_response` value) with the base64 AES key. */
export function aesDecrypt(ciphertextBase64: string, encryptKeyBase64: string): string {
  const key = Buffer.from(encryptKeyBase64, 'base64');
  const decipher = createDecipheriv(cipherName(key), key, ZERO_IV);
  return Buffer.concat([decipher.update(Buffer.from(ciphertextBase64, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
