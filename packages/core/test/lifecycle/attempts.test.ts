import { describe, expect, it } from 'vitest';
import {
  attemptsToCloseBeforeNew,
  isOpenAtAlipay,
  MAX_OPEN_ATTEMPTS_PER_ORDER,
  newOutTradeNo,
  SYNC_MIN_INTERVAL_MS,
  syncClaimCutoff,
  tradesToSync,
} from '../../src/lifecycle';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

describe('attempt policy (issue 15 item 5)', () => {
  it('superseded, paid and closed trades are not open on Alipay; unpaid and escrow ones are', () => {
    for (const status of [
      'CREATED',
      'WAIT_BUYER_PAY',
      'TRADE_PENDING',
      'WAIT_SELLER_SEND_GOODS',
      'WAIT_BUYER_CONFIRM_GOODS',
    ])
      expect(isOpenAtAlipay(status), status).toBe(true);
    for (const status of [
      'SUPERSEDED',
      'START_FAILED',
      'ABANDONED',
      'TRADE_SUCCESS',
      'TRADE_FINISHED',
      'TRADE_CLOSED',
      'constructor',
    ])
      expect(isOpenAtAlipay(status), status).toBe(false);
  });

  it('closes nothing while fewer than the cap are open, then the oldest unpaid ones', () => {
    const trades = [
      { id: 'c', status: 'WAIT_BUYER_PAY', createdAt: at(3) },
      { id: 'a', status: 'CREATED', createdAt: at(1) },
      { id: 'x', status: 'SUPERSEDED', createdAt: at(0) },
      { id: 'p', status: 'TRADE_SUCCESS', createdAt: at(2) },
    ];
    expect(attemptsToCloseBeforeNew(trades)).toEqual([]);
    const more = [
      ...trades,
      { id: 'b', status: 'CREATED', createdAt: at(2) },
      { id: 'd', status: 'CREATED', createdAt: at(4) },
    ];
    // Four unpaid open: with the new one at most MAX_OPEN_ATTEMPTS_PER_ORDER stay, so the two oldest go.
    expect(MAX_OPEN_ATTEMPTS_PER_ORDER).toBe(3);
    expect(attemptsToCloseBeforeNew(more).map(t => t.id)).toEqual(['a', 'b']);
    expect(attemptsToCloseBeforeNew(more, 1).map(t => t.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a sync asks only about open trades not asked about within the interval, newest first, capped', () => {
    const now = at(100);
    const trades = [
      { id: 'old', status: 'CREATED', createdAt: at(1) },
      { id: 'superseded', status: 'SUPERSEDED', createdAt: at(2) },
      { id: 'paid', status: 'TRADE_SUCCESS', createdAt: at(3) },
      {
        id: 'recent',
        status: 'WAIT_BUYER_PAY',
        createdAt: at(4),
        lastQueriedAt: new Date(now.getTime() - 1000),
      },
      {
        id: 'due',
        status: 'WAIT_BUYER_PAY',
        createdAt: at(5),
        lastQueriedAt: new Date(now.getTime() - SYNC_MIN_INTERVAL_MS),
      },
      { id: 'n1', status: 'CREATED', createdAt: at(6) },
      { id: 'n2', status: 'CREATED', createdAt: at(7), lastQueriedAt: null },
    ];
    expect(tradesToSync(trades, now).map(t => t.id)).toEqual(['n2', 'n1', 'due']);
    expect(syncClaimCutoff(now).getTime()).toBe(now.getTime() - SYNC_MIN_INTERVAL_MS);
  });
});

describe('newOutTradeNo (issue 15 item 2)', () => {
  it('is random, 32 letters and digits, and says nothing about the order', () => {
    const numbers = Array.from({ length: 1000 }, () => newOutTradeNo());
    expect(new Set(numbers).size).toBe(1000);
    for (const number of numbers) expect(number).toMatch(/^at[0-9a-f]{30}$/);
  });
});
