import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { RawBodyTooLargeError, readRawBody } from '../src/utils/raw-body';

function request(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  queueMicrotask(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

describe('readRawBody', () => {
  it('returns the exact bytes, across chunks, without decoding', async () => {
    const bytes = [Buffer.from('subject='), Buffer.from([0xb2, 0xe2]), Buffer.from([0xca, 0xd4, 0xff, 0x00])];
    await expect(readRawBody(request(bytes), 1024)).resolves.toEqual(Buffer.concat(bytes));
  });

  it('rejects bodies over the limit, by Content-Length or by counting', async () => {
    await expect(readRawBody(request([], { 'content-length': '2048' }), 1024)).rejects.toBeInstanceOf(
      RawBodyTooLargeError,
    );
    await expect(readRawBody(request([Buffer.alloc(600), Buffer.alloc(600)]), 1024)).rejects.toBeInstanceOf(
      RawBodyTooLargeError,
    );
  });
});
