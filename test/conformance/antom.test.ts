/**
 * Conformance, third generation: the core's Antom client and notification verifier
 * (`@alipay-commerce/core/primitives`) against the sandbox's Antom gateway. The two were written apart:
 * the sandbox signs and verifies with `node:crypto` alone and shares no Antom code with the core, so each
 * checks the other's reading of Antom's contract (signed requests, answers and notifications, the result
 * envelope, amounts in minor units, idempotent refunds, cancel, the exact acknowledgement).
 */
import { AlipayResponseError } from '@alipay-commerce/core';
import {
  ANTOM_NOTIFICATION_ACK,
  AntomClient,
  type AntomNotification,
  AntomNotificationError,
  verifyAntomNotification,
} from '@alipay-commerce/core/primitives';
import type { AntomClientInfo } from '@alipay-commerce/sandbox';
import { startTestSandbox, type TestSandbox } from '@alipay-commerce/sandbox/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ReceivedNotification, startNotifyReceiver } from '../support/notify-receiver';

const NOTIFY_PATH = '/antom/notify';

let sandbox: TestSandbox;
let account: AntomClientInfo;
let receiver: Awaited<ReturnType<typeof startNotifyReceiver>>;
let client: AntomClient;
let serial = 0;

/** What the shop's notify route does: verify over the path Antom called, then acknowledge exactly. */
function verify(notification: ReceivedNotification): AntomNotification {
  return verifyAntomNotification({
    path: notification.path,
    headers: notification.headers as Record<string, string>,
    body: notification.body,
    antomPublicKey: account.antomPublicKey,
    clientId: account.clientId,
  });
}

function newRequestId(kind: string): string {
  return `conf-${kind}-${Date.now().toString(36)}-${++serial}`;
}

/** A cashier payment of `amountMinor` `currency`, opened through the core's client. */
async function openPayment(amountMinor: number, currency: string, paymentMethodType = 'ALIPAY_CN') {
  const paymentRequestId = newRequestId('pay');
  const result = await client.pay({
    paymentRequestId,
    referenceOrderId: `order-${paymentRequestId}`,
    orderDescription: 'Tea 茶 × 2',
    amountMinor,
    currency,
    paymentMethodType,
    paymentRedirectUrl: 'https://shop.example/checkout/antom/return',
    paymentNotifyUrl: `${receiver.url}${NOTIFY_PATH}`,
    terminalType: 'WEB',
  });
  return { paymentRequestId, result };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  account = sandbox.sandbox.antomClients[0]!;
  receiver = await startNotifyReceiver(notification => {
    try {
      verify(notification);
      return ANTOM_NOTIFICATION_ACK;
    } catch {
      return 'not verified';
    }
  });
  client = new AntomClient({
    clientId: account.clientId,
    merchantPrivateKey: account.privateKey!,
    antomPublicKey: account.antomPublicKey,
    keyVersion: account.keyVersion,
    gateway: sandbox.sandbox.antomGateway,
  });
});

afterAll(async () => {
  await receiver?.close();
  await sandbox?.close();
});

beforeEach(async () => {
  await sandbox.clearFaults();
});

