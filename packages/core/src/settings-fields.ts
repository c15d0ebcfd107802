/**
 * The admin-form vocabulary shared by every adapter and its browser UI: interface types with labels, the
 * flat settings shape, which settings are secrets, and how to mask them; and what payment statuses mean
 * to a merchant (`./status-text`), and which refund statuses are final. This module imports nothing Node-only
 * (only `./errors`, `./status-text` and `./lifecycle/refund-status`, which import nothing but `./events`), so admin bundles can use it through
 * `@alipay-commerce/core/settings`.
 */

import { type Bilingual, bilingualLine } from './errors';

export { isFinalRefundStatus, type ShopRefundStatus } from './lifecycle/refund-status';
export {
  ATTEMPT_STATUS_TEXT,
  REFUND_STATUS_TEXT,
  recordedStatusText,
  TRADE_STATUS_TEXT,
} from './status-text';
// Admin bundles cannot import the main entry (it pulls `node:crypto`), yet they join English and 中文
// into one line too: they get the one join from here.
export { type Bilingual, bilingualLine };

/**
 * The interface types a merchant picks in an admin form: the legacy contract (即时到账 / 担保交易 /
 * 标准双接口) or a set of OpenAPI products.
 */
export const INTERFACE_TYPES = [
  'legacy-direct',
  'legacy-escrow',
  'legacy-dual',
  'openapi-page',
  'openapi-page-wap',
  'openapi-page-wap-qr',
  'openapi-page-qr',
  'openapi-qr',
  'antom',
] as const;

/** One admin-form interface type. */
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

/** Labels of {@link INTERFACE_TYPES} for admin selects, in English and Chinese. */
export const INTERFACE_TYPE_LABELS: Record<InterfaceType, { en: string; zh: string }> = {
  'legacy-direct': { en: 'Legacy: instant payment (create_direct_pay_by_user)', zh: '旧版：即时到账' },
  'legacy-escrow': { en: 'Legacy: escrow (create_partner_trade_by_buyer)', zh: '旧版：担保交易' },
  'legacy-dual': { en: 'Legacy: dual interface (trade_create_by_buyer)', zh: '旧版：标准双接口' },
  'openapi-page': { en: 'OpenAPI: PC website payment', zh: '开放平台：电脑网站支付' },
  'openapi-page-wap': { en: 'OpenAPI: PC + mobile website payment', zh: '开放平台：电脑网站 + 手机网站支付' },
  'openapi-page-wap-qr': {
    en: 'OpenAPI: PC + mobile website + QR (face-to-face)',
    zh: '开放平台：电脑网站 + 手机网站 + 当面付扫码',
  },
  'openapi-page-qr': { en: 'OpenAPI: PC website + QR (face-to-face)', zh: '开放平台：电脑网站 + 当面付扫码' },
  'openapi-qr': { en: 'OpenAPI: QR only (face-to-face precreate)', zh: '开放平台：仅当面付扫码' },
  antom: {
    en: 'Antom: cross-border (merchants outside mainland China, any currency)',
    zh: 'Antom：跨境收单（中国大陆以外的商户，任意币种）',
  },
};

/**
 * The flat settings an admin form stores (Vendure handler args, Medusa settings page). Empty strings mean
 * "not set". Secrets: `key`, `appPrivateKey`, `encryptKey`, `appAuthToken`, `antomPrivateKey`.
 */
export interface AlipaySettings {
  interfaceType: InterfaceType | string;
  /** `production`, `sandbox` (Alipay's OpenAPI sandbox) or an http(s) URL (e.g. our offline sandbox). */
  gateway?: string;
  partnerId?: string;
  key?: string;
  sellerEmail?: string;
  sellerId?: string;
  charset?: string;
  refundWithoutPassword?: boolean | string;
  appId?: string;
  appPrivateKey?: string;
  alipayPublicKey?: string;
  appCertificate?: string;
  alipayCertificate?: string;
  alipayRootCertificate?: string;
  encryptKey?: string;
  appAuthToken?: string;
  alwaysQrOnDesktop?: boolean | string;
  /** Antom: the client ID from Antom Dashboard. */
  antomClientId?: string;
  /** Antom: the merchant RSA private key. Secret. */
  antomPrivateKey?: string;
  /** Antom: Antom's public key. */
  antomPublicKey?: string;
  /** Antom: `NA`, `SEA`, `DE`, `US`, or an http(s) origin this server allows (the offline sandbox). Default `NA`. */
  antomRegion?: string;
  /** Antom: the version of the merchant key in Antom Dashboard. Default 1. */
  antomKeyVersion?: string;
  /** Antom: comma-separated `paymentMethodType`s; the first is the default. Default `ALIPAY_CN`. */
  antomPaymentMethods?: string;
}

