import { APP_PRIVATE_KEY_FORMAT } from '@alipay-commerce/core';
import { LanguageCode } from '@vendure/core';
// Not re-exported from the package root; type-only, so the deep path costs nothing at runtime.
import type {
  ConfigArgs,
  ConfigArgValues,
  LocalizedStringArray,
} from '@vendure/core/dist/common/configurable-operation';

/** Builds the `[en, zh_Hans]` pair used by every label and description of the settings form. */
function enZh(en: string, zhHans: string): LocalizedStringArray {
  return [
    { languageCode: LanguageCode.en, value: en },
    { languageCode: LanguageCode.zh_Hans, value: zhHans },
  ];
}

/** Appended (English, Simplified Chinese) to the description of every secret argument. */
const SECRET_HINT_EN =
  ' May be written as env:NAME to read it from the environment variable NAME instead of storing it here.';
const SECRET_HINT_ZH = ' 可写成 env:变量名，从该环境变量读取，而不保存在此处。';

/** Describes a secret argument: the field's own text followed by the `env:NAME` hint. */
function secretDescription(en: string, zhHans: string): LocalizedStringArray {
  return enZh(en + SECRET_HINT_EN, zhHans + SECRET_HINT_ZH);
}

/**
 * The Alipay products (接口) a payment method can be configured for, in the order the admin form
 * lists them. The value is stored in the `interfaceType` argument and interpreted by the core.
 */
export const ALIPAY_INTERFACE_TYPES = [
  { value: 'legacy-direct', label: enZh('Legacy: instant payment (即时到账)', '即时到账') },
  { value: 'legacy-escrow', label: enZh('Legacy: escrow (担保交易)', '担保交易') },
  { value: 'legacy-dual', label: enZh('Legacy: dual interface (标准双接口)', '标准双接口') },
  { value: 'openapi-page', label: enZh('OpenAPI: desktop website payment', '电脑网站支付') },
  {
    value: 'openapi-page-wap',
    label: enZh('OpenAPI: desktop + mobile website payment', '电脑网站支付 + 手机网站支付'),
  },
  {
    value: 'openapi-page-wap-qr',
    label: enZh(
      'OpenAPI: desktop + mobile website + QR code (face-to-face) payment',
      '电脑网站支付 + 手机网站支付 + 当面付扫码',
    ),
  },
  {
    value: 'openapi-page-qr',
    label: enZh('OpenAPI: desktop website + QR code payment', '电脑网站支付 + 当面付扫码'),
  },
  { value: 'openapi-qr', label: enZh('OpenAPI: QR code (face-to-face) payment only', '仅当面付扫码') },
] as const;

/** One of the values of {@link ALIPAY_INTERFACE_TYPES}. */
export type AlipayInterfaceType = (typeof ALIPAY_INTERFACE_TYPES)[number]['value'];

