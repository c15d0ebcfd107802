import { bilingualLine, describeError } from '@alipay-commerce/core';
import { isReleasedStatus, nextRecordedStatus } from '@alipay-commerce/core/lifecycle';
import { Injectable } from '@nestjs/common';
import type {
  CancelPaymentErrorResult,
  CancelPaymentResult,
  CreatePaymentErrorResult,
  CreatePaymentResult,
  CreateRefundFn,
  CreateRefundResult,
  Order,
  Payment,
  PaymentMetadata,
  PaymentMethod,
  PaymentState,
  RequestContext,
  SettlePaymentErrorResult,
  SettlePaymentResult,
} from '@vendure/core';
import { Logger, TransactionalConnection } from '@vendure/core';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { closeRefusedMessage, escrowNotFinishedMessage } from './alipay-messages';
import { AlipayRefundService } from './alipay-refund.service';
import type { AlipayHandlerArgs, AlipayHandlerArgValues } from './alipay-settings';
import { AlipayTradeEventService, eventFields } from './alipay-trade-events.service';
import { loggerCtx } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayPaymentMetadata } from './types';

/** The refund input Vendure hands to `createRefund` (not exported by `@vendure/core` itself). */
export type AlipayRefundOrderInput = Parameters<CreateRefundFn<AlipayHandlerArgs>>[1];

/**
 * The `alipay` payment method handler's callbacks (`alipay.handler.ts` only delegates here): recording a
 * payment (only from metadata built from a verified Alipay event), settling an escrow payment once
 * Alipay released the money, cancelling by closing the trade, and refunding through
 * {@link AlipayRefundService}.
 */
@Injectable()
export class AlipayService {
  constructor(
    private readonly connection: TransactionalConnection,
    private readonly lookups: AlipayLookupService,
    private readonly tradeEvents: AlipayTradeEventService,
    private readonly refunds: AlipayRefundService,
  ) {}

  /**
   * Builds the Vendure payment for a verified Alipay trade. Only metadata that {@link AlipayTradeEventService}
   * built from a verified event is accepted, so no other code path (another plugin calling
   * `addPaymentToOrder`, an Admin API script) can declare an order paid through Alipay.
   */
  async createPayment(
    _ctx: RequestContext,
    order: Order,
    amount: number,
    _settings: AlipayHandlerArgValues,
    metadata: PaymentMetadata,
    _method: PaymentMethod,
  ): Promise<CreatePaymentResult | CreatePaymentErrorResult> {
    if (!this.tradeEvents.isVerifiedPaymentMetadata(metadata)) {
      Logger.warn(
        `${describeTrade({ orderCode: order.code })}: refused an Alipay payment that does not come from a verified Alipay event`,
        loggerCtx,
      );
      return {
        amount,
        state: 'Error',
        errorMessage:
          'Alipay payments are recorded from verified Alipay notifications only / 支付宝付款只能由经过验签的支付宝通知记录',
      };
    }
    const verified = metadata as unknown as AlipayPaymentMetadata;
    return {
      amount: verified.amountFen,
      state: isReleasedStatus(verified.alipayStatus) ? 'Settled' : 'Authorized',
      transactionId: verified.tradeNo,
      metadata,
    };
  }

