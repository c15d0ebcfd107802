import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { parseAlipayConfig } from '../../src/config';
import type { OpenApiConfig } from '../../src/config/openapi';
import { OpenApiClient, openApiSignString } from '../../src/openapi/client';
import { openApiResponseKey } from '../../src/openapi/response';
import { rsaSign, rsaVerify } from '../../src/sign/rsa';

/**
 * A fake OpenAPI gateway for the client's tests: it records every request and answers with what the test
 * sets in `respond`. Not an emulator (that is packages/sandbox): each test states the answer it needs, signed
 * with {@link signedAnswer}. Shared by the client's test files, split by role.
 */

/** One request as the fake gateway saw it. */
export interface Recorded {
  httpMethod: string;
  path: string;
  rawQuery: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  form: Record<string, string>;
}

/** What the fake gateway answers. */
export interface Answer {
  status?: number;
  body: string | Buffer;
}

export const APP_ID = '2021000000000001';
export const NOW = new Date('2024-03-01T02:03:04Z'); // 2024-03-01 10:03:04 in Beijing
export const HTTP = { retries: 2, retryDelayMs: 1, timeoutMs: 5_000 };

/** The app's key pair, the test "Alipay" key pair, and a stranger's (for answers signed by someone else). */
export const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A key as PEM text (PKCS#8 for private keys, SPKI for public ones), as a shop pastes it into settings. */
export function pem(key: KeyObject): string {
  return key
    .export(key.type === 'private' ? { type: 'pkcs8', format: 'pem' } : { type: 'spki', format: 'pem' })
    .toString();
}

/** Alipay writes `/` as `\/` in its JSON; doing the same proves the client never re-serializes. */
export function alipayJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('/', '\\/');
}

/** A signed answer as the gateway writes it, signed with the test "Alipay" key unless told otherwise. */
export function signedAnswer(
  method: string,
  content: Record<string, unknown> | string,
  options: {
    signFirst?: boolean;
    key?: KeyObject;
    unsigned?: boolean;
    certSn?: string;
    responseKey?: string;
  } = {},
): string {
  const text = typeof content === 'string' ? content : alipayJson(content);
  const responseKey = options.responseKey ?? openApiResponseKey(method);
  const members = [`"${responseKey}":${text}`];
  if (options.certSn) members.push(`"alipay_cert_sn":"${options.certSn}"`);
  if (!options.unsigned) {
    const sign = `"sign":"${rsaSign(text, options.key ?? alipayKeys.privateKey, 'RSA2')}"`;
    if (options.signFirst) members.unshift(sign);
    else members.push(sign);
  }
  return `{${members.join(',')}}`;
}

/** The business content of a successful answer with `fields`. */
export function success(fields: Record<string, unknown>): Record<string, unknown> {
  return { code: '10000', msg: 'Success', ...fields };
}

/** Checks the request signature with the app public key, as the gateway does. */
export function expectSignedByApp(params: Record<string, string>): void {
  expect(rsaVerify(openApiSignString(params), params['sign']!, appKeys.publicKey, 'RSA2')).toBe(true);
}

/** Every parameter of a server call: URL query plus form body. */
export function allParams(request: Recorded): Record<string, string> {
  return { ...request.query, ...request.form };
}

/** The fake gateway of one test file; `requests` and `respond` are reset before each test. */
export interface FakeOpenApiGateway {
  /** The gateway URL (`…/gateway.do`), known once the file's `beforeAll` ran. */
  url: string;
  /** The requests of the current test, oldest first. */
  requests: Recorded[];
  /** Answers each request; a 500 unless the test sets it. */
  respond: (request: Recorded) => Answer;
  /** A parsed OpenAPI config (public-key mode, products page, wap and qr) pointing at this gateway. */
  config(extra?: Record<string, unknown>): OpenApiConfig;
  /** A client over {@link FakeOpenApiGateway.config} with fast retries and the clock fixed at {@link NOW}. */
  client(extra?: Record<string, unknown>): OpenApiClient;
}

/** Starts a fake gateway for the calling test file (registers its vitest hooks). */
export function useFakeOpenApiGateway(): FakeOpenApiGateway {
  let server: Server;
  const noHandler = (): Answer => ({ status: 500, body: 'no handler' });
  const gateway: FakeOpenApiGateway = {
    url: '',
    requests: [],
    respond: noHandler,
    config: (extra = {}) =>
      parseAlipayConfig({
        generation: 'openapi',
        products: ['page', 'wap', 'qr'],
        appId: APP_ID,
        appPrivateKey: pem(appKeys.privateKey),
        alipayPublicKey: pem(alipayKeys.publicKey),
        gateway: gateway.url,
        ...extra,
      }) as OpenApiConfig,
    client: (extra = {}) => new OpenApiClient({ config: gateway.config(extra), http: HTTP, now: () => NOW }),
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', chunk => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const recorded: Recorded = {
          httpMethod: req.method ?? '',
          path: url.pathname,
          rawQuery: url.search.slice(1),
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          rawBody,
          form: Object.fromEntries(new URLSearchParams(rawBody)),
        };
        gateway.requests.push(recorded);
        const answer = gateway.respond(recorded);
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/html;charset=utf-8' });
        res.end(answer.body);
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  beforeEach(() => {
    gateway.requests = [];
    gateway.respond = noHandler;
  });

  return gateway;
}
