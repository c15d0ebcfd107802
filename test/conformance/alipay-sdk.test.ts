/**
 * Outside-client conformance (issue 19 item 1): the official Node `alipay-sdk` (4.x), which nobody here
 * wrote, acts as the merchant against the sandbox. If the sandbox drifts from Alipay in a way the official
 * client notices (sign strings, response signatures, certificate serial numbers, AES, notifications), this
 * suite fails. Three apps: public-key mode, certificate mode and AES content encryption.
 *
 * Known SDK bugs, worked around here on purpose (the project does these things right; keep it so):
 * - It takes `timestamp` in the process's local time zone, while Alipay wants Beijing time: this file sets
 *   TZ=Asia/Shanghai before anything reads the clock (and checks that it took effect).
 * - It signs request parameters whose value is empty (`k=`), which Alipay leaves out of the sign string:
 *   every parameter handed to the SDK goes through `withoutEmpty` first.
 * - `checkNotifySign` (v1) percent-decodes every value and throws URIError on a `%` that does not start an
 *   escape (passback_params like `50% off`): notifications are checked with `checkNotifySignV2` only.
 * - An AES answer fails its own `validateSign` (it cuts the signed text looking for `{`, but the encrypted
 *   value is a JSON string): AES calls run with `validateSign: false`, and the answer's signature is
 *   checked over the raw response text with the SDK's own `rsaCheck`.
 */
process.env.TZ = 'Asia/Shanghai';

import { startSandbox } from '@alipay-commerce/sandbox';
import { submitCashier } from '@alipay-commerce/sandbox/testing';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedNotification, startNotifyReceiver } from '../support/notify-receiver';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
/** An answer value as the SDK returns it (loosely typed on purpose: assertions check the shape). */
// biome-ignore lint/suspicious/noExplicitAny: SDK answers are checked by assertions, not by types
type Answer = Record<string, any>;
type App = Sandbox['apps'][number];
let sandbox: Sandbox;
let receiver: Awaited<ReturnType<typeof startNotifyReceiver>>;

/** Every notification the receiver got, with the SDK's verdict on it. */
const checked: Array<{ appPath: string; params: Record<string, string>; verified: boolean }> = [];
/** The SDK of each app, by the notify path its notifications arrive on. */
const sdkByPath = new Map<string, AlipaySdk>();

let seq = 0;
const order = (): string => `SDK${Date.now()}${++seq}`;

/** Drops empty values before they reach the SDK, which would sign them as `k=` (Alipay does not). */
function withoutEmpty<T extends Record<string, unknown>>(params: T): T {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined)) as T;
}

/** The form fields of a notification body (UTF-8, decoded once). */
function formFields(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

async function control(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

const APPS = [
  { label: 'public-key app', appId: '2021000000000101', mode: 'key' as const },
  { label: 'certificate app', appId: '2021000000000102', mode: 'cert' as const },
  { label: 'AES app', appId: '2021000000000103', mode: 'aes' as const },
];

beforeAll(async () => {
  sandbox = await startSandbox({
    config: {
      apps: [
        { appId: APPS[0]!.appId, products: ['page', 'wap', 'qr'] },
        { appId: APPS[1]!.appId, products: ['page', 'wap', 'qr'], certificates: true },
        { appId: APPS[2]!.appId, products: ['page', 'wap', 'qr'], aes: true },
      ],
    },
  });
  // The shop's notify route: it answers `success` only when the official SDK verified the notification,
  // so a notification the SDK rejects is also retried by the sandbox and shows up as a failure below.
  receiver = await startNotifyReceiver((n: ReceivedNotification) => {
    const params = formFields(n.body);
    const sdk = sdkByPath.get(n.path);
    const verified = sdk ? sdk.checkNotifySignV2(params) : false;
    checked.push({ appPath: n.path, params, verified });
    return verified ? 'success' : 'fail';
  });
});
afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

function sdkFor(app: App, mode: 'key' | 'cert' | 'aes'): AlipaySdk {
  const common = {
    appId: app.appId,
    privateKey: app.privateKey,
    // The sandbox hands out PKCS#8 PEM keys; the SDK's default (PKCS1) would re-wrap them wrongly.
    keyType: 'PKCS8' as const,
    gateway: sandbox.openapiGateway,
    timeout: 10_000,
  };
  if (mode === 'cert') {
    const c = app.certificates!;
    return new AlipaySdk({
      ...common,
      appCertContent: c.appCert,
      alipayPublicCertContent: c.alipayCert,
      alipayRootCertContent: c.alipayRootCert,
    });
  }
  return new AlipaySdk({
    ...common,
    alipayPublicKey: app.alipayPublicKey,
    ...(mode === 'aes' ? { encryptKey: app.aesKey! } : {}),
  });
}

/** The product code Alipay expects with each browser interface. */
const PRODUCT_CODE = {
  'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
  'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
} as const;

/** A browser at the cashier: submit the pre-filled pay form, return the redirect. */
async function payAtCashier(cashierHtml: string, cashierUrl: string): Promise<URL> {
  const paid = await submitCashier(cashierHtml, cashierUrl);
  const location = paid.headers.get('location');
  if (!location) throw new Error(`no redirect after paying: HTTP ${paid.status}`);
  return new URL(location, cashierUrl);
}

/** Submits the SDK's auto-submitting POST form as a browser would (attribute values entity-decoded). */
async function submitSdkForm(html: string): Promise<Response> {
  const action = /<form action="([^"]+)" method="post"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in ${html.slice(0, 200)}`);
  const decode = (v: string): string =>
    v
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&');
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g))
    fields.append(m[1]!, decode(m[2]!));
  expect(fields.has('biz_content')).toBe(true);
  return fetch(decode(action), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
}

