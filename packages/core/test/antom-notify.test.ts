import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANTOM_NOTIFICATION_ACK,
  ANTOM_NOTIFY_RETRY_SCHEDULE_SECONDS,
  type AntomNotification,
  AntomNotificationError,
  verifyAntomNotification,
} from '../src/antom/notify';
import { antomKeys, antomSign, antomVectors } from './helpers/antom-gateway';

const CLIENT_ID = '2188120000000001';
const TIME = '2026-12-06T10:01:00+00:00';

/**
 * A small shop endpoint behind a path-rewriting proxy: Antom calls the public path `/shop/antom/notify`,
 * the proxy forwards it to the local `/notify`. It verifies with the public path, reads the raw body, and
 * acknowledges only a verified notification.
 */
let shop: {
  origin: string;
  received: (AntomNotification | AntomNotificationError)[];
  close(): Promise<void>;
};
const PUBLIC_PATH = '/shop/antom/notify';

beforeAll(async () => {
  const received: (AntomNotification | AntomNotificationError)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      try {
        const notification = verifyAntomNotification({
          path: PUBLIC_PATH,
          headers: req.headers,
          body: Buffer.concat(chunks),
          antomPublicKey: antomKeys.antomPublic,
          clientId: CLIENT_ID,
        });
        received.push(notification);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(ANTOM_NOTIFICATION_ACK);
      } catch (error) {
        received.push(error as AntomNotificationError);
        res.writeHead(error instanceof AntomNotificationError ? 400 : 500);
        res.end('refused');
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  shop = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
});
afterAll(() => shop.close());

/** Antom's POST of a notification (signed over the public path) as the proxy forwards it to /notify. */
interface Delivery {
  signPath?: string;
  signWith?: string;
  clientId?: string;
  header?: (sig: string) => string;
  tamper?: (b: string) => string;
  omit?: readonly string[];
}

async function deliver(body: string | Buffer | Record<string, unknown>, options: Delivery = {}) {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const clientId = options.clientId ?? CLIENT_ID;
  const signature = antomSign(
    options.signPath ?? PUBLIC_PATH,
    clientId,
    TIME,
    text,
    options.signWith ?? antomKeys.antomPrivate,
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=UTF-8',
    'client-id': clientId,
    'request-time': TIME,
    signature: options.header
      ? options.header(signature)
      : `algorithm=RSA256,keyVersion=1,signature=${encodeURIComponent(signature)}`,
  };
  for (const name of options.omit ?? []) delete headers[name];
  const before = shop.received.length;
  const response = await fetch(`${shop.origin}/notify`, {
    method: 'POST',
    headers,
    body: options.tamper ? options.tamper(String(text)) : text,
  });
  const answer = await response.text();
  expect(shop.received.length).toBe(before + 1);
  return { status: response.status, answer, outcome: shop.received[before]! };
}

const PAID = {
  notifyType: 'PAYMENT_RESULT',
  result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
  paymentRequestId: 'order-1001-attempt-1',
  paymentId: '20261206194010800100188000000001',
  paymentAmount: { currency: 'USD', value: '1099' },
  paymentCreateTime: '2026-12-06T18:00:00+08:00',
  paymentTime: '2026-12-06T18:00:05+08:00',
  paymentMethodType: 'ALIPAY_CN',
};

describe('constants', () => {
  it('the acknowledgement is exactly Antom’s fixed body', () => {
    expect(ANTOM_NOTIFICATION_ACK).toBe(
      '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}',
    );
    expect(JSON.parse(ANTOM_NOTIFICATION_ACK)).toEqual({
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
    });
  });

  it('the retry schedule is 0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h', () => {
    expect(ANTOM_NOTIFY_RETRY_SCHEDULE_SECONDS).toEqual([0, 120, 600, 600, 3600, 7200, 21600, 54000]);
    expect(Object.isFrozen(ANTOM_NOTIFY_RETRY_SCHEDULE_SECONDS)).toBe(true);
  });
});

describe('verifyAntomNotification over HTTP, behind a path-rewriting proxy', () => {
  it('PAYMENT_RESULT with S is paid, verified over the public path, and acknowledged exactly', async () => {
    const { status, answer, outcome } = await deliver(PAID);
    expect(status).toBe(200);
    expect(answer).toBe(ANTOM_NOTIFICATION_ACK);
    expect(outcome).toMatchObject({
      kind: 'payment',
      notifyType: 'PAYMENT_RESULT',
      outcome: 'paid',
      paymentRequestId: 'order-1001-attempt-1',
      paymentId: '20261206194010800100188000000001',
      amountMinor: 1099,
      currency: 'USD',
      paymentTime: '2026-12-06T18:00:05+08:00',
      paymentMethodType: 'ALIPAY_CN',
    });
  });

  it('a notification signed over the local path (what the proxy forwards to) is refused: the public path counts', async () => {
    const { status, outcome } = await deliver(PAID, { signPath: '/notify' });
    expect(status).toBe(400);
    expect((outcome as AntomNotificationError).reason).toBe('bad_signature');
    expect((outcome as AntomNotificationError).hint.en).toMatch(/public path/);
  });

  it('PAYMENT_RESULT with F is failed; PAYMENT_PENDING and a U result are pending, never paid', async () => {
    const failed = await deliver({
      ...PAID,
      result: { resultCode: 'USER_BALANCE_NOT_ENOUGH', resultStatus: 'F', resultMessage: '' },
    });
    expect(failed.outcome).toMatchObject({ kind: 'payment', outcome: 'failed' });
    const pending = await deliver({
      ...PAID,
      notifyType: 'PAYMENT_PENDING',
      result: { resultCode: 'PAYMENT_PENDING', resultStatus: 'U', resultMessage: '' },
    });
    expect(pending.outcome).toMatchObject({
      kind: 'payment',
      notifyType: 'PAYMENT_PENDING',
      outcome: 'pending',
    });
    // Even an S result in a PAYMENT_PENDING notification is not paid.
    const pendingS = await deliver({ ...PAID, notifyType: 'PAYMENT_PENDING' });
    expect(pendingS.outcome).toMatchObject({ outcome: 'pending' });
    const unknown = await deliver({
      ...PAID,
      result: { resultCode: 'UNKNOWN', resultStatus: 'U', resultMessage: '' },
    });
    expect(unknown.outcome).toMatchObject({ outcome: 'pending' });
  });

  it('REFUND_RESULT gives refundStatus, refundId and the amount (IDR and JPY as sent)', async () => {
    const refund = {
      notifyType: 'REFUND_RESULT',
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
      refundStatus: 'SUCCESS',
      refundRequestId: 'refund-1001-1',
      refundId: 'r-1',
      refundAmount: { currency: 'IDR', value: '1500000' },
      refundTime: '2026-12-06T18:02:00+08:00',
    };
    const ok = await deliver(refund);
    expect(ok.answer).toBe(ANTOM_NOTIFICATION_ACK);
    const { refundRequestId, refundId, refundTime } = refund;
    expect(ok.outcome).toMatchObject({
      kind: 'refund',
      outcome: 'refunded',
      refundRequestId,
      refundId,
      refundTime,
    });
    expect(ok.outcome).toMatchObject({ amountMinor: 1500000, currency: 'IDR' });
    const failed = await deliver({
      ...refund,
      refundStatus: 'FAIL',
      refundAmount: { currency: 'JPY', value: '1000' },
    });
    expect(failed.outcome).toMatchObject({
      kind: 'refund',
      outcome: 'failed',
      amountMinor: 1000,
      currency: 'JPY',
    });
    // A refund notification without notifyType is still recognised by refundStatus.
    const { notifyType: _drop, ...untyped } = refund;
    expect((await deliver(untyped)).outcome).toMatchObject({ kind: 'refund', outcome: 'refunded' });
  });

  it('accepts a raw (unencoded) signature with + and a header with spaces', async () => {
    const { status, outcome } = await deliver(PAID, {
      header: sig => `signature=${sig} , algorithm=RSA256, keyVersion=1`,
    });
    expect(status).toBe(200);
    expect(outcome).toMatchObject({ kind: 'payment', outcome: 'paid' });
  });

  it('other notify types are verified and returned as "other"', async () => {
    const { outcome } = await deliver({
      notifyType: 'CAPTURE_RESULT',
      result: PAID.result,
      captureId: 'c-1',
    });
    expect(outcome).toMatchObject({ kind: 'other', notifyType: 'CAPTURE_RESULT' });
  });

  it.each([
    ['unsigned (no signature header)', { omit: ['signature'] }, 'unsigned'],
    ['no request-time', { omit: ['request-time'] }, 'unsigned'],
    [
      'a signature header without signature=',
      { header: (): string => 'algorithm=RSA256,keyVersion=1' },
      'unsigned',
    ],
    ['forged (signed with the merchant key)', { signWith: antomKeys.merchantPrivate }, 'bad_signature'],
    ['tampered amount', { tamper: (b: string) => b.replace('"1099"', '"1"') }, 'bad_signature'],
    ['garbled signature', { header: (): string => 'signature=%E0%A4%A' }, 'bad_signature'],
    ['for another client ID', { clientId: 'SOMEONE_ELSE' }, 'foreign_client'],
    [
      'genuinely signed but naming another algorithm',
      { header: (sig: string) => `algorithm=HMAC256,keyVersion=1,signature=${encodeURIComponent(sig)}` },
      'bad_signature',
    ],
  ] satisfies [string, Delivery, AntomNotificationError['reason']][])(
    'refuses a notification that is %s, with a typed error and no ack',
    async (_name, options, reason) => {
      const { status, answer, outcome } = await deliver(PAID, options);
      expect(status).toBe(400);
      expect(answer).not.toBe(ANTOM_NOTIFICATION_ACK);
      expect(outcome).toBeInstanceOf(AntomNotificationError);
      expect((outcome as AntomNotificationError).reason).toBe(reason);
    },
  );

  it.each([
    ['not JSON', 'malformed', 'paid!'],
    ['a JSON array', 'malformed', '[1]'],
    [
      'a JSON object naming a key twice (which one counts is the reader’s guess)',
      'malformed',
      JSON.stringify(PAID).replace(/}$/, ',"paymentRequestId":"another-order"}'),
    ],
    ['not UTF-8', 'malformed', Buffer.from([0x7b, 0xff, 0x7d])],
    ['without notifyType', 'missing_field', JSON.stringify({ result: PAID.result })],
    ['without result', 'missing_field', JSON.stringify({ ...PAID, result: undefined })],
    ['without paymentId', 'missing_field', JSON.stringify({ ...PAID, paymentId: undefined })],
    [
      'with a decimal amount',
      'missing_field',
      JSON.stringify({ ...PAID, paymentAmount: { currency: 'USD', value: '10.99' } }),
    ],
    [
      'with an unknown refundStatus',
      'missing_field',
      JSON.stringify({ notifyType: 'REFUND_RESULT', result: PAID.result, refundStatus: 'MAYBE' }),
    ],
  ] as const)(
    'a correctly signed notification %s is refused as %s, never a crash',
    async (_name, reason, body) => {
      const { status, outcome } = await deliver(body);
      expect(status).toBe(400);
      expect((outcome as AntomNotificationError).reason).toBe(reason);
    },
  );
});

describe('golden notification vectors', () => {
  it.each(antomVectors.vectors.filter(v => v.kind === 'notification').map(v => [v.name, v] as const))(
    '%s verifies and parses',
    (_name, vector) => {
      const notification = verifyAntomNotification({
        path: vector.path,
        headers: { 'Client-Id': vector.clientId, 'Request-Time': vector.time, Signature: vector.header },
        body: vector.body,
        antomPublicKey: antomKeys.antomPublic,
        clientId: vector.clientId,
      });
      expect(['payment', 'refund']).toContain(notification.kind);
      expect(() =>
        verifyAntomNotification({
          path: vector.path.includes('?') ? vector.path.split('?')[0]! : '/other/notify',
          headers: new Headers({
            'client-id': vector.clientId,
            'request-time': vector.time,
            signature: vector.header,
          }),
          body: vector.body,
          antomPublicKey: antomKeys.antomPublic,
          clientId: vector.clientId,
        }),
      ).toThrow(AntomNotificationError);
    },
  );
});
