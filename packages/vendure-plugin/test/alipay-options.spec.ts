import { describe, expect, it } from 'vitest';
import {
  type AlipayPluginOptions,
  AlipayPluginOptionsError,
  DEFAULT_PENDING_AFTER_MINUTES,
  DEFAULT_RECONCILIATION_INTERVAL_MINUTES,
  DEFAULT_SHIPMENT_CONFIRMATION_RETRIES,
  resolveAlipayPluginOptions,
} from '../src/alipay-options';

const valid: AlipayPluginOptions = {
  publicBaseUrl: 'https://api.shop.example/',
  storefrontReturnUrl: 'https://shop.example/checkout/alipay',
};

describe('resolveAlipayPluginOptions', () => {
  it('fills in defaults and strips the trailing slash of publicBaseUrl', () => {
    expect(resolveAlipayPluginOptions(valid)).toEqual({
      publicBaseUrl: 'https://api.shop.example',
      storefrontReturnUrl: 'https://shop.example/checkout/alipay',
      reconciliationIntervalMinutes: DEFAULT_RECONCILIATION_INTERVAL_MINUTES,
      pendingAfterMinutes: DEFAULT_PENDING_AFTER_MINUTES,
      autoRefundOrphanPayments: false,
      shipmentConfirmationRetries: DEFAULT_SHIPMENT_CONFIRMATION_RETRIES,
      paymentTimeoutMinutes: undefined,
      http: {},
      goodsType: undefined,
      settingsPolicy: { allowedGatewayOrigins: [], allowLoopbackGateway: false, envPrefix: 'ALIPAY_' },
    });
  });

  it('keeps explicit values, including 0 to disable reconciliation', () => {
    const resolved = resolveAlipayPluginOptions({
      ...valid,
      publicBaseUrl: 'http://127.0.0.1:3000/vendure',
      reconciliationIntervalMinutes: 0,
      pendingAfterMinutes: 30,
      autoRefundOrphanPayments: true,
    });
    expect(resolved.publicBaseUrl).toBe('http://127.0.0.1:3000/vendure');
    expect(resolved.reconciliationIntervalMinutes).toBe(0);
    expect(resolved.pendingAfterMinutes).toBe(30);
    expect(resolved.autoRefundOrphanPayments).toBe(true);
  });

  it('refuses the options of earlier versions that named the order, saying what replaces them (issue 15)', () => {
    // A configuration written for the order-page redirect must not start and keep leaking: it stops
    // with the new option's name, in English and Chinese.
    for (const removed of [
      { storefrontOrderUrl: 'https://shop.example/order/:code' },
      { storefrontHomeUrl: 'https://shop.example/' },
    ]) {
      const old = { ...valid, ...removed } as unknown as AlipayPluginOptions;
      expect(() => resolveAlipayPluginOptions(old)).toThrow(AlipayPluginOptionsError);
      expect(() => resolveAlipayPluginOptions(old)).toThrow(/was removed: set "storefrontReturnUrl".*已移除/);
    }
    const { storefrontReturnUrl: _, ...withoutReturnUrl } = valid;
    const oldOnly = {
      ...withoutReturnUrl,
      storefrontOrderUrl: 'https://shop.example/order/:code',
    } as unknown as AlipayPluginOptions;
    expect(() => resolveAlipayPluginOptions(oldOnly)).toThrow(/storefrontOrderUrl" was removed/);
  });

  it.each([
    [{ publicBaseUrl: '' }, /publicBaseUrl.*required/],
    [{ publicBaseUrl: 'api.shop.example' }, /publicBaseUrl.*absolute URL/],
    [{ publicBaseUrl: 'ftp://api.shop.example' }, /publicBaseUrl.*http/],
    [{ publicBaseUrl: 'https://api.shop.example?x=1' }, /publicBaseUrl.*query/],
    [{ storefrontReturnUrl: '' }, /storefrontReturnUrl.*required/],
    [{ storefrontReturnUrl: '/checkout/alipay' }, /storefrontReturnUrl.*absolute URL/],
    [
      { storefrontReturnUrl: 'https://shop.example/order/:code' },
      /storefrontReturnUrl" must not contain ":code".*不能包含/,
    ],
    [{ reconciliationIntervalMinutes: -1 }, /reconciliationIntervalMinutes.*>= 0/],
    [{ pendingAfterMinutes: 0 }, /pendingAfterMinutes.*>= 1/],
    [{ pendingAfterMinutes: 2.5 }, /pendingAfterMinutes.*integer/],
    [{ shipmentConfirmationRetries: -1 }, /shipmentConfirmationRetries.*>= 0/],
    [{ paymentTimeoutMinutes: 0 }, /paymentTimeoutMinutes.*>= 1/],
    [{ http: { timeoutMs: 0 } }, /http\.timeoutMs.*>= 1/],
  ] as Array<[Partial<AlipayPluginOptions>, RegExp]>)('rejects %o', (override, message) => {
    expect(() => resolveAlipayPluginOptions({ ...valid, ...override })).toThrow(AlipayPluginOptionsError);
    expect(() => resolveAlipayPluginOptions({ ...valid, ...override })).toThrow(message);
  });

  it('rejects a non-boolean autoRefundOrphanPayments from untyped callers', () => {
    const untyped = { ...valid, autoRefundOrphanPayments: 'yes' } as unknown as AlipayPluginOptions;
    expect(() => resolveAlipayPluginOptions(untyped)).toThrow(/autoRefundOrphanPayments/);
  });
});
