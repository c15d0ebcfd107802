import type { KeyObject } from 'node:crypto';
import { AlipayConfigError, type ConfigIssue, MoneyError } from '../errors';
import { type HttpOptions, httpRequest } from '../http/fetch';
import { type KeyInput, toPrivateKey, toPublicKey } from '../sign/keys';
import { type AntomAmount, fromAntomAmount, toAntomAmount } from './amount';
import { verifyAntomResponse } from './response';
import { type AntomResult, AntomResultError, antomResponseError } from './result';
import { antomTimestamp, formatAntomSignatureHeader, signAntomMessage } from './signature';
import type {
  AntomCancelResult,
  AntomClientOptions,
  AntomInquiryResult,
  AntomPayInput,
  AntomPaymentReference,
  AntomPaymentStatus,
  AntomPayResult,
  AntomRedirectActionForm,
  AntomRefundInput,
  AntomRefundInquiryResult,
  AntomRefundResult,
} from './types';

/** Antom's regional API hosts. */
export const ANTOM_REGION_HOSTS = Object.freeze({
  /** North America. */
  NA: 'https://open-na-global.alipay.com',
  /** South-East Asia. */
  SEA: 'https://open-sea-global.alipay.com',
  /** Europe (Germany). */
  DE: 'https://open-de-global.alipay.com',
  /** Merchants in the US (docs.antom.com/ac/ams/api_fund: "US Merchants"). */
  US: 'https://open.antglobal-us.com',
});

/** An Antom region: which host serves the merchant's client ID. */
export type AntomRegion = keyof typeof ANTOM_REGION_HOSTS;

/** The payment APIs this client calls, under `/ams/api/v1/payments/`. */
export type AntomPaymentApi = 'pay' | 'inquiryPayment' | 'refund' | 'inquiryRefund' | 'cancel';

/**
 * The request path of an API for a client ID: `/ams/api/v1/payments/<api>`, or
 * `/ams/sandbox/api/v1/payments/<api>` for a sandbox client ID (one starting with `SANDBOX_`), as the
 * official SDKs do.
 */
export function antomApiPath(clientId: string, api: AntomPaymentApi): string {
  const base = clientId.startsWith('SANDBOX_') ? '/ams/sandbox/api' : '/ams/api';
  return `${base}/v1/payments/${api}`;
}

/** Antom's answers meaning "no such refund". */
const REFUND_NOT_FOUND_CODES = new Set(['REFUND_NOT_EXIST', 'ORDER_NOT_EXIST']);

const REQUEST_ID = /^[\x21-\x7e]{1,64}$/;

function requestId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !REQUEST_ID.test(value)) {
    throw new TypeError(`${name} must be 1–64 printable ASCII characters without spaces`);
  }
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function reference(ref: AntomPaymentReference, api: string): Record<string, string> {
  const body: Record<string, string> = {};
  if (ref.paymentRequestId) body['paymentRequestId'] = ref.paymentRequestId;
  if (ref.paymentId) body['paymentId'] = ref.paymentId;
  if (!ref.paymentRequestId && !ref.paymentId)
    throw new TypeError(`${api} needs paymentRequestId or paymentId`);
  return body;
}

/**
 * The amount field of an inquiry's answer in minor units, with its currency; an invalid amount, or none
 * where the status needs one (`required`: a success), makes the whole answer untrustworthy.
 */
function amountOfAnswer(
  answer: Record<string, unknown>,
  api: AntomPaymentApi,
  name: 'paymentAmount' | 'refundAmount',
  required: boolean,
): { amountMinor?: number; currency?: string } {
  if (answer[name] === undefined) {
    if (required) throw antomResponseError(`the Antom ${api} answer reports SUCCESS without ${name}`);
    return {};
  }
  try {
    return {
      amountMinor: fromAntomAmount(answer[name]),
      currency: (answer[name] as AntomAmount).currency.toUpperCase(),
    };
  } catch (error) {
    if (error instanceof MoneyError)
      throw antomResponseError(`the Antom ${api} answer has an invalid ${name}`);
    throw error;
  }
}

const PAYMENT_STATUSES = new Set<string>(['SUCCESS', 'FAIL', 'PROCESSING', 'CANCELLED', 'PENDING']);

function redirectForm(value: unknown): AntomRedirectActionForm | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const redirectUrl = text(record['redirectUrl']);
  if (!redirectUrl) return undefined;
  const form: AntomRedirectActionForm = {
    method: text(record['method'])?.toUpperCase() ?? 'GET',
    redirectUrl,
  };
  const parameters = text(record['parameters']);
  if (parameters) form.parameters = parameters;
  return form;
}

