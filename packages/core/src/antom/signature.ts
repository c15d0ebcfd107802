import type { KeyInput } from '../sign/keys';
import { rsaSign, rsaVerify } from '../sign/rsa';

/**
 * Antom (Alipay cross-border acquiring, the AMS API) message signatures. Requests, responses and
 * notifications are all signed the same way: RSA PKCS#1 v1.5 with SHA-256 over
 * `<METHOD> <path>\n<client-id>.<time>.<exact body>`, carried in a `Signature` header
 * `algorithm=RSA256,keyVersion=<n>,signature=<URL-encoded base64>`.
 */

/** What one Antom signature covers. */
export interface AntomSignedMessage {
  /** HTTP method; Antom uses `POST` for every call and notification. Default `POST`. */
  method?: string;
  /**
   * The request path as sent on the wire: `/ams/api/v1/payments/pay`, with `?query` when there is one.
   * For a notification, the public path Antom called (see `verifyAntomNotification`).
   */
  path: string;
  /** `Client-Id` of the merchant (requests) or `client-id` header of the answer or notification. */
  clientId: string;
  /** `Request-Time` (requests, notifications) or `response-time` (answers), exactly as in the header. */
  time: string;
  /** The exact body: the string that is sent, or the raw bytes that were received. */
  body: string | Uint8Array;
}

/**
 * The exact bytes an Antom signature covers: `POST <path>\n<client-id>.<time>.<body>`, UTF-8. The body is
 * appended byte for byte, so a received body is checked as received (never re-serialized).
 */
export function antomSignContent(message: AntomSignedMessage): Uint8Array {
  const head = Buffer.from(
    `${message.method ?? 'POST'} ${message.path}\n${message.clientId}.${message.time}.`,
    'utf8',
  );
  const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
  return Buffer.concat([head, body]);
}

/** RSA256 (SHA256withRSA, PKCS#1 v1.5) signature of an Antom message, as standard (not URL-encoded) base64. */
export function signAntomMessage(message: AntomSignedMessage, privateKey: KeyInput): string {
  return rsaSign(antomSignContent(message), privateKey, 'RSA2');
}

/**
 * Checks a standard base64 signature (already taken out of the header by {@link parseAntomSignatureHeader})
 * over an Antom message. Returns false, never throws, for any failure.
 */
export function verifyAntomMessage(
  message: AntomSignedMessage,
  signature: string,
  publicKey: KeyInput,
): boolean {
  return rsaVerify(antomSignContent(message), signature, publicKey, 'RSA2');
}

/** The parts of a `Signature` header. */
export interface AntomSignatureHeader {
  /** `RSA256`: the only algorithm Antom defines. */
  algorithm: string;
  /** Which of the merchant's registered keys signed (`1` unless the key was rotated). */
  keyVersion: string;
  /** The signature as standard base64, URL-decoded (see {@link decodeAntomSignatureValue}). */
  signature: string;
}

/**
 * The `Signature` header value: `algorithm=RSA256,keyVersion=<n>,signature=<base64 URL-encoded>`.
 * `+`, `/` and `=` are percent-encoded, as Antom and its SDKs send them.
 */
export function formatAntomSignatureHeader(signature: string, keyVersion: string | number = 1): string {
  return `algorithm=RSA256,keyVersion=${keyVersion},signature=${encodeURIComponent(signature)}`;
}

/**
 * The base64 signature from the header's `signature=` value. It is URL-decoded only when it holds a `%`:
 * the official SDKs form-decode it unconditionally (`unquote_plus`, `URLDecoder`), which turns a `+` of a
 * signature sent without URL encoding into a space and breaks it. A `+` is kept; a value that is not valid
 * percent-encoding is returned unchanged (it then fails verification, it never throws).
 */
export function decodeAntomSignatureValue(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.includes('%')) return trimmed;
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return trimmed;
  }
}

/**
 * Parses a `Signature` header tolerantly: members in any order, spaces around commas and `=`, member names
 * in any case. Returns undefined when there is no non-empty `signature` member. `algorithm` defaults to
 * `RSA256` and `keyVersion` to `1` when absent; the caller decides whether to accept other algorithms.
 */
export function parseAntomSignatureHeader(
  header: string | null | undefined,
): AntomSignatureHeader | undefined {
  if (typeof header !== 'string') return undefined;
  const members = new Map<string, string>();
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim().toLowerCase();
    // Only the first `=` separates: base64 padding `=` stays in the value.
    if (name !== '' && !members.has(name)) members.set(name, part.slice(at + 1).trim());
  }
  const raw = members.get('signature');
  if (raw === undefined || raw === '') return undefined;
  const signature = decodeAntomSignatureValue(raw);
  if (signature === '') return undefined;
  return {
    algorithm: members.get('algorithm') || 'RSA256',
    keyVersion: members.get('keyversion') || '1',
    signature,
  };
}

/**
 * The algorithm a parsed `Signature` header names when it is not `RSA256` (cut to 20 characters for
 * messages), else `undefined`. RSA256 is the only algorithm Antom signs with: a message must not name
 * another one for itself, as a domestic one must not name another `sign_type`.
 */
export function foreignAntomAlgorithm(parsed: AntomSignatureHeader): string | undefined {
  return parsed.algorithm.toUpperCase() === 'RSA256' ? undefined : parsed.algorithm.slice(0, 20);
}

/**
 * The `Request-Time` text the official SDKs send: ISO 8601 in UTC to the second, with `+00:00`
 * (`2026-12-06T18:38:38+00:00`). It is part of the signed text, so it is sent exactly as signed.
 */
export function antomTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** HTTP headers as a `fetch` `Headers` object or a Node `IncomingMessage['headers']`-style record. */
export type AntomHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * One header, by case-insensitive name; undefined when absent or empty. A header sent twice (an array) is
 * refused as absent: a signed message has exactly one of each.
 */
export function antomHeader(headers: AntomHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let value: string | readonly string[] | null | undefined;
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    value = (headers as Headers).get(wanted);
  } else {
    for (const [key, candidate] of Object.entries(headers as Record<string, string | readonly string[]>)) {
      if (key.toLowerCase() === wanted) {
        value = candidate;
        break;
      }
    }
  }
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
