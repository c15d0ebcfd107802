import type { ServerResponse } from 'node:http';
import { aesEncrypt } from '@alipay-commerce/core/primitives';
import { type AlipayCharset, encodeText } from './charset';
import type { App } from './config';
import type { SandboxContext } from './context';
import { send } from './http-util';
import { openApiFail as fail, OPENAPI_METHODS } from './openapi-request';
import { signOpenApiText, tamper } from './signer';

/**
 * What the OpenAPI gateway checks and signs besides the request signature: the certificate SNs a
 * certificate-mode app must send, and the answer text
 * `{"<method>_response":{…},"sign":"…"[,"alipay_cert_sn":"…"]}`, signed over the exact text of the
 * response value (`/` written `\/` as Alipay's serializer does, so clients must not re-serialize).
 */

/** The `msg` Alipay gives each `code`. */
export const OPENAPI_CODE_MESSAGES: Record<string, string> = {
  '10000': 'Success',
  '20000': 'Service Currently Unavailable',
  '20001': 'Insufficient Token Permissions',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

/** Writes the JSON answer text exactly as it will be signed. */
function jsonText(value: unknown): string {
  // Alipay's serializer escapes '/' (qr_code "https:\/\/…"); the signature covers the escaped text.
  return JSON.stringify(value).replace(/\//g, '\\/');
}

function responseKey(method: string | undefined): string {
  return method && method in OPENAPI_METHODS ? `${method.replace(/\./g, '_')}_response` : 'error_response';
}

/** Where and how an answer goes: `app` set = signed with the sandbox's key for that app. */
export interface OpenApiAnswerTo {
  method: string | undefined;
  app?: App;
  signType: 'RSA' | 'RSA2';
  /** Set when the request's biz_content was AES-encrypted: the answer value is encrypted too. */
  aesKey?: string;
  charset: AlipayCharset;
  /** For the `tamper-signature` fault's scope. */
  outTradeNos: string[];
}

/** Writes an OpenAPI answer (HTTP 200, `text/html` as Alipay sends it). */
export function sendOpenApiAnswer(
  ctx: SandboxContext,
  res: ServerResponse,
  to: OpenApiAnswerTo,
  value: Record<string, unknown>,
): void {
  const key = responseKey(to.method);
  let valueText = jsonText(value);
  if (to.aesKey) valueText = JSON.stringify(aesEncrypt(valueText, to.aesKey));
  let text = `{"${key}":${valueText}`;
  const app = to.app;
  if (app) {
    let sign = signOpenApiText(valueText, app, to.signType, to.charset);
    const spoilCtx = { appId: app.appId, outTradeNos: to.outTradeNos };
    if (ctx.faults.take('tamper-signature', spoilCtx)) sign = tamper(sign);
    // "sign" directly follows the value: SDKs cut the signed text up to `,"sign"`.
    text += `,"sign":${JSON.stringify(sign)}`;
    if (app.certificates) text += `,"alipay_cert_sn":${JSON.stringify(app.certificates.alipayCertSn)}`;
  }
  text += '}';
  send(
    res,
    200,
    encodeText(text, to.charset),
    `text/html;charset=${to.charset === 'utf-8' ? 'utf-8' : 'GBK'}`,
  );
}

/** Certificate mode: the app's and the root certificate's SNs must be sent and match; key mode: none. */
export function checkCertificates(app: App, params: Record<string, string>): void {
  const appSn = params['app_cert_sn'];
  const rootSn = params['alipay_root_cert_sn'];
  if (!app.certificates) {
    // A key-mode app sending certificate SNs mixes the two modes (a common integration mistake).
    if (appSn)
      fail(
        '40002',
        'isv.app-cert-not-exist',
        '应用公钥证书不存在 this app uses public-key mode, not certificates',
      );
    return;
  }
  if (!appSn) fail('40001', 'isv.missing-app-cert-sn', '缺少应用公钥证书序列号 missing app_cert_sn');
  if (appSn !== app.certificates.appCertSn)
    fail('40002', 'isv.app-cert-not-exist', `应用公钥证书不存在 unknown app_cert_sn ${appSn}`);
  if (!rootSn)
    fail('40001', 'isv.missing-alipay-root-cert-sn', '缺少支付宝根证书序列号 missing alipay_root_cert_sn');
  if (rootSn !== app.certificates.alipayRootCertSn) {
    fail(
      '40002',
      'isv.invalid-alipay-root-cert-sn',
      `无效的支付宝根证书序列号 alipay_root_cert_sn ${rootSn}`,
    );
  }
}
