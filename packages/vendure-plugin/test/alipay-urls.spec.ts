import { describe, expect, it } from 'vitest';
import { buildNotifyUrl, buildReturnUrl, buildStorefrontOrderUrl } from '../src/alipay-urls';

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

describe('buildStorefrontOrderUrl', () => {
  it('replaces every :code with the encoded order code', () => {
    expect(buildStorefrontOrderUrl('https://shop.example/order/:code', 'AB12CD34')).toBe(
      'https://shop.example/order/AB12CD34',
    );
    expect(buildStorefrontOrderUrl('https://shop.example/o/:code?ref=:code', 'A&B')).toBe(
      'https://shop.example/o/A%26B?ref=A%26B',
    );
  });
});
