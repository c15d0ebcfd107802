/**
 * The topology harness's own parts, on real processes: the round-robin proxy alternates between instances,
 * passes the request on unchanged, and moves to the next instance only when one refuses the connection; the
 * private redis-server answers and stops.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRoundRobinProxy } from './support/proxy';
import { startRedis } from './support/redis';
import { newTally, topologySummary } from './support/summary';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => new Promise(r => s.close(r))));
});

async function instance(name: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          name,
          method: req.method,
          path: req.url,
          body: Buffer.concat(chunks).toString('utf8'),
          host: req.headers.host,
          forwardedHost: req.headers['x-forwarded-host'],
        }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('topology harness', () => {
  it('the proxy alternates between instances and passes method, path, body and Host on', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const proxy = await startRoundRobinProxy([a, b]);
    try {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const answer = await fetch(`${proxy.url}/payments/alipay/notify?x=${i}`, {
          method: 'POST',
          body: `trade_status=TRADE_SUCCESS&i=${i}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        const echo = (await answer.json()) as Record<string, string>;
        expect(echo).toMatchObject({
          method: 'POST',
          path: `/payments/alipay/notify?x=${i}`,
          body: `trade_status=TRADE_SUCCESS&i=${i}`,
          host: new URL(proxy.url).host,
          forwardedHost: new URL(proxy.url).host,
        });
        seen.push(echo.name!);
      }
      expect(seen).toEqual(['a', 'b', 'a', 'b']);
      expect(proxy.statsFor('/payments/alipay/notify')).toEqual({ [a]: 2, [b]: 2 });
    } finally {
      await proxy.close();
    }
  });

  it('an instance that refuses connections (killed) is skipped; nothing is sent twice', async () => {
    const a = await instance('a');
    const dead = await instance('dead');
    await new Promise(r => servers.pop()!.close(r));
    const proxy = await startRoundRobinProxy([dead, a]);
    try {
      for (let i = 0; i < 3; i++) {
        const echo = (await (await fetch(`${proxy.url}/x`, { method: 'POST', body: 'b' })).json()) as {
          name: string;
        };
        expect(echo.name).toBe('a');
      }
      expect(proxy.stats()).toEqual({ [dead]: 0, [a]: 3 });
    } finally {
      await proxy.close();
    }
  });

  it('redis-server starts on a free port, answers PING and stops', async () => {
    const redis = await startRedis();
    try {
      expect(await redis.command('PING')).toBe('+PONG');
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    } finally {
      await redis.stop();
    }
    await expect(redis.command('PING')).rejects.toThrow();
  });

  it('the summary line reads as the issue asks', () => {
    const tally = { ...newTally(), notifications: 12, payments: 5 };
    expect(topologySummary('vendure', tally)).toBe(
      'topology vendure: 2 servers + worker, 12 notifications across instances, 5 payments, 0 doubled, 0 lost',
    );
  });
});
