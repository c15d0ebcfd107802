import { type Bilingual, MoneyError } from '../errors';

/**
 * Antom amounts: `{currency, value}` where `value` is a string of the currency's minor units (`"1099"` for
 * USD 10.99, `"1000"` for JPY 1000). The one conversion between the integer minor units a shop stores and
 * that object, the cross-border twin of `fenToYuan` / `yuanToFen`.
 */

/** An amount as Antom sends and expects it. */
export interface AntomAmount {
  /** ISO 4217 code, upper case. */
  currency: string;
  /** Whole minor units of `currency`, as decimal digits. */
  value: string;
}

/**
 * Decimal places (ISO 4217 exponent) of the currencies this helper accepts. `value` always counts minor
 * units of this exponent. JPY, KRW and VND have none. IDR has two on paper, but rupiah are charged in whole
 * units: its `value` must end in `00` ({@link ANTOM_WHOLE_UNIT_CURRENCIES}).
 */
export const ANTOM_CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AUD: 2,
  BDT: 2,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  IDR: 2,
  INR: 2,
  JPY: 0,
  KRW: 0,
  LKR: 2,
  MOP: 2,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TRY: 2,
  TWD: 2,
  USD: 2,
  VND: 0,
  ZAR: 2,
});

/** Currencies with a minor unit on paper that Antom only takes in whole units (`value` ends in `00`). */
export const ANTOM_WHOLE_UNIT_CURRENCIES: ReadonlySet<string> = new Set(['IDR']);

const HINT: Bilingual = {
  en: 'Antom amounts are whole, positive numbers of the currency’s minor units (cents; yen for JPY; whole rupiah for IDR) in a currency Antom supports.',
  zh: 'Antom 金额必须是受支持币种的最小货币单位的正整数（如美分；日元无小数；印尼盾须为整数卢比）。',
};

function currencyOf(currency: string): { code: string; exponent: number } {
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  const exponent = Object.hasOwn(ANTOM_CURRENCY_EXPONENTS, code) ? ANTOM_CURRENCY_EXPONENTS[code] : undefined;
  if (exponent === undefined) {
    throw new MoneyError(`Antom: unknown or unsupported currency ${JSON.stringify(currency)}`, HINT);
  }
  return { code, exponent };
}

/** Options of the Antom amount helpers. */
export interface AntomAmountOptions {
  /** Accept 0 (refund and fee details may be zero). Default false: a payment is at least one minor unit. */
  allowZero?: boolean;
}

/**
 * Integer minor units → `{currency, value}` (`toAntomAmount(1099, 'usd')` → `{currency: 'USD', value:
 * '1099'}`). Throws {@link MoneyError} for non-integers, negatives (and 0 unless `allowZero`), amounts past
 * `Number.MAX_SAFE_INTEGER`, unknown currencies, and IDR amounts that are not whole rupiah.
 */
export function toAntomAmount(
  minorUnits: number,
  currency: string,
  options: AntomAmountOptions = {},
): AntomAmount {
  const { code } = currencyOf(currency);
  if (!Number.isSafeInteger(minorUnits)) {
    throw new MoneyError(
      `Antom: the amount must be an integer number of ${code} minor units, got ${minorUnits}`,
      HINT,
    );
  }
  if (minorUnits < 0 || (minorUnits === 0 && !options.allowZero)) {
    throw new MoneyError(`Antom: the amount must be positive, got ${minorUnits} ${code} minor units`, HINT);
  }
  if (ANTOM_WHOLE_UNIT_CURRENCIES.has(code) && minorUnits % 100 !== 0) {
    throw new MoneyError(
      `Antom: ${code} amounts are whole units (value ending in 00), got ${minorUnits}`,
      HINT,
    );
  }
  return { currency: code, value: String(minorUnits) };
}

/**
 * `{currency, value}` from Antom → integer minor units, checked against the expected currency when one is
 * given. Parsed as text, never as a float. Throws {@link MoneyError} for a missing or unknown currency, a
 * currency other than `expectedCurrency`, or a `value` that is not plain decimal digits within
 * `Number.MAX_SAFE_INTEGER` (signs, decimals, exponents). Antom's own amounts are taken as sent: the
 * whole-rupiah rule is enforced on what we send, not on what we receive.
 */
export function fromAntomAmount(
  amount: unknown,
  expectedCurrency?: string,
  options: AntomAmountOptions = {},
): number {
  const record = amount !== null && typeof amount === 'object' ? (amount as Record<string, unknown>) : {};
  const currency = record['currency'];
  const value = record['value'];
  if (typeof currency !== 'string' || typeof value !== 'string') {
    throw new MoneyError(`Antom: not an amount object: ${JSON.stringify(amount) ?? String(amount)}`, HINT);
  }
  const { code } = currencyOf(currency);
  if (expectedCurrency !== undefined && code !== expectedCurrency.trim().toUpperCase()) {
    throw new MoneyError(`Antom: expected an amount in ${expectedCurrency}, got ${code}`, HINT);
  }
  if (!/^[0-9]{1,16}$/.test(value)) {
    throw new MoneyError(`Antom: not a minor-unit value: ${JSON.stringify(value)}`, HINT);
  }
  const minorUnits = Number(value);
  if (!Number.isSafeInteger(minorUnits) || (minorUnits === 0 && !options.allowZero)) {
    throw new MoneyError(`Antom: amount out of range: ${value} ${code}`, HINT);
  }
  return minorUnits;
}

/** The number of decimal places of a supported currency (`2` for USD, `0` for JPY); throws {@link MoneyError} otherwise. */
export function antomCurrencyExponent(currency: string): number {
  return currencyOf(currency).exponent;
}
