import { checkGatewayPolicy, STRICT_SETTINGS_POLICY, settingsToConfig } from '@alipay-commerce/core';
import { MedusaError } from '@medusajs/framework/utils';
import { CONFIGURATION_NAME } from '../../modules/alipay/settings-rows';
import { type AlipaySettingsValues, SETTINGS_FIELD_NAMES } from '../../shared/settings-fields';

/**
 * Options of the provider entry in `medusa-config.ts`:
 *
 * ```ts
 * { resolve: '@alipay-commerce/medusa/providers/alipay', id: 'alipay',
 *   options: { backendUrl: 'https://api.shop.example', storefrontReturnUrl: 'https://shop.example/checkout/alipay' } }
 * ```
 *
 * Credentials belong under Settings → Alipay (stored encrypted). `settings` is a fallback for shops
 * that configure from the environment: every field saved in the admin wins over it.
 */
export interface AlipayProviderOptions {
  /**
   * Public base URL of this Medusa server as Alipay's servers reach it (https in production). The
   * notify URL is `${backendUrl}/hooks/alipay/notify/<provider id>` and the return URL
   * `${backendUrl}/hooks/alipay/return/<provider id>`.
   */
  backendUrl: string;
  /**
   * Where the buyer's browser lands after the cashier, unless the storefront passes its own
   * `return_url` in the session data — which must then have the same origin (no open redirect).
   * The return route appends only `status` to it (`paid`, `authorized`, `pending` or `unverified`),
   * never a cart, session or order ID: the storefront finds the cart through its own cookie or session.
   */
  storefrontReturnUrl: string;
  /** Text on Alipay's cashier (商品名称). Default: `Order 订单` and the last 8 characters of the random `out_trade_no`. */
  subject?: string;
  /** Unpaid trades close after this many minutes (1 – 21600). Default 120. */
  paymentTimeoutMinutes?: number;
  /** Fallback settings (same field names as the admin page); stored settings win field by field. */
  settings?: Partial<AlipaySettingsValues>;
  /**
   * Refund orphan payments by themselves (Alipay took the money but the order cannot take it: its
   * session is gone, the cart was paid by another payment, the payment was cancelled…), right after
   * the payment is recorded as an orphan, and by the reconciliation job for orphans left without a
   * refund. Default `false`: orphans wait on Settings → Alipay for the admin's refund.
   */
  autoRefundOrphanPayments?: boolean;
  /**
   * Gives this provider settings of its own under Settings → Alipay, named so (lower-case letters, digits,
   * `-`, `_`), instead of the shop's global settings: a second Alipay contract next to the first, e.g.
   * `antom` for an Antom (cross-border) provider that the USD region lists while the CNY region lists the
   * mainland one. Such settings stand alone (no sales-channel overrides, nothing from the global ones).
   * Default: the global settings.
   */
  settingsScope?: string;
}

const OPTION_NAMES = [
  'backendUrl',
  'storefrontReturnUrl',
  'subject',
  'paymentTimeoutMinutes',
  'settings',
  'autoRefundOrphanPayments',
  'settingsScope',
] as const;

/** Default of {@link AlipayProviderOptions.paymentTimeoutMinutes}. */
export const DEFAULT_PAYMENT_TIMEOUT_MINUTES = 120;

function invalid(en: string, zh: string): MedusaError {
  return new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `Alipay provider options: ${en} / 支付宝支付提供方配置：${zh}`,
  );
}

function checkUrl(name: string, value: unknown, { allowQuery }: { allowQuery: boolean }): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(
      `"${name}" is required (an absolute http(s) URL).`,
      `缺少 "${name}"（绝对 http(s) 网址）。`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(
      `"${name}" is not a URL: ${JSON.stringify(value)}.`,
      `"${name}" 不是有效网址：${JSON.stringify(value)}。`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`"${name}" must use http or https.`, `"${name}" 必须使用 http 或 https。`);
  }
  if (!allowQuery && (url.search || url.hash)) {
    throw invalid(
      `"${name}" must not carry a query string or fragment (Alipay refuses notify/return URLs with one).`,
      `"${name}" 不能带查询参数或片段（支付宝不接受带参数的通知/返回地址）。`,
    );
  }
}

/**
 * Checks the provider options at boot (Medusa calls it before constructing the provider), so a
 * misconfiguration stops the server with a precise message instead of failing at checkout. Values
 * of `settings` are never echoed: they may hold secrets.
 */
