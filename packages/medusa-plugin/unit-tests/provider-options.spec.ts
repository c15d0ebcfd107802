import AlipayProviderService from '../src/providers/alipay/service';

const valid = {
  backendUrl: 'https://api.shop.example',
  storefrontReturnUrl: 'https://shop.example/checkout/alipay',
};

describe('AlipayProviderService.validateOptions', () => {
  it('accepts the two required URLs, with the optional options', () => {
    expect(() => AlipayProviderService.validateOptions(valid)).not.toThrow();
    expect(() =>
      AlipayProviderService.validateOptions({
        ...valid,
        subject: '茶叶店 Tea shop',
        paymentTimeoutMinutes: 30,
        autoRefundOrphanPayments: true,
        settings: { interfaceType: 'legacy-direct', partnerId: '2088101000000001', key: 'a'.repeat(32) },
      }),
    ).not.toThrow();
  });

  it('fails fast without options or with a missing / malformed URL, in both languages', () => {
    expect(() => AlipayProviderService.validateOptions(undefined)).toThrow(
      /backendUrl, storefrontReturnUrl.*至少/,
    );
    expect(() =>
      AlipayProviderService.validateOptions({ storefrontReturnUrl: valid.storefrontReturnUrl }),
    ).toThrow(/"backendUrl" is required.*缺少 "backendUrl"/);
    expect(() => AlipayProviderService.validateOptions({ ...valid, backendUrl: 'ftp://x' })).toThrow(
      /http or https/,
    );
    // Alipay refuses notify/return URLs with a query string.
    expect(() =>
      AlipayProviderService.validateOptions({ ...valid, backendUrl: 'https://api.shop.example/?a=1' }),
    ).toThrow(/query string/);
    expect(() => AlipayProviderService.validateOptions({ ...valid, paymentTimeoutMinutes: 0 })).toThrow(
      /1 to 21600/,
    );
    expect(() =>
      AlipayProviderService.validateOptions({ ...valid, autoRefundOrphanPayments: 'yes' }),
    ).toThrow(/"autoRefundOrphanPayments" must be true or false.*必须是 true 或 false/);
  });

  it('points misplaced credentials to "settings" / the admin, without echoing values', () => {
    const call = () =>
      AlipayProviderService.validateOptions({ ...valid, appId: '2021', key: 'very-secret-md5-key' });
    expect(call).toThrow(/"appId", "key" belong under "settings".*Settings → Alipay/);
    expect(call).toThrow(/设置 → Alipay/);
    try {
      call();
    } catch (error) {
      expect((error as Error).message).not.toContain('very-secret-md5-key');
    }
    expect(() => AlipayProviderService.validateOptions({ ...valid, sandboxMode: true })).toThrow(
      /unknown option\(s\) "sandboxMode"/,
    );
  });

  it('checks complete fallback settings with the core, naming fields but not secret values', () => {
    const call = () =>
      AlipayProviderService.validateOptions({
        ...valid,
        settings: { interfaceType: 'legacy-direct', partnerId: '123', key: 'secret-but-too-short' },
      });
    expect(call).toThrow(/partnerId/);
    expect(call).toThrow(/key must be exactly 32/);
    try {
      call();
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-but-too-short');
    }
    expect(() => AlipayProviderService.validateOptions({ ...valid, settings: { partnerID: 'x' } })).toThrow(
      /unknown field\(s\) in "settings": "partnerID"/,
    );
  });

  it('identifies as "alipay" so that id "alipay" registers pp_alipay_alipay', () => {
    expect(AlipayProviderService.identifier).toBe('alipay');
  });
});
