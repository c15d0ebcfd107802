import { describe, expect, it } from 'vitest';
import { DEFAULT_MERCHANTS } from '../src';
import { control, formEncode, legacyUrl, pct, signLegacyRequest } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** The three legacy create interfaces: validation, error codes and the cashier HTML. */

const suite = sandboxSuite('L', {
  config: {
    // The default merchants; A with a contact link (旺旺) for the cashier page.
    merchants: [
      { ...DEFAULT_MERCHANTS[0]!, contactUrl: 'http://wangwang.example/seller-a' },
      DEFAULT_MERCHANTS[1]!,
    ],
  },
});
const { order, A, B } = suite;

const direct = (extra: Record<string, string> = {}) => ({
  service: 'create_direct_pay_by_user',
  out_trade_no: order(),
  subject: '测试商品 Test goods',
  payment_type: '1',
  total_fee: '0.01',
  seller_email: A().sellerEmail,
  notify_url: 'http://shop.example/alipay/notify',
  return_url: 'http://shop.example/alipay/return',
  ...extra,
});

const escrow = (service: string, extra: Record<string, string> = {}) => ({
  service,
  out_trade_no: order(),
  subject: '实物商品 Physical goods',
  body: '商品描述 description',
  payment_type: '1',
  price: '12.50',
  quantity: '2',
  logistics_type: 'EXPRESS',
  logistics_fee: '8.00',
  logistics_payment: 'BUYER_PAY',
  seller_email: A().sellerEmail,
  notify_url: 'http://shop.example/alipay/notify',
  return_url: 'http://shop.example/alipay/return',
  ...extra,
});

async function errorCode(url: string, init?: RequestInit): Promise<string | undefined> {
  const res = await fetch(url, init);
  const html = await res.text();
  expect(res.status).toBe(200);
  const code = /data-testid="error-code">([A-Z_]+)</.exec(html)?.[1];
  if (code) expect(html).toContain(`错误代码 ${code} 请回到请求来源地`);
  return code;
}

