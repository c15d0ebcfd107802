import type { LegacyConfig } from '../config/legacy';
import { type AlipayError, AlipayGatewayError } from '../errors';
import type { TradeEvent } from '../events';
import { LegacyClient, legacyBatchNoFor } from '../legacy/client';
import { verifyLegacyNotification, verifyLegacyReturn } from '../legacy/notify';
import type { NotificationResult, Rejection } from '../rejections';
import type { BuyerContext } from '../select';
import { AlipayBase, credentialMessage, currencyCheck } from './base';
import type {
  AlipayOptions,
  CredentialCheck,
  NotificationExpectation,
  PaymentOrder,
  RefundInput,
  RefundQueryOutcome,
  TradeRef,
} from './types';

/** The facade of a legacy (mapi: partner + MD5/RSA) merchant. */
export class LegacyAlipay extends AlipayBase<LegacyConfig> {
  readonly generation = 'legacy' as const;
  private readonly client: LegacyClient;

  constructor(config: LegacyConfig, options: AlipayOptions) {
    super(config, options);
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
