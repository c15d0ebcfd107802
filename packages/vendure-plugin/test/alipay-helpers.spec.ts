import { logSafe, logSafeId } from '@alipay-commerce/core';
import { describe, expect, it } from 'vitest';
import { paymentSubject } from '../src/alipay-checkout.service';
import { listedCurrencyRefusal } from '../src/alipay-eligibility';
import { BoundedSet } from '../src/alipay-event-ledger';
import { describeTrade } from '../src/alipay-log';
import { settingsFromArgs } from '../src/alipay-method-args';
import { isHeldInAlipayEscrow } from '../src/alipay-order-process';
import { reconciliationSchedule } from '../src/alipay-reconciliation.service';
import { alipayBackoffStrategy } from '../src/alipay-shipment.service';
import { restoreMaskedSecrets, validateAlipayHandlerArgs } from '../src/payment-method-settings.subscriber';
import { isUniqueViolation } from '../src/unique-violation';

const args = (values: Record<string, string>) =>
  Object.entries(values).map(([name, value]) => ({ name, value }));
/** The handler arguments of a legacy instant-payment method, plus `values`. */
const legacyArgs = (values: Record<string, string>) => args({ interfaceType: 'legacy-direct', ...values });

describe('settings from payment method arguments', () => {
  it('parses booleans, resolves env: secrets and drops empty values', () => {
    const result = settingsFromArgs(
      legacyArgs({ key: 'env:ALIPAY_MY_KEY', refundWithoutPassword: 'true', sellerId: '' }),
      { ALIPAY_MY_KEY: 'k'.repeat(32) },
    );
    expect(result).toEqual({
      ok: true,
      settings: { interfaceType: 'legacy-direct', key: 'k'.repeat(32), refundWithoutPassword: true },
    });
  });

  it('turns an unset env: reference into an issue on that field, naming only the variable', () => {
    const result = settingsFromArgs(args({ key: 'env:ALIPAY_MISSING_KEY' }), {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      {
        field: 'key',
        message: {
          en: 'key reads the environment variable ALIPAY_MISSING_KEY, which is not allowed or not set (names must start with ALIPAY_).',
          zh: 'key 引用的环境变量 ALIPAY_MISSING_KEY 不允许使用或未设置（变量名必须以 ALIPAY_ 开头）。',
        },
      },
    ]);
  });

  it('validates with the core schema: field-level issues, never the values', () => {
    const issues = validateAlipayHandlerArgs(
      legacyArgs({ gateway: 'production', partnerId: '2088', key: 'secret-but-short' }),
      {},
    );
    expect(issues.map(i => i.field).sort()).toEqual(['key', 'partnerId']);
    expect(JSON.stringify(issues)).not.toContain('secret-but-short');
    expect(
      validateAlipayHandlerArgs(legacyArgs({ partnerId: '2088101000000001', key: 'a'.repeat(32) }), {}),
    ).toEqual([]);
  });

  it('restores a secret that came back masked, and only then', () => {
    const stored = args({ key: 'abcdefghijklmnopqrstuvwxyz123456', appAuthToken: 'env:TOKEN' });
    const incoming = args({ key: '••••3456', appAuthToken: 'env:TOKEN' });
    restoreMaskedSecrets(incoming, stored);
    expect(incoming[0]?.value).toBe('abcdefghijklmnopqrstuvwxyz123456');
    const changed = args({ key: 'new-key-typed-by-the-admin-00000' });
    restoreMaskedSecrets(changed, stored);
    expect(changed[0]?.value).toBe('new-key-typed-by-the-admin-00000');
  });
});

describe('log labels and database errors', () => {
  it('labels every log line with order, trade and Alipay trade number', () => {
    expect(describeTrade({ orderCode: 'ABC', outTradeNo: 'ABC-1', tradeNo: '2026' })).toBe(
      'order ABC · trade ABC-1 · Alipay 2026',
    );
    expect(describeTrade({})).toBe('order (unknown) · trade (unknown) · Alipay (none yet)');
  });

  it('recognises unique-index violations of SQLite, PostgreSQL and MySQL', () => {
    expect(isUniqueViolation({ driverError: { code: 'SQLITE_CONSTRAINT_UNIQUE' } })).toBe(true);
    expect(isUniqueViolation({ driverError: { code: '23505' } })).toBe(true);
    expect(isUniqueViolation({ code: 'ER_DUP_ENTRY' })).toBe(true);
    expect(isUniqueViolation(new Error('connection lost'))).toBe(false);
  });
});

