import { describe, expect, it } from 'vitest';
import { generationOf, settingsForTrade, tradeSettingsOf } from '../../src/lifecycle';

const BOTH = {
  interfaceType: 'openapi-page',
  gateway: 'http://127.0.0.1:4010/openapi',
  partnerId: '2088101000000001',
  key: 'legacy-md5-key',
  sellerId: '2088000000000002',
  appId: '2021000000000001',
  appPrivateKey: 'private-key',
};

describe('which settings serve an existing trade', () => {
  it('tells the generation of an interface type', () => {
    expect(generationOf('legacy-direct')).toBe('legacy');
    expect(generationOf('legacy-escrow')).toBe('legacy');
    expect(generationOf('openapi-page-wap')).toBe('openapi');
  });

  it('records only the non-empty shared settings with a new trade, never a secret', () => {
    expect(tradeSettingsOf({ ...BOTH, sellerEmail: '' })).toEqual({
      gateway: BOTH.gateway,
      sellerId: BOTH.sellerId,
    });
  });

  it('serves a trade of the current generation with the current values (a corrected gateway applies)', () => {
    const settings = settingsForTrade(BOTH, {
      interfaceType: 'openapi-page-wap',
      createdWith: { gateway: 'http://old.example/gateway', sellerId: 'old' },
    });
    expect(settings).toEqual({ ...BOTH, interfaceType: 'openapi-page-wap' });
  });

  it('serves a trade of the other generation with the shared values it recorded', () => {
    const settings = settingsForTrade(BOTH, {
      interfaceType: 'legacy-direct',
      createdWith: { gateway: 'http://127.0.0.1:4010/gateway.do' },
    });
    expect(settings.interfaceType).toBe('legacy-direct');
    expect(settings.gateway).toBe('http://127.0.0.1:4010/gateway.do');
    // Not recorded with the trade: the current generation's seller is not the trade's.
    expect(settings).not.toHaveProperty('sellerId');
    expect(settings.key).toBe('legacy-md5-key');
  });

  it('keeps the current values when the trade recorded nothing', () => {
    expect(settingsForTrade(BOTH, { interfaceType: 'legacy-direct', createdWith: null })).toEqual({
      ...BOTH,
      interfaceType: 'legacy-direct',
    });
  });
});
