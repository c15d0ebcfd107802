/**
 * Money at the edge between Medusa and the core. Medusa amounts are major units (yuan, dollars) as
 * `BigNumberInput` (number, string, BigNumber or raw `{ value }`); the core works in integer minor units
 * (fen, cents). Conversions go through decimal strings, never through floating-point arithmetic. The
 * plugin takes currencies with two decimals (CNY, and for Antom USD, EUR, HKD, SGD…): for all of them the
 * rule is the same, so one pair of functions serves every currency; others are refused at the start.
 *
 * @packageDocumentation
 */
import { type Bilingual, fenToYuan, yuanToFen } from '@alipay-commerce/core';
import type { BigNumberInput } from '@medusajs/framework/types';
import { BigNumber, MedusaError } from '@medusajs/framework/utils';

/**
 * Why this plugin cannot take an order in `currency` even where the payment method could: its amounts
 * (sessions, trades, refunds) are kept with two decimals, so a currency without cents (JPY, KRW) or with
 * three decimals is refused before a trade starts, in English and Chinese. `undefined` for CNY, USD, EUR….
 * Currencies the core does not know are the facade's `currencyRefusal` to explain. The decimals are
 * ISO 4217's, as the platform's `Intl` knows them (the core keeps its Antom table below the facade).
 */
export function minorUnitRefusal(currency: string): Bilingual | undefined {
  let exponent: number | undefined;
  try {
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return undefined;
  }
  if (exponent === undefined) return undefined;
  if (exponent === 2) return undefined;
  const code = currency.trim().toUpperCase();
  return {
    en: `Alipay for Medusa takes currencies with two decimals (cents) only; ${code} has ${exponent}.`,
    zh: `Medusa 支付宝插件仅支持两位小数（分）的币种；${code} 有 ${exponent} 位小数。`,
  };
}

/**
 * A Medusa amount in major units (yuan, dollars) → integer minor units (fen, cents) of a two-decimal
 * currency (see {@link minorUnitRefusal}): fixed to 2 decimals (half-up, as Medusa rounds currency
 * amounts for display) and parsed as text by the core's `yuanToFen`. Every place compares amounts
 * through this one function, so the session amount, the trade amount sent to Alipay and the amount
 * checked in notifications always agree. Refuses amounts outside Alipay's 0.01 – 100000000.00 range.
 */
export function amountToFen(amount: BigNumberInput, options: { allowZero?: boolean } = {}): number {
  const decimal = new BigNumber(amount).bigNumber;
  if (!decimal?.isFinite()) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Not an amount: ${String(amount)} / 金额无效`);
  }
  const fixed = decimal.toFixed(2, 4 /* bignumber.js ROUND_HALF_UP */);
  try {
    return yuanToFen(fixed, { allowZero: options.allowZero ?? false });
  } catch (error) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${(error as Error).message} / 金额超出支付宝允许的范围（0.01 – 100000000.00）。`,
    );
  }
}

/** Integer minor units → a major-unit string (`12345` → `"123.45"`), the form Medusa accepts as a precise amount. */
export function fenToAmount(fen: number): string {
  return fenToYuan(fen, { allowZero: true });
}
