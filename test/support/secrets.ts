/**
 * Searching text for the demo accounts' secrets in every form they could leak in: the MD5 keys, and the
 * RSA private keys (the app's and the sandbox's "Alipay" key) as PEM (PKCS#8 and PKCS#1), one-line base64,
 * JSON-escaped, percent-encoded, or cut into pieces.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { DemoAccounts } from './sandbox';

export interface SecretNeedle {
  /** Which secret, e.g. `merchant A MD5 key`. */
  name: string;
  /** Strings whose presence in normalized text means the secret leaked. */
  fragments: string[];
}

/** The base64 body of a PEM (no header, footer or whitespace). */
function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----|\s/g, '');
}

/**
 * Every 28-character window of a base64 text, starting every 14 characters: any contiguous leak of 42
 * characters or more contains one of them (a 2048-bit key is ~1,600 characters).
 */
function windows(text: string, size = 28, stride = 14): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= text.length; i += stride) out.push(text.slice(i, i + size));
  return out;
}

function rsaNeedle(name: string, pem: string): SecretNeedle {
  const key = createPrivateKey(pem);
  const pkcs8 = pemBody(key.export({ type: 'pkcs8', format: 'pem' }) as string);
  const pkcs1 = pemBody(key.export({ type: 'pkcs1', format: 'pem' }) as string);
  // A private key's DER holds the modulus, which the public key (shown on purpose) holds too: windows that
  // also occur in a public encoding are not secret.
  const publicKey = createPublicKey(key);
  const publics = [
    pemBody(publicKey.export({ type: 'spki', format: 'pem' }) as string),
    pemBody(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string),
  ];
  const fragments = [...windows(pkcs8), ...windows(pkcs1)].filter(f => !publics.some(p => p.includes(f)));
  return { name, fragments };
}

export function secretNeedles(accounts: DemoAccounts): SecretNeedle[] {
  return [
    ...accounts.merchants.map((m, i) => ({ name: `merchant ${'AB'[i] ?? i} MD5 key`, fragments: [m.key] })),
    ...accounts.apps.map((a, i) => rsaNeedle(`app ${i + 1} private key`, a.privateKey)),
    rsaNeedle("the sandbox's Alipay private key", accounts.alipayKeys.privateKey),
  ];
}

/**
 * The forms text is searched in: as it is; with JSON/escape sequences for line breaks and all whitespace
 * removed (a PEM split over lines becomes one base64 run); and percent-decoded.
 */
export function normalizedForms(text: string): string[] {
  const joined = text.replace(/\\r|\\n|\\u000a|\\u000d|\s/gi, '');
  let decoded = joined;
  try {
    decoded = decodeURIComponent(joined.replace(/\+/g, ' '));
  } catch {
    decoded = joined.replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=');
  }
  return [text, joined, decoded];
}

/** Which secrets appear in `text` (empty when none). */
export function findSecrets(text: string, needles: SecretNeedle[]): string[] {
  const forms = normalizedForms(text);
  return needles.filter(n => n.fragments.some(f => forms.some(form => form.includes(f)))).map(n => n.name);
}
