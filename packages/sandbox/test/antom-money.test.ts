import { describe, expect, it } from 'vitest';
import type { FaultKind, FaultScope } from '../src/faults';
import { antomSuite } from './antom-merchant';

/**
 * Antom inquiryPayment, refund (idempotent by refundRequestId, never above what was paid) and cancel
 * (unpaid only), and the faults a client must survive: unsigned or spoiled answers, U results after the
 * work was done, 5xx, duplicated and delayed notifications.
 */

const suite = antomSuite('AM');

/** Adds `fault` for its next firing only, in `scope` (by default: the suite's Antom client). */
const faultOnce = (fault: FaultKind, scope: FaultScope = { clientId: suite.client().clientId }) =>
  suite.base.control.addFault({ fault, scope, count: 1 });
const usd = (value: string) => ({ currency: 'USD', value });

describe('Antom inquiryPayment', () => {
  it('reports PROCESSING, then SUCCESS with the payment time and quote; unknown → ORDER_NOT_EXIST', async () => {
    const body = suite.payBody();
    const pay = await suite.call('pay', body);
    const before = await suite.call('inquiryPayment', { paymentRequestId: body.paymentRequestId });
    expect(before.verified).toBe(true);
    expect(before.json).toMatchObject({
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
      paymentStatus: 'PROCESSING',
      paymentId: pay.json.paymentId,
      paymentAmount: usd('1234'),
    });
    expect(before.json.paymentTime).toBeUndefined();
    await suite.base.control.antomPay({ paymentId: pay.json.paymentId });
    const after = await suite.call('inquiryPayment', { paymentId: pay.json.paymentId });
    expect(after.json).toMatchObject({
      paymentStatus: 'SUCCESS',
      paymentResultCode: 'SUCCESS',
      paymentRequestId: body.paymentRequestId,
      paymentQuote: { quoteCurrencyPair: 'USD/CNY', quotePrice: '7.2' },
    });
    expect(after.json.paymentTime).toMatch(/\+08:00$/);
    const unknown = await suite.call('inquiryPayment', { paymentRequestId: 'no-such-request' });
    expect(unknown.json.result).toMatchObject({ resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F' });
  });
});

describe('Antom inquiryRefund', () => {
  it('answers SUCCESS with the amount by refundRequestId or refundId; an unknown refund is REFUND_NOT_EXIST', async () => {
    const { paymentId } = await suite.paid();
    const refundRequestId = suite.base.order();
    const refund = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('300') });
    const byRequest = await suite.call('inquiryRefund', { refundRequestId });
    expect(byRequest.verified).toBe(true);
    expect(byRequest.json).toMatchObject({
      result: { resultStatus: 'S' },
      refundStatus: 'SUCCESS',
      refundRequestId,
      refundId: refund.json.refundId,
      refundAmount: usd('300'),
    });
    const byId = await suite.call('inquiryRefund', { refundId: refund.json.refundId });
    expect(byId.json.refundRequestId).toBe(refundRequestId);
    const unknown = await suite.call('inquiryRefund', { refundRequestId: 'no-such-refund' });
    expect(unknown.json.result).toMatchObject({ resultCode: 'REFUND_NOT_EXIST', resultStatus: 'F' });
  });
});

describe('Antom refund', () => {
  it('is idempotent by refundRequestId and refuses more than what is left', async () => {
    const { paymentId } = await suite.paid();
    const refundRequestId = suite.base.order();
    const first = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('500') });
    expect(first.json.result).toMatchObject({ resultCode: 'SUCCESS', resultStatus: 'S' });
    expect(first.verified).toBe(true);
    const again = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('500') });
    expect(again.json).toEqual(first.json);
    const changed = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('600') });
    expect(changed.json.result).toMatchObject({ resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' });
    let payment = await suite.base.control.antomPayment(paymentId);
    expect(payment.refunds.map(r => r.refundId)).toEqual([first.json.refundId]);
    expect(payment.refundedValue).toBe('500');

    const over = await suite.call('refund', {
      paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: usd('735'),
    });
    expect(over.json.result).toMatchObject({ resultCode: 'REFUND_AMOUNT_EXCEED', resultStatus: 'F' });
    const rest = await suite.call('refund', {
      paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: usd('734'),
    });
    expect(rest.json.result.resultCode).toBe('SUCCESS');
    const more = await suite.call('refund', {
      paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: usd('1'),
    });
    expect(more.json.result.resultCode).toBe('REFUND_AMOUNT_EXCEED');
    payment = await suite.base.control.antomPayment(paymentId);
    expect(payment.refundedValue).toBe('1234');
    expect(payment.refunds).toHaveLength(2);
  });

  it('refuses an unpaid payment, another currency, and an unknown payment', async () => {
    const pay = await suite.call('pay', suite.payBody());
    const unpaid = await suite.call('refund', {
      paymentId: pay.json.paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: usd('1'),
    });
    expect(unpaid.json.result).toMatchObject({ resultCode: 'ORDER_STATUS_INVALID', resultStatus: 'F' });
    const { paymentId } = await suite.paid();
    const eur = await suite.call('refund', {
      paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: { currency: 'EUR', value: '1' },
    });
    expect(eur.json.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    const unknown = await suite.call('refund', {
      paymentId: '2099',
      refundRequestId: suite.base.order(),
      refundAmount: usd('1'),
    });
    expect(unknown.json.result.resultCode).toBe('ORDER_NOT_EXIST');
  });
});

