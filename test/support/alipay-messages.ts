/**
 * Alipay notifications built and signed in plain `node:crypto`, independently of `@alipay-commerce/core`
 * (so a core bug cannot make the suites' messages agree with it): OpenAPI `trade_status_sync` signed
 * RSA2 with the sandbox's "Alipay" private key, legacy ones signed MD5 with a merchant key.
 *
 * The signed string is Alipay's: every field except `sign` and `sign_type`, empty values left out,
 * sorted by key (byte order), joined raw as `k=v&k=v`.
 */

import { createHash, createPrivateKey, randomBytes, sign as rsaSign } from 'node:crypto';
import { demoAccounts } from './sandbox';

export type Params = Record<string, string>;

/** Alipay's string to sign. */
export function signString(params: Params): string {
  return Object.keys(params)
    .filter(k => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map(k => `${k}=${params[k]}`)
    .join('&');
}

const keyObjects = new Map<string, ReturnType<typeof createPrivateKey>>();

/** RSA2 (SHA256withRSA) signature, base64, as Alipay signs OpenAPI notifications. */
export function signRsa2(params: Params, privateKeyPem: string): Params {
  let key = keyObjects.get(privateKeyPem);
  if (!key) {
    key = createPrivateKey(privateKeyPem);
    keyObjects.set(privateKeyPem, key);
  }
  const { sign: _sign, sign_type: _type, ...rest } = params;
  const signature = rsaSign('sha256', Buffer.from(signString(rest), 'utf8'), key).toString('base64');
  return { ...rest, sign: signature, sign_type: 'RSA2' };
}

/** Legacy MD5 signature: md5(signString + key), lowercase hex. */
export function signMd5(params: Params, key: string, charset: 'utf-8' | 'gbk' = 'utf-8'): Params {
  const { sign: _sign, sign_type: _type, ...rest } = params;
  const text = signString(rest) + key;
  const bytes = charset === 'utf-8' ? Buffer.from(text, 'utf8') : gbkBytes(text);
  return { ...rest, sign: createHash('md5').update(bytes).digest('hex'), sign_type: 'MD5' };
}

/** ASCII-only text as GBK bytes (the suites only sign ASCII in GBK). */
function gbkBytes(text: string): Buffer {
  if ([...text].some(c => c.charCodeAt(0) > 0x7f))
    throw new Error('gbkBytes: only ASCII text is supported here');
  return Buffer.from(text, 'latin1');
}

/** `application/x-www-form-urlencoded` UTF-8 body, fields in the given order. */
export function formBody(params: Params | Array<[string, string]>): string {
  const entries = Array.isArray(params) ? params : Object.entries(params);
  return entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export const FORM_UTF8 = 'application/x-www-form-urlencoded; charset=utf-8';

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function beijingTime(ms = Date.now()): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Yuan with two decimals from fen. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A fresh 28-digit Alipay-style trade number. */
export function newTradeNo(): string {
  const date = beijingTime().slice(0, 10).replace(/-/g, '');
  return `${date}22001${String(BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 15n).padStart(15, '0')}`;
}

/** A fresh notify_id (what Alipay puts in every notification). */
export function newNotifyId(): string {
  return randomBytes(16).toString('hex');
}

export interface OpenApiNotificationInput {
  appId: string;
  sellerId: string;
  outTradeNo: string;
  tradeNo: string;
  amountFen: number;
  status?: 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'WAIT_BUYER_PAY' | 'TRADE_CLOSED';
  notifyId?: string;
  subject?: string;
}

/**
 * The demo app's `TRADE_SUCCESS` notification of `order` with a fresh Alipay trade number, unsigned: what
 * the sandbox would send once the buyer paid (the example shops are seeded with the demo app).
 */
export function demoAppNotificationFields(order: { outTradeNo: string; amountFen: number }): Params {
  const app = demoAccounts.apps[0]!;
  return openApiNotificationFields({
    appId: app.appId,
    sellerId: app.sellerId,
    outTradeNo: order.outTradeNo,
    tradeNo: newTradeNo(),
    amountFen: order.amountFen,
  });
}

/** The fields of an OpenAPI `trade_status_sync` notification, as Alipay (and the sandbox) sends them. */
export function openApiNotificationFields(input: OpenApiNotificationInput): Params {
  const now = Date.now();
  const amount = yuan(input.amountFen);
  const status = input.status ?? 'TRADE_SUCCESS';
  const paid = status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED';
  const fields: Params = {
    gmt_create: beijingTime(now - 30_000),
    charset: 'utf-8',
    seller_email: 'openapi-seller@demo-shop.test',
    subject: input.subject ?? '支付宝接入手册 order',
    buyer_id: '2088102000000001',
    notify_id: input.notifyId ?? newNotifyId(),
    notify_type: 'trade_status_sync',
    trade_status: status,
    app_id: input.appId,
    auth_app_id: input.appId,
    seller_id: input.sellerId,
    notify_time: beijingTime(now),
    version: '1.0',
    out_trade_no: input.outTradeNo,
    total_amount: amount,
    trade_no: input.tradeNo,
    buyer_logon_id: 'buy***@sandbox.alipay.test',
  };
  if (paid) {
    Object.assign(fields, {
      gmt_payment: beijingTime(now - 5_000),
      receipt_amount: amount,
      invoice_amount: amount,
      buyer_pay_amount: amount,
      point_amount: '0.00',
      // HTML-escaped, as live notifications carry it (issue 19 gap 3); signed as sent.
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]).replaceAll('"', '&quot;'),
    });
  }
  return fields;
}

export interface LegacyNotificationInput {
  partner: string;
  sellerId: string;
  sellerEmail: string;
  outTradeNo: string;
  tradeNo: string;
  amountFen: number;
  status?: string;
  notifyId?: string;
}

/** The fields of a legacy `trade_status_sync` (即时到账) notification. */
export function legacyNotificationFields(input: LegacyNotificationInput): Params {
  const now = Date.now();
  return {
    discount: '0.00',
    payment_type: '1',
    subject: 'order',
    trade_no: input.tradeNo,
    buyer_email: 'buyer@sandbox.alipay.test',
    gmt_create: beijingTime(now - 30_000),
    notify_type: 'trade_status_sync',
    quantity: '1',
    out_trade_no: input.outTradeNo,
    seller_id: input.sellerId,
    notify_time: beijingTime(now),
    trade_status: input.status ?? 'TRADE_SUCCESS',
    is_total_fee_adjust: 'N',
    total_fee: yuan(input.amountFen),
    gmt_payment: beijingTime(now - 5_000),
    seller_email: input.sellerEmail,
    price: yuan(input.amountFen),
    buyer_id: '2088102000000001',
    notify_id: input.notifyId ?? newNotifyId(),
    use_coupon: 'N',
  };
}
