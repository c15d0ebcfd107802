import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aesDecrypt, aesEncrypt } from '@alipay-commerce/core/primitives';
import { formatYuan, MAX_FEN, MIN_FEN, parseYuan } from './amounts';
import { renderOpenApiError } from './cashier-page';
import { type AlipayCharset, encodeText } from './charset';
import type { App, OpenApiProductName } from './config';
import type { SandboxContext } from './context';
import { charsetOf, mergeParams, ParamsError, parseParams, peekField } from './form-codec';
import { redirect, responseDone, send, sendHtml } from './http-util';
import { TradeStateError } from './lifecycle';
import { maskLogonId, openApiQueryFields } from './openapi-messages';
import { openApiRequestPresign, signOpenApiText, tamper, verifyOpenApi } from './signer';
import { DAY, formatBeijing, HOUR, MINUTE, parseBeijing, parseRelativeTimeout } from './time';
import type { Trade, TradeKind } from './trade-store';
import { byteLength, isHttpUrl } from './validate';

/**
 * The OpenAPI gateway, `/openapi/gateway.do`: common-parameter checks in Alipay's order and with its
 * codes, RSA2 request verification (`sign_type` signed, only `sign` excluded), certificate-mode SN checks,
 * optional AES content encryption, and the trade methods. Answers are
 * `{"<method>_response":{…},"sign":"…"[,"alipay_cert_sn":"…"]}` signed over the exact text of the
 * response value; `/` is written `\/` as Alipay's serializer does, so clients must not re-serialize.
 */

