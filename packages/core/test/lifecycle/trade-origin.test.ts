import { describe, expect, it } from 'vitest';
import {
  generationOf,
  settingsForTrade,
  type TradeOrigin,
  tradeSettingsOf,
  UNKNOWN_TRADE_GATEWAY_ISSUE,
} from '../../src/lifecycle';
import type { AlipaySettings } from '../../src/settings-fields';

const BOTH = {
  interfaceType: 'openapi-page',
  gateway: 'http://127.0.0.1:4010/openapi',
  partnerId: '2088101000000001',
  key: 'legacy-md5-key',
  sellerId: '2088000000000002',
  appId: '2021000000000001',
  appPrivateKey: 'private-key',
};

/** The settings `settingsForTrade` gives, failing the test when it refuses. */
function settingsOf(current: AlipaySettings, origin: TradeOrigin): AlipaySettings {
  const result = settingsForTrade(current, origin);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.issues)}`);
  return result.settings;
}

describe('which settings serve an existing trade', () => {
  it('tells the generation of an interface type', () => {
    expect(generationOf('legacy-direct')).toBe('legacy');
    expect(generationOf('legacy-escrow')).toBe('legacy');
    expect(generationOf('openapi-page-wap')).toBe('openapi');
    expect(generationOf('antom')).toBe('antom');
  });

  it('records only the non-empty shared settings with a new trade, never a secret', () => {
    expect(tradeSettingsOf({ ...BOTH, sellerEmail: '' })).toEqual({
      gateway: BOTH.gateway,
      sellerId: BOTH.sellerId,
    });
  });

  it('serves a trade of the current generation with the current values (a corrected gateway applies)', () => {
    const settings = settingsOf(BOTH, {
      interfaceType: 'openapi-page-wap',
      createdWith: { gateway: 'http://old.example/gateway', sellerId: 'old' },
    });
    expect(settings).toEqual({ ...BOTH, interfaceType: 'openapi-page-wap' });
  });

  it('serves a trade of the other generation with the shared values it recorded', () => {
    const settings = settingsOf(BOTH, {
      interfaceType: 'legacy-direct',
      createdWith: {
        gateway: 'http://127.0.0.1:4010/gateway.do',
        sellerEmail: 'seller-a@sandbox.alipay.test',
      },
    });
    expect(settings.interfaceType).toBe('legacy-direct');
    expect(settings.gateway).toBe('http://127.0.0.1:4010/gateway.do');
    expect(settings.sellerEmail).toBe('seller-a@sandbox.alipay.test');
    // Not recorded with the trade: the current generation's seller is not the trade's.
    expect(settings).not.toHaveProperty('sellerId');
    expect(settings.key).toBe('legacy-md5-key');
  });

  it('keeps the current values when the trade recorded nothing and the gateway is a named one', () => {
    const named = { ...BOTH, gateway: 'production' };
    expect(settingsOf(named, { interfaceType: 'legacy-direct', createdWith: null })).toEqual({
      ...named,
      interfaceType: 'legacy-direct',
    });
    expect(
      settingsOf({ ...BOTH, gateway: undefined }, { interfaceType: 'legacy-direct', createdWith: null }),
    ).toMatchObject({
      interfaceType: 'legacy-direct',
      key: 'legacy-md5-key',
    });
  });

  it('refuses a trade of the other generation that recorded nothing when the gateway is a custom URL', () => {
    // The URL is the current (OpenAPI) generation's: sending a legacy call there would reach the wrong gateway.
    expect(settingsForTrade(BOTH, { interfaceType: 'legacy-direct', createdWith: null })).toEqual({
      ok: false,
      issues: [UNKNOWN_TRADE_GATEWAY_ISSUE],
    });
    // Within the generation the custom URL is the trade's own.
    expect(settingsForTrade(BOTH, { interfaceType: 'openapi-qr', createdWith: null }).ok).toBe(true);
  });

  it('serves an inferred origin of the current generation with the current interface type', () => {
    const origin = { interfaceType: 'openapi-page', createdWith: null, exact: false };
    expect(settingsOf({ ...BOTH, interfaceType: 'openapi-page-wap' }, origin)).toEqual({
      ...BOTH,
      interfaceType: 'openapi-page-wap',
    });
    // Recorded exactly, the trade's own interface type serves it.
    expect(
      settingsOf({ ...BOTH, interfaceType: 'openapi-page-wap' }, { ...origin, exact: true }).interfaceType,
    ).toBe('openapi-page');
  });

  it('treats settings without an interface type as the other generation (the trade records what it needs)', () => {
    const settings = settingsOf(
      { ...BOTH, interfaceType: '' },
      { interfaceType: 'legacy-direct', createdWith: { gateway: 'http://127.0.0.1:4010/gateway.do' } },
    );
    expect(settings).toMatchObject({
      interfaceType: 'legacy-direct',
      gateway: 'http://127.0.0.1:4010/gateway.do',
    });
    expect(settings).not.toHaveProperty('sellerId');
  });
});
