import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { TextDecoder } from 'node:util';
import type { OpenApiPaymentInput } from '@alipay-commerce/core/primitives';

/**
 * The inputs every implementation gets: two 2048-bit RSA key pairs (the merchant app's and "Alipay's"),
 * a real-looking OpenAPI trade notification signed with Alipay's private key, a page-pay order, a legacy
 * (mapi) MD5-signed notification, and the notification as raw form bodies in UTF-8 and GBK.
 *
 * Signatures and GBK bytes here are computed independently of the core (inline canonicalization; GBK from
 * the WHATWG decoder's table, not the core's iconv-lite), so a bug in the core cannot make its own
 * fixtures agree with it.
 */

/** Keys as configured by a merchant: one-line base64, the way Alipay's key tool writes them. */
export interface BenchKeys {
  /** App private key, PKCS#1 DER as one-line base64 (alipay-sdk's default `keyType: 'PKCS1'`). */
  appPrivateBase64: string;
  appPrivateKey: KeyObject;
  appPublicKey: KeyObject;
  /** Alipay's public key, SPKI DER as one-line base64 (what the open platform shows as 支付宝公钥). */
  alipayPublicBase64: string;
  alipayPublicKey: KeyObject;
  alipayPrivateKey: KeyObject;
}

export function generateKeys(): BenchKeys {
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const appPrivateBase64 = app.privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
  const alipayPublicBase64 = alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    appPrivateBase64,
    // Re-imported from the exported text so the cached KeyObjects are exactly what the text says.
    appPrivateKey: createPrivateKey({
      key: Buffer.from(appPrivateBase64, 'base64'),
      format: 'der',
      type: 'pkcs1',
    }),
    appPublicKey: app.publicKey,
    alipayPublicBase64,
    alipayPublicKey: createPublicKey({
      key: Buffer.from(alipayPublicBase64, 'base64'),
      format: 'der',
      type: 'spki',
    }),
    alipayPrivateKey: alipay.privateKey,
  };
}

/** Alipay's canonical string, written out independently of the core: sorted raw k=v, empties dropped. */
export function referenceSignString(
  params: Readonly<Record<string, string>>,
  exclude: readonly string[],
): string {
  return Object.keys(params)
    .filter(key => !exclude.includes(key) && params[key] !== '')
    .sort()
    .map(key => `${key}=${params[key]}`)
    .join('&');
}

export const APP_ID = '2021004123456789';
export const SELLER_ID = '2088101117955611';

/** The fields of an `alipay.trade.page.pay` TRADE_SUCCESS notification (26 with sign and sign_type). */
function openApiNotificationFields(charset: string): Record<string, string> {
  return {
    gmt_create: '2026-11-25 20:31:07',
    charset,
    seller_email: 'shop-finance@example.com',
    subject: '【旗舰店】2026 新款纯棉T恤 ×2（白色/L）',
    buyer_id: '2088102177846880',
    invoice_amount: '88.88',
    notify_id: '2026112500222203115012345678901234',
    fund_bill_list:
      '[{"amount":"80.00","fundChannel":"ALIPAYACCOUNT"},{"amount":"8.88","fundChannel":"PCREDIT"}]',
    notify_type: 'trade_status_sync',
    trade_status: 'TRADE_SUCCESS',
    receipt_amount: '88.88',
    buyer_pay_amount: '88.88',
    app_id: APP_ID,
    sign_type: 'RSA2',
    seller_id: SELLER_ID,
    gmt_payment: '2026-11-25 20:31:15',
    notify_time: '2026-11-25 20:31:16',
    version: '1.0',
    out_trade_no: 'ORDER-20261125-000123',
    total_amount: '88.88',
    trade_no: '2026112522001446881401234567',
    auth_app_id: APP_ID,
    buyer_logon_id: 'zha***@example.com',
    point_amount: '0.00',
    body: '订单 #123：纯棉T恤 2 件，含运费 10.00 元',
  };
}

/** A signed OpenAPI trade notification as the notify_url handler holds it once the body is decoded. */
export function openApiNotification(keys: BenchKeys, charset = 'utf-8'): Record<string, string> {
  const fields = openApiNotificationFields(charset);
  // Trade notifications are signed without sign and sign_type.
  const content = referenceSignString(fields, ['sign', 'sign_type']);
  const sign = cryptoSign('sha256', Buffer.from(content, 'utf8'), keys.alipayPrivateKey).toString('base64');
  return { ...fields, sign };
}

/** The page-pay order, for the core's `pagePay` input. */
export const PAGE_PAY_ORDER: OpenApiPaymentInput = {
  outTradeNo: 'ORDER-20261125-000124',
  amountFen: 8888,
  subject: '【旗舰店】2026 新款纯棉T恤 ×2（白色/L）',
  body: '订单 #124：纯棉T恤 2 件，含运费 10.00 元',
  notifyUrl: 'https://shop.example.com/alipay/notify',
  returnUrl: 'https://shop.example.com/checkout/return?order=ORDER-20261125-000124',
  timeoutMinutes: 30,
  goodsType: 'physical',
};

