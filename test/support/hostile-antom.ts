/**
 * Generated hostile Antom notifications (fast-check) for the hostile-input matrix: the third generation,
 * whose notifications are JSON signed in headers (`client-id`, `request-time`, `signature`) over
 * `POST <public notify path>\n<client-id>.<request-time>.<body>` with Antom's RSA key.
 *
 * As for the domestic generations, every request differs from a genuine notification in a way that
 * matters: a byte of the body, a header or the path changed after signing; a signature that is not Antom's
 * (the merchant's own key, a random key, another message's) or names another algorithm; validly signed but
 * for another client, a wrong amount or currency, a kind of notification a shop does not act on,
 * without a required field, or not a JSON object at all; a replay of a notification already processed.
 * The signing here is written apart from the core's (node:crypto only), so a shared mistake cannot hide.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { HostileRequest } from './hostile';

/** One Antom notification: the exact body text and the headers it is signed with. */
export interface AntomMessage {
  body: string;
  headers: Record<string, string>;
}

/** An order an Antom message is aimed at, and how to sign as Antom for its notify URL. */
export interface AntomHostileTarget {
  label: string;
  /** The notify URL the shop gave Antom (its path is what Antom signs). */
  url: string;
  /** The message body the mutations start from, as an object. */
  base: Record<string, unknown>;
  /** True when `base`, signed with {@link antomSign} for `url`, would be accepted: never sent as it is. */
  genuine: boolean;
}

/** What the generator signs with. */
export interface AntomHostileKeys {
  /** The key the shop trusts: the sandbox's "Antom" private key (PEM). */
  antomPrivateKey: string;
  /** The merchant's own private key (the shop signs requests with it; it must not verify notifications). */
  merchantPrivateKey: string;
  /** The shop's client ID. */
  clientId: string;
}

const JSON_TYPE = 'application/json; charset=UTF-8';

/** Antom's `Request-Time` format: milliseconds since the epoch. */
function now(): string {
  return String(Date.now());
}

