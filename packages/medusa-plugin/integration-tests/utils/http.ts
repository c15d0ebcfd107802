/**
 * The parts of `@medusajs/test-utils`' axios client the specs use (axios is test-utils' dependency,
 * not ours), and a call helper that never throws on a non-2xx status.
 */

/** An axios response, reduced to what the specs read. */
export interface HttpResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many routes
  data: any;
  headers: Record<string, string>;
}

/** The runner's axios instance (`api`), reduced. */
export interface HttpClient {
  request(config: Record<string, unknown>): Promise<HttpResponse>;
  get(url: string, config?: Record<string, unknown>): Promise<HttpResponse>;
  post(url: string, body?: unknown, config?: Record<string, unknown>): Promise<HttpResponse>;
}

/** The runner's knex connection, reduced to raw queries. */
export interface Database {
  // biome-ignore lint/suspicious/noExplicitAny: rows of ad-hoc SQL
  raw(sql: string, bindings?: unknown[]): Promise<{ rows: any[] }>;
}

/** Status and body of a call, whatever the status (axios throws on non-2xx otherwise). */
export function call(
  api: HttpClient,
  method: 'get' | 'post' | 'delete',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpResponse> {
  return api.request({ method, url, data: body, headers, validateStatus: () => true });
}

/** Like {@link call}, but fails the test with the answer when the status is not 2xx. */
export async function ok(
  api: HttpClient,
  method: 'get' | 'post' | 'delete',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpResponse['data']> {
  const response = await call(api, method, url, headers, body);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${method.toUpperCase()} ${url} → ${response.status}: ${JSON.stringify(response.data)}`);
  }
  return response.data;
}
