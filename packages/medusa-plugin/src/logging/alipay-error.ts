import { AlipayError, gatewayDetail } from '@alipay-commerce/core';
import { MedusaError } from '@medusajs/framework/utils';

/** The core's codes of an error (`GATEWAY_ERROR / ACQ.TRADE_NOT_EXIST`), re-exported for the plugin's messages. */
export { gatewayDetail };

/** What was being done, for messages: English and 简体中文. */
export interface AlipayAction {
  en: string;
  zh: string;
}

/**
 * Wraps an error of an Alipay call into a `MedusaError` that keeps the gateway's detail (the core's
 * code, Alipay's code and sub-code, Alipay's message) and the core's bilingual hint. The core never
 * puts a key or a signature into its errors, and nothing else is added here, so the message is safe
 * for the admin, the storefront and the log.
 */
export function alipayError(action: AlipayAction, error: unknown): MedusaError {
  if (error instanceof MedusaError) return error;
  if (error instanceof AlipayError) {
    const detail = gatewayDetail(error);
    return new MedusaError(
      // 400 with the message for business answers; 500-class for transient failures (the caller may retry).
      error.retryable ? MedusaError.Types.UNEXPECTED_STATE : MedusaError.Types.NOT_ALLOWED,
      `Alipay ${action.en} failed [${detail}]: ${error.message}. ${error.hint.en} / ` +
        `支付宝${action.zh}失败 [${detail}]：${error.hint.zh}`,
    );
  }
  return new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    `Alipay ${action.en} failed: ${(error as Error)?.message ?? String(error)} / 支付宝${action.zh}失败。`,
  );
}
