import { LanguageCode } from '@vendure/core';
import { describe, expect, it } from 'vitest';
import { alipayPaymentHandler } from '../src/alipay.handler';
import { ALIPAY_INTERFACE_TYPES, alipayHandlerArgs } from '../src/alipay-settings';

/** The admin settings fields, in form order, as agreed with the core. */
const EXPECTED_ARG_NAMES = [
  'interfaceType',
  'gateway',
  'partnerId',
  'key',
  'sellerEmail',
  'sellerId',
  'charset',
  'refundWithoutPassword',
  'appId',
  'appPrivateKey',
  'alipayPublicKey',
  'appCertificate',
  'alipayCertificate',
  'alipayRootCertificate',
  'encryptKey',
  'appAuthToken',
  'alwaysQrOnDesktop',
];
const SECRET_ARGS = ['key', 'appPrivateKey', 'encryptKey', 'appAuthToken'];

type ArgDef = {
  type: string;
  required?: boolean;
  ui?: { component: string };
  label?: Array<{ languageCode: LanguageCode; value: string }>;
  description?: Array<{ languageCode: LanguageCode; value: string }>;
};
const args = alipayHandlerArgs as Record<string, ArgDef>;

describe('alipay payment method handler', () => {
  it('has code alipay and exactly the agreed settings fields', () => {
    expect(alipayPaymentHandler.code).toBe('alipay');
    expect(Object.keys(alipayHandlerArgs)).toEqual(EXPECTED_ARG_NAMES);
  });

  it('labels and describes every field in English and Simplified Chinese', () => {
    for (const [name, def] of Object.entries(args)) {
      for (const text of [def.label, def.description]) {
        const languages = text?.map(t => t.languageCode);
        expect(languages, name).toEqual([LanguageCode.en, LanguageCode.zh_Hans]);
        expect(
          text?.every(t => t.value.trim() !== ''),
          name,
        ).toBe(true);
      }
    }
  });

  it('masks exactly the secrets and tells that they accept env:NAME', () => {
    const masked = Object.entries(args)
      .filter(([, def]) => def.ui?.component === 'password-form-input')
      .map(([name]) => name);
    expect(masked).toEqual(SECRET_ARGS);
    for (const name of SECRET_ARGS) {
      expect(args[name]?.description?.[0]?.value).toContain('env:NAME');
    }
  });

  it('requires only interfaceType and gateway, which have defaults', () => {
    const required = Object.entries(args)
      .filter(([, def]) => def.required !== false)
      .map(([name]) => name);
    expect(required).toEqual(['interfaceType', 'gateway']);
    expect(alipayHandlerArgs.interfaceType.defaultValue).toBe('openapi-page');
    expect(alipayHandlerArgs.gateway.defaultValue).toBe('production');
  });

  it('offers the eight interface types, each labelled in both languages', () => {
    expect(ALIPAY_INTERFACE_TYPES.map(t => t.value)).toEqual([
      'legacy-direct',
      'legacy-escrow',
      'legacy-dual',
      'openapi-page',
      'openapi-page-wap',
      'openapi-page-wap-qr',
      'openapi-page-qr',
      'openapi-qr',
    ]);
    expect(ALIPAY_INTERFACE_TYPES.find(t => t.value === 'legacy-escrow')?.label[1]?.value).toBe(
      '旧版：担保交易',
    );
  });
});