/**
 * The `args` of the Alipay payment method handler, which ARE the admin settings form of an Alipay
 * payment method (Settings → Payment methods). Everything is a flat string or boolean: the core
 * validates the combination for the chosen `interfaceType`, so only `interfaceType` and `gateway`
 * are required here.
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
    label: enZh('Alipay product', '接口类型'),
    description: enZh(
      'Which Alipay interface this payment method uses. Legacy interfaces sign with the partner MD5 key; OpenAPI ones with the app RSA2 key.',
      '此支付方式使用的支付宝接口。旧版接口使用合作者 MD5 密钥签名，开放平台接口使用应用 RSA2 私钥签名。',
    ),
    ui: {
      component: 'select-form-input',
      options: ALIPAY_INTERFACE_TYPES.map(({ value, label }) => ({ value, label })),
    },
  },
  gateway: {
    // A select cannot take free text (neither the React dashboard's nor the Angular admin's), and
    // a custom URL is needed for offline sandboxes, so this is a plain text field.
    type: 'string',
    defaultValue: 'production',
    label: enZh('Gateway', '网关'),
    description: enZh(
      'production (Alipay), sandbox (Alipay OpenAPI sandbox), or a full gateway URL this server allows (allowedGateways), e.g. in development the offline sandbox http://127.0.0.1:7010/gateway.do (allowLoopbackGateway). Changing it needs the UpdateAlipaySettings permission.',
      'production（正式环境）、sandbox（支付宝开放平台沙箱），或本服务器允许的完整网关地址（allowedGateways），例如开发环境中的离线沙箱 http://127.0.0.1:7010/gateway.do（allowLoopbackGateway）。修改需要 UpdateAlipaySettings 权限。',
    ),
  },
  partnerId: {
    type: 'string',
    required: false,
    label: enZh('Partner ID (PID)', '合作者身份 (PID)'),
    description: enZh('Legacy interfaces: the 2088… partner ID.', '旧版接口：以 2088 开头的合作者身份 ID。'),
  },
  key: {
    type: 'string',
    required: false,
    label: enZh('MD5 key', 'MD5 安全校验码'),
    description: secretDescription('Legacy interfaces: the partner MD5 key.', '旧版接口：合作者 MD5 密钥。'),
    ui: { component: 'password-form-input' },
  },
  sellerEmail: {
    type: 'string',
    required: false,
    label: enZh('Seller account e-mail', '卖家支付宝账号'),
    description: enZh(
      'Legacy interfaces: the seller Alipay account.',
      '旧版接口：卖家支付宝账号（邮箱或手机号）。',
    ),
  },
  sellerId: {
    type: 'string',
    required: false,
    label: enZh('Seller ID', '卖家支付宝用户号'),
    description: enZh(
      'The seller user ID (2088…) notifications must carry; defaults to the partner ID for legacy interfaces.',
      '通知中须出现的卖家支付宝用户号（2088 开头）；旧版接口默认为合作者身份 ID。',
    ),
  },
  charset: {
    type: 'string',
    required: false,
    defaultValue: 'utf-8',
    label: enZh('Charset', '字符集'),
    description: enZh('Charset of requests sent to Alipay.', '发往支付宝的请求所用字符集。'),
    ui: {
      component: 'select-form-input',
      options: [
        { value: 'utf-8', label: enZh('UTF-8', 'UTF-8') },
        { value: 'gbk', label: enZh('GBK', 'GBK') },
      ],
    },
  },
  refundWithoutPassword: {
    type: 'boolean',
    required: false,
    defaultValue: false,
    label: enZh('Refund without password', '无密退款'),
    description: enZh(
      'Legacy interfaces: the account has the refund-without-password product, so refunds need no seller confirmation page.',
      '旧版接口：账号已签约无密退款，退款无需卖家在收银台确认。',
    ),
  },
  appId: {
    type: 'string',
    required: false,
    label: enZh('App ID', '应用 ID (APPID)'),
    description: enZh('OpenAPI interfaces: the application ID.', '开放平台接口：应用 ID。'),
  },
  appPrivateKey: {
    type: 'string',
    required: false,
    label: enZh('App private key', '应用私钥'),
    description: secretDescription(
      `OpenAPI interfaces: the RSA2 application private key: ${APP_PRIVATE_KEY_FORMAT.en}.`,
      `开放平台接口：RSA2 应用私钥：${APP_PRIVATE_KEY_FORMAT.zh}。`,
    ),
    ui: { component: 'password-form-input' },
  },
  alipayPublicKey: {
    type: 'string',
    required: false,
    label: enZh('Alipay public key', '支付宝公钥'),
    description: enZh(
      'OpenAPI public-key mode: the Alipay public key used to verify responses and notifications.',
      '开放平台公钥模式：用于验证响应与通知的支付宝公钥。',
    ),
    ui: { component: 'textarea-form-input', spellcheck: false },
  },
  appCertificate: {
    type: 'string',
    required: false,
    label: enZh('App public key certificate', '应用公钥证书'),
    description: enZh(
      'OpenAPI certificate mode: appCertPublicKey_….crt.',
      '开放平台证书模式：应用公钥证书 appCertPublicKey_….crt。',
    ),
    ui: { component: 'textarea-form-input', spellcheck: false },
  },
  alipayCertificate: {
    type: 'string',
    required: false,
    label: enZh('Alipay public key certificate', '支付宝公钥证书'),
    description: enZh(
      'OpenAPI certificate mode: alipayCertPublicKey_RSA2.crt.',
      '开放平台证书模式：支付宝公钥证书 alipayCertPublicKey_RSA2.crt。',
    ),
    ui: { component: 'textarea-form-input', spellcheck: false },
  },
  alipayRootCertificate: {
    type: 'string',
    required: false,
    label: enZh('Alipay root certificate', '支付宝根证书'),
    description: enZh(
      'OpenAPI certificate mode: alipayRootCert.crt.',
      '开放平台证书模式：支付宝根证书 alipayRootCert.crt。',
    ),
    ui: { component: 'textarea-form-input', spellcheck: false },
  },
  encryptKey: {
    type: 'string',
    required: false,
    label: enZh('Content encryption key (AES)', '接口内容加密密钥 (AES)'),
    description: secretDescription(
      'OpenAPI interfaces: the AES key, if content encryption is enabled for the app.',
      '开放平台接口：应用开启接口内容加密时的 AES 密钥。',
    ),
    ui: { component: 'password-form-input' },
  },
  appAuthToken: {
    type: 'string',
    required: false,
    label: enZh('App auth token', '应用授权令牌 (app_auth_token)'),
    description: secretDescription(
      'OpenAPI interfaces, service-provider mode: the merchant authorisation token.',
      '开放平台接口，服务商模式：商户授权令牌。',
    ),
    ui: { component: 'password-form-input' },
  },
  alwaysQrOnDesktop: {
    type: 'boolean',
    required: false,
    defaultValue: false,
    label: enZh('Always show a QR code on desktop', '电脑端始终显示二维码'),
    description: enZh(
      'On desktop, show a QR code to scan instead of redirecting to the Alipay cashier (needs a QR-capable product).',
      '电脑端显示扫码二维码，而不跳转到支付宝收银台（须所选接口支持扫码）。',
    ),
  },
} satisfies ConfigArgs;

/** The shape of {@link alipayHandlerArgs}. */
export type AlipayHandlerArgs = typeof alipayHandlerArgs;

/**
 * The settings of one Alipay payment method as the handler callbacks receive them (parsed). Named
 * apart from the core's `AlipaySettings` (the raw flat strings) on purpose.
 */
export type AlipayHandlerArgValues = ConfigArgValues<AlipayHandlerArgs>;
