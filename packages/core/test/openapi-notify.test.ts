import { generateKeyPairSync } from 'node:crypto';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { NotificationFieldError } from '../src/errors';
import { parseFormBody } from '../src/http/form';
import { openApiNotificationToEvent, verifyOpenApiNotification } from '../src/openapi/notify';
import { buildSignString } from '../src/sign/canonical';
import { publicKeyFromCert } from '../src/sign/cert';
import { rsaSign } from '../src/sign/rsa';
import { byId, fixture, type NotificationVector, vectors } from './fixtures/openapi/vectors';

function keyOf(vector: NotificationVector): string {
  if (vector.publicKeyBase64) return vector.publicKeyBase64;
  if (vector.publicKeyFile) return fixture(vector.publicKeyFile);
  return publicKeyFromCert(fixture(vector.publicKeyCertFile!));
}

function paramsOf(vector: NotificationVector): Record<string, string> {
  if (vector.params) return { ...vector.params };
  // The return arrives as a GET query: decode it exactly once, as a server framework would.
  return Object.fromEntries(new URL(vector.returnUrl!).searchParams);
}

describe('verifyOpenApiNotification: published notifications', () => {
  for (const vector of vectors.notifications) {
    it(`${vector.id} → ${vector.expected}`, () => {
      expect(verifyOpenApiNotification(paramsOf(vector), keyOf(vector))).toBe(vector.expected);
    });
  }

  it('a trade notification verifies with sign_type left out of the signed string', () => {
    const params = paramsOf(byId(vectors.notifications, 'node-yuque-trade-notify'));
    const key = keyOf(byId(vectors.notifications, 'node-yuque-trade-notify'));
    expect(params['sign_type']).toBe('RSA2');
    // The first attempt (without sign_type) is the one that succeeds for trade notifications.
    expect(
      verifyOpenApiNotification({ ...params, sign_type: '' }, key) && verifyOpenApiNotification(params, key),
    ).toBe(true);
  });

  it('a servicemarket notification verifies only with sign_type in the signed string', () => {
    const vector = byId(vectors.notifications, 'node-servicemarket-notify');
    const params = paramsOf(vector);
    expect(verifyOpenApiNotification(params, keyOf(vector))).toBe(true);
    // Without sign_type there is nothing to include on the second attempt: it must fail.
    const { sign_type: _dropped, ...withoutSignType } = params;
    expect(verifyOpenApiNotification(withoutSignType, keyOf(vector))).toBe(false);
  });

  it('the sandbox notify with a literal + in subject verifies after standard form decoding', () => {
    const vector = byId(vectors.notifications, 'yansongda-sandbox-notify-plus');
    const params = paramsOf(vector);
    expect(params['subject']).toBe('yansongda+测试 - 1');
    // On the wire "+" is %2B and spaces are "+": parseFormBody must give back the same values.
    const body = new URLSearchParams(params).toString();
    expect(body).toContain('subject=yansongda%2B%E6%B5%8B%E8%AF%95+-+1');
    const decoded = parseFormBody(Buffer.from(body), 'application/x-www-form-urlencoded; charset=utf-8');
    expect(verifyOpenApiNotification(decoded, keyOf(vector))).toBe(true);
  });

  it('fails when any single field of a verified notification is changed, added or removed', () => {
    for (const id of [
      'node-yuque-trade-notify',
      'yansongda-sandbox-notify-plus',
      'yansongda-sandbox-return',
    ]) {
      const vector = byId(vectors.notifications, id);
      const params = paramsOf(vector);
      const key = keyOf(vector);
      for (const field of Object.keys(params)) {
        if (field === 'sign' || field === 'sign_type') continue;
        const changed = { ...params, [field]: `${params[field]}0` };
        expect(verifyOpenApiNotification(changed, key), `${id}: ${field} changed`).toBe(false);
        const { [field]: _removed, ...missing } = params;
        expect(verifyOpenApiNotification(missing, key), `${id}: ${field} removed`).toBe(false);
      }
      expect(verifyOpenApiNotification({ ...params, extra: 'x' }, key), `${id}: field added`).toBe(false);
      expect(verifyOpenApiNotification({ ...params, sign: `A${params['sign']!.slice(1)}` }, key)).toBe(false);
    }
  });

  it('refuses a missing sign, an unknown sign_type and a sender who asks for a scheme we do not know', () => {
    const vector = byId(vectors.notifications, 'node-yuque-trade-notify');
    const params = paramsOf(vector);
    const { sign: _sign, ...unsigned } = params;
    expect(verifyOpenApiNotification(unsigned, keyOf(vector))).toBe(false);
    expect(verifyOpenApiNotification({ ...params, sign: '' }, keyOf(vector))).toBe(false);
    expect(verifyOpenApiNotification({ ...params, sign_type: 'SM2' }, keyOf(vector))).toBe(false);
    expect(verifyOpenApiNotification({ ...params, sign_type: 'RSA' }, keyOf(vector))).toBe(false);
  });

  it('verifies SHA1withRSA when the notification declares sign_type=RSA', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const params: Record<string, string> = {
      out_trade_no: '1',
      trade_status: 'TRADE_SUCCESS',
      sign_type: 'RSA',
    };
    params['sign'] = rsaSign(buildSignString(params), privateKey, 'RSA');
    expect(verifyOpenApiNotification(params, publicKey)).toBe(true);
    expect(verifyOpenApiNotification({ ...params, sign_type: 'RSA2' }, publicKey)).toBe(false);
  });
});

