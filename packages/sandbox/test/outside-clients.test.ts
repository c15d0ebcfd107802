import { X509Certificate } from 'node:crypto';
import { rootCertSerialNumber } from '@alipay-commerce/core/primitives';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src';
import { type AlipayCharset, encodeText } from '../src/charset';
import {
  callOpenApi,
  control,
  formEncode,
  payAtCashier,
  signLegacyRequest,
  signOpenApiRequest,
  verifyOpenApiParams,
  waitFor,
} from './helpers';
import { sandboxSuite } from './sandbox-suite';

/**
 * Gaps that clients nobody here wrote found in the sandbox (issue 19, gaps 1–5): Alipay's PHP demo posting
 * multipart, python-alipay-sdk splitting the root bundle on blank lines, live notifications carrying
 * `fund_bill_list` HTML-escaped, the 2009 guide's cashier label, and derived app seller IDs.
 */

const suite = sandboxSuite('X', {
  config: {
    // The default merchants A (2088101000000001) and B (2088101000000002) plus apps without sellerId.
    merchants: [
      {
        partner: '2088101000000001',
        sellerEmail: 'seller-a@sandbox.alipay.test',
        contract: ['create_direct_pay_by_user', 'close_trade', 'single_trade_query'],
      },
      { partner: '2088101000000002', contract: ['create_direct_pay_by_user'] },
      // A configured partner in the range derived seller IDs use must push them aside.
      { partner: '2088103000000003', contract: ['create_direct_pay_by_user'] },
    ],
    apps: [
      { appId: '2021000000000001', products: ['page', 'wap', 'qr'] },
      { appId: '2021000000000002', products: ['page'], certificates: true },
      { appId: '9021000000000002', products: ['page'] },
      { appId: '2021000000000003', products: ['page'] },
    ],
  },
});
const { order, A } = suite;

/**
 * A multipart/form-data body the way PHP's curl writes a posted array (CURLOPT_POSTFIELDS with an
 * array): one part per field, raw bytes in the charset, no percent-encoding.
 */
function multipart(
  params: Record<string, string>,
  charset: AlipayCharset = 'utf-8',
  boundary = '------------------------d74496d66958873e',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(params)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`, 'latin1'),
    );
    chunks.push(Buffer.from(encodeText(v, charset)));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function postMultipart(
  params: Record<string, string>,
  charset: AlipayCharset = 'utf-8',
  raw?: { body: Buffer; contentType: string },
): Promise<Response> {
  const { body, contentType } = raw ?? multipart(params, charset);
  return fetch(`${suite.sandbox.legacyGateway}?_input_charset=${charset}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    redirect: 'manual',
  });
}

/**
 * The error code of a legacy answer: the XML `<error>` of a server call, or the error page's header when
 * the request could not be read far enough to know the service (as for any unreadable request).
 */
async function errorOf(res: Response): Promise<string | undefined> {
  const text = await res.text();
  return /<error>(\w+)<\/error>/.exec(text)?.[1] ?? res.headers.get('x-alipay-sandbox-error') ?? undefined;
}

async function createDirect(outTradeNo: string): Promise<void> {
  const params = signLegacyRequest(
    {
      service: 'create_direct_pay_by_user',
      out_trade_no: outTradeNo,
      subject: '多部分表单',
      payment_type: '1',
      total_fee: '1.00',
      seller_email: A().sellerEmail,
    },
    A(),
  );
  const res = await fetch(`${suite.sandbox.legacyGateway}?${formEncode(params)}`);
  expect(await res.text()).toContain('data-testid="cashier"');
}

