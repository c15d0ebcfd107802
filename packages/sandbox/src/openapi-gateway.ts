import type { IncomingMessage, ServerResponse } from 'node:http';
import { aesDecrypt } from '@alipay-commerce/core/primitives';
import { renderOpenApiError } from './cashier-page';
import type { AlipayCharset } from './charset';
import type { SandboxContext } from './context';
import { charsetOf, mergeParams, ParamsError, parseParams, peekField } from './form-codec';
import { answeredByGatewayFault, gatewayCall } from './gateway-calls';
import { redirect, responseDone, sendHtml } from './http-util';
import { TradeStateError } from './lifecycle';
import { createOpenApiTrade, precreate } from './openapi-create';
import { openApiQueryFields } from './openapi-messages';
import { cancel, refund, refundQuery } from './openapi-refunds';
import {
  openApiFail as fail,
  findTrade,
  invalidParameter,
  OPENAPI_METHODS,
  OpenApiError,
  type OpenApiRequest,
  successAbout,
} from './openapi-request';
import {
  checkCertificates,
  OPENAPI_CODE_MESSAGES,
  type OpenApiAnswerTo,
  sendOpenApiAnswer,
} from './openapi-signing';
import { openApiRequestPresign, verifyOpenApi } from './signer';
import { MINUTE, parseBeijing } from './time';

/**
 * The OpenAPI gateway, `/openapi/gateway.do`: common-parameter checks in Alipay's order and with its
 * codes, RSA2 request verification (`sign_type` signed, only `sign` excluded), certificate-mode SN checks
 * and signed answers (`openapi-signing.ts`), optional AES content encryption, and the routing to the
 * trade methods: creation (`openapi-create.ts`), query and close (here), refunds and cancel
 * (`openapi-refunds.ts`).
 */

const PAGE_METHODS = new Set(['alipay.trade.page.pay', 'alipay.trade.wap.pay']);

/** Allowed distance between `timestamp` and the gateway's clock (either real or sandbox time). */
const TIMESTAMP_TOLERANCE_MS = 15 * MINUTE;

