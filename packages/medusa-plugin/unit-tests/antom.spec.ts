/**
 * The pure helpers the Antom provider relies on: minor units of two-decimal currencies, the scope of a
 * provider's own settings (standing alone, never merged with the global row), the provider option that
 * names it, the order currency the core's lifecycle reads, and the trade origin of an Antom session.
 */

import { generationOf } from '@alipay-commerce/core/lifecycle';
import {
  configurationOf,
  configurationScope,
  GLOBAL_SCOPE,
  mergeSettings,
  type SettingsRow,
  scopeOfInput,
  scopesToRead,
} from '../src/modules/alipay/settings-rows';
import { validateProviderOptions } from '../src/providers/alipay/options';
import { amountToFen, fenToAmount, minorUnitRefusal } from '../src/trades/money';
import { originOfGeneration, tradeOriginOf } from '../src/trades/trade-origin';

describe('money of two-decimal currencies', () => {
  it('converts USD major units to cents by the same rule as yuan to fen', () => {
    expect(amountToFen(25.99)).toBe(2599);
    expect(amountToFen('0.015')).toBe(2);
    expect(fenToAmount(2599)).toBe('25.99');
  });

  it('takes CNY, USD, EUR; refuses currencies without cents, in both languages', () => {
    expect(minorUnitRefusal('CNY')).toBeUndefined();
    expect(minorUnitRefusal('usd')).toBeUndefined();
    expect(minorUnitRefusal('EUR')).toBeUndefined();
    const jpy = minorUnitRefusal('jpy');
    expect(jpy?.en).toContain('JPY');
    expect(jpy?.zh).toContain('JPY');
    expect(minorUnitRefusal('KWD')?.en).toContain('3');
    // Not a currency at all: the facade's currencyRefusal explains it.
    expect(minorUnitRefusal('not-a-code')).toBeUndefined();
  });
});

describe('settings of a provider of its own (settingsScope)', () => {
  const row = (scope: string, columns: Record<string, unknown>) =>
    ({ id: scope, scope, interface_type: null, charset: null, ...columns }) as unknown as SettingsRow;

  it('stand alone: nothing of the global row, no sales channel overlay', () => {
    const scope = configurationScope('antom');
    expect(scope).toBe('configuration:antom');
    expect(configurationOf(scope)).toBe('antom');
    expect(configurationOf(GLOBAL_SCOPE)).toBeUndefined();
    expect(configurationOf('sc_01')).toBeUndefined();
    expect(scopesToRead(scope)).toEqual([scope]);
    expect(scopesToRead('sc_01')).toEqual([GLOBAL_SCOPE, 'sc_01']);
    expect(scopesToRead(null)).toEqual([GLOBAL_SCOPE]);
    const rows = [
      row(GLOBAL_SCOPE, { interface_type: 'openapi-page', app_id: '2021000000000001', seller_id: '2088' }),
      row(scope, { interface_type: 'antom', antom_client_id: 'SANDBOX_5Y', antom_region: 'SEA' }),
    ];
    const antom = mergeSettings({}, rows, scope);
    expect(antom).toMatchObject({ interfaceType: 'antom', antomClientId: 'SANDBOX_5Y', antomRegion: 'SEA' });
    expect(antom.appId).toBeUndefined();
    expect(antom.sellerId).toBeUndefined();
    expect(mergeSettings({}, rows, null)).toMatchObject({
      interfaceType: 'openapi-page',
      appId: '2021000000000001',
    });
  });

  it('a save names its scope: a configuration, a sales channel or the global settings', () => {
    expect(scopeOfInput({ configuration: 'antom' })).toBe('configuration:antom');
    expect(scopeOfInput({ salesChannelId: 'sc_01' })).toBe('sc_01');
    expect(scopeOfInput({})).toBe(GLOBAL_SCOPE);
  });

  it('the provider option is a short lower-case name', () => {
    const urls = { backendUrl: 'https://api.shop.example', storefrontReturnUrl: 'https://shop.example/r' };
    expect(() => validateProviderOptions({ ...urls, settingsScope: 'antom' })).not.toThrow();
    for (const bad of ['', 'Antom', 'a b', 'x'.repeat(40), 7]) {
      expect(() => validateProviderOptions({ ...urls, settingsScope: bad })).toThrow(/settingsScope.*/);
    }
  });
});

describe('Antom trades in the lifecycle', () => {
  it('an Antom session’s origin says antom, recorded or inferred from the cashier payment', () => {
    expect(
      tradeOriginOf({ interface: 'CASHIER_PAYMENT', interface_type: 'antom', gateway: 'SEA' }),
    ).toMatchObject({
      interfaceType: 'antom',
    });
    expect(tradeOriginOf({ interface: 'CASHIER_PAYMENT' })).toEqual({
      interfaceType: 'antom',
      exact: false,
      createdWith: null,
    });
    expect(originOfGeneration('antom').interfaceType).toBe('antom');
    expect([generationOf('antom'), generationOf('openapi-page'), generationOf('legacy-direct')]).toEqual([
      'antom',
      'openapi',
      'legacy',
    ]);
  });
});
