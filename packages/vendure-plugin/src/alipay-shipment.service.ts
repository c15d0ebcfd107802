import { AlipayError, describeError } from '@alipay-commerce/core';
import { FIRST_RETRY_DELAY_MS, isHeldInEscrow, MAX_RETRY_DELAY_MS } from '@alipay-commerce/core/lifecycle';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  EventBus,
  FulfillmentStateTransitionEvent,
  type ID,
  type Job,
  type JobQueue,
  JobQueueService,
  Logger,
  Order,
  TransactionalConnection,
} from '@vendure/core';
import { IsNull, Not } from 'typeorm';
import type { GatewayResult } from './alipay-gateways';
import { describeTrade } from './alipay-log';
import { AlipayLookupService } from './alipay-lookup.service';
import { HISTORY } from './alipay-messages';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { ALIPAY_PLUGIN_OPTIONS, ALIPAY_SHIPMENT_QUEUE, loggerCtx } from './constants';
import { AlipayTrade } from './entities/alipay-trade.entity';

/**
 * An exponential backoff for Vendure's job queue: the core's retry schedule (15 s, 30 s, 1 min …
 * capped at an hour) for the plugin's queue (a confirmation that Alipay refuses now often works minutes
 * later), and `fallback`'s delay (1 s by default, Vendure's own default) for every other queue.
 *
 * Vendure configures backoff per job queue strategy, not per queue, so pass it to
 * `DefaultJobQueuePlugin.init({ backoffStrategy: alipayBackoffStrategy() })`.
 */
export function alipayBackoffStrategy(
  options: {
    baseDelayMs?: number;
    maxDelayMs?: number;
    fallback?: (queueName: string, attemptsMade: number) => number;
  } = {},
): (queueName: string, attemptsMade: number) => number {
  const base = options.baseDelayMs ?? FIRST_RETRY_DELAY_MS;
  const max = options.maxDelayMs ?? MAX_RETRY_DELAY_MS;
  return (queueName, attemptsMade) => {
    if (queueName !== ALIPAY_SHIPMENT_QUEUE) {
      return options.fallback ? options.fallback(queueName, attemptsMade) : 1_000;
    }
    return Math.min(max, base * 2 ** Math.max(0, attemptsMade - 1));
  };
}

/** Data of one job on the {@link ALIPAY_SHIPMENT_QUEUE}. */
export interface AlipayShipmentJobData {
  channelId: ID;
  orderId: ID;
  orderCode: string;
  outTradeNo: string;
  tradeNo: string;
  paymentMethodCode: string;
  fulfillmentId: ID;
  carrier: string;
  trackingNumber: string | null;
}

/**
 * Escrow shipment confirmation (发货): when a fulfillment of an order paid by an escrow trade that
 * waits for the seller (`WAIT_SELLER_SEND_GOODS`) reaches `Shipped`, a job on the
 * {@link ALIPAY_SHIPMENT_QUEUE} tells Alipay the carrier and tracking number, retried with the plugin's
 * backoff; the result, or the last failure, goes to the order history.
 */
