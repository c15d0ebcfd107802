import { createSign, createVerify } from 'node:crypto';

/**
 * Antom's message signature, written here with `node:crypto` only (never the core's Antom client, so a
 * bug there cannot hide behind the same bug in the emulator):
 *
 * - the signed text is `<METHOD> <path?query>\n<client-id>.<time>.<exact body>`, for requests, answers and
 *   notifications alike (answers sign the path that was called, notifications the notify URL's path);
 * - RSA PKCS#1 v1.5 with SHA-256 (`algorithm=RSA256`), base64, then URL-encoded in the header
 *   `Signature: algorithm=RSA256,keyVersion=<n>,signature=<url-encoded base64>`.
 *
 * Reading the header is tolerant (spaces after commas, any order, case of the names), and the value is
 * URL-decoded only when it contains `%`: a form decoder would turn a raw base64 `+` into a space, the
 * pitfall of the official SDKs.
 */

/** The text Antom signs. */
export function antomSignedText(
  method: string,
  pathAndQuery: string,
  clientId: string,
  time: string,
  body: string,
): string {
  return `${method} ${pathAndQuery}\n${clientId}.${time}.${body}`;
}

/** Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `text` (UTF-8). */
export function antomSign(text: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKeyPem, 'base64');
}

/** Whether `signature` (base64) signs `text` for this public key; false for any malformed input. */
export function antomVerify(text: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** The parts of a `Signature` header. */
export interface AntomSignatureHeader {
  algorithm?: string;
  keyVersion?: string;
  /** The signature, URL-decoded when it was encoded (base64 again). */
  signature?: string;
}

/**
 * Parses `algorithm=RSA256,keyVersion=1,signature=…`: pairs split on commas, spaces around them and the
 * names ignored in case; `=` inside the value (base64 padding) kept.
 */
export function parseAntomSignatureHeader(header: string | undefined): AntomSignatureHeader {
  const out: AntomSignatureHeader = {};
  if (!header) return out;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (name === 'algorithm') out.algorithm = value;
    else if (name === 'keyversion') out.keyVersion = value;
    else if (name === 'signature') out.signature = decodeSignatureValue(value);
  }
  return out;
}

/** URL-decodes a signature value only when it is encoded (contains `%`); a raw `+` stays a `+`. */
export function decodeSignatureValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The `Signature` header the sandbox sends (its value URL-encoded, as the SDKs send theirs). */
export function antomSignatureHeader(signature: string, keyVersion = '1'): string {
  return `algorithm=RSA256,keyVersion=${keyVersion},signature=${encodeURIComponent(signature)}`;
}

/** Spoils a base64 signature so that it no longer verifies (the `tamper-signature` fault). */
export function tamperAntomSignature(signature: string): string {
  const first = signature[0] === 'A' ? 'B' : 'A';
  return `${first}${signature.slice(1)}`;
}

/**
 * Antom's time headers: ISO 8601 with offset (`2024-01-01T12:00:00+08:00`) as the docs show, or epoch
 * milliseconds as the SDKs send. Returns epoch ms, or undefined when neither.
 */
export function parseAntomTime(value: string): number | undefined {
  if (/^\d{10,16}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `yyyy-MM-ddTHH:mm:ss+08:00`, the form Antom writes times in its answers and notifications. */
export function formatAntomTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())}+08:00`;
}
