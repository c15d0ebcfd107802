import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSandboxClientId } from './antom-accounts';
import { antomCancel, antomInquiry, antomInquiryRefund, antomPay, antomRefund } from './antom-payments';
import {
  ANTOM_APIS,
  type AntomAnswerTo,
  type AntomApi,
  AntomError,
  type AntomRequest,
  antomFail,
  paramIllegal,
  SUCCESS_RESULT,
  sendAntomAnswer,
} from './antom-request';
import { antomSignedText, antomVerify, parseAntomSignatureHeader } from './antom-signing';
import type { SandboxContext } from './context';
import { answeredByGatewayFault, gatewayCall } from './gateway-calls';
import { responseDone } from './http-util';

/**
 * The Antom gateway, `POST /ams/api/v1/payments/{pay,inquiryPayment,refund,inquiryRefund,cancel}` and the same under
 * `/ams/sandbox/api/…`: checks in this order — the path, the `Client-Id` header and its configured public
 * key, the path matching the client (a `SANDBOX_` client on `/ams/sandbox/api`, any other on `/ams/api`),
 * the `Signature` header over `POST <path?query>\n<Client-Id>.<Request-Time>.<body>` — then the JSON body
 * and the API (`antom-payments.ts`). Every answer is HTTP 200 with a result envelope; answers about a
 * known client are signed with the sandbox's Antom key.
 */

const PATH = /^\/ams\/(sandbox\/)?api\/v1\/payments\/([A-Za-z]+)$/;

/** A header's single value. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The paymentRequestIds a request is about (for fault scopes and the gateway-call log). */
function peekRequestIds(ctx: SandboxContext, clientId: string, body: Buffer): string[] {
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const out: string[] = [];
    if (typeof json['paymentRequestId'] === 'string') out.push(json['paymentRequestId']);
    else if (typeof json['paymentId'] === 'string') {
      const payment = ctx.antom.store.payments.get(json['paymentId']);
      if (payment && payment.clientId === clientId) out.push(payment.paymentRequestId);
    }
    return out;
  } catch {
    return [];
  }
}

/** Handles a request under `/ams/`. */
export async function handleAntomGateway(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: Buffer,
): Promise<void> {
  const clientId = header(req, 'client-id') ?? '';
  const match = PATH.exec(path);
  const api = match?.[2] as AntomApi | undefined;
  const ids = peekRequestIds(ctx, clientId, body);
  ctx.gatewayCalls.push(gatewayCall('antom', ctx.clock.now(), api, clientId, ids));
  const scope = { clientId, outTradeNos: ids };
  if (answeredByGatewayFault(ctx, res, scope, '500 Internal Server Error')) return;
  // Refund notifications wait for this: Antom answers the call first, then notifies.
  const answered = responseDone(res);
  const to: AntomAnswerTo = { path, clientId, paymentRequestIds: ids };
  try {
    if (!match || !api || !(ANTOM_APIS as readonly string[]).includes(api))
      antomFail('INVALID_API', `The called API is invalid or not active. 接口不存在：${path}`);
    if ((req.method ?? 'GET') !== 'POST') antomFail('INVALID_API', 'Antom APIs take POST only. 仅支持 POST');
    if (!clientId) paramIllegal('the Client-Id header is required');
    const client = ctx.antom.client(clientId);
    if (!client)
      antomFail(
        'KEY_NOT_FOUND',
        `No public key is configured for this client ID. 该 Client-Id 未配置公钥：${clientId}`,
      );
    to.client = client!;
    const sandboxPath = match![1] !== undefined;
    if (sandboxPath !== isSandboxClientId(clientId)) {
      antomFail(
        'INVALID_API',
        sandboxPath
          ? 'A live client ID must call /ams/api, not /ams/sandbox/api. 正式环境 Client-Id 请使用 /ams/api'
          : 'A SANDBOX_ client ID must call /ams/sandbox/api. 沙箱 Client-Id 请使用 /ams/sandbox/api',
      );
    }
    const requestTime = header(req, 'request-time');
    if (!requestTime) paramIllegal('the Request-Time header is required');
    const signature = parseAntomSignatureHeader(header(req, 'signature'));
    if (!signature.signature || (signature.algorithm ?? '').toUpperCase() !== 'RSA256') {
      antomFail(
        'INVALID_SIGNATURE',
        'The signature is missing or not algorithm=RSA256. 缺少签名或签名算法不是 RSA256',
      );
    }
    const text = antomSignedText('POST', req.url ?? path, clientId, requestTime!, body.toString('utf8'));
    if (!antomVerify(text, signature.signature!, client!.publicKey)) {
      antomFail(
        'INVALID_SIGNATURE',
        'The signature is not validated: the signed text or the key does not match. 验签失败：签名原文或密钥不匹配',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      paramIllegal('the body is not JSON');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      paramIllegal('the body must be a JSON object');
    const request: AntomRequest = { api: api!, client: client!, path, body: json as Record<string, unknown> };
    const fields = dispatch(ctx, request, answered);
    if (ctx.faults.take('unknown-result', scope)) {
      // The operation happened; the answer does not say so. The client must inquire.
      throw new AntomError(
        'UNKNOWN_EXCEPTION',
        'An API call failed, which is caused by unknown reasons.',
        'U',
      );
    }
    if ('result' in fields) {
      const { result, ...rest } = fields as { result: typeof SUCCESS_RESULT };
      sendAntomAnswer(ctx, res, to, result, rest);
    } else sendAntomAnswer(ctx, res, to, SUCCESS_RESULT, fields);
  } catch (error) {
    if (!(error instanceof AntomError)) throw error;
    sendAntomAnswer(ctx, res, to, {
      resultCode: error.resultCode,
      resultStatus: error.resultStatus,
      resultMessage: error.resultMessage,
    });
  }
}

/** Runs an API; returns the answer's fields (with their own `result` when it is not plain success). */
function dispatch(
  ctx: SandboxContext,
  request: AntomRequest,
  answered: Promise<void>,
): Record<string, unknown> {
  switch (request.api) {
    case 'pay':
      return antomPay(ctx, request);
    case 'inquiryPayment':
      return antomInquiry(ctx, request);
    case 'refund':
      return antomRefund(ctx, request, answered);
    case 'inquiryRefund':
      return antomInquiryRefund(ctx, request);
    case 'cancel':
      return antomCancel(ctx, request);
  }
}
