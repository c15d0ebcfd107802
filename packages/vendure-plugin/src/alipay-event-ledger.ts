import { ALIPAY_ACK, KeyedQueue, type RefundEvent, type TradeEvent } from '@alipay-commerce/core';
import { eventReceiptKey } from '@alipay-commerce/core/lifecycle';
import { Injectable } from '@nestjs/common';
import { type ID, type RequestContext, TransactionalConnection } from '@vendure/core';
import { AlipayNotificationReceipt } from './entities/alipay-notification-receipt.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';
import type { AlipayNotifyReply } from './types';
import { isUniqueViolation } from './unique-violation';

/** Receipts of events this process committed that it remembers, to answer Alipay's repeats at once. */
const RECENT_RECEIPTS = 10_000;

/** TypeORM types that run on one shared connection, where concurrent transactions would interleave. */
export const SINGLE_CONNECTION_DATABASES: ReadonlySet<string> = new Set([
  'sqlite',
  'better-sqlite3',
  'sqljs',
  'capacitor',
  'cordova',
  'expo',
]);

/**
 * A set of at most `capacity` strings that forgets the oldest first: the plugin's memory of receipts it
 * committed recently. Bounded, so a process that handles millions of notifications keeps a fixed amount
 * of them in memory (the database's receipts remain the record; this only saves work).
 */
export class BoundedSet {
  private readonly items = new Set<string>();

  constructor(readonly capacity: number) {}

  has(item: string): boolean {
    return this.items.has(item);
  }

  add(item: string): void {
    if (this.items.has(item)) {
      return;
    }
    if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next().value;
      if (oldest !== undefined) {
        this.items.delete(oldest);
      }
    }
    this.items.add(item);
  }

  get size(): number {
    return this.items.size;
  }
}

/** What processing one verified event led to; `reply` is what Alipay must read. */
export interface EventOutcome {
  /** What happened: `applied` changed the order, `recorded` only the trade, `duplicate` nothing. */
  kind: 'applied' | 'recorded' | 'orphan' | 'duplicate' | 'ignored' | 'rejected';
  /** What Alipay must read: `success` when done or deliberately ignored, `fail` when a retry can help. */
  reply: AlipayNotifyReply;
  /** Why, for the log line. */
  note: string;
  /** The trade that became an orphan, to refund after the transaction committed. */
  orphanTradeId?: ID;
}

/**
 * Thrown inside an event's transaction to leave without committing anything (a duplicate or a
 * rejected event), so no receipt claim survives a rejection and Alipay's next delivery is judged anew.
 */
export class EventNotApplied extends Error {
  constructor(readonly outcome: EventOutcome) {
    super(outcome.note);
  }
}

/**
 * Makes each verified Alipay event (trade number + status) take effect at most once, whatever
 * delivers it (notification, retry, return-page sync, reconciliation) and in whichever process: the
 * unique {@link AlipayNotificationReceipt} row claimed first in the event's transaction is the
 * authority; this process also remembers the receipts it committed (bounded) and the events in
 * flight, so Alipay's repeats are answered without queueing behind unrelated payments.
 */