export function validateProviderOptions(options: unknown): asserts options is AlipayProviderOptions {
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(
      'options are required: { backendUrl, storefrontReturnUrl } at least.',
      '必须提供 options，至少包含 { backendUrl, storefrontReturnUrl }。',
    );
  }
  const record = options as Record<string, unknown>;
  const unknown = Object.keys(record).filter(name => !(OPTION_NAMES as readonly string[]).includes(name));
  if (unknown.length) {
    const misplaced = unknown.filter(name => (SETTINGS_FIELD_NAMES as readonly string[]).includes(name));
    throw invalid(
      misplaced.length
        ? `${misplaced.map(name => `"${name}"`).join(', ')} belong under "settings" (or, better, in the admin under Settings → Alipay, where secrets are stored encrypted).`
        : `unknown option(s) ${unknown.map(name => `"${name}"`).join(', ')}; known: ${OPTION_NAMES.join(', ')}.`,
      misplaced.length
        ? `${misplaced.join('、')} 应放在 "settings" 下（更推荐在后台「设置 → Alipay」中填写，密钥会加密保存）。`
        : `未知选项 ${unknown.join('、')}；可用选项：${OPTION_NAMES.join('、')}。`,
    );
  }
  checkUrl('backendUrl', record.backendUrl, { allowQuery: false });
  checkUrl('storefrontReturnUrl', record.storefrontReturnUrl, { allowQuery: true });
  if (record.subject !== undefined && (typeof record.subject !== 'string' || record.subject.length > 128)) {
    throw invalid(
      '"subject" must be a string of at most 128 characters.',
      '"subject" 必须是不超过 128 个字符的字符串。',
    );
  }
  const timeout = record.paymentTimeoutMinutes;
  if (
    timeout !== undefined &&
    (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 21_600)
  ) {
    throw invalid(
      '"paymentTimeoutMinutes" must be a whole number of minutes from 1 to 21600 (15 days).',
      '"paymentTimeoutMinutes" 必须是 1 到 21600（15 天）之间的整数分钟。',
    );
  }
  if (record.autoRefundOrphanPayments !== undefined && typeof record.autoRefundOrphanPayments !== 'boolean') {
    throw invalid(
      '"autoRefundOrphanPayments" must be true or false.',
      '"autoRefundOrphanPayments" 必须是 true 或 false。',
    );
  }
  if (
    record.settingsScope !== undefined &&
    (typeof record.settingsScope !== 'string' || !CONFIGURATION_NAME.test(record.settingsScope))
  ) {
    throw invalid(
      '"settingsScope" must be a short name of lower-case letters, digits, - and _ (e.g. "antom").',
      '"settingsScope" 必须是由小写字母、数字、- 和 _ 组成的简短名称（例如 "antom"）。',
    );
  }
  const settings = record.settings;
  if (settings === undefined) return;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw invalid(
      '"settings" must be an object of settings fields.',
      '"settings" 必须是设置字段组成的对象。',
    );
  }
  const unknownFields = Object.keys(settings).filter(
    name => !(SETTINGS_FIELD_NAMES as readonly string[]).includes(name),
  );
  if (unknownFields.length) {
    throw invalid(
      `unknown field(s) in "settings": ${unknownFields.map(name => `"${name}"`).join(', ')}.`,
      `"settings" 中有未知字段：${unknownFields.join('、')}。`,
    );
  }
  // A complete fallback is checked now; a partial one is completed by the admin and checked on save.
  const fallback = settings as AlipaySettingsValues;
  if (fallback.interfaceType) {
    const result = settingsToConfig({ ...fallback, interfaceType: fallback.interfaceType });
    // Whether the gateway is allowed is the settings module's check, which knows the plugin's options
    // (allowedGateways, allowLoopbackGateway); here only the settings themselves are checked.
    const policyIssue = checkGatewayPolicy(fallback.gateway || undefined, STRICT_SETTINGS_POLICY);
    const issues = result.issues.filter(issue => JSON.stringify(issue) !== JSON.stringify(policyIssue));
    if (issues.length) {
      throw invalid(
        `"settings" are not valid: ${issues.map(issue => `${issue.field}: ${issue.message.en}`).join('; ')}`,
        `"settings" 无效：${issues.map(issue => `${issue.field}：${issue.message.zh}`).join('；')}`,
      );
    }
  }
}
