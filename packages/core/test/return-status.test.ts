import { describe, expect, it } from 'vitest';
import { storefrontReturnStatus, type TradeStatus } from '../src/events';

describe('storefrontReturnStatus (issue 15 item 2: the one thing a return redirect carries)', () => {
  it.each<[TradeStatus, string]>([
    ['paid', 'paid'],
    ['finished', 'paid'],
    ['paid_awaiting_shipment', 'authorized'],
    ['shipped_awaiting_receipt', 'authorized'],
    ['waiting_payment', 'pending'],
    ['closed', 'pending'],
  ])('%s → %s', (status, expected) => {
    expect(storefrontReturnStatus(status)).toBe(expected);
  });
});