/** Handles `GET|POST /openapi/gateway.do`. */
export async function handleOpenApiGateway(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: Buffer,
  body: Buffer,
): Promise<void> {
  const label = peekField(query, 'charset') ?? peekField(body, 'charset');
  const charset = label === undefined ? 'utf-8' : charsetOf(label);
  let params: Record<string, string> = {};
  let parseError: OpenApiError | undefined;
  try {
    params = mergeParams(parseParams(query, charset ?? 'utf-8'), parseParams(body, charset ?? 'utf-8'));
  } catch (error) {
    if (!(error instanceof ParamsError)) throw error;
    parseError = new OpenApiError('40002', 'isv.invalid-parameter', `参数无效 ${error.message}`);
  }
  const method = params['method'];
  const app = ctx.app(params['app_id']);
  const faultCtx = { outTradeNos: peekOutTradeNos(ctx, params) } as { appId?: string; outTradeNos: string[] };
  if (params['app_id']) faultCtx.appId = params['app_id'];
  const arrived = ctx.clock.now();
  ctx.gatewayCalls.push(gatewayCall('openapi', arrived, method, params['app_id'], faultCtx.outTradeNos));
  if (answeredByGatewayFault(ctx, res, faultCtx, '500 Service Currently Unavailable 系统繁忙')) return;

  const page = method !== undefined && PAGE_METHODS.has(method);
  // Refund notifications wait for this: Alipay answers the call first, then notifies.
  const answered = responseDone(res);
  const outCharset: AlipayCharset = charset ?? 'utf-8';
  let request: OpenApiRequest | undefined;
  const answer = (value: Record<string, unknown>, signed: boolean): void => {
    const signType = request?.signType ?? (params['sign_type'] === 'RSA' ? 'RSA' : 'RSA2');
    const to: OpenApiAnswerTo = { method, signType, charset: outCharset, outTradeNos: faultCtx.outTradeNos };
    if (signed && app) to.app = app;
    if (request?.encrypted && request.app.aesKey) to.aesKey = request.app.aesKey;
    sendOpenApiAnswer(ctx, res, to, value);
  };
  const answerError = (e: OpenApiError, signed: boolean): void => {
    if (page) {
      sendHtml(
        res,
        200,
        renderOpenApiError(e.code, OPENAPI_CODE_MESSAGES[e.code] ?? '', e.subCode, e.subMsg),
        {
          'x-alipay-sandbox-error': e.subCode,
        },
      );
      return;
    }
    answer(
      { code: e.code, msg: OPENAPI_CODE_MESSAGES[e.code], sub_code: e.subCode, sub_msg: e.subMsg },
      signed,
    );
  };

  let signable = false;
  try {
    if (parseError) throw parseError;
    if (!method) fail('40001', 'isv.missing-method', '缺少方法名参数 missing method');
    if (!(method! in OPENAPI_METHODS))
      fail('40002', 'isv.invalid-method', `不存在的方法名 unknown method ${method}`);
    if (!params['app_id']) fail('40001', 'isv.missing-app-id', '缺少AppID参数 missing app_id');
    if (!app) fail('40002', 'isv.invalid-app-id', `无效的AppID参数 unknown app_id ${params['app_id']}`);
    signable = true;
    if (!charset) fail('40002', 'isv.invalid-charset', `字符集错误 unsupported charset ${label}`);
    if (params['format'] && params['format'].toUpperCase() !== 'JSON')
      fail('40002', 'isv.invalid-format', '无效的数据格式 format must be JSON');
    const signType = params['sign_type'];
    if (!signType) fail('40001', 'isv.missing-signature-type', '缺少签名类型参数 missing sign_type');
    if (signType !== 'RSA2' && signType !== 'RSA')
      fail('40002', 'isv.invalid-signature-type', `无效的签名类型参数 ${signType}`);
    if (!params['sign']) fail('40001', 'isv.missing-signature', '缺少签名参数 missing sign');
    const timestamp = params['timestamp'];
    if (!timestamp) fail('40001', 'isv.missing-timestamp', '缺少时间戳参数 missing timestamp');
    const at = parseBeijing(timestamp!);
    if (
      at === undefined ||
      (Math.abs(at - Date.now()) > TIMESTAMP_TOLERANCE_MS &&
        Math.abs(at - ctx.clock.now()) > TIMESTAMP_TOLERANCE_MS)
    ) {
      fail(
        '40002',
        'isv.invalid-timestamp',
        `非法的时间戳参数 timestamp must be yyyy-MM-dd HH:mm:ss in GMT+8 (got ${timestamp})`,
      );
    }
    if (!params['version']) fail('40001', 'isv.missing-version', '缺少版本参数 missing version');
    if (params['version'] !== '1.0')
      fail('40002', 'isv.invalid-version', `无效的版本参数 version must be 1.0`);
    checkCertificates(app!, params);
    if (!verifyOpenApi(params, app!, signType as 'RSA' | 'RSA2', charset!)) {
      // Alipay shows its pre-sign string HTML-escaped (&amp;) in sub_msg.
      const presign = openApiRequestPresign(params).replace(/&/g, '&amp;');
      fail(
        '40002',
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${presign}`,
      );
    }
    const needed = OPENAPI_METHODS[method!];
    if (app!.products.length === 0 || (needed && !app!.products.includes(needed))) {
      fail('40006', 'isv.insufficient-isv-permissions', 'ISV权限不足，建议在开发者中心检查签约是否已经生效');
    }
    let encrypted = false;
    let bizText = params['biz_content'];
    if (params['encrypt_type']) {
      if (params['encrypt_type'] !== 'AES')
        fail('40002', 'isv.invalid-encrypt-type', '无效的加密类型 encrypt_type must be AES');
      if (!app!.aesKey) fail('40002', 'isv.invalid-encrypt', '应用未设置AES密钥 the app has no AES key');
      encrypted = true;
      try {
        bizText = aesDecrypt(bizText ?? '', app!.aesKey!);
      } catch {
        fail('40002', 'isv.decryption-error-unknown', '解密出错 cannot decrypt biz_content');
      }
    }
    if (!bizText) invalidParameter('biz_content 不能为空 is required');
    let biz: unknown;
    try {
      biz = JSON.parse(bizText!);
    } catch {
      invalidParameter('biz_content is not JSON');
    }
    if (biz === null || typeof biz !== 'object' || Array.isArray(biz))
      invalidParameter('biz_content must be a JSON object');
    request = {
      params,
      charset: charset!,
      method: method!,
      app: app!,
      biz: biz as Record<string, unknown>,
      signType: signType as 'RSA' | 'RSA2',
      encrypted,
      httpMethod: req.method ?? 'GET',
    };
    if (page) {
      const trade = createOpenApiTrade(ctx, request);
      redirect(res, `${ctx.baseUrl}/cashier/${trade.tradeNo}`, req.method);
      return;
    }
    answer(await dispatch(ctx, request, answered), true);
  } catch (e) {
    if (e instanceof OpenApiError) {
      answerError(e, signable);
      return;
    }
    if (e instanceof TradeStateError) {
      answerError(new OpenApiError('40004', e.openApiCode, e.message), signable);
      return;
    }
    throw e;
  }
}

function peekOutTradeNos(ctx: SandboxContext, params: Record<string, string>): string[] {
  try {
    const biz = JSON.parse(params['biz_content'] ?? '{}') as Record<string, unknown>;
    const out: string[] = [];
    if (typeof biz['out_trade_no'] === 'string') out.push(biz['out_trade_no']);
    if (typeof biz['trade_no'] === 'string') {
      const trade = ctx.store.trades.get(biz['trade_no']);
      if (trade) out.push(trade.outTradeNo);
    }
    return out;
  } catch {
    return [];
  }
}

/** Runs a server-to-server method and returns its answer value. */
async function dispatch(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  switch (request.method) {
    case 'alipay.trade.precreate':
      return precreate(ctx, request);
    case 'alipay.trade.query':
      return openApiQueryFields(findTrade(ctx, request));
    case 'alipay.trade.refund':
      return refund(ctx, request, answered);
    case 'alipay.trade.fastpay.refund.query':
      return refundQuery(ctx, request);
    case 'alipay.trade.close': {
      const trade = findTrade(ctx, request);
      await ctx.lifecycle.close(trade, 'merchant');
      return successAbout(trade);
    }
    case 'alipay.trade.cancel':
      return cancel(ctx, request, answered);
    default:
      return fail('40002', 'isv.invalid-method', `不存在的方法名 ${request.method}`);
  }
}
