import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the local responder received. */
export interface Recorded {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A tiny local HTTP server for protocol tests: it records every request and answers with what the test's
 * handler returns. Not an emulator (that is packages/sandbox): each test states the answer it needs.
 */
export async function startResponder(
  handler: (req: Recorded) => {
    status?: number;
    body: string | Buffer;
    contentType?: string;
    delayMs?: number;
  },
): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://localhost'),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      const answer = handler(recorded);
      const send = () => {
        res.writeHead(answer.status ?? 200, {
          'content-type': answer.contentType ?? 'text/xml; charset=utf-8',
        });
        res.end(answer.body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  return { ...(await listenLocally(server)), requests };
}

/** Starts `server` on a free loopback port: its base URL, and a `close` that also ends kept-alive connections. */
export async function listenLocally(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
