import { describe, expect, it } from 'vitest';
import {
  ANTOM_CURRENCY_EXPONENTS,
  antomCurrencyExponent,
  fromAntomAmount,
  toAntomAmount,
} from '../src/antom/amount';
import { MoneyError } from '../src/errors';

describe('toAntomAmount: integer minor units → {currency, value}', () => {
  it.each([
    [1099, 'USD', '1099'], // USD 10.99
    [1, 'EUR', '1'], // EUR 0.01
    [250, 'gbp', '250'], // any case in, upper case out
    [100000, 'SGD', '100000'],
    [2500, 'HKD', '2500'],
    [8888, 'CNY', '8888'],
    [1000, 'JPY', '1000'], // JPY has no decimals: 1000 yen
    [50000, 'KRW', '50000'], // KRW has none either
    [1500000, 'IDR', '1500000'], // IDR 15 000.00: whole rupiah, ends in 00
  ])('%d %s → %s', (minor, currency, value) => {
    expect(toAntomAmount(minor, currency)).toEqual({ currency: currency.toUpperCase(), value });
  });

  it('knows the exponents: 0 for JPY and KRW, 2 for USD, EUR, GBP, SGD, HKD, CNY and IDR', () => {
    expect(antomCurrencyExponent('JPY')).toBe(0);
    expect(antomCurrencyExponent('KRW')).toBe(0);
    for (const code of ['USD', 'EUR', 'GBP', 'SGD', 'HKD', 'CNY', 'IDR'])
      expect(antomCurrencyExponent(code)).toBe(2);
    expect(ANTOM_CURRENCY_EXPONENTS['JPY']).toBe(0);
  });

  it('refuses IDR amounts that are not whole rupiah (value must end in 00)', () => {
    expect(() => toAntomAmount(1500050, 'IDR')).toThrow(MoneyError);
    expect(() => toAntomAmount(1, 'IDR')).toThrow(/ending in 00/);
  });

  it.each([
    [10.5, 'USD', /integer/],
    [Number.NaN, 'USD', /integer/],
    [Number.POSITIVE_INFINITY, 'USD', /integer/],
    [Number.MAX_SAFE_INTEGER + 1, 'USD', /integer/],
    [-1, 'USD', /positive/],
    [0, 'USD', /positive/],
    [100, 'XXX', /unknown/],
    [100, '', /unknown/],
    [100, 'constructor', /unknown/],
    [100, '__proto__', /unknown/],
  ])('refuses %s %s with a MoneyError', (minor, currency, message) => {
    let caught: unknown;
    try {
      toAntomAmount(minor, currency);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MoneyError);
    expect((caught as MoneyError).message).toMatch(message);
    expect((caught as MoneyError).code).toBe('MONEY_INVALID');
    // The Antom hint, in both languages, not the CNY one.
    expect((caught as MoneyError).hint.en).toContain('Antom');
    expect((caught as MoneyError).hint.zh).toContain('Antom');
  });

  it('accepts 0 only when asked (refund and fee details)', () => {
    expect(toAntomAmount(0, 'USD', { allowZero: true })).toEqual({ currency: 'USD', value: '0' });
  });
});

describe('fromAntomAmount: {currency, value} → integer minor units', () => {
  it('reads the value as text, per currency', () => {
    expect(fromAntomAmount({ currency: 'USD', value: '1099' })).toBe(1099);
    expect(fromAntomAmount({ currency: 'JPY', value: '1000' }, 'jpy')).toBe(1000);
    expect(fromAntomAmount({ currency: 'IDR', value: '1500000' }, 'IDR')).toBe(1500000);
    expect(fromAntomAmount({ currency: 'usd', value: '5' }, 'USD')).toBe(5);
  });

  it('round-trips every supported currency', () => {
    for (const currency of Object.keys(ANTOM_CURRENCY_EXPONENTS)) {
      expect(fromAntomAmount(toAntomAmount(12300, currency), currency)).toBe(12300);
    }
  });

  it.each([
    [{ currency: 'USD', value: '10.99' }],
    [{ currency: 'USD', value: '-1' }],
    [{ currency: 'USD', value: '1e3' }],
    [{ currency: 'USD', value: ' 1' }],
    [{ currency: 'USD', value: '' }],
    [{ currency: 'USD', value: 1099 }],
    [{ currency: 'USD', value: '99999999999999999' }],
    [{ currency: 'USD', value: '0' }],
    [{ currency: 'XXX', value: '1' }],
    [{ value: '1' }],
    [null],
    ['1099'],
  ])('refuses %j', amount => {
    expect(() => fromAntomAmount(amount)).toThrow(MoneyError);
  });

  it('refuses an amount in another currency than expected', () => {
    expect(() => fromAntomAmount({ currency: 'EUR', value: '1099' }, 'USD')).toThrow(
      /expected an amount in USD/,
    );
  });
});
