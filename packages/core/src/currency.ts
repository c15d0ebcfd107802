import type { Bilingual } from './errors';

/**
 * Which orders Alipay can take at all: its domestic interfaces (both generations) settle in Chinese yuan
 * only. The adapters ask here before offering Alipay (Vendure's eligibility checker) or starting a trade
 * (Medusa's provider), so the rule and its wording live once.
 */

/** The only currency Alipay's domestic interfaces accept (ISO 4217). */
export const ALIPAY_CURRENCY = 'CNY';

/** Whether an order in `currency` (an ISO code, any case) can be paid with Alipay. */
export function isAlipayCurrency(currency: string | null | undefined): boolean {
  return typeof currency === 'string' && currency.trim().toUpperCase() === ALIPAY_CURRENCY;
}

/**
 * Why an order in `currency` cannot be paid with Alipay, in English and Chinese, safe to show to the buyer
 * and telling the merchant what to change; `undefined` when the currency is CNY.
 */
export function currencyRefusal(currency: string | null | undefined): Bilingual | undefined {
  if (isAlipayCurrency(currency)) return undefined;
  const code =
    typeof currency === 'string' && currency.trim() !== '' ? currency.trim().toUpperCase() : 'unknown';
  const codeZh = code === 'unknown' ? '未知' : code;
  return {
    en: `Alipay accepts payments in Chinese yuan (CNY) only, and this order is in ${code}. Alipay is offered where the shop sells in CNY (a CNY channel or region, with CNY prices).`,
    zh: `支付宝仅支持人民币（CNY）付款，此订单的币种为 ${codeZh}。商店须以人民币销售（人民币渠道或区域，并设置人民币价格）才能使用支付宝。`,
  };
}
