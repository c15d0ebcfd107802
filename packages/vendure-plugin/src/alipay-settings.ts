import {
  CHARSET_LABELS,
  type EnZhText,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  type SettingField,
  settingField,
} from '@alipay-commerce/core/settings';
import { LanguageCode } from '@vendure/core';
// Not re-exported from the package root; type-only, so the deep path costs nothing at runtime.
import type {
  ConfigArgs,
  ConfigArgValues,
  LocalizedStringArray,
} from '@vendure/core/dist/common/configurable-operation';

/** Builds the `[en, zh_Hans]` pair used by every label and description of the settings form. */
function enZh(text: EnZhText): LocalizedStringArray {
  return [
    { languageCode: LanguageCode.en, value: text.en },
    { languageCode: LanguageCode.zh_Hans, value: text.zh },
  ];
}

/** Appended (English, Simplified Chinese) to the description of every secret argument. */
const SECRET_HINT: EnZhText = {
  en: ' May be written as env:NAME to read it from the environment variable NAME instead of storing it here.',
  zh: ' 可写成 env:变量名，从该环境变量读取，而不保存在此处。',
};

/**
 * Prefixes of a generation's descriptions: the flat argument list (an admin without the plugin's
 * Dashboard extension) then still says which interface a field belongs to.
 */
const GROUP_PREFIX: Record<SettingField['group'], EnZhText> = {
  common: { en: '', zh: '' },
  legacy: { en: 'Legacy interfaces: ', zh: '旧版接口：' },
  openapi: { en: 'OpenAPI interfaces: ', zh: '开放平台接口：' },
  antom: { en: 'Antom (cross-border): ', zh: 'Antom（跨境收单）：' },
};

/** A textarea for PEM keys and certificates, without the browser's spell checker. */
const PEM_INPUT = { component: 'textarea-form-input', spellcheck: false } as const;

/** A masked input for secrets (the Admin API masks the stored value too). */
const SECRET_INPUT = { component: 'password-form-input' } as const;

/**
 * An optional string argument of the core's settings vocabulary. Its form input follows the core's
 * `input`: secrets masked (`password-form-input`), PEM keys and certificates in a textarea, the rest as
 * plain text; so a setting the core marks secret cannot be shown in clear by an oversight here.
 */
function stringArg(name: SettingField['name']) {
  const { input } = settingField(name);
  const ui = input === 'secret' ? SECRET_INPUT : input === 'textarea' ? PEM_INPUT : undefined;
  return { type: 'string' as const, required: false, ...argText(name), ...(ui ? { ui } : {}) };
}

/**
 * Label and description of one argument from the core's settings vocabulary (`SETTING_FIELDS`), with
 * the generation prefix, the `env:NAME` hint of secrets and any Vendure-only `extra` sentence.
 */
function argText(
  name: SettingField['name'],
  extra: EnZhText = { en: '', zh: '' },
): { label: LocalizedStringArray; description: LocalizedStringArray } {
  const field = settingField(name);
  const prefix = GROUP_PREFIX[field.group];
  const hint = field.input === 'secret' ? SECRET_HINT : { en: '', zh: '' };
  return {
    label: enZh(field.label),
    description: enZh({
      en: prefix.en + field.description.en + extra.en + hint.en,
      zh: prefix.zh + field.description.zh + extra.zh + hint.zh,
    }),
  };
}

/**
 * The Alipay products (接口) a payment method can be configured for, in the order the admin form
 * lists them, labelled by the core's `INTERFACE_TYPE_LABELS`. The value is stored in the
 * `interfaceType` argument and interpreted by the core.
 */
export const ALIPAY_INTERFACE_TYPES = INTERFACE_TYPES.map(value => ({
  value,
  label: enZh(INTERFACE_TYPE_LABELS[value]),
}));

/** One of the values of {@link ALIPAY_INTERFACE_TYPES}. */
export type AlipayInterfaceType = (typeof INTERFACE_TYPES)[number];

