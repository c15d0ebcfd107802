import { bilingualLine } from '@alipay-commerce/core';
import { type OrphanReason, orphanReasonText } from '@alipay-commerce/core/lifecycle';
import { Injectable } from '@nestjs/common';
import { type ID, type RequestContext, TransactionalConnection } from '@vendure/core';
import { In } from 'typeorm';
import { AlipayRefundBookService } from './alipay-refund-book.service';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayOrderSummary } from './types';

/**
 * The Alipay side of one order as the admin's order page shows it (`alipayOrder`, the Dashboard's
 * Alipay panel): read-only, from the plugin's own trade and refund records.
 */
@Injectable()
export class AlipayOrderViewService {
  constructor(
    private readonly connection: TransactionalConnection,
    private readonly book: AlipayRefundBookService,
  ) {}

  /**
   * The Alipay trades of one order of the channel and their refunds, oldest first: trade numbers,
   * escrow shipment, orphan payments, refunds still open.
   */
  async orderSummary(ctx: RequestContext, orderId: ID): Promise<AlipayOrderSummary> {
    const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
      where: { channelId: ctx.channelId, orderId },
      order: { createdAt: 'ASC' },
    });
    const outTradeNos = trades.map(trade => trade.outTradeNo);
    const refunds = outTradeNos.length
      ? await this.connection.getRepository(ctx, AlipayRefund).find({
          where: { channelId: ctx.channelId, outTradeNo: In(outTradeNos) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const refunded = await this.book.settledFenOf(ctx, outTradeNos);
    return {
      trades: trades.map(trade => ({
        outTradeNo: trade.outTradeNo,
        tradeNo: trade.tradeNo,
        paymentMethodCode: trade.paymentMethodCode,
        interfaceType: trade.interfaceType,
        status: trade.status,
        amount: trade.amountFen,
        refundedAmount: refunded.get(trade.outTradeNo) ?? 0,
        shipmentConfirmedAt: trade.shipmentConfirmedAt,
        orphanReason: trade.orphanReason,
        orphanReasonText: trade.orphanReason
          ? bilingualLine(orphanReasonText(trade.orphanReason as OrphanReason))
          : null,
        createdAt: trade.createdAt,
      })),
      refunds: refunds.map(refund => ({
        outTradeNo: refund.outTradeNo,
        requestNo: refund.requestNo,
        amount: refund.amountFen,
        status: refund.status,
        origin: refund.origin,
        error: refund.error,
        confirmUrl: refund.confirmUrl,
        createdAt: refund.createdAt,
      })),
    };
  }
}
