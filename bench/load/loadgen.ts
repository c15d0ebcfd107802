/**
 * An HTTP load generator on keep-alive connections (undici): `connections` workers, each with its own
 * connection, take the next request from a shared list.
 *
 * - Closed loop (no `rate`): a worker sends its next request as soon as its previous one is answered, so
 *   the server is saturated; latency is measured from sending to reading the whole answer.
 * - Open loop (`rate` requests/s): request i is due at start + i / rate, whatever happened before; a free
 *   worker sends it when it is due, and its latency is measured from the moment it was due (a request that
 *   had to wait for a free connection counts that wait: no coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';

export interface LoadRequest {
  path: string;
  body: string;
  contentType: string;
  /** What the answer must be (status 200 and this body), or it counts as an error. */
  expect: string;
}

export interface LoadResult {
  requests: number;
  /** Wall time from the first request to the last answer, ms. */
  durationMs: number;
  /** Latency of each request in ms, by its index in the request list (NaN when it was not sent). */
  latencies: Float64Array;
  /** Unexpected answers and failures, by description. */
  errors: Map<string, number>;
}

export async function runLoad(
  origin: string,
  requests: readonly LoadRequest[],
  options: { connections: number; timeoutMs: number; deadlineMs: number; rate?: number },
): Promise<LoadResult> {
  const host = new URL(origin).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`load is sent to loopback addresses only, not ${host}`);
  }
  const latencies = new Float64Array(requests.length).fill(Number.NaN);
  const errors = new Map<string, number>();
  const fail = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
  let next = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + options.deadlineMs;
  const worker = async () => {
    const client = new Client(origin, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    try {
      while (next < requests.length && performance.now() < deadline) {
        const index = next++;
        const request = requests[index]!;
        let t0 = performance.now();
        if (options.rate) {
          const due = started + (index * 1000) / options.rate;
          if (due > t0) await new Promise(resolve => setTimeout(resolve, due - t0));
          t0 = due;
        }
        try {
          const response = await client.request({
            method: 'POST',
            path: request.path,
            headers: { 'content-type': request.contentType },
            body: request.body,
          });
          const text = await response.body.text();
          if (response.statusCode !== 200) fail(`HTTP ${response.statusCode}`);
          else if (text !== request.expect) fail(`answered ${JSON.stringify(text.slice(0, 40))}`);
        } catch (error) {
          fail(`${(error as Error).name}: ${(error as Error).message}`);
        }
        latencies[index] = performance.now() - t0;
        done++;
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return {
    requests: done,
    durationMs: performance.now() - started,
    latencies,
    errors,
  };
}

/** The `p`-th percentile (0–100) of `values` (NaN entries ignored), nearest-rank. */
export function percentile(values: Float64Array | number[], p: number): number {
  const sorted = Float64Array.from(values)
    .filter(v => !Number.isNaN(v))
    .sort();
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