describe('verifyOpenApiNotification: how outside clients sign (issue 19 gaps 6 and 7)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const base = (): Record<string, string> => ({
    app_id: '2021000000000001',
    notify_id: 'n1',
    out_trade_no: 'at0123456789abcdef0123456789abcd',
    subject: '测试订单 · 中文',
    total_amount: '9.90',
    trade_status: 'TRADE_SUCCESS',
    sign_type: 'RSA2',
  });
  /** Java SDK `rsaCheckV1(params, key, "GBK")` / a GBK-declared notification: the signed text's GBK bytes. */
  const signGbk = (params: Record<string, string>) =>
    rsaSign(iconv.encode(buildSignString(params), 'gbk'), privateKey, 'RSA2');
  /** Node `checkNotifySignV2`, Python, the Java SDK's `getSignCheckContentV1`: empty values stay in (`k=`). */
  const keepEmptyText = (params: Record<string, string>) =>
    Object.keys(params)
      .filter(key => key !== 'sign' && key !== 'sign_type')
      .sort()
      .map(key => `${key}=${params[key]}`)
      .join('&');

  it('charset=GBK: verified over the GBK bytes of the text; the same signature over UTF-8 text is refused', () => {
    const gbk: Record<string, string> = { ...base(), charset: 'GBK' };
    gbk['sign'] = signGbk(gbk);
    expect(verifyOpenApiNotification(gbk, publicKey)).toBe(true);
    // Declared UTF-8 (or nothing), the GBK signature does not verify: the declared charset decides.
    expect(verifyOpenApiNotification({ ...gbk, charset: 'utf-8' }, publicKey)).toBe(false);
    const { charset: _none, ...undeclared } = gbk;
    expect(verifyOpenApiNotification(undeclared, publicKey)).toBe(false);
    // And a UTF-8 signature does not verify when the notification says GBK.
    const utf8: Record<string, string> = { ...base(), charset: 'utf-8' };
    utf8['sign'] = rsaSign(buildSignString(utf8), privateKey, 'RSA2');
    expect(verifyOpenApiNotification(utf8, publicKey)).toBe(true);
    expect(verifyOpenApiNotification({ ...utf8, charset: 'GBK' }, publicKey)).toBe(false);
  });

  it('empty values: signed with them kept (k=) or dropped, both verify; nothing else does', () => {
    const withEmpty = { ...base(), passback_params: '', body: '' };
    const kept = { ...withEmpty, sign: rsaSign(keepEmptyText(withEmpty), privateKey, 'RSA2') };
    expect(verifyOpenApiNotification(kept, publicKey)).toBe(true);
    const dropped = { ...withEmpty, sign: rsaSign(buildSignString(withEmpty), privateKey, 'RSA2') };
    expect(verifyOpenApiNotification(dropped, publicKey)).toBe(true);
    // Kept-empty signatures bind the empty fields: removing one, or filling it, breaks the signature.
    const { passback_params: _removed, ...missing } = kept;
    expect(verifyOpenApiNotification(missing, publicKey)).toBe(false);
    expect(verifyOpenApiNotification({ ...kept, passback_params: 'x' }, publicKey)).toBe(false);
    expect(verifyOpenApiNotification({ ...kept, extra: '' }, publicKey)).toBe(false);
    // GBK and kept-empty together (a Java merchant SDK sending GBK with an empty passback_params).
    const both: Record<string, string> = { ...withEmpty, charset: 'GBK' };
    both['sign'] = rsaSign(iconv.encode(keepEmptyText(both), 'gbk'), privateKey, 'RSA2');
    expect(verifyOpenApiNotification(both, publicKey)).toBe(true);
  });
});

/** The fields of a trade notification for trade `t` (order `o`, paid, 1.00 CNY), with a test's changes. */
function tradeFields(changes: Record<string, string> = {}): Record<string, string> {
  return {
    out_trade_no: 'o',
    trade_no: 't',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '1.00',
    ...changes,
  };
}

