/**
 * The notify endpoints' body reader against a real Node HTTP server on loopback and a raw TCP client
 * (issue 15 item 1): bytes are counted as they arrive, whatever the framing; past the limit, or past the
 * deadline, the answer is 413 / 408 with `Connection: close` and the socket is destroyed.
 */

import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ANTOM_NOTIFICATION_ACK } from '../src/antom/notify';
import {
  answerNotifyRequest,
  NOTIFY_BODY_DEADLINE_MS,
  NOTIFY_BODY_LIMIT_BYTES,
  notifyReplyContentType,
  type ReadRequestBodyOptions,
  RequestBodyError,
  readRequestBody,
} from '../src/http/request-body';

interface Served {
  body?: Buffer;
  error?: unknown;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise(resolve => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose every request is read with {@link readRequestBody} and answered with {@link answerNotifyRequest}. */
async function serve(
  options: ReadRequestBodyOptions = {},
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<{ port: number; served: Served[] }> {
  const served: Served[] = [];
  server = createServer(async (req, res) => {
    if (handle?.(req, res)) return;
    try {
      const body = await readRequestBody(req, options);
      served.push({ body });
      answerNotifyRequest(req, res, 200, `read ${body.length}`);
    } catch (error) {
      served.push({ error });
      answerNotifyRequest(req, res, error instanceof RequestBodyError ? error.status : 500, 'fail');
    }
  });
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, served };
}

/** The error the `index`-th request was refused with; fails the test when it was not refused. */
function refusal(served: Served[], index: number): RequestBodyError {
  const error = served[index]?.error;
  if (!(error instanceof RequestBodyError))
    throw new Error(`request ${index} was not refused: ${String(error)}`);
  return error;
}

interface ClientResult {
  /** Everything the server sent back. */
  answer: string;
  /** Whether the server closed the connection (within `giveUpMs`). */
  closed: boolean;
  /** Milliseconds from the request line until the connection closed. */
  elapsedMs: number;
}

/**
 * Sends a request over a raw socket: the head, then `frames` (each written as it comes, chunked framing
 * when `chunked`), then waits for the server to close the connection or `giveUpMs`.
 */
function rawRequest(
  port: number,
  head: string,
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  { chunked = true, giveUpMs = 5_000, end = true } = {},
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      resolve({ answer, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      socket.destroy();
    }, giveUpMs);
    socket.on('data', data => {
      answer += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = Date.now() - started < giveUpMs;
      finish();
    });
    socket.once('connect', async () => {
      try {
        socket.write(head);
        for await (const chunk of body) {
          if (socket.destroyed) return;
          const frame = chunked
            ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
            : chunk;
          if (!socket.write(frame)) {
            await new Promise(r => {
              socket.once('drain', r);
              socket.once('close', r);
            });
          }
        }
        if (end && !socket.destroyed) socket.write(chunked ? '0\r\n\r\n' : '');
      } catch (error) {
        reject(error);
      }
    });
  });
}

const head = (headers: string) =>
  `POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded; charset=GBK\r\n${headers}\r\n`;

function* endless(chunk: Buffer): Iterable<Buffer> {
  for (;;) yield chunk;
}

async function* oneBytePer(ms: number): AsyncIterable<Buffer> {
  for (;;) {
    yield Buffer.from('a');
    await new Promise(r => setTimeout(r, ms));
  }
}

