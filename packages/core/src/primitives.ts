/**
 * `@alipay-commerce/core/primitives`: the protocol building blocks below the facade: signing and
 * verification (MD5, RSA/RSA2, AES, certificates), form, charset, XML and time parsing, money
 * conversion and the protocol clients (legacy, OpenAPI, and Antom for cross-border payments). Shops and adapters need none of them (the facade does all
 * of this); they are public for tools, benchmarks, tests and the sandbox, which signs with the same
 * primitives but keeps its own parsing so that it checks the core independently.
 *
 * @packageDocumentation
 */

// Antom (Alipay cross-border acquiring): signatures, amounts, client, notifications.
export * from './antom';
export type { AlipayCharset } from './charset';
export { decodeText, encodeText, normalizeCharset } from './charset';
export { diagnoseNotification } from './doctor';
export { FormBodyError, MoneyError, NotificationFieldError } from './errors';
export { autoSubmitForm, encodeQuery, escapeHtml } from './http/encoding';
export type * from './http/form';
// Parsing: forms, charsets, XML, Beijing time, money.
export { DEFAULT_MAX_FORM_BYTES, formBodyCharset, parseFormBody } from './http/form';
export { parseLegacyXml, xmlDeclaredEncoding } from './http/xml';
export type * from './legacy/client';
// The protocol clients the facade is built on.
export { LegacyClient, legacyBatchNoFor } from './legacy/client';
export { verifyLegacyNotification, verifyLegacyReturn, verifyLegacySignature } from './legacy/notify';
export { fenToYuan, MAX_AMOUNT_FEN, MIN_AMOUNT_FEN, yuanToFen } from './money';
export type * from './openapi/client';
export { OpenApiClient, openApiSignString, outRequestNoFor, signOpenApiParams } from './openapi/client';
export { verifyOpenApiNotification } from './openapi/notify';
export { extractSignedResponse, verifyOpenApiResponse } from './openapi/response';
export { selectInterface } from './select';
// Signing and verification.
export { aesDecrypt, aesEncrypt } from './sign/aes';
export { buildSignString } from './sign/canonical';
export { certSerialNumber, publicKeyFromCert, rootCertSerialNumber, splitCertificates } from './sign/cert';
export { cachedKeyCount, type KeyInput, toPrivateKey, toPublicKey } from './sign/keys';
export { md5Sign, md5Verify } from './sign/md5';
export type * from './sign/rsa';
export { rsaSign, rsaVerify } from './sign/rsa';
export { beijingDate, formatBeijingTime, parseBeijingTime } from './time';