/** The same order as alipay-sdk's `pageExec` takes it (biz_content spelled out). */
export const PAGE_PAY_BIZ_CONTENT = {
  out_trade_no: PAGE_PAY_ORDER.outTradeNo,
  total_amount: '88.88',
  subject: PAGE_PAY_ORDER.subject,
  body: PAGE_PAY_ORDER.body,
  timeout_express: '30m',
  goods_type: '1',
  product_code: 'FAST_INSTANT_TRADE_PAY',
};

/** The legacy (mapi) MD5 key: 32 lowercase alphanumerics, as the 2009 console issues it. */
export const MD5_KEY = 'x7k2m9q4w8e1r5t3y6u0i2o4p8a1s3d5';

/** A legacy `create_direct_pay_by_user` TRADE_SUCCESS notification, MD5-signed (UTF-8). */
export function legacyNotification(): Record<string, string> {
  const fields: Record<string, string> = {
    discount: '0.00',
    payment_type: '1',
    subject: '【旗舰店】2026 新款纯棉T恤 ×2（白色/L）',
    trade_no: '2026112521001004880212345678',
    buyer_email: 'buyer@example.com',
    gmt_create: '2026-11-25 20:31:07',
    notify_type: 'trade_status_sync',
    quantity: '1',
    out_trade_no: 'ORDER-20261125-000125',
    seller_id: SELLER_ID,
    notify_time: '2026-11-25 20:31:16',
    body: '订单 #125：纯棉T恤 2 件，含运费 10.00 元',
    trade_status: 'TRADE_SUCCESS',
    is_total_fee_adjust: 'N',
    total_fee: '88.88',
    gmt_payment: '2026-11-25 20:31:15',
    seller_email: 'shop-finance@example.com',
    price: '88.88',
    buyer_id: '2088102177846880',
    notify_id: 'ac05099524730693a8b330c5ecf72da9786',
    use_coupon: 'N',
    sign_type: 'MD5',
  };
  const presign = referenceSignString(fields, ['sign', 'sign_type']);
  const sign = createHash('md5')
    .update(presign + MD5_KEY, 'utf8')
    .digest('hex');
  return { ...fields, sign };
}

const UNRESERVED = /^[A-Za-z0-9*\-._]$/;

let gbkTable: Map<string, number[]> | undefined;

/** GBK bytes of a character, from the reverse of WHATWG's GBK decoder (Node has no GBK encoder). */
function gbkBytes(char: string): number[] {
  if (char.charCodeAt(0) < 0x80) return [char.charCodeAt(0)];
  if (!gbkTable) {
    gbkTable = new Map();
    const decoder = new TextDecoder('gbk', { fatal: true });
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        try {
          const decoded = decoder.decode(Uint8Array.of(lead, trail));
          if (!gbkTable.has(decoded)) gbkTable.set(decoded, [lead, trail]);
        } catch {
          // not a GBK pair
        }
      }
    }
  }
  const bytes = gbkTable.get(char);
  if (!bytes) throw new Error(`no GBK encoding for ${JSON.stringify(char)}`);
  return bytes;
}

function encode(text: string, charset: 'utf-8' | 'gbk'): number[] {
  if (charset === 'utf-8') return [...Buffer.from(text, 'utf8')];
  return [...text].flatMap(gbkBytes);
}

/** x-www-form-urlencoded in a given charset, as Alipay posts it: space as `+`, other bytes `%XX`. */
function formEncode(text: string, charset: 'utf-8' | 'gbk'): string {
  let out = '';
  for (const byte of encode(text, charset)) {
    const char = String.fromCharCode(byte);
    if (byte === 0x20) out += '+';
    else if (byte < 0x80 && UNRESERVED.test(char)) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A raw notify_url POST body (bytes) and its Content-Type. */
export interface FormFixture {
  body: Buffer;
  contentType: string;
  /** What a correct parser returns. */
  expected: Record<string, string>;
}

export function formFixture(keys: BenchKeys, charset: 'utf-8' | 'gbk'): FormFixture {
  const params = openApiNotification(keys, charset === 'gbk' ? 'GBK' : 'utf-8');
  const text = Object.keys(params)
    .map(key => `${formEncode(key, charset)}=${formEncode(params[key]!, charset)}`)
    .join('&');
  return {
    body: Buffer.from(text, 'latin1'),
    contentType: `application/x-www-form-urlencoded; charset=${charset === 'gbk' ? 'GBK' : 'utf-8'}`,
    expected: params,
  };
}
