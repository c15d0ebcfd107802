/**
 * `@alipay-commerce/core`: what a shop or an adapter uses: the facade ({@link createAlipay}), the events it
 * reports, the errors it throws, notification intake, settings and money. Two subpaths hold the rest:
 * `@alipay-commerce/core/lifecycle` (the order-lifecycle policy adapters run: decisions, refunds, orphans,
 * schedules) and `@alipay-commerce/core/primitives` (signing, verification, form and charset parsing,
 * the protocol clients: for tools, tests and the sandbox). `@alipay-commerce/core/settings` is the
 * browser-safe settings vocabulary. The main entry stays small on purpose (at most 60 values, checked by
 * `test/public-api.test.ts`): a name belongs here only when an adapter or a shop needs it.
 *
 * The groups, by module: the facade (`./facade`), events (`./events`, `./rejections`), notification
 * intake before any facade exists (`./http/request-body`, `./peek`), errors (`./errors`, each with a
 * bilingual hint) and their text for logs (`./log-text`: log-safe text, error descriptions), settings (`./settings-fields`, `./config`, `./config/policy`), money (`./money`,
 * `./currency`) and the one keyed queue both adapters serialise their writes with.
 *
 * @packageDocumentation
 */

export type { AlipayConfig, AlipayConfigInput, ConfigResult } from './config';
export { parseAlipayConfig, safeParseAlipayConfig, settingsToConfig } from './config';
export type { LegacyConfig, LegacyInterfaceType } from './config/legacy';
export type { OpenApiConfig, OpenApiProduct } from './config/openapi';
export type * from './config/policy';
export {
  checkGatewayPolicy,
  resolveEnvReference,
  resolveSettingsPolicy,
  SettingsPolicyError,
  STRICT_SETTINGS_POLICY,
} from './config/policy';
export { currencyRefusal, isAlipayCurrency } from './currency';
export type * from './errors';
export {
  AlipayConfigError,
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  bilingualLine,
  InterfaceNotContractedError,
  MoneyError,
  TradeNotClosableError,
} from './errors';
export type * from './events';
export {
  isPaidStatus,
  isRefundNotification,
  isSettledStatus,
  storefrontReturnStatus,
  toTradeStatus,
} from './events';
export type * from './facade';
export { createAlipay } from './facade';
export type { HttpOptions } from './http/fetch';
export type { ReadRequestBodyOptions, RequestBodyErrorType } from './http/request-body';
export {
  answerNotifyRequest,
  CLOSE_GRACE_MS,
  NOTIFY_BODY_DEADLINE_MS,
  NOTIFY_BODY_LIMIT_BYTES,
  notifyReplyContentType,
  RequestBodyError,
  readRequestBody,
} from './http/request-body';
export { KeyedQueue } from './keyed-queue';
export type { SellerAccount } from './legacy/client';
export { describeError, gatewayDetail, LOG_SAFE_MAX_CHARS, logSafe, logSafeId } from './log-text';
export type { MoneyOptions } from './money';
export { fenToYuan, yuanToFen } from './money';
export type { AntomNotificationPeek, NotificationPeek } from './peek';
export { peekAntomNotification, peekNotification } from './peek';
export type * from './rejections';
export { ALIPAY_ACK, ALIPAY_NACK, acknowledgedReply, isRetryableRejection } from './rejections';
export type { BuyerContext, Device, PaymentInterface } from './select';
export { interfaceTypeOfPayment } from './select';
export type * from './settings-fields';
export {
  APP_PRIVATE_KEY_FORMAT,
  changedSettingFields,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  maskSecret,
  PROTECTED_SETTINGS,
  protectedSettingFields,
  SECRET_SETTINGS,
  settingsAuditLine,
} from './settings-fields';