describe('openApiNotificationToEvent', () => {
  it('maps the production trade notification', () => {
    const params = paramsOf(byId(vectors.notifications, 'node-yuque-trade-notify'));
    const event = openApiNotificationToEvent(params, 'notify');
    expect(event).toMatchObject({
      type: 'trade',
      generation: 'openapi',
      source: 'notify',
      displayOnly: false,
      outTradeNo: '20190815155618536-564-57',
      tradeNo: '2019081522001468450512505578',
      status: 'paid',
      alipayStatus: 'TRADE_SUCCESS',
      amountFen: 10,
      refundedFen: undefined,
      refundRequestNo: undefined,
      buyer: { id: '2088102534368455', account: 'xud***@126.com' },
      seller: { id: '2088531891668739', email: 'z97-yuquerevenue@service.aliyun.com' },
      appId: '2019073166072302',
      timestamps: { created: '2019-08-15 15:56:22', paid: '2019-08-15 15:56:24' },
      notifyId: '2019081500222155624068450559358070',
      notifyTime: '2019-08-15 15:56:25',
      passback: undefined,
    });
    expect(event.raw).toEqual(params);
    expect(Object.isFrozen(event.raw)).toBe(true);
  });

  it.each([
    [
      'maps a refund notification: refund_fee, out_biz_no, gmt_refund, gmt_close and a passback',
      {
        trade_status: 'TRADE_CLOSED',
        total_amount: '88.80',
        refund_fee: '88.8',
        out_biz_no: 'refund_1',
        gmt_refund: '2024-01-02 03:04:05.678',
        gmt_close: '2024-01-02 03:04:06',
        passback_params: 'order%3D1%20%E4%B8%AD',
      },
      {
        status: 'closed',
        amountFen: 8880,
        refundedFen: 8880,
        refundRequestNo: 'refund_1',
        timestamps: { refunded: '2024-01-02 03:04:05.678', closed: '2024-01-02 03:04:06' },
        passback: 'order=1 中',
      },
    ],
    [
      'accepts refund_fee 0.00 and keeps a malformed passback as received',
      { trade_status: 'WAIT_BUYER_PAY', total_amount: '1', refund_fee: '0.00', passback_params: '100%' },
      { status: 'waiting_payment', amountFen: 100, refundedFen: 0, passback: '100%' },
    ],
  ])('%s', (_name, changes: Record<string, string>, expected) => {
    expect(openApiNotificationToEvent(tradeFields(changes), 'notify')).toMatchObject(expected);
  });

  it('maps a verified return as display-only "paid" with no Alipay status (Alipay redirects only after paying)', () => {
    const vector = byId(vectors.notifications, 'yansongda-sandbox-return');
    const params = paramsOf(vector);
    expect(params['method']).toBe('alipay.trade.page.pay.return');
    expect(params['trade_status']).toBeUndefined();
    const event = openApiNotificationToEvent(params, 'return');
    expect(event).toMatchObject({
      source: 'return',
      displayOnly: true,
      status: 'paid',
      alipayStatus: '',
      outTradeNo: '1703141270',
      tradeNo: '2023122122001499160501586202',
      amountFen: 1,
      seller: { id: '2088721003899159' },
      appId: '9021000122682882',
    });
  });

  it('keeps a return display-only even when it carries a trade_status', () => {
    const event = openApiNotificationToEvent(
      tradeFields({ trade_status: 'TRADE_FINISHED', total_amount: '2.00' }),
      'return',
    );
    expect(event).toMatchObject({ displayOnly: true, status: 'finished', alipayStatus: 'TRADE_FINISHED' });
  });

  it('throws NotificationFieldError naming the field for missing or invalid values', () => {
    const base = tradeFields();
    const cases: [Record<string, string>, string][] = [
      [{ ...base, out_trade_no: '' }, 'out_trade_no'],
      [{ ...base, trade_no: '' }, 'trade_no'],
      [{ ...base, total_amount: '' }, 'total_amount'],
      [{ ...base, total_amount: '1.001' }, 'total_amount'],
      [{ ...base, total_amount: '0.00' }, 'total_amount'],
      [{ ...base, refund_fee: '-1' }, 'refund_fee'],
      [{ ...base, trade_status: 'TRADE_UNKNOWN' }, 'trade_status'],
      [{ ...base, trade_status: '' }, 'trade_status'],
      // Names every object inherits: a plain-object lookup would find a function here.
      [{ ...base, trade_status: 'constructor' }, 'trade_status'],
      [{ ...base, trade_status: 'toString' }, 'trade_status'],
      [{ ...base, trade_status: '__proto__' }, 'trade_status'],
    ];
    for (const [params, field] of cases) {
      let caught: unknown;
      try {
        openApiNotificationToEvent(params, 'notify');
      } catch (error) {
        caught = error;
      }
      expect(caught, field).toBeInstanceOf(NotificationFieldError);
      expect((caught as NotificationFieldError).field).toBe(field);
    }
  });
});
