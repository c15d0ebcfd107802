import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyError } from '../src/errors';
import { fenToYuan, MAX_AMOUNT_FEN, yuanToFen } from '../src/money';

describe('fen ↔ yuan', () => {
  it.each([
    [1, '0.01'],
    [10, '0.10'],
    [100, '1.00'],
    [12345, '123.45'],
    [MAX_AMOUNT_FEN, '100000000.00'],
  ])('%i fen = %s', (fen, yuan) => {
    expect(fenToYuan(fen)).toBe(yuan);
    expect(yuanToFen(yuan)).toBe(fen);
  });

  it('parses Alipay variants exactly', () => {
    expect(yuanToFen('88.8')).toBe(8880);
    expect(yuanToFen('100')).toBe(10000);
    expect(yuanToFen('0.29')).toBe(29); // 0.29 * 100 is 28.999999999999996 in floating point
    expect(yuanToFen('1.15')).toBe(115);
  });

  it.each(['', '-1.00', '1.001', '1e3', '01.00', ' 1.00', '1,00', '0.00', '100000000.01', 'NaN', '.5'])(
    'refuses %j',
    text => {
      expect(() => yuanToFen(text)).toThrow(MoneyError);
    },
  );

  it('zero only when allowed', () => {
    expect(yuanToFen('0.00', { allowZero: true })).toBe(0);
    expect(fenToYuan(0, { allowZero: true })).toBe('0.00');
    expect(() => fenToYuan(0)).toThrow(MoneyError);
  });

  it('refuses non-integers, out of range and other currencies', () => {
    expect(() => fenToYuan(1.5)).toThrow(MoneyError);
    expect(() => fenToYuan(MAX_AMOUNT_FEN + 1)).toThrow(MoneyError);
    expect(() => fenToYuan(-1)).toThrow(MoneyError);
    expect(() => fenToYuan(100, { currency: 'USD' })).toThrow(/CNY/);
    expect(fenToYuan(100, { currency: 'cny' })).toBe('1.00');
    expect(() => yuanToFen('1.00', { currency: 'EUR' })).toThrow(MoneyError);
  });

  it('round-trips every valid amount (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_FEN }), fen => yuanToFen(fenToYuan(fen)) === fen),
    );
  });
});
