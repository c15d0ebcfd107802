import { MAX_FEN, MIN_FEN, parseYuan } from './amounts';
import type { AlipayCharset } from './charset';
import type { App, OpenApiProductName } from './config';
import type { SandboxContext } from './context';
import type { Trade } from './trade-store';

/**
 * An OpenAPI request after the gateway's common checks: the method table, the error type with Alipay's
 * codes, reading `biz_content` fields, and finding the trade a method names.
 */

/** Methods and the product (签约产品) each needs; `null` = any signed-up trade product will do. */
export const OPENAPI_METHODS: Record<string, OpenApiProductName | null> = {
  'alipay.trade.page.pay': 'page',
  'alipay.trade.wap.pay': 'wap',
  'alipay.trade.precreate': 'qr',
  'alipay.trade.cancel': 'qr',
  'alipay.trade.query': null,
  'alipay.trade.refund': null,
  'alipay.trade.fastpay.refund.query': null,
  'alipay.trade.close': null,
};

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

/** Throws an {@link OpenApiError}; typed `never` so checks read as guards. */
export const openApiFail = (code: OpenApiError['code'], subCode: string, subMsg: string): never => {
  throw new OpenApiError(code, subCode, subMsg);
};

/** Throws ACQ.INVALID_PARAMETER (a business parameter is missing or wrong). */
export const invalidParameter = (what: string): never =>
  openApiFail('40004', 'ACQ.INVALID_PARAMETER', `参数无效 invalid parameter: ${what}`);

/** The request after decoding. */
export interface OpenApiRequest {
  params: Record<string, string>;
  charset: AlipayCharset;
  method: string;
  app: App;
  biz: Record<string, unknown>;
  signType: 'RSA' | 'RSA2';
  encrypted: boolean;
  httpMethod: string;
}

/** An optional biz_content string (numbers accepted as text); undefined when absent or empty. */
export function bizString(biz: Record<string, unknown>, name: string): string | undefined {
  const value = biz[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') invalidParameter(`${name} must be a string`);
  return value as string;
}

/** A required biz_content string. */
export function requiredBiz(biz: Record<string, unknown>, name: string): string {
  const value = bizString(biz, name);
  if (value === undefined) invalidParameter(`${name} 不能为空 is required`);
  return value!;
}

/** A required yuan amount within Alipay's range. */
export function amountOf(biz: Record<string, unknown>, name: string): number {
  const text = requiredBiz(biz, name);
  const fen = parseYuan(text);
  if (fen === undefined) invalidParameter(`${name} must be yuan with at most 2 decimals, got ${text}`);
  if (fen! < MIN_FEN || fen! > MAX_FEN)
    openApiFail('40004', 'ACQ.TOTAL_FEE_EXCEED', `订单金额超出范围 ${name} must be 0.01–100000000.00`);
  return fen!;
}

/** The trade a method names by out_trade_no or trade_no, if this app owns it and the buyer has seen it. */
export function findTrade(ctx: SandboxContext, request: OpenApiRequest): Trade {
  const outTradeNo = bizString(request.biz, 'out_trade_no');
  const tradeNo = bizString(request.biz, 'trade_no');
  if (!outTradeNo && !tradeNo)
    invalidParameter('out_trade_no 和 trade_no 不能同时为空 (give out_trade_no or trade_no)');
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
    return openApiFail('40004', 'ACQ.TRADE_NOT_EXIST', '交易不存在 trade does not exist');
  }
  return trade;
}

/** The start of every successful answer about one trade; methods add their own fields after these. */
export function successAbout(trade: Trade): Record<string, unknown> {
  return { code: '10000', msg: 'Success', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
}
