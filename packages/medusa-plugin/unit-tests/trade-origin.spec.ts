import { generationOf } from '@alipay-commerce/core/lifecycle';
import { originOfGeneration, tradeOriginOf } from '../src/trades/trade-origin';

describe('tradeOriginOf (which generation handles an existing trade)', () => {
  it('reads the interface type, gateway and seller the provider recorded', () => {
    expect(
      tradeOriginOf({
        interface: 'create_direct_pay_by_user',
        interface_type: 'legacy-direct',
        gateway: 'http://127.0.0.1:7010/gateway.do',
        seller_email: 'seller@example.com',
        seller_id: null,
      }),
    ).toEqual({
      interfaceType: 'legacy-direct',
      createdWith: { gateway: 'http://127.0.0.1:7010/gateway.do', sellerEmail: 'seller@example.com' },
    });
    // Recorded with no seller configured: the trade has none (not "unknown").
    expect(tradeOriginOf({ interface_type: 'openapi-page', seller_email: null, seller_id: null })).toEqual({
      interfaceType: 'openapi-page',
      createdWith: {},
    });
  });

  it('infers the generation of older sessions from the Alipay interface name', () => {
    expect(tradeOriginOf({ interface: 'create_partner_trade_by_buyer' })).toMatchObject({
      interfaceType: 'legacy-escrow',
      exact: false,
      createdWith: null,
    });
    expect(tradeOriginOf({ interface: 'alipay.trade.precreate' })?.interfaceType).toBe('openapi-qr');
    expect(tradeOriginOf({ interface: 'alipay.trade.wap.pay' })?.interfaceType).toBe('openapi-page-wap');
  });

  it('ignores what is not an interface type it knows, and data without a trade', () => {
    expect(
      tradeOriginOf({ interface_type: 'legacy-anything', interface: 'trade_create_by_buyer' }),
    ).toMatchObject({ interfaceType: 'legacy-dual', exact: false });
    expect(tradeOriginOf({ interface: 'alipay.trade.app.pay' })).toBeNull();
    expect(tradeOriginOf({})).toBeNull();
    expect(tradeOriginOf(null)).toBeNull();
  });

  it('names the generation of interface types and stands in for a generation when only that is known', () => {
    expect(generationOf('legacy-dual')).toBe('legacy');
    expect(generationOf('openapi-page-wap-qr')).toBe('openapi');
    expect(originOfGeneration('legacy')).toEqual({
      interfaceType: 'legacy-direct',
      exact: false,
      createdWith: null,
    });
    expect(originOfGeneration('openapi').interfaceType).toBe('openapi-page');
  });
});
