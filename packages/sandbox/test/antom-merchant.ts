import { createSign, createVerify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AntomClientInfo, SandboxOptions } from '../src';
import { type SandboxSuite, sandboxSuite } from './sandbox-suite';

/**
 * The merchant's side of Antom, written in the test with `node:crypto` only (never the sandbox's or the
 * core's Antom code): a signer that calls the sandbox's Antom gateway over HTTP, verification of its
 * answers, and a notify receiver that records headers and raw bodies and answers as scripted.
 */

/** Parsed JSON as tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: test-side JSON is checked by assertions, not by types
export type Json = Record<string, any>;

/** The exact acknowledgement Antom wants. */
export const ACK = '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}';

/** RSA-SHA256 base64 over the Antom signed text. */
export function merchantSign(text: string, privateKey: string): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');
}

/** Verifies a base64 signature over a text. */
export function merchantVerify(text: string, signature: string, publicKey: string): boolean {
  return createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature, 'base64');
}

/** The signature value out of a `Signature` header (test-side parsing). */
export function signatureOf(header: string | null | undefined): string | undefined {
  const m = /signature=([^,]+)/.exec(header ?? '');
  return m ? decodeURIComponent(m[1]!.trim()) : undefined;
}

/** Options of one call. */
export interface CallOptions {
  /** Path prefix, default the client's (`/ams/sandbox/api` for SANDBOX_ clients). */
  prefix?: string;
  /** Overrides the Signature header entirely. */
  signatureHeader?: (signature: string) => string;
  /** Signs with this key instead of the client's. */
  privateKey?: string;
  /** Sends this body text instead of JSON.stringify(body). */
  rawBody?: string;
  clientId?: string;
  /** A query string appended to the path (signed with it). */
  query?: string;
}

/** An answer: status, headers, text and parsed JSON, and whether its signature verifies. */
export interface Answer {
  status: number;
  text: string;
  json: Json;
  headers: Headers;
  path: string;
  signed: boolean;
  verified: boolean;
}

/** Calls `POST <prefix>/v1/payments/<api>` as the merchant. */
export async function callAntom(
  gateway: string,
  client: AntomClientInfo,
  api: string,
  body: Json,
  options: CallOptions = {},
): Promise<Answer> {
  const clientId = options.clientId ?? client.clientId;
  const path = `${options.prefix ?? client.apiPrefix}/v1/payments/${api}`;
  const pathAndQuery = options.query ? `${path}?${options.query}` : path;
  const text = options.rawBody ?? JSON.stringify(body);
  const time = String(Date.now());
  const signature = merchantSign(
    `POST ${pathAndQuery}\n${clientId}.${time}.${text}`,
    options.privateKey ?? client.privateKey!,
  );
  const header = options.signatureHeader
    ? options.signatureHeader(signature)
    : `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`;
  const response = await fetch(`${gateway}${pathAndQuery}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'client-id': clientId,
      'request-time': time,
      signature: header,
    },
    body: text,
  });
  const answerText = await response.text();
  let json: Json = {};
  try {
    json = JSON.parse(answerText) as Json;
  } catch {
    json = {};
  }
  const sig = signatureOf(response.headers.get('signature'));
  const verified =
    sig !== undefined &&
    merchantVerify(
      `POST ${path}\n${response.headers.get('client-id')}.${response.headers.get('response-time')}.${answerText}`,
      sig,
      client.antomPublicKey,
    );
  return {
    status: response.status,
    text: answerText,
    json,
    headers: response.headers,
    path,
    signed: sig !== undefined,
    verified,
  };
}

/** One notification the receiver got. */
export interface AntomReceived {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  json: Json;
}

/** A scripted answer: the body text (HTTP 200), or status and body. */
export type AntomReply = string | { status: number; body: string };

/** The merchant's notify endpoint. */
export class AntomReceiver {
  readonly received: AntomReceived[] = [];
  replies: AntomReply[] = [];
  fallback: AntomReply = ACK;
  url = '';
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: Json = {};
        try {
          json = JSON.parse(raw) as Json;
        } catch {}
        this.received.push({ path: req.url ?? '/', headers: req.headers, raw, json });
        const reply = this.replies.shift() ?? this.fallback;
        const { status, body } = typeof reply === 'string' ? { status: 200, body: reply } : reply;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Notifications about one paymentRequestId or paymentId. */
  about(id: string): AntomReceived[] {
    return this.received.filter(r => r.json['paymentRequestId'] === id || r.json['paymentId'] === id);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>(resolve => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** The sandbox suite plus an Antom notify receiver and helpers. */
export interface AntomSuite {
  readonly base: SandboxSuite;
  readonly receiver: AntomReceiver;
  client(): AntomClientInfo;
  /** Calls the gateway as the default client. */
  call(api: string, body: Json, options?: CallOptions): Promise<Answer>;
  /** A pay request body (CASHIER_PAYMENT) with a fresh paymentRequestId; `extra` overrides fields. */
  payBody(extra?: Json): Json;
  /** A paid payment: pay, then the buyer pays through the control API. */
  paid(extra?: Json): Promise<{ paymentId: string; paymentRequestId: string }>;
}

/** Registers the file's hooks (sandbox, receiver) and returns the suite. */
export function antomSuite(prefix: string, options: SandboxOptions = {}): AntomSuite {
  const base = sandboxSuite(prefix, options);
  const receiver = new AntomReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(() => {
    receiver.replies = [];
    receiver.fallback = ACK;
  });
  const suite: AntomSuite = {
    base,
    receiver,
    client: () => base.sandbox.antomClients[0]!,
    call: (api, body, callOptions) =>
      callAntom(base.sandbox.antomGateway, suite.client(), api, body, callOptions),
    payBody: (extra = {}) => ({
      productCode: 'CASHIER_PAYMENT',
      paymentRequestId: base.order(),
      order: {
        referenceOrderId: `order-${base.order()}`,
        orderDescription: 'Antom test order 跨境测试订单',
        orderAmount: { currency: 'USD', value: '1234' },
      },
      paymentAmount: { currency: 'USD', value: '1234' },
      paymentMethod: { paymentMethodType: 'ALIPAY_CN' },
      paymentRedirectUrl: `${receiver.url}/return`,
      paymentNotifyUrl: `${receiver.url}/antom/notify`,
      env: { terminalType: 'WEB' },
      ...extra,
    }),
    paid: async (extra = {}) => {
      const answer = await suite.call('pay', suite.payBody(extra));
      const { paymentId, paymentRequestId } = answer.json as { paymentId: string; paymentRequestId: string };
      await base.control.antomPay({ paymentId });
      return { paymentId, paymentRequestId };
    },
  };
  return suite;
}
