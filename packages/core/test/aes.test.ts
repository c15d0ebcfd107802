import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesDecrypt, aesEncrypt } from '../src/sign/aes';
import { vectors } from './fixtures/openapi/vectors';

describe('AES content encryption (encrypt_type=AES)', () => {
  const [vector] = vectors.aes;

  it('matches the derived vector (AES-128-CBC, zero IV, PKCS#7, base64)', () => {
    expect(aesEncrypt(vector!.plaintext, vector!.aesKeyBase64)).toBe(vector!.expectedCiphertextBase64);
    expect(aesDecrypt(vector!.expectedCiphertextBase64, vector!.aesKeyBase64)).toBe(vector!.plaintext);
  });

  it('round-trips UTF-8 text for 128-, 192- and 256-bit keys', () => {
    const text = '{"subject":"测试商品 🛒","total_amount":"0.01","memo":"a/b\\\\c"}';
    for (const bytes of [16, 24, 32]) {
      const key = randomBytes(bytes).toString('base64');
      const cipher = aesEncrypt(text, key);
      expect(cipher).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(aesDecrypt(cipher, key)).toBe(text);
    }
  });

  it('is deterministic (zero IV), so equal plaintexts give equal ciphertexts', () => {
    const key = randomBytes(16).toString('base64');
    expect(aesEncrypt('same', key)).toBe(aesEncrypt('same', key));
    expect(aesEncrypt('', key)).toHaveLength(24); // one padding block
  });

  it('refuses keys of other lengths and fails to decrypt with the wrong key', () => {
    expect(() => aesEncrypt('x', Buffer.alloc(15).toString('base64'))).toThrow(TypeError);
    const cipher = aesEncrypt(vector!.plaintext, vector!.aesKeyBase64);
    const wrong = randomBytes(16).toString('base64');
    let decrypted: string | undefined;
    try {
      decrypted = aesDecrypt(cipher, wrong);
    } catch {
      decrypted = undefined; // bad padding: the usual outcome
    }
    expect(decrypted).not.toBe(vector!.plaintext);
  });
});
