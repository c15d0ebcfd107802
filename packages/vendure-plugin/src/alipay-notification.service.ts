import {
  ALIPAY_ACK,
  ALIPAY_NACK,
  acknowledgedReply,
  describeError,
  logSafe,
  logSafeId,
  peekAntomNotification,
  peekNotification,
  type RefundEvent,
} from '@alipay-commerce/core';
import { decideBatchRefund } from '@alipay-commerce/core/lifecycle';
import { Injectable } from '@nestjs/common';
import {
  Logger,
  type PaymentMethod,
  type RequestContext,
  RequestContextService,
  TransactionalConnection,
} from '@vendure/core';
import { In } from 'typeorm';
import { AlipayEventLedger, type EventOutcome } from './alipay-event-ledger';
import { describeTrade, type TradeLabel } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { AlipayTradeEventService } from './alipay-trade-events.service';
import { loggerCtx } from './constants';
import type { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayNotifyInput, AlipayNotifyReply } from './types';

/**
 * Notification intake: one delivery to the notify endpoint is verified with the right generation's
 * facade, matched to its trade, and applied through {@link AlipayTradeEventService.applyTradeEvent} (a
 * trade notification) or completes the refund it names (a legacy `batch_refund_notify`), each at most
 * once (the {@link AlipayEventLedger}). The controller only delegates here.
 */
@Injectable()
export class AlipayNotificationService {
  constructor(
    private readonly connection: TransactionalConnection,
    private readonly requestContextService: RequestContextService,
    private readonly lookups: AlipayLookupService,
    private readonly ledger: AlipayEventLedger,
    private readonly tradeEvents: AlipayTradeEventService,
    private readonly refunds: AlipayRefundBookService,
  ) {}

  /**
   * Processes one delivery to the notify endpoint and returns the reply Alipay must read: `success`
   * once the notification is processed or deliberately ignored (duplicate, unknown trade, wrong
   * amount, cancelled order…), `fail` only when Alipay's retry can help (bad signature, settings,
   * transient errors, news that arrived before what it depends on).
   */
  async handleNotify(input: AlipayNotifyInput): Promise<AlipayNotifyReply> {
    const { reply, acknowledgement } = await this.processNotify(input);
    // The facade's acknowledgement of its generation: `success`, or Antom's exact JSON. `fail` asks
    // every generation to deliver again.
    return acknowledgedReply(reply, acknowledgement);
  }

