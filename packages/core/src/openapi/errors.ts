import {
  AlipayGatewayError,
  type Bilingual,
  InterfaceNotContractedError,
  NOT_CONTRACTED_HINT,
} from '../errors';

/** The error members of an OpenAPI answer (`code`, `msg`, `sub_code`, `sub_msg`). */
export interface OpenApiErrorFields {
  code?: unknown;
  msg?: unknown;
  sub_code?: unknown;
  sub_msg?: unknown;
}

/** What the client knows about one `sub_code`: a bilingual hint and whether trying again can help. */
export interface OpenApiSubCodeInfo {
  hint: Bilingual;
  retryable?: boolean;
}

/**
 * Bilingual hints for the OpenAPI `sub_code`s a shop integration meets (notes B8, pitfalls D1, D5–D7, D10).
 * `isv.missing-*` is matched by prefix ({@link openApiSubCodeInfo}); `isp.*` and code `20000` are
 * retryable whatever the sub-code.
 */
export const OPENAPI_SUB_CODES: Readonly<Record<string, OpenApiSubCodeInfo>> = {
  'isv.invalid-signature': {
    hint: {
      en: 'Alipay could not verify the request signature. The app private key does not match the app public key (or certificate) uploaded for this app ID, or the key pair belongs to another app. Check the pair with Alipay’s key tool; the error message holds the string the gateway verified (验签字符串) to compare with yours.',
      zh: '支付宝验签失败：应用私钥与该 APPID 上传的应用公钥（或证书）不匹配，或密钥属于其他应用。请用支付宝密钥工具校验密钥对；错误信息中包含网关生成的验签字符串，可与本地签名字符串比对。',
    },
  },
  'isv.invalid-app-id': {
    hint: {
      en: 'Alipay does not know this app ID on this gateway. Check the 16-digit APPID, and that sandbox app IDs go to the sandbox gateway and production ones to production.',
      zh: '该网关上不存在此 APPID。请检查 16 位 APPID，沙箱应用须使用沙箱网关，正式应用须使用正式网关。',
    },
  },
  'isv.invalid-timestamp': {
    hint: {
      en: 'Alipay refused the timestamp. It must be yyyy-MM-dd HH:mm:ss in Beijing time (GMT+8) and the server clock must be right; synchronise it with NTP.',
      zh: '时间戳无效。必须为北京时间（GMT+8）yyyy-MM-dd HH:mm:ss 格式，且服务器时间须准确，请用 NTP 同步时钟。',
    },
  },
  'isv.app-cert-not-exist': {
    hint: {
      en: 'Alipay does not know this app certificate (app_cert_sn). Upload the app certificate made from this key pair, or switch the app to public-key mode if it does not use certificates; do not mix the two modes.',
      zh: '应用公钥证书不存在（app_cert_sn 无效）。请使用由该密钥对生成的应用公钥证书；若应用未使用证书模式，请改用公钥模式，两种模式不可混用。',
    },
  },
  'invalid-alipay-root-cert-sn': {
    hint: {
      en: 'alipay_root_cert_sn is wrong. Use the alipayRootCert.crt downloaded with this app’s certificates (the current bundle gives 687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6).',
      zh: 'alipay_root_cert_sn 错误。请使用与本应用证书一同下载的 alipayRootCert.crt（当前根证书的 SN 为 687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6）。',
    },
  },
  'isv.missing-*': {
    hint: {
      en: 'Alipay says a required parameter is missing. This is a bug in the integration; report it with the sub-code.',
      zh: '支付宝提示缺少必填参数，属于集成程序缺陷，请附上错误子码反馈。',
    },
  },
  'aop.invalid-auth-token': {
    hint: {
      en: 'The authorization token is invalid or expired. In service-provider mode, have the merchant authorize the app again and store the new app_auth_token.',
      zh: '授权令牌无效或已过期。服务商模式下请让商户重新授权，并保存新的 app_auth_token。',
    },
  },
  'isv.invalid-app-auth-token': {
    hint: {
      en: 'app_auth_token is invalid or expired. Have the merchant authorize the app again and store the new token.',
      zh: 'app_auth_token 无效或已过期，请让商户重新授权并保存新的令牌。',
    },
  },
  'isv.decryption-error-*': {
    hint: {
      en: 'Alipay could not decrypt the request. The AES key (encryptKey) differs from the one set under 接口内容加密方式 for this app.',
      zh: '支付宝无法解密请求：encryptKey 与该应用“接口内容加密方式”中设置的 AES 密钥不一致。',
    },
  },
  // Both become InterfaceNotContractedError, with the same hint as legacy HAS_NO_PRIVILEGE.
  'ACQ.ACCESS_FORBIDDEN': { hint: NOT_CONTRACTED_HINT },
  'isv.insufficient-isv-permissions': { hint: NOT_CONTRACTED_HINT },
  'ACQ.TRADE_NOT_EXIST': {
    hint: {
      en: 'Alipay has no such trade yet. That is normal until the buyer has opened the cashier and logged in or scanned the code.',
      zh: '支付宝中尚无该交易。买家打开收银台并登录或扫码之前，这是正常现象。',
    },
  },
  'ACQ.TRADE_HAS_SUCCESS': {
    hint: {
      en: 'The trade is already paid; it cannot be paid again or closed. Query it and refund if needed.',
      zh: '交易已支付成功，不能重复支付或关闭。请查询交易，如有需要请退款。',
    },
  },
  'ACQ.TRADE_HAS_CLOSE': {
    hint: {
      en: 'The trade is closed (timed out unpaid, or fully refunded). Create a new payment with a new order number.',
      zh: '交易已关闭（超时未支付或已全额退款）。请使用新的商户订单号重新发起支付。',
    },
  },
  'ACQ.TRADE_HAS_FINISHED': {
    hint: {
      en: 'The trade is finished and no longer accepts changes or refunds.',
      zh: '交易已完结，不能再修改或退款。',
    },
  },
  'ACQ.TRADE_STATUS_ERROR': {
    hint: {
      en: 'The trade is not in a state that allows this action (for example refunding an unpaid trade, or closing a paid one).',
      zh: '交易状态不允许该操作（例如对未支付交易退款，或关闭已支付交易）。',
    },
  },
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': {
    // 退款金额超限: what is left to refund on the trade is less than this refund. (A request number
    // reused with other content is ACQ.DISCORDANT_REPEAT_REQUEST.)
    hint: {
      en: 'The refund amount exceeds what is left to refund on this trade (it may have been refunded elsewhere, e.g. in the Alipay merchant portal). Check the trade’s refunds and refund a smaller amount.',
      zh: '退款金额超过该交易的可退金额（可能已在别处退款，例如支付宝商家中心）。请核对该交易的退款记录后以较小金额退款。',
    },
  },
  'ACQ.DISCORDANT_REPEAT_REQUEST': {
    hint: {
      en: 'The same request number was sent before with different content. Reuse it only to retry the identical request.',
      zh: '相同请求号此前已用于内容不同的请求。请求号只能用于完全相同请求的重试。',
    },
  },
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': {
    hint: {
      en: 'The merchant’s Alipay balance is too low for this refund. Top up the account balance, then retry the refund.',
      zh: '商户支付宝账户余额不足，无法退款。请先充值账户余额，再重试退款。',
    },
  },
  'ACQ.REFUND_FEE_ERROR': {
    hint: {
      en: 'The refund amount is invalid or exceeds what can still be refunded on this trade.',
      zh: '退款金额无效，或超过该交易剩余可退金额。',
    },
  },
  'ACQ.TRADE_NOT_ALLOW_REFUND': {
    hint: {
      en: 'Refunds are not allowed on this trade (outside the refund period, or not supported by the product).',
      zh: '该交易不允许退款（超过退款期限或产品不支持）。',
    },
  },
  'ACQ.CONTEXT_INCONSISTENT': {
    hint: {
      en: 'The order number was already used with different trade details (amount or subject). Use a new order number.',
      zh: '该商户订单号已用于不同的交易信息（金额或标题）。请使用新的商户订单号。',
    },
  },
  'ACQ.INVALID_PARAMETER': {
    hint: {
      en: 'Alipay refused a parameter (amount, order number or URL). Check the sub_msg for the field.',
      zh: '参数无效（金额、订单号或网址），请根据 sub_msg 检查具体字段。',
    },
  },
  'ACQ.SYSTEM_ERROR': {
    hint: {
      en: 'Alipay had a temporary system error. Query the trade before retrying.',
      zh: '支付宝系统繁忙，请先查询交易状态再重试。',
    },
    retryable: true,
  },
};

