import type { KeyObject } from 'node:crypto';
import type { OpenApiConfig } from '../config/openapi';
import {
  AlipayGatewayError,
  AlipayNetworkError,
  AlipayResponseError,
  NotificationFieldError,
} from '../errors';
import type { TradeEvent } from '../events';
import type { SellerAccount } from '../legacy/client';
import { OpenApiClient, openApiNotificationToEvent, verifyOpenApiNotification } from '../openapi';
import { accept, type NotificationResult, type Rejection, reject } from '../rejections';
import type { BuyerContext } from '../select';
import { AlipayBase, credentialMessage, currencyCheck } from './base';
import type {
  AlipayOptions,
  CredentialCheck,
  NotificationExpectation,
  PaymentOrder,
  RefundInput,
  RefundQueryInput,
  RefundQueryOutcome,
  TradeRef,
} from './types';

/** The facade of an OpenAPI (app + RSA2) merchant. */
export class OpenApiAlipay extends AlipayBase<OpenApiConfig> {
  readonly generation = 'openapi' as const;
  private readonly client: OpenApiClient;
  private readonly verifyKey: KeyObject;

  constructor(config: OpenApiConfig, options: AlipayOptions) {
    super(config, options);
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
