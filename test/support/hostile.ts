/**
 * Generated hostile notifications (fast-check) for the hostile-input matrix (issue 8 item 4).
 *
 * Every generated request differs from every genuine notification in a way that matters: a field changed
 * after signing, a signature or key that is not the right one, a message that is validly signed but for
 * another app or seller, for a wrong amount, for a status that does not exist or without a required
 * field, a replay of a notification already processed, a body the endpoint must not read (too large,
 * invalid bytes, duplicate keys, not a form at all). Changes that carry no meaning are never generated
 * (re-encoding the same value, changing the case of the unsigned `sign_type`, adding an empty field —
 * Alipay leaves empty values out of the signed string), because a shop must accept those.
 *
 * A target is an order the message is aimed at. `genuine` targets have a base message that the shop
 * would accept as it is (signed with the right key, fresh): mutations of those that re-sign with the
 * right key always include a poison (wrong amount, seller, app, status, currency or a missing field).
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { FORM_UTF8, formBody, type Params, signMd5, signRsa2, yuan } from './alipay-messages';

export type Generation = 'openapi' | 'legacy';

export interface HostileTarget {
  label: string;
  generation: Generation;
  url: string;
  /** The message the mutations start from (signed). */
  base: Params;
  /** Signs with the key the shop trusts for this generation (Alipay's RSA2 key, or merchant A's MD5 key). */
  resign: (params: Params) => Params;
  /** True when `base` itself would be accepted: it must never be sent as it is. */
  genuine: boolean;
  /** Field that holds the amount. */
  amountField: 'total_amount' | 'total_fee';
}

export interface HostileKeys {
  /** The app's own private key (the merchant's, not Alipay's). */
  appPrivateKey: string;
  /** Merchant A's MD5 key (the shop's) and merchant B's. */
  md5KeyA: string;
  md5KeyB: string;
  merchantB: { partner: string; sellerId: string; sellerEmail: string };
  /** The shop's app ID and seller ID (OpenAPI). */
  appId: string;
  appSellerId: string;
}

/** One hostile request. */
export interface HostileRequest {
  target: string;
  mutation: string;
  url: string;
  contentType: string;
  body: Buffer;
  /** Headers besides the content type (Antom signs its notifications in headers). */
  headers?: Record<string, string>;
}

const STATUSES = [
  'WAIT_BUYER_PAY',
  'TRADE_PENDING',
  'WAIT_SELLER_SEND_GOODS',
  'WAIT_BUYER_CONFIRM_GOODS',
  'TRADE_SUCCESS',
  'TRADE_FINISHED',
  'TRADE_CLOSED',
];

/** True when `value` is `genuine` written differently: the same MD5 hex digits, or the same base64 bytes. */
function sameSignature(value: string, genuine: string, generation: Generation): boolean {
  if (generation === 'legacy') return value.toLowerCase() === genuine.toLowerCase();
  return Buffer.from(value, 'base64').equals(Buffer.from(genuine, 'base64'));
}

