/**
 * Endless request bodies (issue 15 item 1): a client that POSTs a chunked body without `Content-Length`
 * and never ends it, over a raw TCP socket, and measures what the server did with it.
 *
 * Three paces:
 * - `flood`: 64 KiB chunks as fast as the kernel takes them. What the client managed to write includes
 *   what the kernels' socket buffers held (on loopback up to ~4 MB, whatever the server read), so it
 *   measures only how soon the server closed the connection, not what it read.
 * - `paced`: the same endless body, 16 KiB chunks, each sent as soon as the server process has read the
 *   previous one — the client watches the connection's kernel queues in `/proc/net/tcp` (its own unsent
 *   bytes, the server's unread bytes). What the server took is then exactly what the client wrote minus
 *   what the server's kernel still held unread when the server closed the connection.
 * - `one-byte-per-second`: a chunk of one byte every second.
 *
 * Linux only (`/proc/net/tcp`), like the drivers' `rssBytes()`.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export type EndlessPace = 'flood' | 'paced' | 'one-byte-per-second';

export interface EndlessBodyOptions {
  pace: EndlessPace;
  contentType: string;
  /** The client stops (and closes) after this long. Default 5 s; `one-byte-per-second` needs more. */
  giveUpMs?: number;
  /** The client stops after writing this many body bytes. Default 64 MiB. */
  maxBytes?: number;
}

export interface EndlessBodyResult {
  pace: EndlessPace;
  /** Bytes of chunk data (framing not counted) the client wrote into the socket. */
  written: number;
  /**
   * `paced` only: bytes of chunk data the server process read (`written` minus what its kernel still
   * held unread when the connection closed). `undefined` for the other paces.
   */
  taken: number | undefined;
  /** Chunk size of the pace (bytes of data per chunk). */
  chunkBytes: number;
  /** True when the server closed the connection before the client gave up. */
  closedByServer: boolean;
  /** Milliseconds from the request head until the connection closed (or the client gave up). */
  elapsedMs: number;
  /** The answer's HTTP status, when one arrived. */
  status: number | undefined;
  /** Whether the answer said `Connection: close`. */
  connectionClose: boolean;
  /** The answer's body (after the head), when one arrived. */
  answerBody: string;
}

const CHUNK_BYTES: Record<EndlessPace, number> = {
  flood: 64 * 1024,
  paced: 16 * 1024,
  'one-byte-per-second': 1,
};

