import { describe, expect, it } from 'vitest';
import { AlipayError, AlipayGatewayError } from '../src/errors';
import { describeError, gatewayDetail, logSafe, logSafeId } from '../src/log-text';

describe('text for log lines', () => {
  it('never lets request text start a log line of its own (log forging)', () => {
    const forged = 'X-1\ninfo - [AlipayPlugin] order X · notify TRADE_SUCCESS → applied';
    for (const text of [logSafe(forged), logSafeId(forged)]) {
      expect(text).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
      expect(text).toMatch(/\\(n|u000a)/);
    }
    expect(logSafe('a\u2028b\u0085c\rd\u007f')).toBe('a\\u2028b\\u0085c\\u000dd\\u007f');
    // Surrogate pairs are text, not control characters.
    expect(logSafe('支付宝 😀')).toBe('支付宝 😀');
  });

  it('cuts text after 300 characters by default, or after max', () => {
    expect(logSafe('x'.repeat(1000)).length).toBe(301);
    expect(logSafe('x'.repeat(3000), 2000)).toBe(`${'x'.repeat(2000)}…`);
    expect(logSafe('short')).toBe('short');
  });

  it('keeps identifiers that look like one, quotes the rest', () => {
    expect(logSafeId('AB12-1')).toBe('AB12-1');
    expect(logSafeId('2026112522001')).toBe('2026112522001');
    expect(logSafeId('has space')).toBe('"has space"');
    expect(logSafeId('y'.repeat(100))).toBe(`"${'y'.repeat(64)}…"`);
  });
});

describe('text of errors', () => {
  const hint = { en: 'Check the trade number.', zh: '请检查交易号。' };

  it('names Alipay’s codes and the core’s hint for an answer of Alipay', () => {
    const error = new AlipayGatewayError('40004', { subCode: 'ACQ.TRADE_NOT_EXIST', hint });
    expect(describeError(error)).toBe('GATEWAY_ERROR (40004 / ACQ.TRADE_NOT_EXIST): Check the trade number.');
    expect(gatewayDetail(error)).toBe('GATEWAY_ERROR / 40004 / ACQ.TRADE_NOT_EXIST');
  });

  it('names the core’s code for its other errors, and the name of anything else', () => {
    const error = new AlipayError('SETTINGS_INVALID', 'gateway is not allowed', hint);
    expect(describeError(error)).toBe('SETTINGS_INVALID: gateway is not allowed');
    expect(gatewayDetail(error)).toBe('SETTINGS_INVALID');
    expect(describeError(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeError('plain')).toBe('plain');
    expect(gatewayDetail(new Error('x'))).toBe('UNEXPECTED');
  });
});
