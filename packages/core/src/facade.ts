import type { KeyObject } from 'node:crypto';
import type { AlipayConfig } from './config';
import { parseAlipayConfig } from './config';
import type { LegacyConfig } from './config/legacy';
import type { OpenApiConfig } from './config/openapi';
import {
  AlipayError,
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  type Bilingual,
  FormBodyError,
  MoneyError,
  NotificationFieldError,
  TradeNotClosableError,
} from './errors';
import { type AlipayEvent, isRefundNotification, type TradeEvent } from './events';
import type { HttpOptions } from './http/fetch';
import { parseFormBody } from './http/form';
import { LegacyClient, type LegacyPaymentInput, legacyBatchNoFor, type SellerAccount } from './legacy/client';
import { verifyLegacyNotification, verifyLegacyReturn } from './legacy/notify';
import { fenToYuan } from './money';
import { OpenApiClient, openApiNotificationToEvent, verifyOpenApiNotification } from './openapi';
import { accept, type NotificationResult, type Rejection, reject } from './rejections';
import { type BuyerContext, type Device, deviceOf, type PaymentInterface, selectInterface } from './select';

/** Options of {@link createAlipay}. */
export interface AlipayOptions {
  /** Timeouts, retries and the `fetch` used for every call to Alipay. */
  http?: HttpOptions;
  /** Clock (tests). */
  now?: () => Date;
}

/** One order to pay, as an adapter describes it. Money is integer fen. */
export interface PaymentOrder {
  /** The merchant's order number (≤ 64 characters, unique per attempt). */
  outTradeNo: string;
  /** Total to pay in fen, shipping included. */
  amountFen: number;
  /** ISO currency; only CNY is accepted. Default `CNY`. */
  currency?: string;
  /** Shown on the cashier (商品名称). */
  subject: string;
  body?: string;
  /** Physical goods use logistics in escrow/dual; virtual goods do not. Default physical. */
  goods?: 'physical' | 'virtual';
  /** Shipping fee in fen, part of `amountFen` (escrow/dual logistics_fee). */
  shippingFeeFen?: number;
  /** Where Alipay POSTs notifications (absolute, no query string). */
  notifyUrl: string;
  /** Where the buyer's browser comes back (absolute, no query string). */
  returnUrl?: string;
  /** Mobile cashier "back" link (wap `quit_url`). */
  quitUrl?: string;
  showUrl?: string;
  /** C2C marketplaces: the seller account to pay for this order. */
  seller?: SellerAccount;
  /** Unpaid trades close after this many minutes. */
  timeoutMinutes?: number;
  /** Echoed back in notifications. */
  passback?: string;
  /** Escrow receiver details shown on the cashier. */
  receiver?: LegacyPaymentInput['receiver'];
}

/** How to send the buyer to Alipay. */
export type PaymentStart =
  | { kind: 'redirect'; url: string; interface: PaymentInterface; outTradeNo: string }
  | { kind: 'form'; html: string; interface: PaymentInterface; outTradeNo: string }
  | { kind: 'qr'; qrCode: string; expiresAt: Date; interface: PaymentInterface; outTradeNo: string };

/** What the caller expects a notification to say; a mismatch is a rejection, not a state change. */
export interface NotificationExpectation {
  outTradeNo?: string;
  /** What the order still owes, in fen. */
  amountFen?: number;
  /** C2C: the seller this order pays, when it is not the configured seller. */
  seller?: SellerAccount;
  /** The order's currency; anything but CNY means this Alipay payment cannot be for it. */
  currency?: string;
}

/** A trade to act on: the merchant's number and, when known, Alipay's. */
export interface TradeRef {
  outTradeNo: string;
  tradeNo?: string;
}

