/**
 * Antom amounts: `{currency, value}` with `value` a string of minor units, following each currency's
 * exponent (JPY and KRW have none; IDR is written with two decimals that must be `00`), and the
 * sandbox's fixed exchange rates to CNY, which the cashier uses to show what an Alipay (CN) buyer pays.
 * Written here independently of the core's money code.
 */

/** Digits after the decimal point of each currency the sandbox accepts (ISO 4217). */
export const ANTOM_CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  AUD: 2,
  CAD: 2,
  CNY: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  IDR: 2,
  JPY: 0,
  KRW: 0,
  MYR: 2,
  NZD: 2,
  PHP: 2,
  SGD: 2,
  THB: 2,
  USD: 2,
};

/**
 * The sandbox's fixed exchange rates: CNY for one unit of each currency. Documented in the README; a
 * test can compute the CNY amount the cashier shows from them. Real rates move; these never do.
 */
export const SANDBOX_FX_TO_CNY: Readonly<Record<string, string>> = {
  AUD: '4.7',
  CAD: '5.2',
  CNY: '1',
  EUR: '7.8',
  GBP: '9.1',
  HKD: '0.92',
  IDR: '0.00045',
  JPY: '0.048',
  KRW: '0.0052',
  MYR: '1.55',
  NZD: '4.3',
  PHP: '0.125',
  SGD: '5.35',
  THB: '0.2',
  USD: '7.2',
};

/** The least an Alipay (CN) buyer can pay: 0.1 CNY, in fen. */
export const MIN_CNY_FEN = 10;

/** An amount after checking. */
export interface AntomAmount {
  currency: string;
  /** Minor units, as sent. */
  value: string;
  minor: bigint;
}

/** Why an amount is refused. */
export type AmountProblem = 'currency' | 'value';

/** Checks `{currency, value}`; returns the amount or what is wrong with it. */
export function checkAntomAmount(input: unknown): AntomAmount | { problem: AmountProblem; detail: string } {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return { problem: 'value', detail: 'must be an object {currency, value}' };
  const { currency, value } = input as Record<string, unknown>;
  if (typeof currency !== 'string' || !(currency in ANTOM_CURRENCY_EXPONENTS))
    return { problem: 'currency', detail: `currency ${String(currency)} is not supported by the sandbox` };
  if (typeof value !== 'string' || !/^[1-9]\d{0,15}$/.test(value))
    return { problem: 'value', detail: 'value must be a string of minor units, a positive integer' };
  if (currency === 'IDR' && !value.endsWith('00'))
    return { problem: 'value', detail: 'an IDR value must end in 00 (whole rupiah)' };
  return { currency, value, minor: BigInt(value) };
}

/** Writes minor units as a decimal amount of the currency (`1234` USD → `12.34`, `500` JPY → `500`). */
export function formatMajor(minor: bigint, currency: string): string {
  const exponent = ANTOM_CURRENCY_EXPONENTS[currency] ?? 2;
  if (exponent === 0) return minor.toString();
  const text = minor.toString().padStart(exponent + 1, '0');
  return `${text.slice(0, -exponent)}.${text.slice(-exponent)}`;
}

/**
 * What an Alipay (CN) buyer pays in fen at the sandbox's rate: rounded half up, at least
 * {@link MIN_CNY_FEN}.
 */
export function cnyFenOf(minor: bigint, currency: string): number {
  const rate = SANDBOX_FX_TO_CNY[currency] ?? '1';
  const [whole, fraction = ''] = rate.split('.');
  const rateScaled = BigInt(`${whole}${fraction}`);
  const rateDivisor = 10n ** BigInt(fraction.length);
  const divisor = 10n ** BigInt(ANTOM_CURRENCY_EXPONENTS[currency] ?? 2) * rateDivisor;
  const numerator = minor * rateScaled * 100n;
  const fen = (numerator * 2n + divisor) / (divisor * 2n);
  return Math.max(MIN_CNY_FEN, Number(fen));
}

/** Fen as yuan text (`720` → `7.20`). */
export function formatCny(fen: number): string {
  return formatMajor(BigInt(fen), 'CNY');
}
