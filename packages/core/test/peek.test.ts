import { describe, expect, it } from 'vitest';
import { type TradeEvent } from '../src/events';
import { checkEvent } from '../src/facade';
import { peekNotification } from '../src/peek';

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
