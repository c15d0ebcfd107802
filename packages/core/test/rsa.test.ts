import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cachedKeyCount, toPrivateKey, toPublicKey } from '../src/sign/keys';
import { rsaSign, rsaVerify } from '../src/sign/rsa';
import { sharedVectors } from './helpers/vectors';

const derived = sharedVectors('derived-by-us.json');
const v3 = derived.vectors.find((v: { id: string }) => v.id === 'openapi-v3-authorization');

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const pkcs1Public = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const bare = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

describe('rsaSign: known answer (RSA2 over the v3 sign string)', () => {
  it('SHA256withRSA, PKCS#1 v1.5, base64', () => {
    expect(rsaSign(v3.expectedSignString, derived.keys.yansongdaAppPrivate, 'RSA2')).toBe(v3.expectedSign);
    expect(
      rsaVerify(v3.expectedSignString, v3.expectedSign, derived.keys.yansongdaAppPublicDerived, 'RSA2'),
    ).toBe(true);
  });
  it('RSA means SHA1withRSA', () => {
    const sig = rsaSign('partner=2088&service=x', pkcs8, 'RSA');
    expect(verify('sha1', Buffer.from('partner=2088&service=x'), publicKey, Buffer.from(sig, 'base64'))).toBe(
      true,
    );
    expect(
      verify('sha256', Buffer.from('partner=2088&service=x'), publicKey, Buffer.from(sig, 'base64')),
    ).toBe(false);
    expect(rsaVerify('partner=2088&service=x', sig, spki, 'RSA2')).toBe(false);
    expect(rsaVerify('partner=2088&service=x', sig, spki, 'RSA')).toBe(true);
  });
});

describe('key formats', () => {
  const content = 'app_id=2021000000000000&method=alipay.trade.query';
  const reference = rsaSign(content, privateKey, 'RSA2');
  it.each([
    ['PKCS#8 PEM', pkcs8],
    ['PKCS#1 PEM', pkcs1],
    ['bare base64 PKCS#8 (key tool)', bare(pkcs8)],
    ['bare base64 PKCS#1', bare(pkcs1)],
    ['bare base64 with line breaks', bare(pkcs8).replace(/(.{64})/g, '$1\n')],
    // A single-line form field (Vendure's password input) or a one-line env var drops the line breaks.
    ['PKCS#8 PEM on one line', pkcs8.replace(/\n/g, '')],
    ['PKCS#1 PEM with spaces for line breaks', pkcs1.replace(/\n/g, ' ')],
  ])('private key as %s', (_name, key) => {
    expect(rsaSign(content, key, 'RSA2')).toBe(reference);
  });
  it.each([
    ['SPKI PEM', spki],
    ['PKCS#1 PEM', pkcs1Public],
    ['bare base64 SPKI', bare(spki)],
    ['bare base64 PKCS#1', bare(pkcs1Public)],
    ['SPKI PEM on one line', spki.replace(/\n/g, '')],
  ])('public key as %s', (_name, key) => {
    expect(rsaVerify(content, reference, key, 'RSA2')).toBe(true);
  });
  it('caches parsed keys: the same text yields the same KeyObject', () => {
    const before = cachedKeyCount();
    const a = toPrivateKey(pkcs8);
    const b = toPrivateKey(pkcs8);
    expect(a).toBe(b);
    expect(toPublicKey(spki)).toBe(toPublicKey(spki));
    expect(cachedKeyCount()).toBeGreaterThanOrEqual(before);
  });
  it('garbage keys: sign throws, verify answers false', () => {
    expect(() => rsaSign(content, 'not a key', 'RSA2')).toThrow();
    expect(rsaVerify(content, reference, 'not a key', 'RSA2')).toBe(false);
    expect(rsaVerify(content, 'not base64!!', spki, 'RSA2')).toBe(false);
    expect(rsaVerify(content, '', spki, 'RSA2')).toBe(false);
  });
  it('verifying with another key fails', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(rsaVerify(content, reference, other, 'RSA2')).toBe(false);
  });
  it('derives the public key from a private KeyObject', () => {
    expect(toPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }),
    );
  });
});

describe('RSA2 properties (fast-check)', () => {
  it('sign → verify holds; any change to the content fails', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        (text, extra) => {
          const sig = rsaSign(text, pkcs8, 'RSA2');
          return rsaVerify(text, sig, spki, 'RSA2') && !rsaVerify(text + extra, sig, spki, 'RSA2');
        },
      ),
      { numRuns: 40 },
    );
  });
});
