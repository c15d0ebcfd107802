import { describe, expect, it } from 'vitest';
import {
  isOrphanReason,
  ORPHAN_REASON_TEXT,
  ORPHAN_REASONS,
  ORPHAN_REFUND_REASON,
  type OrphanTradeRefund,
  orphanReasonText,
  planOrphanRefund,
} from '../../src/lifecycle';

describe('orphan reasons', () => {
  it('every reason has its text in English and Chinese', () => {
    expect(Object.keys(ORPHAN_REASON_TEXT).sort()).toEqual([...ORPHAN_REASONS].sort());
    for (const reason of ORPHAN_REASONS) {
      expect(ORPHAN_REASON_TEXT[reason].en).not.toBe('');
      expect(ORPHAN_REASON_TEXT[reason].zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('unknown and inherited names are not reasons, but still readable', () => {
    expect(isOrphanReason('constructor')).toBe(false);
    expect(isOrphanReason('order_cancelled')).toBe(true);
    expect(orphanReasonText('no_session')).toEqual({ en: 'no_session', zh: 'no_session' });
  });

  it('the refund reason is safe for a legacy batch (no ^ | $ #) and short', () => {
    expect(ORPHAN_REFUND_REASON).not.toMatch(/[\^|$#]/);
    expect(Buffer.byteLength(ORPHAN_REFUND_REASON)).toBeLessThan(256);
  });
});

describe('planOrphanRefund: the orphan refund policy', () => {
  const trade = { totalFen: 3500, closed: false };
  const refund = (over: Partial<OrphanTradeRefund>): OrphanTradeRefund => ({
    status: 'failed',
    origin: 'orphan',
    amountFen: 3500,
    settledBeforeFen: 0,
    ...over,
  });
  const alipaySide = (amountFen: number): OrphanTradeRefund =>
    refund({ origin: 'alipay', status: 'succeeded', amountFen, settledBeforeFen: 0 });

  it.each([
    // [case, trade, refunds, policy's plan, admin's plan]
    ['no refund yet', trade, [], 'send 3500', 'send 3500'],
    ['closed by Alipay', { ...trade, closed: true }, [], 'nothing_left', 'nothing_left'],
    ['all back on Alipay’s side', trade, [alipaySide(3500)], 'nothing_left', 'nothing_left'],
    ['part back on Alipay’s side', trade, [alipaySide(1000)], 'send 2500', 'send 2500'],
    ['its refund succeeded', trade, [refund({ status: 'succeeded' })], 'refund_exists', 'refund_exists'],
    ['its refund is open', trade, [refund({ status: 'requested' })], 'refund_exists', 'refund_exists'],
    ['its refund is uncertain', trade, [refund({ status: 'uncertain' })], 'refund_exists', 'refund_exists'],
    ['refused, nothing changed', trade, [refund({})], 'refused', 'send 3500'],
    [
      'refused, then part refunded on Alipay’s side',
      trade,
      [refund({}), alipaySide(1000)],
      'send 2500',
      'send 2500',
    ],
    [
      'refused twice, the second after the Alipay-side refund',
      trade,
      [refund({}), alipaySide(1000), refund({ amountFen: 2500, settledBeforeFen: 1000 })],
      'refused',
      'send 2500',
    ],
    [
      'refused, then everything came back on Alipay’s side',
      trade,
      [refund({}), alipaySide(3500)],
      'nothing_left',
      'nothing_left',
    ],
  ] as const)('%s', (_, input, refunds, policy, admin) => {
    const read = (asker: 'policy' | 'admin') => {
      const plan = planOrphanRefund(input, refunds, asker);
      return plan.send ? `send ${plan.amountFen}` : plan.hold;
    };
    expect(read('policy')).toBe(policy);
    expect(read('admin')).toBe(admin);
  });

  it('says what was settled when the refund was planned, and why it holds in both languages', () => {
    expect(planOrphanRefund(trade, [alipaySide(1000)], 'policy')).toEqual({
      send: true,
      amountFen: 2500,
      settledBeforeFen: 1000,
    });
    const held = planOrphanRefund(trade, [refund({})], 'policy');
    expect(held.send).toBe(false);
    if (!held.send) expect(held.text.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});
