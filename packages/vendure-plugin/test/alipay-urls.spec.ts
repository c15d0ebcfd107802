import { describe, expect, it } from 'vitest';
import { buildNotifyUrl, buildReturnUrl, buildStorefrontReturnUrl } from '../src/alipay-urls';

describe('endpoint URLs', () => {
  it('puts channel token and payment method code under the controller routes', () => {
    expect(buildNotifyUrl('https://api.shop.example', 'tok', 'alipay-cn')).toBe(
      'https://api.shop.example/payments/alipay/notify/tok/alipay-cn',
    );
    expect(buildReturnUrl('https://api.shop.example', 'tok', 'alipay-cn')).toBe(
      'https://api.shop.example/payments/alipay/return/tok/alipay-cn',
    );
  });

  it('keeps a path prefix and tolerates trailing slashes', () => {
    expect(buildNotifyUrl('https://shop.example/api//', 'tok', 'm')).toBe(
      'https://shop.example/api/payments/alipay/notify/tok/m',
    );
  });

  it('encodes path segments so a token cannot change the path', () => {
    expect(buildNotifyUrl('https://x.example', 'a/b?c', 'm d')).toBe(
      'https://x.example/payments/alipay/notify/a%2Fb%3Fc/m%20d',
    );
  });
});

describe('buildStorefrontReturnUrl', () => {
  it('adds only the status, keeping the page’s own query', () => {
    expect(buildStorefrontReturnUrl('https://shop.example/checkout/alipay', 'paid')).toBe(
      'https://shop.example/checkout/alipay?status=paid',
    );
    expect(buildStorefrontReturnUrl('https://shop.example/r?lang=zh&status=x', 'unverified')).toBe(
      'https://shop.example/r?lang=zh&status=unverified',
    );
  });
});
