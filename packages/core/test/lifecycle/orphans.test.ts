import { describe, expect, it } from 'vitest';
import {
  isOrphanReason,
  ORPHAN_REASON_TEXT,
  ORPHAN_REASONS,
  ORPHAN_REFUND_REASON,
  orphanReasonText,
} from '../../src';

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
