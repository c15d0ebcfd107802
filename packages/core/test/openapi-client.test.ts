import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAlipayConfig } from '../src/config';
import type { OpenApiConfig } from '../src/config/openapi';
import {
  AlipayConfigError,
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  InterfaceNotContractedError,
  NOT_CONTRACTED_HINT,
} from '../src/errors';
import { OpenApiClient, openApiSignString, outRequestNoFor } from '../src/openapi/client';
import { OpenApiSignatureRejectedError } from '../src/openapi/errors';
import { openApiResponseKey } from '../src/openapi/response';
import { aesDecrypt, aesEncrypt } from '../src/sign/aes';
import { certSerialNumber, rootCertSerialNumber } from '../src/sign/cert';
import { rsaSign, rsaVerify } from '../src/sign/rsa';

/** One request as the fake gateway saw it. */
interface Recorded {
  httpMethod: string;
  path: string;
  rawQuery: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  form: Record<string, string>;
}

interface Answer {
  status?: number;
  body: string | Buffer;
}

const APP_ID = '2021000000000001';
const NOW = new Date('2024-03-01T02:03:04Z'); // 2024-03-01 10:03:04 in Beijing
const HTTP = { retries: 2, retryDelayMs: 1, timeoutMs: 5_000 };

function pem(key: KeyObject): string {
  return key
    .export(key.type === 'private' ? { type: 'pkcs8', format: 'pem' } : { type: 'spki', format: 'pem' })
    .toString();
}

let server: Server;
let gateway: string;
let requests: Recorded[] = [];
let respond: (request: Recorded) => Answer = () => ({ status: 500, body: 'no handler' });
const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Alipay writes `/` as `\/` in its JSON; doing the same proves the client never re-serializes. */
function alipayJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('/', '\\/');
}

/** A signed answer as the gateway writes it, signed with the test "Alipay" key unless told otherwise. */
function signedAnswer(
  method: string,
  content: Record<string, unknown> | string,
  options: {
    signFirst?: boolean;
    key?: KeyObject;
    unsigned?: boolean;
    certSn?: string;
    responseKey?: string;
  } = {},
): string {
  const text = typeof content === 'string' ? content : alipayJson(content);
  const responseKey = options.responseKey ?? openApiResponseKey(method);
  const members = [`"${responseKey}":${text}`];
  if (options.certSn) members.push(`"alipay_cert_sn":"${options.certSn}"`);
  if (!options.unsigned) {
    const sign = `"sign":"${rsaSign(text, options.key ?? alipayKeys.privateKey, 'RSA2')}"`;
    if (options.signFirst) members.unshift(sign);
    else members.push(sign);
  }
  return `{${members.join(',')}}`;
}

function success(fields: Record<string, unknown>): Record<string, unknown> {
  return { code: '10000', msg: 'Success', ...fields };
}

function config(extra: Record<string, unknown> = {}): OpenApiConfig {
  return parseAlipayConfig({
    generation: 'openapi',
    products: ['page', 'wap', 'qr'],
    appId: APP_ID,
    appPrivateKey: pem(appKeys.privateKey),
    alipayPublicKey: pem(alipayKeys.publicKey),
    gateway,
    ...extra,
  }) as OpenApiConfig;
}

function client(extra: Record<string, unknown> = {}): OpenApiClient {
  return new OpenApiClient({ config: config(extra), http: HTTP, now: () => NOW });
}

/** Checks the request signature with the app public key, as the gateway does. */
function expectSignedByApp(params: Record<string, string>): void {
  expect(rsaVerify(openApiSignString(params), params['sign']!, appKeys.publicKey, 'RSA2')).toBe(true);
}

/** Every parameter of a server call: URL query plus form body. */
function allParams(request: Recorded): Record<string, string> {
  return { ...request.query, ...request.form };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        httpMethod: req.method ?? '',
        path: url.pathname,
        rawQuery: url.search.slice(1),
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        rawBody,
        form: Object.fromEntries(new URLSearchParams(rawBody)),
      };
      requests.push(recorded);
      const answer = respond(recorded);
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/html;charset=utf-8' });
      res.end(answer.body);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
});

