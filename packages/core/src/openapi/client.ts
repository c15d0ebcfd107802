import { createHash, type KeyObject } from 'node:crypto';
import { decodeText } from '../charset';
import type { OpenApiConfig } from '../config/openapi';
import {
  AlipayConfigError,
  AlipayGatewayError,
  AlipayResponseError,
  type ConfigIssue,
  MoneyError,
  NotificationFieldError,
} from '../errors';
import type { TradeEvent } from '../events';
import { autoSubmitForm, encodeQuery } from '../http/encoding';
import { type HttpOptions, httpRequest } from '../http/fetch';
import { fenToYuan, yuanToFen } from '../money';
import { aesDecrypt, aesEncrypt } from '../sign/aes';
import { buildSignString, type SignableValue } from '../sign/canonical';
import { certSerialNumber, publicKeyFromCert, rootCertSerialNumber } from '../sign/cert';
import { type KeyInput, toPublicKey } from '../sign/keys';
import { rsaSign, rsaVerify } from '../sign/rsa';
import { formatBeijingTime } from '../time';
import { openApiGatewayError } from './errors';
import { openApiFieldsToTradeEvent } from './notify';
import { extractSignedResponse } from './response';

/** The one charset this client speaks; the same literal goes in the URL and in the signed params (D6). */
const CHARSET = 'utf-8';

/**
 * The string an OpenAPI request signature covers: every parameter except `sign` — `sign_type`, the
 * certificate SNs and `biz_content` included — empty values dropped, sorted, raw `k=v` joined by `&`.
 */
export function openApiSignString(params: Readonly<Record<string, SignableValue>>): string {
  return buildSignString(params, { exclude: ['sign'] });
}

/** RSA2 (SHA256withRSA, base64) request signature over {@link openApiSignString} with the app private key. */
export function signOpenApiParams(
  params: Readonly<Record<string, SignableValue>>,
  appPrivateKey: KeyInput,
): string {
  return rsaSign(openApiSignString(params), appPrivateKey, 'RSA2');
}

const OUT_REQUEST_NO = /^[A-Za-z0-9_]{1,64}$/;

/**
 * The `out_request_no` of a refund, derived only from the caller's refund ID: the ID itself when it is
 * already 1–64 characters of `[A-Za-z0-9_]`, otherwise `h_` + the first 62 hex digits of its SHA-256. The
 * same refund ID always gives the same number, so a retried refund is recognised by Alipay as the same
 * request and can never refund twice.
 */
export function outRequestNoFor(refundId: string): string {
  if (typeof refundId !== 'string' || refundId === '')
    throw new TypeError('refundId must be a non-empty string');
  if (OUT_REQUEST_NO.test(refundId)) return refundId;
  return `h_${createHash('sha256').update(refundId, 'utf8').digest('hex').slice(0, 62)}`;
}

/** Options of {@link OpenApiClient}. */
export interface OpenApiClientOptions {
  /** A validated OpenAPI configuration (see `parseAlipayConfig`). */
  config: OpenApiConfig;
  /** HTTP timeout, retries and `fetch` override. */
  http?: HttpOptions;
  /** Clock for `timestamp` and QR expiry (tests). Default `() => new Date()`. */
  now?: () => Date;
}

/** A payment to open on Alipay's cashier (page, wap) or as a QR code (precreate). */
export interface OpenApiPaymentInput {
  /** The merchant's order number (`out_trade_no`, ≤ 64 characters, unique). */
  outTradeNo: string;
  /** Total to pay, in fen. */
  amountFen: number;
  /** Goods name shown to the buyer (`subject`, ≤ 256 characters). */
  subject: string;
  /** Description (`body`). */
  body?: string;
  /** Absolute URL Alipay POSTs notifications to. */
  notifyUrl?: string;
  /** Absolute URL the browser returns to after paying (page and wap only). */
  returnUrl?: string;
  /** Unpaid trades close after this many whole minutes (`timeout_express`, 1–21600). */
  timeoutMinutes?: number;
  /** Echoed back in notifications and returns (`passback_params`); URL-encoded for sending as Alipay asks. */
  passback?: string;
  /** `goods_type`: physical (`1`) or virtual (`0`) goods. */
  goodsType?: 'physical' | 'virtual';
  /** wap only: where the buyer lands when leaving the cashier unpaid (`quit_url`); default `returnUrl`. */
  quitUrl?: string;
}

