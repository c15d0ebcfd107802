import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { listenLocally } from './http-responder';

/**
 * A test double of Antom for the core's Antom tests: a real `node:http` server that checks each request's
 * signature with the merchant's public key and answers what the test sets, signed with the fixture "Antom"
 * key. It signs and verifies with `node:crypto` directly, not with the core's code, so it checks the core
 * independently. Not an emulator (that is packages/sandbox): each test states the answer it needs.
 */

const KEYS = join(__dirname, '../vectors/antom-keys');
/** PEM texts of the fixed test key pairs (test keys only). */
export const antomKeys = {
  merchantPrivate: readFileSync(join(KEYS, 'merchant-private.pem'), 'utf8'),
  merchantPublic: readFileSync(join(KEYS, 'merchant-public.pem'), 'utf8'),
  antomPrivate: readFileSync(join(KEYS, 'antom-private.pem'), 'utf8'),
  antomPublic: readFileSync(join(KEYS, 'antom-public.pem'), 'utf8'),
};

/** The vector file, parsed. */
export interface AntomVector {
  name: string;
  kind: 'request' | 'response' | 'notification';
  key: 'merchant' | 'antom';
  path: string;
  clientId: string;
  time: string;
  body: string;
  keyVersion: string;
  content: string;
  signature: string;
  header: string;
}
export const antomVectors = JSON.parse(
  readFileSync(join(__dirname, '../vectors/antom-signatures.json'), 'utf8'),
) as { note: string; sdk: { commit: string }; vectors: AntomVector[] };

/** Signs `POST <path>\n<clientId>.<time>.<body>` with a PEM private key, as Antom does; standard base64. */
export function antomSign(
  path: string,
  clientId: string,
  time: string,
  body: string | Buffer,
  pem: string,
): string {
  const content = Buffer.concat([
    Buffer.from(`POST ${path}\n${clientId}.${time}.`, 'utf8'),
    Buffer.from(body),
  ]);
  return sign('sha256', content, createPrivateKey(pem)).toString('base64');
}

/** One request as the double saw it. */
export interface AntomRecorded {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  json: Record<string, unknown>;
  /** Whether the request's `Signature` verified with the merchant's public key over the exact bytes. */
  signatureValid: boolean;
  keyVersion: string | undefined;
}

/** What the double answers. `sign: false` sends no signature headers; `tamper` changes the body after signing. */
export interface AntomAnswer {
  status?: number;
  body: Record<string, unknown> | string;
  sign?: boolean;
  tamper?: (body: string) => string;
  /** Override or add answer headers (e.g. another client-id, a badly formed signature header). */
  headers?: OutgoingHttpHeaders;
  /** Sign with this PEM instead of the Antom key (a forger). */
  signWith?: string;
}

/** Starts the Antom double on a free local port. */
export async function startAntom(respond: (request: AntomRecorded) => AntomAnswer) {
  const requests: AntomRecorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = String(req.headers['signature'] ?? '');
      const match = /signature=([^,]+)/.exec(header);
      const keyVersion = /keyVersion=([^,]+)/.exec(header)?.[1];
      const path = req.url ?? '/';
      const clientId = String(req.headers['client-id'] ?? '');
      const time = String(req.headers['request-time'] ?? '');
      let signatureValid = false;
      if (match?.[1]) {
        const content = Buffer.concat([Buffer.from(`POST ${path}\n${clientId}.${time}.`, 'utf8'), raw]);
        signatureValid = verify(
          'sha256',
          content,
          createPublicKey(antomKeys.merchantPublic),
          Buffer.from(decodeURIComponent(match[1]), 'base64'),
        );
      }
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        // recorded as {}
      }
      const recorded: AntomRecorded = {
        path,
        headers: req.headers,
        rawBody: raw.toString('utf8'),
        json,
        signatureValid,
        keyVersion,
      };
      requests.push(recorded);
      const answer = respond(recorded);
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      const responseTime = '2026-12-06T18:00:00.000+08:00';
      const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=UTF-8' };
      if (answer.sign !== false) {
        const signature = antomSign(
          path,
          clientId,
          responseTime,
          body,
          answer.signWith ?? antomKeys.antomPrivate,
        );
        headers['client-id'] = clientId;
        headers['response-time'] = responseTime;
        headers['signature'] = `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`;
      }
      Object.assign(headers, answer.headers ?? {});
      res.writeHead(answer.status ?? 200, headers);
      res.end(answer.tamper ? answer.tamper(body) : body);
    });
  });
  const { url, close } = await listenLocally(server);
  return { origin: url, requests, close };
}

/** A result envelope. */
export function envelope(resultStatus: 'S' | 'F' | 'U', resultCode: string, resultMessage = resultCode) {
  return { result: { resultCode, resultStatus, resultMessage } };
}