afterAll(async () => {
  await new Promise(resolve => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  respond = () => ({ status: 500, body: 'no handler' });
});

describe('pagePay / wapPay: signed browser requests, no server call', () => {
  it('pagePay puts every parameter, biz_content included, in a signed GET URL', () => {
    const result = client().pagePay({
      outTradeNo: 'order-1',
      amountFen: 12345,
      subject: 'Tea 茶 & "cups"',
      body: 'two cups',
      notifyUrl: 'https://shop.example/alipay/notify',
      returnUrl: 'https://shop.example/alipay/return',
      timeoutMinutes: 30,
      passback: 'cart=7&lang=zh',
      goodsType: 'virtual',
    });
    expect(requests).toHaveLength(0);
    const url = new URL(result.url);
    expect(`${url.origin}${url.pathname}`).toBe(gateway);
    expect(url.search.startsWith('?charset=utf-8&')).toBe(true);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual(result.params);
    expect(params).toMatchObject({
      app_id: APP_ID,
      method: 'alipay.trade.page.pay',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2024-03-01 10:03:04',
      version: '1.0',
      notify_url: 'https://shop.example/alipay/notify',
      return_url: 'https://shop.example/alipay/return',
    });
    expect(params['encrypt_type']).toBeUndefined();
    expect(params['app_cert_sn']).toBeUndefined();
    expect(JSON.parse(params['biz_content']!)).toEqual({
      out_trade_no: 'order-1',
      total_amount: '123.45',
      subject: 'Tea 茶 & "cups"',
      body: 'two cups',
      timeout_express: '30m',
      passback_params: 'cart%3D7%26lang%3Dzh',
      goods_type: '0',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    expectSignedByApp(params);
  });

  it('pagePay also gives an auto-submitting form posting to the gateway with ?charset=utf-8, values escaped', () => {
    const result = client().pagePay({
      outTradeNo: 'o2',
      amountFen: 1,
      subject: `<script>alert('x')</script> & "q"`,
    });
    const { html } = result;
    expect(html).toContain(`action="${gateway}?charset=utf-8"`);
    expect(html).toContain('method="POST"');
    expect(html).toMatch(/<script>document\.forms\['alipaysubmit'\]\.submit\(\);<\/script>$/);
    expect(html).not.toContain("<script>alert('x')</script>");
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\&quot;q\\&quot;');
    const inputs = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)];
    const decodeHtml = (s: string) =>
      s
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    const posted = Object.fromEntries(inputs.map(m => [m[1]!, decodeHtml(m[2]!)]));
    expect(posted).toEqual(result.params);
    expectSignedByApp(posted);
  });

  it('wapPay uses QUICK_WAP_WAY and quit_url (default: the return URL)', () => {
    const explicit = client().wapPay({
      outTradeNo: 'w1',
      amountFen: 100,
      subject: 's',
      returnUrl: 'https://shop.example/r',
      quitUrl: 'https://shop.example/cart',
      goodsType: 'physical',
    });
    expect(explicit.params['method']).toBe('alipay.trade.wap.pay');
    expect(JSON.parse(explicit.params['biz_content']!)).toMatchObject({
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://shop.example/cart',
      total_amount: '1.00',
      goods_type: '1',
    });
    expectSignedByApp(explicit.params);
    const fallback = client().wapPay({
      outTradeNo: 'w2',
      amountFen: 100,
      subject: 's',
      returnUrl: 'https://shop.example/r',
    });
    expect(JSON.parse(fallback.params['biz_content']!).quit_url).toBe('https://shop.example/r');
  });

  it('refuses bad amounts and timeouts before signing anything', () => {
    expect(() => client().pagePay({ outTradeNo: 'o', amountFen: 0, subject: 's' })).toThrow(/amount/);
    expect(() => client().pagePay({ outTradeNo: 'o', amountFen: 1.5, subject: 's' })).toThrow(/amount/);
    expect(() =>
      client().pagePay({ outTradeNo: 'o', amountFen: 1, subject: 's', timeoutMinutes: 0 }),
    ).toThrow(TypeError);
    expect(() => client().pagePay({ outTradeNo: '', amountFen: 1, subject: 's' })).toThrow(TypeError);
  });

  it('sends app_auth_token (service-provider mode) as a signed common parameter', () => {
    const params = client({ appAuthToken: '202401BBxyz', sellerId: '2088000000000001' }).pagePay({
      outTradeNo: 'o',
      amountFen: 1,
      subject: 's',
    }).params;
    expect(params['app_auth_token']).toBe('202401BBxyz');
    expect(openApiSignString(params)).toContain('app_auth_token=202401BBxyz');
    expectSignedByApp(params);
  });
});

describe('server calls: request shape', () => {
  it('precreate POSTs common params in the query (charset first) and only biz_content in the form body', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.precreate',
        success({ out_trade_no: 'qr-1', qr_code: 'https://qr.alipay.com/bax0001' }),
      ),
    });
    const result = await client().precreate({
      outTradeNo: 'qr-1',
      amountFen: 990,
      subject: '扫码 subject',
      notifyUrl: 'https://shop.example/n',
    });
    expect(result).toEqual({
      outTradeNo: 'qr-1',
      qrCode: 'https://qr.alipay.com/bax0001',
      expiresAt: new Date(NOW.getTime() + 15 * 60_000),
    });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.httpMethod).toBe('POST');
    expect(request!.path).toBe('/gateway.do');
    expect(request!.rawQuery.startsWith('charset=utf-8&')).toBe(true);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
    expect(Object.keys(request!.form)).toEqual(['biz_content']);
    expect(request!.query['biz_content']).toBeUndefined();
    expect(request!.query).toMatchObject({
      app_id: APP_ID,
      method: 'alipay.trade.precreate',
      format: 'JSON',
      sign_type: 'RSA2',
      version: '1.0',
      timestamp: '2024-03-01 10:03:04',
      notify_url: 'https://shop.example/n',
    });
    expect(JSON.parse(request!.form['biz_content']!)).toEqual({
      out_trade_no: 'qr-1',
      total_amount: '9.90',
      subject: '扫码 subject',
      timeout_express: '15m',
      product_code: 'FACE_TO_FACE_PAYMENT',
    });
    expectSignedByApp(allParams(request!));
  });

  it('precreate honours timeoutMinutes for timeout_express and expiresAt', async () => {
    respond = () => ({
      body: signedAnswer('alipay.trade.precreate', success({ qr_code: 'https://qr.alipay.com/x' })),
    });
    const result = await client().precreate({
      outTradeNo: 'qr-2',
      amountFen: 1,
      subject: 's',
      timeoutMinutes: 90,
    });
    expect(JSON.parse(requests[0]!.form['biz_content']!).timeout_express).toBe('90m');
    expect(result.expiresAt.getTime() - NOW.getTime()).toBe(90 * 60_000);
    expect(result.outTradeNo).toBe('qr-2');
  });

  it('query maps the answer to a query event (the truth, not display-only)', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.query',
        success({
          trade_no: '2024030122001400000000000001',
          out_trade_no: 'order-9',
          buyer_logon_id: 'ghd***@sandbox.com',
          trade_status: 'TRADE_SUCCESS',
          total_amount: '88.80',
          buyer_pay_amount: '88.80',
          send_pay_date: '2024-03-01 10:01:00',
          buyer_user_id: '2088102174698127',
          fund_bill_list: [{ amount: '88.80', fund_channel: 'ALIPAYACCOUNT' }],
        }),
        { signFirst: true },
      ),
    });
    const event = await client().query({ outTradeNo: 'order-9' });
    expect(JSON.parse(requests[0]!.form['biz_content']!)).toEqual({ out_trade_no: 'order-9' });
    expect(requests[0]!.query['method']).toBe('alipay.trade.query');
    expect(event).toMatchObject({
      type: 'trade',
      generation: 'openapi',
      source: 'query',
      displayOnly: false,
      outTradeNo: 'order-9',
      tradeNo: '2024030122001400000000000001',
      status: 'paid',
      alipayStatus: 'TRADE_SUCCESS',
      amountFen: 8880,
      buyer: { id: '2088102174698127', account: 'ghd***@sandbox.com' },
      timestamps: { paid: '2024-03-01 10:01:00' },
    });
    expect(event!.raw['fund_bill_list']).toBe('[{"amount":"88.80","fund_channel":"ALIPAYACCOUNT"}]');
  });

  it('query by trade number sends trade_no; query without a reference is refused', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.query',
        success({ trade_no: 't', out_trade_no: 'o', trade_status: 'WAIT_BUYER_PAY', total_amount: '1.00' }),
      ),
    });
    const event = await client().query({ tradeNo: 't' });
    expect(JSON.parse(requests[0]!.form['biz_content']!)).toEqual({ trade_no: 't' });
    expect(event?.status).toBe('waiting_payment');
    await expect(client().query({})).rejects.toThrow(TypeError);
  });

  it('query returns null for ACQ.TRADE_NOT_EXIST', async () => {
    respond = () => ({
      body: signedAnswer('alipay.trade.query', {
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.TRADE_NOT_EXIST',
        sub_msg: '交易不存在',
      }),
    });
    expect(await client().query({ outTradeNo: 'missing' })).toBeNull();
  });

  it('refund derives out_request_no from the refund ID, the same on every attempt', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.refund',
        success({ trade_no: 't', out_trade_no: 'o', refund_fee: '30.00', fund_change: 'Y' }),
      ),
    });
    const c = client();
    const first = await c.refund({
      outTradeNo: 'o',
      amountFen: 1000,
      refundId: 'rf/2024:01',
      reason: '退货',
    });
    expect(first).toEqual({
      outRequestNo: outRequestNoFor('rf/2024:01'),
      refundedTotalFen: 3000,
      fundChange: true,
    });
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.refund',
        success({ trade_no: 't', out_trade_no: 'o', refund_fee: '30.00', fund_change: 'N' }),
      ),
    });
    const again = await c.refund({
      outTradeNo: 'o',
      amountFen: 1000,
      refundId: 'rf/2024:01',
      reason: '退货',
    });
    expect(again.fundChange).toBe(false);
    const [a, b] = requests.map(r => JSON.parse(r.form['biz_content']!));
    expect(a).toEqual({
      out_trade_no: 'o',
      refund_amount: '10.00',
      out_request_no: outRequestNoFor('rf/2024:01'),
      refund_reason: '退货',
    });
    expect(b.out_request_no).toBe(a.out_request_no);
    expect(requests[0]!.query['method']).toBe('alipay.trade.refund');
  });

  it('refund is never retried automatically, while query is', async () => {
    respond = () => ({ status: 502, body: 'Bad Gateway' });
    await expect(client().refund({ tradeNo: 't', amountFen: 1, refundId: 'r1' })).rejects.toBeInstanceOf(
      AlipayNetworkError,
    );
    expect(requests).toHaveLength(1);
    requests = [];
    await expect(client().query({ tradeNo: 't' })).rejects.toBeInstanceOf(AlipayNetworkError);
    expect(requests).toHaveLength(1 + HTTP.retries);
  });

  it('refundQuery is a success only when refund_amount comes back', async () => {
    const c = client();
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.fastpay.refund.query',
        success({ out_request_no: 'r1', refund_amount: '10.00', total_amount: '30.00' }),
      ),
    });
    expect(await c.refundQuery({ outTradeNo: 'o', refundId: 'r1' })).toEqual({
      refunded: true,
      amountFen: 1000,
    });
    expect(JSON.parse(requests[0]!.form['biz_content']!)).toEqual({
      out_trade_no: 'o',
      out_request_no: 'r1',
      query_options: ['gmt_refund_pay'],
    });
    respond = () => ({ body: signedAnswer('alipay.trade.fastpay.refund.query', success({})) });
    expect(await c.refundQuery({ outTradeNo: 'o', refundId: 'r1' })).toEqual({ refunded: false });
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.fastpay.refund.query',
        success({ refund_amount: '10.00', refund_status: 'REFUND_PROCESSING' }),
      ),
    });
    expect(await c.refundQuery({ tradeNo: 't', refundId: 'r1' })).toEqual({ refunded: false });
  });

  it('close and cancel send the trade reference; cancel reports action and retry_flag', async () => {
    const c = client();
    respond = () => ({ body: signedAnswer('alipay.trade.close', success({ out_trade_no: 'o' })) });
    await expect(c.close({ outTradeNo: 'o' })).resolves.toBeUndefined();
    expect(requests[0]!.query['method']).toBe('alipay.trade.close');
    expect(JSON.parse(requests[0]!.form['biz_content']!)).toEqual({ out_trade_no: 'o' });
    respond = () => ({
      body: signedAnswer('alipay.trade.cancel', success({ action: 'refund', retry_flag: 'N' })),
    });
    expect(await c.cancel({ outTradeNo: 'o', tradeNo: 't' })).toEqual({ action: 'refund', retry: false });
    expect(JSON.parse(requests[1]!.form['biz_content']!)).toEqual({ out_trade_no: 'o', trade_no: 't' });
    expectSignedByApp(allParams(requests[1]!));
  });
});

