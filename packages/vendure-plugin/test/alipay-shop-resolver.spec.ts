import { describe, expect, it } from 'vitest';
import { AlipayPaymentIntentResultResolver } from '../src/api/alipay-shop.resolver';
import type { AlipayPaymentIntentResult } from '../src/types';

describe('AlipayPaymentIntentResult.__resolveType', () => {
  const resolver = new AlipayPaymentIntentResultResolver();

  it.each<AlipayPaymentIntentResult>([
    { __typename: 'AlipayRedirect', url: 'https://openapi.alipay.com/gateway.do?x', outTradeNo: 'A-1' },
    { __typename: 'AlipayForm', html: '<form></form>', outTradeNo: 'A-2' },
    {
      __typename: 'AlipayQrCode',
      qrCode: 'https://qr.alipay.com/x',
      expiresAt: new Date(0),
      outTradeNo: 'A-3',
    },
    {
      __typename: 'AlipayPaymentIntentError',
      errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR',
      reason: 'NO_ACTIVE_ORDER',
      message: 'no',
    },
  ])('resolves $__typename', result => {
    expect(resolver.__resolveType(result)).toBe(result.__typename);
  });
});
