import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escrowTotalFen, formatYuan, MAX_FEN, MIN_FEN, parseYuan } from './amounts';
import { renderLegacyError } from './cashier-page';
import { type AlipayCharset, encodeText } from './charset';
import { ALWAYS_ALLOWED_SERVICES, type Merchant } from './config';
import type { SandboxContext } from './context';
import type { FaultContext } from './faults';
import { charsetOf, mergeParams, ParamsError, parseParams, peekField } from './form-codec';
import { redirect, responseDone, send, sendHtml } from './http-util';
import { legacyQueryTradeFields, legacyQueryXml } from './legacy-messages';
import { TradeStateError } from './lifecycle';
import { isMultipart, MultipartError, parseMultipart } from './multipart';
import { signLegacy, verifyLegacy } from './signer';
import { beijingDate, DAY, formatBeijing, MINUTE, parseBeijing, parseRelativeTimeout } from './time';
import type { LogisticsOption, PendingPwdRefund, Trade, TradeKind } from './trade-store';
import { byteLength, isCallbackUrl, isHttpUrl } from './validate';
import { xmlError, xmlSuccess } from './xml';

/**
 * The legacy (mapi) gateway, `/gateway.do`: the three create interfaces (browser → cashier), the
 * server-to-server interfaces (XML answers), the two refund interfaces and `notify_verify`.
 *
 * Check order (Alipay does not document it; this one never reveals contract details to an unsigned
 * request): service → partner → _input_charset → sign_type → sign → contract → business parameters.
 */

const CREATE_SERVICES: Record<string, TradeKind> = {
  create_direct_pay_by_user: 'direct',
  create_partner_trade_by_buyer: 'escrow',
  trade_create_by_buyer: 'dual',
};

const SERVER_SERVICES = new Set([
  'send_goods_confirm_by_platform',
  'single_trade_query',
  'close_trade',
  'refund_fastpay_by_platform_nopwd',
]);

const BROWSER_SERVICES = new Set([...Object.keys(CREATE_SERVICES), 'refund_fastpay_by_platform_pwd']);

const LOGISTICS_TYPES = ['POST', 'EXPRESS', 'EMS', 'DIRECT'];
const LOGISTICS_PAYMENTS = ['SELLER_PAY', 'BUYER_PAY', 'BUYER_PAY_AFTER_RECEIVE'];

/** Default unpaid-trade timeout (it_b_pay default 15d). */
const DEFAULT_TIMEOUT_MS = 15 * DAY;

/** A gateway error with Alipay's code; `detail` is the sandbox's hint for humans. */
export class LegacyError extends Error {
  constructor(
    readonly code: string,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

const fail = (code: string, detail?: string): never => {
  throw new LegacyError(code, detail);
};

/** A parsed legacy request. */
interface LegacyRequest {
  params: Record<string, string>;
  charset: AlipayCharset;
  method: string;
}

function readRequest(
  query: Buffer,
  body: Buffer,
  contentType: string | undefined,
): { request?: LegacyRequest; charsetLabel?: string; error?: LegacyError } {
  let parts: Array<[string, Buffer]> | undefined;
  if (body.length > 0 && isMultipart(contentType)) {
    try {
      parts = parseMultipart(body, contentType!);
    } catch (error) {
      if (error instanceof MultipartError)
        return { error: new LegacyError('ILLEGAL_ARGUMENT', error.message) };
      throw error;
    }
  }
  const bodyLabel = parts
    ? parts.find(([name]) => name === '_input_charset')?.[1].toString('latin1')
    : peekField(body, '_input_charset');
  const label = peekField(query, '_input_charset') ?? bodyLabel;
  const charset = label === undefined ? 'utf-8' : charsetOf(label);
  // An unsupported charset still needs parameters for the error page's partner/service: read as UTF-8.
  const decodeAs = charset ?? 'utf-8';
  try {
    const bodyParams = parts ? multipartParams(parts, decodeAs) : parseParams(body, decodeAs);
    // Query and body merge the same way whatever the body's encoding (a conflict is refused).
    const params = mergeParams(parseParams(query, decodeAs), bodyParams);
    const request: LegacyRequest = { params, charset: decodeAs, method: 'GET' };
    if (label !== undefined && !charset)
      return { request, charsetLabel: label, error: new LegacyError('ILLEGAL_CHARSET') };
    if (label === undefined) return { request };
    return { request, charsetLabel: label };
  } catch (error) {
    if (error instanceof ParamsError) {
      return {
        error: new LegacyError(
          error.reason === 'charset' ? 'ILLEGAL_CHARSET' : 'ILLEGAL_ARGUMENT',
          error.message,
        ),
      };
    }
    throw error;
  }
}

/**
 * Multipart values are raw bytes in the request charset. Decoded without failing: bytes sent in another
 * charset than declared become garbage and fail the signature check (ILLEGAL_SIGN), as on Alipay.
 */
function multipartParams(parts: Array<[string, Buffer]>, charset: AlipayCharset): Record<string, string> {
  const decoder = new TextDecoder(charset === 'utf-8' ? 'utf-8' : 'gbk', { fatal: false });
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of parts) params[name] = decoder.decode(value);
  return params;
}

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
  const { request, error } = readRequest(query, body, req.headers['content-type']);
  const params = request?.params ?? {};
  const service = forceService ?? params['service'];
  const charset = request?.charset ?? 'utf-8';
  const faultCtx: FaultContext = { outTradeNos: outTradeNosOf(ctx, params) };
  if (params['partner']) faultCtx.partner = params['partner'];
  ctx.gatewayCalls.push({
    at: ctx.clock.now(),
    api: 'legacy',
    name: service ?? '',
    owner: params['partner'] ?? '',
    outTradeNos: [...(faultCtx.outTradeNos ?? [])],
  });

