import { describe, expect, it } from 'vitest';
import { type TradeEvent } from '../src/events';
import { checkEvent } from '../src/facade';
import { peekAntomNotification, peekNotification } from '../src/peek';

describe('peekNotification (unverified routing fields)', () => {
  it('reads an OpenAPI trade notification', () => {
    expect(
      peekNotification(
        'app_id=2021000100000001&out_trade_no=O1&trade_no=T1&seller_id=2088&sign_type=RSA2&sign=x&notify_type=trade_status_sync',
      ),
    ).toMatchObject({
      generation: 'openapi',
      appId: '2021000100000001',
      outTradeNo: 'O1',
      tradeNo: 'T1',
      sellerId: '2088',
    });
  });
  it('reads a legacy batch refund with its trade numbers', () => {
    const peek = peekNotification(
      'notify_type=batch_refund_notify&batch_no=20260101001&result_details=T1%5E0.01%5ESUCCESS%24a%5Eb%5E0.00%5ESUCCESS%23T2%5E0.02%5ESUCCESS&sign=x&sign_type=MD5',
    );
    expect(peek).toMatchObject({
      generation: 'legacy',
      batchNo: '20260101001',
      refundTradeNos: ['T1', 'T2'],
    });
  });
  it('undefined for bodies that are not forms', () => {
    expect(peekNotification('a=1&a=2')).toBeUndefined();
    expect(peekNotification(Buffer.alloc(100_000, 0x61))).toBeUndefined();
  });
});

describe('peekAntomNotification (unverified routing fields of Antom JSON)', () => {
  const payment = {
    notifyType: 'PAYMENT_RESULT',
    result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
    paymentRequestId: 'O1',
    paymentId: 'P1',
    paymentAmount: { currency: 'USD', value: '550' },
  };
  it('reads a payment result', () => {
    expect(peekAntomNotification(JSON.stringify(payment))).toEqual({
      generation: 'antom',
      notifyType: 'PAYMENT_RESULT',
      outTradeNo: 'O1',
      tradeNo: 'P1',
      refundRequestNo: undefined,
    });
  });
  it('reads a refund result, which names no payment', () => {
    const refund = { notifyType: 'REFUND_RESULT', refundRequestId: 'R1', refundStatus: 'SUCCESS' };
    expect(peekAntomNotification(Buffer.from(JSON.stringify(refund)))).toMatchObject({
      outTradeNo: undefined,
      refundRequestNo: 'R1',
    });
  });
  it('ignores fields that are not non-empty strings', () => {
    const odd = { paymentRequestId: 7, paymentId: '', notifyType: ['PAYMENT_RESULT'] };
    expect(peekAntomNotification(JSON.stringify(odd))).toMatchObject({
      outTradeNo: undefined,
      tradeNo: undefined,
      notifyType: undefined,
    });
  });
  it('undefined for what the verifier would refuse or read differently', () => {
    // A repeated paymentRequestId: JSON.parse keeps the last, which the signer may not have meant.
    expect(peekAntomNotification('{"paymentRequestId":"O1","paymentRequestId":"O2"}')).toBeUndefined();
    expect(peekAntomNotification('[{"paymentRequestId":"O1"}]')).toBeUndefined();
    expect(peekAntomNotification('null')).toBeUndefined();
    expect(peekAntomNotification('out_trade_no=O1&sign=x')).toBeUndefined();
    expect(peekAntomNotification(Buffer.from([0x7b, 0xff, 0x7d]))).toBeUndefined();
    expect(peekAntomNotification('')).toBeUndefined();
    const large = JSON.stringify({ ...payment, pad: 'x'.repeat(70_000) });
    expect(peekAntomNotification(large)).toBeUndefined();
    expect(peekAntomNotification(large, { maxBytes: 100_000 })).toMatchObject({ outTradeNo: 'O1' });
  });
  it('peekNotification (forms) does not read Antom JSON as a trade', () => {
    expect(peekNotification(JSON.stringify(payment), 'application/json')?.outTradeNo).toBeUndefined();
  });
});

describe('checkEvent: the order currency', () => {
  const event = {
    type: 'trade',
    outTradeNo: 'O1',
    tradeNo: 'T1',
    amountFen: 100,
    seller: {},
  } as unknown as TradeEvent;
  it('a non-CNY order cannot be paid by this notification', () => {
    expect(checkEvent(event, { currency: 'USD', amountFen: 100 })).toMatchObject({
      reason: 'wrong_currency',
    });
    expect(checkEvent(event, { currency: 'cny', amountFen: 100 })).toBeUndefined();
  });
});
