import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from './form-codec';

/** Small helpers over node:http, so the sandbox needs no web framework. */

/** A request body that exceeded the limit. */
export class BodyTooLargeError extends Error {}

/** Reads the raw request body (bytes, never decoded here: the charset is the gateway's business). */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError(`body over ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends a complete response. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

/**
 * Settles once the response has been written out (handed to the operating system), or the connection
 * closed first. Notifications a call causes wait for this, so the merchant gets its answer first.
 */
export function responseDone(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise(resolve => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
  });
}

/** Sends JSON (control API). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, 'application/json; charset=utf-8');
}

/** Sends an HTML page in UTF-8. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, html, 'text/html; charset=utf-8', headers);
}

/** Redirects (302 after GET, 303 after POST so the browser follows with GET). */
export function redirect(res: ServerResponse, location: string, method = 'GET'): void {
  res.writeHead(method === 'POST' ? 303 : 302, { location, 'content-length': '0' });
  res.end();
}

/** Splits `req.url` into path and the raw (still encoded) query bytes. */
export function splitUrl(req: IncomingMessage): { path: string; query: Buffer } {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  // req.url holds the request line as sent; latin1 keeps any raw non-ASCII byte as that byte.
  const query = Buffer.from(q < 0 ? '' : raw.slice(q + 1), 'latin1');
  return { path, query };
}

/** Parses a JSON request body (control API); an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, 256 * 1024);
  if (body.length === 0) return {};
  const value = JSON.parse(body.toString('utf8')) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SyntaxError('expected a JSON object');
  return value as Record<string, unknown>;
}