@Injectable()
export class AlipayShipmentService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private shipmentQueue: JobQueue<AlipayShipmentJobData> | undefined;
  private fulfillmentSubscription: { unsubscribe(): void } | undefined;

  constructor(
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
    private readonly connection: TransactionalConnection,
    private readonly jobQueueService: JobQueueService,
    private readonly eventBus: EventBus,
    private readonly lookups: AlipayLookupService,
  ) {}

  /** Creates the shipment confirmation queue (in the server and in workers). */
  async onModuleInit(): Promise<void> {
    this.shipmentQueue = await this.jobQueueService.createQueue({
      name: ALIPAY_SHIPMENT_QUEUE,
      process: job => this.processShipmentJob(job),
    });
  }

  /** Listens for fulfillments reaching `Shipped`, to confirm escrow shipments to Alipay. */
  onApplicationBootstrap(): void {
    this.fulfillmentSubscription = this.eventBus.ofType(FulfillmentStateTransitionEvent).subscribe(event => {
      if (event.toState !== 'Shipped') {
        return;
      }
      this.enqueueShipmentConfirmations(event).catch(error =>
        Logger.error(
          `${describeTrade({})}: could not queue the Alipay shipment confirmation of fulfillment ${event.fulfillment.id}: ${describeError(error)}`,
          loggerCtx,
        ),
      );
    });
  }

  /** Stops listening. */
  onApplicationShutdown(): void {
    this.fulfillmentSubscription?.unsubscribe();
  }

  private async enqueueShipmentConfirmations(event: FulfillmentStateTransitionEvent): Promise<void> {
    const { ctx, fulfillment } = event;
    const orders = await this.connection
      .getRepository(ctx, Order)
      .createQueryBuilder('order')
      .innerJoin('order.fulfillments', 'fulfillment', 'fulfillment.id = :fulfillmentId', {
        fulfillmentId: fulfillment.id,
      })
      .getMany();
    for (const order of orders) {
      const trades = await this.connection.getRepository(ctx, AlipayTrade).find({
        where: {
          orderId: order.id,
          status: 'WAIT_SELLER_SEND_GOODS',
          tradeNo: Not(IsNull()),
          orphanReason: IsNull(),
          shipmentConfirmedAt: IsNull(),
        },
      });
      for (const trade of trades) {
        const data: AlipayShipmentJobData = {
          channelId: trade.channelId,
          orderId: order.id,
          orderCode: order.code,
          outTradeNo: trade.outTradeNo,
          tradeNo: trade.tradeNo as string,
          paymentMethodCode: trade.paymentMethodCode,
          fulfillmentId: fulfillment.id,
          carrier: fulfillment.method || fulfillment.handlerCode,
          trackingNumber: fulfillment.trackingCode || null,
        };
        await this.shipmentQueue?.add(data, { retries: this.options.shipmentConfirmationRetries });
        Logger.info(
          `${describeTrade(trade)}: fulfillment ${fulfillment.id} shipped; queued the shipment confirmation to Alipay`,
          loggerCtx,
        );
      }
    }
  }

  /**
   * One attempt to confirm an escrow shipment to Alipay. A retryable failure is thrown so Vendure's
   * job queue tries again (with the configured backoff); the last failure, or one that retrying
   * cannot fix, is written to the order history for the admin.
   */
  private async processShipmentJob(job: Job<AlipayShipmentJobData>): Promise<{ confirmed: boolean }> {
    const data = job.data;
    const label = { orderCode: data.orderCode, outTradeNo: data.outTradeNo, tradeNo: data.tradeNo };
    const ctx = await this.lookups.channelContext(data.channelId);
    if (!ctx) {
      Logger.error(
        `${describeTrade(label)}: shipment confirmation dropped: channel ${data.channelId} is gone`,
        loggerCtx,
      );
      return { confirmed: false };
    }
    const method = await this.lookups.findAlipayMethod(ctx, data.paymentMethodCode);
    const trade = await this.connection
      .getRepository(ctx, AlipayTrade)
      .findOne({ where: { outTradeNo: data.outTradeNo, channelId: ctx.channelId } });
    // Escrow exists in the legacy generation only: a trade always has its own record, but a job queued
    // before an upgrade may outlive it, and then the current settings are the only guess left.
    let gateway: GatewayResult | undefined;
    if (method) {
      gateway = trade ? this.lookups.gatewayForTrade(method, trade) : this.lookups.gatewayFor(method);
    }
    if (trade && !trade.shipmentConfirmedAt && !isHeldInEscrow(trade.status)) {
      // Alipay closed or released the trade since the shipment was queued: nothing to confirm any more.
      Logger.warn(
        `${describeTrade(label)}: shipment confirmation dropped: the trade is ${trade.status}, no longer held in escrow`,
        loggerCtx,
      );
      await this.lookups.addOrderNote(ctx, data.orderId, HISTORY.shipmentNotHeld(data.tradeNo, trade.status));
      return { confirmed: false };
    }
    try {
      if (!gateway?.ok) {
        // Not retryable: only the merchant can fix the settings; the order history says what is missing.
        throw new AlipayError(
          'SETTINGS_INVALID',
          gateway ? gateway.message.en : `payment method "${data.paymentMethodCode}" is missing`,
          gateway?.message ?? { en: 'Restore the payment method.', zh: '请恢复该支付方式。' },
        );
      }
      const { alreadyConfirmed } = await gateway.alipay.confirmShipment({
        tradeNo: data.tradeNo,
        outTradeNo: data.outTradeNo,
        carrier: data.carrier,
        trackingNumber: data.trackingNumber ?? undefined,
      });
      await this.connection.withTransaction(ctx, async txCtx => {
        await this.connection
          .getRepository(txCtx, AlipayTrade)
          .update({ outTradeNo: data.outTradeNo }, { shipmentConfirmedAt: new Date() });
        await this.lookups.addOrderNote(
          txCtx,
          data.orderId,
          HISTORY.shipmentConfirmed(
            data.tradeNo,
            data.carrier,
            data.trackingNumber ?? undefined,
            alreadyConfirmed,
          ),
        );
      });
      Logger.info(
        `${describeTrade(label)}: shipment via ${data.carrier} confirmed to Alipay (attempt ${job.attempts}${alreadyConfirmed ? ', already confirmed before' : ''})`,
        loggerCtx,
      );
      return { confirmed: true };
    } catch (error) {
      const retryable = !(error instanceof AlipayError) || error.retryable;
      const lastAttempt = !retryable || job.attempts > job.retries;
      if (!lastAttempt) {
        Logger.warn(
          `${describeTrade(label)}: shipment confirmation attempt ${job.attempts} of ${job.retries + 1} failed, will retry: ${describeError(error)}`,
          loggerCtx,
        );
        throw error;
      }
      Logger.error(
        `${describeTrade(label)}: shipment confirmation failed for good after ${job.attempts} attempt(s): ${describeError(error)}`,
        loggerCtx,
      );
      await this.lookups.addOrderNote(
        ctx,
        data.orderId,
        HISTORY.shipmentFailed(data.tradeNo, describeError(error), job.attempts),
      );
      return { confirmed: false };
    }
  }
}
