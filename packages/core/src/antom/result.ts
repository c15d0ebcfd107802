import { AlipayGatewayError, AlipayResponseError, type Bilingual } from '../errors';

/**
 * The result envelope of every Antom answer and notification:
 * `{result: {resultCode, resultStatus: S|F|U, resultMessage}}`. `S` succeeded, `F` failed for good, `U` is
 * unknown — never success: inquire, and cancel when the inquiry does not settle it.
 */

/** `S` success, `F` failure, `U` unknown (in process, or Antom could not tell). */
export type AntomResultStatus = 'S' | 'F' | 'U';

/** The `result` member of an Antom answer or notification. */
export interface AntomResult {
  /** E.g. `SUCCESS`, `PAYMENT_IN_PROCESS`, `ORDER_NOT_EXIST`, `UNKNOWN_EXCEPTION`. */
  resultCode: string;
  resultStatus: AntomResultStatus;
  /** Antom's own message, for logs only. */
  resultMessage: string;
}

/**
 * The `result` member of a parsed answer, or undefined when it is missing or its `resultStatus` is not
 * `S`, `F` or `U` (such an answer is unusable).
 */
export function antomResultOf(answer: unknown): AntomResult | undefined {
  if (answer === null || typeof answer !== 'object') return undefined;
  const result = (answer as Record<string, unknown>)['result'];
  if (result === null || typeof result !== 'object') return undefined;
  const { resultCode, resultStatus, resultMessage } = result as Record<string, unknown>;
  if (resultStatus !== 'S' && resultStatus !== 'F' && resultStatus !== 'U') return undefined;
  if (typeof resultCode !== 'string' || resultCode === '') return undefined;
  return {
    resultCode,
    resultStatus,
    resultMessage: typeof resultMessage === 'string' ? resultMessage : '',
  };
}

/** Bilingual hints for the Antom result codes a shop meets; anything else gets a generic hint. */
export const ANTOM_RESULT_CODES: Readonly<Record<string, { hint: Bilingual; retryable?: boolean }>> = {
  SIGNATURE_INVALID: {
    hint: {
      en: 'Antom could not verify the request signature. The merchant private key does not match the public key uploaded in Antom Dashboard for this client ID and key version.',
      zh: 'Antom 验签失败：商户私钥与 Antom 工作台中该 Client ID 和密钥版本上传的公钥不匹配。',
    },
  },
  KEY_NOT_FOUND: {
    hint: {
      en: 'Antom has no key for this client ID and key version. Upload the public key in Antom Dashboard, or set the key version that was registered.',
      zh: 'Antom 找不到该 Client ID 和密钥版本对应的密钥。请在 Antom 工作台上传公钥，或配置已登记的密钥版本。',
    },
  },
  INVALID_CLIENT: {
    hint: {
      en: 'Antom does not know this client ID on this host. Check the client ID, the region (NA, SEA, DE), and that sandbox client IDs (SANDBOX_…) are used for tests only.',
      zh: 'Antom 在该域名下不认识此 Client ID。请检查 Client ID、区域（NA、SEA、DE），以及沙箱 Client ID（SANDBOX_…）仅用于测试。',
    },
  },
  ACCESS_DENIED: {
    hint: {
      en: 'Antom denied access: this product or payment method is not activated for the merchant. Check the contract in Antom Dashboard.',
      zh: 'Antom 拒绝访问：商户未开通该产品或支付方式。请在 Antom 工作台核对签约情况。',
    },
  },
  CURRENCY_NOT_SUPPORT: {
    hint: {
      en: 'Antom does not accept this currency for this merchant or payment method.',
      zh: 'Antom 不支持该商户或支付方式使用此币种。',
    },
  },
  REPEAT_REQ_INCONSISTENT: {
    hint: {
      en: 'The same request ID was sent before with different content. Reuse a request ID only to retry the identical request.',
      zh: '相同请求 ID 此前已用于内容不同的请求。请求 ID 只能用于完全相同请求的重试。',
    },
  },
  PARAM_ILLEGAL: {
    hint: {
      en: 'Antom refused a parameter (amount, ID, URL). Check resultMessage for the field.',
      zh: 'Antom 拒绝了某个参数（金额、ID 或网址），请根据 resultMessage 检查具体字段。',
    },
  },
  ORDER_IS_CLOSED: {
    hint: {
      en: 'The payment is closed (cancelled or expired). Create a new payment with a new payment request ID.',
      zh: '该支付已关闭（已取消或已过期）。请使用新的支付请求 ID 重新发起支付。',
    },
  },
  REFUND_AMOUNT_EXCEED: {
    hint: {
      en: 'The refund exceeds what is left to refund on this payment.',
      zh: '退款金额超过该笔支付的剩余可退金额。',
    },
  },
  REFUND_WINDOW_EXCEED: {
    hint: {
      en: 'The refund period of this payment method has passed.',
      zh: '已超过该支付方式的退款期限。',
    },
  },
  MERCHANT_BALANCE_NOT_ENOUGH: {
    hint: {
      en: 'The merchant balance at Antom is too low for this refund.',
      zh: '商户在 Antom 的余额不足，无法退款。',
    },
  },
};

/**
 * Antom answered with an `F` result: the call failed for good (`gatewayCode` = `resultCode`,
 * `gatewayMessage` = `resultMessage`). A `U` result is never this error: the client returns it as
 * unknown.
 */
export class AntomResultError extends AlipayGatewayError {
  /** The whole result envelope. */
  readonly result: AntomResult;
  /** The API that answered, e.g. `pay`. */
  readonly api: string;
  constructor(api: string, result: AntomResult) {
    const info = ANTOM_RESULT_CODES[result.resultCode];
    super(result.resultCode, {
      gatewayMessage: result.resultMessage || undefined,
      retryable: info?.retryable ?? false,
      code: 'ANTOM_RESULT_FAILED',
      hint: info?.hint ?? {
        en: `Antom refused ${api} with ${result.resultCode}. See the result codes of the Antom API document.`,
        zh: `Antom 拒绝了 ${api}，结果码 ${result.resultCode}。请查阅 Antom 接口文档中的结果码说明。`,
      },
    });
    this.result = result;
    this.api = api;
  }
}

/** Hint of every "this Antom answer cannot be trusted" error. */
export const ANTOM_RESPONSE_HINT: Bilingual = {
  en: 'Antom’s answer could not be verified. Check that the Antom public key (from Antom Dashboard, not your own public key) and the region are configured.',
  zh: '无法验证 Antom 的应答。请确认配置的是 Antom 工作台提供的 Antom 公钥（而不是商户公钥），并核对区域设置。',
};

/** An {@link AlipayResponseError} with the Antom hint. */
export function antomResponseError(message: string): AlipayResponseError {
  return new AlipayResponseError(message, ANTOM_RESPONSE_HINT);
}
