import { describe, expect, it } from 'vitest';
import { type TradeStatus, toTradeStatus } from '../../src/events';
import {
  hasKnownTradeStatus,
  isHeldInEscrow,
  isLateStatus,
  nextRecordedStatus,
  recordedStatusRank,
  TRADE_STATUS_ORDER,
  tradeStatusRank,
} from '../../src/lifecycle';

/**
 * Alipay's `trade_status` texts in the order a trade moves through them, each with the core status the
 * documentation gives it: written out here, not taken from the core, so that the test checks the core.
 */
const ALIPAY_TO_CORE: ReadonlyArray<readonly [alipay: string, core: TradeStatus]> = [
  ['WAIT_BUYER_PAY', 'waiting_payment'],
  ['TRADE_PENDING', 'waiting_payment'],
  ['WAIT_SELLER_SEND_GOODS', 'paid_awaiting_shipment'],
  ['WAIT_BUYER_CONFIRM_GOODS', 'shipped_awaiting_receipt'],
  ['TRADE_SUCCESS', 'paid'],
  ['TRADE_FINISHED', 'finished'],
  ['TRADE_CLOSED', 'closed'],
];
const ALIPAY = ALIPAY_TO_CORE.map(([alipay]) => alipay);

describe('status rank', () => {
  it('the core order and Alipay’s texts rank the same way (one rank for every adapter)', () => {
    for (const [alipay, core] of ALIPAY_TO_CORE) expect(toTradeStatus(alipay), alipay).toBe(core);
    for (const a of ALIPAY) {
      for (const b of ALIPAY) {
        const core = Math.sign(tradeStatusRank(toTradeStatus(a)!) - tradeStatusRank(toTradeStatus(b)!));
        expect(Math.sign(recordedStatusRank(a) - recordedStatusRank(b)), `${a} vs ${b}`).toBe(core);
      }
    }
    expect(TRADE_STATUS_ORDER.at(-1)).toBe('closed');
  });

  it('never moves backwards; local statuses sit where a late payment still counts', () => {
    expect(nextRecordedStatus('TRADE_SUCCESS', 'WAIT_BUYER_PAY')).toBe('TRADE_SUCCESS');
    expect(nextRecordedStatus('TRADE_FINISHED', 'TRADE_SUCCESS')).toBe('TRADE_FINISHED');
    expect(nextRecordedStatus('TRADE_SUCCESS', 'TRADE_CLOSED')).toBe('TRADE_CLOSED');
    expect(nextRecordedStatus('ABANDONED', 'TRADE_SUCCESS')).toBe('TRADE_SUCCESS');
    expect(nextRecordedStatus('SUPERSEDED', 'WAIT_BUYER_PAY')).toBe('WAIT_BUYER_PAY');
    expect(nextRecordedStatus('CREATED', '')).toBe('CREATED');
    expect(isLateStatus('WAIT_BUYER_CONFIRM_GOODS', 'WAIT_SELLER_SEND_GOODS')).toBe(true);
    expect(isLateStatus('WAIT_SELLER_SEND_GOODS', 'WAIT_SELLER_SEND_GOODS')).toBe(false);
  });

  it('inherited names are not statuses', () => {
    expect(recordedStatusRank('constructor')).toBe(0);
    expect(hasKnownTradeStatus({ alipayStatus: 'constructor', status: 'paid' })).toBe(false);
    expect(hasKnownTradeStatus({ alipayStatus: 'TRADE_SUCCESS', status: 'paid' })).toBe(true);
    expect(hasKnownTradeStatus({ alipayStatus: 'TRADE_SUCCESS', status: 'finished' })).toBe(false);
  });

  it('escrow holds the money while waiting for shipment or receipt only', () => {
    expect(ALIPAY.filter(isHeldInEscrow)).toEqual(['WAIT_SELLER_SEND_GOODS', 'WAIT_BUYER_CONFIRM_GOODS']);
  });
});
