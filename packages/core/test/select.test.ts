import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AlipayConfig, parseAlipayConfig } from '../src/config';
import { InterfaceNotContractedError } from '../src/errors';
import { detectDevice, interfaceTypeOfPayment, selectInterface } from '../src/select';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
function openapi(products: string[], alwaysQrOnDesktop = false): AlipayConfig {
  return {
    generation: 'openapi',
    products,
    alwaysQrOnDesktop,
    appId: '2021000122600000',
    appPrivateKey: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    gateway: 'https://openapi.alipay.com/gateway.do',
  } as AlipayConfig;
}
const legacy = (interfaceType: string) =>
  parseAlipayConfig({
    generation: 'legacy',
    interfaceType,
    partnerId: '2088101122136241',
    key: 'a'.repeat(32),
  });

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36';

describe('detectDevice', () => {
  it.each([
    [IPHONE, 'mobile'],
    [ANDROID, 'mobile'],
    ['AlipayClient/10.5', 'mobile'],
    [DESKTOP, 'desktop'],
    [undefined, 'desktop'],
  ])('%s → %s', (ua, device) => {
    expect(detectDevice(ua)).toBe(device);
  });
});

describe('selectInterface: the selection table', () => {
  const method = (config: AlipayConfig, buyer: Parameters<typeof selectInterface>[1]) => {
    const chosen = selectInterface(config, buyer);
    return chosen.generation === 'legacy' ? chosen.service : chosen.method;
  };

  it.each([
    [['page'], false, 'desktop', 'alipay.trade.page.pay'],
    [['page'], false, 'mobile', 'alipay.trade.page.pay'],
    [['page', 'wap'], false, 'desktop', 'alipay.trade.page.pay'],
    [['page', 'wap'], false, 'mobile', 'alipay.trade.wap.pay'],
    [['page', 'wap', 'qr'], false, 'desktop', 'alipay.trade.page.pay'],
    [['page', 'wap', 'qr'], true, 'desktop', 'alipay.trade.precreate'],
    [['page', 'wap', 'qr'], true, 'mobile', 'alipay.trade.wap.pay'],
    [['page', 'qr'], true, 'mobile', 'alipay.trade.page.pay'],
    [['qr'], false, 'desktop', 'alipay.trade.precreate'],
    [['qr'], false, 'mobile', 'alipay.trade.precreate'],
  ] as const)('OpenAPI %j alwaysQr=%s on %s → %s', (products, alwaysQr, device, expected) => {
    expect(method(openapi([...products], alwaysQr), { device })).toBe(expected);
  });

  it('reads the device from the user agent when not given; explicit device wins', () => {
    const config = openapi(['page', 'wap']);
    expect(method(config, { userAgent: IPHONE })).toBe('alipay.trade.wap.pay');
    expect(method(config, { userAgent: DESKTOP })).toBe('alipay.trade.page.pay');
    expect(method(config, { userAgent: IPHONE, device: 'desktop' })).toBe('alipay.trade.page.pay');
  });

  it.each([
    ['direct', 'create_direct_pay_by_user'],
    ['escrow', 'create_partner_trade_by_buyer'],
    ['dual', 'trade_create_by_buyer'],
  ])('legacy %s → %s on every device', (type, service) => {
    expect(method(legacy(type), { device: 'desktop' })).toBe(service);
    expect(method(legacy(type), { device: 'mobile' })).toBe(service);
  });

  it('a device nothing contracted can serve is a typed not-contracted error', () => {
    expect(() => selectInterface(openapi(['wap']), { device: 'desktop' })).toThrow(
      InterfaceNotContractedError,
    );
  });
});

describe('interfaceTypeOfPayment', () => {
  it('maps a recorded Alipay interface name to the admin interface type it was created with', () => {
    expect(interfaceTypeOfPayment('create_direct_pay_by_user')).toBe('legacy-direct');
    expect(interfaceTypeOfPayment('create_partner_trade_by_buyer')).toBe('legacy-escrow');
    expect(interfaceTypeOfPayment('trade_create_by_buyer')).toBe('legacy-dual');
    expect(interfaceTypeOfPayment('alipay.trade.page.pay')).toBe('openapi-page');
    expect(interfaceTypeOfPayment('alipay.trade.wap.pay')).toBe('openapi-page-wap');
    expect(interfaceTypeOfPayment('alipay.trade.precreate')).toBe('openapi-qr');
  });

  it('knows no other name (an inherited key included)', () => {
    expect(interfaceTypeOfPayment('alipay.trade.refund')).toBeUndefined();
    expect(interfaceTypeOfPayment('constructor')).toBeUndefined();
    expect(interfaceTypeOfPayment(undefined)).toBeUndefined();
  });
});
