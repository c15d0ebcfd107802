import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderLegacyError } from './cashier-page';
import { type AlipayCharset, encodeText } from './charset';
import { ALWAYS_ALLOWED_SERVICES } from './config';
import type { SandboxContext } from './context';
import type { FaultContext } from './faults';
import { answeredByGatewayFault, gatewayCall } from './gateway-calls';
import { redirect, responseDone, send, sendHtml } from './http-util';
import { CREATE_SERVICES, createLegacyTrade } from './legacy-create';
import { executeRefundBatch, holdPwdRefund, validateRefundBatch } from './legacy-refunds';
import { legacyFail as fail, LegacyError, readLegacyRequest } from './legacy-request';
import { closeTrade, sendGoods, singleTradeQuery } from './legacy-trade-services';
import { TradeStateError } from './lifecycle';
import { verifyLegacy } from './signer';
import { xmlError, xmlSuccess } from './xml';

/**
 * The legacy (mapi) gateway, `/gateway.do`: reads the request, checks it in Alipay's order and routes it
 * to the create interfaces (browser → cashier, `legacy-create.ts`), the server-to-server interfaces (XML
 * answers, `legacy-trade-services.ts`), the two refund interfaces (`legacy-refunds.ts`) and
 * `notify_verify`.
 *
 * Check order (Alipay does not document it; this one never reveals contract details to an unsigned
 * request): service → partner → _input_charset → sign_type → sign → contract → business parameters.
 */

const SERVER_SERVICES = new Set([
  'send_goods_confirm_by_platform',
  'single_trade_query',
  'close_trade',
  'refund_fastpay_by_platform_nopwd',
]);

const BROWSER_SERVICES = new Set([...Object.keys(CREATE_SERVICES), 'refund_fastpay_by_platform_pwd']);

function sendXml(res: ServerResponse, xml: string, charset: AlipayCharset): void {
  send(res, 200, encodeText(xml, charset), `text/xml; charset=${charset === 'utf-8' ? 'utf-8' : 'GBK'}`);
}

