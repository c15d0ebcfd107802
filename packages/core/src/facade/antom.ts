import { antomCurrencyExponent } from '../antom/amount';
import { AntomClient } from '../antom/client';
import {
  ANTOM_NOTIFICATION_ACK,
  type AntomNotification,
  AntomNotificationError,
  verifyAntomNotification,
} from '../antom/notify';
import { type AntomResult, AntomResultError } from '../antom/result';
import type { AntomInquiryResult } from '../antom/types';
import type { AntomConfig } from '../config/antom';
import { isAntomRegion } from '../config/antom';
import {
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  type Bilingual,
  MoneyError,
  TradeNotClosableError,
} from '../errors';
import { type AlipayEvent, type TradeEvent, toTradeStatus } from '../events';
import { accept, type NotificationResult, type Rejection, reject } from '../rejections';
import { type BuyerContext, type PaymentInterface, selectInterface } from '../select';
import { checkEvent, credentialMessage } from './base';
import type {
  Alipay,
  AlipayOptions,
  CredentialCheck,
  NotificationExpectation,
  NotificationRequest,
  PaymentOrder,
  PaymentStart,
  RefundInput,
  RefundOutcome,
  RefundQueryInput,
  RefundQueryOutcome,
  TradeRef,
} from './types';

/**
 * What an Antom payment status means, in the words of Alipay's `trade_status`, which the lifecycle ranks and
 * shops record for every generation: a settled payment is `TRADE_SUCCESS`, an open one `WAIT_BUYER_PAY`, a
 * failed or cancelled one `TRADE_CLOSED`. Antom's own status stays in the event's `raw` fields.
 */
const ALIPAY_STATUS_OF_ANTOM: Record<string, 'TRADE_SUCCESS' | 'WAIT_BUYER_PAY' | 'TRADE_CLOSED'> = {
  SUCCESS: 'TRADE_SUCCESS',
  PROCESSING: 'WAIT_BUYER_PAY',
  PENDING: 'WAIT_BUYER_PAY',
  FAIL: 'TRADE_CLOSED',
  CANCELLED: 'TRADE_CLOSED',
};

/** Antom's statement that a payment does not exist, or cannot be cancelled for being paid. */
const NOT_CANCELLABLE_CODES = new Set(['ORDER_STATUS_INVALID', 'ORDER_IS_CLOSED']);

/** A `U` answer of Antom: nothing is known yet, and asking again later can tell. */
function unknownAnswer(result: AntomResult, hint: Bilingual): AlipayGatewayError {
  return new AlipayGatewayError(result.resultCode, {
    gatewayMessage: result.resultMessage,
    retryable: true,
    hint,
  });
}