/** A signed browser request: a GET URL and an auto-submitting POST form carrying the same parameters. */
export interface OpenApiBrowserRequest {
  /** The method, e.g. `alipay.trade.page.pay`. */
  method: string;
  /** Every parameter sent, `sign` included. */
  params: Record<string, string>;
  /** The signed GET URL: every parameter, `biz_content` included, in the query. */
  url: string;
  /** An auto-submitting HTML form POSTing to the gateway with `?charset=utf-8`; every value HTML-escaped. */
  html: string;
}

/** A face-to-face QR payment created with `alipay.trade.precreate`. */
export interface PrecreateResult {
  outTradeNo: string;
  /** The text to render as a QR code (a `https://qr.alipay.com/…` link). */
  qrCode: string;
  /** When Alipay closes the trade unpaid (`now` + `timeoutMinutes`). */
  expiresAt: Date;
}

/** Which trade a call is about: the merchant's order number, Alipay's trade number, or both. */
export interface TradeReference {
  outTradeNo?: string;
  tradeNo?: string;
}

/** A refund of part or all of a trade. */
export interface OpenApiRefundInput extends TradeReference {
  /** The amount to refund now, in fen. */
  amountFen: number;
  /** The caller's stable ID of this refund; `out_request_no` is derived from it by {@link outRequestNoFor}. */
  refundId: string;
  /** `refund_reason`. */
  reason?: string;
}

/** Alipay's answer to a refund. */
export interface OpenApiRefundResult {
  /** The `out_request_no` sent; store it with the refund. */
  outRequestNo: string;
  /** Everything refunded on the trade so far, this refund included (`refund_fee`), in fen. */
  refundedTotalFen: number;
  /**
   * `fund_change=Y`: money moved with this call. `N` on a retry of a refund that already went through;
   * it does not prove failure — use {@link OpenApiClient.refundQuery} to know.
   */
  fundChange: boolean;
}

/** What {@link OpenApiClient.refundQuery} asks about. */
export interface OpenApiRefundQueryInput extends TradeReference {
  /** The same refund ID that was passed to {@link OpenApiClient.refund}. */
  refundId: string;
  /**
   * The `out_request_no` to ask about as Alipay knows it, when the refund was not made through
   * {@link OpenApiClient.refund} (a refund Alipay made on its own side names its own number).
   */
  outRequestNo?: string;
}

/** Whether a refund happened. */
export interface OpenApiRefundQueryResult {
  /** True only when Alipay returned `refund_amount` (and no other status than REFUND_SUCCESS). */
  refunded: boolean;
  /** The refunded amount, when refunded. */
  amountFen?: number;
}

/** Alipay's answer to `alipay.trade.cancel`. */
export interface OpenApiCancelResult {
  /** `close` (the unpaid trade was closed) or `refund` (the paid trade was refunded), when reported. */
  action?: string;
  /** `retry_flag=Y`: Alipay asks for the cancel to be sent again. */
  retry: boolean;
}

/** An answer's members as strings, for events and their `raw` record. */
function stringFields(answer: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(answer)) {
    if (value === undefined || value === null) continue;
    fields[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return fields;
}

function tradeReference(ref: TradeReference, method: string): Record<string, string> {
  const biz: Record<string, string> = {};
  if (ref.outTradeNo) biz['out_trade_no'] = ref.outTradeNo;
  if (ref.tradeNo) biz['trade_no'] = ref.tradeNo;
  if (!ref.outTradeNo && !ref.tradeNo) throw new TypeError(`${method} needs outTradeNo or tradeNo`);
  return biz;
}

function timeoutExpress(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 15 * 24 * 60) {
    throw new TypeError('timeoutMinutes must be a whole number of minutes from 1 to 21600 (15 days)');
  }
  return `${minutes}m`;
}

function withQuery(gateway: string, query: string): string {
  return `${gateway}${gateway.includes('?') ? '&' : '?'}${query}`;
}

