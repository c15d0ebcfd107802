/**
 * Issue 15 item 6: the core's parsers of untrusted input never throw anything but a FormBodyError, and the
 * facade's notification and return handlers never throw at all (they answer with a Rejection). Properties
 * are checked with fast-check over arbitrary bytes, arbitrary strings and form-shaped text full of percent
 * escapes, `+`, charset fields and unknown content types.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnoseNotification } from '../src/doctor';
import { FormBodyError } from '../src/errors';
import { type Alipay, createAlipay } from '../src/facade';
import { formBodyCharset, parseFormBody } from '../src/http/form';
import { peekAntomNotification, peekNotification } from '../src/peek';
import { type NotificationResult } from '../src/rejections';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof app.privateKey, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' } as never).toString();

/** No network call may succeed: a parser that reached one would be a bug of its own. */
const http = {
  retries: 0,
  timeoutMs: 200,
  fetch: (async () => {
    throw new TypeError('no network in parser tests');
  }) as typeof fetch,
};

const legacy: Alipay = createAlipay(
  {
    generation: 'legacy',
    interfaceType: 'escrow',
    partnerId: '2088101122136241',
    key: 'abcdefghijklmnopqrstuvwxyz012345',
    sellerEmail: 'seller@example.com',
  },
  { http },
);
const openapi: Alipay = createAlipay(
  {
    generation: 'openapi',
    products: ['page'],
    appId: '2021000122600000',
    appPrivateKey: pem(app.privateKey, 'pkcs8'),
    alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
    sellerId: '2088000000000001',
  },
  { http },
);

const antomKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const antom: Alipay = createAlipay(
  {
    generation: 'antom',
    clientId: 'SANDBOX_FUZZ_0001',
    merchantPrivateKey: pem(app.privateKey, 'pkcs8'),
    antomPublicKey: pem(antomKeys.publicKey, 'spki'),
    gateway: 'http://127.0.0.1:9',
  },
  { http },
);

/** Text that looks like a form: keys and values made of the characters a parser cares about. */
const formText: fc.Arbitrary<string> = (() => {
  const atom = fc.oneof(
    fc.constantFrom('%', '%E4', '%e4%b8', '%ZZ', '%2', '%25', '+', '=', '&', '%00', '%FF', '%C3%28'),
    fc.constantFrom('charset', '_input_charset', 'utf-8', 'GBK', 'gb18030', 'sign', 'app_id', '__proto__'),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
    fc.stringMatching(/^[0-9A-Fa-fG]{0,4}$/).map(h => `%${h}`),
  );
  const part = fc.array(atom, { maxLength: 6 }).map(a => a.join(''));
  const field = fc.tuple(part, fc.option(part)).map(([k, v]) => (v === null ? k : `${k}=${v}`));
  return fc.array(field, { maxLength: 8 }).map(fields => fields.join('&'));
})();

/** Content types: none, the usual ones, charset parameters good and bad. */
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/x-www-form-urlencoded; charset=GBK',
      'application/x-www-form-urlencoded; charset=%E4',
      'application/x-www-form-urlencoded; charset="gb18030"',
      'application/x-www-form-urlencoded; charset=constructor',
      'application/json',
      'text/plain; charset=big5',
    ),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
);

/** Any body a client can send: raw bytes, any JS string (lone surrogates included), form-shaped text. */
const body: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  formText,
  formText.map(text => Buffer.from(text, 'utf8')),
  formText.map(text => Buffer.from(text, 'latin1')),
);

/** Calls `fn`; anything thrown must be a FormBodyError. */
function onlyFormBodyError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof FormBodyError)) throw error;
  }
}

function expectRejection(result: NotificationResult): void {
  // Random input never carries a valid signature, so it is never accepted.
  expect(result.ok).toBe(false);
  if (!result.ok) expect(['success', 'fail']).toContain(result.reply);
}

describe('charset=%E4 (an escape that is not UTF-8) in a notification body', () => {
  const bodies = [
    'charset=%E4',
    'charset=%E4&out_trade_no=X1&trade_status=TRADE_SUCCESS',
    'a=1&_input_charset=%E4%B8&b=2',
    'charset=%C3%28',
    'charset=%',
  ];

  it('parseFormBody refuses it with a FormBodyError, not a URIError', () => {
    for (const text of bodies) {
      expect(() => parseFormBody(text), text).toThrow(FormBodyError);
      expect(() => parseFormBody(Buffer.from(text, 'latin1')), text).toThrow(FormBodyError);
    }
  });

  it('formBodyCharset and peekNotification do not throw', () => {
    for (const text of bodies) {
      expect(formBodyCharset(text)).toBe('utf-8');
      expect(peekNotification(text)).toBeUndefined();
    }
  });

  it('both generations answer it as a malformed body, acknowledged (success), never retried', async () => {
    for (const alipay of [legacy, openapi]) {
      for (const text of bodies) {
        const result = await alipay.handleNotification(text, 'application/x-www-form-urlencoded');
        expect(result, text).toMatchObject({ ok: false, reason: 'malformed_body', reply: 'success' });
      }
    }
  });

  it('a return query with it is a malformed-body rejection too', () => {
    for (const alipay of [legacy, openapi]) {
      expect(alipay.handleReturn('?charset=%E4&out_trade_no=X1')).toMatchObject({
        ok: false,
        reason: 'malformed_body',
      });
    }
  });

  it('the doctor diagnoses it instead of throwing', () => {
    expect(() =>
      diagnoseNotification('charset=%E4&sign=x', {
        generation: 'openapi',
        appId: '2021000122600000',
        appPrivateKey: pem(app.privateKey, 'pkcs8'),
        alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
      }),
    ).not.toThrow();
  });
});