/** A text in English and Simplified Chinese, for admin forms: the core's {@link Bilingual}. */
export type EnZhText = Bilingual;

/**
 * The one description of the app private key's accepted format, for every form hint, error and doc: PEM
 * (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`) or the one-line base64 that Alipay's key tool writes,
 * pasted as it is or referenced as `env:NAME`.
 */
export const APP_PRIVATE_KEY_FORMAT = {
  en: 'PEM (PKCS#1 or PKCS#8) or the one-line base64 from Alipay’s key tool, pasted or as env:NAME',
  zh: 'PEM（PKCS#1 或 PKCS#8）或支付宝密钥工具生成的单行 base64，可直接粘贴或写作 env:变量名',
} as const satisfies EnZhText;

/**
 * The interface generation of an {@link InterfaceType}: `legacy` (partner ID + MD5), `openapi` (app ID +
 * RSA2) or `antom` (cross-border acquiring, client ID + RSA256).
 */
export type InterfaceGeneration = 'legacy' | 'openapi' | 'antom';

/** The generation of an interface type, or `undefined` for a value that is none of {@link INTERFACE_TYPES}. */
export function interfaceGeneration(
  interfaceType: string | null | undefined,
): InterfaceGeneration | undefined {
  if (!(INTERFACE_TYPES as readonly string[]).includes(interfaceType ?? '')) return undefined;
  if (interfaceType === 'antom') return 'antom';
  return interfaceType?.startsWith('legacy-') ? 'legacy' : 'openapi';
}

/**
 * Which part of an admin form a setting belongs to: `common` (every interface type), or only the
 * `legacy` or the `openapi` generation. Forms show a generation's settings only when the chosen
 * interface type is of that generation.
 */
export type SettingGroup = 'common' | InterfaceGeneration;

/** How an admin form edits a setting. */
export type SettingInput = 'select' | 'text' | 'secret' | 'textarea' | 'boolean';

/**
 * One setting of an admin form: its group (generation), its input (whether it is a secret) and its
 * bilingual label and description.
 */
export interface SettingField {
  name: keyof AlipaySettings;
  group: SettingGroup;
  input: SettingInput;
  /** A text or secret input that takes several lines (a PEM key), where the form can show one. */
  multiline?: boolean;
  label: EnZhText;
  description: EnZhText;
}

/**
 * An OpenAPI certificate-mode setting: a `.crt` file Alipay gives the merchant, pasted as text. The
 * three differ only in their name, label and file.
 */
function certificateField<const N extends keyof AlipaySettings>(name: N, label: EnZhText, file: string) {
  return {
    name,
    group: 'openapi',
    input: 'textarea',
    label,
    description: { en: `Certificate mode: ${file}.`, zh: `证书模式：${label.zh} ${file}。` },
  } as const satisfies SettingField;
}

/** Headings of the {@link SettingGroup}s in admin forms. */
export const SETTING_GROUP_LABELS: Record<SettingGroup, EnZhText> = {
  common: { en: 'Interface and gateway', zh: '接口与网关' },
  legacy: { en: 'Legacy interface (partner + MD5)', zh: '旧版接口（合作者身份 + 安全校验码）' },
  openapi: { en: 'OpenAPI (app ID + RSA2)', zh: '开放平台（应用 ID + RSA2）' },
  antom: { en: 'Antom (cross-border)', zh: 'Antom（跨境收单）' },
};

/** Charsets Alipay's legacy interfaces sign and notify in, with their labels. */
export const CHARSET_LABELS: Record<'utf-8' | 'gbk', EnZhText> = {
  'utf-8': { en: 'UTF-8', zh: 'UTF-8' },
  gbk: { en: 'GBK', zh: 'GBK' },
};

