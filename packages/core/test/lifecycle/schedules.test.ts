import { describe, expect, it } from 'vitest';
import {
  isDueForReconciliation,
  MAX_RETRY_DELAY_MS,
  MAX_SHIPMENT_ATTEMPTS,
  RECONCILE_AFTER_MS,
  retryDelayMs,
} from '../../src/lifecycle';

describe('schedules', () => {
  it('retries 15 s, 30 s, 1 min … doubling up to an hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(retryDelayMs(0)).toBe(15_000);
    expect(retryDelayMs(20)).toBe(MAX_RETRY_DELAY_MS);
    const total = Array.from({ length: MAX_SHIPMENT_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1)).reduce(
      (a, b) => a + b,
    );
    // A shipment confirmation is retried for a few hours before it is reported as failed.
    expect(total / 3_600_000).toBeGreaterThan(2);
    expect(total / 3_600_000).toBeLessThan(4);
  });

  it('reconciliation leaves the young to their notification', () => {
    const now = new Date('2026-12-05T10:00:00Z');
    expect(isDueForReconciliation(new Date(now.getTime() - RECONCILE_AFTER_MS + 1), now)).toBe(false);
    expect(isDueForReconciliation(new Date(now.getTime() - RECONCILE_AFTER_MS), now)).toBe(true);
  });
});
