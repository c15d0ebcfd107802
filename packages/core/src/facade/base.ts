import type { LegacyConfig, OpenApiConfig } from '../config';
import { currencyRefusal } from '../currency';
import {
  AlipayError,
  AlipayGatewayError,
  type Bilingual,
  FormBodyError,
  MoneyError,
  TradeNotClosableError,
} from '../errors';
import { type AlipayEvent, isRefundNotification, type TradeEvent } from '../events';
import { parseFormBody } from '../http/form';
import { fenToYuan } from '../money';
import { type NotificationResult, type Rejection, reject } from '../rejections';
import { type BuyerContext, type PaymentInterface, selectInterface } from '../select';
import type {
  Alipay,
  AlipayOptions,
  CredentialCheck,
  NotificationExpectation,
  PaymentOrder,
  PaymentStart,
  RefundInput,
  RefundOutcome,
  RefundQueryInput,
  RefundQueryOutcome,
  TradeRef,
} from './types';

const NOT_FOUND_CODES = new Set(['TRADE_NOT_EXIST', 'OUT_TRADE_NO_EXIST', 'ACQ.TRADE_NOT_EXIST']);
const STATE_ERROR_CODES = new Set([
  'TRADE_STATUS_NOT_AVAILD',
  'ACQ.TRADE_STATUS_ERROR',
  'ACQ.TRADE_HAS_SUCCESS',
  'ACQ.TRADE_HAS_FINISHED',
]);

/** Refuses an order Alipay (domestic) cannot take: another currency, or an amount out of range. */
export function currencyCheck(order: PaymentOrder): void {
  if ((order.currency ?? 'CNY').toUpperCase() !== 'CNY') {
    throw new MoneyError(`Alipay (domestic) accepts CNY only; this order is in ${order.currency}`);
  }
  fenToYuan(order.amountFen); // range and integer check
}

/** Compares a verified event with what the order expects. */
export function checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined {
  const ids = { outTradeNo: event.type === 'trade' ? event.outTradeNo : undefined, tradeNo: event.tradeNo };
  const paidIn = (event.type === 'trade' ? event.currency : undefined) ?? 'CNY';
  if (expected.currency !== undefined && expected.currency.toUpperCase() !== paidIn.toUpperCase()) {
    return reject(
      'wrong_currency',
      paidIn === 'CNY'
        ? `the order is in ${expected.currency}; Alipay (domestic) pays CNY`
        : `the order is in ${expected.currency}; the payment is in ${paidIn}`,
      ids,
    );
  }
  if (
    event.type === 'trade' &&
    expected.outTradeNo !== undefined &&
    event.outTradeNo !== expected.outTradeNo
  ) {
    return reject(
      'wrong_trade',
      `notification for ${event.outTradeNo}, expected ${expected.outTradeNo}`,
      ids,
    );
  }
  // A refund notification carries the trade total, not a payment: the amount owed does not apply to it.
  const isRefund = event.type === 'trade' && isRefundNotification(event);
  if (
    expected.amountFen !== undefined &&
    event.type === 'trade' &&
    !isRefund &&
    event.amountFen !== expected.amountFen
  ) {
    return reject(
      'wrong_amount',
      `amount ${fenToYuan(event.amountFen, { allowZero: true })} differs from the ${fenToYuan(expected.amountFen, { allowZero: true })} owed`,
      ids,
    );
  }
  if (expected.seller && event.type === 'trade') {
    const { id, email } = expected.seller;
    const matches =
      (id !== undefined && event.seller.id === id) ||
      (email !== undefined && event.seller.email?.toLowerCase() === email.toLowerCase());
    if ((id !== undefined || email !== undefined) && !matches) {
      return reject('wrong_seller', 'the notification pays another seller than this order’s', ids);
    }
  }
  return undefined;
}

/** The bilingual verdict of {@link Alipay.testCredentials}. */
export function credentialMessage(ok: boolean, code: string, error?: unknown): CredentialCheck {
  if (ok) {
    return {
      ok,
      code,
      message: {
        en: 'Credentials work: Alipay verified the signature and answered for this merchant.',
        zh: '凭据有效：支付宝已验证签名并为该商户作出应答。',
      },
    };
  }
  const hint = error instanceof AlipayError ? error.hint : { en: 'Unexpected error.', zh: '未知错误。' };
  return { ok, code, message: hint };
}

