import { generationOf, settingsForTrade, tradeSettingsOf } from '@alipay-commerce/core/lifecycle';
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

describe('generationOf', () => {
  it('reads the generation from the interface type', () => {
    expect(generationOf('legacy-escrow')).toBe('legacy');
    expect(generationOf('openapi-page-wap')).toBe('openapi');
  });
});

describe('settingsForTrade', () => {
  const current = {
    interfaceType: 'openapi-page',
    gateway: 'http://127.0.0.1:7010/openapi/gateway.do',
    sellerId: '2088101000000011',
    appId: '2021000000000001',
    ...LEGACY,
  };

  it('uses the trade’s interface type and, across generations, the shared settings it recorded', () => {
    const result = settingsForTrade(current, {
      outTradeNo: 'A-1',
      interfaceType: 'legacy-direct',
      createdWith: { gateway: 'http://127.0.0.1:7010/gateway.do', sellerEmail: LEGACY.sellerEmail },
    });
    if (!result.ok) throw new Error('refused');
    const settings = result.settings;
    expect(settings).toMatchObject({
      interfaceType: 'legacy-direct',
      gateway: 'http://127.0.0.1:7010/gateway.do',
      partnerId: LEGACY.partnerId,
      key: LEGACY.key,
      sellerEmail: LEGACY.sellerEmail,
    });
    // The OpenAPI seller ID is not the legacy seller.
    expect(settings.sellerId).toBeUndefined();
  });

  it('keeps the current shared settings within a generation and for trades that recorded none', () => {
    expect(
      settingsForTrade(current, {
        outTradeNo: 'A-2',
        interfaceType: 'openapi-qr',
        createdWith: { gateway: 'production' },
      }),
    ).toEqual({ ok: true, settings: { ...current, interfaceType: 'openapi-qr' } });
    // A named gateway resolves per generation; the current custom URL is the OpenAPI one and is refused.
    const named = { ...current, gateway: 'production' };
    expect(
      settingsForTrade(named, { outTradeNo: 'A-3', interfaceType: 'legacy-direct', createdWith: null }),
    ).toEqual({ ok: true, settings: { ...named, interfaceType: 'legacy-direct' } });
    expect(
      settingsForTrade(current, { outTradeNo: 'A-3', interfaceType: 'legacy-direct', createdWith: null }).ok,
    ).toBe(false);
  });
});

describe('tradeSettingsOf', () => {
  it('records the shared, non-secret settings only', () => {
    expect(tradeSettingsOf({ interfaceType: 'legacy-direct', gateway: 'production', ...LEGACY })).toEqual({
      gateway: 'production',
      sellerEmail: LEGACY.sellerEmail,
    });
  });
});

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