/** A refund to make. Money in fen. */
export interface RefundInput extends TradeRef {
  /** Your refund's ID: the idempotency key (derives OpenAPI `out_request_no` and the legacy batch number). */
  refundId: string;
  amountFen: number;
  reason?: string;
  /** Legacy: where the `batch_refund_notify` goes. */
  notifyUrl?: string;
  /** The `refundRequestNo` an earlier attempt of this refund returned, to reuse it exactly. */
  refundRequestNo?: string;
}

/** The outcome of a refund request. */
export type RefundOutcome =
  /** Alipay refunded (OpenAPI answers synchronously). `refundedTotalFen` is the trade's refunded total. */
  | { status: 'succeeded'; refundRequestNo: string; refundedTotalFen: number }
  /** Accepted; the result arrives as a notification (legacy no-password refund). */
  | { status: 'pending'; refundRequestNo: string }
  /** The seller must confirm on Alipay's page with the payment password (legacy without the nopwd contract). */
  | { status: 'requires_action'; refundRequestNo: string; confirmUrl: string };

/** Which refund {@link Alipay.queryRefund} asks about. */
export interface RefundQueryInput extends TradeRef {
  /** The refund's ID, as passed to {@link Alipay.refund}. */
  refundId: string;
  /** The request number as Alipay knows it, when it is not the one derived from `refundId`. */
  refundRequestNo?: string;
}

/** What Alipay says about one refund request. */
export type RefundQueryOutcome =
  /** Refunded; `amountFen` is this request's amount. */
  | { status: 'succeeded'; amountFen: number }
  /** Alipay has no successful refund for this request (not made, or failed). */
  | { status: 'not_found' }
  /** The generation offers no refund query (legacy): wait for the `batch_refund_notify`. */
  | { status: 'unknown' };

/** Result of {@link Alipay.testCredentials}. */
export interface CredentialCheck {
  ok: boolean;
  /** Machine-readable cause: `TRADE_NOT_EXIST` (good), `ILLEGAL_SIGN`, `isv.invalid-app-id`, `NETWORK_TIMEOUT`… */
  code: string;
  message: Bilingual;
}

/**
 * The one object adapters use. Built by {@link createAlipay} from a config of either generation; every
 * method behaves the same way for legacy and OpenAPI merchants, and business checks (app/partner,
 * seller, amount) happen here, not in adapters.
 */
export interface Alipay {
  readonly generation: 'legacy' | 'openapi';
  /** The interface a buyer on this device would get, without building anything. */
  interfaceFor(buyer?: BuyerContext): PaymentInterface;
  /** Builds the redirect URL, form or QR code that sends the buyer to Alipay. */
  startPayment(
    order: PaymentOrder,
    buyer?: BuyerContext,
    options?: { as?: 'redirect' | 'form' },
  ): Promise<PaymentStart>;
  /** Parses (charset), verifies (signature, notify_verify), checks app/partner/seller and expectations. */
  handleNotification(
    rawBody: Uint8Array | string,
    contentType?: string,
    expected?: NotificationExpectation,
  ): Promise<NotificationResult>;
  /** Verifies a return-URL query; the event is display-only. */
  handleReturn(query: string | Record<string, string>): NotificationResult<TradeEvent>;
  /** Checks a verified event against what the order expects (amount still owed, trade number, seller). */
  checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined;
  /** Asks Alipay for the trade; null when Alipay has none (the buyer never opened the cashier). */
  queryTrade(ref: TradeRef): Promise<TradeEvent | null>;
  /** Escrow 发货: confirms shipment to Alipay. `alreadyConfirmed` when it had been confirmed before. */
  confirmShipment(input: {
    tradeNo: string;
    outTradeNo?: string;
    carrier: string;
    trackingNumber?: string;
  }): Promise<{ alreadyConfirmed: boolean }>;
  /**
   * Refunds part or all of a trade; idempotent by `refundId` (the same ID never refunds twice). Store the
   * returned `refundRequestNo` and pass it back on a retry: a legacy batch number starts with the day it was
   * made, so only the stored number makes a retry on another day the same refund.
   */
  refund(input: RefundInput): Promise<RefundOutcome>;
  /**
   * Asks Alipay how a refund request ended (after a lost answer), by the refund's ID, or by the request
   * number Alipay knows it by (`refundRequestNo`: a refund Alipay made on its own side names its own).
   * Legacy has no such query: `unknown`.
   */
  queryRefund(input: RefundQueryInput): Promise<RefundQueryOutcome>;
  /** Closes an unpaid trade. `existed: false` when Alipay never saw it (nothing to close). */
  closeTrade(ref: TradeRef): Promise<{ existed: boolean }>;
  /** A harmless query for a trade that does not exist: "trade not found" means the credentials work. */
  testCredentials(): Promise<CredentialCheck>;
}