/**
 * Every setting of {@link AlipaySettings} in form order, grouped by generation, with bilingual labels and
 * descriptions: the one vocabulary of the Vendure handler arguments, the Vendure Dashboard form and
 * Medusa's settings page. Descriptions say what Alipay calls the value; adapters add their own
 * mechanics (e.g. Vendure's `env:NAME` secrets, its permission for the gateway).
 */
export const SETTING_FIELDS = [
  {
    name: 'interfaceType',
    group: 'common',
    input: 'select',
    label: { en: 'Interface type', zh: '接口类型' },
    description: {
      en: 'The Alipay product this payment method uses. Legacy interfaces sign with the partner MD5 key; OpenAPI ones with the app RSA2 key.',
      zh: '此支付方式使用的支付宝产品。旧版接口使用合作者 MD5 安全校验码签名，开放平台接口使用应用 RSA2 私钥签名。',
    },
  },
  {
    name: 'gateway',
    group: 'common',
    input: 'text',
    label: { en: 'Gateway', zh: '网关' },
    description: {
      en: 'production (Alipay), sandbox (Alipay OpenAPI sandbox), or a full gateway URL this server allows, e.g. in development the offline sandbox http://127.0.0.1:7010/gateway.do.',
      zh: 'production（正式环境）、sandbox（支付宝开放平台沙箱），或本服务器允许的完整网关地址，例如开发环境中的离线沙箱 http://127.0.0.1:7010/gateway.do。',
    },
  },
  {
    name: 'sellerId',
    group: 'common',
    input: 'text',
    label: { en: 'Seller user ID', zh: '卖家支付宝用户号' },
    description: {
      en: 'The seller user ID (2088…) notifications must carry; defaults to the partner ID for legacy interfaces.',
      zh: '通知中须出现的卖家支付宝用户号（2088 开头）；旧版接口默认为合作者身份 ID。',
    },
  },
  {
    name: 'partnerId',
    group: 'legacy',
    input: 'text',
    label: { en: 'Partner ID (PID)', zh: '合作者身份 (PID)' },
    description: { en: 'The 2088… partner ID.', zh: '以 2088 开头的合作者身份 ID。' },
  },
  {
    name: 'key',
    group: 'legacy',
    input: 'secret',
    label: { en: 'MD5 key', zh: 'MD5 安全校验码' },
    description: { en: 'The partner MD5 key.', zh: '合作者 MD5 安全校验码 (Key)。' },
  },
  {
    name: 'sellerEmail',
    group: 'legacy',
    input: 'text',
    label: { en: 'Seller account e-mail', zh: '卖家支付宝账号' },
    description: {
      en: 'The seller Alipay account (e-mail or mobile number).',
      zh: '卖家支付宝账号（邮箱或手机号）。',
    },
  },
  {
    name: 'charset',
    group: 'legacy',
    input: 'select',
    label: { en: 'Charset', zh: '字符集' },
    description: { en: 'Charset of requests sent to Alipay.', zh: '发往支付宝的请求所用字符集。' },
  },
  {
    name: 'refundWithoutPassword',
    group: 'legacy',
    input: 'boolean',
    label: { en: 'Refund without password', zh: '无密退款' },
    description: {
      en: 'The account has the refund-without-password product, so refunds need no seller confirmation page.',
      zh: '账号已签约无密退款，退款无需卖家在收银台确认。',
    },
  },
  {
    name: 'appId',
    group: 'openapi',
    input: 'text',
    label: { en: 'App ID', zh: '应用 ID (APPID)' },
    description: { en: 'The application ID.', zh: '应用 ID。' },
  },
  {
    name: 'appPrivateKey',
    group: 'openapi',
    input: 'secret',
    multiline: true,
    label: { en: 'App private key', zh: '应用私钥' },
    description: {
      en: `The RSA2 application private key: ${APP_PRIVATE_KEY_FORMAT.en}.`,
      zh: `RSA2 应用私钥：${APP_PRIVATE_KEY_FORMAT.zh}。`,
    },
  },
  {
    name: 'alipayPublicKey',
    group: 'openapi',
    input: 'textarea',
    label: { en: 'Alipay public key', zh: '支付宝公钥' },
    description: {
      en: 'Public-key mode: the Alipay public key used to verify responses and notifications.',
      zh: '公钥模式：用于验证响应与通知的支付宝公钥。',
    },
  },
  certificateField(
    'appCertificate',
    { en: 'App public key certificate', zh: '应用公钥证书' },
    'appCertPublicKey_….crt',
  ),
  certificateField(
    'alipayCertificate',
    { en: 'Alipay public key certificate', zh: '支付宝公钥证书' },
    'alipayCertPublicKey_RSA2.crt',
  ),
  certificateField(
    'alipayRootCertificate',
    { en: 'Alipay root certificate', zh: '支付宝根证书' },
    'alipayRootCert.crt',
  ),
  {
    name: 'encryptKey',
    group: 'openapi',
    input: 'secret',
    label: { en: 'Content encryption key (AES)', zh: '接口内容加密密钥 (AES)' },
    description: {
      en: 'The AES key, if content encryption is enabled for the app.',
      zh: '应用开启接口内容加密时的 AES 密钥。',
    },
  },
  {
    name: 'appAuthToken',
    group: 'openapi',
    input: 'secret',
    label: { en: 'App auth token (ISV)', zh: '应用授权令牌 (app_auth_token)' },
    description: {
      en: 'Service-provider mode: the merchant authorisation token.',
      zh: '服务商模式：商户授权令牌。',
    },
  },
  {
    name: 'alwaysQrOnDesktop',
    group: 'openapi',
    input: 'boolean',
    label: { en: 'Always show a QR code on desktop', zh: '电脑端始终显示二维码' },
    description: {
      en: 'On desktop, show a QR code to scan instead of redirecting to the Alipay cashier (needs a QR-capable product).',
      zh: '电脑端显示扫码二维码，而不跳转到支付宝收银台（须所选接口支持扫码）。',
    },
  },
  {
    name: 'antomClientId',
    group: 'antom',
    input: 'text',
    label: { en: 'Antom client ID', zh: 'Antom 客户端 ID (Client ID)' },
    description: {
      en: 'The client ID from Antom Dashboard (Developer → Quick start). One starting with SANDBOX_ uses Antom’s sandbox.',
      zh: 'Antom Dashboard（开发者 → 快速开始）中的 Client ID。以 SANDBOX_ 开头的 Client ID 使用 Antom 沙箱。',
    },
  },
  {
    name: 'antomPrivateKey',
    group: 'antom',
    input: 'secret',
    multiline: true,
    label: { en: 'Antom merchant private key', zh: 'Antom 商户私钥' },
    description: {
      en: 'Your RSA private key, whose public key is uploaded to Antom Dashboard: PEM or one-line base64, pasted or as env:NAME.',
      zh: '您的 RSA 私钥（其公钥已上传至 Antom Dashboard）：PEM 或单行 base64，可直接粘贴或写作 env:变量名。',
    },
  },
  {
    name: 'antomPublicKey',
    group: 'antom',
    input: 'textarea',
    label: { en: 'Antom public key', zh: 'Antom 公钥' },
    description: {
      en: 'Antom’s public key from Antom Dashboard: answers and notifications are verified with it.',
      zh: 'Antom Dashboard 中的 Antom 公钥，用于验证应答与通知。',
    },
  },
  {
    name: 'antomRegion',
    group: 'antom',
    input: 'text',
    label: { en: 'Antom region', zh: 'Antom 区域' },
    description: {
      en: 'The host that serves your client ID: NA (North America), SEA (South-East Asia), DE (Europe) or US (merchants in the US); in development a URL this server allows, e.g. the offline sandbox http://127.0.0.1:7010. Default NA.',
      zh: '为您的 Client ID 提供服务的站点：NA（北美）、SEA（东南亚）、DE（欧洲）或 US（美国商户）；开发环境中可填写本服务器允许的网址，例如离线沙箱 http://127.0.0.1:7010。默认 NA。',
    },
  },
  {
    name: 'antomKeyVersion',
    group: 'antom',
    input: 'text',
    label: { en: 'Antom key version', zh: 'Antom 密钥版本' },
    description: {
      en: 'The version of your uploaded public key in Antom Dashboard. Default 1.',
      zh: 'Antom Dashboard 中已上传公钥的版本号。默认 1。',
    },
  },
  {
    name: 'antomPaymentMethods',
    group: 'antom',
    input: 'text',
    label: { en: 'Antom payment methods', zh: 'Antom 支付方式' },
    description: {
      en: 'Comma-separated Antom payment method types your contract covers, e.g. ALIPAY_CN, ALIPAY_HK, CONNECT_WALLET (Alipay+ wallets); the first is the default. Default ALIPAY_CN.',
      zh: '合同所含的 Antom 支付方式类型，用逗号分隔，例如 ALIPAY_CN、ALIPAY_HK、CONNECT_WALLET（Alipay+ 钱包）；第一个为默认。默认 ALIPAY_CN。',
    },
  },
] as const satisfies readonly SettingField[];

