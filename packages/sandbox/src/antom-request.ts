import type { ServerResponse } from 'node:http';
import type { AntomClient } from './antom-accounts';
import { type AntomAmount, checkAntomAmount } from './antom-amounts';
import {
  antomSign,
  antomSignatureHeader,
  antomSignedText,
  formatAntomTime,
  tamperAntomSignature,
} from './antom-signing';
import type { SandboxContext } from './context';
import { send } from './http-util';

/**
 * An Antom request after the gateway's checks: the API table, the error type with Antom's result codes,
 * reading JSON fields, and the signed answer `{result:{resultCode,resultStatus,resultMessage}, …}` with
 * the headers `client-id`, `response-time` and `signature`.
 */

/** The payment APIs the sandbox serves, by the last path segment under `/v1/payments/`. */
export const ANTOM_APIS = ['pay', 'inquiryPayment', 'refund', 'inquiryRefund', 'cancel'] as const;

/** One of {@link ANTOM_APIS}. */
export type AntomApi = (typeof ANTOM_APIS)[number];

/** Antom's `result` object. */
export interface AntomResult {
  resultCode: string;
  resultStatus: 'S' | 'F' | 'U';
  resultMessage: string;
}

/** An Antom answer other than success: F (failed, nothing done) or U (unknown: inquire, then retry). */
export class AntomError extends Error {
  constructor(
    readonly resultCode: string,
    readonly resultMessage: string,
    readonly resultStatus: 'F' | 'U' = 'F',
  ) {
    super(`${resultStatus} ${resultCode}: ${resultMessage}`);
  }
}

/** Throws an F {@link AntomError}; typed `never` so checks read as guards. */
export const antomFail = (resultCode: string, resultMessage: string): never => {
  throw new AntomError(resultCode, resultMessage);
};

/** Throws PARAM_ILLEGAL (a field is missing or wrong). */
export const paramIllegal = (what: string): never =>
  antomFail('PARAM_ILLEGAL', `Illegal parameters. 参数非法：${what}`);

/** The success result. */
export const SUCCESS_RESULT: AntomResult = {
  resultCode: 'SUCCESS',
  resultStatus: 'S',
  resultMessage: 'success',
};

/** A verified request. */
export interface AntomRequest {
  api: AntomApi;
  client: AntomClient;
  /** The path that was called (without the query), which the answer's signature covers. */
  path: string;
  body: Record<string, unknown>;
}

/** An optional string field (nested by dots: `order.orderDescription`). */
export function field(body: Record<string, unknown>, name: string): string | undefined {
  let value: unknown = body;
  for (const part of name.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') paramIllegal(`${name} must be a string`);
  return value as string;
}

/** A required string field. */
export function requiredField(body: Record<string, unknown>, name: string, maxLength = 64): string {
  const value = field(body, name);
  if (value === undefined) paramIllegal(`${name} is required 不能为空`);
  if (value!.length > maxLength) paramIllegal(`${name} is longer than ${maxLength}`);
  return value!;
}

/** A required amount `{currency, value}`; an unsupported currency gives CURRENCY_NOT_SUPPORT. */
export function amountField(body: Record<string, unknown>, name: string): AntomAmount {
  const checked = checkAntomAmount(body[name]);
  if ('problem' in checked) {
    if (checked.problem === 'currency')
      antomFail('CURRENCY_NOT_SUPPORT', `The currency is not supported. 币种不支持：${checked.detail}`);
    paramIllegal(`${name}: ${checked.detail}`);
  }
  return checked as AntomAmount;
}

/** Where an answer goes: `client` set = signed with the sandbox's Antom key; `scope` for faults. */
export interface AntomAnswerTo {
  path: string;
  /** The client ID the answer names (the request's, even an unknown one). */
  clientId: string;
  client?: AntomClient;
  paymentRequestIds: string[];
}

/** Writes an Antom answer: HTTP 200, JSON, signed unless the request could not be attributed. */
export function sendAntomAnswer(
  ctx: SandboxContext,
  res: ServerResponse,
  to: AntomAnswerTo,
  result: AntomResult,
  fields: Record<string, unknown> = {},
): void {
  const text = JSON.stringify({ result, ...fields });
  const time = formatAntomTime(ctx.clock.now());
  const headers: Record<string, string> = { 'client-id': to.clientId, 'response-time': time };
  const scope = { clientId: to.clientId, outTradeNos: to.paymentRequestIds };
  const unsigned = ctx.faults.take('unsigned-response', scope) !== undefined;
  if (to.client && !unsigned) {
    let signature = antomSign(
      antomSignedText('POST', to.path, to.clientId, time, text),
      ctx.config.antom.antomKeys.privateKey,
    );
    if (ctx.faults.take('tamper-signature', scope)) signature = tamperAntomSignature(signature);
    headers['signature'] = antomSignatureHeader(signature, to.client.keyVersion);
  }
  send(res, 200, text, 'application/json; charset=UTF-8', headers);
}
