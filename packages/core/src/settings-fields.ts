/**
 * The admin-form vocabulary shared by every adapter and its browser UI: interface types with labels, the
 * flat settings shape, which settings are secrets, and how to mask them. This module has no Node-only
 * imports, so admin bundles can use it through `@alipay-commerce/core/settings`.
 */

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
};

/**
 * The flat settings an admin form stores (Vendure handler args, Medusa settings page). Empty strings mean
 * "not set". Secrets: `key`, `appPrivateKey`, `encryptKey`, `appAuthToken`.
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
}

/** Names of the settings that are secrets: stored encrypted or masked, never shown back. */
export const SECRET_SETTINGS = ['key', 'appPrivateKey', 'encryptKey', 'appAuthToken'] as const;

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