describe('readRequestBody', () => {
  it('has the documented policy figures: 64 KiB, 10 s', () => {
    expect(NOTIFY_BODY_LIMIT_BYTES).toBe(64 * 1024);
    expect(NOTIFY_BODY_DEADLINE_MS).toBe(10_000);
  });

  it('returns the exact bytes (GBK, any byte), chunked or with Content-Length, and keeps the connection', async () => {
    const { port, served } = await serve();
    const parts = [Buffer.from('subject='), Buffer.from([0xb2, 0xe2]), Buffer.from([0xca, 0xd4, 0xff, 0x00])];
    const whole = Buffer.concat(parts);
    const chunked = await rawRequest(port, head('Transfer-Encoding: chunked\r\n'), parts, { giveUpMs: 500 });
    expect(chunked.answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(chunked.answer).not.toMatch(/connection: close/i);
    expect(chunked.closed).toBe(false);
    const sized = await rawRequest(port, head(`Content-Length: ${whole.length}\r\n`), [whole], {
      chunked: false,
      giveUpMs: 500,
    });
    expect(sized.answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(served.map(s => s.body)).toEqual([whole, whole]);
  });

  it('reads a body of exactly the limit, refuses one byte more (declared: without reading it)', async () => {
    const { port, served } = await serve({ limitBytes: 1024 });
    const atLimit = await rawRequest(port, head('Content-Length: 1024\r\n'), [Buffer.alloc(1024, 0x61)], {
      chunked: false,
      giveUpMs: 500,
    });
    expect(atLimit.answer).toMatch(/^HTTP\/1\.1 200 .*read 1024$/s);
    const declared = await rawRequest(port, head('Content-Length: 1025\r\n'), [], { chunked: false });
    expect(declared.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared.answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(declared.answer.endsWith('\r\n\r\nfail')).toBe(true);
    expect(declared.closed).toBe(true);
    const error = refusal(served, 1);
    expect([error.type, error.status, error.received]).toEqual(['entity.too.large', 413, 0]);
  });

  it('an endless chunked body: stops reading past the limit (limit + one chunk at most), answers 413 with Connection: close, closes the socket', async () => {
    const { port, served } = await serve();
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const result = await rawRequest(port, head('Transfer-Encoding: chunked\r\n'), endless(chunk));
    expect(result.closed, 'the server closed the connection').toBe(true);
    expect(result.elapsedMs).toBeLessThan(3_000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.answer).toMatch(/\r\nConnection: close\r\n/i);
    const error = refusal(served, 0);
    expect(error).toBeInstanceOf(RequestBodyError);
    expect(error.type).toBe('entity.too.large');
    expect(error.received).toBeGreaterThan(NOTIFY_BODY_LIMIT_BYTES);
    // The count is checked at each chunk the socket delivers (at most 64 KiB a read).
    expect(error.received).toBeLessThanOrEqual(NOTIFY_BODY_LIMIT_BYTES + 64 * 1024);
  });

  it('an endless body with a lying Content-Length under the limit is cut at the limit too', async () => {
    const { port, served } = await serve({ limitBytes: 1024 });
    // Declares 1000 bytes, then keeps sending: HTTP ends the body at 1000; what follows is a next
    // request's garbage, which the parser refuses. Nothing past the declared length is read as body.
    const result = await rawRequest(
      port,
      head('Content-Length: 1000\r\n'),
      endless(Buffer.alloc(4096, 0x61)),
      {
        chunked: false,
      },
    );
    expect(result.closed).toBe(true);
    expect(served[0]?.body?.length).toBe(1000);
  });

  it('a body sent one byte at a time: refused at the deadline with 408 and Connection: close, socket closed', async () => {
    const { port, served } = await serve({ deadlineMs: 600 });
    const result = await rawRequest(port, head('Transfer-Encoding: chunked\r\n'), oneBytePer(100));
    expect(result.closed).toBe(true);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(600);
    expect(result.elapsedMs).toBeLessThan(2_000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.answer).toMatch(/\r\nConnection: close\r\n/i);
    const error = refusal(served, 0);
    expect([error.type, error.status]).toEqual(['request.timeout', 408]);
    expect(error.received).toBeLessThanOrEqual(7);
  });

  it('refuses a compressed body with 415 without reading it', async () => {
    const { port, served } = await serve();
    const result = await rawRequest(
      port,
      head('Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n'),
      endless(Buffer.alloc(1024)),
    );
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 415 /);
    expect(refusal(served, 0).type).toBe('encoding.unsupported');
  });

  it('reports a client that goes away mid-body as request.aborted', async () => {
    const { port, served } = await serve();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise(r => socket.once('connect', r));
    socket.write(`${head('Content-Length: 100\r\n')}only part`);
    await new Promise(r => setTimeout(r, 100));
    socket.destroy();
    await expect.poll(() => served.length).toBe(1);
    const error = refusal(served, 0);
    expect([error.type, error.status, error.received]).toEqual(['request.aborted', 400, 9]);
  });
});

describe('answerNotifyRequest', () => {
  it('answers Alipay as text/plain and Antom’s acknowledgement as application/json', () => {
    expect(notifyReplyContentType('success')).toBe('text/plain; charset=utf-8');
    expect(notifyReplyContentType('fail')).toBe('text/plain; charset=utf-8');
    expect(notifyReplyContentType(ANTOM_NOTIFICATION_ACK)).toBe('application/json; charset=utf-8');
  });

  it('a refusal before reading an endless body closes the connection instead of draining it', async () => {
    const { port } = await serve({}, (req, res) => {
      // e.g. an unknown provider: answered without reading. Node alone would drain the body for as
      // long as the client sends it.
      answerNotifyRequest(req, res, 404, 'fail');
      return true;
    });
    const result = await rawRequest(
      port,
      head('Transfer-Encoding: chunked\r\n'),
      endless(Buffer.alloc(16 * 1024)),
    );
    expect(result.closed).toBe(true);
    expect(result.elapsedMs).toBeLessThan(3_000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 404 .*\r\nConnection: close\r\n.*fail$/is);
  });

  it('the 413 reaches a flooding client that is slow to read: the connection is not reset under it', async () => {
    // Closing a socket whose client still sends makes the kernel reset the connection; a client whose
    // next write meets the reset fails before it has read the answer its kernel holds (on old code, every
    // time: the clients below look away for half a second right after sending past the limit).
    const { port, served } = await serve();
    const statuses = await floodFromBusyProcess(port, 3);
    expect(served.map(s => (s.error as RequestBodyError | undefined)?.type)).toEqual(
      Array(3).fill('entity.too.large'),
    );
    expect(statuses).toEqual(Array(3).fill('413 close'));
  });
});

/**
 * Sends `clients` endless chunked POSTs to `port`, one after the other, from a child process: each client
 * writes 128 KiB, blocks its event loop for 500 ms (less than the server's close grace), then floods.
 * Returns, per client, the status and ` close` when the answer said `Connection: close`.
 */
function floodFromBusyProcess(port: number, clients: number): Promise<string[]> {
  const script = `
    const net = require('node:net');
    const frame = Buffer.concat([Buffer.from('10000\\r\\n'), Buffer.alloc(65536, 97), Buffer.from('\\r\\n')]);
    const one = () => new Promise(resolve => {
      const socket = net.connect(${port}, '127.0.0.1');
      let answer = '';
      socket.on('data', d => { answer += d.toString('latin1'); });
      socket.on('error', () => {});
      socket.on('close', () => {
        const status = /^HTTP\\/1\\.1 (\\d+)/.exec(answer)?.[1] ?? 'none';
        resolve(status + (/\\r\\nconnection: close\\r\\n/i.test(answer) ? ' close' : ''));
      });
      setTimeout(() => socket.destroy(), 5000);
      socket.on('connect', async () => {
        socket.write('POST /notify HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n');
        socket.write(frame);
        socket.write(frame);
        const t = Date.now();
        while (Date.now() - t < 500) {}
        while (!socket.destroyed) {
          if (!socket.write(frame)) await new Promise(r => { socket.once('drain', r); socket.once('close', r); });
        }
      });
    });
    (async () => {
      const statuses = [];
      for (let i = 0; i < ${clients}; i++) statuses.push(await one());
      console.log(JSON.stringify(statuses));
    })();
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout.trim()) as string[]),
    );
  });
}