function answerAmount(answer: Record<string, unknown>, field: string, method: string): number {
  const value = answer[field];
  try {
    return yuanToFen(value as string, { allowZero: true });
  } catch (error) {
    if (error instanceof MoneyError)
      throw new AlipayResponseError(`the ${method} answer has no valid ${field}`);
    throw error;
  }
}

/**
 * Alipay OpenAPI (app ID + RSA2) client for the trade methods a shop needs. Browser methods (`pagePay`,
 * `wapPay`) return signed URLs and forms without a server call. Server calls POST to the gateway with the
 * common parameters in the URL query and `biz_content` in the form body, verify the answer's signature on
 * the raw text before reading anything, and throw typed errors: {@link AlipayGatewayError} (bilingual
 * hint per sub-code), `InterfaceNotContractedError`, {@link AlipayResponseError}, `AlipayNetworkError`.
 *
 * Certificate serial numbers and the verification key are computed once, at construction.
 */
export class OpenApiClient {
  readonly config: OpenApiConfig;
  private readonly http: HttpOptions;
  private readonly now: () => Date;
  /**
   * The key Alipay's answers, notifications and returns verify with: Alipay's public key (public-key mode)
   * or that of `alipayCertPublicKey_RSA2.crt` (certificate mode), parsed once at construction.
   */
  readonly alipayVerifyKey: KeyObject;
  private readonly appCertSn: string | undefined;
  private readonly alipayRootCertSn: string | undefined;
  /** SN of the configured Alipay certificate, to tell a rotated certificate from a wrong key. */
  private readonly alipayCertSn: string | undefined;

  /** Throws {@link AlipayConfigError} when the keys or certificates cannot be read. */
  constructor(options: OpenApiClientOptions) {
    this.config = options.config;
    this.http = options.http ?? {};
    this.now = options.now ?? (() => new Date());
    const { appCertificate, alipayCertificate, alipayRootCertificate, alipayPublicKey } = this.config;
    if (
      appCertificate !== undefined ||
      alipayCertificate !== undefined ||
      alipayRootCertificate !== undefined
    ) {
      const issues: ConfigIssue[] = [];
      const read = <T>(field: string, file: string, compute: () => T): T | undefined => {
        try {
          return compute();
        } catch {
          issues.push({
            field,
            message: {
              en: `${field} must hold the PEM contents of ${file} in certificate mode.`,
              zh: `公钥证书模式下 ${field} 必须是 ${file} 的 PEM 内容。`,
            },
          });
          return undefined;
        }
      };
      this.appCertSn = read('appCertificate', 'appCertPublicKey_<APPID>.crt', () =>
        certSerialNumber(appCertificate!),
      );
      this.alipayRootCertSn = read('alipayRootCertificate', 'alipayRootCert.crt', () => {
        const sn = rootCertSerialNumber(alipayRootCertificate!);
        if (sn === '') throw new TypeError('no RSA root certificate');
        return sn;
      });
      const alipay = read('alipayCertificate', 'alipayCertPublicKey_RSA2.crt', () => ({
        sn: certSerialNumber(alipayCertificate!),
        key: toPublicKey(publicKeyFromCert(alipayCertificate!)),
      }));
      if (issues.length > 0 || !alipay) throw new AlipayConfigError(issues);
      this.alipayCertSn = alipay.sn;
      this.alipayVerifyKey = alipay.key;
    } else {
      try {
        this.alipayVerifyKey = toPublicKey(alipayPublicKey ?? '');
      } catch {
        throw new AlipayConfigError([
          {
            field: 'alipayPublicKey',
            message: {
              en: 'alipayPublicKey must be Alipay’s public key (支付宝公钥), PEM or one-line base64.',
              zh: 'alipayPublicKey 必须是支付宝公钥（PEM 或单行 base64）。',
            },
          },
        ]);
      }
    }
  }

