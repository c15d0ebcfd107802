import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';

/**
 * Key parsing with a bounded cache: each distinct key text is parsed once into a `KeyObject`.
 * Accepts PEM (PKCS#1 `RSA PRIVATE KEY` / `RSA PUBLIC KEY`, PKCS#8 `PRIVATE KEY`, SPKI `PUBLIC KEY`,
 * or an X.509 `CERTIFICATE` for public keys) and the bare one-line base64 that Alipay's key tool writes.
 */

/** A key as configured: PEM or bare base64 text, or an already parsed `KeyObject`. */
export type KeyInput = string | KeyObject;

const MAX_CACHED_KEYS = 256;
const privateCache = new Map<string, KeyObject>();
const publicCache = new Map<string, KeyObject>();

function remember(cache: Map<string, KeyObject>, text: string, key: KeyObject): KeyObject {
  if (cache.size >= MAX_CACHED_KEYS) {
    // Drop the oldest entry: the cache stays bounded however many merchants a process serves.
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(text, key);
  return key;
}

function bareBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(compact) || compact.length < 64) return undefined;
  return Buffer.from(compact, 'base64');
}

/**
 * A PEM block as OpenSSL reads it, also when its line breaks were lost or turned into spaces: a
 * single-line form field (Vendure's password input) or an environment variable set on one line.
 */
function normalizedPem(text: string): string {
  const block = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(text.trim());
  if (!block) return text.trim();
  const body = (block[2] ?? '').replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${block[1]}-----\n${lines.join('\n')}\n-----END ${block[1]}-----\n`;
}

/** Parses an RSA private key (PEM PKCS#1/PKCS#8 or bare base64 of either); cached. Throws on garbage. */
export function toPrivateKey(input: KeyInput): KeyObject {
  if (typeof input !== 'string') return input;
  const cached = privateCache.get(input);
  if (cached) return cached;
  const key = input.includes('-----BEGIN')
    ? createPrivateKey(normalizedPem(input))
    : fromBareBase64(input, 'private');
  return remember(privateCache, input, key);
}

/**
 * A key pasted as bare base64 DER (what Alipay's key tool shows): the PKCS#8 / SPKI wrapping first, then
 * the older PKCS#1. Throws on text that is not base64.
 */
function fromBareBase64(input: string, kind: 'private' | 'public'): KeyObject {
  const der = bareBase64(input);
  if (!der) throw new TypeError(`${kind} key is neither PEM nor base64`);
  const parse = (wrapping: 'modern' | 'pkcs1'): KeyObject =>
    kind === 'private'
      ? createPrivateKey({ key: der, format: 'der', type: wrapping === 'modern' ? 'pkcs8' : 'pkcs1' })
      : createPublicKey({ key: der, format: 'der', type: wrapping === 'modern' ? 'spki' : 'pkcs1' });
  try {
    return parse('modern');
  } catch {
    return parse('pkcs1');
  }
}

/**
 * Parses an RSA public key (PEM SPKI/PKCS#1, an X.509 certificate PEM, or bare base64 of SPKI/PKCS#1);
 * cached. Throws on garbage.
 */
export function toPublicKey(input: KeyInput): KeyObject {
  if (typeof input !== 'string') return input.type === 'private' ? createPublicKey(input) : input;
  const cached = publicCache.get(input);
  if (cached) return cached;
  let key: KeyObject;
  if (input.includes('-----BEGIN CERTIFICATE')) {
    key = new X509Certificate(normalizedPem(input)).publicKey;
  } else if (input.includes('-----BEGIN')) {
    key = createPublicKey(normalizedPem(input));
  } else {
    key = fromBareBase64(input, 'public');
  }
  return remember(publicCache, input, key);
}

/** Number of parsed keys currently cached (for memory checks). */
export function cachedKeyCount(): number {
  return privateCache.size + publicCache.size;
}