  const verifyCall = service === 'notify_verify';
  if (ctx.faults.take(verifyCall ? 'notify-verify-hang' : 'gateway-hang', faultCtx)) {
    ctx.hang(res);
    return;
  }
  if (ctx.faults.take(verifyCall ? 'notify-verify-500' : 'gateway-500', faultCtx)) {
    sendHtml(res, 500, '<html><body><h1>500 系统繁忙，请稍后再试 System busy</h1></body></html>');
    return;
  }

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
    const legacy: LegacyRequest = { params, charset, method: req.method ?? 'GET' };
    const st = signType as 'MD5' | 'RSA';
    switch (service) {
      case 'create_direct_pay_by_user':
      case 'create_partner_trade_by_buyer':
      case 'trade_create_by_buyer': {
        const trade = createTrade(ctx, legacy, merchant!, st, service);
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
        validateRefundBatch(ctx, legacy, merchant!);
        const token = randomBytes(12).toString('hex');
        const pending: PendingPwdRefund = {
          token,
          partner: merchant!.partner,
          params: { ...params },
          charset,
          signType: st,
          createdAt: ctx.clock.now(),
          done: false,
        };
        ctx.store.pwdRefunds.set(token, pending);
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

// ---- create interfaces ------------------------------------------------------------------------------

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') fail('ILLEGAL_ARGUMENT', `${name} is required / ${name} 不能为空`);
  return value!;
}

function amount(params: Record<string, string>, name: string, allowZero = false): number {
  const text = required(params, name);
  const fen = parseYuan(text);
  if (fen === undefined || fen > MAX_FEN || (!allowZero && fen < MIN_FEN)) {
    fail(
      'ILLEGAL_ARGUMENT',
      `${name} must be a yuan amount with at most 2 decimals in 0.01–100000000.00, got ${text}`,
    );
  }
  return fen!;
}

function quantityOf(params: Record<string, string>): number {
  const text = required(params, 'quantity');
  if (!/^[1-9][0-9]{0,5}$/.test(text))
    fail('ILLEGAL_ARGUMENT', `quantity must be a positive integer, got ${text}`);
  return Number(text);
}

function resolveSeller(
  ctx: SandboxContext,
  params: Record<string, string>,
  merchant: Merchant,
): { email: string; id: string } {
  const email = params['seller_email'] || params['seller_account_name'];
  const id = params['seller_id'];
  if (!email && !id)
    fail('ILLEGAL_ARGUMENT', 'one of seller_email, seller_id, seller_account_name is required');
  const own = { email: merchant.sellerEmail, id: merchant.sellerId };
  const candidates = [own, ...merchant.payees.map(p => ({ email: p.email, id: p.userId }))];
  const found = candidates.find(c => (!email || c.email === email) && (!id || c.id === id));
  if (found) return found;
  const elsewhere =
    ctx.config.merchants.some(m => m.sellerEmail === email || m.sellerId === id) ||
    ctx.config.apps.some(a => a.sellerEmail === email || a.sellerId === id);
  if (elsewhere)
    fail('SELLER_NOT_IN_SPECIFIED_SELLERS', `partner ${merchant.partner} may not collect for that seller`);
  return fail('SELLER_NOT_EXIST', `no Alipay account ${email ?? id}`);
}

function timeoutOf(ctx: SandboxContext, params: Record<string, string>): number {
  const text = params['it_b_pay'];
  const now = ctx.clock.now();
  if (text === undefined || text === '') return now + ctx.clock.scaled(DEFAULT_TIMEOUT_MS);
  if (text === '1c') {
    // "1c" closes at the end of the current day, Beijing time.
    const beijingMidnight = Math.floor((now + 8 * 3_600_000) / DAY + 1) * DAY - 8 * 3_600_000;
    return beijingMidnight;
  }
  const ms = parseRelativeTimeout(text);
  if (ms === undefined || ms < MINUTE || ms > 15 * DAY) {
    fail('ILLEGAL_ARGUMENT', `it_b_pay must be 1m–15d or 1c without decimals, got ${text}`);
  }
  return now + ctx.clock.scaled(ms!);
}

function logisticsOf(params: Record<string, string>): LogisticsOption[] {
  const options: LogisticsOption[] = [];
  for (const suffix of ['', '_1', '_2']) {
    const names = [`logistics_type${suffix}`, `logistics_fee${suffix}`, `logistics_payment${suffix}`];
    if (suffix !== '' && names.every(n => params[n] === undefined || params[n] === '')) continue;
    const type = required(params, names[0]!);
    const feeFen = amount(params, names[1]!, true);
    const payment = required(params, names[2]!);
    if (!LOGISTICS_TYPES.includes(type))
      fail('ILLEGAL_ARGUMENT', `${names[0]} must be one of ${LOGISTICS_TYPES.join(', ')}`);
    if (!LOGISTICS_PAYMENTS.includes(payment)) {
      fail('ILLEGAL_ARGUMENT', `${names[2]} must be one of ${LOGISTICS_PAYMENTS.join(', ')}`);
    }
    if (options.some(o => o.type === type))
      fail('ILLEGAL_ARGUMENT', `${names[0]} repeats logistics type ${type}`);
    options.push({ type, feeFen, payment });
  }
  return options;
}

const RECEIVE_FIELDS = ['receive_name', 'receive_address', 'receive_zip', 'receive_phone', 'receive_mobile'];

function createTrade(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
  service: string,
): Trade {
  const p = req.params;
  const kind = CREATE_SERVICES[service]!;
  const outTradeNo = required(p, 'out_trade_no');
  if (outTradeNo.length > 64) fail('ILLEGAL_ARGUMENT', 'out_trade_no is longer than 64 characters');
  const subject = required(p, 'subject');
  if (byteLength(subject, req.charset) > 256) fail('ILLEGAL_ARGUMENT', 'subject is longer than 256 bytes');
  if (p['body'] && byteLength(p['body'], req.charset) > 1000)
    fail('ILLEGAL_ARGUMENT', 'body is longer than 1000 bytes');
  const paymentType = required(p, 'payment_type');
  if (paymentType !== '1')
    fail('ILLEGAL_PAYMENT_TYPE', `payment_type must be 1 (商品购买), got ${paymentType}`);
  for (const name of ['notify_url', 'return_url']) {
    const url = p[name];
    if (url !== undefined && url !== '' && !isCallbackUrl(url)) {
      fail('ILLEGAL_ARGUMENT', `${name} must be an absolute http(s) URL without a query string: ${url}`);
    }
  }
  if (p['show_url'] && !isHttpUrl(p['show_url']))
    fail('ILLEGAL_ARGUMENT', 'show_url must be an absolute http(s) URL');
  if (p['extra_common_param'] && /[=&]/.test(p['extra_common_param'])) {
    fail('ILLEGAL_ARGUMENT', 'extra_common_param must not contain = or &');
  }
  const seller = resolveSeller(ctx, p, merchant);

  let totalFen: number;
  let priceFen: number;
  let quantity: number;
  let discountFen = 0;
  let logistics: LogisticsOption[] = [];
  if (kind === 'direct') {
    const hasTotal = p['total_fee'] !== undefined && p['total_fee'] !== '';
    const hasPrice = p['price'] !== undefined && p['price'] !== '';
    if (hasTotal && hasPrice) fail('ILLEGAL_ARGUMENT', 'give either total_fee or price+quantity, not both');
    if (!hasTotal && !hasPrice) fail('ILLEGAL_ARGUMENT', 'total_fee or price+quantity is required');
    if (hasTotal) {
      const fen = parseYuan(p['total_fee']);
      if (fen === undefined) fail('ILLEGAL_ARGUMENT', `total_fee is not a yuan amount: ${p['total_fee']}`);
      if (fen! < MIN_FEN || fen! > MAX_FEN)
        fail('DIRECT_PAY_AMOUNT_OUT_OF_RANGE', 'total_fee must be 0.01–100000000.00');
      totalFen = fen!;
      priceFen = fen!;
      quantity = 1;
    } else {
      priceFen = amount(p, 'price');
      quantity = quantityOf(p);
      totalFen = priceFen * quantity;
      if (totalFen > MAX_FEN) fail('DIRECT_PAY_AMOUNT_OUT_OF_RANGE', 'price × quantity exceeds 100000000.00');
    }
  } else {
    priceFen = amount(p, 'price');
    quantity = quantityOf(p);
    logistics = logisticsOf(p);
    if (p['discount'] !== undefined && p['discount'] !== '') discountFen = amount(p, 'discount', true);
    totalFen = escrowTotalFen(priceFen, quantity, discountFen, logistics[0]);
    if (totalFen < MIN_FEN || totalFen > MAX_FEN) {
      fail('ILLEGAL_ARGUMENT', 'price × quantity − discount + logistics fee must be 0.01–100000000.00');
    }
  }
  const expiresAt = timeoutOf(ctx, p);
  const receive: Record<string, string> = {};
  for (const name of RECEIVE_FIELDS) if (p[name]) receive[name] = p[name]!;
  const echo: Record<string, string> = {};
  if (p['extra_common_param']) echo['extra_common_param'] = p['extra_common_param'];

  const existing = ctx.store.byOutTradeNo(merchant.partner, outTradeNo);
  if (existing) {
    const same =
      existing.service === service &&
      existing.totalFen === totalFen &&
      existing.priceFen === priceFen &&
      existing.quantity === quantity &&
      existing.sellerId === seller.id;
    if (!same)
      fail('TRADE_DATA_MATCH_ERROR', `out_trade_no ${outTradeNo} was created before with different data`);
    if (existing.status === 'TRADE_CLOSED') fail('TRADE_HAS_CLOSED', `trade ${existing.tradeNo} is closed`);
    if (existing.status !== 'WAIT_BUYER_PAY')
      fail('TRADE_HAS_SUCCESS', `trade ${existing.tradeNo} is already paid`);
    // The buyer came back through a fresh request: the latest URLs and request win.
    assignUrls(existing, p);
    existing.request = { ...p };
    existing.charset = req.charset;
    existing.signType = signType;
    return existing;
  }

  const now = ctx.clock.now();
  const trade: Trade = {
    tradeNo: ctx.store.newTradeNo(now),
    outTradeNo,
    generation: 'legacy',
    owner: merchant.partner,
    service,
    kind,
    charset: req.charset,
    signType,
    subject,
    totalFen,
    priceFen,
    quantity,
    discountFen,
    logistics,
    logisticsChoice: 0,
    receive,
    sellerEmail: seller.email,
    sellerId: seller.id,
    echo,
    request: { ...p },
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
  if (p['body']) trade.body = p['body'];
  if (logistics.length > 0) trade.gmtLogisticsModify = now;
  assignUrls(trade, p);
  ctx.store.add(trade);
  ctx.lifecycle.scheduleExpiry(trade);
  return trade;
}

function assignUrls(trade: Trade, p: Record<string, string>): void {
  if (p['notify_url']) trade.notifyUrl = p['notify_url'];
  if (p['return_url']) trade.returnUrl = p['return_url'];
  if (p['show_url']) trade.showUrl = p['show_url'];
}

// ---- server interfaces ------------------------------------------------------------------------------

function partnerTrade(ctx: SandboxContext, merchant: Merchant, tradeNo?: string, outTradeNo?: string): Trade {
  const trade = tradeNo
    ? ctx.store.trades.get(tradeNo)
    : ctx.store.byOutTradeNo(merchant.partner, outTradeNo ?? '');
  if (!trade || trade.owner !== merchant.partner || trade.generation !== 'legacy' || !trade.visible) {
    return fail(
      'TRADE_NOT_EXIST',
      'no such trade for this partner (a trade exists once the buyer opened the cashier)',
    );
  }
  if (outTradeNo && trade.outTradeNo !== outTradeNo)
    fail('TRADE_NOT_EXIST', 'trade_no and out_trade_no do not match');
  return trade;
}

async function sendGoods(ctx: SandboxContext, req: LegacyRequest, merchant: Merchant): Promise<void> {
  const p = req.params;
  const tradeNo = required(p, 'trade_no');
  const logisticsName = required(p, 'logistics_name');
  const transport = p['transport_type'] || p['create_transport_type'];
  if (transport && !LOGISTICS_TYPES.includes(transport)) {
    fail('ILLEGAL_ARGUMENT', `transport_type must be one of ${LOGISTICS_TYPES.join(', ')}`);
  }
  const trade = partnerTrade(ctx, merchant, tradeNo);
  const shipment: NonNullable<Trade['shipment']> = { logisticsName };
  if (p['invoice_no']) shipment.invoiceNo = p['invoice_no'];
  if (transport) shipment.transportType = transport;
  await ctx.lifecycle.sendGoods(trade, shipment);
}

async function closeTrade(ctx: SandboxContext, req: LegacyRequest, merchant: Merchant): Promise<void> {
  const p = req.params;
  if (!p['trade_no'] && !p['out_order_no']) fail('ILLEGAL_ARGUMENT', 'trade_no or out_order_no is required');
  const trade = partnerTrade(ctx, merchant, p['trade_no'], p['out_order_no']);
  if (p['trade_role'] && !['B', 'S'].includes(p['trade_role']))
    fail('ILLEGAL_ARGUMENT', 'trade_role must be B or S');
  await ctx.lifecycle.close(trade, 'merchant');
}

function singleTradeQuery(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
): string {
  const p = req.params;
  if (!p['trade_no'] && !p['out_trade_no']) fail('ILLEGAL_ARGUMENT', 'trade_no or out_trade_no is required');
  const trade = partnerTrade(ctx, merchant, p['trade_no'], p['out_trade_no']);
  const fields = legacyQueryTradeFields(trade);
  const spoil =
    ctx.faults.take('tamper-signature', { partner: merchant.partner, outTradeNos: [trade.outTradeNo] }) !==
    undefined;
  const signed = signLegacy(
    fields,
    merchant,
    signType,
    req.charset,
    ctx.config.legacyRsaKeys.privateKey,
    spoil,
  );
  return legacyQueryXml(p, fields, signed['sign']!, signType, req.charset);
}

// ---- refunds ------------------------------------------------------------------------------------------

/** A validated refund batch. */
export interface RefundBatch {
  batchNo: string;
  items: Array<{ tradeNo: string; amountFen: number; amount: string; reason: string }>;
  notifyUrl?: string;
}

/** Checks a refund_fastpay_by_platform_* request; throws LegacyError with Alipay's refund error codes. */
export function validateRefundBatch(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
): RefundBatch {
  const p = req.params;
  const seller = p['seller_email'] || p['seller_user_id'];
  if (seller) {
    const known = [
      merchant.sellerEmail,
      merchant.sellerId,
      ...merchant.payees.flatMap(x => [x.email, x.userId]),
    ];
    if (!known.includes(seller)) fail('SELLER_NOT_EXIST', `seller ${seller} is not this partner's account`);
  }
  const refundDate = required(p, 'refund_date');
  if (parseBeijing(refundDate) === undefined)
    fail('REFUND_DATE_ERROR', 'refund_date must be yyyy-MM-dd HH:mm:ss');
  const batchNo = required(p, 'batch_no');
  const today = beijingDate(ctx.clock.now());
  const m = /^(\d{8})([0-9A-Za-z]{3,24})$/.exec(batchNo);
  if (!m || m[1] !== today || m[2] === '000') {
    fail('BATCH_NO_FORMAT_ERROR', `batch_no must be today's date ${today} + 3–24 letters/digits (not 000)`);
  }
  if (ctx.store.batchNoUsed(merchant.partner, batchNo))
    fail('DUPLICATE_BATCH_NO', `batch_no ${batchNo} was used before`);
  const batchNumText = required(p, 'batch_num');
  if (!/^[1-9][0-9]*$/.test(batchNumText)) fail('BATCH_NUM_ERROR', 'batch_num must be a positive integer');
  const batchNum = Number(batchNumText);
  if (batchNum > 1000) fail('BATCH_NUM_EXCEED_LIMIT', 'batch_num is at most 1000');
  const detail = required(p, 'detail_data');
  const rawItems = detail.split('#');
  const items: RefundBatch['items'] = [];
  for (const raw of rawItems) {
    const parts = raw.split('^');
    if (parts.length !== 3 || raw.includes('|') || raw.includes('$')) {
      fail(
        'DETAIL_DATA_FORMAT_ERROR',
        `detail item must be trade_no^amount^reason (royalty parts are not emulated): ${raw}`,
      );
    }
    const [tradeNo, amountText, reason] = parts as [string, string, string];
    const fen = parseYuan(amountText);
    if (!/^\d{16,64}$/.test(tradeNo) || fen === undefined)
      fail('DETAIL_DATA_FORMAT_ERROR', `bad trade_no or amount in ${raw}`);
    if (reason === '' || byteLength(reason, req.charset) > 256)
      fail('DETAIL_DATA_FORMAT_ERROR', 'reason must be 1–256 bytes');
    if (items.some(i => i.tradeNo === tradeNo))
      fail('DUBL_TRADE_NO_IN_SAME_BATCH', `trade ${tradeNo} twice in one batch`);
    items.push({ tradeNo, amountFen: fen!, amount: amountText, reason });
  }
  if (items.length !== batchNum)
    fail('BATCH_NUM_NOT_EQUAL_TOTAL', `batch_num ${batchNum} but ${items.length} items`);
  const notifyUrl = p['notify_url'];
  if (notifyUrl && !isCallbackUrl(notifyUrl))
    fail('ILLEGAL_ARGUMENT', 'notify_url must be an absolute http(s) URL without query');
  const batch: RefundBatch = { batchNo, items };
  if (notifyUrl) batch.notifyUrl = notifyUrl;
  return batch;
}

/** The per-item result code of a refund (SUCCESS, or why this item failed). */
function refundItemCode(trade: Trade | undefined, amountFen: number, merchant: Merchant): string {
  if (trade === undefined || trade.generation !== 'legacy' || !trade.visible) return 'TRADE_NOT_EXIST';
  if (trade.owner !== merchant.partner) return 'NOT_THIS_PARTNERS_TRADE';
  // refund_fastpay refunds instant-payment trades only, while they are still refundable.
  if (trade.kind !== 'direct' || trade.status !== 'TRADE_SUCCESS') return 'TRADE_STATUS_ERROR';
  if (amountFen < MIN_FEN || trade.refunds.length >= 99) return 'REFUND_AMOUNT_NOT_VALID';
  if (amountFen > trade.totalFen - trade.refundedFen) return 'REFUND_TRADE_FEE_ERROR';
  return 'SUCCESS';
}

/**
 * Applies a validated batch: each item succeeds or fails on its own (result in `result_details`), then
 * `batch_refund_notify` goes to the batch's notify_url. Successful items also notify the trade's own
 * notify_url (trade_status_sync with refund_status=REFUND_SUCCESS).
 *
 * Order, as on Alipay: the batch number is claimed at once (a concurrent repeat is DUPLICATE_BATCH_NO);
 * the items are checked and applied in the money queue of their trades (so concurrent batches, OpenAPI
 * calls and Alipay-side refunds of a trade never interleave); nothing is sent before `answered` settles
 * (the call's answer is written); then `batch_refund_notify`, and after its first attempt the trades'
 * `trade_status_sync`. With the `refund-notify-first` fault the notifications go out at once and this
 * resolves only after their first attempts, so the answer comes last.
 */
export async function executeRefundBatch(
  ctx: SandboxContext,
  merchant: Merchant,
  batch: RefundBatch,
  signType: 'MD5' | 'RSA',
  charset: AlipayCharset,
  answered: Promise<void>,
): Promise<{ successNum: number; resultDetails: string }> {
  ctx.store.claimBatchNo(merchant.partner, batch.batchNo);
  const trades = batch.items
    .map(item => ctx.store.trades.get(item.tradeNo))
    .filter((trade): trade is Trade => trade !== undefined);
  const outTradeNos = trades.map(trade => trade.outTradeNo);
  const notifyFirst =
    ctx.faults.take('refund-notify-first', { partner: merchant.partner, outTradeNos }) !== undefined;
  const gate = notifyFirst ? Promise.resolve() : answered;
  // The trades' notifications follow the batch notification's first attempt.
  let batchSent!: () => void;
  const afterBatch = new Promise<void>(resolve => {
    batchSent = resolve;
  });

  const outcome = await ctx.lifecycle.serial(trades, () => {
    const results: string[] = [];
    const tradeNotified: Promise<void>[] = [];
    let successNum = 0;
    for (const item of batch.items) {
      const trade = ctx.store.trades.get(item.tradeNo);
      const code = refundItemCode(trade, item.amountFen, merchant);
      if (code === 'SUCCESS' && trade) {
        tradeNotified.push(
          ctx.lifecycle.refund(
            trade,
            item.amountFen,
            { source: 'batch', batchNo: batch.batchNo, reason: item.reason },
            { after: afterBatch },
          ),
        );
        successNum++;
        results.push(
          `${item.tradeNo}^${formatYuan(item.amountFen)}^SUCCESS$${trade.sellerEmail}^${trade.sellerId}^0.00^SUCCESS`,
        );
      } else {
        results.push(`${item.tradeNo}^${item.amount}^${code}`);
      }
    }
    return { successNum, resultDetails: results.join('#'), tradeNotified };
  });
  const { successNum, resultDetails } = outcome;

  let batchNotified: Promise<void> = gate;
  if (batch.notifyUrl) {
    const now = ctx.clock.now();
    const record = ctx.store.issueNotifyId(merchant.partner, 'notify', now);
    const fields = {
      notify_type: 'batch_refund_notify',
      notify_id: record.notifyId,
      batch_no: batch.batchNo,
      success_num: String(successNum),
      result_details: resultDetails,
    };
    batchNotified = ctx.notifier.enqueue(
      {
        kind: 'batch_refund_notify',
        generation: 'legacy',
        owner: merchant.partner,
        url: batch.notifyUrl,
        charset,
        notifyId: record.notifyId,
        outTradeNos,
        batchNo: batch.batchNo,
        build: (at, spoil) =>
          signLegacy(
            { notify_time: formatBeijing(at), ...fields },
            merchant,
            signType,
            charset,
            ctx.config.legacyRsaKeys.privateKey,
            spoil,
          ),
      },
      { after: gate },
    ).first;
  }
  void batchNotified.then(batchSent, batchSent);
  if (notifyFirst) await Promise.all([batchNotified, ...outcome.tradeNotified]);
  return { successNum, resultDetails };
}

/**
 * Re-validates a pending password refund at confirmation time (the batch number may be used by now) and
 * executes it; its notifications wait for `answered` (the confirmation page's answer).
 */
export function confirmPwdRefund(
  ctx: SandboxContext,
  pending: PendingPwdRefund,
  answered: Promise<void>,
): Promise<{ successNum: number; resultDetails: string }> {
  const merchant = ctx.merchant(pending.partner);
  if (!merchant) throw new LegacyError('ILLEGAL_PARTNER');
  const batch = validateRefundBatch(
    ctx,
    { params: pending.params, charset: pending.charset, method: 'POST' },
    merchant,
  );
  pending.done = true;
  return executeRefundBatch(ctx, merchant, batch, pending.signType, pending.charset, answered);
}