/** Request with a UTF-8 form body built from params (in their order) or from ready text. */
/** The form body of `fields` with the percent-escaped bytes `bad` appended to the value of `key`. */
function formBodyWithBytes(fields: Params, key: string, bad: string): string {
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}${k === key ? bad : ''}`)
    .join('&');
}

function request(
  target: HostileTarget,
  mutation: string,
  body: Params | Array<[string, string]> | string | Buffer,
  contentType = FORM_UTF8,
  url = target.url,
): HostileRequest {
  const bytes =
    typeof body === 'string'
      ? Buffer.from(body, 'latin1')
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(formBody(body), 'latin1');
  return { target: target.label, mutation, url, contentType, body: bytes };
}

const signedKeys = (params: Params) =>
  Object.keys(params).filter(k => k !== 'sign' && k !== 'sign_type' && params[k] !== '');

/** A replacement value that is certainly different from `original`. */
function otherValue(original: string): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      fc.integer({ min: 0, max: 10_000_000 }).map(n => yuan(n)),
      fc.constantFrom(
        'TRADE_SUCCESS',
        'TRADE_FINISHED',
        '2088101000000002',
        '0.01',
        'null',
        'true',
        '<script>',
      ),
      fc.nat({ max: Math.max(0, original.length - 1) }).map(i => original.slice(0, i)),
      fc.constant(`${original} `),
      fc.constant(original.toUpperCase()),
    )
    .filter(v => v !== original);
}

export function hostileArbitrary(targets: HostileTarget[], keys: HostileKeys): fc.Arbitrary<HostileRequest> {
  const randomRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const replayable = targets.filter(t => !t.genuine);
  const targetArb = fc.constantFrom(...targets);

  // 1. A signed field changed after signing; the signature kept.
  const tamperField = targetArb.chain(t =>
    fc
      .constantFrom(...signedKeys(t.base))
      .chain(key => otherValue(t.base[key]!).map(value => ({ key, value })))
      .map(({ key, value }) => request(t, `tamper:${key}`, { ...t.base, [key]: value })),
  );

  // 2. The signature itself altered or swapped for another message's.
  const tamperSign = targetArb.chain(t => {
    const sign = t.base.sign!;
    const others = targets.filter(o => o.base.sign !== sign).map(o => o.base.sign!);
    return (
      fc
        .oneof(
          fc.nat({ max: sign.length - 1 }).chain(i =>
            fc
              .constantFrom(...'0123456789abcdefABCDEF+/='.split(''))
              .filter(c => c !== sign[i])
              .map(c => sign.slice(0, i) + c + sign.slice(i + 1)),
          ),
          fc.nat({ max: sign.length - 1 }).map(n => sign.slice(0, n)),
          fc.constant(''),
          fc.constantFrom(...others),
          fc.base64String({ minLength: 4, maxLength: 400 }).filter(s => s !== sign),
        )
        // The genuine signature written differently is still the genuine signature: MD5 hex in upper case,
        // base64 without its `=` padding. A shop must accept those, so they are not hostile.
        .filter(value => !sameSignature(value, sign, t.generation))
        .map(value => request(t, 'sign', { ...t.base, sign: value }))
    );
  });

  // 3. A sign_type that is not the one the shop's settings use (case aside: it is not signed).
  const signType = targetArb.chain(t =>
    fc
      .constantFrom(
        ...(t.generation === 'openapi'
          ? ['RSA', 'MD5', 'DSA', 'SM2', 'HMAC-SHA256', 'NONE']
          : ['RSA', 'RSA2', 'DSA', 'SHA1', 'NONE']),
      )
      .map(value => request(t, `sign_type:${value}`, { ...t.base, sign_type: value })),
  );

  // 4. Re-signed with a key the shop does not trust for this.
  const wrongKey = targetArb.chain(t =>
    fc
      .constantFrom<[string, (p: Params) => Params]>(
        ['app-private-key', p => signRsa2(p, keys.appPrivateKey)],
        ['random-rsa-key', p => signRsa2(p, randomRsa)],
        ['md5-key-a', p => signMd5(p, keys.md5KeyA)],
        ['md5-key-b', p => signMd5(p, keys.md5KeyB)],
        [
          'md5-key-a-off-by-one',
          p => signMd5(p, `${keys.md5KeyA.slice(0, -1)}${keys.md5KeyA.endsWith('x') ? 'y' : 'x'}`),
        ],
      )
      .filter(([name]) => !(t.generation === 'legacy' && name === 'md5-key-a'))
      .map(([name, sign]) => request(t, `key:${name}`, sign(t.base))),
  );

  // 5. Validly signed, but for another merchant, app or seller.
  const otherMerchant = targetArb.chain(t => {
    if (t.generation === 'openapi') {
      return fc
        .oneof(
          fc
            .stringMatching(/^2021\d{12}$/)
            .filter(id => id !== keys.appId)
            .map(appId =>
              request(t, 'other-app', t.resign({ ...t.base, app_id: appId, auth_app_id: appId })),
            ),
          fc
            .stringMatching(/^2088\d{12}$/)
            .filter(id => id !== keys.appSellerId)
            .map(sellerId => request(t, 'other-seller', t.resign({ ...t.base, seller_id: sellerId }))),
          // Issue 15 item 7: the shop's own app acting as a service provider for another merchant that
          // authorised it (auth_app_id is that merchant's app): not this shop's trade.
          fc
            .stringMatching(/^2021\d{12}$/)
            .filter(id => id !== keys.appId)
            .map(authAppId => request(t, 'other-auth-app', t.resign({ ...t.base, auth_app_id: authAppId }))),
        )
        .map(r => r);
    }
    const b = keys.merchantB;
    const asB = { ...t.base, seller_id: b.sellerId, seller_email: b.sellerEmail };
    return fc.constantFrom(
      request(t, 'merchant-b-signed-by-b', signMd5(asB, keys.md5KeyB)),
      request(t, 'merchant-b-signed-by-a', t.resign(asB)),
    );
  });

  // 6. Amount off (by 0.01 most of the time), signed with the right key.
  const amountOff = targetArb.chain(t => {
    const fen = Math.round(Number(t.base[t.amountField]) * 100);
    return fc
      .oneof(
        { weight: 3, arbitrary: fc.constantFrom(1, -1) },
        { weight: 1, arbitrary: fc.integer({ min: -fen + 1, max: 1_000_000 }).filter(d => d !== 0) },
      )
      .filter(delta => fen + delta > 0)
      .map(delta =>
        request(
          t,
          `amount${delta > 0 ? '+' : ''}${delta}`,
          t.resign({ ...t.base, [t.amountField]: yuan(fen + delta) }),
        ),
      );
  });

  // 7. A genuine notification of another order, already processed, replayed (to its own endpoint and to
  // the other generation's).
  const replay = fc
    .constantFrom(...replayable)
    .chain(source =>
      fc
        .constantFrom(...targets)
        .map(to => request(source, `replay-to:${to.label}`, source.base, FORM_UTF8, to.url)),
    );

  // 8. Larger than any notification (the endpoints read 64 KiB at most).
  const oversized = targetArb.chain(t =>
    fc
      .integer({ min: 65 * 1024, max: 256 * 1024 })
      .map(size => request(t, `oversized:${size}`, `${formBody(t.base)}&body=${'x'.repeat(size)}`)),
  );

  // 9. Bytes that are invalid in the declared charset, or a charset nobody supports.
  const invalidCharset = targetArb.chain(t => {
    const keysOf = signedKeys(t.base);
    return fc.oneof(
      fc
        .record({
          key: fc.constantFrom(...keysOf),
          bad: fc.constantFrom('%FF', '%C3%28', '%ED%A0%80', '%F8%88%80%80%80', '%E4%B8', '%80', '%C0%AF'),
        })
        .map(({ key, bad }) => request(t, `invalid-utf8:${key}`, formBodyWithBytes(t.base, key, bad))),
      fc
        .record({ key: fc.constantFrom(...keysOf), bad: fc.constantFrom('%FF%FF', '%81%7F', '%FE', '%A1') })
        .map(({ key, bad }) =>
          request(
            t,
            `invalid-gbk:${key}`,
            formBodyWithBytes(t.base, key, bad),
            'application/x-www-form-urlencoded; charset=GBK',
          ),
        ),
      fc
        .record({ key: fc.constantFrom(...keysOf), byte: fc.integer({ min: 0x80, max: 0xff }) })
        .map(({ key, byte }) => {
          // A raw byte >= 0x80 right after `key=`: followed by ASCII it is never valid UTF-8.
          const text = formBody(t.base);
          const at = text.indexOf(`${encodeURIComponent(key)}=`) + encodeURIComponent(key).length + 1;
          const bytes = Buffer.concat([
            Buffer.from(text.slice(0, at), 'latin1'),
            Buffer.from([byte]),
            Buffer.from(text.slice(at), 'latin1'),
          ]);
          return request(t, `raw-byte:${key}`, bytes);
        }),
      fc
        // Inherited object property names too: a charset table looked up as a plain object finds them.
        .constantFrom(
          'utf-7',
          'big5',
          'x-unknown',
          'utf-16le',
          'iso-2022-jp',
          'constructor',
          '__proto__',
          'toString',
        )
        .map(cs => request(t, `charset:${cs}`, t.base, `application/x-www-form-urlencoded; charset=${cs}`)),
      fc
        .constantFrom('charset', '_input_charset')
        .chain(field =>
          fc
            .constantFrom('constructor', 'hasOwnProperty', 'big5')
            .map(cs => request(t, `charset-field:${field}=${cs}`, { ...t.base, [field]: cs })),
        ),
      // A charset field whose percent escape decodes to no text at all (issue 15 item 6: `charset=%E4`
      // threw a URIError), with no charset in the content type so that the field is what gets read.
      fc
        .record({
          field: fc.constantFrom('charset', '_input_charset'),
          bad: fc.constantFrom('%E4', '%E4%B8', '%C3%28', '%FF', '%', '%ZZ', '%u00e4', 'utf%2', '%ED%A0%80'),
        })
        .map(({ field, bad }) => {
          const { [field]: _replaced, ...rest } = t.base;
          return request(
            t,
            `charset-escape:${field}=${bad}`,
            `${formBody(rest)}&${field}=${bad}`,
            'application/x-www-form-urlencoded',
          );
        }),
    );
  });

  // 10. A field sent twice (the same or another value).
  const duplicateKey = targetArb.chain(t =>
    fc
      .record({
        key: fc.constantFrom(...Object.keys(t.base)),
        same: fc.boolean(),
        value: fc.string({ maxLength: 20 }),
      })
      .map(({ key, same, value }) => {
        const entries: Array<[string, string]> = Object.entries(t.base);
        entries.push([key, same ? t.base[key]! : value]);
        return request(t, `duplicate:${key}`, entries);
      }),
  );

  // 11. Fields missing: dropped after signing (any but sign_type, which is not signed), or a required one
  // dropped and the message re-signed.
  const missingFields = targetArb.chain(t => {
    // Empty values are not signed: dropping one would change nothing.
    const removable = Object.keys(t.base).filter(k => k !== 'sign_type' && t.base[k] !== '');
    const required =
      t.generation === 'openapi'
        ? ['out_trade_no', 'trade_no', 'trade_status', 'total_amount', 'app_id']
        : ['out_trade_no', 'trade_no', 'trade_status', 'total_fee', 'notify_id'];
    return fc.oneof(
      fc.subarray(removable, { minLength: 1, maxLength: 4 }).map(drop => {
        const params = { ...t.base };
        for (const key of drop) delete params[key];
        return request(t, `missing:${drop.join('+')}`, params);
      }),
      fc.constantFrom(...required).map(key => {
        const { [key]: _dropped, ...rest } = t.base;
        return request(t, `missing-resigned:${key}`, t.resign(rest));
      }),
    );
  });

  // 12. Validly signed, but the status is none of Alipay's (object-prototype names included), or the
  // currency is not CNY (legacy).
  const badStatus = targetArb.chain(t =>
    fc
      .oneof(
        fc.constantFrom(
          'constructor',
          '__proto__',
          'toString',
          'hasOwnProperty',
          'valueOf',
          'trade_success',
          'TRADE_SUCCES',
          'TRADE_SUCCESS ',
          ' TRADE_SUCCESS',
          'SUCCESS',
          'PAID',
        ),
        fc.string({ minLength: 1, maxLength: 30 }),
      )
      .filter(s => !STATUSES.includes(s))
      .map(status => request(t, `status:${status}`, t.resign({ ...t.base, trade_status: status }))),
  );
  const badCurrency = fc
    .constantFrom(...targets.filter(t => t.generation === 'legacy'))
    .chain(t =>
      fc
        .constantFrom('USD', 'HKD', 'EUR', 'cny ')
        .map(currency => request(t, `currency:${currency}`, t.resign({ ...t.base, currency }))),
    );

  // 13. Not a form at all.
  const garbage = targetArb.chain(t =>
    fc.oneof(
      fc
        .uint8Array({ maxLength: 2048 })
        .map(bytes => request(t, 'random-bytes', Buffer.from(bytes), 'application/octet-stream')),
      fc.constant(request(t, 'json', JSON.stringify(t.base), 'application/json')),
      fc.constant(request(t, 'empty', '', FORM_UTF8)),
      fc
        .constantFrom('=&=&', '&&&', '=x', 'a', '%', '%%%', 'sign', 'x=%G1')
        .map(body => request(t, `junk:${body}`, body)),
    ),
  );

  // 14. Log forging: a value with a line break followed by what an accepted notification's log line looks
  // like, in a field that is logged before it is verified (trade numbers, notify_type) or in the URL.
  const forged = (id: string) =>
    `${id}\ninfo - [AlipayPlugin] order ${id} · trade ${id} · Alipay 2026: notify TRADE_SUCCESS → applied: payment recorded; answered success`;
  const logForging = targetArb.chain(t =>
    fc.oneof(
      fc.constantFrom('out_trade_no', 'trade_no', 'notify_type', 'trade_status').chain(key =>
        fc.constantFrom('\n', '\r\n', '\r', '\u2028', '\u0085').map(br =>
          request(t, `log-forging:${key}`, {
            ...t.base,
            [key]: forged(t.base.out_trade_no ?? 'X').replace('\n', br),
          }),
        ),
      ),
      fc.constant(
        request(t, 'log-forging:url', t.base, FORM_UTF8, `${t.url}${encodeURIComponent(`\n${forged('X')}`)}`),
      ),
    ),
  );

  return fc.oneof(
    { weight: 1, arbitrary: logForging },
    { weight: 4, arbitrary: tamperField },
    { weight: 2, arbitrary: tamperSign },
    { weight: 1, arbitrary: signType },
    { weight: 2, arbitrary: wrongKey },
    { weight: 2, arbitrary: otherMerchant },
    { weight: 3, arbitrary: amountOff },
    { weight: 2, arbitrary: replay },
    { weight: 1, arbitrary: oversized },
    { weight: 2, arbitrary: invalidCharset },
    { weight: 2, arbitrary: duplicateKey },
    { weight: 2, arbitrary: missingFields },
    { weight: 2, arbitrary: badStatus },
    { weight: 1, arbitrary: badCurrency },
    { weight: 1, arbitrary: garbage },
  );
}

/**
 * Cases sent on every run whatever the seed (issue 15 items 6 and 7), one per target and case, besides the
 * generated ones: charset fields whose escape decodes to no text (`charset=%E4` threw a URIError), and,
 * for OpenAPI targets, a notification validly signed for another merchant the shop's app serves
 * (`auth_app_id` of another app).
 */
export function pinnedHostileRequests(targets: HostileTarget[]): HostileRequest[] {
  const out: HostileRequest[] = [];
  for (const t of targets) {
    for (const [field, bad] of [
      ['charset', '%E4'],
      ['_input_charset', '%E4%B8'],
      ['charset', '%'],
    ] as const) {
      const { [field]: _replaced, ...rest } = t.base;
      out.push(
        request(
          t,
          `charset-escape:${field}=${bad}`,
          `${formBody(rest)}&${field}=${bad}`,
          'application/x-www-form-urlencoded',
        ),
      );
    }
    out.push(request(t, 'charset-escape:only', 'charset=%E4', 'application/x-www-form-urlencoded'));
    if (t.generation === 'openapi') {
      out.push(request(t, 'other-auth-app', t.resign({ ...t.base, auth_app_id: '2021000000009999' })));
    }
  }
  return out;
}
