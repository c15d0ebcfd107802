import { AlipayNetworkError } from '../errors';

/** How the core talks HTTP. Every option has a safe default. */
export interface HttpOptions {
  /** The `fetch` to use (default: the global one). Lets tests and proxies plug in. */
  fetch?: typeof fetch;
  /** Abort a call after this many milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls only (queries, notify_verify). Default 2. */
  retries?: number;
  /** Delay before the first retry in ms, doubled each time. Default 200. */
  retryDelayMs?: number;
}

/** One HTTP request made by the core. */
export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * True when sending the same request twice cannot move money twice (queries, notify_verify, close).
   * Only such calls are retried; a refund or a payment creation is tried exactly once.
   */
  idempotent: boolean;
}

/** The answer, with the body as raw bytes so charset and signatures are handled by the caller. */
export interface HttpResponse {
  status: number;
  contentType: string | undefined;
  /** Every answer header (Antom signs its answers in headers: `client-id`, `response-time`, `signature`). */
  headers: Headers;
  body: Uint8Array;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

async function attempt(request: HttpRequest, options: HttpOptions): Promise<HttpResponse> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const host = safeHost(request.url);
  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new AlipayNetworkError('timeout', `no answer from ${host} within ${timeoutMs} ms`, {
        cause: error,
      });
    }
    throw new AlipayNetworkError('network', `cannot reach ${host}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new AlipayNetworkError('timeout', `answer from ${host} was cut off`, { cause: error });
  }
  if (response.status < 200 || response.status >= 300) {
    throw new AlipayNetworkError('http_status', `${host} answered HTTP ${response.status}`, {
      status: response.status,
    });
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    headers: response.headers,
    body,
  };
}

/** The host of a URL for messages: never the query string, which may hold signed parameters. */
function safeHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the gateway';
  }
}

/**
 * Sends one request with a timeout. Network failures, timeouts and non-2xx answers become an
 * {@link AlipayNetworkError}. Idempotent requests are retried a bounded number of times with backoff;
 * others never are, so nothing that moves money is sent twice by this function.
 */
export async function httpRequest(request: HttpRequest, options: HttpOptions = {}): Promise<HttpResponse> {
  const retries = request.idempotent ? Math.max(0, options.retries ?? 2) : 0;
  let delay = options.retryDelayMs ?? 200;
  for (let tried = 0; ; tried++) {
    try {
      return await attempt(request, options);
    } catch (error) {
      const status = error instanceof AlipayNetworkError ? error.status : undefined;
      const transient = status === undefined || status >= 500;
      if (tried >= retries || !transient) throw error;
      await sleep(delay);
      delay *= 2;
    }
  }
}
