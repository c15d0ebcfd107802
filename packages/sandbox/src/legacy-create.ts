import { escrowTotalFen, MAX_FEN, MIN_FEN, parseYuan } from './amounts';
import type { Merchant } from './config';
import type { SandboxContext } from './context';
import {
  amountParam,
  type LegacyRequest,
  LOGISTICS_TYPES,
  legacyFail,
  requiredParam,
} from './legacy-request';
import { DAY, MINUTE, parseRelativeTimeout } from './time';
import type { LogisticsOption, Trade, TradeKind } from './trade-store';
import { byteLength, isCallbackUrl, isHttpUrl } from './validate';

/**
 * The three legacy create interfaces (instant, escrow, dual): their parameter checks and codes, the
 * seller, amounts and logistics, the unpaid-trade timeout, and re-entry with the same out_trade_no.
 * The gateway then sends the buyer to the cashier.
 */

/** The create interfaces and the kind of trade each makes. */
export const CREATE_SERVICES: Record<string, TradeKind> = {
  create_direct_pay_by_user: 'direct',
  create_partner_trade_by_buyer: 'escrow',
  trade_create_by_buyer: 'dual',
};

const LOGISTICS_PAYMENTS = ['SELLER_PAY', 'BUYER_PAY', 'BUYER_PAY_AFTER_RECEIVE'];

/** Default unpaid-trade timeout (it_b_pay default 15d). */
const DEFAULT_TIMEOUT_MS = 15 * DAY;

function quantityOf(params: Record<string, string>): number {
  const text = requiredParam(params, 'quantity');
  if (!/^[1-9][0-9]{0,5}$/.test(text))
    legacyFail('ILLEGAL_ARGUMENT', `quantity must be a positive integer, got ${text}`);
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
    legacyFail('ILLEGAL_ARGUMENT', 'one of seller_email, seller_id, seller_account_name is required');
  const own = { email: merchant.sellerEmail, id: merchant.sellerId };
  const candidates = [own, ...merchant.payees.map(p => ({ email: p.email, id: p.userId }))];
  const found = candidates.find(c => (!email || c.email === email) && (!id || c.id === id));
  if (found) return found;
  const elsewhere =
    ctx.config.merchants.some(m => m.sellerEmail === email || m.sellerId === id) ||
    ctx.config.apps.some(a => a.sellerEmail === email || a.sellerId === id);
  if (elsewhere)
    legacyFail(
      'SELLER_NOT_IN_SPECIFIED_SELLERS',
      `partner ${merchant.partner} may not collect for that seller`,
    );
  return legacyFail('SELLER_NOT_EXIST', `no Alipay account ${email ?? id}`);
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
    legacyFail('ILLEGAL_ARGUMENT', `it_b_pay must be 1m–15d or 1c without decimals, got ${text}`);
  }
  return now + ctx.clock.scaled(ms!);
}

function logisticsOf(params: Record<string, string>): LogisticsOption[] {
  const options: LogisticsOption[] = [];
  for (const suffix of ['', '_1', '_2']) {
    const names = [`logistics_type${suffix}`, `logistics_fee${suffix}`, `logistics_payment${suffix}`];
    if (suffix !== '' && names.every(n => params[n] === undefined || params[n] === '')) continue;
    const type = requiredParam(params, names[0]!);
    const feeFen = amountParam(params, names[1]!, true);
    const payment = requiredParam(params, names[2]!);
    if (!LOGISTICS_TYPES.includes(type))
      legacyFail('ILLEGAL_ARGUMENT', `${names[0]} must be one of ${LOGISTICS_TYPES.join(', ')}`);
    if (!LOGISTICS_PAYMENTS.includes(payment)) {
      legacyFail('ILLEGAL_ARGUMENT', `${names[2]} must be one of ${LOGISTICS_PAYMENTS.join(', ')}`);
    }
    if (options.some(o => o.type === type))
      legacyFail('ILLEGAL_ARGUMENT', `${names[0]} repeats logistics type ${type}`);
    options.push({ type, feeFen, payment });
  }
  return options;
}

const RECEIVE_FIELDS = ['receive_name', 'receive_address', 'receive_zip', 'receive_phone', 'receive_mobile'];

