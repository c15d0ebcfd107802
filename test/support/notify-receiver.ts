import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One notification as a shop received it: the exact bytes, the content type and the headers. */
export interface ReceivedNotification {
  path: string;
  contentType: string | undefined;
  /** Every request header (Antom signs its notifications in `client-id`, `request-time`, `signature`). */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A local HTTP endpoint standing in for a shop's notify route: it records each POST and answers with
 * whatever `answer` returns (by default `success`), so a test can put the core's verdict in between.
 */
export async function startNotifyReceiver(
  answer: (notification: ReceivedNotification) => Promise<string> | string = () => 'success',
) {
  const received: ReceivedNotification[] = [];
  const waiters: Array<{
    predicate: (n: ReceivedNotification) => boolean;
    resolve: (n: ReceivedNotification) => void;
  }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      const notification = {
        path: req.url ?? '/',
        contentType: req.headers['content-type'],
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(notification);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(notification)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(notification);
        }
      }
      const text = await answer(notification);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(text);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    setAnswer(fn: typeof answer) {
      answer = fn;
    },
    /** Resolves with the first (past or future) notification matching the predicate. */
    next(predicate: (n: ReceivedNotification) => boolean, timeoutMs = 10_000): Promise<ReceivedNotification> {
      const seen = received.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching notification arrived')), timeoutMs);
        waiters.push({
          predicate,
          resolve: n => {
            clearTimeout(timer);
            resolve(n);
          },
        });
      });
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Decodes a form body's field without the core (for matching in tests only). */
export function fieldOf(body: Buffer, name: string): string | undefined {
  for (const pair of body.toString('latin1').split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key === name) return decodeURIComponent(value.replace(/\+/g, ' '));
  }
  return undefined;
}