@Injectable()
export class AlipayEventLedger {
  private readonly mutex = new KeyedQueue();
  /** Receipt keys committed by this process, newest last (bounded). */
  private readonly recentReceipts = new BoundedSet(RECENT_RECEIPTS);
  /** Events being processed now, by receipt key: a repeat waits for the first instead of queueing. */
  private readonly eventsInFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly connection: TransactionalConnection) {}

  /**
   * Runs the plugin's own database work about a trade (outside an event: a refund's result, an orphan
   * refund) one at a time with the events of that trade in this process. On databases with one shared
   * connection (SQLite) all of it runs one at a time: concurrent transactions there would nest as
   * savepoints of each other, and one's rollback would undo the other's work.
   */
  withTradeLock<T>(tradeKey: string, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(this.lockKey(tradeKey), work);
  }

  private lockKey(tradeKey: string): string {
    return this.singleConnection() ? 'single-connection' : `trade:${tradeKey}`;
  }

  private singleConnection(): boolean {
    return SINGLE_CONNECTION_DATABASES.has(String(this.connection.rawConnection.options.type));
  }

  /**
   * Locks the trade's row until the event's transaction ends (`SELECT … FOR UPDATE`), on databases where
   * transactions run side by side (PostgreSQL). The receipt claim only serialises copies of one
   * event; two different events of one trade — `TRADE_SUCCESS` at one server instance and `TRADE_FINISHED`
   * at another — would otherwise both read "no payment yet" and both add one. This process's queue
   * cannot see other processes; the row lock can. A second event now waits, then reads what the first
   * committed. (SQLite has one writer and one shared connection: the process-wide queue serialises there.)
   */
  private async lockTrade(ctx: RequestContext, outTradeNo: string): Promise<void> {
    if (this.singleConnection()) return;
    await this.connection
      .getRepository(ctx, AlipayTrade)
      .createQueryBuilder('trade')
      .setLock('pessimistic_write')
      .select('trade.id')
      .where('trade.outTradeNo = :outTradeNo', { outTradeNo })
      .getRawOne();
  }

  /**
   * Processes one event: in this process one event at a time per trade (on databases with a single
   * shared connection, SQLite, one event at a time: TypeORM would nest concurrent transactions as
   * savepoints of one another), then in a transaction that locks the trade's row across processes
   * ({@link lockTrade}) and claims the receipt of (trade number, status). A second claim fails on the unique index, whichever process makes it;
   * an {@link EventNotApplied} rolls everything back, the claim included.
   *
   * @param work what the event changes, run inside the transaction after the claim.
   */
  processOnce(
    ctx: RequestContext,
    event: TradeEvent | RefundEvent,
    outTradeNo: string,
    work: (txCtx: RequestContext) => Promise<EventOutcome>,
  ): Promise<EventOutcome> {
    const lockKey = this.lockKey(event.tradeNo);
    const key = { tradeNo: event.tradeNo, alipayStatus: eventReceiptKey(event) };
    const duplicate: EventOutcome = {
      kind: 'duplicate',
      reply: ALIPAY_ACK,
      note: `already processed (${key.alipayStatus})`,
    };
    const receiptKey = `${key.tradeNo}\u0000${key.alipayStatus}`;
    // Inside a caller's transaction (custom code calling applyTradeEvent), "committed" below would only
    // mean a savepoint released: such receipts are not remembered.
    const remember = this.connection.getRepository(ctx, AlipayNotificationReceipt).manager.queryRunner
      ?.isTransactionActive
      ? () => undefined
      : () => this.recentReceipts.add(receiptKey);
    // Alipay's repeats (retries, duplicated deliveries) of an event this process committed are answered
    // without waiting for the lock: on SQLite every event waits for every other, and a repeat would
    // otherwise queue behind payments that have nothing to do with it. The database check below stays
    // the authority (other processes, forgotten keys).
    if (this.recentReceipts.has(receiptKey)) {
      return Promise.resolve(duplicate);
    }
    const inFlight = this.eventsInFlight.get(receiptKey);
    if (inFlight) {
      // The same event is being processed: wait for it, then judge this copy (usually a duplicate now).
      return inFlight.then(
        () => this.processOnce(ctx, event, outTradeNo, work),
        () => this.processOnce(ctx, event, outTradeNo, work),
      );
    }
    const processing = this.mutex.run(lockKey, async () => {
      // Answer known duplicates without opening a transaction (the common case of Alipay's retries).
      if (await this.connection.getRepository(ctx, AlipayNotificationReceipt).exists({ where: key })) {
        remember();
        return duplicate;
      }
      try {
        const outcome = await this.connection.withTransaction(ctx, async txCtx => {
          await this.lockTrade(txCtx, outTradeNo);
          try {
            await this.connection.getRepository(txCtx, AlipayNotificationReceipt).insert(
              new AlipayNotificationReceipt({
                ...key,
                outTradeNo,
                notifyId: event.notifyId ?? null,
                channelId: txCtx.channelId,
              }),
            );
          } catch (error) {
            if (isUniqueViolation(error)) {
              throw new EventNotApplied(duplicate);
            }
            throw error;
          }
          return work(txCtx);
        });
        // Committed: the receipt exists from now on.
        remember();
        return outcome;
      } catch (error) {
        if (error instanceof EventNotApplied) {
          return error.outcome;
        }
        throw error;
      }
    });
    this.eventsInFlight.set(receiptKey, processing);
    const forget = () => {
      if (this.eventsInFlight.get(receiptKey) === processing) {
        this.eventsInFlight.delete(receiptKey);
      }
    };
    processing.then(forget, forget);
    return processing;
  }
}