  /**
   * The reply in Alipay's words (`success` / `fail`), and the verified notification's acknowledgement as
   * its generation words it (the facade's reply to a verified notification: Antom's is JSON).
   */
  private async processNotify(
    input: AlipayNotifyInput,
  ): Promise<{ reply: AlipayNotifyReply; acknowledgement?: AlipayNotifyReply }> {
    const channel = await this.lookups.channelByToken(input.channelToken);
    if (!channel) {
      Logger.warn(
        `${describeTrade({})}: notification for unknown channel token; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return { reply: ALIPAY_NACK };
    }
    const ctx = await this.requestContextService.create({
      apiType: 'admin',
      channelOrToken: channel,
      req: input.req,
    });
    const method = await this.lookups.findAlipayMethod(ctx, input.paymentMethodCode);
    if (!method) {
      Logger.warn(
        `${describeTrade({})}: notification for unknown Alipay payment method ${logSafeId(input.paymentMethodCode)}; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return { reply: ALIPAY_NACK };
    }
    const { gateway, knownTrade } = await this.notificationGateway(ctx, method, input);
    if (!gateway.ok) {
      // Alipay retries for about a day: the merchant can restore the settings meanwhile.
      Logger.error(
        `${describeTrade({ orderCode: knownTrade?.orderCode, outTradeNo: knownTrade?.outTradeNo, tradeNo: knownTrade?.tradeNo })}: cannot verify a notification: payment method "${method.code}" has unusable settings (${gateway.issues
          .map(i => i.field)
          .join(', ')}): ${gateway.message.en}; answered ${ALIPAY_NACK}`,
        loggerCtx,
      );
      return { reply: ALIPAY_NACK };
    }
    // Antom signs the headers over the public notify URL, the one the payment was started with.
    const verdict = await gateway.alipay.handleNotification(input.rawBody, input.contentType, undefined, {
      headers: input.headers,
      notifyUrl: this.lookups.notifyUrl(ctx, method.code),
    });
    if (!verdict.ok) {
      const known = verdict.outTradeNo ? await this.lookups.findTrade(ctx, verdict.outTradeNo) : undefined;
      Logger.warn(
        `${describeTrade({ orderCode: known?.orderCode, outTradeNo: verdict.outTradeNo, tradeNo: verdict.tradeNo })}: notification rejected (${verdict.reason}): ${logSafe(verdict.message)}; answered ${verdict.reply}`,
        loggerCtx,
      );
      return { reply: verdict.reply };
    }
    const acknowledgement = verdict.reply;
    const event = verdict.event;
    if (event.type === 'refund') {
      return { reply: (await this.applyBatchRefundEvent(ctx, method.code, event)).reply, acknowledgement };
    }
    const label: TradeLabel = { outTradeNo: event.outTradeNo, tradeNo: event.tradeNo };
    const trade = await this.lookups.findTrade(ctx, event.outTradeNo);
    if (!trade) {
      Logger.warn(
        `${describeTrade(label)}: verified notification (${event.alipayStatus}) for a trade this channel never created; acknowledged`,
        loggerCtx,
      );
      return { reply: ALIPAY_ACK, acknowledgement };
    }
    label.orderCode = trade.orderCode;
    if (trade.paymentMethodCode !== method.code) {
      Logger.warn(
        `${describeTrade(label)}: notification rejected (wrong_method): it arrived for payment method "${method.code}" but the trade belongs to "${trade.paymentMethodCode}"; acknowledged`,
        loggerCtx,
      );
      return { reply: ALIPAY_ACK, acknowledgement };
    }
    try {
      return {
        reply: (await this.tradeEvents.applyTradeEvent(ctx, trade, event, gateway.alipay)).reply,
        acknowledgement,
      };
    } catch (error) {
      Logger.error(
        `${describeTrade(label)}: notification (${event.alipayStatus}) could not be processed, nothing was changed; answered ${ALIPAY_NACK} so Alipay retries: ${describeError(error)}`,
        loggerCtx,
      );
      return { reply: ALIPAY_NACK, acknowledgement };
    }
  }

  /** A legacy `batch_refund_notify`: completes the refund (or orphan refund) with that batch number. */
  private async applyBatchRefundEvent(
    ctx: RequestContext,
    methodCode: string,
    event: RefundEvent,
  ): Promise<EventOutcome> {
    const trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
      where: { tradeNo: event.tradeNo, channelId: ctx.channelId },
    });
    const label: TradeLabel = {
      orderCode: trade?.orderCode,
      outTradeNo: trade?.outTradeNo,
      tradeNo: event.tradeNo,
    };
    let outcome: EventOutcome;
    try {
      outcome = await this.ledger.processOnce(ctx, event, trade?.outTradeNo ?? '', async txCtx => {
        const row = await this.refunds.findByRequestNo(txCtx, event.batchNo);
        const ours = row && trade?.paymentMethodCode === methodCode && row.outTradeNo === trade.outTradeNo;
        const decision = decideBatchRefund({ event, refund: ours ? toLifecycleRefund(row) : null });
        if (decision.action === 'settle_refund') {
          await this.refunds.settleRow(txCtx, decision.refundId, `batch_refund_notify ${event.batchNo}`);
        } else if (decision.action === 'fail_refund') {
          await this.refunds.failRow(txCtx, decision.refundId, `Alipay: ${decision.result}`);
        }
        return {
          kind: decision.action === 'ignore' ? 'ignored' : 'applied',
          reply: ALIPAY_ACK,
          note: decision.note,
        };
      });
    } catch (error) {
      Logger.error(
        `${describeTrade(label)}: batch_refund_notify ${event.batchNo} could not be processed; answered ${ALIPAY_NACK}: ${describeError(error)}`,
        loggerCtx,
      );
      return { kind: 'rejected', reply: ALIPAY_NACK, note: describeError(error) };
    }
    Logger.info(`${describeTrade(label)}: batch_refund_notify → ${outcome.kind}: ${outcome.note}`, loggerCtx);
    return outcome;
  }

  /**
   * Which facade verifies a notification. The body is only peeked at (nothing is trusted yet) to find
   * the stored trade it names: `out_trade_no`; for a legacy `batch_refund_notify` the trade numbers in
   * `result_details`; for Antom's JSON the `paymentRequestId`, or a refund result's `refundRequestId`
   * through the stored refund. A trade of this method is verified with its own generation, so a late
   * notification still verifies after the method switched interface type. For anything else (an unknown
   * trade, another method's trade) the current settings verify, as before.
   */
  private async notificationGateway(ctx: RequestContext, method: PaymentMethod, input: AlipayNotifyInput) {
    // Antom posts JSON (a form parser may still read something out of it): its own peek comes first.
    const antom = peekAntomNotification(input.rawBody);
    const peek = antom ? undefined : peekNotification(input.rawBody, input.contentType);
    let outTradeNo = antom ? antom.outTradeNo : peek?.outTradeNo;
    if (!outTradeNo && antom?.refundRequestNo) {
      outTradeNo = (await this.refunds.findByRequestNo(ctx, antom.refundRequestNo))?.outTradeNo;
    }
    let trade: AlipayTrade | null = null;
    if (outTradeNo) {
      trade = await this.lookups.findTrade(ctx, outTradeNo);
    } else if (peek && peek.refundTradeNos.length > 0) {
      trade = await this.connection.getRepository(ctx, AlipayTrade).findOne({
        where: { tradeNo: In(peek.refundTradeNos), channelId: ctx.channelId },
      });
    }
    if (trade && trade.paymentMethodCode === method.code) {
      return { gateway: this.lookups.gatewayForTrade(method, trade), knownTrade: trade };
    }
    return { gateway: this.lookups.gatewayFor(method), knownTrade: undefined };
  }
}

function toLifecycleRefund(row: AlipayRefund) {
  return {
    id: String(row.id),
    requestNo: row.requestNo,
    amountFen: row.amountFen,
    status: row.status,
    origin: row.origin,
  };
}
