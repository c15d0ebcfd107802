import { RECONCILE_INTERVAL_MS } from '@alipay-commerce/core/lifecycle';
import { config, reconciliationIntervalMs } from '../src/jobs/alipay-reconcile-payments';

describe('the reconciliation job interval (ALIPAY_RECONCILIATION_INTERVAL_MINUTES)', () => {
  it("is the core's schedule when unset or empty", () => {
    expect(reconciliationIntervalMs({})).toBe(RECONCILE_INTERVAL_MS);
    expect(reconciliationIntervalMs({ ALIPAY_RECONCILIATION_INTERVAL_MINUTES: ' ' })).toBe(
      RECONCILE_INTERVAL_MS,
    );
    expect(config.schedule.interval).toBe(reconciliationIntervalMs(process.env));
  });

  it('takes whole minutes', () => {
    expect(reconciliationIntervalMs({ ALIPAY_RECONCILIATION_INTERVAL_MINUTES: '1' })).toBe(60_000);
    expect(reconciliationIntervalMs({ ALIPAY_RECONCILIATION_INTERVAL_MINUTES: '15' })).toBe(900_000);
  });

  it.each(['0', '-5', '1.5', '5m', 'five', '999999'])('refuses %j in English and 中文', value => {
    expect(() => reconciliationIntervalMs({ ALIPAY_RECONCILIATION_INTERVAL_MINUTES: value })).toThrow(
      /ALIPAY_RECONCILIATION_INTERVAL_MINUTES must be a whole number of minutes.* \/ .*必须是整数分钟/,
    );
  });
});