describe('gap 1: legacy server calls sent as multipart/form-data (PHP demo + curl)', () => {
  it('close_trade by multipart, _input_charset in the URL, is accepted like urlencoded', async () => {
    const outTradeNo = order();
    await createDirect(outTradeNo);
    const params = signLegacyRequest({ service: 'close_trade', out_order_no: outTradeNo }, A());
    const res = await postMultipart(params);
    const text = await res.text();
    expect(text, text).toContain('<is_success>T</is_success>');
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?partner=${A().partner}`);
    expect(trade.trade.status).toBe('TRADE_CLOSED');
  });

  it('GBK multipart: raw GBK bytes, signed over GBK, reach the cashier with the Chinese subject', async () => {
    const params = signLegacyRequest(
      {
        service: 'create_direct_pay_by_user',
        out_trade_no: order(),
        subject: '测试商品 GBK',
        payment_type: '1',
        total_fee: '2.00',
        seller_email: A().sellerEmail,
      },
      A(),
      { charset: 'gbk' },
    );
    const res = await postMultipart(params, 'gbk');
    expect(res.status).toBe(303);
    const cashier = await fetch(new URL(res.headers.get('location')!, suite.sandbox.url));
    expect(await cashier.text()).toContain('测试商品 GBK');
  });

  it('a tampered multipart value is ILLEGAL_SIGN, not accepted', async () => {
    const params = signLegacyRequest({ service: 'single_trade_query', out_trade_no: order() }, A());
    params['out_trade_no'] = `${params['out_trade_no']}9`;
    expect(await (await postMultipart(params)).text()).toContain('<error>ILLEGAL_SIGN</error>');
  });

  it('is strict: a file part, a repeated name, a missing close delimiter or no boundary are refused', async () => {
    const params = signLegacyRequest({ service: 'single_trade_query', out_trade_no: order() }, A());
    const boundary = 'b0undary';
    const part = (head: string, value: string): string =>
      `--${boundary}\r\nContent-Disposition: form-data; ${head}\r\n\r\n${value}\r\n`;
    const fields = Object.entries(params)
      .map(([k, v]) => part(`name="${k}"`, v))
      .join('');
    const contentType = `multipart/form-data; boundary=${boundary}`;
    const cases = [
      `${fields}${part('name="upload"; filename="a.txt"', 'x')}--${boundary}--\r\n`,
      `${fields}${part('name="out_trade_no"', params['out_trade_no']!)}--${boundary}--\r\n`,
      fields,
    ];
    for (const body of cases) {
      const res = await postMultipart({}, 'utf-8', { body: Buffer.from(body, 'latin1'), contentType });
      expect(await errorOf(res)).toBe('ILLEGAL_ARGUMENT');
    }
    const noBoundary = await postMultipart({}, 'utf-8', {
      body: Buffer.from(`${fields}--${boundary}--\r\n`, 'latin1'),
      contentType: 'multipart/form-data',
    });
    expect(await errorOf(noBoundary)).toBe('ILLEGAL_ARGUMENT');
    // The same fields, well formed, are fine (so the cases above fail for the reason tested).
    const good = await postMultipart({}, 'utf-8', {
      body: Buffer.from(`${fields}--${boundary}--\r\n`, 'latin1'),
      contentType,
    });
    expect(await good.text()).toContain('<error>TRADE_NOT_EXIST</error>');
  });

  it('query parameters merge with multipart ones; a conflicting value is refused', async () => {
    const outTradeNo = order();
    const params = signLegacyRequest({ service: 'single_trade_query', out_trade_no: outTradeNo }, A());
    const { body, contentType } = multipart(params);
    const clash = await fetch(`${suite.sandbox.legacyGateway}?_input_charset=utf-8&out_trade_no=other`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(await errorOf(clash)).toBe('ILLEGAL_ARGUMENT');
    // service and partner only in the URL, the rest in the multipart body (signed over the union).
    const { service, partner, ...rest } = params;
    const split = multipart(rest);
    const merged = await fetch(
      `${suite.sandbox.legacyGateway}?_input_charset=utf-8&service=${service}&partner=${partner}`,
      { method: 'POST', headers: { 'content-type': split.contentType }, body: split.body },
    );
    expect(await merged.text()).toContain('<error>TRADE_NOT_EXIST</error>');
  });
});

describe('gap 2: the root certificate bundle is written like an Alipay-issued one', () => {
  it('CRLF line ends and a blank line between certificates; splitting on blank lines finds each one', () => {
    const bundle = suite.sandbox.apps[1]!.certificates!.alipayRootCert;
    expect(bundle.replace(/\r\n/g, '')).not.toContain('\n');
    expect(bundle).toContain('-----END CERTIFICATE-----\r\n\r\n-----BEGIN CERTIFICATE-----');
    // python-alipay-sdk reads the file in text mode (CRLF → LF) and splits on blank lines.
    const parts = bundle
      .replace(/\r\n/g, '\n')
      .split('\n\n')
      .filter(p => p.trim() !== '');
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(() => new X509Certificate(p)).not.toThrow();
    // The SN is unchanged by the layout.
    expect(rootCertSerialNumber(bundle)).toBe(suite.sandbox.apps[1]!.certificates!.alipayRootCertSn);
    expect(rootCertSerialNumber(bundle.replace(/\r\n/g, '\n'))).toBe(
      suite.sandbox.apps[1]!.certificates!.alipayRootCertSn,
    );
  });

  it('GET /__sandbox/config serves the same bundle', async () => {
    const config = await control(suite.sandbox, 'GET', '/config');
    expect(config.apps[1].certificates.alipayRootCert).toBe(
      suite.sandbox.apps[1]!.certificates!.alipayRootCert,
    );
  });
});

describe('gap 3: fund_bill_list is HTML-escaped in notifications, as live', () => {
  it('carries &quot; and the signature covers the escaped text as sent', async () => {
    const app = suite.sandbox.apps[0]!;
    const outTradeNo = order();
    await callOpenApi(
      suite.sandbox,
      app,
      'alipay.trade.precreate',
      { out_trade_no: outTradeNo, total_amount: '3.00', subject: 'fund bills' },
      { notify_url: `${suite.receiver.url}/fund-bill` },
    );
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, appId: app.appId });
    const got = await waitFor(() => suite.receiver.at('/fund-bill')[0], 5000, 'notification');
    const value = got.params['fund_bill_list']!;
    expect(value).toBe(
      '[{&quot;amount&quot;:&quot;3.00&quot;,&quot;fundChannel&quot;:&quot;ALIPAYACCOUNT&quot;}]',
    );
    expect(got.raw.toString('latin1')).toContain('fund_bill_list=%5B%7B%26quot%3Bamount%26quot%3B');
    expect(verifyOpenApiParams(got.params, app.alipayPublicKey)).toBe(true);
    // Unescaped it is not what was signed.
    const unescaped = { ...got.params, fund_bill_list: value.replaceAll('&quot;', '"') };
    expect(verifyOpenApiParams(unescaped, app.alipayPublicKey)).toBe(false);
    expect(JSON.parse(unescaped.fund_bill_list)).toEqual([{ amount: '3.00', fundChannel: 'ALIPAYACCOUNT' }]);
  });
});

describe('gap 4: the cashier password label follows the 2009 guide (付款方式一: 登录密码)', () => {
  it('labels the password 登录密码, not 支付密码', async () => {
    const app = suite.sandbox.apps[0]!;
    const params = signOpenApiRequest(app, 'alipay.trade.page.pay', {
      out_trade_no: order(),
      total_amount: '1.00',
      subject: 'label',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    const html = await (await fetch(`${suite.sandbox.openapiGateway}?${formEncode(params)}`)).text();
    const section = html.slice(html.indexOf('付款方式一'));
    expect(section).toMatch(/<label>登录密码 Login password: <input type="password"/);
    expect(html).not.toContain('支付密码');
    // A wrong password says so in the guide's words too.
    const legacy = signLegacyRequest(
      {
        service: 'create_direct_pay_by_user',
        out_trade_no: order(),
        subject: 'x',
        payment_type: '1',
        total_fee: '1.00',
        seller_email: A().sellerEmail,
      },
      A(),
    );
    const { response } = await payAtCashier(`${suite.sandbox.legacyGateway}?${formEncode(legacy)}`, {
      password: 'wrong',
    });
    const wrong = await response.text();
    expect(wrong).toContain('账户名或登录密码不正确');
    expect(wrong).not.toContain('支付密码');
  });
});

describe('gap 5: derived app seller IDs never collide with partner IDs', () => {
  it('an app without sellerId gets an ID outside the partner range, unique among accounts', () => {
    const partners = new Set(suite.sandbox.merchants.flatMap(m => [m.partner, m.sellerId]));
    const sellers = suite.sandbox.apps.map(a => a.sellerId);
    for (const s of sellers) {
      expect(s).toMatch(/^2088\d{12}$/);
      expect(partners.has(s), s).toBe(false);
      expect(s).not.toBe(suite.sandbox.buyer.userId);
    }
    // Two apps whose IDs end alike still get different sellers.
    expect(new Set(sellers).size).toBe(sellers.length);
    // The rule: 2088103 + the app ID's last 9 digits (the example app → 2088103000000001).
    expect(suite.sandbox.apps[0]!.sellerId).toBe('2088103000000001');
    // …stepping past a configured partner that holds that number.
    expect(suite.sandbox.apps[3]!.sellerId).not.toBe('2088103000000003');
  });

  it('a merchant partner ID that the old rule would have given the app is never the app seller', async () => {
    const single = await startSandbox({ config: { apps: [{ appId: '2021000000000001' }] } });
    try {
      expect(single.merchants.map(m => m.partner)).toContain('2088101000000001');
      expect(single.apps[0]!.sellerId).not.toBe('2088101000000001');
    } finally {
      await single.close();
    }
  });
});