/** Waits for a notification of one trade on one path whose fields match. */
function notification(
  path: string,
  outTradeNo: string,
  match: (p: Record<string, string>) => boolean = () => true,
): Promise<ReceivedNotification> {
  return receiver.next(n => {
    if (n.path !== path) return false;
    const p = formFields(n.body);
    return p['out_trade_no'] === outTradeNo && match(p);
  });
}

/** A tampered copy must fail the SDK's check: proves the verification really ran on that content. */
function expectTamperRejected(sdk: AlipaySdk, params: Record<string, string>): void {
  expect(sdk.checkNotifySignV2(params)).toBe(true);
  const tampered = { ...params, total_amount: `${params['total_amount'] ?? '0'}1` };
  expect(sdk.checkNotifySignV2(tampered)).toBe(false);
  const badSign = { ...params, sign: `${params['sign']!.slice(0, -8)}AAAAAAA=` };
  expect(sdk.checkNotifySignV2(badSign)).toBe(false);
}

it('runs in Beijing time, so the SDK’s local-time timestamps are what Alipay expects', () => {
  expect(process.env.TZ).toBe('Asia/Shanghai');
  expect(new Date().getTimezoneOffset()).toBe(-480);
});

describe.each(APPS)('official alipay-sdk as the merchant: $label', ({ appId, mode }) => {
  let app: App;
  let sdk: AlipaySdk;
  const path = `/notify/${mode}`;
  const notifyUrl = (): string => `${receiver.url}${path}`;
  const returnUrl = 'http://shop.example/return';

  /**
   * An OpenAPI call through the SDK with response-signature verification on. With AES, the SDK's
   * validateSign fails on encrypted answers (see the file comment): the request is signed and encrypted by
   * the SDK (`sdkExecute`), and the answer is checked on its raw text with the SDK's own `rsaCheck`, then
   * decrypted with its `aesDecrypt`.
   */
  async function exec(
    method: string,
    bizContent: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Promise<Answer> {
    if (mode === 'aes') return execAesRaw(method, bizContent, extra);
    return sdk.exec(method, withoutEmpty({ ...extra, bizContent }), { validateSign: true });
  }

  /** The AES workaround's own check: raw answer text, signature over the exact (encrypted) value. */
  async function execAesRaw(
    method: string,
    bizContent: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Promise<Answer> {
    const query = sdk.sdkExecute(method, withoutEmpty({ ...extra, bizContent, needEncrypt: true }));
    expect(query).toContain('encrypt_type=AES');
    const response = await fetch(`${sandbox.openapiGateway}?charset=utf-8`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: query,
    });
    const text = await response.text();
    const key = `"${method.replaceAll('.', '_')}_response":`;
    const start = text.indexOf(key) + key.length;
    const end = text.lastIndexOf(',"sign":"');
    const signed = text.slice(start, end);
    const { sign } = JSON.parse(text) as { sign: string };
    expect(signed.startsWith('"')).toBe(true); // ciphertext, a JSON string
    expect(sdk.rsaCheck(signed, sign, 'RSA2')).toBe(true);
    expect(sdk.rsaCheck(`${signed} `, sign, 'RSA2')).toBe(false);
    return JSON.parse(sdk.aesDecrypt(JSON.parse(signed) as string)) as Answer;
  }

  /**
   * A signed browser request built by the SDK (GET: a URL, POST: an auto-submitting form), notify and
   * return URLs set, with the product code that goes with the interface.
   */
  function browserRequest(
    method: keyof typeof PRODUCT_CODE,
    httpMethod: 'GET' | 'POST',
    bizContent: Record<string, unknown>,
  ): string {
    return sdk.pageExecute(
      method,
      httpMethod,
      withoutEmpty({
        bizContent: { ...bizContent, productCode: PRODUCT_CODE[method] },
        notifyUrl: notifyUrl(),
        returnUrl,
      }),
    );
  }

  /** Opens the cashier page the SDK's request reached and checks that it is one. */
  async function cashierPage(cashier: Response): Promise<string> {
    const html = await cashier.text();
    expect(html, html.slice(0, 500)).toContain('data-testid="cashier"');
    return html;
  }

  /**
   * Pays at the cashier like a browser; the signed return (`<method>.return`) and the TRADE_SUCCESS
   * notification must both pass the SDK's signature check and fail it once tampered with.
   */
  async function payAndCheckReturn(
    cashier: Response,
    method: string,
    outTradeNo: string,
  ): Promise<{ back: URL; paid: Record<string, string> }> {
    const back = await payAtCashier(await cashierPage(cashier), cashier.url);
    const returned = Object.fromEntries(back.searchParams);
    expect(returned['method']).toBe(`${method}.return`);
    expectTamperRejected(sdk, returned);
    const paid = formFields((await notification(path, outTradeNo)).body);
    expect(paid['trade_status']).toBe('TRADE_SUCCESS');
    expectTamperRejected(sdk, paid);
    return { back, paid };
  }

  beforeAll(() => {
    app = sandbox.apps.find(a => a.appId === appId)!;
    sdk = sdkFor(app, mode);
    sdkByPath.set(path, sdk);
  });

  if (mode === 'cert') {
    it('computes the same app_cert_sn, alipay_root_cert_sn and Alipay public key from the sandbox’s files', () => {
      const c = app.certificates!;
      expect(sdk.config.appCertSn).toBe(c.appCertSn);
      expect(sdk.config.alipayRootCertSn).toBe(c.alipayRootCertSn);
      expect(sdk.config.alipayCertSn).toBe(c.alipayCertSn);
      expect(sdk.config.alipayRootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
    });
  }

  it('page.pay by GET URL: cashier, signed return, TRADE_SUCCESS notification; query, refund, refund query', async () => {
    const outTradeNo = order();
    const url = browserRequest('alipay.trade.page.pay', 'GET', {
      outTradeNo,
      totalAmount: '10.00',
      subject: '官方 SDK 商品',
      // A `%` that starts no escape: checkNotifySign v1 would throw URIError on it.
      passbackParams: '50% off',
    });
    expect(url.startsWith(`${sandbox.openapiGateway}?`)).toBe(true);
    const { back, paid } = await payAndCheckReturn(await fetch(url), 'alipay.trade.page.pay', outTradeNo);
    expect(`${back.origin}${back.pathname}`).toBe(returnUrl);
    expect(paid['passback_params']).toBe('50% off');
    expect(paid['fund_bill_list']).toContain('&quot;');

    const query = await exec('alipay.trade.query', { outTradeNo });
    expect(query.code).toBe('10000');
    expect(query.tradeStatus ?? query.trade_status).toBe('TRADE_SUCCESS');
    expect(query.totalAmount ?? query.total_amount).toBe('10.00');
    if (mode === 'aes') {
      // The SDK's own exec round trip (it encrypts biz_content and decrypts the answer); validateSign off.
      const viaSdk = await sdk.exec(
        'alipay.trade.query',
        { bizContent: { outTradeNo }, needEncrypt: true },
        { validateSign: false },
      );
      expect(viaSdk.tradeStatus).toBe('TRADE_SUCCESS');
    }

    const refund = await exec('alipay.trade.refund', {
      outTradeNo,
      refundAmount: '3.00',
      outRequestNo: `${outTradeNo}-R1`,
    });
    expect(refund.code).toBe('10000');
    expect(refund.fundChange ?? refund.fund_change).toBe('Y');
    expect(refund.refundFee ?? refund.refund_fee).toBe('3.00');
    const refunded = formFields((await notification(path, outTradeNo, p => p['refund_fee'] === '3.00')).body);
    expect(refunded['out_biz_no']).toBe(`${outTradeNo}-R1`);
    expectTamperRejected(sdk, refunded);

    const refundQuery = await exec('alipay.trade.fastpay.refund.query', {
      outTradeNo,
      outRequestNo: `${outTradeNo}-R1`,
    });
    expect(refundQuery.code).toBe('10000');
    expect(refundQuery.refundAmount ?? refundQuery.refund_amount).toBe('3.00');

    const missing = await exec('alipay.trade.query', { outTradeNo: `${outTradeNo}-none` });
    expect(missing.code).toBe('40004');
    expect(missing.subCode ?? missing.sub_code).toBe('ACQ.TRADE_NOT_EXIST');
  });

  it('page.pay by POST form, then alipay.trade.close notifies TRADE_CLOSED', async () => {
    const outTradeNo = order();
    const form = browserRequest('alipay.trade.page.pay', 'POST', {
      outTradeNo,
      totalAmount: '5.00',
      subject: 'POST "表单"',
    });
    const html = await cashierPage(await submitSdkForm(form));
    expect(html).toContain('POST &quot;表单&quot;');

    const closed = await exec('alipay.trade.close', { outTradeNo });
    expect(closed.code).toBe('10000');
    const note = formFields(
      (await notification(path, outTradeNo, p => p['trade_status'] === 'TRADE_CLOSED')).body,
    );
    expectTamperRejected(sdk, note);
    const again = await exec('alipay.trade.query', { outTradeNo });
    expect(again.tradeStatus ?? again.trade_status).toBe('TRADE_CLOSED');
  });

  it('wap.pay by GET URL reaches the cashier and pays', async () => {
    const outTradeNo = order();
    const url = browserRequest('alipay.trade.wap.pay', 'GET', {
      outTradeNo,
      totalAmount: '2.00',
      subject: 'WAP',
      quitUrl: 'http://shop.example/quit',
    });
    await payAndCheckReturn(await fetch(url), 'alipay.trade.wap.pay', outTradeNo);
  });

  it('precreate answers a QR code; paying it notifies; a full refund notifies TRADE_CLOSED', async () => {
    const outTradeNo = order();
    const pre = await exec(
      'alipay.trade.precreate',
      { outTradeNo, totalAmount: '8.80', subject: '当面付' },
      { notifyUrl: notifyUrl() },
    );
    expect(pre.code).toBe('10000');
    expect(String(pre.qrCode ?? pre.qr_code)).toMatch(/^https?:\/\//);
    await control('pay', { outTradeNo, appId });
    const paid = formFields((await notification(path, outTradeNo)).body);
    expect(paid['trade_status']).toBe('TRADE_SUCCESS');
    expectTamperRejected(sdk, paid);
    const refund = await exec('alipay.trade.refund', { outTradeNo, refundAmount: '8.80' });
    expect(refund.code).toBe('10000');
    const closed = formFields(
      (await notification(path, outTradeNo, p => p['trade_status'] === 'TRADE_CLOSED')).body,
    );
    expect(closed['refund_fee']).toBe('8.80');
    expectTamperRejected(sdk, closed);
  });

  it('every notification the sandbox sent to this app verified with checkNotifySignV2', () => {
    const mine = checked.filter(c => c.appPath === path);
    // page.pay (paid + refund), POST form (closed), wap.pay (paid), precreate (paid + closed).
    expect(mine.length).toBeGreaterThanOrEqual(6);
    for (const c of mine) expect(c.verified, JSON.stringify(c.params)).toBe(true);
  });
});

describe('the SDK with the wrong keys is refused (the checks above can fail)', () => {
  it('a request signed with another key is isv.invalid-signature; an answer checked with another key throws', async () => {
    const app = sandbox.apps[0]!;
    const impostor = new AlipaySdk({
      appId: app.appId,
      privateKey: sandbox.apps[1]!.privateKey,
      keyType: 'PKCS8',
      alipayPublicKey: app.alipayPublicKey,
      gateway: sandbox.openapiGateway,
    });
    const refused = await impostor.exec('alipay.trade.query', { bizContent: { outTradeNo: 'x' } });
    expect(refused.subCode ?? refused.sub_code).toBe('isv.invalid-signature');

    const wrongAlipayKey = new AlipaySdk({
      appId: app.appId,
      privateKey: app.privateKey,
      keyType: 'PKCS8',
      alipayPublicKey: app.publicKey, // the app's own public key, not Alipay's
      gateway: sandbox.openapiGateway,
    });
    await expect(
      wrongAlipayKey.exec('alipay.trade.query', { bizContent: { outTradeNo: 'x' } }, { validateSign: true }),
    ).rejects.toThrow(/验签失败/);
  });

  it('a notification checked with a key that is not Alipay’s fails', () => {
    const sample = checked.find(c => c.verified);
    expect(sample).toBeDefined();
    const app = sandbox.apps[0]!;
    const wrong = new AlipaySdk({
      appId: app.appId,
      privateKey: app.privateKey,
      keyType: 'PKCS8',
      alipayPublicKey: app.publicKey,
      gateway: sandbox.openapiGateway,
    });
    expect(wrong.checkNotifySignV2(sample!.params)).toBe(false);
  });
});