export function createLegacyTrade(
  ctx: SandboxContext,
  req: LegacyRequest,
  merchant: Merchant,
  signType: 'MD5' | 'RSA',
  service: string,
): Trade {
  const p = req.params;
  const kind = CREATE_SERVICES[service]!;
  const outTradeNo = requiredParam(p, 'out_trade_no');
  if (outTradeNo.length > 64) legacyFail('ILLEGAL_ARGUMENT', 'out_trade_no is longer than 64 characters');
  const subject = requiredParam(p, 'subject');
  if (byteLength(subject, req.charset) > 256)
    legacyFail('ILLEGAL_ARGUMENT', 'subject is longer than 256 bytes');
  if (p['body'] && byteLength(p['body'], req.charset) > 1000)
    legacyFail('ILLEGAL_ARGUMENT', 'body is longer than 1000 bytes');
  const paymentType = requiredParam(p, 'payment_type');
  if (paymentType !== '1')
    legacyFail('ILLEGAL_PAYMENT_TYPE', `payment_type must be 1 (商品购买), got ${paymentType}`);
  for (const name of ['notify_url', 'return_url']) {
    const url = p[name];
    if (url !== undefined && url !== '' && !isCallbackUrl(url)) {
      legacyFail(
        'ILLEGAL_ARGUMENT',
        `${name} must be an absolute http(s) URL without a query string: ${url}`,
      );
    }
  }
  if (p['show_url'] && !isHttpUrl(p['show_url']))
    legacyFail('ILLEGAL_ARGUMENT', 'show_url must be an absolute http(s) URL');
  if (p['extra_common_param'] && /[=&]/.test(p['extra_common_param'])) {
    legacyFail('ILLEGAL_ARGUMENT', 'extra_common_param must not contain = or &');
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
    if (hasTotal && hasPrice)
      legacyFail('ILLEGAL_ARGUMENT', 'give either total_fee or price+quantity, not both');
    if (!hasTotal && !hasPrice) legacyFail('ILLEGAL_ARGUMENT', 'total_fee or price+quantity is required');
    if (hasTotal) {
      const fen = parseYuan(p['total_fee']);
      if (fen === undefined)
        legacyFail('ILLEGAL_ARGUMENT', `total_fee is not a yuan amount: ${p['total_fee']}`);
      if (fen! < MIN_FEN || fen! > MAX_FEN)
        legacyFail('DIRECT_PAY_AMOUNT_OUT_OF_RANGE', 'total_fee must be 0.01–100000000.00');
      totalFen = fen!;
      priceFen = fen!;
      quantity = 1;
    } else {
      priceFen = amountParam(p, 'price');
      quantity = quantityOf(p);
      totalFen = priceFen * quantity;
      if (totalFen > MAX_FEN)
        legacyFail('DIRECT_PAY_AMOUNT_OUT_OF_RANGE', 'price × quantity exceeds 100000000.00');
    }
  } else {
    priceFen = amountParam(p, 'price');
    quantity = quantityOf(p);
    logistics = logisticsOf(p);
    if (p['discount'] !== undefined && p['discount'] !== '') discountFen = amountParam(p, 'discount', true);
    totalFen = escrowTotalFen(priceFen, quantity, discountFen, logistics[0]);
    if (totalFen < MIN_FEN || totalFen > MAX_FEN) {
      legacyFail('ILLEGAL_ARGUMENT', 'price × quantity − discount + logistics fee must be 0.01–100000000.00');
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
      legacyFail(
        'TRADE_DATA_MATCH_ERROR',
        `out_trade_no ${outTradeNo} was created before with different data`,
      );
    if (existing.status === 'TRADE_CLOSED')
      legacyFail('TRADE_HAS_CLOSED', `trade ${existing.tradeNo} is closed`);
    if (existing.status !== 'WAIT_BUYER_PAY')
      legacyFail('TRADE_HAS_SUCCESS', `trade ${existing.tradeNo} is already paid`);
    // The buyer came back through a fresh request: the latest URLs and request win.
    assignUrls(existing, p);
    existing.request = { ...p };
    existing.charset = req.charset;
    existing.signType = signType;
    return existing;
  }

  const now = ctx.clock.now();
  const trade = ctx.store.createUnpaid(
    {
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
      expiresAt,
    },
    now,
  );
  if (p['body']) trade.body = p['body'];
  if (logistics.length > 0) trade.gmtLogisticsModify = now;
  assignUrls(trade, p);
  ctx.lifecycle.scheduleExpiry(trade);
  return trade;
}

function assignUrls(trade: Trade, p: Record<string, string>): void {
  if (p['notify_url']) trade.notifyUrl = p['notify_url'];
  if (p['return_url']) trade.returnUrl = p['return_url'];
  if (p['show_url']) trade.showUrl = p['show_url'];
}