/** Every top-level field of a verified Antom body as text, for the event's `raw` (stored and audited). */
function flatten(body: Record<string, unknown>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    raw[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return raw;
}

function header(headers: NotificationRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

/** The path and query Antom signed: those of the public notify URL. */
function publicPath(notifyUrl: string): string | undefined {
  try {
    const url = new URL(notifyUrl);
    // Only an http(s) URL has the path Antom signs (`A:$` parses as a URL whose path is `$`).
    return url.pathname.startsWith('/') ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return notifyUrl.startsWith('/') ? notifyUrl : undefined;
  }
}

/** Antom answers instead of Alipay's `success` / `fail`: the exact acknowledgement, or a refusal. */
function antomReply<R extends NotificationResult>(result: R): R {
  return result.reply === 'success' ? { ...result, reply: ANTOM_NOTIFICATION_ACK } : result;
}

/** A verified Antom payment status as the normalized trade event every generation produces. */
function tradeEvent(
  fields: {
    outTradeNo: string;
    tradeNo: string;
    /** Antom's payment status: SUCCESS, PROCESSING, PENDING, FAIL or CANCELLED. */
    antomStatus: string;
    amountMinor: number;
    currency: string;
    paidAt?: string | undefined;
  },
  source: 'notify' | 'query',
  raw: Record<string, unknown>,
): TradeEvent {
  const alipayStatus = ALIPAY_STATUS_OF_ANTOM[fields.antomStatus] ?? 'WAIT_BUYER_PAY';
  return {
    type: 'trade',
    generation: 'antom',
    source,
    displayOnly: false,
    // Antom sends no notification ID: the payment and its status are what a retry repeats.
    notifyId: source === 'notify' ? `${fields.tradeNo}:${fields.antomStatus}` : undefined,
    notifyTime: undefined,
    raw: flatten(raw),
    outTradeNo: fields.outTradeNo,
    tradeNo: fields.tradeNo,
    status: toTradeStatus(alipayStatus)!,
    alipayStatus,
    amountFen: fields.amountMinor,
    currency: fields.currency,
    refundedFen: undefined,
    refundRequestNo: undefined,
    refundStatus: undefined,
    buyer: {},
    seller: {},
    appId: undefined,
    timestamps: fields.paidAt ? { paid: fields.paidAt } : {},
    passback: undefined,
  };
}

/**
 * The facade of an Antom (Alipay cross-border acquiring) merchant: the same {@link Alipay} as the domestic
 * generations, over Antom's cashier payment. Orders are in the shop's currency, in its minor units; the
 * merchant's order number is Antom's `paymentRequestId` and Antom's `paymentId` is the trade number.
 * Antom pays out no escrow (nothing to ship-confirm), signs no return URL, and reports no refunded total:
 * a refund's success is its own amount, confirmed by `inquiryRefund` when an answer was lost.
 */
export class AntomAlipay implements Alipay {
  readonly generation = 'antom' as const;
  private readonly config: AntomConfig;
  private readonly client: AntomClient;
  private readonly now: () => Date;

  constructor(config: AntomConfig, options: AlipayOptions) {
    this.config = config;
    this.now = options.now ?? (() => new Date());
    this.client = new AntomClient({
      clientId: config.clientId,
      merchantPrivateKey: config.merchantPrivateKey,
      antomPublicKey: config.antomPublicKey,
      keyVersion: config.keyVersion,
      ...(isAntomRegion(config.gateway) ? { region: config.gateway } : { gateway: config.gateway }),
      ...(options.http ? { http: options.http } : {}),
      now: this.now,
    });
  }

  interfaceFor(buyer?: BuyerContext): PaymentInterface {
    return selectInterface(this.config, buyer);
  }

  currencyRefusal(currency: string): Bilingual | undefined {
    try {
      antomCurrencyExponent(currency);
      return undefined;
    } catch {
      const code =
        typeof currency === 'string' && currency.trim() ? currency.trim().toUpperCase() : 'unknown';
      return {
        en: `Alipay (Antom) does not take payments in ${code}.`,
        zh: `支付宝（Antom）不支持以 ${code === 'unknown' ? '未知币种' : code} 付款。`,
      };
    }
  }

  async startPayment(
    order: PaymentOrder,
    buyer?: BuyerContext,
    options: { as?: 'redirect' | 'form' } = {},
  ): Promise<PaymentStart> {
    const currency = (order.currency ?? 'CNY').toUpperCase();
    const refusal = this.currencyRefusal(currency);
    if (refusal) throw new MoneyError(`Antom: ${refusal.en}`, refusal);
    const method = order.paymentMethodType?.toUpperCase() ?? this.config.paymentMethods[0];
    if (!method || !this.config.paymentMethods.includes(method)) {
      throw new MoneyError(
        `Antom: payment method ${String(order.paymentMethodType)} is not among the configured ones`,
        {
          en: 'This Alipay payment method is not offered by the shop.',
          zh: '商店未开通该支付宝支付方式。',
        },
      );
    }
    if (!order.returnUrl)
      throw new TypeError('Antom needs returnUrl: the buyer comes back there after the cashier');
    const chosen = this.interfaceFor(buyer);
    const terminalType = chosen.generation === 'antom' ? chosen.terminalType : 'WEB';
    const result = await this.client.pay({
      paymentRequestId: order.outTradeNo,
      referenceOrderId: order.outTradeNo,
      orderDescription: order.subject.slice(0, 256),
      amountMinor: order.amountFen,
      currency,
      paymentMethodType: method,
      paymentRedirectUrl: order.returnUrl,
      paymentNotifyUrl: order.notifyUrl,
      terminalType,
      ...(order.timeoutMinutes
        ? {
            paymentExpiryTime: new Date(this.now().getTime() + order.timeoutMinutes * 60_000)
              .toISOString()
              .replace(/\.\d{3}Z$/, 'Z'),
          }
        : {}),
    });
    if (result.outcome === 'unknown') {
      // Not success: the payment may exist. Reconciliation asks Antom about it by this order number.
      throw unknownAnswer(result.result, {
        en: 'Antom did not say whether the payment was created. Try again in a moment.',
        zh: 'Antom 未确认付款是否已创建，请稍后重试。',
      });
    }
    const base = { interface: chosen, outTradeNo: order.outTradeNo };
    if (result.outcome === 'paid') return { kind: 'redirect', url: order.returnUrl, ...base };
    const form = result.redirectActionForm;
    if (result.normalUrl && (options.as !== 'form' || !form)) {
      return options.as === 'form'
        ? { kind: 'form', html: autoSubmitForm('GET', result.normalUrl, undefined), ...base }
        : { kind: 'redirect', url: result.normalUrl, ...base };
    }
    if (form && form.method === 'GET') {
      return options.as === 'form'
        ? { kind: 'form', html: autoSubmitForm('GET', form.redirectUrl, form.parameters), ...base }
        : { kind: 'redirect', url: form.redirectUrl, ...base };
    }
    if (form)
      return { kind: 'form', html: autoSubmitForm('POST', form.redirectUrl, form.parameters), ...base };
    throw new AlipayResponseError('Antom pay answer has neither normalUrl nor redirectActionForm', {
      en: 'Antom answered without a cashier link.',
      zh: 'Antom 应答中没有收银台链接。',
    });
  }

  async handleNotification(
    rawBody: Uint8Array | string,
    _contentType?: string,
    expected?: NotificationExpectation,
    request?: NotificationRequest,
  ): Promise<NotificationResult> {
    const path = request ? publicPath(request.notifyUrl) : undefined;
    if (!request || !path) {
      return reject(
        'bad_signature',
        'an Antom notification can only be verified with its headers and the public notify URL',
      );
    }
    let notification: AntomNotification;
    try {
      notification = verifyAntomNotification({
        path,
        headers: {
          'client-id': header(request.headers, 'client-id'),
          'request-time': header(request.headers, 'request-time'),
          signature: header(request.headers, 'signature'),
        },
        body: rawBody,
        antomPublicKey: this.config.antomPublicKey,
        clientId: this.config.clientId,
      });
    } catch (error) {
      if (!(error instanceof AntomNotificationError)) throw error;
      const reason =
        error.reason === 'malformed' || error.reason === 'missing_field'
          ? 'missing_field'
          : error.reason === 'foreign_client'
            ? 'wrong_app'
            : 'bad_signature';
      return antomReply(reject(reason, error.message));
    }
    const result = this.eventOf(notification);
    if (!result.ok || !expected) return antomReply(result);
    return antomReply(checkEvent(result.event, expected) ?? result);
  }

  private eventOf(notification: AntomNotification): NotificationResult {
    if (notification.kind === 'payment') {
      return accept(
        tradeEvent(
          {
            outTradeNo: notification.paymentRequestId,
            tradeNo: notification.paymentId,
            antomStatus:
              notification.outcome === 'paid'
                ? 'SUCCESS'
                : notification.outcome === 'failed'
                  ? 'FAIL'
                  : 'PENDING',
            amountMinor: notification.amountMinor,
            currency: notification.currency,
            paidAt: notification.paymentTime,
          },
          'notify',
          notification.raw,
        ),
      );
    }
    if (notification.kind === 'refund') {
      // A refund result names neither the payment nor the order: the refund is settled by its own answer or
      // by inquiryRefund (reconciliation), so the notification is acknowledged and changes nothing.
      return reject(
        'unsupported_notification',
        `Antom refund result for ${notification.refundRequestId}: ${notification.outcome}; refunds are confirmed by their answer or by inquiryRefund`,
      );
    }
    return reject('unsupported_notification', `Antom notifyType ${notification.notifyType} is not handled`);
  }

  handleReturn(): NotificationResult<TradeEvent> {
    return reject(
      'unsupported_notification',
      'Antom signs nothing on the return URL: the storefront shows the order as the shop knows it',
    ) as Rejection;
  }

  checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined {
    const rejection = checkEvent(event, expected);
    return rejection && antomReply(rejection);
  }

  async queryTrade(ref: TradeRef): Promise<TradeEvent | null> {
    const answer: AntomInquiryResult = await this.client.inquiryPayment(
      ref.tradeNo ? { paymentId: ref.tradeNo } : { paymentRequestId: ref.outTradeNo },
    );
    if (answer.outcome === 'not_found') return null;
    if (answer.outcome === 'unknown') {
      throw unknownAnswer(answer.result, {
        en: 'Antom could not say how the payment stands; ask again later.',
        zh: 'Antom 暂时无法告知付款状态，请稍后再查询。',
      });
    }
    const paymentId = answer.paymentId ?? ref.tradeNo;
    if (!paymentId && ALIPAY_STATUS_OF_ANTOM[answer.paymentStatus] !== 'WAIT_BUYER_PAY') {
      throw new AlipayResponseError('the Antom inquiry answer has no paymentId', {
        en: 'Antom answered without a payment ID.',
        zh: 'Antom 应答中没有付款 ID。',
      });
    }
    return tradeEvent(
      {
        outTradeNo: answer.paymentRequestId ?? ref.outTradeNo,
        tradeNo: paymentId ?? '',
        antomStatus: answer.paymentStatus,
        amountMinor: answer.amountMinor ?? 0,
        currency: answer.currency ?? '',
        paidAt: answer.paymentTime,
      },
      'query',
      answer.raw,
    );
  }

  async confirmShipment(): Promise<{ alreadyConfirmed: boolean }> {
    // Antom payments are not escrow: there is nothing to confirm.
    return { alreadyConfirmed: true };
  }

  async refund(input: RefundInput): Promise<RefundOutcome> {
    if (!input.tradeNo) throw new TypeError('an Antom refund needs the trade number (Antom’s paymentId)');
    const refundRequestNo = input.refundRequestNo ?? input.refundId;
    const currency = input.currency?.toUpperCase() ?? (await this.paidTrade(input)).currency ?? '';
    const result = await this.client.refund({
      paymentId: input.tradeNo,
      refundRequestId: refundRequestNo,
      amountMinor: input.amountFen,
      currency,
      ...(input.reason ? { refundReason: input.reason.slice(0, 256) } : {}),
    });
    if (result.outcome === 'unknown') {
      // REFUND_IN_PROCESS and other U answers: not refunded yet, and not refused either.
      return { status: 'pending', refundRequestNo };
    }
    return { status: 'refunded', refundRequestNo, amountFen: result.amountMinor ?? input.amountFen };
  }

  /** The refund's currency is the payment's: Antom refuses a refund in another one. */
  private async paidTrade(ref: TradeRef): Promise<TradeEvent> {
    const trade = await this.queryTrade(ref);
    if (!trade?.currency) {
      throw new AlipayGatewayError('ORDER_NOT_EXIST', {
        hint: { en: 'Antom has no such payment to refund.', zh: 'Antom 中没有可退款的该笔付款。' },
      });
    }
    return trade;
  }

  async queryRefund(input: RefundQueryInput): Promise<RefundQueryOutcome> {
    const answer = await this.client.inquiryRefund(input.refundRequestNo ?? input.refundId);
    if (answer.outcome === 'not_found') return { status: 'not_found' };
    if (answer.outcome === 'unknown') {
      throw unknownAnswer(answer.result, {
        en: 'Antom could not say how the refund stands; ask again later.',
        zh: 'Antom 暂时无法告知退款状态，请稍后再查询。',
      });
    }
    if (answer.refundStatus === 'SUCCESS' && answer.amountMinor !== undefined) {
      return { status: 'succeeded', amountFen: answer.amountMinor };
    }
    return answer.refundStatus === 'FAIL' ? { status: 'not_found' } : { status: 'unknown' };
  }

  async closeTrade(ref: TradeRef): Promise<{ existed: boolean }> {
    // Antom's cancel refunds a payment that was paid meanwhile; a shop closes only what is unpaid, so ask first.
    const trade = await this.queryTrade(ref);
    if (!trade) return { existed: false };
    if (trade.status === 'closed') return { existed: true };
    if (trade.status !== 'waiting_payment')
      throw new TradeNotClosableError(ref.outTradeNo, trade.status, 'SUCCESS');
    try {
      const result = await this.client.cancel(
        trade.tradeNo ? { paymentId: trade.tradeNo } : { paymentRequestId: ref.outTradeNo },
      );
      if (result.outcome === 'unknown') {
        throw unknownAnswer(result.result, {
          en: 'Antom could not say whether the payment was cancelled.',
          zh: 'Antom 未确认付款是否已取消。',
        });
      }
      return { existed: true };
    } catch (error) {
      if (error instanceof AntomResultError && NOT_CANCELLABLE_CODES.has(error.result.resultCode)) {
        const after = await this.queryTrade(ref);
        if (after?.status === 'closed') return { existed: true };
        throw new TradeNotClosableError(ref.outTradeNo, after?.status, error.result.resultCode);
      }
      throw error;
    }
  }

  async testCredentials(): Promise<CredentialCheck> {
    try {
      const answer = await this.client.inquiryPayment({
        paymentRequestId: `credential-check-${this.now().getTime()}`,
      });
      return credentialMessage(true, answer.outcome === 'not_found' ? 'ORDER_NOT_EXIST' : 'ORDER_FOUND');
    } catch (error) {
      if (error instanceof AlipayResponseError)
        return credentialMessage(false, 'RESPONSE_SIGNATURE_INVALID', error);
      if (error instanceof AlipayNetworkError) return credentialMessage(false, error.code, error);
      if (error instanceof AlipayGatewayError) return credentialMessage(false, error.gatewayCode, error);
      if (error instanceof AlipayError) return credentialMessage(false, error.code, error);
      return credentialMessage(false, 'UNEXPECTED', error);
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/** A self-submitting form for Antom's `redirectActionForm` (its parameters are a JSON object or a query string). */
function autoSubmitForm(method: 'GET' | 'POST', action: string, parameters: string | undefined): string {
  let fields: Array<[string, string]> = [];
  if (parameters) {
    try {
      const parsed = JSON.parse(parameters) as Record<string, unknown>;
      fields = Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
    } catch {
      fields = [...new URLSearchParams(parameters)];
    }
  }
  const inputs = fields
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form id="antom-cashier" method="${method}" action="${escapeHtml(action)}">${inputs}</form><script>document.getElementById('antom-cashier').submit();</script>`;
}