/**
 * Antom (Alipay cross-border acquiring, AMS API) client for the cashier payment a shop needs: `pay`
 * (`CASHIER_PAYMENT`), `inquiryPayment`, `refund` and `cancel`. Every request is signed over the exact body
 * string that is sent; every answer is verified (`verifyAntomResponse`) before anything in it is read. A `U`
 * result is returned as `unknown`, never as success; an `F` result throws `AntomResultError`; network
 * trouble throws `AlipayNetworkError`; an untrustworthy answer throws `AlipayResponseError`. Only the
 * inquiry is retried on network failures: the others move money or change state.
 */
export class AntomClient {
  /** The merchant's client ID. */
  readonly clientId: string;
  /** The `keyVersion` sent in every `Signature` header. */
  readonly keyVersion: string;
  /** The origin (and optional path prefix) requests go to. */
  readonly gateway: string;
  private readonly privateKey: KeyObject;
  private readonly antomPublicKey: KeyObject;
  private readonly http: HttpOptions;
  private readonly now: () => Date;

  /** Throws `AlipayConfigError` naming every unusable option. */
  constructor(options: AntomClientOptions) {
    const issues: ConfigIssue[] = [];
    const issue = (field: string, en: string, zh: string) => issues.push({ field, message: { en, zh } });
    if (typeof options.clientId !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(options.clientId)) {
      issue(
        'clientId',
        'clientId must be the client ID from Antom Dashboard.',
        'clientId 必须是 Antom 工作台中的 Client ID。',
      );
    }
    const keyVersion = String(options.keyVersion ?? 1);
    if (!/^[0-9]{1,9}$/.test(keyVersion)) {
      issue(
        'keyVersion',
        'keyVersion must be a whole number (default 1).',
        'keyVersion 必须是整数（默认 1）。',
      );
    }
    /** The RSA key `parse` reads from `input`, or an issue on `field` (never the key's text). */
    const rsaKey = (
      parse: (input: KeyInput) => KeyObject,
      input: KeyInput,
      field: string,
      en: string,
      zh: string,
    ) => {
      try {
        const key = parse(input);
        if (key.asymmetricKeyType === 'rsa') return key;
      } catch {
        // Reported below, without the parser's message (it may quote the key).
      }
      issue(field, en, zh);
      return undefined;
    };
    const privateKey = rsaKey(
      toPrivateKey,
      options.merchantPrivateKey,
      'merchantPrivateKey',
      'merchantPrivateKey must be the merchant’s RSA private key (PEM or one-line base64).',
      'merchantPrivateKey 必须是商户 RSA 私钥（PEM 或单行 base64）。',
    );
    const antomPublicKey = rsaKey(
      toPublicKey,
      options.antomPublicKey,
      'antomPublicKey',
      'antomPublicKey must be Antom’s public key from Antom Dashboard (PEM or one-line base64).',
      'antomPublicKey 必须是 Antom 工作台中的 Antom 公钥（PEM 或单行 base64）。',
    );
    let gateway: string | undefined;
    if (options.gateway !== undefined) {
      try {
        const url = new URL(options.gateway);
        if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash)
          throw new TypeError();
        gateway = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
      } catch {
        issue(
          'gateway',
          'gateway must be an http(s) origin such as https://open-na-global.alipay.com.',
          'gateway 必须是 http(s) 地址，例如 https://open-na-global.alipay.com。',
        );
      }
    } else if (options.region !== undefined && Object.hasOwn(ANTOM_REGION_HOSTS, options.region)) {
      gateway = ANTOM_REGION_HOSTS[options.region];
    } else {
      issue(
        'region',
        'region must be NA, SEA, DE or US (the region of the Antom contract).',
        'region 必须是 NA、SEA、DE 或 US（Antom 签约所在区域）。',
      );
    }
    if (issues.length > 0 || !privateKey || !antomPublicKey || !gateway) throw new AlipayConfigError(issues);
    this.clientId = options.clientId;
    this.keyVersion = keyVersion;
    this.gateway = gateway;
    this.privateKey = privateKey;
    this.antomPublicKey = antomPublicKey;
    this.http = {
      ...options.http,
      timeoutMs: options.timeoutMs ?? options.http?.timeoutMs ?? 10_000,
    };
    this.now = options.now ?? (() => new Date());
  }

  /** The path signed and sent for an API: the gateway's path prefix, if any, then {@link antomApiPath}. */
  pathOf(api: AntomPaymentApi): string {
    return `${new URL(this.gateway).pathname.replace(/\/+$/, '')}${antomApiPath(this.clientId, api)}`;
  }

  /**
   * `pay` with `productCode: CASHIER_PAYMENT`: opens Antom's cashier for the buyer. Never retried
   * automatically; sending it again with the same `paymentRequestId` is how to retry.
   */
  async pay(input: AntomPayInput): Promise<AntomPayResult> {
    const paymentRequestId = requestId('paymentRequestId', input.paymentRequestId);
    if (!input.referenceOrderId) throw new TypeError('referenceOrderId is required');
    if (!input.orderDescription) throw new TypeError('orderDescription is required');
    if (!input.paymentMethodType) throw new TypeError('paymentMethodType is required');
    if (!input.paymentRedirectUrl) throw new TypeError('paymentRedirectUrl is required');
    const amount = toAntomAmount(input.amountMinor, input.currency);
    const terminalType = input.terminalType ?? 'WEB';
    const env: Record<string, string> = { terminalType };
    if (terminalType === 'WAP' && input.osType) env['osType'] = input.osType;
    const body: Record<string, unknown> = {
      productCode: 'CASHIER_PAYMENT',
      paymentRequestId,
      order: {
        referenceOrderId: input.referenceOrderId,
        orderDescription: input.orderDescription,
        orderAmount: amount,
        env,
      },
      paymentAmount: amount,
      paymentMethod: { paymentMethodType: input.paymentMethodType },
      paymentRedirectUrl: input.paymentRedirectUrl,
      env,
    };
    if (input.paymentNotifyUrl) body['paymentNotifyUrl'] = input.paymentNotifyUrl;
    if (input.paymentExpiryTime) body['paymentExpiryTime'] = input.paymentExpiryTime;
    if (input.settlementCurrency) {
      body['settlementStrategy'] = { settlementCurrency: input.settlementCurrency.trim().toUpperCase() };
    }
    const { result, answer } = await this.call('pay', body, false);
    const paymentId = text(answer['paymentId']);
    if (result.resultStatus === 'S') {
      return { outcome: 'paid', paymentRequestId, ...(paymentId ? { paymentId } : {}), result };
    }
    if (result.resultCode === 'PAYMENT_IN_PROCESS') {
      const normalUrl = text(answer['normalUrl']);
      const form = redirectForm(answer['redirectActionForm']);
      if (normalUrl || form) {
        return {
          outcome: 'redirect',
          paymentRequestId,
          ...(paymentId ? { paymentId } : {}),
          ...(normalUrl ? { normalUrl } : {}),
          ...(form ? { redirectActionForm: form } : {}),
          result,
        };
      }
    }
    return { outcome: 'unknown', paymentRequestId, result };
  }

  /**
   * `inquiryPayment`: the payment's status, the truth to act on (a redirect or a notification alone proves
   * nothing without it). Retried on network failures.
   */
  async inquiryPayment(ref: AntomPaymentReference): Promise<AntomInquiryResult> {
    let outcome: { result: AntomResult; answer: Record<string, unknown> };
    try {
      outcome = await this.call('inquiryPayment', reference(ref, 'inquiryPayment'), true);
    } catch (error) {
      if (error instanceof AntomResultError && error.result.resultCode === 'ORDER_NOT_EXIST') {
        return { outcome: 'not_found', result: error.result };
      }
      throw error;
    }
    const { result, answer } = outcome;
    if (result.resultStatus !== 'S') return { outcome: 'unknown', result };
    const status = answer['paymentStatus'];
    if (typeof status !== 'string' || !PAYMENT_STATUSES.has(status)) {
      throw antomResponseError('the Antom inquiryPayment answer has no valid paymentStatus');
    }
    const known: Extract<AntomInquiryResult, { outcome: 'known' }> = {
      outcome: 'known',
      paymentStatus: status as AntomPaymentStatus,
      raw: answer,
    };
    const copy = (field: 'paymentRequestId' | 'paymentId' | 'paymentTime' | 'paymentMethodType') => {
      const value = text(answer[field]);
      if (value) known[field] = value;
    };
    copy('paymentRequestId');
    copy('paymentId');
    copy('paymentTime');
    copy('paymentMethodType');
    return Object.assign(
      known,
      amountOfAnswer(answer, 'inquiryPayment', 'paymentAmount', status === 'SUCCESS'),
    );
  }

  /**
   * `refund` of a paid payment. `refundRequestId` is the caller's idempotency key and is sent unchanged, so
   * sending the same refund again cannot refund twice. Never retried automatically: it moves money.
   */
  async refund(input: AntomRefundInput): Promise<AntomRefundResult> {
    const refundRequestId = requestId('refundRequestId', input.refundRequestId);
    if (!input.paymentId) throw new TypeError('paymentId is required');
    const body: Record<string, unknown> = {
      refundRequestId,
      paymentId: input.paymentId,
      refundAmount: toAntomAmount(input.amountMinor, input.currency),
    };
    if (input.refundReason) body['refundReason'] = input.refundReason;
    if (input.refundNotifyUrl) body['refundNotifyUrl'] = input.refundNotifyUrl;
    const { result, answer } = await this.call('refund', body, false);
    if (result.resultStatus !== 'S') return { outcome: 'unknown', refundRequestId, result };
    const refunded: Extract<AntomRefundResult, { outcome: 'refunded' }> = {
      outcome: 'refunded',
      refundRequestId,
      result,
    };
    const refundId = text(answer['refundId']);
    if (refundId) refunded.refundId = refundId;
    const refundTime = text(answer['refundTime']);
    if (refundTime) refunded.refundTime = refundTime;
    if (answer['refundAmount'] !== undefined) {
      try {
        refunded.amountMinor = fromAntomAmount(answer['refundAmount'], input.currency);
      } catch (error) {
        if (error instanceof MoneyError) {
          throw antomResponseError('the Antom refund answer has an invalid refundAmount');
        }
        throw error;
      }
    }
    return refunded;
  }

  /**
   * `inquiryRefund` by the caller's `refundRequestId`: how a refund ended after a lost or `U` answer.
   * Retried on network failures (it moves nothing).
   */
  async inquiryRefund(refundRequestId: string): Promise<AntomRefundInquiryResult> {
    let outcome: { result: AntomResult; answer: Record<string, unknown> };
    try {
      outcome = await this.call(
        'inquiryRefund',
        { refundRequestId: requestId('refundRequestId', refundRequestId) },
        true,
      );
    } catch (error) {
      if (error instanceof AntomResultError && REFUND_NOT_FOUND_CODES.has(error.result.resultCode)) {
        return { outcome: 'not_found', result: error.result };
      }
      throw error;
    }
    const { result, answer } = outcome;
    if (result.resultStatus !== 'S') return { outcome: 'unknown', result };
    const status = answer['refundStatus'];
    if (status !== 'SUCCESS' && status !== 'PROCESSING' && status !== 'FAIL') {
      throw antomResponseError('the Antom inquiryRefund answer has no valid refundStatus');
    }
    const known: Extract<AntomRefundInquiryResult, { outcome: 'known' }> = {
      outcome: 'known',
      refundStatus: status,
    };
    for (const field of ['refundRequestId', 'refundId'] as const) {
      const value = text(answer[field]);
      if (value) known[field] = value;
    }
    return Object.assign(
      known,
      amountOfAnswer(answer, 'inquiryRefund', 'refundAmount', status === 'SUCCESS'),
    );
  }

  /**
   * `cancel`: closes a payment the buyer has not completed (Antom refunds one that was paid in the
   * meantime). Not retried automatically; `unknown` means cancel again later.
   */
  async cancel(ref: AntomPaymentReference): Promise<AntomCancelResult> {
    const { result, answer } = await this.call('cancel', reference(ref, 'cancel'), false);
    if (result.resultStatus !== 'S') return { outcome: 'unknown', result };
    const cancelled: Extract<AntomCancelResult, { outcome: 'cancelled' }> = { outcome: 'cancelled', result };
    for (const field of ['paymentId', 'paymentRequestId', 'cancelTime'] as const) {
      const value = text(answer[field]);
      if (value) cancelled[field] = value;
    }
    return cancelled;
  }

  /**
   * Signs and sends one call; returns the verified result (`S` or `U`) and body, throws
   * `AntomResultError` on `F`.
   */
  private async call(
    api: AntomPaymentApi,
    payload: Record<string, unknown>,
    idempotent: boolean,
  ): Promise<{ result: AntomResult; answer: Record<string, unknown> }> {
    const path = this.pathOf(api);
    // Serialized once: the signed string is the sent string, byte for byte.
    const body = JSON.stringify(payload);
    const time = antomTimestamp(this.now());
    const signature = signAntomMessage({ path, clientId: this.clientId, time, body }, this.privateKey);
    const response = await httpRequest(
      {
        url: `${new URL(this.gateway).origin}${path}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          accept: 'application/json',
          'client-id': this.clientId,
          'request-time': time,
          signature: formatAntomSignatureHeader(signature, this.keyVersion),
        },
        body,
        idempotent,
      },
      this.http,
    );
    const verified = verifyAntomResponse({
      api,
      path,
      headers: response.headers,
      body: response.body,
      antomPublicKey: this.antomPublicKey,
      clientId: this.clientId,
    });
    if (verified.result.resultStatus === 'F') throw new AntomResultError(api, verified.result);
    return { result: verified.result, answer: verified.body };
  }
}