const MSG: Record<string, string> = {
  '10000': 'Success',
  '20000': 'Service Currently Unavailable',
  '20001': 'Insufficient Token Permissions',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

/** Methods and the product (签约产品) each needs; `null` = any signed-up trade product will do. */
const METHODS: Record<string, OpenApiProductName | null> = {
  'alipay.trade.page.pay': 'page',
  'alipay.trade.wap.pay': 'wap',
  'alipay.trade.precreate': 'qr',
  'alipay.trade.cancel': 'qr',
  'alipay.trade.query': null,
  'alipay.trade.refund': null,
  'alipay.trade.fastpay.refund.query': null,
  'alipay.trade.close': null,
};

const PAGE_METHODS = new Set(['alipay.trade.page.pay', 'alipay.trade.wap.pay']);

/** Allowed distance between `timestamp` and the gateway's clock (either real or sandbox time). */
const TIMESTAMP_TOLERANCE_MS = 15 * MINUTE;

/** An OpenAPI error answer. */
export class OpenApiError extends Error {
  constructor(
    readonly code: '20000' | '20001' | '40001' | '40002' | '40004' | '40006',
    readonly subCode: string,
    readonly subMsg: string,
  ) {
    super(`${code} ${subCode}: ${subMsg}`);
  }
}

const fail = (code: OpenApiError['code'], subCode: string, subMsg: string): never => {
  throw new OpenApiError(code, subCode, subMsg);
};

const invalid = (what: string): never =>
  fail('40004', 'ACQ.INVALID_PARAMETER', `参数无效 invalid parameter: ${what}`);

/** The request after decoding. */
interface OpenApiRequest {
  params: Record<string, string>;
  charset: AlipayCharset;
  method: string;
  app: App;
  biz: Record<string, unknown>;
  signType: 'RSA' | 'RSA2';
  encrypted: boolean;
  httpMethod: string;
}

/** Writes the JSON answer text exactly as it will be signed. */
function jsonText(value: unknown): string {
  // Alipay's serializer escapes '/' (qr_code "https:\/\/…"); the signature covers the escaped text.
  return JSON.stringify(value).replace(/\//g, '\\/');
}

function responseKey(method: string | undefined): string {
  return method && method in METHODS ? `${method.replace(/\./g, '_')}_response` : 'error_response';
}

function bizString(biz: Record<string, unknown>, name: string): string | undefined {
  const value = biz[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') invalid(`${name} must be a string`);
  return value as string;
}

function requiredBiz(biz: Record<string, unknown>, name: string): string {
  const value = bizString(biz, name);
  if (value === undefined) invalid(`${name} 不能为空 is required`);
  return value!;
}

function amountOf(biz: Record<string, unknown>, name: string): number {
  const text = requiredBiz(biz, name);
  const fen = parseYuan(text);
  if (fen === undefined) invalid(`${name} must be yuan with at most 2 decimals, got ${text}`);
  if (fen! < MIN_FEN || fen! > MAX_FEN)
    fail('40004', 'ACQ.TOTAL_FEE_EXCEED', `订单金额超出范围 ${name} must be 0.01–100000000.00`);
  return fen!;
}

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
  ctx.gatewayCalls.push({
    at: ctx.clock.now(),
    api: 'openapi',
    name: method ?? '',
    owner: params['app_id'] ?? '',
    outTradeNos: [...faultCtx.outTradeNos],
  });
  if (ctx.faults.take('gateway-hang', faultCtx)) {
    ctx.hang(res);
    return;
  }
  if (ctx.faults.take('gateway-500', faultCtx)) {
    sendHtml(res, 500, '<html><body><h1>500 Service Currently Unavailable 系统繁忙</h1></body></html>');
    return;
  }

  const page = method !== undefined && PAGE_METHODS.has(method);
  // Refund notifications wait for this: Alipay answers the call first, then notifies.
  const answered = responseDone(res);
  const outCharset: AlipayCharset = charset ?? 'utf-8';
  let request: OpenApiRequest | undefined;
  const answer = (value: Record<string, unknown>, signed: boolean): void => {
    const key = responseKey(method);
    let valueText = jsonText(value);
    if (request?.encrypted && request.app.aesKey) {
      valueText = JSON.stringify(aesEncrypt(valueText, request.app.aesKey));
    }
    let text = `{"${key}":${valueText}`;
    if (signed && app) {
      const signType = request?.signType ?? (params['sign_type'] === 'RSA' ? 'RSA' : 'RSA2');
      let sign = signOpenApiText(valueText, app, signType, outCharset);
      const spoilCtx = { appId: app.appId, outTradeNos: faultCtx.outTradeNos };
      if (ctx.faults.take('tamper-signature', spoilCtx)) sign = tamper(sign);
      // "sign" directly follows the value: SDKs cut the signed text up to `,"sign"`.
      text += `,"sign":${JSON.stringify(sign)}`;
      if (app.certificates) text += `,"alipay_cert_sn":${JSON.stringify(app.certificates.alipayCertSn)}`;
    }
    text += '}';
    send(
      res,
      200,
      encodeText(text, outCharset),
      `text/html;charset=${outCharset === 'utf-8' ? 'utf-8' : 'GBK'}`,
    );
  };
  const answerError = (e: OpenApiError, signed: boolean): void => {
    if (page) {
      sendHtml(res, 200, renderOpenApiError(e.code, MSG[e.code] ?? '', e.subCode, e.subMsg), {
        'x-alipay-sandbox-error': e.subCode,
      });
      return;
    }
    answer({ code: e.code, msg: MSG[e.code], sub_code: e.subCode, sub_msg: e.subMsg }, signed);
  };

  let signable = false;
  try {
    if (parseError) throw parseError;
    if (!method) fail('40001', 'isv.missing-method', '缺少方法名参数 missing method');
    if (!(method! in METHODS)) fail('40002', 'isv.invalid-method', `不存在的方法名 unknown method ${method}`);
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
    const needed = METHODS[method!];
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
    if (!bizText) invalid('biz_content 不能为空 is required');
    let biz: unknown;
    try {
      biz = JSON.parse(bizText!);
    } catch {
      invalid('biz_content is not JSON');
    }
    if (biz === null || typeof biz !== 'object' || Array.isArray(biz))
      invalid('biz_content must be a JSON object');
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
      const trade = createTrade(ctx, request);
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

function checkCertificates(app: App, params: Record<string, string>): void {
  const appSn = params['app_cert_sn'];
  const rootSn = params['alipay_root_cert_sn'];
  if (!app.certificates) {
    // A key-mode app sending certificate SNs mixes the two modes (a common integration mistake).
    if (appSn)
      fail(
        '40002',
        'isv.app-cert-not-exist',
        '应用公钥证书不存在 this app uses public-key mode, not certificates',
      );
    return;
  }
  if (!appSn) fail('40001', 'isv.missing-app-cert-sn', '缺少应用公钥证书序列号 missing app_cert_sn');
  if (appSn !== app.certificates.appCertSn)
    fail('40002', 'isv.app-cert-not-exist', `应用公钥证书不存在 unknown app_cert_sn ${appSn}`);
  if (!rootSn)
    fail('40001', 'isv.missing-alipay-root-cert-sn', '缺少支付宝根证书序列号 missing alipay_root_cert_sn');
  if (rootSn !== app.certificates.alipayRootCertSn) {
    fail(
      '40002',
      'isv.invalid-alipay-root-cert-sn',
      `无效的支付宝根证书序列号 alipay_root_cert_sn ${rootSn}`,
    );
  }
}

// ---- trade creation (page.pay, wap.pay, precreate) ------------------------------------------------

const PRODUCT_CODES: Record<string, string[]> = {
  'alipay.trade.page.pay': ['FAST_INSTANT_TRADE_PAY'],
  // The docs say QUICK_WAP_WAY; several SDKs send QUICK_WAP_PAY. Both are accepted.
  'alipay.trade.wap.pay': ['QUICK_WAP_WAY', 'QUICK_WAP_PAY'],
  'alipay.trade.precreate': ['FACE_TO_FACE_PAYMENT'],
};

const KINDS: Record<string, TradeKind> = {
  'alipay.trade.page.pay': 'page',
  'alipay.trade.wap.pay': 'wap',
  'alipay.trade.precreate': 'qr',
};

function expiryOf(ctx: SandboxContext, biz: Record<string, unknown>, method: string): number {
  const now = ctx.clock.now();
  const expire = bizString(biz, 'time_expire');
  if (expire) {
    const at = parseBeijing(expire.length === 16 ? `${expire}:00` : expire);
    if (at === undefined) invalid('time_expire must be yyyy-MM-dd HH:mm:ss');
    // An absolute time: the trade closes that much sandbox time from now, scaled like every timer.
    return now + ctx.clock.scaled(Math.max(0, at! - now));
  }
  const relative = bizString(biz, 'timeout_express');
  if (relative) {
    const ms = parseRelativeTimeout(relative);
    if (ms === undefined || ms < MINUTE || ms > 15 * DAY) invalid('timeout_express must be 1m–15d');
    return now + ctx.clock.scaled(ms!);
  }
  // Defaults: 2 hours for a face-to-face QR code, 15 days for page and wap payments.
  return now + ctx.clock.scaled(method === 'alipay.trade.precreate' ? 2 * HOUR : 15 * DAY);
}

/** The `app_auth_token` the sandbox accepts for a merchant app that authorised a service provider. */
export function sandboxAppAuthToken(merchantAppId: string): string {
  return `sandbox-app-auth-${merchantAppId}`;
}

/**
 * Service-provider mode: the configured app that issued `token` to `provider` (another app), whose
 * seller the trade pays and whose app ID notifications carry as `auth_app_id`.
 */
function authorisingApp(ctx: SandboxContext, provider: App, token: string): App {
  const merchant = ctx.config.apps.find(a => sandboxAppAuthToken(a.appId) === token);
  if (!merchant || merchant.appId === provider.appId) {
    fail('20001', 'aop.invalid-app-auth-token', '无效的应用授权令牌 invalid app_auth_token');
  }
  return merchant!;
}

function createTrade(ctx: SandboxContext, request: OpenApiRequest): Trade {
  const { biz, app, method, params } = request;
  const outTradeNo = requiredBiz(biz, 'out_trade_no');
  if (outTradeNo.length > 64) invalid('out_trade_no is longer than 64 characters');
  const totalFen = amountOf(biz, 'total_amount');
  const subject = requiredBiz(biz, 'subject');
  if (byteLength(subject, request.charset) > 256) invalid('subject is longer than 256 bytes');
  const productCode = bizString(biz, 'product_code');
  if (method !== 'alipay.trade.precreate' && !productCode) invalid('product_code 不能为空 is required');
  if (productCode && !PRODUCT_CODES[method]!.includes(productCode)) {
    invalid(`product_code must be ${PRODUCT_CODES[method]!.join(' or ')} for ${method}`);
  }
  for (const name of ['notify_url', 'return_url']) {
    if (params[name] && !isHttpUrl(params[name])) invalid(`${name} must be an absolute http(s) URL`);
  }
  const quitUrl = bizString(biz, 'quit_url');
  if (quitUrl && !isHttpUrl(quitUrl)) invalid('quit_url must be an absolute http(s) URL');
  const expiresAt = expiryOf(ctx, biz, method);

  const existing = ctx.store.byOutTradeNo(app.appId, outTradeNo);
  if (existing) {
    if (existing.status === 'TRADE_CLOSED')
      fail('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭 the trade is closed');
    if (existing.status !== 'WAIT_BUYER_PAY')
      fail('40004', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付 the trade is already paid');
    if (existing.totalFen !== totalFen || existing.subject !== subject || existing.service !== method) {
      fail(
        '40004',
        'ACQ.CONTEXT_INCONSISTENT',
        '交易信息被篡改 out_trade_no was used with different order data',
      );
    }
    if (params['notify_url']) existing.notifyUrl = params['notify_url'];
    if (params['return_url']) existing.returnUrl = params['return_url'];
    existing.request = { ...params };
    return existing;
  }

  const token = params['app_auth_token'];
  const merchant = token ? authorisingApp(ctx, app, token) : undefined;
  const now = ctx.clock.now();
  const trade: Trade = {
    tradeNo: ctx.store.newTradeNo(now),
    outTradeNo,
    generation: 'openapi',
    owner: app.appId,
    service: method,
    kind: KINDS[method]!,
    charset: request.charset,
    signType: 'RSA2',
    subject,
    totalFen,
    priceFen: totalFen,
    quantity: 1,
    discountFen: 0,
    logistics: [],
    logisticsChoice: 0,
    receive: {},
    sellerEmail: (merchant ?? app).sellerEmail,
    sellerId: (merchant ?? app).sellerId,
    echo: {},
    request: { ...params },
    status: 'WAIT_BUYER_PAY',
    visible: false,
    gmtCreate: now,
    gmtLastModified: now,
    refundedFen: 0,
    refunds: [],
    expiresAt,
    timers: {},
    history: [{ at: now, status: 'WAIT_BUYER_PAY', event: 'created' }],
  };
  if (merchant) trade.authAppId = merchant.appId;
  const bodyText = bizString(biz, 'body');
  if (bodyText) trade.body = bodyText;
  const passback = bizString(biz, 'passback_params');
  if (passback) trade.echo['passback_params'] = passback;
  if (params['notify_url']) trade.notifyUrl = params['notify_url'];
  if (params['return_url']) trade.returnUrl = params['return_url'];
  if (quitUrl) trade.quitUrl = quitUrl;
  ctx.store.add(trade);
  ctx.lifecycle.scheduleExpiry(trade);
  return trade;
}

// ---- API methods -----------------------------------------------------------------------------------

function findTrade(ctx: SandboxContext, request: OpenApiRequest): Trade {
  const outTradeNo = bizString(request.biz, 'out_trade_no');
  const tradeNo = bizString(request.biz, 'trade_no');
  if (!outTradeNo && !tradeNo)
    invalid('out_trade_no 和 trade_no 不能同时为空 (give out_trade_no or trade_no)');
  const trade = tradeNo
    ? ctx.store.trades.get(tradeNo)
    : ctx.store.byOutTradeNo(request.app.appId, outTradeNo!);
  if (
    !trade ||
    trade.owner !== request.app.appId ||
    trade.generation !== 'openapi' ||
    !trade.visible ||
    (outTradeNo !== undefined && trade.outTradeNo !== outTradeNo)
  ) {
    // Before the buyer scans or logs in, Alipay has no trade yet.
    return fail('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在 trade does not exist');
  }
  return trade;
}

const yuan = (fen: number): string => formatYuan(fen);

async function dispatch(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  switch (request.method) {
    case 'alipay.trade.precreate': {
      const trade = createTrade(ctx, request);
      if (!trade.qrToken) {
        trade.qrToken = `bax0${randomBytes(12).toString('hex')}`;
        ctx.store.qrCodes.set(trade.qrToken, trade.tradeNo);
      }
      return {
        code: '10000',
        msg: 'Success',
        out_trade_no: trade.outTradeNo,
        qr_code: `${ctx.baseUrl}/qr/${trade.qrToken}`,
      };
    }
    case 'alipay.trade.query':
      return openApiQueryFields(findTrade(ctx, request));
    case 'alipay.trade.refund':
      return refund(ctx, request, answered);
    case 'alipay.trade.fastpay.refund.query':
      return refundQuery(ctx, request);
    case 'alipay.trade.close': {
      const trade = findTrade(ctx, request);
      await ctx.lifecycle.close(trade, 'merchant');
      return { code: '10000', msg: 'Success', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
    }
    case 'alipay.trade.cancel':
      return cancel(ctx, request, answered);
    default:
      return fail('40002', 'isv.invalid-method', `不存在的方法名 ${request.method}`);
  }
}

/** Remembered answers of alipay.trade.refund, keyed by trade and out_request_no (the idempotency key). */
const refundAnswers = new WeakMap<Trade, Map<string, Record<string, unknown>>>();

/**
 * When to send a refund's notifications: after the answer (as Alipay does), or, when the
 * `refund-notify-first` fault fires, at once, the answer waiting for their first attempts.
 */
function refundNotifyGate(
  ctx: SandboxContext,
  trade: Trade,
  answered: Promise<void>,
): { after?: Promise<void>; notifyFirst: boolean } {
  const fired = ctx.faults.take('refund-notify-first', {
    appId: trade.owner,
    outTradeNos: [trade.outTradeNo],
  });
  return fired ? { notifyFirst: true } : { after: answered, notifyFirst: false };
}

async function refund(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  const trade = findTrade(ctx, request);
  const refundText = requiredBiz(request.biz, 'refund_amount');
  const fen = parseYuan(refundText);
  if (fen === undefined || fen < MIN_FEN)
    invalid(`refund_amount must be a positive yuan amount, got ${refundText}`);
  // Without out_request_no Alipay uses the out_trade_no: a second such call repeats the first.
  const outRequestNo = bizString(request.biz, 'out_request_no') ?? trade.outTradeNo;
  const reason = bizString(request.biz, 'refund_reason') ?? '';
  // Check and apply in the trade's money queue: concurrent calls (the same out_request_no, or others)
  // run one after the other, each seeing what the previous ones did.
  const outcome = await ctx.lifecycle.serial(trade, () => {
    let answers = refundAnswers.get(trade);
    if (!answers) {
      answers = new Map();
      refundAnswers.set(trade, answers);
    }
    const previous = answers.get(outRequestNo);
    if (previous) return { answer: { ...previous, fund_change: 'N' } };
    if (trade.status === 'TRADE_CLOSED')
      fail('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭 the trade is closed');
    if (trade.status === 'TRADE_FINISHED')
      fail('40004', 'ACQ.TRADE_HAS_FINISHED', '交易已完结 the refund period is over');
    if (trade.status !== 'TRADE_SUCCESS')
      fail('40004', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法 the trade is not paid');
    if (fen! > trade.totalFen - trade.refundedFen) {
      fail(
        '40004',
        'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
        '退款金额超限 refund_amount exceeds what is left to refund',
      );
    }
    const gate = refundNotifyGate(ctx, trade, answered);
    const notified = ctx.lifecycle.refund(
      trade,
      fen!,
      { source: 'openapi', outRequestNo, reason },
      gate.after ? { after: gate.after } : {},
    );
    const answer: Record<string, unknown> = {
      code: '10000',
      msg: 'Success',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: maskLogonId(trade.buyerEmail),
      fund_change: 'Y',
      refund_fee: yuan(trade.refundedFen),
      gmt_refund_pay: formatBeijing(ctx.clock.now()),
      buyer_user_id: trade.buyerId,
    };
    // Remembered before any notification goes out: a repeat is answered from here from now on.
    answers.set(outRequestNo, answer);
    return { answer, notified: gate.notifyFirst ? notified : undefined };
  });
  if (outcome.notified) await outcome.notified;
  return outcome.answer;
}

function refundQuery(ctx: SandboxContext, request: OpenApiRequest): Record<string, unknown> {
  const outRequestNo = requiredBiz(request.biz, 'out_request_no');
  const trade = findTrade(ctx, request);
  // A merchant's out_request_no, or the out_biz_no Alipay gave a refund made on its side.
  const record = trade.refunds.find(
    r => (r.source === 'openapi' || r.source === 'alipay') && r.outRequestNo === outRequestNo,
  );
  const answer: Record<string, unknown> = {
    code: '10000',
    msg: 'Success',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    out_request_no: outRequestNo,
  };
  // code=10000 without refund_amount means "no such refund": Alipay answers like that, not with an error.
  if (!record) return answer;
  answer['total_amount'] = yuan(trade.totalFen);
  answer['refund_amount'] = yuan(record.amountFen);
  if (record.reason) answer['refund_reason'] = record.reason;
  answer['refund_status'] = 'REFUND_SUCCESS';
  const options = request.biz['query_options'];
  if (Array.isArray(options) && options.includes('gmt_refund_pay'))
    answer['gmt_refund_pay'] = formatBeijing(record.at);
  return answer;
}

async function cancel(
  ctx: SandboxContext,
  request: OpenApiRequest,
  answered: Promise<void>,
): Promise<Record<string, unknown>> {
  const trade = findTrade(ctx, request);
  const base = {
    code: '10000',
    msg: 'Success',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    retry_flag: 'N',
  };
  // Cancelling a paid trade refunds it: a money operation, queued with the trade's refunds.
  const outcome = await ctx.lifecycle.serial(trade, () => {
    if (trade.status === 'WAIT_BUYER_PAY') {
      return { answer: { ...base, action: 'close' }, closed: ctx.lifecycle.close(trade, 'cancel') };
    }
    if (trade.status === 'TRADE_CLOSED')
      return { answer: { ...base, action: trade.refundedFen > 0 ? 'refund' : 'close' } };
    if (trade.status === 'TRADE_SUCCESS') {
      const gate = refundNotifyGate(ctx, trade, answered);
      const notified = ctx.lifecycle.refund(
        trade,
        trade.totalFen - trade.refundedFen,
        { source: 'openapi', reason: 'cancel' },
        gate.after ? { after: gate.after } : {},
      );
      return { answer: { ...base, action: 'refund' }, closed: gate.notifyFirst ? notified : undefined };
    }
    return fail('40004', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法 a finished trade cannot be cancelled');
  });
  // Closing an unpaid trade notifies before answering (unchanged); a refund only with refund-notify-first.
  if (outcome.closed) await outcome.closed;
  return outcome.answer;
}
