import { MoneyError } from './errors';

/** Smallest amount Alipay accepts, in fen (0.01 CNY). */
export const MIN_AMOUNT_FEN = 1;
/** Largest amount Alipay accepts, in fen (100000000.00 CNY). */
export const MAX_AMOUNT_FEN = 10_000_000_000;

const YUAN_PATTERN = /^(0|[1-9][0-9]{0,8})(?:\.([0-9]{1,2}))?$/;

/** Options of the money helpers. */
export interface MoneyOptions {
  /** ISO currency of the amount; anything but CNY is refused. Default `CNY`. */
  currency?: string;
  /** Accept 0 (fees and refund details may be `0.00`). Default false. */
  allowZero?: boolean;
}

function checkCurrency(currency: string | undefined): void {
  if (currency !== undefined && currency.toUpperCase() !== 'CNY') {
    throw new MoneyError(`Alipay (domestic) settles in CNY only, got ${JSON.stringify(currency)}`);
  }
}

function checkRange(fen: number, allowZero: boolean | undefined): void {
  if (!Number.isSafeInteger(fen)) throw new MoneyError(`amount must be an integer number of fen, got ${fen}`);
  const min = allowZero ? 0 : MIN_AMOUNT_FEN;
  if (fen < min || fen > MAX_AMOUNT_FEN) {
    throw new MoneyError(`amount ${fen} fen is outside ${min === 0 ? '0.00' : '0.01'}–100000000.00 CNY`);
  }
}

/**
 * Integer fen → the yuan string Alipay expects (`1` → `"0.01"`, `12345` → `"123.45"`). Exact: no floats.
 * Throws {@link MoneyError} for non-integers, non-CNY currencies and amounts outside 0.01–100000000.00.
 */
export function fenToYuan(fen: number, options: MoneyOptions = {}): string {
  checkCurrency(options.currency);
  checkRange(fen, options.allowZero);
  const whole = Math.trunc(fen / 100);
  const cents = fen % 100;
  return `${whole}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * A yuan string from Alipay (`"0.01"`, `"88.8"`, `"100"`) → integer fen. Exact: parsed as text, never as a
 * float. Throws {@link MoneyError} on anything else (signs, exponents, three decimals, out of range).
 */
export function yuanToFen(yuan: string, options: MoneyOptions = {}): number {
  checkCurrency(options.currency);
  const match = typeof yuan === 'string' ? YUAN_PATTERN.exec(yuan) : null;
  if (!match) throw new MoneyError(`not a yuan amount: ${JSON.stringify(yuan)}`);
  const whole = Number(match[1]);
  const decimals = (match[2] ?? '').padEnd(2, '0');
  const fen = whole * 100 + Number(decimals);
  checkRange(fen, options.allowZero);
  return fen;
}