/** The name of one of {@link SETTING_FIELDS}. */
export type SettingName = (typeof SETTING_FIELDS)[number]['name'];

/** The names of the {@link SETTING_FIELDS} an admin form edits with one of the inputs `I`. */
export type SettingNameOf<I extends SettingInput> = Extract<
  (typeof SETTING_FIELDS)[number],
  { input: I }
>['name'];

/**
 * The names of the {@link SETTING_FIELDS} edited with one of `inputs`, in form order: e.g. the
 * booleans (stored as switches) or the plain-text settings of a store.
 */
export function settingNamesOf<I extends SettingInput>(...inputs: I[]): SettingNameOf<I>[] {
  return SETTING_FIELDS.filter(field => (inputs as SettingInput[]).includes(field.input)).map(
    field => field.name as SettingNameOf<I>,
  );
}

/** The {@link SETTING_FIELDS} entry of one setting. */
export function settingField(name: keyof AlipaySettings): SettingField {
  const field = SETTING_FIELDS.find(candidate => candidate.name === name);
  if (!field) throw new Error(`no Alipay setting ${String(name)}`);
  return field;
}

/**
 * Whether an admin form shows a setting for this interface type: common settings always, a generation's
 * settings only for an interface type of that generation (none of them before a type is chosen).
 */