const RETRY_HINT: Bilingual = {
  en: 'Alipay’s service is temporarily unavailable. Try again later; for payments and refunds, query first.',
  zh: '支付宝服务暂时不可用，请稍后重试；涉及付款或退款时请先查询。',
};

/** The table entry for a sub-code: exact match first, then the `isv.missing-*`-style prefix entries. */
export function openApiSubCodeInfo(subCode: string | undefined): OpenApiSubCodeInfo | undefined {
  if (!subCode) return undefined;
  const exact = OPENAPI_SUB_CODES[subCode];
  if (exact) return exact;
  for (const [pattern, info] of Object.entries(OPENAPI_SUB_CODES)) {
    if (pattern.endsWith('*') && subCode.startsWith(pattern.slice(0, -1))) return info;
  }
  return undefined;
}

/** Sub-codes meaning "this product is not in your contract" — the OpenAPI twins of `HAS_NO_PRIVILEGE`. */
const NOT_CONTRACTED_SUB_CODES = new Set(['ACQ.ACCESS_FORBIDDEN', 'isv.insufficient-isv-permissions']);

const SIGN_STRING_MARKER = /验签字符串为[：:]\s*/;

function decodeEntities(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/**
 * Hides `app_auth_token` / `auth_token` values: they are signed request parameters, so Alipay echoes them
 * in its 验签字符串, and they are credentials that must not reach a log line.
 */
function redactTokens(text: string): string {
  // Any separator may precede the name (`：`, `&`, `&amp;`); only a longer parameter name may not.
  return text.replace(/(?<![A-Za-z0-9_])((?:app_)?auth_token=)[^&\s]*/g, '$1***');
}

/**
 * `isv.invalid-signature`: the gateway refused the request signature. `gatewaySignString` is the string
 * Alipay says it verified (网关生成的验签字符串, HTML entities decoded, tokens redacted): diff it against
 * the locally signed string to find the parameter that differs. It holds request parameters, no secret.
 */
export class OpenApiSignatureRejectedError extends AlipayGatewayError {
  /** The gateway's own pre-sign string from `sub_msg`, when it sent one. */
  readonly gatewaySignString: string | undefined;
  constructor(gatewayCode: string, options: { subCode: string; gatewayMessage?: string; hint: Bilingual }) {
    super(gatewayCode, { ...options, code: 'SIGNATURE_REJECTED' });
    const marker = options.gatewayMessage ? SIGN_STRING_MARKER.exec(options.gatewayMessage) : null;
    this.gatewaySignString =
      marker && options.gatewayMessage
        ? decodeEntities(options.gatewayMessage.slice(marker.index + marker[0].length))
        : undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Turns an OpenAPI error answer (`code` ≠ `10000`) into a typed error with a bilingual hint:
 * `ACQ.ACCESS_FORBIDDEN` and `isv.insufficient-isv-permissions` (40006) → {@link InterfaceNotContractedError}
 * (same 合同列表 hint as legacy `HAS_NO_PRIVILEGE`); `isv.invalid-signature` →
 * {@link OpenApiSignatureRejectedError} whose message includes Alipay's 验签字符串; everything else →
 * {@link AlipayGatewayError}, retryable for `20000`, `isp.*` and `ACQ.SYSTEM_ERROR`.
 */
export function openApiGatewayError(method: string, fields: OpenApiErrorFields): AlipayGatewayError {
  const code = text(fields.code) ?? 'UNKNOWN';
  const subCode = text(fields.sub_code);
  const subMessage = text(fields.sub_msg);
  const gatewayMessage = (() => {
    const message = subMessage ?? text(fields.msg);
    return message === undefined ? undefined : redactTokens(message);
  })();
  if ((subCode && NOT_CONTRACTED_SUB_CODES.has(subCode)) || code === '40006') {
    return new InterfaceNotContractedError(method, code, { subCode, gatewayMessage });
  }
  const info = openApiSubCodeInfo(subCode);
  if (subCode === 'isv.invalid-signature' && info) {
    return new OpenApiSignatureRejectedError(code, { subCode, gatewayMessage, hint: info.hint });
  }
  const retryable = info?.retryable === true || code === '20000' || (subCode?.startsWith('isp.') ?? false);
  return new AlipayGatewayError(code, {
    subCode,
    gatewayMessage,
    retryable,
    hint:
      info?.hint ??
      (retryable
        ? RETRY_HINT
        : {
            en: `Alipay refused ${method} with ${[code, subCode].filter(Boolean).join(' / ')}. See the error codes of the interface document.`,
            zh: `支付宝拒绝了 ${method}，错误码 ${[code, subCode].filter(Boolean).join(' / ')}。请查阅接口文档中的错误码说明。`,
          }),
  });
}
