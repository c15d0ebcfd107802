import type { KeyInput } from '../sign/keys';
import { AntomJsonError, type AntomJsonProblem, parseAntomJsonObject } from './json';
import { type AntomResult, AntomResultError, antomResponseError, antomResultOf } from './result';
import {
  type AntomHeaders,
  antomHeader,
  foreignAntomAlgorithm,
  parseAntomSignatureHeader,
  verifyAntomMessage,
} from './signature';

/** A verified Antom answer: its result envelope and the whole parsed body. */
export interface VerifiedAntomResponse {
  result: AntomResult;
  /** The parsed JSON body, `result` included. */
  body: Record<string, unknown>;
  /** True when the answer carried a valid signature; false only for an unsigned `F` answer. */
  signed: boolean;
}

/** What {@link verifyAntomResponse} checks. */
export interface AntomResponseInput {
  /** The API name for messages, e.g. `pay`. */
  api: string;
  /** The request path the call was sent to (`/ams/api/v1/payments/pay`); the answer is signed over it. */
  path: string;
  /** The answer's headers (`client-id`, `response-time`, `signature`). */
  headers: AntomHeaders;
  /** The raw answer bytes, exactly as received. */
  body: Uint8Array;
  /** Antom's public key (from Antom Dashboard). */
  antomPublicKey: KeyInput;
  /** The merchant's client ID: a signed answer must name it in `client-id`. */
  clientId: string;
}

/** How an answer that is not one strict JSON object is described. */
const ANSWER_PROBLEM: Record<AntomJsonProblem, string> = {
  not_json: 'is not UTF-8 JSON',
  not_object: 'is not a JSON object',
  repeated_key: 'repeats a key',
};

function parseBody(api: string, body: Uint8Array): Record<string, unknown> {
  try {
    return parseAntomJsonObject(body);
  } catch (error) {
    const problem = error instanceof AntomJsonError ? error.problem : 'not_json';
    throw antomResponseError(`the Antom ${api} answer ${ANSWER_PROBLEM[problem]}`);
  }
}

/**
 * Verifies an Antom answer before anything in it is trusted: the `signature` header over
 * `POST <path>\n<client-id>.<response-time>.<raw body>` with Antom's public key, the `client-id` being the
 * merchant's own. A bad, garbled or foreign signature throws an `AlipayResponseError` and nothing is parsed
 * for the caller. An answer without a signature is accepted only when its result is `F` (Antom does not
 * sign some failures, e.g. `SIGNATURE_INVALID`); it then throws {@link AntomResultError}, so an unsigned
 * answer can never report success or unknown. A signed `F` answer is returned (the client maps it).
 */
export function verifyAntomResponse(input: AntomResponseInput): VerifiedAntomResponse {
  const { api } = input;
  const signatureHeader = antomHeader(input.headers, 'signature');
  if (signatureHeader === undefined) {
    const body = parseBody(api, input.body);
    const result = antomResultOf(body);
    if (result?.resultStatus === 'F') throw new AntomResultError(api, result);
    throw antomResponseError(`the Antom ${api} answer carries no signature and is not a failure`);
  }
  const parsed = parseAntomSignatureHeader(signatureHeader);
  if (!parsed) throw antomResponseError(`the Antom ${api} answer has an unreadable signature header`);
  const foreign = foreignAntomAlgorithm(parsed);
  if (foreign) throw antomResponseError(`the Antom ${api} answer names the signature algorithm ${foreign}`);
  const clientId = antomHeader(input.headers, 'client-id');
  const time = antomHeader(input.headers, 'response-time');
  if (clientId === undefined || time === undefined) {
    throw antomResponseError(`the Antom ${api} answer lacks its client-id or response-time header`);
  }
  const verifies = verifyAntomMessage(
    { path: input.path, clientId, time, body: input.body },
    parsed.signature,
    input.antomPublicKey,
  );
  if (!verifies) throw antomResponseError(`the Antom ${api} answer's signature does not verify`);
  if (clientId !== input.clientId) {
    throw antomResponseError(`the Antom ${api} answer is signed for another client ID`);
  }
  const body = parseBody(api, input.body);
  const result = antomResultOf(body);
  if (!result) throw antomResponseError(`the Antom ${api} answer has no valid result envelope`);
  return { result, body, signed: true };
}
