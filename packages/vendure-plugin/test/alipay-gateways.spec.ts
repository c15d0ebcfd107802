/**
 * The Vendure side of "which settings serve a trade": the facades built per payment method and trade
 * origin. The rule itself (`generationOf`, `settingsForTrade`, `tradeSettingsOf`) is the core's and is
 * tested there (`packages/core/test/lifecycle/trade-origin.test.ts`).
 */
import type { PaymentMethod } from '@vendure/core';
import { describe, expect, it } from 'vitest';
import { AlipayGateways, tradeSettingsMessage } from '../src/alipay-gateways';

const LEGACY = {
  partnerId: '2088101000000001',
  key: 'k'.repeat(32),
  sellerEmail: 'seller-a@sandbox.alipay.test',
};

function method(values: Record<string, string>, id = 1): PaymentMethod {
  return {
    id,
    code: 'alipay-both',
    handler: { code: 'alipay', args: Object.entries(values).map(([name, value]) => ({ name, value })) },
  } as unknown as PaymentMethod;
}

describe('AlipayGateways', () => {
  it('builds a trade’s facade with its own generation and caches it per settings', () => {
    const gateways = new AlipayGateways(undefined);
    const both = method({ interfaceType: 'openapi-page', gateway: 'production', ...LEGACY });
    const origin = { outTradeNo: 'A-1', interfaceType: 'legacy-direct', createdWith: null };
    const first = gateways.forTrade(both, origin);
    expect(first.ok && first.alipay.generation).toBe('legacy');
    expect(first.ok && first.interfaceType).toBe('legacy-direct');
    const again = gateways.forTrade(both, origin);
    expect(again.ok && first.ok && again.alipay === first.alipay).toBe(true);
    const changed = gateways.forTrade(
      method({ interfaceType: 'openapi-page', gateway: 'production', ...LEGACY, sellerEmail: 'b@x.test' }),
      origin,
    );
    expect(changed.ok && first.ok && changed.alipay !== first.alipay).toBe(true);
  });

  it('fails with a bilingual message naming the missing fields, never a value, and never falls back', () => {
    const gateways = new AlipayGateways(undefined);
    const openApiOnly = method({
      interfaceType: 'openapi-page',
      gateway: 'production',
      sellerEmail: LEGACY.sellerEmail,
      appPrivateKey: 'secret-private-key-value',
    });
    const result = gateways.forTrade(openApiOnly, {
      outTradeNo: 'A-9',
      interfaceType: 'legacy-escrow',
      createdWith: null,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(i => i.field)).toEqual(expect.arrayContaining(['partnerId', 'key']));
    expect(result.message.en).toContain('Trade A-9 was made with the legacy (partner + MD5 key) interface');
    expect(result.message.en).toContain('no longer has usable legacy settings');
    expect(result.message.zh).toContain('旧版');
    expect(`${result.message.en}${result.message.zh}`).not.toContain('secret-private-key-value');
    expect(result.message.en).not.toContain('\n');
  });
});

describe('tradeSettingsMessage', () => {
  it('is the plain field list when the trade and the method are of one generation', () => {
    const issues = [{ field: 'key', message: { en: 'key is required.', zh: 'key 为必填项。' } }];
    expect(
      tradeSettingsMessage(
        'm',
        { outTradeNo: 'A-1', interfaceType: 'legacy-direct', createdWith: null },
        'legacy-escrow',
        issues,
      ),
    ).toEqual({ en: 'key: key is required.', zh: 'key：key 为必填项。' });
  });
});