  /**
   * The complete signed parameter set of one call: the common parameters (`timestamp` in Beijing time
   * whatever the server's zone; certificate SNs, `app_auth_token`, `encrypt_type=AES` when configured),
   * `biz_content` serialized once — AES-encrypted when an `encryptKey` is set — and `sign` over exactly
   * those strings.
   */
  signedParams(
    method: string,
    bizContent: Record<string, unknown>,
    urls: { notifyUrl?: string; returnUrl?: string } = {},
  ): Record<string, string> {
    const candidates: Record<string, string | undefined> = {
      // charset first: the gateway reads it from the URL query before decoding anything else (D6).
      charset: CHARSET,
      app_id: this.config.appId,
      method,
      format: 'JSON',
      sign_type: 'RSA2',
      timestamp: formatBeijingTime(this.now()),
      version: '1.0',
      notify_url: urls.notifyUrl,
      return_url: urls.returnUrl,
      app_auth_token: this.config.appAuthToken,
      app_cert_sn: this.appCertSn,
      alipay_root_cert_sn: this.alipayRootCertSn,
      encrypt_type: this.config.encryptKey ? 'AES' : undefined,
    };
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(candidates)) if (value) params[key] = value;
    // Serialized exactly once: the signed bytes are the sent bytes.
    const json = JSON.stringify(bizContent);
    params['biz_content'] = this.config.encryptKey ? aesEncrypt(json, this.config.encryptKey) : json;
    params['sign'] = signOpenApiParams(params, this.config.appPrivateKey);
    return params;
  }

  private browserRequest(
    method: string,
    productCode: string,
    input: OpenApiPaymentInput,
    extra: Record<string, string>,
  ): OpenApiBrowserRequest {
    const params = this.signedParams(
      method,
      { ...this.tradeBiz(input), product_code: productCode, ...extra },
      input,
    );
    return {
      method,
      params,
      url: withQuery(this.config.gateway, encodeQuery(params, CHARSET)),
      html: autoSubmitForm(withQuery(this.config.gateway, `charset=${CHARSET}`), params, CHARSET),
    };
  }

  private tradeBiz(input: OpenApiPaymentInput): Record<string, string> {
    if (!input.outTradeNo) throw new TypeError('outTradeNo is required');
    if (!input.subject) throw new TypeError('subject is required');
    const biz: Record<string, string> = {
      out_trade_no: input.outTradeNo,
      total_amount: fenToYuan(input.amountFen),
      subject: input.subject,
    };
    if (input.body) biz['body'] = input.body;
    if (input.timeoutMinutes !== undefined) biz['timeout_express'] = timeoutExpress(input.timeoutMinutes);
    // Alipay requires passback_params URL-encoded and hands it back unchanged; the event decodes it.
    if (input.passback) biz['passback_params'] = encodeURIComponent(input.passback);
    if (input.goodsType) biz['goods_type'] = input.goodsType === 'physical' ? '1' : '0';
    return biz;
  }

  /**
   * 电脑网站支付 `alipay.trade.page.pay` (`FAST_INSTANT_TRADE_PAY`): a signed URL and form; no server call.
   * The browser carries every parameter, so in service-provider mode it sees `app_auth_token` too, as
   * Alipay's own SDKs do; nothing else secret is in it.
   */
  pagePay(input: OpenApiPaymentInput): OpenApiBrowserRequest {
    return this.browserRequest('alipay.trade.page.pay', 'FAST_INSTANT_TRADE_PAY', input, {});
  }

  /**
   * 手机网站支付 `alipay.trade.wap.pay` (`QUICK_WAP_WAY`, the documented code — not `QUICK_WAP_PAY`): a
   * signed URL and form; no server call. `quit_url` defaults to the return URL.
   */
  wapPay(input: OpenApiPaymentInput): OpenApiBrowserRequest {
    const quitUrl = input.quitUrl ?? input.returnUrl;
    return this.browserRequest(
      'alipay.trade.wap.pay',
      'QUICK_WAP_WAY',
      input,
      quitUrl ? { quit_url: quitUrl } : {},
    );
  }

  /**
   * 当面付 `alipay.trade.precreate` (`FACE_TO_FACE_PAYMENT`): a QR code for the buyer to scan. The trade
   * expires after `timeoutMinutes` (default 15). Not retried automatically: it creates a trade.
   */
  async precreate(input: Omit<OpenApiPaymentInput, 'returnUrl' | 'quitUrl'>): Promise<PrecreateResult> {
    const minutes = input.timeoutMinutes ?? 15;
    const startedAt = this.now();
    const biz = {
      ...this.tradeBiz({ ...input, timeoutMinutes: minutes }),
      product_code: 'FACE_TO_FACE_PAYMENT',
    };
    const answer = await this.execute('alipay.trade.precreate', biz, {
      idempotent: false,
      notifyUrl: input.notifyUrl,
    });
    const qrCode = answer['qr_code'];
    if (typeof qrCode !== 'string' || qrCode === '') {
      throw new AlipayResponseError('the alipay.trade.precreate answer has no qr_code');
    }
    return {
      outTradeNo: typeof answer['out_trade_no'] === 'string' ? answer['out_trade_no'] : input.outTradeNo,
      qrCode,
      expiresAt: new Date(startedAt.getTime() + minutes * 60_000),
    };
  }

  /**
   * `alipay.trade.query`: the trade as a `query` event (the truth, not display-only), or null for
   * `ACQ.TRADE_NOT_EXIST` (normal until the buyer has opened the cashier). Retried on network failures.
   */
  async query(ref: TradeReference): Promise<TradeEvent | null> {
    const method = 'alipay.trade.query';
    let answer: Record<string, unknown>;
    try {
      answer = await this.execute(method, tradeReference(ref, method), { idempotent: true });
    } catch (error) {
      if (error instanceof AlipayGatewayError && error.subCode === 'ACQ.TRADE_NOT_EXIST') return null;
      throw error;
    }
    try {
      return openApiFieldsToTradeEvent(stringFields(answer), 'query');
    } catch (error) {
      if (error instanceof NotificationFieldError) {
        throw new AlipayResponseError(`the ${method} answer is unusable: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * `alipay.trade.refund`. `out_request_no` is {@link outRequestNoFor}(`refundId`), so calling again with
   * the same refund ID cannot refund twice. Never retried automatically: it moves money; on a network
   * error, call again with the same refund ID or use {@link refundQuery}.
   */
  async refund(input: OpenApiRefundInput): Promise<OpenApiRefundResult> {
    const method = 'alipay.trade.refund';
    const outRequestNo = outRequestNoFor(input.refundId);
    const biz: Record<string, string> = {
      ...tradeReference(input, method),
      refund_amount: fenToYuan(input.amountFen),
      out_request_no: outRequestNo,
    };
    if (input.reason) biz['refund_reason'] = input.reason;
    const answer = await this.execute(method, biz, { idempotent: false });
    return {
      outRequestNo,
      refundedTotalFen: answerAmount(answer, 'refund_fee', method),
      fundChange: answer['fund_change'] === 'Y',
    };
  }

  /**
   * `alipay.trade.fastpay.refund.query` for the refund made with `refundId`. `code=10000` alone means
   * nothing: the refund happened only when `refund_amount` comes back (notes B7). Retried on network
   * failures. Alipay may need about 10 seconds after the refund before it answers.
   */
  async refundQuery(input: OpenApiRefundQueryInput): Promise<OpenApiRefundQueryResult> {
    const method = 'alipay.trade.fastpay.refund.query';
    const biz = {
      ...tradeReference(input, method),
      out_request_no: input.outRequestNo ?? outRequestNoFor(input.refundId),
      query_options: ['gmt_refund_pay'],
    };
    const answer = await this.execute(method, biz, { idempotent: true });
    const refundAmount = answer['refund_amount'];
    if (refundAmount === undefined || refundAmount === null || refundAmount === '')
      return { refunded: false };
    const status = answer['refund_status'];
    if (status !== undefined && status !== 'REFUND_SUCCESS') return { refunded: false };
    const amountFen = answerAmount(answer, 'refund_amount', method);
    return amountFen > 0 ? { refunded: true, amountFen } : { refunded: false };
  }

  /** `alipay.trade.close`: closes an unpaid trade (`WAIT_BUYER_PAY` only). Retried on network failures. */
  async close(ref: TradeReference): Promise<void> {
    const method = 'alipay.trade.close';
    await this.execute(method, tradeReference(ref, method), { idempotent: true });
  }

  /**
   * `alipay.trade.cancel` (face-to-face): closes the trade, or refunds it when already paid (`action`).
   * Not retried automatically, as it may move money; `retry` says when Alipay asks for another attempt.
   */
  async cancel(ref: TradeReference): Promise<OpenApiCancelResult> {
    const method = 'alipay.trade.cancel';
    const answer = await this.execute(method, tradeReference(ref, method), { idempotent: false });
    const result: OpenApiCancelResult = { retry: answer['retry_flag'] === 'Y' };
    if (typeof answer['action'] === 'string' && answer['action'] !== '') result.action = answer['action'];
    return result;
  }

  /** Sends one server call and returns the verified (and decrypted) answer object with `code` 10000. */
  private async execute(
    method: string,
    bizContent: Record<string, unknown>,
    options: { idempotent: boolean; notifyUrl?: string },
  ): Promise<Record<string, unknown>> {
    const { biz_content, ...common } = this.signedParams(method, bizContent, {
      notifyUrl: options.notifyUrl,
    });
    const response = await httpRequest(
      {
        url: withQuery(this.config.gateway, encodeQuery(common, CHARSET)),
        method: 'POST',
        headers: {
          'content-type': `application/x-www-form-urlencoded;charset=${CHARSET}`,
          accept: 'application/json',
        },
        body: encodeQuery({ biz_content: biz_content! }, CHARSET),
        idempotent: options.idempotent,
      },
      this.http,
    );
    let rawBody: string;
    try {
      rawBody = decodeText(response.body, CHARSET);
    } catch {
      throw new AlipayResponseError(`the ${method} answer is not valid UTF-8`);
    }
    return this.readAnswer(method, rawBody);
  }

  /**
   * Verifies the signature over the raw response text before trusting anything, decrypts an AES answer,
   * then maps `code` ≠ 10000 to typed errors. An error without a sign is still reported with its code
   * (Alipay omits the sign on some gateway errors); a success without a valid sign never passes.
   */
  private readAnswer(method: string, rawBody: string): Record<string, unknown> {
    const parts = extractSignedResponse(rawBody, method);
    if (!parts) throw new AlipayResponseError(`the ${method} answer is not an Alipay OpenAPI response`);
    const signed = parts.sign !== null;
    if (signed && !rsaVerify(parts.content, parts.sign!, this.alipayVerifyKey, 'RSA2')) {
      const rotated =
        this.alipayCertSn !== undefined &&
        parts.alipayCertSn !== undefined &&
        parts.alipayCertSn !== this.alipayCertSn;
      throw new AlipayResponseError(
        `the ${method} answer's signature does not verify`,
        rotated
          ? {
              en: 'Alipay signed with another certificate than the configured one (alipay_cert_sn differs): Alipay’s certificate was renewed. Download the new alipayCertPublicKey_RSA2.crt from the open platform.',
              zh: '支付宝使用了与配置不同的证书签名（alipay_cert_sn 不一致），支付宝公钥证书已更新。请从开放平台下载新的 alipayCertPublicKey_RSA2.crt。',
            }
          : undefined,
      );
    }
    const answer = this.parseContent(method, parts.content, signed);
    if (answer['code'] !== '10000') throw openApiGatewayError(method, answer);
    if (!signed) throw new AlipayResponseError(`the ${method} answer reports success but carries no sign`);
    return answer;
  }

  private parseContent(method: string, content: string, signed: boolean): Record<string, unknown> {
    let text = content;
    if (content.startsWith('"')) {
      // An encrypted answer: the signature covered the quoted ciphertext; decrypt only after verifying it.
      if (!signed) throw new AlipayResponseError(`the ${method} answer is encrypted but carries no sign`);
      if (!this.config.encryptKey) {
        throw new AlipayResponseError(
          `the ${method} answer is AES-encrypted but no encryptKey is configured`,
        );
      }
      try {
        text = aesDecrypt(JSON.parse(content) as string, this.config.encryptKey);
      } catch {
        throw new AlipayResponseError(
          `the ${method} answer cannot be decrypted with the configured encryptKey`,
          {
            en: 'The answer could not be decrypted. Check that encryptKey is the AES key set for this app (接口内容加密方式).',
            zh: '无法解密应答。请确认 encryptKey 为该应用“接口内容加密方式”中设置的 AES 密钥。',
          },
        );
      }
    }
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new AlipayResponseError(`the ${method} answer is not a JSON object`);
  }
}