describe('server calls: answers that must not be trusted', () => {
  const query = () => client().query({ outTradeNo: 'o' });
  const paid = success({
    trade_no: 't',
    out_trade_no: 'o',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '1.00',
  });

  it('a success answer without sign is an AlipayResponseError', async () => {
    respond = () => ({ body: signedAnswer('alipay.trade.query', paid, { unsigned: true }) });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('an answer signed with another key, or tampered after signing, is an AlipayResponseError', async () => {
    respond = () => ({ body: signedAnswer('alipay.trade.query', paid, { key: strangerKeys.privateKey }) });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
    respond = () => ({ body: signedAnswer('alipay.trade.query', paid).replace('"1.00"', '"9.00"') });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('an error answer with a bad sign is an AlipayResponseError, not the error it claims', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.query',
        { code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' },
        { key: strangerKeys.privateKey },
      ),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });

  it('bodies that are not Alipay answers are AlipayResponseErrors', async () => {
    for (const body of [
      '<html>busy</html>',
      '{"foo_response":{"code":"10000"},"sign":"x"}',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    ]) {
      respond = () => ({ body });
      await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
    }
  });

  it('a verified answer whose trade fields are unusable is an AlipayResponseError', async () => {
    respond = () => ({
      body: signedAnswer(
        'alipay.trade.query',
        success({ trade_no: 't', out_trade_no: 'o', trade_status: 'TRADE_SUCCESS' }),
      ),
    });
    await expect(query()).rejects.toBeInstanceOf(AlipayResponseError);
  });
});

describe('server calls: error mapping', () => {
  async function errorOf(
    answer: string,
    call: (c: OpenApiClient) => Promise<unknown> = c => c.close({ outTradeNo: 'o' }),
  ) {
    respond = () => ({ body: answer });
    try {
      await call(client());
    } catch (error) {
      return error as AlipayGatewayError;
    }
    throw new Error('no error thrown');
  }

  it('ACQ.ACCESS_FORBIDDEN → InterfaceNotContractedError with the contract-list hint', async () => {
    const error = await errorOf(
      signedAnswer('alipay.trade.precreate', {
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.ACCESS_FORBIDDEN',
        sub_msg: '无权限使用接口',
      }),
      c => c.precreate({ outTradeNo: 'o', amountFen: 1, subject: 's' }),
    );
    expect(error).toBeInstanceOf(InterfaceNotContractedError);
    expect(error.code).toBe('INTERFACE_NOT_CONTRACTED');
    expect((error as InterfaceNotContractedError).service).toBe('alipay.trade.precreate');
    expect(error.hint).toEqual(NOT_CONTRACTED_HINT);
    expect(error.hint.zh).toContain('合同列表');
    expect(error.subCode).toBe('ACQ.ACCESS_FORBIDDEN');
  });

  it('40006 isv.insufficient-isv-permissions in an unsigned error_response → InterfaceNotContractedError', async () => {
    const error = await errorOf(
      signedAnswer(
        'alipay.trade.close',
        {
          code: '40006',
          msg: 'Insufficient Permissions',
          sub_code: 'isv.insufficient-isv-permissions',
          sub_msg: 'ISV权限不足',
        },
        { unsigned: true, responseKey: 'error_response' },
      ),
    );
    expect(error).toBeInstanceOf(InterfaceNotContractedError);
    expect(error.gatewayCode).toBe('40006');
  });

  it('isv.invalid-signature without sign: typed error carrying Alipay’s 验签字符串, tokens redacted', async () => {
    const subMsg =
      '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：app_auth_token=202401BBsecret&amp;app_id=2021000000000001&amp;biz_content={"out_trade_no":"o"}&amp;charset=utf-8&amp;method=alipay.trade.close&amp;sign_type=RSA2&amp;timestamp=2024-03-01 10:03:04&amp;version=1.0';
    const error = await errorOf(
      signedAnswer(
        'alipay.trade.close',
        { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: subMsg },
        { unsigned: true },
      ),
    );
    expect(error).toBeInstanceOf(OpenApiSignatureRejectedError);
    expect(error.gatewayCode).toBe('40002');
    expect(error.message).toContain('验签字符串为：');
    expect(error.message).toContain('method=alipay.trade.close');
    expect(error.message).not.toContain('202401BBsecret');
    expect((error as OpenApiSignatureRejectedError).gatewaySignString).toBe(
      'app_auth_token=***&app_id=2021000000000001&biz_content={"out_trade_no":"o"}&charset=utf-8&method=alipay.trade.close&sign_type=RSA2&timestamp=2024-03-01 10:03:04&version=1.0',
    );
    expect(error.hint.zh).toContain('验签');
  });

  it('maps the documented sub-codes to bilingual hints, retryable where trying again helps', async () => {
    const cases: [string, string, boolean, RegExp][] = [
      ['40002', 'isv.invalid-app-id', false, /APPID/],
      ['40002', 'isv.invalid-timestamp', false, /GMT\+8/],
      ['40002', 'isv.app-cert-not-exist', false, /app_cert_sn/],
      ['40002', 'invalid-alipay-root-cert-sn', false, /alipayRootCert\.crt/],
      ['40001', 'isv.missing-signature', false, /required parameter/],
      ['20001', 'aop.invalid-auth-token', false, /app_auth_token/],
      ['40004', 'ACQ.TRADE_HAS_SUCCESS', false, /already paid/],
      ['40004', 'ACQ.TRADE_HAS_CLOSE', false, /closed/],
      ['40004', 'ACQ.TRADE_STATUS_ERROR', false, /state/],
      ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', false, /exceeds what is left to refund/],
      ['40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', false, /balance/],
      ['40004', 'ACQ.SYSTEM_ERROR', true, /temporary/],
      ['20000', 'isp.unknow-error', true, /temporarily unavailable/],
      ['40004', 'ACQ.SOMETHING_NEW', false, /ACQ\.SOMETHING_NEW/],
    ];
    for (const [code, subCode, retryable, hint] of cases) {
      const error = await errorOf(
        signedAnswer('alipay.trade.close', { code, msg: 'm', sub_code: subCode, sub_msg: 'detail' }),
      );
      expect(error, subCode).toBeInstanceOf(AlipayGatewayError);
      expect(error).not.toBeInstanceOf(InterfaceNotContractedError);
      expect(error.gatewayCode).toBe(code);
      expect(error.subCode).toBe(subCode);
      expect(error.retryable, subCode).toBe(retryable);
      expect(error.hint.en, subCode).toMatch(hint);
      expect(error.hint.zh.length, subCode).toBeGreaterThan(0);
    }
  });
});

describe('AES content encryption', () => {
  const encryptKey = 'aYA0GP8JEW+D7/UFaskCWA==';

  it('encrypts biz_content, signs encrypt_type, and decrypts a signed encrypted answer', async () => {
    const answerPlain = alipayJson(
      success({ trade_no: 't', out_trade_no: 'o', trade_status: 'TRADE_FINISHED', total_amount: '5.00' }),
    );
    // Alipay signs the JSON string value, quotes included, then the client decrypts.
    const quotedCipher = JSON.stringify(aesEncrypt(answerPlain, encryptKey));
    respond = () => ({ body: signedAnswer('alipay.trade.query', quotedCipher) });
    const event = await client({ encryptKey }).query({ outTradeNo: 'o' });
    expect(event?.status).toBe('finished');
    const [request] = requests;
    expect(request!.query['encrypt_type']).toBe('AES');
    expect(aesDecrypt(request!.form['biz_content']!, encryptKey)).toBe('{"out_trade_no":"o"}');
    expectSignedByApp(allParams(request!));
  });

  it('refuses an encrypted answer that is unsigned, or that the key cannot decrypt', async () => {
    const quotedCipher = JSON.stringify(aesEncrypt(alipayJson(success({})), encryptKey));
    respond = () => ({ body: signedAnswer('alipay.trade.close', quotedCipher, { unsigned: true }) });
    await expect(client({ encryptKey }).close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(
      AlipayResponseError,
    );
    respond = () => ({ body: signedAnswer('alipay.trade.close', quotedCipher) });
    const otherKey = Buffer.alloc(16, 7).toString('base64');
    await expect(client({ encryptKey: otherKey }).close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(
      AlipayResponseError,
    );
    await expect(client().close({ outTradeNo: 'o' })).rejects.toBeInstanceOf(AlipayResponseError);
  });
});

describe('certificate mode', () => {
  let dir: string;
  let certs: { app: string; alipay: string; root: string; otherAlipay: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alipay-client-cert-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.crt',
      '-days',
      '2',
      '-subj',
      '/C=CN/O=Test/CN=Test Root',
    );
    const issue = (name: string, key: KeyObject, subject: string, serial: string) => {
      writeFileSync(join(dir, `${name}.key`), pem(key));
      openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'root.crt',
        '-CAkey',
        'root.key',
        '-set_serial',
        serial,
        '-days',
        '2',
        '-out',
        `${name}.crt`,
      );
      return readFileSync(join(dir, `${name}.crt`), 'utf8');
    };
    certs = {
      app: issue('app', appKeys.privateKey, `/C=CN/O=Shop/CN=${APP_ID}`, '0x1001'),
      alipay: issue('alipay', alipayKeys.privateKey, '/C=CN/O=Alipay/CN=alipay', '0x2002'),
      otherAlipay: issue('stranger', strangerKeys.privateKey, '/C=CN/O=Alipay/CN=alipay', '0x3003'),
      root: readFileSync(join(dir, 'root.crt'), 'utf8'),
    };
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function certClient(alipayCertificate = certs.alipay): OpenApiClient {
    const cfg = parseAlipayConfig({
      generation: 'openapi',
      appId: APP_ID,
      appPrivateKey: pem(appKeys.privateKey),
      appCertificate: certs.app,
      alipayCertificate,
      alipayRootCertificate: certs.root,
      gateway,
    }) as OpenApiConfig;
    return new OpenApiClient({ config: cfg, http: HTTP, now: () => NOW });
  }

  it('sends and signs app_cert_sn and alipay_root_cert_sn; verifies answers with the Alipay certificate’s key', async () => {
    respond = () => ({
      body: signedAnswer('alipay.trade.close', success({}), { certSn: certSerialNumber(certs.alipay) }),
    });
    const c = certClient();
    const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(der(c.alipayVerifyKey)).toBe(der(alipayKeys.publicKey));
    await c.close({ tradeNo: 't' });
    const params = allParams(requests[0]!);
    expect(params['app_cert_sn']).toBe(certSerialNumber(certs.app));
    expect(params['alipay_root_cert_sn']).toBe(rootCertSerialNumber(certs.root));
    expect(openApiSignString(params)).toMatch(
      /^alipay_root_cert_sn=[0-9a-f]{32}&app_cert_sn=[0-9a-f]{32}&app_id=/,
    );
    expectSignedByApp(params);
  });

  it('says the Alipay certificate rotated when the answer names another alipay_cert_sn and fails to verify', async () => {
    respond = () => ({
      body: signedAnswer('alipay.trade.close', success({}), {
        key: strangerKeys.privateKey,
        certSn: certSerialNumber(certs.otherAlipay),
      }),
    });
    const error = await certClient()
      .close({ tradeNo: 't' })
      .catch((e: unknown) => e as AlipayResponseError);
    expect(error).toBeInstanceOf(AlipayResponseError);
    expect((error as AlipayResponseError).hint.en).toMatch(/renewed/);
  });

  it('throws AlipayConfigError at construction when a certificate is unreadable', () => {
    const cfg = {
      ...config(),
      alipayPublicKey: undefined,
      appCertificate: certs.app,
      alipayCertificate: 'garbage',
      alipayRootCertificate: certs.root,
    };
    expect(() => new OpenApiClient({ config: cfg })).toThrow(AlipayConfigError);
    expect(() => new OpenApiClient({ config: { ...config(), alipayPublicKey: 'not a key' } })).toThrow(
      AlipayConfigError,
    );
  });
});

describe('process time zone', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => {
    process.env['TZ'] = originalTz;
  });

  it('sends the timestamp in Beijing time under TZ=America/New_York', async () => {
    process.env['TZ'] = 'America/New_York';
    respond = () => ({ body: signedAnswer('alipay.trade.close', success({})) });
    await client().close({ tradeNo: 't' });
    expect(requests[0]!.query['timestamp']).toBe('2024-03-01 10:03:04');
  });
});