describe('fuzzing the parsers (fast-check): nothing but FormBodyError or a Rejection escapes', () => {
  it('parseFormBody: arbitrary bytes, strings and form-shaped text, any content type', () => {
    fc.assert(
      fc.property(body, contentType, (raw, type) => {
        onlyFormBodyError(() => parseFormBody(raw, type));
        onlyFormBodyError(() => parseFormBody(raw, type, { maxBytes: 64 }));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('parseFormBody: what it returns is own string fields only', () => {
    fc.assert(
      fc.property(body, contentType, (raw, type) => {
        let fields: Record<string, string>;
        try {
          fields = parseFormBody(raw, type);
        } catch (error) {
          if (error instanceof FormBodyError) return;
          throw error;
        }
        expect(Object.getPrototypeOf(fields)).toBeNull();
        for (const [key, value] of Object.entries(fields)) {
          expect(key).not.toBe('');
          expect(typeof value).toBe('string');
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('formBodyCharset and peekNotification never throw', () => {
    fc.assert(
      fc.property(body, contentType, (raw, type) => {
        expect(['utf-8', 'gbk', 'gb2312', 'gb18030']).toContain(formBodyCharset(raw, type));
        const peek = peekNotification(raw, type);
        if (peek !== undefined) expect(['legacy', 'openapi']).toContain(peek.generation);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('handleNotification (both generations) resolves to a Rejection, never throws', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (raw, type, useLegacy) => {
        expectRejection(await (useLegacy ? legacy : openapi).handleNotification(raw, type));
      }),
      { numRuns: RUNS },
    );
  });

  it('peekAntomNotification never throws, and reads only strings from one JSON object', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          body,
          fc.json(),
          fc.jsonValue().map(v => JSON.stringify(v)),
        ),
        raw => {
          const peek = peekAntomNotification(raw);
          if (peek === undefined) return;
          expect(peek.generation).toBe('antom');
          for (const value of [peek.notifyType, peek.outTradeNo, peek.tradeNo, peek.refundRequestNo]) {
            if (value !== undefined) expect(typeof value === 'string' && value !== '').toBe(true);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('handleNotification (Antom): arbitrary bodies, headers and notify URLs resolve to a Rejection, never a throw', async () => {
    const headerValue = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('algorithm=RSA256,keyVersion=1,signature=', 'signature=%', 'signature=%ZZ', '%E4'),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    );
    const headers = fc.dictionary(
      fc.constantFrom('client-id', 'Client-Id', 'request-time', 'signature', 'Signature', '__proto__', 'x'),
      headerValue,
    );
    const notifyUrl = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('https://shop.example/alipay/notify', '/alipay/notify', '', 'http://[::1', '%E4'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(body, fc.json()),
        headers,
        notifyUrl,
        fc.boolean(),
        async (raw, requestHeaders, url, withRequest) => {
          expectRejection(
            await antom.handleNotification(
              raw,
              'application/json',
              undefined,
              withRequest ? { headers: requestHeaders, notifyUrl: url } : undefined,
            ),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('handleNotification (Antom): a notify URL whose path does not start with / (fast-check found `A:$`) is a rejection', async () => {
    const headers = { 'client-id': 'x', 'request-time': '1', signature: 'signature=%' };
    for (const notifyUrl of ['A:$', 'mailto:x', 'data:,x']) {
      expectRejection(
        await antom.handleNotification('""', 'application/json', undefined, { headers, notifyUrl }),
      );
    }
  });

  it('handleNotification: well-formed fields with hostile values (charset, sign_type, amounts, statuses)', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('%E4', 'constructor', '__proto__', 'RSA2', 'MD5', 'TRADE_SUCCESS', '-1', '1e9', 'NaN'),
    );
    const fields = fc.dictionary(
      fc.constantFrom(
        'charset',
        '_input_charset',
        'sign',
        'sign_type',
        'app_id',
        'auth_app_id',
        'notify_type',
        'notify_id',
        'out_trade_no',
        'trade_no',
        'trade_status',
        'total_amount',
        'total_fee',
        'seller_id',
        'seller_email',
        'result_details',
        'batch_no',
        'refund_fee',
        'passback_params',
      ),
      value,
    );
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (params, useLegacy) => {
        const text = new URLSearchParams(params).toString();
        expectRejection(await (useLegacy ? legacy : openapi).handleNotification(text));
        expectRejection((useLegacy ? legacy : openapi).handleReturn(text));
        expectRejection((useLegacy ? legacy : openapi).handleReturn(params));
      }),
      { numRuns: RUNS },
    );
  });

  it('diagnoseNotification (the doctor) reports on any body instead of throwing', () => {
    const configs = [
      {
        generation: 'legacy',
        interfaceType: 'direct',
        partnerId: '2088101122136241',
        key: 'abcdefghijklmnopqrstuvwxyz012345',
        sellerEmail: 'seller@example.com',
      },
      {
        generation: 'openapi',
        appId: '2021000122600000',
        appPrivateKey: pem(app.privateKey, 'pkcs8'),
        alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
      },
    ];
    fc.assert(
      fc.property(body, contentType, fc.constantFrom(...configs), (raw, type, config) => {
        expect(diagnoseNotification(raw, config, { contentType: type }).verified).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('handleReturn (both generations): any query string is a Rejection, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(formText, fc.string({ unit: 'binary', maxLength: 200 })), query => {
        expectRejection(legacy.handleReturn(query));
        expectRejection(openapi.handleReturn(query));
        expectRejection(openapi.handleReturn(`?${query}`));
      }),
      { numRuns: RUNS },
    );
  });
});
