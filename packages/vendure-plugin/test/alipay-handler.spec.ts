import { INTERFACE_TYPE_LABELS, INTERFACE_TYPES, SETTING_FIELDS } from '@alipay-commerce/core/settings';
import { LanguageCode } from '@vendure/core';
import { describe, expect, it } from 'vitest';
import { alipayPaymentHandler } from '../src/alipay.handler';
import { ALIPAY_INTERFACE_TYPES, alipayHandlerArgs } from '../src/alipay-settings';

/** The admin settings fields, in form order: the core's schema, which the handler args must follow. */
const EXPECTED_ARG_NAMES = SETTING_FIELDS.map(field => field.name);
/** The settings the core's schema marks as secret, which the admin form must mask. */
const SECRET_ARGS = SETTING_FIELDS.filter(field => field.input === 'secret').map(field => field.name);

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

  it('requires only interfaceType (the gateway has a default, and interface type antom has no gateway)', () => {
    const required = Object.entries(args)
      .filter(([, def]) => def.required !== false)
      .map(([name]) => name);
    expect(required).toEqual(['interfaceType']);
    expect(alipayHandlerArgs.interfaceType.defaultValue).toBe('openapi-page');
    expect(alipayHandlerArgs.gateway.defaultValue).toBe('production');
  });

  it('offers the nine interface types (antom included), each labelled in both languages', () => {
    expect(ALIPAY_INTERFACE_TYPES.map(t => t.value)).toEqual([...INTERFACE_TYPES]);
    expect(INTERFACE_TYPES).toHaveLength(9);
    expect(INTERFACE_TYPES).toContain('antom');
    for (const type of ALIPAY_INTERFACE_TYPES) {
      const labels = INTERFACE_TYPE_LABELS[type.value as keyof typeof INTERFACE_TYPE_LABELS];
      expect(
        type.label.map(l => l.value),
        type.value,
      ).toEqual([labels.en, labels.zh]);
    }
    expect(ALIPAY_INTERFACE_TYPES.find(t => t.value === 'legacy-escrow')?.label[1]?.value).toBe(
      '旧版：担保交易',
    );
  });
});