  /**
   * Settles an Authorized (escrow) payment. Alipay releases escrow money only when the buyer
   * confirms receipt (`TRADE_FINISHED`), so the recorded status, or else Alipay itself, decides:
   * an unfinished trade stays Authorized with a message saying why.
   */
  async settlePayment(
    ctx: RequestContext,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<SettlePaymentResult | SettlePaymentErrorResult> {
    const trade = await this.lookups.tradeOfPayment(ctx, payment);
    const label = { orderCode: order.code, outTradeNo: trade?.outTradeNo, tradeNo: payment.transactionId };
    if (trade && isReleasedStatus(trade.status)) {
      return { success: true, metadata: { alipayStatus: trade.status } };
    }
    let alipayStatus = trade?.status ?? '';
    const gateway = this.lookups.gatewayForPayment(method, payment, trade);
    if (gateway.ok && trade) {
      try {
        const event = await gateway.alipay.queryTrade({
          outTradeNo: trade.outTradeNo,
          tradeNo: payment.transactionId,
        });
        if (event) alipayStatus = event.alipayStatus;
        if (event && isReleasedStatus(event.alipayStatus)) {
          // Vendure settles the payment itself once this answers; only the trade's status is recorded.
          await this.connection
            .getRepository(ctx, AlipayTrade)
            .update(
              { id: trade.id },
              { status: nextRecordedStatus(trade.status, event.alipayStatus), lastEvent: eventFields(event) },
            );
          Logger.info(
            `${describeTrade(label)}: settled on request, Alipay reports ${event.alipayStatus}`,
            loggerCtx,
          );
          return { success: true, metadata: { alipayStatus: event.alipayStatus } };
        }
      } catch (error) {
        Logger.warn(
          `${describeTrade(label)}: could not ask Alipay before settling: ${describeError(error)}`,
          loggerCtx,
        );
      }
    }
    const message = escrowNotFinishedMessage(alipayStatus);
    Logger.warn(`${describeTrade(label)}: refused to settle: ${message.en}`, loggerCtx);
    return { success: false, state: 'Authorized', errorMessage: bilingualLine(message) };
  }

  /**
   * Cancels a payment by closing its Alipay trade; Alipay refuses for a paid trade (refund it instead).
   * A trade Alipay already closed (recorded `TRADE_CLOSED`) is cancelled without asking Alipay.
   */
  async cancelPayment(
    ctx: RequestContext,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CancelPaymentResult | CancelPaymentErrorResult> {
    const trade = await this.lookups.tradeOfPayment(ctx, payment);
    const outTradeNo = trade?.outTradeNo ?? (payment.metadata as { outTradeNo?: string } | null)?.outTradeNo;
    const label = { orderCode: order.code, outTradeNo, tradeNo: payment.transactionId };
    const keepState = payment.state as Exclude<PaymentState, 'Cancelled'>;
    if (trade?.status === 'TRADE_CLOSED') {
      Logger.info(`${describeTrade(label)}: payment cancelled; Alipay had closed the trade`, loggerCtx);
      return { success: true, metadata: { alipayClosed: true } };
    }
    const gateway = this.lookups.gatewayForPayment(method, payment, trade);
    if (!gateway.ok) {
      Logger.error(`${describeTrade(label)}: cancel refused: ${gateway.message.en}`, loggerCtx);
      return { success: false, state: keepState, errorMessage: bilingualLine(gateway.message) };
    }
    if (!outTradeNo) {
      return {
        success: false,
        state: keepState,
        errorMessage: bilingualLine(closeRefusedMessage('unknown trade')),
      };
    }
    try {
      const { existed } = await gateway.alipay.closeTrade({ outTradeNo, tradeNo: payment.transactionId });
      if (trade) {
        await this.connection
          .getRepository(ctx, AlipayTrade)
          .update({ id: trade.id }, { status: 'TRADE_CLOSED' });
      }
      Logger.info(`${describeTrade(label)}: trade closed on Alipay (existed: ${existed})`, loggerCtx);
      return { success: true, metadata: { alipayClosed: true } };
    } catch (error) {
      const message = closeRefusedMessage(describeError(error));
      Logger.warn(`${describeTrade(label)}: cancel refused: ${message.en}`, loggerCtx);
      return { success: false, state: keepState, errorMessage: bilingualLine(message) };
    }
  }

  /** Refunds (part of) a payment through Alipay: see {@link AlipayRefundService.createRefund}. */
  createRefund(
    ctx: RequestContext,
    _input: AlipayRefundOrderInput,
    amount: number,
    order: Order,
    payment: Payment,
    _settings: AlipayHandlerArgValues,
    method: PaymentMethod,
  ): Promise<CreateRefundResult> {
    return this.refunds.createRefund(ctx, amount, order, payment, method);
  }
}
