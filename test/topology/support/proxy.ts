/**
 * The load balancer of the topology suite: a small round-robin HTTP reverse proxy in front of a platform's
 * server instances, so that Alipay's deliveries (and the retries of one notification) alternate between
 * instances, as behind nginx `upstream` or a cloud load balancer with several targets.
 *
 * Like those, it tries the next instance when one refuses the connection (an instance that was killed), and
 * only then: a request that reached an instance is never sent twice. It passes the original `Host` on and
 * adds `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host`. Request bodies are read whole before
 * forwarding (capped at 4 MiB): these are notifications and admin calls, not uploads.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`: the shop's public URL in the topology. */
  readonly url: string;
  /** The instances, in round-robin order. */
  targets(): readonly string[];
  /** Replaces the instances (e.g. one instance, then two, for the load benchmark). */
  setTargets(targets: readonly string[]): void;
  /** Requests answered per instance since the start (or the last {@link resetStats}), keyed by target URL. */
  stats(): Record<string, number>;
  /** Requests whose path starts with `prefix`, per instance: e.g. `/payments/alipay/notify`. */
  statsFor(prefix: string): Record<string, number>;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;
/** Connection errors after which no byte reached the instance: safe to try the next one. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body over 4 MiB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the proxy on a free loopback port. */
export async function startRoundRobinProxy(initialTargets: readonly string[]): Promise<RoundRobinProxy> {
  let targets = [...initialTargets];
  let next = 0;
  const answered: Array<{ target: string; path: string }> = [];

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    target: string,
    triesLeft: number,
  ): void {
    const url = new URL(req.url ?? '/', target);
    const headers = { ...req.headers };
    headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    headers['x-forwarded-proto'] = (req.headers['x-forwarded-proto'] as string | undefined) ?? 'http';
    headers['x-forwarded-host'] = (req.headers['x-forwarded-host'] as string | undefined) ?? req.headers.host;
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    delete headers.connection;
    const upstream = httpRequest(url, { method: req.method, headers, agent: false }, upstreamRes => {
      answered.push({ target, path: url.pathname });
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (NOT_CONNECTED.has(error.code ?? '') && triesLeft > 1 && !res.headersSent) {
        forward(req, res, body, pick(), triesLeft - 1);
        return;
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`bad gateway: ${target} ${error.code ?? error.message}`);
      } else {
        res.destroy(error);
      }
    });
    upstream.end(body);
  }

  function pick(): string {
    const target = targets[next % targets.length]!;
    next = (next + 1) % Math.max(1, targets.length);
    return target;
  }

  const server = createServer(async (req, res) => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end((error as Error).message);
      return;
    }
    if (targets.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('no instance');
      return;
    }
    forward(req, res, body, pick(), targets.length);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const count = (prefix: string) => {
    const counts: Record<string, number> = Object.fromEntries(targets.map(t => [t, 0]));
    for (const { target, path } of answered) {
      if (path.startsWith(prefix)) counts[target] = (counts[target] ?? 0) + 1;
    }
    return counts;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    targets: () => targets,
    setTargets(list) {
      targets = [...list];
      next = 0;
    },
    stats: () => count('/'),
    statsFor: count,
    resetStats() {
      answered.length = 0;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