/**
 * What both generations share: interface choice, notification parsing and checks, return-query parsing
 * and idempotent closing. Each generation supplies its own calls (`legacy.ts`, `openapi.ts`).
 */
export abstract class AlipayBase<C extends LegacyConfig | OpenApiConfig = LegacyConfig | OpenApiConfig>
  implements Alipay
{
  abstract readonly generation: C['generation'];
  protected readonly config: C;
  protected readonly now: () => Date;

  constructor(config: C, options: AlipayOptions) {
    this.config = config;
    this.now = options.now ?? (() => new Date());
  }

  interfaceFor(buyer?: BuyerContext): PaymentInterface {
    return selectInterface(this.config, buyer);
  }

  currencyRefusal(currency: string): Bilingual | undefined {
    return currencyRefusal(currency);
  }

  abstract startPayment(
    order: PaymentOrder,
    buyer?: BuyerContext,
    options?: { as?: 'redirect' | 'form' },
  ): Promise<PaymentStart>;
  protected abstract verify(
    params: Record<string, string>,
    expected: NotificationExpectation | undefined,
  ): Promise<NotificationResult>;
  abstract handleReturn(query: string | Record<string, string>): NotificationResult<TradeEvent>;
  abstract queryTrade(ref: TradeRef): Promise<TradeEvent | null>;
  abstract confirmShipment(input: {
    tradeNo: string;
    outTradeNo?: string;
    carrier: string;
    trackingNumber?: string;
  }): Promise<{ alreadyConfirmed: boolean }>;
  abstract refund(input: RefundInput): Promise<RefundOutcome>;
  abstract queryRefund(input: RefundQueryInput): Promise<RefundQueryOutcome>;
  /** Asks Alipay to close an unpaid trade; throws the gateway's error as is. */
  protected abstract closeRemote(ref: TradeRef): Promise<void>;

  async closeTrade(ref: TradeRef): Promise<{ existed: boolean }> {
    try {
      await this.closeRemote(ref);
      return { existed: true };
    } catch (error) {
      if (!(error instanceof AlipayGatewayError)) throw error;
      const code = error.subCode ?? error.gatewayCode;
      if (NOT_FOUND_CODES.has(code)) return { existed: false };
      if (!STATE_ERROR_CODES.has(code)) throw error;
      // "Wrong state" means closed already (fine: closing is idempotent) or paid (not closable).
      const trade = await this.queryTrade(ref);
      if (trade?.status === 'closed') return { existed: true };
      throw new TradeNotClosableError(ref.outTradeNo, trade?.status, code);
    }
  }
  abstract testCredentials(): Promise<CredentialCheck>;

  async handleNotification(
    rawBody: Uint8Array | string,
    contentType?: string,
    expected?: NotificationExpectation,
    // Domestic notifications are signed in the body: the request's headers add nothing.
    _request?: unknown,
  ): Promise<NotificationResult> {
    let params: Record<string, string>;
    try {
      params = parseFormBody(rawBody, contentType);
    } catch (error) {
      if (error instanceof FormBodyError) return reject('malformed_body', error.message);
      throw error;
    }
    const result = await this.verify(params, expected);
    if (!result.ok || !expected) return result;
    return checkEvent(result.event, expected) ?? result;
  }

  checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined {
    return checkEvent(event, expected);
  }

  /** Parses a return-URL query; its percent-escapes are bytes of the merchant's charset (GBK for GBK merchants). */
  protected parseQuery(
    query: string | Record<string, string>,
    charset = 'utf-8',
  ): Record<string, string> | Rejection {
    if (typeof query !== 'string') return query;
    try {
      return parseFormBody(
        query.startsWith('?') ? query.slice(1) : query,
        `application/x-www-form-urlencoded; charset=${charset}`,
      );
    } catch (error) {
      if (error instanceof FormBodyError) return reject('malformed_body', error.message);
      throw error;
    }
  }
}
