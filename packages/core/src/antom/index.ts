/**
 * Antom (Alipay cross-border acquiring, the AMS API): message signatures, amounts in minor units, the
 * result envelope, the payment client and the notification verifier.
 */
export {
  ANTOM_CURRENCY_EXPONENTS,
  ANTOM_WHOLE_UNIT_CURRENCIES,
  type AntomAmount,
  type AntomAmountOptions,
  antomCurrencyExponent,
  fromAntomAmount,
  toAntomAmount,
} from './amount';
export {
  ANTOM_REGION_HOSTS,
  AntomClient,
  type AntomPaymentApi,
  type AntomRegion,
  antomApiPath,
} from './client';
export {
  ANTOM_NOTIFICATION_ACK,
  ANTOM_NOTIFY_RETRY_SCHEDULE_SECONDS,
  type AntomNotification,
  AntomNotificationError,
  type AntomNotificationErrorReason,
  type AntomNotificationInput,
  type AntomOtherNotification,
  type AntomPaymentNotification,
  type AntomRefundNotification,
  verifyAntomNotification,
} from './notify';
export { type AntomResponseInput, type VerifiedAntomResponse, verifyAntomResponse } from './response';
export {
  ANTOM_RESPONSE_HINT,
  ANTOM_RESULT_CODES,
  type AntomResult,
  AntomResultError,
  type AntomResultStatus,
  antomResultOf,
} from './result';
export {
  type AntomHeaders,
  type AntomSignatureHeader,
  type AntomSignedMessage,
  antomHeader,
  antomSignContent,
  antomTimestamp,
  decodeAntomSignatureValue,
  formatAntomSignatureHeader,
  parseAntomSignatureHeader,
  signAntomMessage,
  verifyAntomMessage,
} from './signature';
export type * from './types';