describe('Antom: the core client against the sandbox gateway', () => {
  it('pay (CASHIER_PAYMENT) in USD: a cashier in USD with the CNY amount, then a verified PAYMENT_RESULT acknowledged once', async () => {
    const { paymentRequestId, result } = await openPayment(1999, 'USD');
    expect(result.outcome).toBe('redirect');
    if (result.outcome !== 'redirect') return;
    expect(result.result.resultStatus).toBe('U');
    expect(new URL(result.normalUrl!).origin).toBe(new URL(sandbox.sandbox.antomGateway).origin);
    const cashier = await (await fetch(result.normalUrl!)).text();
    expect(cashier).toContain('19.99');
    expect(cashier).toContain('USD');
    const view = await sandbox.antomPayment(paymentRequestId);
    expect(view.cnyAmount).toBeTruthy();
    expect(cashier).toContain(view.cnyAmount!);

    // Before the buyer pays: the inquiry says so.
    const before = await client.inquiryPayment({ paymentRequestId });
    expect(before.outcome).toBe('known');
    expect(before.outcome === 'known' && before.paymentStatus).toBe('PROCESSING');

    await sandbox.antomPay({ paymentRequestId });
    const delivered = await receiver.next(
      n => n.body.includes(paymentRequestId) && n.body.includes('PAYMENT_RESULT'),
    );
    expect(delivered.path).toBe(NOTIFY_PATH);
    const notification = verify(delivered);
    expect(notification).toMatchObject({
      kind: 'payment',
      notifyType: 'PAYMENT_RESULT',
      outcome: 'paid',
      paymentRequestId,
      paymentId: result.paymentId,
      amountMinor: 1999,
      currency: 'USD',
    });
    // The exact acknowledgement ends Antom's retries: one attempt, answered as Antom wants it.
    const attempts = await sandbox.deliveries({ tradeNo: result.paymentId! });
    expect(attempts.filter(d => d.kind === 'PAYMENT_RESULT')).toHaveLength(1);
    expect(attempts.find(d => d.kind === 'PAYMENT_RESULT')?.outcome).toBe('success');

    const after = await client.inquiryPayment({ paymentId: result.paymentId });
    expect(after).toMatchObject({
      outcome: 'known',
      paymentStatus: 'SUCCESS',
      amountMinor: 1999,
      currency: 'USD',
    });
  });

  it('refund: idempotent by refundRequestId, over-refund refused, each refund notified and verified', async () => {
    const { paymentRequestId, result } = await openPayment(5000, 'EUR');
    if (result.outcome !== 'redirect') throw new Error(`pay answered ${result.outcome}`);
    await sandbox.antomPay({ paymentRequestId });
    const paymentId = result.paymentId!;

    const refundRequestId = newRequestId('refund');
    const first = await client.refund({ paymentId, refundRequestId, amountMinor: 2000, currency: 'EUR' });
    const again = await client.refund({ paymentId, refundRequestId, amountMinor: 2000, currency: 'EUR' });
    expect(first.outcome).toBe('refunded');
    expect(again).toMatchObject({ outcome: 'refunded', refundId: (first as { refundId?: string }).refundId });
    expect((await sandbox.antomPayment(paymentId)).refunds).toHaveLength(1);

    // 30.00 of the remaining 30.00 is fine; one cent more is not.
    await expect(
      client.refund({
        paymentId,
        refundRequestId: newRequestId('refund'),
        amountMinor: 3001,
        currency: 'EUR',
      }),
    ).rejects.toMatchObject({ name: 'AntomResultError' });
    expect((await sandbox.antomPayment(paymentId)).refundedValue).toBe('2000');

    const delivered = await receiver.next(n => n.body.includes(refundRequestId));
    expect(verify(delivered)).toMatchObject({
      kind: 'refund',
      notifyType: 'REFUND_RESULT',
      outcome: 'refunded',
      refundRequestId,
      amountMinor: 2000,
      currency: 'EUR',
    });
  });

  it('cancel: an unpaid payment is cancelled, a paid one is not', async () => {
    const unpaid = await openPayment(1200, 'GBP');
    const cancelled = await client.cancel({ paymentRequestId: unpaid.paymentRequestId });
    expect(cancelled.outcome).toBe('cancelled');
    const inquiry = await client.inquiryPayment({ paymentRequestId: unpaid.paymentRequestId });
    expect(inquiry.outcome === 'known' && inquiry.paymentStatus).toBe('CANCELLED');

    const paid = await openPayment(1200, 'GBP');
    await sandbox.antomPay({ paymentRequestId: paid.paymentRequestId });
    await expect(client.cancel({ paymentRequestId: paid.paymentRequestId })).rejects.toMatchObject({
      name: 'AntomResultError',
    });
  });

  it('amounts follow the currency: JPY has no decimals, IDR whole hundreds', async () => {
    const yen = await openPayment(1500, 'JPY');
    expect(yen.result.outcome).toBe('redirect');
    expect((await sandbox.antomPayment(yen.paymentRequestId)).value).toBe('1500');
    const rupiah = await openPayment(15_000_000, 'IDR', 'CONNECT_WALLET');
    expect(rupiah.result.outcome).toBe('redirect');
    // The core refuses an IDR amount that is not whole hundreds before Antom sees it.
    await expect(openPayment(15_000_050, 'IDR', 'CONNECT_WALLET')).rejects.toMatchObject({
      name: 'MoneyError',
    });
  });

  it('a notification altered on the way, or for another client, is refused', async () => {
    const { paymentRequestId } = await openPayment(800, 'SGD');
    await sandbox.antomPay({ paymentRequestId });
    const genuine = await receiver.next(n => n.body.includes(paymentRequestId));
    const tampered = {
      ...genuine,
      body: Buffer.from(genuine.body.toString('utf8').replace('"800"', '"80000"')),
    };
    expect(tampered.body.equals(genuine.body)).toBe(false);
    expect(() => verify(tampered)).toThrow(AntomNotificationError);
    // Behind a proxy the signed path is the public one Antom called, not the one the shop sees.
    expect(() => verify({ ...genuine, path: '/internal/antom/notify' })).toThrow(AntomNotificationError);
    expect(() =>
      verifyAntomNotification({
        path: genuine.path,
        headers: genuine.headers as Record<string, string>,
        body: genuine.body,
        antomPublicKey: account.antomPublicKey,
        clientId: 'SANDBOX_SOMEONE_ELSE',
      }),
    ).toThrow(AntomNotificationError);
  });

  it('faults: an unsigned success is refused; an unknown result (U) is never success, and the refund sent again under its ID is made once', async () => {
    await sandbox.addFault({ scope: { clientId: account.clientId }, fault: 'unsigned-response', count: 1 });
    const unsigned = newRequestId('pay');
    await expect(
      client.pay({
        paymentRequestId: unsigned,
        referenceOrderId: unsigned,
        orderDescription: 'unsigned',
        amountMinor: 100,
        currency: 'USD',
        paymentMethodType: 'ALIPAY_CN',
        paymentRedirectUrl: 'https://shop.example/r',
      }),
    ).rejects.toBeInstanceOf(AlipayResponseError);

    const { paymentRequestId, result } = await openPayment(2500, 'HKD', 'ALIPAY_HK');
    if (result.outcome !== 'redirect') throw new Error(`pay answered ${result.outcome}`);
    await sandbox.antomPay({ paymentRequestId });
    await sandbox.addFault({ scope: { clientId: account.clientId }, fault: 'unknown-result', count: 1 });
    const refundAll = {
      paymentId: result.paymentId!,
      refundRequestId: newRequestId('refund'),
      amountMinor: 2500,
      currency: 'HKD',
    };
    expect((await client.refund(refundAll)).outcome).toBe('unknown');
    // Sent again under the same refundRequestId: the one refund Antom made, never a second.
    expect((await client.refund(refundAll)).outcome).toBe('refunded');
    const view = await sandbox.antomPayment(result.paymentId!);
    expect(view.refunds).toHaveLength(1);
    expect(view.refundedValue).toBe('2500');
  });
});