/** Sends an endless chunked body to `url` (POST) at `pace` and reports what happened. */
export function sendEndlessBody(url: string, options: EndlessBodyOptions): Promise<EndlessBodyResult> {
  const target = new URL(url);
  const port = Number(target.port || 80);
  const giveUpMs = options.giveUpMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const chunkBytes = CHUNK_BYTES[options.pace];
  const payload = Buffer.alloc(chunkBytes, 0x61);
  const frame = Buffer.concat([Buffer.from(`${chunkBytes.toString(16)}\r\n`), payload, Buffer.from('\r\n')]);
  const head =
    `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    `Content-Type: ${options.contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`;

  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, target.hostname);
    // Each chunk leaves at once (Nagle would hold a chunk until the previous one is acknowledged).
    socket.setNoDelay(true);
    let answer = '';
    let closed = false;
    let closedByServer = false;
    let written = 0;
    /** `paced`: bytes on the wire (framing included) the server's kernel still held unread at the last look. */
    let unreadOnWire = 0;
    let started = 0;
    let elapsedMs = 0;
    let clientClosed = false;
    const closeFromClient = () => {
      clientClosed = true;
      socket.destroy();
    };
    const giveUp = setTimeout(closeFromClient, giveUpMs);
    socket.on('data', data => {
      answer += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      elapsedMs = Date.now() - started;
      closedByServer = !clientClosed;
      clearTimeout(giveUp);
      const headEnd = answer.indexOf('\r\n\r\n');
      const answerHead = headEnd < 0 ? answer : answer.slice(0, headEnd);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answerHead)?.[1];
      // Whole frames only: a frame the server read part of counts as taken.
      const unreadFrames = Math.floor(unreadOnWire / frame.length);
      resolve({
        pace: options.pace,
        written,
        taken: options.pace === 'paced' ? written - unreadFrames * chunkBytes : undefined,
        chunkBytes,
        closedByServer,
        elapsedMs,
        status: status === undefined ? undefined : Number(status),
        connectionClose: /\r\nconnection: *close\r?$/im.test(answerHead),
        answerBody: headEnd < 0 ? '' : answer.slice(headEnd + 4),
      });
    });
    /** Writes one frame; resolves once it is in the kernel (or the socket closed). */
    const writeFrame = (bytes: Buffer) =>
      new Promise<void>(done => {
        const finish = () => {
          socket.off('close', finish);
          done();
        };
        socket.once('close', finish);
        socket.write(bytes, finish);
      });
    // A hostile client ignores answers: only `paced`, which measures, stops at the answer (and then
    // waits for the server to close).
    const drainOrClose = () =>
      new Promise<void>(done => {
        if (closed) return done();
        const finish = () => {
          socket.off('drain', finish);
          socket.off('close', finish);
          done();
        };
        socket.once('drain', finish);
        socket.once('close', finish);
      });
    const stop = () => closed || written >= maxBytes || (options.pace === 'paced' && answer.length > 0);
    socket.once('connect', async () => {
      try {
        started = Date.now();
        await writeFrame(Buffer.from(head));
        const clientPort = socket.localPort ?? 0;
        if (options.pace === 'paced') {
          // The head first: the server must have read it before the body is counted.
          await consumed(port, clientPort, () => closed);
        }
        while (!stop()) {
          if (options.pace === 'one-byte-per-second') {
            await writeFrame(frame);
            written += chunkBytes;
            await sleepUnless(1_000, () => closed);
          } else if (options.pace === 'flood') {
            const more = socket.write(frame);
            written += chunkBytes;
            if (!more) await drainOrClose();
          } else {
            await writeFrame(frame);
            // Counted as taken unless seen unread in the server's queue below (the conservative side).
            written += chunkBytes;
            unreadOnWire = 0;
            if (closed) break;
            const left = await consumed(port, clientPort, () => closed || answer.length > 0);
            if (left !== undefined) unreadOnWire = left;
            // The server answers in the same turn of its event loop as it reads the chunk that passed the
            // limit: a moment for that answer to arrive before the next chunk.
            if (left === 0) await sleepUnless(5, () => closed || answer.length > 0);
          }
        }
        if (!closed && written >= maxBytes) closeFromClient();
      } catch (error) {
        closeFromClient();
        reject(error);
      }
    });
  });
}

/**
 * Waits until the connection between `serverPort` and `clientPort` has nothing in flight: the client's
 * kernel has sent everything and the server process has read everything (the server's receive queue is
 * empty). Returns the bytes still in flight at the last look (0 when all was read), or `undefined` when
 * the connection was gone at the first look.
 */
async function consumed(
  serverPort: number,
  clientPort: number,
  abandon: () => boolean,
): Promise<number | undefined> {
  let last: number | undefined;
  for (;;) {
    const queues = connectionQueues(serverPort, clientPort);
    if (queues === undefined) return last;
    last = queues.clientUnsent + queues.serverUnread;
    if (last === 0 || abandon()) return last;
    await new Promise(r => setTimeout(r, 1));
  }
}

/** The connection's queues from `/proc/net/tcp{,6}` (`tx_queue` of the client's end, `rx_queue` of the server's). */
function connectionQueues(
  serverPort: number,
  clientPort: number,
): { clientUnsent: number; serverUnread: number } | undefined {
  let clientUnsent: number | undefined;
  let serverUnread: number | undefined;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5) continue;
      const localPort = Number.parseInt(fields[1]!.split(':').pop()!, 16);
      const remotePort = Number.parseInt(fields[2]!.split(':').pop()!, 16);
      const [tx, rx] = fields[4]!.split(':').map(hex => Number.parseInt(hex, 16));
      if (localPort === clientPort && remotePort === serverPort) clientUnsent = tx;
      if (localPort === serverPort && remotePort === clientPort) serverUnread = rx;
    }
  }
  if (clientUnsent === undefined || serverUnread === undefined) return undefined;
  return { clientUnsent, serverUnread };
}

function sleepUnless(ms: number, abandon: () => boolean): Promise<void> {
  return new Promise(resolve => {
    const started = Date.now();
    const tick = () =>
      abandon() || Date.now() - started >= ms ? resolve() : setTimeout(tick, Math.min(20, ms));
    tick();
  });
}
