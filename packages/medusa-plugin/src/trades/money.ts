/**
 * Money at the edge between Medusa and the core. Medusa amounts are major units (yuan) as
 * `BigNumberInput` (number, string, BigNumber or raw `{ value }`); the core works in integer fen.
 * Conversions go through decimal strings, never through floating-point arithmetic.
 *
 * @packageDocumentation
 */
import { fenToYuan, yuanToFen } from '@alipay-commerce/core';
import type { BigNumberInput } from '@medusajs/framework/types';
import { BigNumber, MedusaError } from '@medusajs/framework/utils';

/**
 * A Medusa amount in yuan → integer fen: fixed to 2 decimals (half-up, as Medusa rounds currency
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
      `${(error as Error).message} / 金额超出支付宝允许的范围（0.01 – 100000000.00 元）。`,
    );
  }
}

/** Integer fen → a yuan string (`12345` → `"123.45"`), the form Medusa accepts as a precise amount. */
export function fenToAmount(fen: number): string {
  return fenToYuan(fen, { allowZero: true });
}
