import { describe, expect, it } from 'vitest';
import {
  type AlipaySettings,
  INTERFACE_TYPES,
  interfaceGeneration,
  SECRET_SETTINGS,
  SETTING_FIELDS,
  settingAppliesTo,
  settingField,
  settingNamesOf,
} from '../src/settings-fields';

/** Every key of AlipaySettings, spelled out so that a new setting without a form entry fails here. */
const ALL_SETTINGS: Record<keyof AlipaySettings, true> = {
  interfaceType: true,
  gateway: true,
  partnerId: true,
  key: true,
  sellerEmail: true,
  sellerId: true,
  charset: true,
  refundWithoutPassword: true,
  appId: true,
  appPrivateKey: true,
  alipayPublicKey: true,
  appCertificate: true,
  alipayCertificate: true,
  alipayRootCertificate: true,
  encryptKey: true,
  appAuthToken: true,
  alwaysQrOnDesktop: true,
  antomClientId: true,
  antomPrivateKey: true,
  antomPublicKey: true,
  antomRegion: true,
  antomKeyVersion: true,
  antomPaymentMethods: true,
};

describe('the admin-form vocabulary (SETTING_FIELDS)', () => {
  it('describes every setting once, in both languages', () => {
    expect(SETTING_FIELDS.map(field => field.name).sort()).toEqual(Object.keys(ALL_SETTINGS).sort());
    for (const field of SETTING_FIELDS) {
      for (const text of [field.label, field.description]) {
        expect(text.en.trim(), field.name).not.toBe('');
        expect(text.zh, field.name).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('edits exactly the secrets with a secret input', () => {
    const secrets = SETTING_FIELDS.filter(field => field.input === 'secret').map(field => field.name);
    expect(secrets.sort()).toEqual([...SECRET_SETTINGS].sort());
  });

  it('shows a generation’s settings only for an interface type of that generation', () => {
    expect(INTERFACE_TYPES.map(type => interfaceGeneration(type))).toEqual([
      'legacy',
      'legacy',
      'legacy',
      'openapi',
      'openapi',
      'openapi',
      'openapi',
      'openapi',
      'antom',
    ]);
    expect(interfaceGeneration('legacy-nonsense')).toBeUndefined();
    const shown = (type: string) =>
      SETTING_FIELDS.filter(field => settingAppliesTo(field, type)).map(field => field.name);
    expect(shown('legacy-escrow')).toEqual([
      'interfaceType',
      'gateway',
      'sellerId',
      'partnerId',
      'key',
      'sellerEmail',
      'charset',
      'refundWithoutPassword',
    ]);
    expect(shown('openapi-page-qr')).not.toContain('partnerId');
    expect(shown('openapi-page-qr')).toContain('appPrivateKey');
    expect(shown('')).toEqual(['interfaceType', 'gateway', 'sellerId']);
    // Antom has its own host and identifiers: none of the domestic settings, not even the gateway.
    expect(shown('antom')).toEqual([
      'interfaceType',
      'antomClientId',
      'antomPrivateKey',
      'antomPublicKey',
      'antomRegion',
      'antomKeyVersion',
      'antomPaymentMethods',
    ]);
    expect(shown('openapi-page')).not.toContain('antomClientId');
    expect(settingField('appPrivateKey').description.en).toContain('PKCS#8');
  });

  it('lists the settings of one kind of input, in form order, for stores and forms', () => {
    expect(settingNamesOf('boolean')).toEqual(['refundWithoutPassword', 'alwaysQrOnDesktop']);
    expect(settingNamesOf('secret')).toEqual([...SECRET_SETTINGS]);
    expect(settingNamesOf('text', 'textarea')).toEqual([
      'gateway',
      'sellerId',
      'partnerId',
      'sellerEmail',
      'appId',
      'alipayPublicKey',
      'appCertificate',
      'alipayCertificate',
      'alipayRootCertificate',
      'antomClientId',
      'antomPublicKey',
      'antomRegion',
      'antomKeyVersion',
      'antomPaymentMethods',
    ]);
    // Only the private keys (PEM) ask for a multi-line input.
    expect(SETTING_FIELDS.filter(field => 'multiline' in field).map(field => field.name)).toEqual([
      'appPrivateKey',
      'antomPrivateKey',
    ]);
  });

  it('describes each certificate by the file Alipay gives the merchant', () => {
    expect(settingField('alipayRootCertificate')).toEqual({
      name: 'alipayRootCertificate',
      group: 'openapi',
      input: 'textarea',
      label: { en: 'Alipay root certificate', zh: '支付宝根证书' },
      description: {
        en: 'Certificate mode: alipayRootCert.crt.',
        zh: '证书模式：支付宝根证书 alipayRootCert.crt。',
      },
    });
  });
});