/** Signs `body` as Antom does for a notification to `path`: the three headers. */
export function antomSign(
  privateKey: string,
  path: string,
  clientId: string,
  body: string,
  time = now(),
): Record<string, string> {
  const signer = createSign('RSA-SHA256');
  signer.update(`POST ${path}\n${clientId}.${time}.${body}`, 'utf8');
  const signature = encodeURIComponent(signer.sign(privateKey, 'base64'));
  return {
    'client-id': clientId,
    'request-time': time,
    signature: `algorithm=RSA256,keyVersion=1,signature=${signature}`,
  };
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

function antomRequest(
  target: AntomHostileTarget,
  mutation: string,
  message: { body: string | Buffer; headers: Record<string, string> },
  url = target.url,
): HostileRequest {
  const body = Buffer.isBuffer(message.body) ? message.body : Buffer.from(message.body, 'utf8');
  return { target: target.label, mutation, url, contentType: JSON_TYPE, body, headers: message.headers };
}

/** The genuine message of a target: its base body, signed by Antom for its notify URL. */
export function genuineAntomMessage(target: AntomHostileTarget, keys: AntomHostileKeys): AntomMessage {
  const body = JSON.stringify(target.base);
  return { body, headers: antomSign(keys.antomPrivateKey, pathOf(target.url), keys.clientId, body) };
}

/** `value` with the field at `path` (dotted) replaced, or removed when `replacement` is undefined. */
function withField(
  value: Record<string, unknown>,
  path: string,
  replacement: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  const copy: Record<string, unknown> = { ...value };
  if (rest.length === 0) {
    if (replacement === undefined) delete copy[head!];
    else copy[head!] = replacement;
    return copy;
  }
  copy[head!] = withField((value[head!] ?? {}) as Record<string, unknown>, rest.join('.'), replacement);
  return copy;
}

const TAMPERED_FIELDS = [
  'notifyType',
  'paymentRequestId',
  'paymentId',
  'paymentAmount.value',
  'paymentAmount.currency',
  'result.resultStatus',
  'result.resultCode',
  'paymentTime',
];

/** The Antom hostile generator for `targets` (at least one must not be genuine: its base is replayed). */
export function antomHostileArbitrary(
  targets: AntomHostileTarget[],
  keys: AntomHostileKeys,
): fc.Arbitrary<HostileRequest> {
  const randomKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const targetArb = fc.constantFrom(...targets);
  const signedBy = (t: AntomHostileTarget, body: string, key = keys.antomPrivateKey) => ({
    body,
    headers: antomSign(key, pathOf(t.url), keys.clientId, body),
  });

  // 1. A field of the body changed after signing (the signature kept).
  const tamperBody = targetArb.chain(t =>
    fc
      .record({
        field: fc.constantFrom(...TAMPERED_FIELDS),
        value: fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom('1', '999999', 'S', 'F', 'CNY', 'PAYMENT_RESULT', 'REFUND_RESULT', ''),
        ),
      })
      .map(({ field, value }) => {
        const genuine = genuineAntomMessage(t, keys);
        const body = JSON.stringify(withField(t.base, field, value));
        return antomRequest(t, `tamper:${field}`, { body, headers: genuine.headers });
      })
      .filter(r => r.body.toString('utf8') !== JSON.stringify(t.base)),
  );

  // 2. The same bytes with whitespace added or a key order changed: bytes differ, the signature does not.
  const reformatted = targetArb.map(t => {
    const genuine = genuineAntomMessage(t, keys);
    return antomRequest(t, 'reformatted-body', {
      body: JSON.stringify(t.base, null, 1),
      headers: genuine.headers,
    });
  });

  // 3. The signature altered, truncated, empty, another message's, or random; or the header malformed.
  const signatureHeader = targetArb.chain(t => {
    const genuine = genuineAntomMessage(t, keys);
    const value = genuine.headers.signature!.split('signature=')[1]!;
    const others = targets.filter(o => o !== t).map(o => genuineAntomMessage(o, keys).headers.signature!);
    return fc
      .oneof(
        fc
          .nat({ max: value.length - 5 })
          .map(i => `algorithm=RSA256,keyVersion=1,signature=${value.slice(0, i)}`),
        fc
          .nat({ max: value.length - 5 })
          .map(
            i =>
              `algorithm=RSA256,keyVersion=1,signature=${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`,
          ),
        fc.constant('algorithm=RSA256,keyVersion=1,signature='),
        fc.constant(''),
        fc.constant('algorithm=RSA256,keyVersion=1'),
        fc.constant(`algorithm=HMAC256,keyVersion=1,signature=${value}`),
        fc.constant(`signature=${value}`.replace('signature=', 'sig=')),
        fc
          .base64String({ minLength: 8, maxLength: 400 })
          .map(s => `algorithm=RSA256,keyVersion=1,signature=${s}`),
        ...(others.length ? [fc.constantFrom(...others)] : []),
      )
      .filter(header => header !== genuine.headers.signature)
      .map(header =>
        antomRequest(t, 'signature-header', {
          body: genuine.body,
          headers: { ...genuine.headers, signature: header },
        }),
      );
  });

  // 4. A header missing, or changed after signing.
  const headers = targetArb.chain(t => {
    const genuine = genuineAntomMessage(t, keys);
    return fc
      .constantFrom<[string, (h: Record<string, string>) => Record<string, string>]>(
        ['no-signature', ({ signature: _s, ...h }) => h],
        ['no-client-id', ({ 'client-id': _c, ...h }) => h],
        ['no-request-time', ({ 'request-time': _t, ...h }) => h],
        ['request-time+1', h => ({ ...h, 'request-time': String(Number(h['request-time']) + 1) })],
        ['client-id-changed', h => ({ ...h, 'client-id': `${keys.clientId}X` })],
      )
      .map(([name, change]) =>
        antomRequest(t, `header:${name}`, { body: genuine.body, headers: change(genuine.headers) }),
      );
  });

  // 5. Signed with a key the shop must not trust for notifications.
  const wrongKey = targetArb.chain(t =>
    fc
      .constantFrom<[string, string]>(
        ['merchant-private-key', keys.merchantPrivateKey],
        ['random-rsa-key', randomKey],
      )
      .map(([name, key]) => antomRequest(t, `key:${name}`, signedBy(t, JSON.stringify(t.base), key))),
  );

  // 6. Signed by Antom's key over another path (a proxy's local path, another shop's), or for another client.
  const wrongScope = targetArb.chain(t =>
    fc.oneof(
      fc
        .constantFrom('/alipay/notify', `${pathOf(t.url)}/x`, pathOf(t.url).toUpperCase(), '/')
        .filter(path => path !== pathOf(t.url))
        .map(path => {
          const body = JSON.stringify(t.base);
          return antomRequest(t, 'signed-path', {
            body,
            headers: antomSign(keys.antomPrivateKey, path, keys.clientId, body),
          });
        }),
      fc.constantFrom('SANDBOX_OTHER_CLIENT_01', `${keys.clientId}0`, 'CLIENT_2').map(clientId => {
        const body = JSON.stringify(t.base);
        return antomRequest(t, 'other-client', {
          body,
          headers: antomSign(keys.antomPrivateKey, pathOf(t.url), clientId, body),
        });
      }),
    ),
  );

  // 7. Validly signed by Antom, but poisoned: a wrong amount or currency, a required field missing, a kind
  // of notification a shop does not act on. (A signed payment of an order the shop never made is genuine
  // news of money, which a shop records as an orphan payment: not hostile.)
  const poisoned = targetArb.chain(t => {
    const value = Number((t.base['paymentAmount'] as { value: string }).value);
    const poisons: Array<fc.Arbitrary<[string, Record<string, unknown>]>> = [
      fc
        .oneof(fc.constantFrom(1, -1), fc.integer({ min: -value + 1, max: 1_000_000 }))
        .filter(delta => delta !== 0 && value + delta > 0)
        .map(delta => [
          `amount${delta > 0 ? '+' : ''}${delta}`,
          withField(t.base, 'paymentAmount.value', String(value + delta)),
        ]),
      fc
        // Another currency (the case of a code is not a change: `usd` is USD).
        .constantFrom('CNY', 'EUR', 'JPY', 'XXX')
        .map(currency => [`currency:${currency}`, withField(t.base, 'paymentAmount.currency', currency)]),
      fc
        .constantFrom(
          'paymentRequestId',
          'paymentId',
          'paymentAmount',
          'notifyType',
          'result',
          'paymentAmount.value',
        )
        .map(field => [`missing:${field}`, withField(t.base, field, undefined)]),
      fc
        .constantFrom('REFUND_RESULT', 'CAPTURE_RESULT', 'DISPUTE', 'NOTIFY', 'payment_result')
        .map(kind => [`notifyType:${kind}`, withField(t.base, 'notifyType', kind)]),
    ];
    return fc
      .oneof(...poisons)
      .map(([name, body]) => antomRequest(t, name, signedBy(t, JSON.stringify(body))));
  });

  // 8. A notification already processed, replayed as Antom signed it (to its own endpoint).
  const replayable = targets.filter(t => !t.genuine);
  const replay = fc
    .constantFrom(...replayable)
    .map(t => antomRequest(t, 'replay', genuineAntomMessage(t, keys)));

  // 9. Not a JSON object: bytes invalid in UTF-8, an array, a string, a duplicate key, truncated JSON, or
  // larger than any notification — each correctly signed over exactly those bytes.
  const notAnObject = targetArb.chain(t => {
    const text = JSON.stringify(t.base);
    return fc
      .constantFrom<[string, string | Buffer]>(
        ['array', `[${text}]`],
        ['string', JSON.stringify(text)],
        ['null', 'null'],
        ['truncated', text.slice(0, text.length - 2)],
        ['duplicate-key', `${text.slice(0, -1)},"paymentRequestId":"no-such-order"}`],
        [
          'invalid-utf8',
          Buffer.concat([
            Buffer.from(text.slice(0, 20)),
            Buffer.from([0xff, 0xfe]),
            Buffer.from(text.slice(20)),
          ]),
        ],
        ['oversized', `${text.slice(0, -1)},"padding":"${'x'.repeat(70 * 1024)}"}`],
        ['empty', ''],
      )
      .map(([name, body]) => {
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
        // Signed over the text the bytes decode to: for invalid UTF-8 that is not the bytes sent, so the
        // shop may refuse it for its signature or for its bytes; either way it must refuse it.
        const headers = antomSign(keys.antomPrivateKey, pathOf(t.url), keys.clientId, bytes.toString('utf8'));
        return antomRequest(t, `body:${name}`, { body: bytes, headers });
      });
  });

  return fc.oneof(
    tamperBody,
    reformatted,
    signatureHeader,
    headers,
    wrongKey,
    wrongScope,
    poisoned,
    replay,
    notAnObject,
  );
}

/** Cases every run includes: one of each kind of header damage and a correctly signed non-object body. */
export function pinnedAntomHostileRequests(
  targets: AntomHostileTarget[],
  keys: AntomHostileKeys,
): HostileRequest[] {
  return targets.flatMap(t => {
    const genuine = genuineAntomMessage(t, keys);
    const { signature: _dropped, ...unsigned } = genuine.headers;
    return [
      antomRequest(t, 'header:no-signature', { body: genuine.body, headers: unsigned }),
      antomRequest(t, 'body:array', signedAsAntom(keys, t, `[${genuine.body}]`)),
    ];
  });
}

function signedAsAntom(keys: AntomHostileKeys, t: AntomHostileTarget, body: string) {
  return { body, headers: antomSign(keys.antomPrivateKey, pathOf(t.url), keys.clientId, body) };
}