/** Handles `GET|POST /gateway.do` (and the old `notify_query.do` fallback for notify_verify). */
export async function handleLegacyGateway(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: Buffer,
  body: Buffer,
  forceService?: string,
): Promise<void> {
  const { request, error } = readLegacyRequest(query, body, req.headers['content-type']);
  const params = request?.params ?? {};
  const service = forceService ?? params['service'];
  const charset = request?.charset ?? 'utf-8';
  const faultCtx: FaultContext = { outTradeNos: outTradeNosOf(ctx, params) };
  if (params['partner']) faultCtx.partner = params['partner'];
  const arrived = ctx.clock.now();
  ctx.gatewayCalls.push(
    gatewayCall('legacy', arrived, service, params['partner'], faultCtx.outTradeNos ?? []),
  );

  const verifyCall = service === 'notify_verify';
  const faults = verifyCall
    ? ({ hang: 'notify-verify-hang', error: 'notify-verify-500' } as const)
    : undefined;
  if (answeredByGatewayFault(ctx, res, faultCtx, '500 系统繁忙，请稍后再试 System busy', faults)) return;

  if (verifyCall) {
    send(res, 200, notifyVerify(ctx, params), 'text/plain; charset=utf-8');
    return;
  }

  const browser = service === undefined || !SERVER_SERVICES.has(service);
  const answerError = (e: LegacyError): void => {
    if (browser)
      sendHtml(res, 200, renderLegacyError(e.code, e.detail), { 'x-alipay-sandbox-error': e.code });
    else sendXml(res, xmlError(e.code, charset), charset);
  };

  try {
    if (error && error.code !== 'ILLEGAL_CHARSET') throw error;
    if (!service || !(BROWSER_SERVICES.has(service) || SERVER_SERVICES.has(service))) {
      fail('ILLEGAL_SERVICE', `unknown service ${JSON.stringify(service ?? '')}`);
    }
    const merchant = ctx.merchant(params['partner']);
    if (!merchant)
      fail('ILLEGAL_PARTNER', `partner ${JSON.stringify(params['partner'] ?? '')} does not exist`);
    if (error) throw error;
    if (params['_input_charset'] === undefined)
      fail('ILLEGAL_CHARSET', '_input_charset is required (utf-8, gbk, gb2312)');
    const signType = params['sign_type'];
    if (signType !== 'MD5' && signType !== 'RSA') {
      fail(
        'ILLEGAL_SIGN_TYPE',
        `sign_type must be MD5 or RSA (upper case), got ${JSON.stringify(signType ?? '')}`,
      );
    }
    const okSign = verifyLegacy(params, merchant!, signType as 'MD5' | 'RSA', charset);
    if (!okSign) fail('ILLEGAL_SIGN', `signature does not match (bytes hashed as ${charset})`);
    if (!merchant!.contract.includes(service!) && !ALWAYS_ALLOWED_SERVICES.includes(service!)) {
      fail('HAS_NO_PRIVILEGE', `partner ${merchant!.partner} has no contract for ${service}`);
    }
    const legacy = { params, charset, method: req.method ?? 'GET' };
    const st = signType as 'MD5' | 'RSA';
    switch (service) {
      case 'create_direct_pay_by_user':
      case 'create_partner_trade_by_buyer':
      case 'trade_create_by_buyer': {
        const trade = createLegacyTrade(ctx, legacy, merchant!, st, service);
        redirect(res, `${ctx.baseUrl}/cashier/${trade.tradeNo}`, req.method);
        return;
      }
      case 'send_goods_confirm_by_platform':
        await sendGoods(ctx, legacy, merchant!);
        sendXml(res, xmlSuccess(charset), charset);
        return;
      case 'close_trade':
        await closeTrade(ctx, legacy, merchant!);
        sendXml(res, xmlSuccess(charset), charset);
        return;
      case 'single_trade_query':
        sendXml(res, singleTradeQuery(ctx, legacy, merchant!, st), charset);
        return;
      case 'refund_fastpay_by_platform_nopwd': {
        const batch = validateRefundBatch(ctx, legacy, merchant!);
        // The batch's notifications go out once this answer is written (unless refund-notify-first).
        await executeRefundBatch(ctx, merchant!, batch, st, charset, responseDone(res));
        sendXml(res, xmlSuccess(charset), charset);
        return;
      }
      case 'refund_fastpay_by_platform_pwd': {
        const token = holdPwdRefund(ctx, legacy, merchant!, st);
        redirect(res, `${ctx.baseUrl}/refund/confirm/${token}`, req.method);
        return;
      }
    }
  } catch (e) {
    if (e instanceof LegacyError) {
      answerError(e);
      return;
    }
    if (e instanceof TradeStateError) {
      answerError(new LegacyError(e.code, e.message));
      return;
    }
    throw e;
  }
}

function outTradeNosOf(ctx: SandboxContext, params: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of ['out_trade_no', 'out_order_no']) if (params[key]) out.push(params[key]!);
  if (params['trade_no']) {
    const trade = ctx.store.trades.get(params['trade_no']);
    if (trade) out.push(trade.outTradeNo);
  }
  if (params['detail_data']) {
    for (const item of params['detail_data'].split('#')) {
      const trade = ctx.store.trades.get(item.split('^')[0] ?? '');
      if (trade) out.push(trade.outTradeNo);
    }
  }
  return out;
}

/** `notify_verify`: `true` only for a notify_id issued to this partner that is still valid. */
function notifyVerify(ctx: SandboxContext, params: Record<string, string>): string {
  const partner = params['partner'];
  const notifyId = params['notify_id'];
  if (!partner || !notifyId) return 'invalid';
  const record = ctx.store.notifyIds.get(notifyId);
  if (!record || record.owner !== partner) return 'false';
  if (record.expiresAt !== undefined && ctx.clock.now() > record.expiresAt) return 'false';
  return 'true';
}
