import { describe, expect, it } from 'vitest';
import { type AlipayEvent, type TradeEvent } from '../../src/events';
import { eventReceiptKey } from '../../src/lifecycle';

const base: TradeEvent = {
  type: 'trade',
  generation: 'legacy',
  source: 'notify',
  displayOnly: false,
  notifyId: 'n1',
  notifyTime: undefined,
  raw: {},
  outTradeNo: 'o1',
  tradeNo: 't1',
  status: 'paid',
  alipayStatus: 'TRADE_SUCCESS',
  amountFen: 1000,
  refundedFen: undefined,
  refundRequestNo: undefined,
  refundStatus: undefined,
  buyer: {},
  seller: {},
  appId: undefined,
  timestamps: {},
  passback: undefined,
};

describe('eventReceiptKey', () => {
  it('a status change is news once; every refund of a trade is news of its own', () => {
    expect(eventReceiptKey(base)).toBe('TRADE_SUCCESS');
    expect(eventReceiptKey({ ...base, notifyId: 'n2' })).toBe('TRADE_SUCCESS');
    const first = eventReceiptKey({
      ...base,
      refundStatus: 'REFUND_SUCCESS',
      timestamps: { refunded: '2026-12-05 10:00:00' },
    });
    const second = eventReceiptKey({
      ...base,
      refundStatus: 'REFUND_SUCCESS',
      timestamps: { refunded: '2026-12-05 11:00:00' },
    });
    const closing = eventReceiptKey({
      ...base,
      alipayStatus: 'TRADE_CLOSED',
      status: 'closed',
      refundStatus: 'REFUND_SUCCESS',
      timestamps: { refunded: '2026-12-05 11:00:00' },
    });
    expect(new Set([first, second, closing, 'TRADE_SUCCESS']).size).toBe(4);
    // Two legacy partial refunds in the same second: their notify_ids tell them apart; a retry is the same.
    const legacy = {
      ...base,
      refundStatus: 'REFUND_SUCCESS',
      timestamps: { refunded: '2026-12-05 10:00:00' },
    };
    expect(eventReceiptKey({ ...legacy, notifyId: 'a' })).not.toBe(
      eventReceiptKey({ ...legacy, notifyId: 'b' }),
    );
    expect(eventReceiptKey({ ...legacy, notifyId: 'a' })).toBe(eventReceiptKey({ ...legacy, notifyId: 'a' }));
    const openapi = eventReceiptKey({
      ...base,
      generation: 'openapi',
      refundRequestNo: 'rf1',
      refundedFen: 300,
    });
    expect(openapi).toBe('REFUND:TRADE_SUCCESS:rf1:300::');
  });

  it('a batch refund is news once per batch, and keys fit 128 characters', () => {
    const batch: AlipayEvent = {
      type: 'refund',
      generation: 'legacy',
      source: 'notify',
      displayOnly: false,
      notifyId: 'n',
      notifyTime: undefined,
      raw: {},
      batchNo: '20261205001',
      tradeNo: 't1',
      amountFen: 1,
      successCount: 1,
      items: [],
    };
    expect(eventReceiptKey(batch)).toBe('BATCH_REFUND:20261205001');
    const long = eventReceiptKey({ ...base, refundRequestNo: 'x'.repeat(200), refundedFen: 1 });
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^H:[0-9a-f]{64}$/);
  });
});