describe('Antom cancel', () => {
  it('cancels an unpaid payment (again: the same answer), which then cannot be paid', async () => {
    const pay = await suite.call('pay', suite.payBody());
    const paymentId = pay.json.paymentId as string;
    const cancel = await suite.call('cancel', { paymentId });
    expect(cancel.json).toMatchObject({ result: { resultCode: 'SUCCESS', resultStatus: 'S' }, paymentId });
    expect((await suite.call('cancel', { paymentId })).json).toEqual(cancel.json);
    expect((await suite.call('inquiryPayment', { paymentId })).json.paymentStatus).toBe('CANCELLED');
    const refused = await suite.base.control.call('POST', 'antom/pay', { paymentId });
    expect(refused.status).toBe(409);
    const page = await (await fetch(pay.json.normalUrl)).text();
    expect(page).toContain('data-testid="status">CANCELLED<');
  });

  it('answers bad control-API input with 4xx, not a crash', async () => {
    expect((await suite.base.control.call('GET', 'antom/payments/%E0')).status).toBe(400);
    expect((await suite.base.control.call('POST', 'antom/pay', { paymentId: 5 })).status).toBe(400);
    expect((await suite.base.control.call('POST', 'antom/pay', { paymentId: 'none' })).status).toBe(404);
    const pay = await suite.call('pay', suite.payBody());
    const bad = await suite.base.control.call('POST', 'antom/pay', {
      paymentId: pay.json.paymentId,
      outcome: 'MAYBE',
    });
    expect(bad.status).toBe(400);
  });

  it('refuses to cancel a paid payment', async () => {
    const { paymentId } = await suite.paid();
    const cancel = await suite.call('cancel', { paymentId });
    expect(cancel.json.result).toMatchObject({ resultCode: 'ORDER_STATUS_INVALID', resultStatus: 'F' });
    expect((await suite.call('inquiryPayment', { paymentId })).json.paymentStatus).toBe('SUCCESS');
  });
});

describe('Antom faults', () => {
  it('unsigned-response and tamper-signature spoil the answer, not the work', async () => {
    const clientId = suite.client().clientId;
    await suite.base.control.addFault({ fault: 'unsigned-response', scope: { clientId }, count: 1 });
    const body = suite.payBody();
    const unsigned = await suite.call('pay', body);
    expect(unsigned.signed).toBe(false);
    expect(unsigned.json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
    await faultOnce('tamper-signature', { outTradeNo: body.paymentRequestId });
    const tampered = await suite.call('inquiryPayment', { paymentRequestId: body.paymentRequestId });
    expect(tampered.signed).toBe(true);
    expect(tampered.verified).toBe(false);
    const clean = await suite.call('inquiryPayment', { paymentRequestId: body.paymentRequestId });
    expect(clean.verified).toBe(true);
  });

  it('unknown-result answers U after refunding; the same refundRequestId then answers that one refund', async () => {
    const { paymentId, paymentRequestId } = await suite.paid();
    await faultOnce('unknown-result', { outTradeNo: paymentRequestId });
    const refundRequestId = suite.base.order();
    const unknown = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('100') });
    expect(unknown.json.result).toMatchObject({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' });
    expect(unknown.json.refundId).toBeUndefined();
    const retry = await suite.call('refund', { paymentId, refundRequestId, refundAmount: usd('100') });
    expect(retry.json.result.resultStatus).toBe('S');
    const payment = await suite.base.control.antomPayment(paymentId);
    expect(payment.refunds).toEqual([
      expect.objectContaining({ refundRequestId, refundId: retry.json.refundId }),
    ]);
  });

  it('gateway-500 answers HTTP 500 without doing anything', async () => {
    await faultOnce('gateway-500', { clientId: suite.client().clientId });
    const body = suite.payBody();
    const answer = await suite.call('pay', body);
    expect(answer.status).toBe(500);
    expect(
      (await suite.base.control.antomPayments()).some(p => p.paymentRequestId === body.paymentRequestId),
    ).toBe(false);
  });

  it('gateway-hang leaves an Antom call unanswered (a client timeout), and nothing is created', async () => {
    await faultOnce('gateway-hang', { clientId: suite.client().clientId });
    const body = suite.payBody();
    const client = suite.client();
    const path = `${client.apiPrefix}/v1/payments/pay`;
    const call = fetch(`${suite.base.sandbox.antomGateway}${path}`, {
      method: 'POST',
      headers: { 'client-id': client.clientId, 'request-time': String(Date.now()), signature: 'x' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(500),
    });
    await expect(call).rejects.toThrow();
    expect(
      (await suite.base.control.antomPayments()).some(p => p.paymentRequestId === body.paymentRequestId),
    ).toBe(false);
    // The fault fired once: the next call is answered.
    expect((await suite.call('pay', body)).json.result.resultCode).toBe('PAYMENT_IN_PROCESS');
  });

  it('duplicate-notify sends two copies; delay-notify holds the notification on the clock', async () => {
    const clientId = suite.client().clientId;
    await suite.base.control.addFault({ fault: 'duplicate-notify', scope: { clientId }, count: 1 });
    const { paymentRequestId } = await suite.paid();
    expect(suite.receiver.about(paymentRequestId)).toHaveLength(2);

    await suite.base.control.addFault({ fault: 'delay-notify', scope: { clientId }, ms: 60_000, count: 1 });
    const { paymentRequestId: delayed } = await suite.paid();
    expect(suite.receiver.about(delayed)).toHaveLength(0);
    await suite.base.control.advanceClock(60_000);
    expect(suite.receiver.about(delayed)).toHaveLength(1);
  });
});
