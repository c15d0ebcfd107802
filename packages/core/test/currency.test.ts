import { describe, expect, it } from 'vitest';
import { ALIPAY_CURRENCY, currencyRefusal, isAlipayCurrency } from '../src/currency';

describe('the currency Alipay takes', () => {
  it.each(['CNY', 'cny', ' Cny '])('%j is Alipay’s currency: no refusal', currency => {
    expect(isAlipayCurrency(currency)).toBe(true);
    expect(currencyRefusal(currency)).toBeUndefined();
  });

  it('refuses any other currency in English and Chinese, naming it and what the shop must change', () => {
    expect(ALIPAY_CURRENCY).toBe('CNY');
    expect(isAlipayCurrency('usd')).toBe(false);
    const refusal = currencyRefusal('usd');
    expect(refusal?.en).toContain('(CNY) only');
    expect(refusal?.en).toContain('this order is in USD');
    expect(refusal?.zh).toContain('仅支持人民币');
    expect(refusal?.zh).toContain('USD');
  });

  it.each([undefined, null, '', '  '])('refuses a missing currency (%j) without printing it', currency => {
    expect(isAlipayCurrency(currency)).toBe(false);
    expect(currencyRefusal(currency)?.en).toContain('this order is in unknown');
    expect(currencyRefusal(currency)?.zh).toContain('未知');
  });
});
