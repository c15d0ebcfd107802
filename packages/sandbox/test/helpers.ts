import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSignString,
  md5Sign,
  md5Verify,
  parseFormBody,
  rsaSign,
  rsaVerify,
} from '@alipay-commerce/core/primitives';
import type { AppInfo, MerchantInfo, Sandbox } from '../src';
import { type AlipayCharset, decodeText, encodeText } from '../src/charset';
import { submitCashier } from '../src/testing';

/** Parsed JSON as tests read it (loosely typed on purpose: assertions check the shape). */
// biome-ignore lint/suspicious/noExplicitAny: test-side JSON is checked by assertions, not by types
export type Json = Record<string, any>;

/**
 * Test-side helpers: a tiny merchant signer built on the core's primitives (never on the sandbox's own
 * code), a notify_url receiver, and polling. Tests talk to the sandbox over plain HTTP only.
 */

/** `yyyy-MM-dd HH:mm:ss` in Beijing time, written here independently of the sandbox. */
export function beijingNow(offsetMs = 0): string {
  const d = new Date(Date.now() + offsetMs + 8 * 3600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Today's `yyyyMMdd` in Beijing time. */
export function beijingToday(offsetMs = 0): string {
  return beijingNow(offsetMs).slice(0, 10).replace(/-/g, '');
}

/** Percent-encodes text in a charset (encodeURIComponent for UTF-8; GBK bytes otherwise). */
export function pct(text: string, charset: AlipayCharset = 'utf-8'): string {
  if (charset === 'utf-8') return encodeURIComponent(text);
  let out = '';
  for (const ch of text) {
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else for (const b of encodeText(ch, charset)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `k=v&…` percent-encoded in a charset. */
export function formEncode(params: Record<string, string>, charset: AlipayCharset = 'utf-8'): string {
  return Object.entries(params)
    .map(([k, v]) => `${pct(k, charset)}=${pct(v, charset)}`)
    .join('&');
}

/** Signs legacy params as a merchant would (MD5 over the bytes of the charset, or RSA with its key). */
export function signLegacyRequest(
  params: Record<string, string>,
  merchant: MerchantInfo,
  options: { charset?: AlipayCharset; signType?: 'MD5' | 'RSA'; key?: string } = {},
): Record<string, string> {
  const charset = options.charset ?? 'utf-8';
  const signType = options.signType ?? 'MD5';
  const all = { _input_charset: charset, partner: merchant.partner, ...params };
  const sign =
    signType === 'MD5'
      ? md5Sign(all, options.key ?? merchant.key, { charset })
      : rsaSign(encodeText(buildSignString(all), charset), merchant.rsaPrivateKey!, 'RSA');
  return { ...all, sign, sign_type: signType };
}

/** A signed legacy gateway URL. */
export function legacyUrl(
  sandbox: Sandbox,
  merchant: MerchantInfo,
  params: Record<string, string>,
  options: { charset?: AlipayCharset; signType?: 'MD5' | 'RSA'; key?: string } = {},
): string {
  return `${sandbox.legacyGateway}?${formEncode(signLegacyRequest(params, merchant, options), options.charset ?? 'utf-8')}`;
}

/** Verifies legacy params Alipay sent (notify/return) with the partner's MD5 key. */
export function verifyLegacyMd5(
  params: Record<string, string>,
  merchant: MerchantInfo,
  charset: AlipayCharset = 'utf-8',
): boolean {
  return md5Verify(params, merchant.key, { charset });
}

/** Parses a query string or form body exactly once in a charset. */
export function parseForm(
  raw: string | Uint8Array,
  charset: AlipayCharset = 'utf-8',
): Record<string, string> {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  return { ...parseFormBody(bytes, `application/x-www-form-urlencoded; charset=${charset}`) };
}

/** The parameters of a URL's query string (decoded once, UTF-8 unless told). */
export function queryOf(url: string, charset: AlipayCharset = 'utf-8'): Record<string, string> {
  const q = url.indexOf('?');
  return q < 0 ? {} : parseForm(url.slice(q + 1), charset);
}

/** Common + biz params of an OpenAPI request, signed RSA2 with the app's private key. */
export function signOpenApiRequest(
  app: AppInfo,
  method: string,
  biz: Record<string, unknown> | string,
  extra: Record<string, string> = {},
  options: { privateKey?: string; timestamp?: string } = {},
): Record<string, string> {
  const params: Record<string, string> = {
    app_id: app.appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: options.timestamp ?? beijingNow(),
    version: '1.0',
    biz_content: typeof biz === 'string' ? biz : JSON.stringify(biz),
    ...extra,
  };
  if (app.certificates && !('app_cert_sn' in extra)) {
    params['app_cert_sn'] = app.certificates.appCertSn;
    params['alipay_root_cert_sn'] = app.certificates.alipayRootCertSn;
  }
  for (const [k, v] of Object.entries(params)) if (v === '') delete params[k];
  const sign = rsaSign(
    buildSignString(params, { exclude: ['sign'] }),
    options.privateKey ?? app.privateKey,
    'RSA2',
  );
  return { ...params, sign };
}

/** Calls an OpenAPI method by POST (form body, charset in the URL as the SDKs do). */
export async function callOpenApi(
  sandbox: Sandbox,
  app: AppInfo,
  method: string,
  biz: Record<string, unknown> | string,
  extra: Record<string, string> = {},
  options: { privateKey?: string; timestamp?: string } = {},
): Promise<{ status: number; text: string; json: Json }> {
  const params = signOpenApiRequest(app, method, biz, extra, options);
  const res = await fetch(`${sandbox.openapiGateway}?charset=utf-8`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: formEncode(params),
  });
  const text = await res.text();
  return { status: res.status, text, json: res.status === 200 ? JSON.parse(text) : {} };
}

/**
 * Verifies a synchronous OpenAPI answer the way a careful client does: cut the raw text of the
 * `<method>_response` value (never re-serialize), check it against `sign` with Alipay's public key.
 */
export function verifyOpenApiResponse(text: string, method: string, alipayPublicKey: string): boolean {
  const key = `"${method.replace(/\./g, '_')}_response":`;
  const start = text.indexOf(key);
  const signAt = text.lastIndexOf(',"sign":"');
  if (start < 0 || signAt < 0) return false;
  const signed = text.slice(start + key.length, signAt);
  const sign = JSON.parse(text).sign as string;
  return rsaVerify(signed, sign, alipayPublicKey, 'RSA2');
}

/** Verifies OpenAPI notify/return params (sign and sign_type excluded) with Alipay's public key. */
export function verifyOpenApiParams(params: Record<string, string>, alipayPublicKey: string): boolean {
  return rsaVerify(buildSignString(params), params['sign'] ?? '', alipayPublicKey, 'RSA2');
}

/** One request the receiver got. */
export interface Received {
  at: number;
  /** `performance.now()` when the request was complete (to order it against other events precisely). */
  hr: number;
  path: string;
  contentType: string;
  raw: Buffer;
  params: Record<string, string>;
}

/** What the receiver answers: a body (status 200), `{ status, body, delayMs? }`, or `'hang'`. */
export type Reply = string | { status: number; body: string; delayMs?: number } | 'hang';

/** A merchant's notify_url: records every POST and answers as scripted. */
export class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  url = '';
  /** Answers in order; when exhausted, `fallback`. */
  replies: Reply[] = [];
  fallback: Reply = 'success';
  private readonly hung: ServerResponse[] = [];

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const contentType = String(req.headers['content-type'] ?? '');
        const charset: AlipayCharset = /charset=gbk/i.test(contentType) ? 'gbk' : 'utf-8';
        let params: Record<string, string> = {};
        try {
          params = parseForm(raw, charset);
        } catch {
          params = {};
        }
        this.received.push({
          at: Date.now(),
          hr: performance.now(),
          path: req.url ?? '/',
          contentType,
          raw,
          params,
        });
        const reply = this.replies.shift() ?? this.fallback;
        if (reply === 'hang') {
          this.hung.push(res);
          return;
        }
        const {
          status,
          body,
          delayMs = 0,
        } = typeof reply === 'string' ? { status: 200, body: reply, delayMs: 0 } : reply;
        const answer = (): void => {
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(body);
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      });
    });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests to one path. */
  at(path: string): Received[] {
    return this.received.filter(r => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>(resolve => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Polls until `check` returns a truthy value. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

/** Control API call. */
export async function control(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<Json> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(`${sandbox.url}/__sandbox${path}`, init);
  const json = await res.json();
  return { status: res.status, ...(json as object) };
}

/** Pays at the cashier like a browser: GET the gateway URL, then POST the pay form. */
export async function payAtCashier(
  gatewayUrl: string,
  form: Record<string, string> = {},
): Promise<{ cashierUrl: string; cashierHtml: string; response: Response }> {
  const page = await fetch(gatewayUrl);
  const cashierHtml = await page.text();
  const response = await submitCashier(cashierHtml, page.url, form);
  return { cashierUrl: page.url, cashierHtml, response };
}

/** Decodes GBK bytes (for assertions). */
export function gbk(bytes: Uint8Array): string {
  return decodeText(bytes, 'gbk');
}

/**
 * A paid OpenAPI trade (face-to-face precreate, paid by the test buyer) notifying `notifyUrl`; returns
 * its `out_trade_no`.
 */
export async function paidOpenApiTrade(
  sandbox: Sandbox,
  input: { outTradeNo: string; amount: string; subject: string; notifyUrl: string },
): Promise<string> {
  const app = sandbox.apps[0]!;
  await callOpenApi(
    sandbox,
    app,
    'alipay.trade.precreate',
    { out_trade_no: input.outTradeNo, total_amount: input.amount, subject: input.subject },
    { notify_url: input.notifyUrl },
  );
  const paid = await control(sandbox, 'POST', '/pay', { outTradeNo: input.outTradeNo, appId: app.appId });
  if (paid.trade?.status !== 'TRADE_SUCCESS') throw new Error(`not paid: ${JSON.stringify(paid)}`);
  return input.outTradeNo;
}

/** A paid legacy instant trade (即时到账) of `merchant` (default: merchant A) notifying `notifyUrl`. */
export async function paidDirectTrade(
  sandbox: Sandbox,
  input: {
    outTradeNo: string;
    totalFee: string;
    subject: string;
    notifyUrl: string;
    merchant?: MerchantInfo;
  },
): Promise<{ outTradeNo: string; tradeNo: string }> {
  const merchant = input.merchant ?? sandbox.merchants[0]!;
  await fetch(
    legacyUrl(sandbox, merchant, {
      service: 'create_direct_pay_by_user',
      out_trade_no: input.outTradeNo,
      subject: input.subject,
      payment_type: '1',
      total_fee: input.totalFee,
      seller_email: merchant.sellerEmail,
      notify_url: input.notifyUrl,
    }),
  );
  const paid = await control(sandbox, 'POST', '/pay', {
    outTradeNo: input.outTradeNo,
    partner: merchant.partner,
  });
  return { outTradeNo: input.outTradeNo, tradeNo: paid.trade.tradeNo };
}