export function settingAppliesTo(
  field: Pick<SettingField, 'group' | 'name'>,
  interfaceType: string | null | undefined,
): boolean {
  const generation = interfaceGeneration(interfaceType);
  // Antom has its own host and identifiers: of the common settings only the interface type applies.
  if (field.group === 'common') return generation !== 'antom' || field.name === 'interfaceType';
  return field.group === generation;
}

/** Names of the settings that are secrets: stored encrypted or masked, never shown back. */
export const SECRET_SETTINGS = [
  'key',
  'appPrivateKey',
  'encryptKey',
  'appAuthToken',
  'antomPrivateKey',
] as const;

/**
 * A masked hint of a secret for admin screens and logs: at most the last 4 characters, e.g. `••••c3d4`.
 * Short secrets show no characters at all.
 */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  return secret.length >= 16 ? `••••${secret.slice(-4)}` : '••••';
}

/**
 * The settings that decide where money and signed calls go, or whose notifications are believed: the
 * gateway, the merchant's identifiers and every key or certificate. Changing one needs a permission of
 * its own (Vendure `UpdateAlipaySettings`, Medusa policy `alipay_credentials:update`).
 */
export const PROTECTED_SETTINGS = [
  'gateway',
  'partnerId',
  'key',
  'sellerEmail',
  'sellerId',
  'appId',
  'appPrivateKey',
  'alipayPublicKey',
  'appCertificate',
  'alipayCertificate',
  'alipayRootCertificate',
  'encryptKey',
  'appAuthToken',
  'antomClientId',
  'antomPrivateKey',
  'antomPublicKey',
  'antomRegion',
  'antomKeyVersion',
] as const;

function settingText(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/**
 * Names of the settings whose value differs between `before` (undefined for a new configuration) and
 * `after`, sorted; empty and missing count as the same. Only names: callers log them, never values.
 */
export function changedSettingFields(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
): string[] {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...names].filter(name => settingText(before?.[name]) !== settingText(after[name])).sort();
}

/** The {@link PROTECTED_SETTINGS} among `fields`. */
export function protectedSettingFields(fields: readonly string[]): string[] {
  return fields.filter(field => (PROTECTED_SETTINGS as readonly string[]).includes(field));
}

/**
 * The audit log line of one settings change: who (the admin's ID), where (e.g. a payment method or
 * sales channel) and which fields, never their values.
 */
export function settingsAuditLine(change: {
  actorId: string;
  target: string;
  fields: readonly string[];
}): string {
  return `Alipay settings audit: admin ${change.actorId} changed ${change.target}: ${change.fields.join(', ') || '(no field)'}`;
}
