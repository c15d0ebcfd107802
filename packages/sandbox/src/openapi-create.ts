import { randomBytes } from 'node:crypto';
import type { App } from './config';
import type { SandboxContext } from './context';
import {
  amountOf,
  bizString,
  openApiFail as fail,
  invalidParameter,
  type OpenApiRequest,
  requiredBiz,
} from './openapi-request';
import { DAY, HOUR, MINUTE, parseBeijing, parseRelativeTimeout } from './time';
import type { Trade, TradeKind } from './trade-store';
import { byteLength, isHttpUrl } from './validate';

/**
 * OpenAPI trade creation: alipay.trade.page.pay and wap.pay (the buyer is sent to the cashier) and
 * alipay.trade.precreate (a QR code), with product codes, expiry, service-provider mode
 * (`app_auth_token`) and re-entry with the same out_trade_no.
 */

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
    if (at === undefined) invalidParameter('time_expire must be yyyy-MM-dd HH:mm:ss');
    // An absolute time: the trade closes that much sandbox time from now, scaled like every timer.
    return now + ctx.clock.scaled(Math.max(0, at! - now));
  }
  const relative = bizString(biz, 'timeout_express');
  if (relative) {
    const ms = parseRelativeTimeout(relative);
    if (ms === undefined || ms < MINUTE || ms > 15 * DAY) invalidParameter('timeout_express must be 1m–15d');
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

/** Creates (or, for a repeat with the same data, returns) the trade of a create method. */
export function createOpenApiTrade(ctx: SandboxContext, request: OpenApiRequest): Trade {
  const { biz, app, method, params } = request;
  const outTradeNo = requiredBiz(biz, 'out_trade_no');
  if (outTradeNo.length > 64) invalidParameter('out_trade_no is longer than 64 characters');
  const totalFen = amountOf(biz, 'total_amount');
  const subject = requiredBiz(biz, 'subject');
  if (byteLength(subject, request.charset) > 256) invalidParameter('subject is longer than 256 bytes');
  const productCode = bizString(biz, 'product_code');
  if (method !== 'alipay.trade.precreate' && !productCode)
    invalidParameter('product_code 不能为空 is required');
  if (productCode && !PRODUCT_CODES[method]!.includes(productCode)) {
    invalidParameter(`product_code must be ${PRODUCT_CODES[method]!.join(' or ')} for ${method}`);
  }
  for (const name of ['notify_url', 'return_url']) {
    if (params[name] && !isHttpUrl(params[name])) invalidParameter(`${name} must be an absolute http(s) URL`);
  }
  const quitUrl = bizString(biz, 'quit_url');
  if (quitUrl && !isHttpUrl(quitUrl)) invalidParameter('quit_url must be an absolute http(s) URL');
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
  const trade = ctx.store.createUnpaid(
    {
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
      expiresAt,
    },
    ctx.clock.now(),
  );
  if (merchant) trade.authAppId = merchant.appId;
  const bodyText = bizString(biz, 'body');
  if (bodyText) trade.body = bodyText;
  const passback = bizString(biz, 'passback_params');
  if (passback) trade.echo['passback_params'] = passback;
  if (params['notify_url']) trade.notifyUrl = params['notify_url'];
  if (params['return_url']) trade.returnUrl = params['return_url'];
  if (quitUrl) trade.quitUrl = quitUrl;
  ctx.lifecycle.scheduleExpiry(trade);
  return trade;
}

/** alipay.trade.precreate: the trade and the QR code the buyer scans. */
export function precreate(ctx: SandboxContext, request: OpenApiRequest): Record<string, unknown> {
  const trade = createOpenApiTrade(ctx, request);
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
