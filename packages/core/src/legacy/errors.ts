import { AlipayGatewayError, type Bilingual, InterfaceNotContractedError } from '../errors';

/** Hints for the legacy gateway's error codes (notes A9), keyed by code. */
const HINTS: Record<string, Bilingual> = {
  ILLEGAL_SIGN: {
    en: 'Alipay rejected the signature. Check the security key (32 characters, no spaces), that _input_charset matches the charset setting, and that notify_url/return_url carry no query string of their own.',
    zh: '签名错误。请检查安全校验码（32 位，无空格）、_input_charset 与字符集设置是否一致，以及 notify_url/return_url 中是否带有自定义参数。',
  },
  ILLEGAL_PARTNER: {
    en: 'The partner ID is unknown to Alipay. Copy 合作者身份 (PID, 2088…) again from the merchant portal.',
    zh: '合作者身份（PID）不存在。请从商家服务中重新复制以 2088 开头的合作者身份。',
  },
  ILLEGAL_SECURITY_PROFILE: {
    en: 'No key of this sign type is set up for the partner. Check the sign type setting (MD5 or RSA).',
    zh: '该合作者身份没有对应签名方式的密钥配置，请检查签名方式（MD5 或 RSA）。',
  },
  ILLEGAL_CHARSET: { en: 'Use utf-8 or gbk as the charset.', zh: '字符集请使用 utf-8 或 gbk。' },
  ILLEGAL_SIGN_TYPE: { en: 'Use MD5 or RSA as the sign type.', zh: '签名方式请使用 MD5 或 RSA。' },
  ILLEGAL_ARGUMENT: {
    en: 'Alipay refused a parameter. Check amounts (0.01–100000000.00 CNY), out_trade_no (≤ 64 characters) and URLs.',
    zh: '参数格式错误。请检查金额（0.01–100000000.00 元）、商户订单号（不超过 64 位）和网址。',
  },
  ILLEGAL_ACCESS_SWITCH_SYSTEM: {
    en: 'Wrong gateway for these credentials: a partner ID goes to mapi.alipay.com, an app ID to openapi.alipay.com.',
    zh: '网关与凭据不匹配：合作者身份使用 mapi.alipay.com，APPID 使用 openapi.alipay.com。',
  },
  TRADE_NOT_EXIST: {
    en: 'Alipay has no such trade (the buyer may not have opened the cashier yet).',
    zh: '支付宝中不存在该交易（买家可能尚未打开收银台）。',
  },
  TRADE_STATUS_NOT_AVAILD: {
    en: 'The trade is not in a state that allows this action (e.g. already paid, closed or shipped).',
    zh: '交易状态不允许该操作（例如已付款、已关闭或已发货）。',
  },
  DUPLICATE_BATCH_NO: {
    en: 'This refund batch was already submitted to Alipay.',
    zh: '该退款批次号已提交过。',
  },
  SELLER_NOT_IN_SPECIFIED_SELLERS: {
    en: 'This partner may not collect money for that seller account. C2C (paying each shop owner) must be agreed with your Alipay account manager.',
    zh: '该合作者身份无权为此卖家账号收款。C2C 模式（为各店主收款）需先与支付宝客户经理确认。',
  },
};

const NOT_CONTRACTED = new Set([
  'HAS_NO_PRIVILEGE',
  'ILLEGAL_PARTNER_EXTERFACE',
  'ILLEGAL_EXTERFACE',
  'EXTERFACE_IS_CLOSED',
]);
const RETRYABLE = new Set(['SYSTEM_ERROR', 'SESSION_TIMEOUT']);

/** Turns a legacy `<error>` code into a typed error with a bilingual hint. */
export function legacyGatewayError(service: string, code: string | undefined): AlipayGatewayError {
  const errorCode = code || 'UNKNOWN_ERROR';
  if (NOT_CONTRACTED.has(errorCode)) return new InterfaceNotContractedError(service, errorCode);
  return new AlipayGatewayError(errorCode, {
    gatewayMessage: service,
    retryable: RETRYABLE.has(errorCode),
    hint: (Object.hasOwn(HINTS, errorCode) ? HINTS[errorCode] : undefined) ?? {
      en: `Alipay refused ${service} with ${errorCode}. See the error code list of the interface document.`,
      zh: `支付宝拒绝了 ${service}，错误代码 ${errorCode}。请查阅接口文档中的错误代码列表。`,
    },
  });
}
