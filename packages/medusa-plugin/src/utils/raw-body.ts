import type { IncomingMessage } from 'node:http';

/** Thrown by {@link readRawBody} when the body exceeds the limit. */
export class RawBodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body larger than ${limit} bytes`);
    this.name = 'RawBodyTooLargeError';
  }
}

/**
 * Reads a request body as the exact bytes received, for routes whose body parser is disabled.
 * Rejects with {@link RawBodyTooLargeError} as soon as more than `limit` bytes arrive (checked
 * against `Content-Length` first, so an oversized upload is refused before it is read).
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new RawBodyTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        // Stop reading but let the response be sent; the rest of the body is discarded.
        req.resume();
        reject(new RawBodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