describe('legacy create interfaces', () => {
  it('create_direct_pay_by_user (utf-8, GET) shows the instant-payment cashier', async () => {
    const params = direct({ body: '描述 & <b>', extra_common_param: 'abc' });
    const res = await fetch(legacyUrl(suite.sandbox, A(), params));
    expect(res.url).toMatch(/\/cashier\/\d{28}$/);
    const html = await res.text();
    expect(html).toContain('data-testid="cashier"');
    expect(html).toContain('data-interface="direct"');
    expect(html).toContain(params.out_trade_no);
    expect(html).toContain('测试商品 Test goods');
    expect(html).toContain('描述 &amp; &lt;b&gt;');
    for (const label of [
      '商户',
      '商品名称',
      '订单号',
      '商品描述',
      '商品单价',
      '支付类型',
      '折扣',
      '产品数量',
      '总价',
    ]) {
      expect(html).toContain(label);
    }
    expect(html).not.toContain('物流信息');
    expect(html).toMatch(/id="pay"/);
    expect(html).toMatch(/id="cancel"/);
    expect(html).toContain('value="buyer@sandbox.alipay.test"');
    // The seller-contact link (营销工具) belongs to physical-goods interfaces only.
    expect(html).not.toContain('contact-seller');
  });

  it('accepts price + quantity instead of total_fee', async () => {
    const p = direct({ price: '3.33', quantity: '3' });
    delete (p as Record<string, string>)['total_fee'];
    const html = await (await fetch(legacyUrl(suite.sandbox, A(), p))).text();
    expect(html).toMatch(/data-testid="total">9\.99</);
  });

  it('create_direct_pay_by_user with _input_charset=gbk: GBK bytes, GBK signature, POST body', async () => {
    const params = signLegacyRequest(direct({ subject: '中文商品名称' }), A(), { charset: 'gbk' });
    // As the 2009 demo does: the charset in the form action's query, the form body in GBK.
    const res = await fetch(`${suite.sandbox.legacyGateway}?_input_charset=gbk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formEncode(params, 'gbk'),
    });
    const html = await res.text();
    expect(html).toContain('中文商品名称');
    expect(html).toContain('data-testid="cashier"');
  });

  it('GBK bytes signed over UTF-8 bytes are ILLEGAL_SIGN', async () => {
    const params = direct({ subject: '中文' });
    const signedAsUtf8 = signLegacyRequest({ ...params, _input_charset: 'gbk' }, A(), { charset: 'utf-8' });
    signedAsUtf8['_input_charset'] = 'gbk';
    expect(await errorCode(`${suite.sandbox.legacyGateway}?${formEncode(signedAsUtf8, 'gbk')}`)).toBe(
      'ILLEGAL_SIGN',
    );
  });

  it('create_partner_trade_by_buyer shows escrow explanation, logistics and the contact link', async () => {
    const params = escrow('create_partner_trade_by_buyer', { discount: '1.00', receive_name: '张三' });
    const html = await (await fetch(legacyUrl(suite.sandbox, A(), params))).text();
    expect(html).toContain('data-interface="escrow"');
    expect(html).toContain('data-testid="escrow-explanation"');
    expect(html).toContain('对其满意后才向卖家支付货款');
    expect(html).toMatch(/seller is paid only after/i);
    expect(html).toContain('物流信息');
    expect(html).toContain('快递 Express 8.00 元');
    expect(html).toContain('买家承担运费');
    // 12.50 × 2 − 1.00 + 8.00 (buyer pays shipping)
    expect(html).toMatch(/data-testid="total">32\.00</);
    expect(html).toContain('id="contact-seller"');
    expect(html).toContain('http://wangwang.example/seller-a');
    expect(html).not.toContain('mode-instant');
  });

  it('trade_create_by_buyer (gbk) lets the buyer choose instant or escrow', async () => {
    const params = escrow('trade_create_by_buyer', {
      subject: '双接口商品',
      logistics_type: 'DIRECT',
      logistics_payment: 'SELLER_PAY',
      logistics_fee: '0.00',
    });
    const html = await (await fetch(legacyUrl(suite.sandbox, A(), params, { charset: 'gbk' }))).text();
    expect(html).toContain('data-interface="dual"');
    expect(html).toContain('双接口商品');
    expect(html).toContain('id="mode-instant"');
    expect(html).toContain('id="mode-escrow"');
    expect(html).toContain('即时到账');
    expect(html).toContain('担保交易');
    expect(html).toContain('id="contact-seller"');
    expect(html).toMatch(/data-testid="total">25\.00</);
  });

  for (const charset of ['utf-8', 'gbk'] as const) {
    it(`every create interface in ${charset}: cashier with the Chinese subject, ILLEGAL_SIGN with a wrong key`, async () => {
      const requests = [
        direct({ subject: '中文即时到账' }),
        escrow('create_partner_trade_by_buyer', { subject: '中文担保交易' }),
        escrow('trade_create_by_buyer', { subject: '中文双接口' }),
      ];
      for (const params of requests) {
        const html = await (await fetch(legacyUrl(suite.sandbox, A(), params, { charset }))).text();
        expect(html, params.service).toContain(params.subject);
        expect(html).toContain('id="pay"');
        expect(
          await errorCode(
            legacyUrl(
              suite.sandbox,
              A(),
              { ...params, out_trade_no: order() },
              { charset, key: 'k'.repeat(32) },
            ),
          ),
        ).toBe('ILLEGAL_SIGN');
        expect(
          await errorCode(legacyUrl(suite.sandbox, A(), { ...params, out_trade_no: '' }, { charset })),
        ).toBe('ILLEGAL_ARGUMENT');
      }
    });
  }

  it('HAS_NO_PRIVILEGE for merchant B on escrow and dual, but B may pay instantly', async () => {
    const b = B();
    for (const service of ['create_partner_trade_by_buyer', 'trade_create_by_buyer']) {
      const url = legacyUrl(suite.sandbox, b, escrow(service, { seller_email: b.sellerEmail }));
      expect(await errorCode(url)).toBe('HAS_NO_PRIVILEGE');
    }
    const ok = await fetch(legacyUrl(suite.sandbox, b, direct({ seller_email: b.sellerEmail })));
    expect(await ok.text()).toContain('data-testid="cashier"');
    expect(b.contract).toEqual([
      'create_direct_pay_by_user',
      'notify_verify',
      'refund_fastpay_by_platform_pwd',
    ]);
  });

  it('answers Alipay error codes on the error page', async () => {
    const a = A();
    expect(await errorCode(legacyUrl(suite.sandbox, a, direct(), { key: 'x'.repeat(32) }))).toBe(
      'ILLEGAL_SIGN',
    );
    expect(await errorCode(legacyUrl(suite.sandbox, { ...a, partner: '2088999999999999' }, direct()))).toBe(
      'ILLEGAL_PARTNER',
    );
    expect(await errorCode(legacyUrl(suite.sandbox, a, { ...direct(), service: 'create_everything' }))).toBe(
      'ILLEGAL_SERVICE',
    );
    const big5 = signLegacyRequest({ ...direct(), _input_charset: 'big5' }, a);
    expect(await errorCode(`${suite.sandbox.legacyGateway}?${formEncode(big5)}`)).toBe('ILLEGAL_CHARSET');
    const lower = signLegacyRequest(direct(), a);
    lower['sign_type'] = 'md5';
    expect(await errorCode(`${suite.sandbox.legacyGateway}?${formEncode(lower)}`)).toBe('ILLEGAL_SIGN_TYPE');
    expect(await errorCode(legacyUrl(suite.sandbox, a, direct({ payment_type: '2' })))).toBe(
      'ILLEGAL_PAYMENT_TYPE',
    );
    expect(
      await errorCode(legacyUrl(suite.sandbox, a, direct({ seller_email: 'nobody@nowhere.test' }))),
    ).toBe('SELLER_NOT_EXIST');
    expect(await errorCode(legacyUrl(suite.sandbox, a, direct({ seller_email: B().sellerEmail })))).toBe(
      'SELLER_NOT_IN_SPECIFIED_SELLERS',
    );
    expect(await errorCode(legacyUrl(suite.sandbox, a, direct({ total_fee: '0.00' })))).toBe(
      'DIRECT_PAY_AMOUNT_OUT_OF_RANGE',
    );
  });

  it('answers ILLEGAL_ARGUMENT for bad business parameters', async () => {
    const a = A();
    const cases: Array<Record<string, string>> = [
      direct({ out_trade_no: 'x'.repeat(65) }),
      direct({ subject: '' }),
      direct({ notify_url: 'http://shop.example/notify?id=123' }),
      direct({ return_url: '/relative/return' }),
      direct({ total_fee: '1.001' }),
      direct({ price: '1.00', quantity: '1' }), // total_fee and price together
      direct({ it_b_pay: '1.5h' }),
      direct({ subject: '长'.repeat(100) }), // 300 UTF-8 bytes > 256
      escrow('create_partner_trade_by_buyer', { logistics_type: 'SHIP' }),
      escrow('create_partner_trade_by_buyer', { logistics_payment: 'NOBODY_PAY' }),
      escrow('create_partner_trade_by_buyer', { quantity: '0' }),
    ];
    const noSeller = direct();
    delete (noSeller as Record<string, string>)['seller_email'];
    cases.push(noSeller);
    const noLogistics = escrow('trade_create_by_buyer');
    delete (noLogistics as Record<string, string>)['logistics_fee'];
    cases.push(noLogistics);
    for (const params of cases) {
      expect(await errorCode(legacyUrl(suite.sandbox, a, params)), JSON.stringify(params).slice(0, 120)).toBe(
        'ILLEGAL_ARGUMENT',
      );
    }
  });

  it('same out_trade_no: same data shows the cashier again, different amount is TRADE_DATA_MATCH_ERROR', async () => {
    const params = direct();
    const first = await fetch(legacyUrl(suite.sandbox, A(), params));
    const again = await fetch(legacyUrl(suite.sandbox, A(), params));
    expect(again.url).toBe(first.url);
    expect(await errorCode(legacyUrl(suite.sandbox, A(), { ...params, total_fee: '0.02' }))).toBe(
      'TRADE_DATA_MATCH_ERROR',
    );
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo: params.out_trade_no, partner: A().partner });
    expect(await errorCode(legacyUrl(suite.sandbox, A(), params))).toBe('TRADE_HAS_SUCCESS');
  });

  it('refuses a conflicting parameter in URL and body, accepts the same one', async () => {
    const params = signLegacyRequest(direct(), A());
    const ok = await fetch(`${suite.sandbox.legacyGateway}?_input_charset=utf-8`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formEncode(params),
    });
    expect(await ok.text()).toContain('data-testid="cashier"');
    const clash = await fetch(`${suite.sandbox.legacyGateway}?_input_charset=utf-8&total_fee=9.99`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formEncode(signLegacyRequest(direct(), A())),
    });
    expect(await clash.text()).toContain('错误代码 ILLEGAL_ARGUMENT 请回到请求来源地');
  });

  it('legacy RSA (SHA1withRSA) requests verify with the merchant public key', async () => {
    const res = await fetch(
      legacyUrl(suite.sandbox, A(), direct({ subject: 'RSA 签名' }), { signType: 'RSA' }),
    );
    expect(await res.text()).toContain('data-testid="cashier"');
    const bad = signLegacyRequest(direct(), A(), { signType: 'RSA' });
    bad['subject'] = 'changed';
    expect(await errorCode(`${suite.sandbox.legacyGateway}?${formEncode(bad)}`)).toBe('ILLEGAL_SIGN');
  });

  it('the query values are percent-decoded exactly once (+ is a space, %2B a plus)', async () => {
    const params = signLegacyRequest(direct({ subject: 'a+b c' }), A());
    const url = `${suite.sandbox.legacyGateway}?${Object.entries(params)
      .map(([k, v]) => `${k}=${pct(v).replace(/%20/g, '+')}`)
      .join('&')}`;
    const html = await (await fetch(url)).text();
    expect(html).toContain('a+b c');
  });
});