/**
 * The `args` of the Alipay payment method handler, which ARE the admin settings form of an Alipay
 * payment method (Settings → Payment methods). Everything is a flat string or boolean: the core
 * validates the combination for the chosen `interfaceType`, so only `interfaceType` is required here.
 * Labels and descriptions come from the core's settings vocabulary (`SETTING_FIELDS`), shared with the plugin's Dashboard extension and Medusa's settings page; the
 * extension groups these arguments and shows only those of the chosen interface type.
 *
 * Secrets use `password-form-input`, which only masks the field: values are still stored in plain
 * text and returned by the Admin API, hence the `env:NAME` indirection (see `resolveSecretArg`).
 * A password input cannot hold line breaks; the core reads a PEM key whose line breaks were lost, so
 * every format of the core's `APP_PRIVATE_KEY_FORMAT` can be pasted here.
 */
export const alipayHandlerArgs = {
  interfaceType: {
    type: 'string',
    defaultValue: 'openapi-page',
    ...argText('interfaceType'),
    ui: {
      component: 'select-form-input',
      options: ALIPAY_INTERFACE_TYPES,
    },
  },
  gateway: {
    // A select cannot take free text (neither the React dashboard's nor the Angular admin's), and
    // a custom URL is needed for offline sandboxes, so this is a plain text field. Not required: the
    // core reads an empty gateway as `production`, and interface type `antom` has its own host
    // (`antomRegion`), so its form does not show this field at all.
    type: 'string',
    required: false,
    defaultValue: 'production',
    ...argText('gateway', {
      en: ' A URL must be allowed by allowedGateways (allowLoopbackGateway for a local sandbox). Changing it needs the UpdateAlipaySettings permission.',
      zh: ' 地址须由 allowedGateways 允许（本机沙箱用 allowLoopbackGateway）。修改需要 UpdateAlipaySettings 权限。',
    }),
  },
  // The core's form order: the seller ID is common to both generations, so it follows the gateway.
  sellerId: stringArg('sellerId'),
  partnerId: stringArg('partnerId'),
  key: stringArg('key'),
  sellerEmail: stringArg('sellerEmail'),
  charset: {
    type: 'string',
    required: false,
    defaultValue: 'utf-8',
    ...argText('charset'),
    ui: {
      component: 'select-form-input',
      options: [
        { value: 'utf-8', label: enZh(CHARSET_LABELS['utf-8']) },
        { value: 'gbk', label: enZh(CHARSET_LABELS.gbk) },
      ],
    },
  },
  refundWithoutPassword: {
    type: 'boolean',
    required: false,
    defaultValue: false,
    ...argText('refundWithoutPassword'),
  },
  appId: stringArg('appId'),
  appPrivateKey: stringArg('appPrivateKey'),
  alipayPublicKey: stringArg('alipayPublicKey'),
  appCertificate: stringArg('appCertificate'),
  alipayCertificate: stringArg('alipayCertificate'),
  alipayRootCertificate: stringArg('alipayRootCertificate'),
  encryptKey: stringArg('encryptKey'),
  appAuthToken: stringArg('appAuthToken'),
  alwaysQrOnDesktop: {
    type: 'boolean',
    required: false,
    defaultValue: false,
    ...argText('alwaysQrOnDesktop'),
  },
  // Interface type `antom` (cross-border, orders in the shop's currency): its own client ID, keys and host.
  antomClientId: stringArg('antomClientId'),
  antomPrivateKey: stringArg('antomPrivateKey'),
  antomPublicKey: stringArg('antomPublicKey'),
  antomRegion: {
    ...stringArg('antomRegion'),
    ...argText('antomRegion', {
      en: ' A URL must be allowed by allowedGateways (allowLoopbackGateway for a local sandbox). Changing it needs the UpdateAlipaySettings permission.',
      zh: ' 地址须由 allowedGateways 允许（本机沙箱用 allowLoopbackGateway）。修改需要 UpdateAlipaySettings 权限。',
    }),
  },
  antomKeyVersion: stringArg('antomKeyVersion'),
  antomPaymentMethods: stringArg('antomPaymentMethods'),
} satisfies ConfigArgs;

/** The shape of {@link alipayHandlerArgs}. */
export type AlipayHandlerArgs = typeof alipayHandlerArgs;

/**
 * The settings of one Alipay payment method as the handler callbacks receive them (parsed). Named
 * apart from the core's `AlipaySettings` (the raw flat strings) on purpose.
 */
export type AlipayHandlerArgValues = ConfigArgValues<AlipayHandlerArgs>;
