/**
 * Alipay OpenAPI (app ID + RSA2): request signing, response and notification verification, the trade
 * client and its typed errors.
 */
export {
  type OpenApiBrowserRequest,
  type OpenApiCancelResult,
  OpenApiClient,
  type OpenApiClientOptions,
  type OpenApiPaymentInput,
  type OpenApiRefundInput,
  type OpenApiRefundQueryInput,
  type OpenApiRefundQueryResult,
  type OpenApiRefundResult,
  openApiSignString,
  outRequestNoFor,
  type PrecreateResult,
  signOpenApiParams,
  type TradeReference,
} from './client';
export {
  OPENAPI_SUB_CODES,
  type OpenApiErrorFields,
  OpenApiSignatureRejectedError,
  type OpenApiSubCodeInfo,
  openApiGatewayError,
  openApiSubCodeInfo,
} from './errors';
export { openApiFieldsToTradeEvent, openApiNotificationToEvent, verifyOpenApiNotification } from './notify';
export {
  extractSignedResponse,
  OPENAPI_ERROR_RESPONSE_KEY,
  openApiResponseKey,
  type SignedResponseParts,
  verifyOpenApiResponse,
} from './response';
