import AlipayProviderService from '../src/providers/alipay/service';

describe('AlipayProviderService.validateOptions', () => {
  it('accepts no options or an empty object', () => {
    expect(() => AlipayProviderService.validateOptions(undefined)).not.toThrow();
    expect(() => AlipayProviderService.validateOptions({})).not.toThrow();
  });

  it('rejects credentials in medusa-config and says where they belong, without echoing values', () => {
    const call = () => AlipayProviderService.validateOptions({ appId: '2021', key: 'very-secret-md5-key' });
    expect(call).toThrow(/does not read "appId", "key" from medusa-config.*Settings → Alipay/);
    expect(call).toThrow(/设置 → Alipay/);
    try {
      call();
    } catch (error) {
      expect((error as Error).message).not.toContain('very-secret-md5-key');
    }
  });

  it('rejects any other option by name', () => {
    expect(() => AlipayProviderService.validateOptions({ sandboxMode: true })).toThrow(
      /Unknown option\(s\) "sandboxMode".*takes no options/,
    );
  });

  it('identifies as "alipay" so that id "alipay" registers pp_alipay_alipay', () => {
    expect(AlipayProviderService.identifier).toBe('alipay');
  });
});
