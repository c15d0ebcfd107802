/**
 * @alipay-commerce/sandbox — an offline Alipay gateway emulator with a cashier page, for integration
 * tests, demos, browser tests and reliability tests. Legacy mapi (partner + MD5/RSA) and OpenAPI (RSA2,
 * certificate mode), notifications on Alipay's retry schedule, a control API and fault injection.
 */
export {
  type AntomClientConfigInput,
  type AntomConfigInput,
  DEFAULT_ANTOM_CLIENTS,
} from './antom-accounts';
export { ANTOM_CURRENCY_EXPONENTS, SANDBOX_FX_TO_CNY } from './antom-amounts';
export { SandboxClock } from './clock';
export {
  type AppConfigInput,
  DEFAULT_APPS,
  DEFAULT_BUYER,
  DEFAULT_MERCHANTS,
  LEGACY_SERVICES,
  type MerchantConfigInput,
  type OpenApiProductName,
  SandboxConfigError,
  type SandboxConfigInput,
} from './config';
export { FAULT_KINDS, type FaultInput, type FaultKind, type FaultScope } from './faults';
export type { GatewayCall, GatewayCallFilter } from './gateway-calls';
export {
  ANTOM_ACK,
  ANTOM_RETRY_SCHEDULE_MS,
  type DeliveryRecord,
  NOTIFY_ID_GRACE_MS,
  RETRY_SCHEDULE_MS,
} from './notifier';
export { sandboxAppAuthToken } from './openapi-create';
export {
  type AntomClientInfo,
  type AppInfo,
  type MerchantInfo,
  type Sandbox,
  type SandboxInfo,
  type SandboxOptions,
  startSandbox,
} from './server';
export { formatBeijing, parseBeijing } from './time';
