/**
 * Typed errors of the core. Every error carries a stable `code`, a bilingual hint for the merchant
 * and never any secret (keys are not interpolated anywhere in this package).
 */

/** A message in English and Simplified Chinese. */
export interface Bilingual {
  en: string;
  zh: string;
}

/**
 * The one-string form of a {@link Bilingual} text, `English / 中文`, for places that hold a single
 * string: platform errors, order history notes, journal rows, log lines. Text that travels as data
 * (errors' hints, settings vocabulary, admin screens that pick a language) stays a `Bilingual`
 * object; this is the only way the plugins join the two halves.
 */
export function bilingualLine(text: Bilingual): string {
  return `${text.en} / ${text.zh}`;
}

/** Base class of every error thrown by `@alipay-commerce/core`. */
export class AlipayError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`, `INTERFACE_NOT_CONTRACTED`. */
  readonly code: string;
  /** What the merchant or developer should do, in English and Chinese. */
  readonly hint: Bilingual;
  /** True when trying the same call again later can succeed (network trouble, gateway busy). */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    hint: Bilingual,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    this.retryable = options.retryable ?? false;
  }
}

/** One problem found in a configuration, naming the field. */
export interface ConfigIssue {
  /** The settings field, e.g. `partner`, `key`, `appPrivateKey`. */
  field: string;
  /** What is wrong and how to fix it. */
  message: Bilingual;
}

/** The configuration is unusable; `issues` names every field that is wrong. */
export class AlipayConfigError extends AlipayError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const first = issues[0];
    super(
      'CONFIG_INVALID',
      issues.map(i => `${i.field}: ${i.message.en}`).join('; ') || 'invalid configuration',
      first ? first.message : { en: 'Invalid configuration.', zh: '配置无效。' },
    );
    this.issues = issues;
  }
}

/** Why a form body was refused by {@link parseFormBody}. */
export type FormBodyErrorReason =
  | 'too_large'
  | 'duplicate_key'
  | 'malformed'
  | 'invalid_bytes'
  | 'unsupported_charset';

/** A notification or return body that cannot be decoded safely. */
export class FormBodyError extends AlipayError {
  readonly reason: FormBodyErrorReason;
  constructor(reason: FormBodyErrorReason, message: string) {
    super(`FORM_BODY_${reason.toUpperCase()}`, message, {
      en: 'The request body is not a valid Alipay form body; it was ignored.',
      zh: '请求体不是有效的支付宝表单数据，已忽略。',
    });
    this.reason = reason;
  }
}

/**
 * An amount Alipay cannot take: by default not a valid CNY amount between 0.01 and 100000000.00; the
 * cross-border (Antom) amount helper passes its own hint (currency exponent, unknown currency).
 */
export class MoneyError extends AlipayError {
  constructor(message: string, hint?: Bilingual) {
    super(
      'MONEY_INVALID',
      message,
      hint ?? {
        en: 'Alipay accepts CNY amounts from 0.01 to 100000000.00 only.',
        zh: '支付宝只接受 0.01 至 100000000.00 之间的人民币金额。',
      },
    );
  }
}

/** How a call to Alipay failed on the network. */
export type NetworkFailure = 'timeout' | 'network' | 'http_status';

/** Alipay could not be reached, did not answer in time, or answered with an HTTP error. */
export class AlipayNetworkError extends AlipayError {
  readonly failure: NetworkFailure;
  readonly status: number | undefined;
  constructor(failure: NetworkFailure, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(
      `NETWORK_${failure.toUpperCase()}`,
      message,
      {
        en: 'Alipay could not be reached. Check the gateway URL and the server’s outbound network; the call can be retried.',
        zh: '无法连接支付宝。请检查网关地址和服务器出网连接，稍后可重试。',
      },
      { retryable: true, cause: options.cause },
    );
    this.failure = failure;
    this.status = options.status;
  }
}

/** The answer from Alipay could not be trusted or understood (bad signature, unparsable body). */
export class AlipayResponseError extends AlipayError {
  constructor(message: string, hint?: Bilingual) {
    super(
      'RESPONSE_INVALID',
      message,
      hint ?? {
        en: 'Alipay’s answer could not be verified. Check that the Alipay public key (not your app public key) is configured.',
        zh: '无法验证支付宝的应答。请确认配置的是支付宝公钥（而不是应用公钥）。',
      },
      { retryable: false },
    );
  }
}

/** Hint shared by every "this interface is not in your contract" error, whatever the generation. */
export const NOT_CONTRACTED_HINT: Bilingual = {
  en: 'Alipay says this interface is not in your contract. Compare the "interface type" setting with the contract list (合同列表) in your Alipay merchant portal, and choose the interface you actually signed.',
  zh: '支付宝提示该接口不在您的签约范围内。请将“接口类型”设置与支付宝商家中心的合同列表进行比对，选择您实际签约的接口。',
};

/** Alipay answered with a business or protocol error code. */
export class AlipayGatewayError extends AlipayError {
  /** Legacy error (`HAS_NO_PRIVILEGE`) or OpenAPI `code` (`40004`). */
  readonly gatewayCode: string;
  /** OpenAPI `sub_code` (`ACQ.TRADE_NOT_EXIST`), when there is one. */
  readonly subCode: string | undefined;
  /** Alipay's own message, kept for the logs. */
  readonly gatewayMessage: string | undefined;
  constructor(
    gatewayCode: string,
    options: {
      subCode?: string;
      gatewayMessage?: string;
      hint: Bilingual;
      retryable?: boolean;
      code?: string;
    },
  ) {
    const detail = [gatewayCode, options.subCode, options.gatewayMessage].filter(Boolean).join(' / ');
    super(options.code ?? 'GATEWAY_ERROR', `Alipay answered ${detail}`, options.hint, {
      retryable: options.retryable ?? false,
    });
    this.gatewayCode = gatewayCode;
    this.subCode = options.subCode;
    this.gatewayMessage = options.gatewayMessage;
  }
}

/**
 * The interface called is not in the merchant's contract: legacy `HAS_NO_PRIVILEGE` /
 * `ILLEGAL_PARTNER_EXTERFACE`, OpenAPI `ACQ.ACCESS_FORBIDDEN` / `isv.insufficient-isv-permissions`,
 * or a payment asked for an interface the configured interface type lacks.
 */
export class InterfaceNotContractedError extends AlipayGatewayError {
  /** The service or method that was refused, e.g. `create_partner_trade_by_buyer`. */
  readonly service: string;
  constructor(
    service: string,
    gatewayCode: string,
    options: { subCode?: string; gatewayMessage?: string } = {},
  ) {
    super(gatewayCode, { ...options, hint: NOT_CONTRACTED_HINT, code: 'INTERFACE_NOT_CONTRACTED' });
    this.service = service;
  }
}

/** A notification lacks a field the normalized event needs, or holds an unparsable value. */
export class NotificationFieldError extends AlipayError {
  /** The offending field, e.g. `total_fee`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('NOTIFICATION_FIELD_INVALID', message, {
      en: 'The notification lacks a required field or holds an invalid value; it was ignored.',
      zh: '通知缺少必填字段或字段值无效，已忽略。',
    });
    this.field = field;
  }
}

/** A trade cannot be closed because the buyer has paid (or it is otherwise past closing): refund instead. */
export class TradeNotClosableError extends AlipayError {
  /** The trade's status when known (e.g. `paid`, `paid_awaiting_shipment`). */
  readonly status: string | undefined;
  constructor(outTradeNo: string, status: string | undefined, gatewayCode: string) {
    super(
      'TRADE_NOT_CLOSABLE',
      `trade ${outTradeNo} cannot be closed (${status ?? 'unknown status'}; Alipay answered ${gatewayCode})`,
      {
        en: 'Alipay does not close a trade the buyer has paid. Refund it instead.',
        zh: '买家已付款的交易无法关闭，请改为退款。',
      },
    );
    this.status = status;
  }
}
