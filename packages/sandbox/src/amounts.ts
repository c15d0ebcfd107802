import type { LogisticsOption } from './trade-store';

/**
 * Escrow amounts. Decision (Alipay's docs are unclear): total = price × quantity − discount + the chosen
 * logistics fee when the buyer pays it up front (`BUYER_PAY`). With `SELLER_PAY` the seller bears the fee
 * and with `BUYER_PAY_AFTER_RECEIVE` the buyer pays the courier on delivery, so neither is in the total.
 */
export function escrowTotalFen(
  priceFen: number,
  quantity: number,
  discountFen: number,
  option?: LogisticsOption,
): number {
  const goods = priceFen * quantity - discountFen;
  return option && option.payment === 'BUYER_PAY' ? goods + option.feeFen : goods;
}

const YUAN = /^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$/;

/** A yuan string → fen, or undefined when it is not a plain amount with at most two decimals. */
export function parseYuan(text: string | undefined): number | undefined {
  if (text === undefined || !YUAN.test(text)) return undefined;
  const [whole, decimals = ''] = text.split('.');
  return Number(whole) * 100 + Number(decimals.padEnd(2, '0'));
}

/** Smallest and largest amounts Alipay accepts, in fen. */
export const MIN_FEN = 1;
/** 100000000.00 yuan. */
export const MAX_FEN = 10_000_000_000;

/**
 * Integer fen → the yuan text the gateway writes (`1` → `"0.01"`, `0` → `"0.00"`): digits moved, no
 * floating point. The sandbox's own, so that it checks the core's money conversion instead of sharing it.
 */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not an amount in fen: ${fen}`);
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
