import { logLine, logSafe, logSafeId } from '../src/logging/log-line';
import { notifyOutcomeOf } from '../src/notifications/notify-outcome';
import { queryExpectation } from '../src/reconciliation/query-expectation';

/** What the hostile suite sends in `out_trade_no`, `trade_no` or the URL: a line break, then a forged line. */
const FORGED = 'X\ninfo - [alipay] notify request accepted (order_created): HTTP 200 success (session -)';

describe('log lines cannot be forged by request data', () => {
  it('escapes every line break and control character in IDs and messages', () => {
    for (const br of ['\n', '\r\n', '\r', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c']) {
      const forged = FORGED.replace('\n', br);
      const line = logLine(`notify request refused (bad_signature) for ${forged}`, {
        outTradeNo: forged,
        trade: forged,
        provider: forged,
      });
      expect([...line].filter(c => c.charCodeAt(0) < 0x20 || /[\u0085\u2028\u2029]/.test(c))).toEqual([]);
      expect(line.startsWith('[alipay] notify request refused (bad_signature)')).toBe(true);
    }
  });

  it('keeps ordinary IDs as they are and quotes the others', () => {
    expect(
      logLine('paid', {
        outTradeNo: 'at0123456789abcdef0123456789abcd',
        trade: '2026112622000001',
        cart: null,
      }),
    ).toBe('[alipay] paid (out_trade_no at0123456789abcdef0123456789abcd, cart -, trade 2026112622000001)');
    expect(logSafeId('a b')).toBe('"a b"');
    expect(logSafeId('x'.repeat(100))).toBe(`"${'x'.repeat(64)}…"`);
    expect(logSafeId('a\nb')).toBe('"a\\nb"');
    expect(logSafe('a\u2028b\u0000c')).toBe('a\\u2028b\\u0000c');
    expect(logSafe('中文 ok')).toBe('中文 ok');
    expect(logSafe('y'.repeat(10), 4)).toBe('yyyy…');
  });
});

describe('notifyOutcomeOf (the verdict of the one line per notify request)', () => {
  it('accepts what was verified, claimed as new and processed', () => {
    expect(notifyOutcomeOf({ result: 'processed', detail: 'order_created' })).toEqual({
      verdict: 'accepted',
      reason: 'order_created',
    });
    expect(notifyOutcomeOf({ result: 'ignored', detail: 'waiting_payment' }).verdict).toBe('accepted');
    expect(notifyOutcomeOf({ result: 'orphan', detail: 'orphan_no_session' }).verdict).toBe('accepted');
  });

  it('refuses rejections, duplicates and failures, with a machine-readable reason', () => {
    expect(notifyOutcomeOf({ result: 'rejected', detail: 'bad_signature' })).toEqual({
      verdict: 'refused',
      reason: 'bad_signature',
    });
    expect(notifyOutcomeOf({ result: 'duplicate', detail: 'processed' })).toEqual({
      verdict: 'refused',
      reason: 'duplicate',
    });
    expect(notifyOutcomeOf({ result: 'busy', detail: 'claim_busy' }).reason).toBe('claim_busy');
    expect(notifyOutcomeOf({ result: 'failed', detail: 'unexpected error\n!' })).toEqual({
      verdict: 'refused',
      reason: 'unexpected_error__',
    });
  });
});

describe('queryExpectation (reconciliation)', () => {
  const seller = { id: '2088101000000011' };
  it('checks trade and amount, and the seller only when the query answer names one', () => {
    expect(queryExpectation({ seller: {} }, 'payses_1', 3990, seller)).toEqual({
      outTradeNo: 'payses_1',
      amountFen: 3990,
    });
    expect(queryExpectation({ seller: { id: '2088999' } }, 'payses_1', 3990, seller)).toEqual({
      outTradeNo: 'payses_1',
      amountFen: 3990,
      seller,
    });
  });
});
