/**
 * A minimal GraphQL-over-HTTP client with Vendure's bearer sessions: it keeps the `vendure-auth-token`
 * a server issues and sends it back, so one client is one buyer (Shop API) or one admin (Admin API).
 */
export class GraphQlClient {
  private token = '';

  constructor(
    readonly endpoint: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  /** Runs a query or mutation; throws on GraphQL errors and non-2xx answers. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { ...this.extraHeaders, 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const issued = response.headers.get('vendure-auth-token');
    if (issued) this.token = issued;
    const text = await response.text();
    let body: { data?: T; errors?: { message: string }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${this.endpoint}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    if (body.errors?.length) {
      throw new Error(`${this.endpoint}: ${body.errors.map(e => e.message).join('; ')}`);
    }
    if (!response.ok || body.data === undefined) {
      throw new Error(`${this.endpoint}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    return body.data;
  }
}

/** Throws when a mutation answered one of Vendure's ErrorResult types. */
export function assertNoErrorResult(
  result: { __typename?: string; errorCode?: string; message?: string } | null | undefined,
  what: string,
): void {
  if (result && typeof result === 'object' && 'errorCode' in result && result.errorCode) {
    throw new Error(`${what}: ${result.message} (${result.errorCode})`);
  }
}