const NOT_FOUND_CODES = new Set(['TRADE_NOT_EXIST', 'OUT_TRADE_NO_EXIST', 'ACQ.TRADE_NOT_EXIST']);
const STATE_ERROR_CODES = new Set([
  'TRADE_STATUS_NOT_AVAILD',
  'ACQ.TRADE_STATUS_ERROR',
  'ACQ.TRADE_HAS_SUCCESS',
  'ACQ.TRADE_HAS_FINISHED',
]);

function currencyCheck(order: PaymentOrder): void {
  if ((order.currency ?? 'CNY').toUpperCase() !== 'CNY') {
    throw new MoneyError(`Alipay (domestic) accepts CNY only; this order is in ${order.currency}`);
  }
  fenToYuan(order.amountFen); // range and integer check
}

/** Compares a verified event with what the order expects. */
export function checkEvent(event: AlipayEvent, expected: NotificationExpectation): Rejection | undefined {
  const ids = { outTradeNo: event.type === 'trade' ? event.outTradeNo : undefined, tradeNo: event.tradeNo };
  if (expected.currency !== undefined && expected.currency.toUpperCase() !== 'CNY') {
    return reject('wrong_currency', `the order is in ${expected.currency}; Alipay (domestic) pays CNY`, ids);
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

function credentialMessage(ok: boolean, code: string, error?: unknown): CredentialCheck {
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

abstract class AlipayBase implements Alipay {
  abstract readonly generation: 'legacy' | 'openapi';
  protected abstract readonly config: AlipayConfig;
  protected readonly now: () => Date;

  constructor(options: AlipayOptions) {
    this.now = options.now ?? (() => new Date());
  }

  interfaceFor(buyer?: BuyerContext): PaymentInterface {
    return selectInterface(this.config, buyer);
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

class LegacyAlipay extends AlipayBase {
  readonly generation = 'legacy' as const;
  protected readonly config: LegacyConfig;
  private readonly client: LegacyClient;

  constructor(config: LegacyConfig, options: AlipayOptions) {
    super(options);
    this.config = config;
    this.client = new LegacyClient({ config, http: options.http, now: this.now });
  }

  async startPayment(order: PaymentOrder, buyer?: BuyerContext, options: { as?: 'redirect' | 'form' } = {}) {
    currencyCheck(order);
    const chosen = this.interfaceFor(buyer);
    const request = this.client.createPayment({
      outTradeNo: order.outTradeNo,
      subject: order.subject,
      amountFen: order.amountFen,
      shippingFeeFen: order.shippingFeeFen,
      goods: order.goods,
      body: order.body,
      showUrl: order.showUrl,
      notifyUrl: order.notifyUrl,
      returnUrl: order.returnUrl,
      seller: order.seller,
      timeoutMinutes: order.timeoutMinutes,
      passback: order.passback,
      buyerIp: buyer?.ip,
      receiver: order.receiver,
    });
    return options.as === 'form'
      ? { kind: 'form' as const, html: request.html, interface: chosen, outTradeNo: order.outTradeNo }
      : { kind: 'redirect' as const, url: request.url, interface: chosen, outTradeNo: order.outTradeNo };
  }

  protected verify(params: Record<string, string>, expected: NotificationExpectation | undefined) {
    return verifyLegacyNotification(params, this.config, {
      client: this.client,
      expectedSeller: expected?.seller,
    });
  }

  handleReturn(query: string | Record<string, string>): NotificationResult<TradeEvent> {
    const params = this.parseQuery(query, this.config.charset);
    if ('ok' in params && params.ok === false) return params as Rejection;
    return verifyLegacyReturn(params as Record<string, string>, this.config);
  }

  queryTrade(ref: TradeRef): Promise<TradeEvent | null> {
    return this.client.singleTradeQuery(ref);
  }

  async confirmShipment(input: {
    tradeNo: string;
    outTradeNo?: string;
    carrier: string;
    trackingNumber?: string;
  }) {
    try {
      await this.client.sendGoodsConfirmByPlatform({
        tradeNo: input.tradeNo,
        logisticsName: input.carrier,
        invoiceNo: input.trackingNumber,
      });
      return { alreadyConfirmed: false };
    } catch (error) {
      // A retry after a lost answer meets TRADE_STATUS_NOT_AVAILD: ask Alipay whether it had shipped.
      if (error instanceof AlipayGatewayError && error.gatewayCode === 'TRADE_STATUS_NOT_AVAILD') {
        const trade = await this.client.singleTradeQuery({ tradeNo: input.tradeNo });
        if (trade && (trade.status === 'shipped_awaiting_receipt' || trade.status === 'finished')) {
          return { alreadyConfirmed: true };
        }
      }
      throw error;
    }
  }

  async refund(input: RefundInput) {
    if (!input.tradeNo) throw new TypeError('a legacy refund needs Alipay’s trade number (tradeNo)');
    const batchNo = input.refundRequestNo ?? legacyBatchNoFor(input.refundId, this.now());
    const items = [{ tradeNo: input.tradeNo, amountFen: input.amountFen, reason: input.reason }];
    if (this.config.refundWithoutPassword) {
      await this.client.refundNoPassword({ batchNo, items, notifyUrl: input.notifyUrl });
      return { status: 'pending' as const, refundRequestNo: batchNo };
    }
    const page = this.client.refundWithPassword({ batchNo, items, notifyUrl: input.notifyUrl });
    return { status: 'requires_action' as const, refundRequestNo: batchNo, confirmUrl: page.url };
  }

  async queryRefund(): Promise<RefundQueryOutcome> {
    // mapi has no refund query: the batch_refund_notify is the only answer.
    return { status: 'unknown' };
  }

  protected closeRemote(ref: TradeRef): Promise<void> {
    return this.client.closeTrade(ref);
  }

  async testCredentials(): Promise<CredentialCheck> {
    try {
      await this.client.singleTradeQuery({ outTradeNo: `credential-check-${this.now().getTime()}` });
      return credentialMessage(true, 'TRADE_NOT_EXIST');
    } catch (error) {
      if (error instanceof AlipayGatewayError && error.code === 'INTERFACE_NOT_CONTRACTED') {
        // The gateway only checks the contract after partner and signature, so those are right.
        return {
          ok: true,
          code: error.gatewayCode,
          message: {
            en: 'Credentials work, but single_trade_query is not in the contract: missed notifications cannot be recovered by querying.',
            zh: '凭据有效，但合同中没有 single_trade_query（单笔交易查询），无法通过查询找回丢失的通知。',
          },
        };
      }
      return credentialMessage(
        false,
        (error as { gatewayCode?: string; code?: string }).gatewayCode ?? (error as AlipayError).code,
        error,
      );
    }
  }
}

class OpenApiAlipay extends AlipayBase {
  readonly generation = 'openapi' as const;
  protected readonly config: OpenApiConfig;
  private readonly client: OpenApiClient;
  private readonly verifyKey: KeyObject;

  constructor(config: OpenApiConfig, options: AlipayOptions) {
    super(options);
    this.config = config;
    this.client = new OpenApiClient({ config, http: options.http, now: this.now });
    this.verifyKey = this.client.alipayVerifyKey;
  }

  async startPayment(order: PaymentOrder, buyer?: BuyerContext, options: { as?: 'redirect' | 'form' } = {}) {
    currencyCheck(order);
    const chosen = this.interfaceFor(buyer);
    const input = {
      outTradeNo: order.outTradeNo,
      amountFen: order.amountFen,
      subject: order.subject,
      body: order.body,
      notifyUrl: order.notifyUrl,
      returnUrl: order.returnUrl,
      timeoutMinutes: order.timeoutMinutes,
      passback: order.passback,
      goodsType: order.goods,
      quitUrl: order.quitUrl,
    };
    if (chosen.generation === 'openapi' && chosen.method === 'alipay.trade.precreate') {
      const qr = await this.client.precreate(input);
      return {
        kind: 'qr' as const,
        qrCode: qr.qrCode,
        expiresAt: qr.expiresAt,
        interface: chosen,
        outTradeNo: order.outTradeNo,
      };
    }
    const request =
      chosen.generation === 'openapi' && chosen.method === 'alipay.trade.wap.pay'
        ? this.client.wapPay(input)
        : this.client.pagePay(input);
    return options.as === 'form'
      ? { kind: 'form' as const, html: request.html, interface: chosen, outTradeNo: order.outTradeNo }
      : { kind: 'redirect' as const, url: request.url, interface: chosen, outTradeNo: order.outTradeNo };
  }

  private verifyParams(
    params: Record<string, string>,
    source: 'notify' | 'return',
    expectedSeller: SellerAccount | undefined,
  ): NotificationResult<TradeEvent> {
    const ids = { outTradeNo: params['out_trade_no'], tradeNo: params['trade_no'] };
    // RSA2 only: a notification must not choose the weaker SHA1 scheme for itself.
    const signType = params['sign_type'];
    if (signType !== undefined && signType !== '' && signType.toUpperCase() !== 'RSA2') {
      return reject('bad_signature', `sign_type ${signType} is refused; OpenAPI notifications are RSA2`, ids);
    }
    if (!params['sign'] || !verifyOpenApiNotification(params, this.verifyKey)) {
      return reject(
        'bad_signature',
        'the RSA2 signature does not verify with Alipay’s public key as configured',
        ids,
      );
    }
    if (params['app_id'] !== this.config.appId) {
      return reject('wrong_app', `app_id ${params['app_id'] ?? '(none)'} is not this merchant’s app`, ids);
    }
    let event: TradeEvent;
    try {
      event = openApiNotificationToEvent(params, source);
    } catch (error) {
      if (error instanceof NotificationFieldError) {
        return reject(
          error.field === 'trade_status' ? 'unknown_status' : 'missing_field',
          error.message,
          ids,
        );
      }
      throw error;
    }
    const sellerId = expectedSeller?.id ?? this.config.sellerId;
    if (this.config.appAuthToken !== undefined) {
      // Service-provider mode: app_id is the provider's app, shared by every merchant it serves, so it
      // says nothing about whose trade this is. Only the seller does: it must be the authorising merchant.
      if (event.seller.id === undefined || event.seller.id !== sellerId) {
        return reject(
          'wrong_seller',
          `service-provider mode: seller_id ${event.seller.id ?? '(none)'} is not the authorised merchant configured as sellerId; if sellerId is wrong, correct it and Alipay's next attempt can pass`,
          ids,
        );
      }
    } else {
      // Direct mode: the app is the merchant's own. An auth_app_id other than app_id means the app acted
      // for another merchant that authorised it (as a service provider), so the trade is not this shop's.
      const authAppId = params['auth_app_id'];
      if (authAppId !== undefined && authAppId !== '' && authAppId !== this.config.appId) {
        return reject(
          'wrong_seller',
          `auth_app_id ${authAppId} is another merchant's app: this trade was made for a merchant that authorised this app, not by this shop; if this shop acts for that merchant, configure appAuthToken and sellerId`,
          ids,
        );
      }
      if (sellerId !== undefined && event.seller.id !== undefined && event.seller.id !== sellerId) {
        return reject(
          'wrong_seller',
          'the notification is for another seller_id than the one configured',
          ids,
        );
      }
    }
    return accept(event);
  }

  protected async verify(params: Record<string, string>, expected: NotificationExpectation | undefined) {
    const notifyType = params['notify_type'];
    if (notifyType !== undefined && notifyType !== 'trade_status_sync') {
      return reject('unsupported_notification', `notify_type ${notifyType} is not handled`, {
        outTradeNo: params['out_trade_no'],
      });
    }
    return this.verifyParams(params, 'notify', expected?.seller);
  }

  handleReturn(query: string | Record<string, string>): NotificationResult<TradeEvent> {
    const params = this.parseQuery(query);
    if ('ok' in params && params.ok === false) return params as Rejection;
    return this.verifyParams(params as Record<string, string>, 'return', undefined);
  }

  queryTrade(ref: TradeRef): Promise<TradeEvent | null> {
    return this.client.query(ref);
  }

  async confirmShipment(): Promise<{ alreadyConfirmed: boolean }> {
    // OpenAPI trades are not escrow: there is nothing to confirm. Adapters only call this for legacy escrow.
    return { alreadyConfirmed: true };
  }

  async queryRefund(input: RefundQueryInput): Promise<RefundQueryOutcome> {
    const result = await this.client.refundQuery({
      outTradeNo: input.outTradeNo,
      tradeNo: input.tradeNo,
      refundId: input.refundId,
      ...(input.refundRequestNo !== undefined ? { outRequestNo: input.refundRequestNo } : {}),
    });
    return result.refunded && result.amountFen !== undefined
      ? { status: 'succeeded', amountFen: result.amountFen }
      : { status: 'not_found' };
  }

  async refund(input: RefundInput) {
    const result = await this.client.refund({
      outTradeNo: input.outTradeNo,
      tradeNo: input.tradeNo,
      amountFen: input.amountFen,
      refundId: input.refundId,
      reason: input.reason,
    });
    return {
      status: 'succeeded' as const,
      refundRequestNo: result.outRequestNo,
      refundedTotalFen: result.refundedTotalFen,
    };
  }

  protected closeRemote(ref: TradeRef): Promise<void> {
    return this.client.close(ref);
  }

  async testCredentials(): Promise<CredentialCheck> {
    try {
      const trade = await this.client.query({ outTradeNo: `credential-check-${this.now().getTime()}` });
      return credentialMessage(true, trade ? 'TRADE_FOUND' : 'ACQ.TRADE_NOT_EXIST');
    } catch (error) {
      if (error instanceof AlipayResponseError)
        return credentialMessage(false, 'RESPONSE_SIGNATURE_INVALID', error);
      if (error instanceof AlipayNetworkError) return credentialMessage(false, error.code, error);
      if (error instanceof AlipayGatewayError)
        return credentialMessage(false, error.subCode ?? error.gatewayCode, error);
      return credentialMessage(false, 'UNEXPECTED', error);
    }
  }
}

/**
 * Creates the facade adapters use, from a config of either generation (validated again here, so an
 * invalid config fails fast with an `AlipayConfigError` naming the fields).
 */
export function createAlipay(
  config: AlipayConfig | Record<string, unknown>,
  options: AlipayOptions = {},
): Alipay {
  const parsed = parseAlipayConfig(config);
  return parsed.generation === 'legacy'
    ? new LegacyAlipay(parsed, options)
    : new OpenApiAlipay(parsed, options);
}

/** The device of a buyer context (re-exported for adapters that log it). */
export type { Device };
export { deviceOf };