describe('small pieces', () => {
  it('builds the cashier subject from the order lines', () => {
    expect(paymentSubject([])).toBe('Order 订单');
    expect(paymentSubject(['Tea set'])).toBe('Tea set');
    expect(paymentSubject(['Tea set', 'Scarf', 'Book'])).toBe('Tea set 等 3 件');
    expect(paymentSubject(['x'.repeat(80)])).toHaveLength(60);
  });

  it('turns the reconciliation interval into a cron schedule', () => {
    expect(reconciliationSchedule(10)).toBe('*/10 * * * *');
    expect(reconciliationSchedule(90)).toBe('0 */2 * * *');
    expect(reconciliationSchedule(24 * 60)).toBe('0 0 * * *');
  });

  it('backs off exponentially for the shipment queue only', () => {
    const backoff = alipayBackoffStrategy({ baseDelayMs: 1000, maxDelayMs: 5000 });
    expect([1, 2, 3, 4].map(n => backoff('alipay-confirm-shipment', n))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoff('send-email', 3)).toBe(1000);
  });
});

describe('escrow orders may ship before settlement', () => {
  const escrow = { state: 'Authorized', metadata: { tradeNo: '2026', interfaceType: 'legacy-escrow' } };
  it('when the money is held by an Alipay escrow (or dual) trade', () => {
    expect(isHeldInAlipayEscrow([escrow])).toBe(true);
    expect(
      isHeldInAlipayEscrow([{ ...escrow, metadata: { ...escrow.metadata, interfaceType: 'legacy-dual' } }]),
    ).toBe(true);
    // Other payments that carry no money, or are settled, do not matter.
    expect(isHeldInAlipayEscrow([{ state: 'Declined', metadata: {} }, escrow, { state: 'Settled' }])).toBe(
      true,
    );
  });
  it('not for other authorized payments, instant trades, or orders without an escrow payment', () => {
    expect(isHeldInAlipayEscrow([])).toBe(false);
    expect(isHeldInAlipayEscrow([{ state: 'Authorized', metadata: { tradeNo: '1' } }])).toBe(false);
    expect(
      isHeldInAlipayEscrow([
        { state: 'Authorized', metadata: { tradeNo: '1', interfaceType: 'legacy-direct' } },
      ]),
    ).toBe(false);
    expect(isHeldInAlipayEscrow([escrow, { state: 'Authorized', metadata: null }])).toBe(false);
    expect(isHeldInAlipayEscrow([{ ...escrow, metadata: { interfaceType: 'legacy-escrow' } }])).toBe(false);
    expect(isHeldInAlipayEscrow([{ state: 'Settled', metadata: escrow.metadata }])).toBe(false);
  });
});

describe('hardening found by the hostile-input suite (test/reliability)', () => {
  it('keeps request text on one log line: line breaks and control characters escaped, length capped', () => {
    const forged = 'X-1\ninfo - [AlipayPlugin] order X · notify TRADE_SUCCESS → applied';
    for (const text of [
      logSafe(forged),
      logSafeId(forged),
      describeTrade({ outTradeNo: forged, tradeNo: forged }),
    ]) {
      expect(text).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
      expect(text).toMatch(/\\(n|u000a)/);
    }
    expect(logSafe('a\u2028b\u0085c\rd')).toBe('a\\u2028b\\u0085c\\u000dd');
    expect(logSafeId('AB12-1')).toBe('AB12-1');
    expect(logSafeId('2026112522001')).toBe('2026112522001');
    expect(logSafeId('has space')).toBe('"has space"');
    expect(logSafe('x'.repeat(1000)).length).toBe(301);
    expect(describeTrade({ orderCode: 'AB12', outTradeNo: 'AB12-1' })).toBe(
      'order AB12 · trade AB12-1 · Alipay (none yet)',
    );
  });

  it('remembers a bounded number of receipts, forgetting the oldest first', () => {
    const set = new BoundedSet(3);
    for (const key of ['a', 'b', 'c', 'a', 'd']) set.add(key);
    expect(set.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map(k => set.has(k))).toEqual([false, true, true, true]);
  });
});

describe('Antom helpers', () => {
  it('limits a method to the listed currencies, in English and Chinese; nothing listed limits nothing', () => {
    expect(listedCurrencyRefusal('', 'CNY')).toBeUndefined();
    expect(listedCurrencyRefusal(undefined, 'CNY')).toBeUndefined();
    expect(listedCurrencyRefusal(' usd, EUR ', 'EUR')).toBeUndefined();
    const refusal = listedCurrencyRefusal('usd, EUR', 'CNY');
    expect(refusal?.en).toContain('USD, EUR');
    expect(refusal?.en).toContain('CNY');
    expect(refusal?.zh).toMatch(/仅用于 USD, EUR 订单/);
  });
});
