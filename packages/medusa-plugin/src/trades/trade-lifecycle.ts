/**
 * The Medusa half of the core's trade lifecycle (`runTradeLifecycle`): the facts the core decides on,
 * read from Medusa (the `alipay_trade` row, the session's payment, its cart and order, the trade's
 * `alipay_refund` rows), and the mechanics that carry a decision out (Medusa's payment workflows, the
 * refund ledger, the journal). What a verified event *means* is decided by the core alone.
 *
 * @packageDocumentation
 */

import {
  type AlipayGeneration,
  type Bilingual,
  bilingualLine,
  InterfaceNotContractedError,
} from '@alipay-commerce/core';
import {
  alipaySideRefundKey,
  generationOf,
  isFinalRefundStatus,
  type LifecycleEvent,
  MISSING_ORDER,
  ORPHAN_REASON_TEXT,
  type OrphanReason,
  refundAmountFromQuery,
  type TradeDecision,
  type TradeFacts,
  type TradeLifecycleIO,
} from '@alipay-commerce/core/lifecycle';
import type { IPaymentModuleService } from '@medusajs/framework/types';
import { BigNumber, Modules, PaymentActions } from '@medusajs/framework/utils';
import {
  capturePaymentWorkflow,
  completeCartWorkflow,
  processPaymentWorkflow,
} from '@medusajs/medusa/core-flows';
import { logLine } from '../logging/log-line';
import type { JournalEntry } from '../modules/alipay/journal';
import type { RefundRow } from '../modules/alipay/refund-store';
import type { ScopedAlipay } from '../modules/alipay/settings-store';
import type { VerifiedTrade } from '../modules/alipay/trade-store';
import {
  ALIPAY_SIDE_REFUND_NOTE,
  RERECORDED_REFUND_NOTE,
  recordRefundInMedusa,
  settledFen,
  toLifecycleRefund,
} from '../refunds/refund-attempts';
import type { AlipayRuntime } from '../settings/runtime';
import { amountToFen, fenToAmount } from './money';
import { loadSessionTarget, type SessionTarget } from './session-target';
import { tradeOriginOf } from './trade-origin';

/** A verified trade event as the lifecycle reads it, with the trade it is about. */
export type VerifiedLifecycleEvent = LifecycleEvent & { outTradeNo: string };

/** Where an event came from and the facade it was verified with (asked for Alipay's refunded total). */
export interface LifecycleContext {
  source: 'notify' | 'query';
  /** The settings scope the event was verified in. */
  scope: string;
  /** The facade of the trade; built from its session's origin when not given. */
  scoped?: ScopedAlipay;
}

/** What carrying out the decisions of one event did, for the outcome line and the claim. */
export interface AppliedSummary {
  orderId: string | null;
  orderCreated: boolean;
  /** Machine-readable: `order_created`, `payment_captured`, `payment_cancelled`, an action name… */
  detail: string;
}

/**
 * The IO of one event for `runTradeLifecycle`. Facts are read afresh on every round (a trade query
 * that adds a payment and also reports refunds is decided twice).
 */
export class MedusaTradeIO implements TradeLifecycleIO {
  /** What the last `apply` did. */
  readonly summary: AppliedSummary = {
    orderId: null,
    orderCreated: false,
    detail: 'ignored',
  };
  private target: SessionTarget | null = null;
  private stored: VerifiedTrade | null = null;
  private refunds: RefundRow[] = [];
  /** Alipay's refunded total from a trade query, when the event did not say it (legacy). */
  private queriedRefundedFen: number | undefined;

  constructor(
    private readonly rt: AlipayRuntime,
    private readonly event: VerifiedLifecycleEvent,
    private readonly context: LifecycleContext,
  ) {}

  /** The session the event is about, as the last facts read it. */
  get session(): SessionTarget | null {
    return this.target;
  }

  /** Reads the facts afresh: the session and its payment, cart and order; the trade record; its refunds. */
  async facts(): Promise<TradeFacts> {
    const { rt, event } = this;
    this.target = await loadSessionTarget(rt.container, event.outTradeNo);
    this.stored = await rt.settings.getVerifiedTrade(event.outTradeNo);
    this.refunds = await rt.settings.listTradeRefunds(event.outTradeNo);
    this.summary.orderId = this.target?.orderId ?? null;
    return tradeFacts(event, this.target, this.stored, this.refunds);
  }

  /** Alipay's refunded total for the trade, from a trade query with the trade's own facade. */
  async refundedTotal(): Promise<number | undefined> {
    const scoped = await this.facade();
    try {
      const answer = await scoped.alipay.queryTrade({
        outTradeNo: this.event.outTradeNo,
        tradeNo: this.event.tradeNo,
      });
      this.queriedRefundedFen = answer?.refundedFen;
      return answer?.refundedFen;
    } catch (error) {
      // Without the query interface Alipay cannot say: the core answers `fail` and the refund's own
      // result (`batch_refund_notify`) settles it meanwhile.
      if (error instanceof InterfaceNotContractedError) return undefined;
      throw error;
    }
  }

  /** The amount of the refund Alipay knows as `requestNo` (a refund made on Alipay's side). */
  async refundAmount(requestNo: string): Promise<number | null | undefined> {
    const scoped = await this.facade();
    const answer = await scoped.alipay.queryRefund({
      outTradeNo: this.event.outTradeNo,
      tradeNo: this.event.tradeNo,
      refundId: requestNo,
      refundRequestNo: requestNo,
    });
    return refundAmountFromQuery(answer);
  }

  /**
   * Carries a decision out: records its status first, then does what it says with Medusa's mechanics.
   * Throws when that fails (the caller releases the event's claim, or retries an accepted payment).
   */
  async apply(decision: TradeDecision): Promise<void> {
    if (decision.action === 'ignore' || decision.action === 'reconcile_refunds')
      await this.completePaidCart();
    if (!('status' in decision)) return;
    const { rt, event, context } = this;
    const target = this.target;
    const refundedFen = event.refundedFen ?? this.queriedRefundedFen;
    // The status first: `authorizePayment`, called by Medusa's payment workflow below, reads it.
    await rt.settings.recordVerifiedTrade({
      event: { outTradeNo: event.outTradeNo, tradeNo: event.tradeNo, alipayStatus: decision.status },
      sessionId: target?.sessionId ?? null,
      providerId: rt.providerId,
      scope: context.scope,
      source: context.source,
      totalAmount: fenToAmount(event.amountFen),
      refundedAmount: refundedFen !== undefined ? fenToAmount(refundedFen) : null,
    });
    this.summary.detail = decision.action;
    switch (decision.action) {
      case 'ignore':
        return this.orphanUnlinkedPayment();
      case 'record':
        if (event.status === 'closed') {
          await this.journal(
            'info',
            'Alipay closed the trade; no payment was recorded. / 支付宝已关闭该交易，未记录付款。',
          );
        } else if (event.status === 'waiting_payment') {
          this.summary.detail = 'waiting_payment';
        }
        return;
      case 'add_payment':
      case 'settle_payment':
        return this.payment(decision.action === 'settle_payment' || decision.settled);
      case 'await_receipt':
        await this.journal(
          'info',
          `Shipped (${event.alipayStatus}); the money is released when the buyer confirms receipt. / ` +
            `已发货（${event.alipayStatus}），买家确认收货后放款。`,
        );
        return;
      case 'cancel_payment':
        return this.cancelPayment(decision.alert);
      case 'reconcile_refunds':
        await this.settle(decision.settle);
        if (decision.alipaySideFen > 0)
          await this.alipaySideRefund(decision.alipaySideFen, decision.alipaySideKey);
        await this.journal(
          decision.alert ? 'warning' : 'info',
          decision.alert
            ? bilingualLine(decision.alert)
            : `Alipay reports ${this.money(fenToAmount(refundedFen ?? 0)).en} refunded in total; the refunds are settled. / ` +
                `支付宝报告累计退款 ${this.money(fenToAmount(refundedFen ?? 0)).zh}，退款已确认。`,
          { kind: 'refund' },
        );
        return;
      case 'settle_refund':
        await this.settle([decision.refundId]);
        if (decision.alert) await this.journal('error', bilingualLine(decision.alert), { kind: 'refund' });
        return;
      case 'orphan':
        return this.orphan(decision.reason);
      case 'orphan_refunded':
        return this.orphanRefunded();
      case 'alert':
        await this.journal('error', bilingualLine(decision.alert));
        return;
    }
  }

  /** The facade of the trade (its own generation), for a trade query. */
  private async facade(): Promise<ScopedAlipay> {
    if (this.context.scoped) return this.context.scoped;
    const data = this.target?.data ?? null;
    return this.rt.facadeForTrade(
      this.stored?.scope ?? this.context.scope,
      tradeOriginOf(data),
      this.event.outTradeNo,
    );
  }

  /** Adds the Medusa payment (settled: captured) and completes the cart; or captures the escrow payment. */
  private async payment(settled: boolean): Promise<void> {
    const { rt, event } = this;
    const target = this.target;
    if (!target) throw new Error('a payment decision without a payment session');
    const hadPayment = Boolean(target.payment);
    if (target.deleted) {
      // Medusa deleted the session after its payment was made (a new attempt on the collection): the
      // payment workflow needs the session, so the payment is captured directly. The core never adds a
      // payment for a session that is gone (its order facts are those of a missing order).
      if (!target.payment || !settled) throw new Error('a payment decision for a deleted payment session');
      await capturePaymentWorkflow(rt.container).run({ input: { payment_id: target.payment.id } });
    } else {
      await processPaymentWorkflow(rt.container).run({
        input: {
          action: settled ? PaymentActions.SUCCESSFUL : PaymentActions.AUTHORIZED,
          data: { session_id: target.sessionId, amount: amountOf(target) },
        },
      });
    }
    const after = await loadSessionTarget(rt.container, target.outTradeNo);
    if (!after?.payment) throw new Error('processPaymentWorkflow created no payment for the session');
    if (settled && !after.payment.capturedAt) throw new Error('the payment was not captured');
    if (!target.deleted && !after.cartId && !after.orderId) {
      // The collection lost its cart while the payment was being added: an admin deleted it (Medusa
      // only unlinks it, after checking it is unpaid, and never asks the provider). The money reached
      // no order: an orphan, refunded per the policy, never a payment the shop records nowhere.
      await this.orphan('order_missing');
      return;
    }
    let orderId = after.orderId;
    let orderCreated = false;
    if (after.cartId && !orderId) {
      // processPaymentWorkflow completes the cart but ignores a failure there; complete it explicitly.
      const { result } = await completeCartWorkflow(rt.container).run({ input: { id: after.cartId } });
      orderId =
        (result as { id?: string } | undefined)?.id ??
        (await loadSessionTarget(rt.container, target.outTradeNo))?.orderId ??
        null;
      if (!orderId) throw new Error(`cart ${after.cartId} is paid but could not be completed into an order`);
      orderCreated = true;
    } else if (after.cartId && !target.orderId) {
      orderCreated = true;
    }
    this.summary.orderId = orderId;
    this.summary.orderCreated = orderCreated;
    this.summary.detail = orderCreated
      ? 'order_created'
      : settled
        ? 'payment_captured'
        : hadPayment
          ? 'payment_recorded'
          : 'payment_authorized';
    const yuan = fenToAmount(event.amountFen);
    await this.journal(
      'info',
      settled
        ? `Paid ${this.money(yuan).en} (${event.alipayStatus})${orderCreated ? '; order created' : ''}. / ` +
            `已付款 ${this.money(yuan).zh}（${event.alipayStatus}）${orderCreated ? '，订单已创建' : ''}。`
        : event.status === 'shipped_awaiting_receipt'
          ? `Paid ${yuan} CNY into escrow, shipped (${event.alipayStatus}); the money is released when the buyer ` +
            `confirms receipt. / 买家已付款 ${yuan} 元至担保账户，已发货（${event.alipayStatus}），买家确认收货后放款。`
          : `Paid ${yuan} CNY into escrow (${event.alipayStatus}); ship to get the money. / ` +
            `买家已付款 ${yuan} 元至担保账户（${event.alipayStatus}），发货并经买家确认收货后放款。`,
      { orderId, details: { orderCreated } },
    );
  }

  /**
   * Medusa's payment workflow adds the payment and then completes the cart, in two commits: a process
   * that died between them left a paid cart without an order, and the next event about the trade (a
   * duplicate, the resumed claim, a refund report) finds the payment settled — the core ignores it.
   * The cart is completed here first, so the money always reaches an order.
   */
  private async completePaidCart(): Promise<void> {
    const target = this.target;
    if (!target || target.deleted || !target.cartId || target.orderId) return;
    if (!target.payment || target.payment.canceledAt) return;
    const { result } = await completeCartWorkflow(this.rt.container).run({ input: { id: target.cartId } });
    const orderId =
      (result as { id?: string } | undefined)?.id ??
      (await loadSessionTarget(this.rt.container, target.outTradeNo))?.orderId ??
      null;
    if (!orderId) throw new Error(`cart ${target.cartId} is paid but could not be completed into an order`);
    this.target = { ...target, orderId };
    this.summary.orderId = orderId;
    this.summary.orderCreated = true;
    await this.journal(
      'info',
      'The paid cart is completed: order created. / 已付款的购物车已完成：订单已创建。',
      { orderId, details: { orderCreated: true } },
    );
  }

  /**
   * The payment of a collection that lost its cart while it was being added (see `payment`), whose
   * orphan record was never written: the attempt failed, or the process died, after Medusa's commit.
   * Its retry (the resumed accepted payment, a duplicate) finds the payment, and the core ignores the
   * event; the money reached no order all the same, so it becomes the orphan the first attempt would
   * have made it.
   */
  private async orphanUnlinkedPayment(): Promise<void> {
    const target = this.target;
    if (!target || target.deleted || target.cartId || target.orderId) return;
    if (!target.payment || target.payment.canceledAt || this.stored?.orphan_reason) return;
    await this.orphan('order_missing');
  }

  /**
   * Alipay closed a paid escrow trade: the held money went back to the buyer. The Medusa payment is
   * cancelled (the provider's `cancelPayment` sees the recorded close and does not call Alipay) and
   * the merchant is alerted: the order must not ship (the shipping gate refuses it too).
   */
  private async cancelPayment(alert: Bilingual): Promise<void> {
    const payment = this.target?.payment;
    if (!payment) throw new Error('a cancel decision without a payment');
    if (!payment.canceledAt) {
      const paymentModule = this.rt.container.resolve<IPaymentModuleService>(Modules.PAYMENT);
      await paymentModule.cancelPayment(payment.id);
    }
    this.summary.detail = 'payment_cancelled';
    this.rt.logger.error(logLine(alert.en, this.ids()));
    await this.journal('error', bilingualLine(alert), { details: { alert: 'escrow_closed' } });
  }

  /** Settles the shop's refunds Alipay reports refunded; one that was recorded as failed is recorded in Medusa again. */
  private async settle(ids: string[]): Promise<void> {
    const settled = await this.rt.settings.settleRefunds(ids);
    for (const row of settled) {
      if (row.origin === 'orphan') {
        await this.journal(
          'info',
          `The orphan payment was refunded (${fenToAmount(amountToFen(row.amount))} CNY, ${row.request_no}). / ` +
            `无法关联的付款已退款（${fenToAmount(amountToFen(row.amount))} 元，${row.request_no}）。`,
          { kind: 'refund', details: { refundId: row.id, requestNo: row.request_no } },
        );
      }
      // Medusa deleted its refund when the provider reported the refusal; the money did move after all.
      if (row.previous_status === 'failed' && row.origin === 'shop')
        await this.recordInMedusa(row, RERECORDED_REFUND_NOTE);
    }
  }

  /** A refund Alipay made on its own side: one `alipay_refund` row (idempotent by its key), recorded in Medusa. */
  private async alipaySideRefund(amountFen: number, key: string): Promise<void> {
    const { rt, event } = this;
    const payment = this.target?.payment;
    const { row, created } = await rt.settings.insertSettledRefund({
      outTradeNo: event.outTradeNo,
      tradeNo: event.tradeNo,
      providerId: rt.providerId,
      scope: this.stored?.scope ?? this.context.scope,
      generation: this.generation(),
      requestNo: key,
      amount: fenToAmount(amountFen),
      origin: 'alipay',
      lock: Boolean(payment && !payment.canceledAt),
    });
    if (!created || !payment || payment.canceledAt) return;
    // Stored without the lock (another refund of the trade holds it): reconciliation records it later.
    if (!row.in_flight_key) return;
    await this.recordInMedusa(row, ALIPAY_SIDE_REFUND_NOTE, true);
  }

  private async recordInMedusa(row: RefundRow, note: string, held = false): Promise<void> {
    const payment = this.target?.payment;
    if (!payment) return;
    const recorded = await recordRefundInMedusa(
      this.rt.container,
      this.rt.settings,
      row,
      payment.id,
      note,
      held ? { held: true } : { staleBefore: null },
    );
    if (recorded.outcome === 'failed') {
      await this.journal(
        'error',
        `Alipay refunded ${fenToAmount(amountToFen(row.amount))} CNY (${row.request_no}). ${recorded.error}`,
        { kind: 'refund', details: { refundId: row.id, requestNo: row.request_no } },
      );
    }
  }

  /** The money cannot reach the order: an orphan payment, journalled for the merchant. */
  private async orphan(reason: OrphanReason): Promise<void> {
    const { rt, event } = this;
    await rt.settings.markOrphanTrade(event.outTradeNo, reason);
    this.summary.detail = `orphan_${reason}`;
    const why = ORPHAN_REASON_TEXT[reason];
    const yuan = fenToAmount(event.amountFen);
    rt.logger.error(
      logLine(
        `orphan payment: ${this.money(yuan).en} paid (${event.alipayStatus}) but ${why.en}`,
        this.ids(),
      ),
    );
    await this.journal(
      'error',
      `Orphan payment: ${this.money(yuan).en} paid on Alipay (trade ${event.tradeNo}) but ${why.en}. Refund it ` +
        `(Settings → Alipay) or create the order by hand. / 无法关联的付款：支付宝已收款 ${this.money(yuan).zh}（交易号 ` +
        `${event.tradeNo}），但${why.zh}。请退款（设置 → Alipay）或手动创建订单。`,
      { kind: 'orphan', details: { reason, alipayStatus: event.alipayStatus, amount: yuan } },
    );
  }

  /** Alipay gave an orphan payment's money back: its refund is settled (or recorded, if Alipay did it alone). */
  private async orphanRefunded(): Promise<void> {
    const { rt, event } = this;
    const open = this.refunds.filter(r => r.origin === 'orphan' && !isFinalRefundStatus(r.status));
    if (open.length) {
      await this.settle(open.map(r => r.id));
      return;
    }
    // Closed: whatever Alipay had not given back before (a part may have gone back already) went back now.
    const amountFen = event.amountFen - settledFen(this.refunds);
    if (amountFen <= 0) return;
    await rt.settings.insertSettledRefund({
      outTradeNo: event.outTradeNo,
      tradeNo: event.tradeNo,
      providerId: rt.providerId,
      scope: this.stored?.scope ?? this.context.scope,
      generation: this.generation(),
      requestNo: alipaySideRefundKey(event, amountFen),
      amount: fenToAmount(amountFen),
      origin: 'alipay',
      lock: false,
    });
    await this.journal(
      'info',
      `Alipay gave the orphan payment back to the buyer (${event.alipayStatus}). / 支付宝已将无法关联的付款退回买家（${event.alipayStatus}）。`,
      { kind: 'refund' },
    );
  }

  /** The trade's currency, as its session recorded it (Antom: the cart's; the domestic generations: CNY). */
  private currency(): string {
    const recorded = this.target?.data.currency;
    return typeof recorded === 'string' && recorded ? recorded.toUpperCase() : 'CNY';
  }

  /** `12.50 CNY` / `12.50 元`, or `25.99 USD` in both languages. */
  private money(amount: string): { en: string; zh: string } {
    const currency = this.currency();
    return { en: `${amount} ${currency}`, zh: currency === 'CNY' ? `${amount} 元` : `${amount} ${currency}` };
  }

  /** The trade's interface generation: as its session recorded it, else the facade it was verified with. */
  private generation(): AlipayGeneration {
    const origin = tradeOriginOf(this.target?.data ?? null);
    if (origin) return generationOf(origin.interfaceType);
    return this.context.scoped?.config.generation ?? 'openapi';
  }

  private ids() {
    return {
      outTradeNo: this.event.outTradeNo,
      cart: this.target?.cartId,
      trade: this.event.tradeNo,
      order: this.summary.orderId ?? this.target?.orderId,
    };
  }

  private async journal(
    level: JournalEntry['level'],
    message: string,
    extra: { kind?: JournalEntry['kind']; orderId?: string | null; details?: Record<string, unknown> } = {},
  ): Promise<void> {
    const { rt, event, context } = this;
    await rt.settings.recordEvent({
      kind: extra.kind ?? (context.source === 'notify' ? 'notification' : 'query'),
      level,
      providerId: rt.providerId,
      outTradeNo: event.outTradeNo,
      tradeNo: event.tradeNo,
      sessionId: this.target?.sessionId,
      cartId: this.target?.cartId,
      orderId: extra.orderId ?? this.summary.orderId ?? this.target?.orderId,
      message,
      details: { alipayStatus: event.alipayStatus, source: context.source, ...extra.details },
    });
  }
}

/**
 * The core's facts from Medusa's state: the recorded status is `alipay_trade.alipay_status` (Alipay's
 * text, `CREATED` before Alipay reported anything); the payment is `settled` once captured,
 * `cancelled` once cancelled, else `authorized`; the order is the session's cart — gone with the
 * session (`exists: false`), already completed with another session's payment (`paidOtherwise`), or
 * open and owing the session's amount.
 */
export function tradeFacts(
  event: VerifiedLifecycleEvent,
  target: SessionTarget | null,
  stored: VerifiedTrade | null,
  refunds: readonly RefundRow[],
): TradeFacts {
  const sessionFen = target ? amountToFen(target.amount as never, { allowZero: true }) : 0;
  const askedFen =
    typeof target?.data.amount === 'string'
      ? amountToFen(target.data.amount, { allowZero: true })
      : sessionFen;
  const payment = target?.payment
    ? {
        state: target.payment.canceledAt
          ? ('cancelled' as const)
          : target.payment.capturedAt
            ? ('settled' as const)
            : ('authorized' as const),
        amountFen: amountToFen(target.payment.amount as never, { allowZero: true }),
      }
    : null;
  // Another session's payment paid (or is paying) this cart, or its order was placed without this one.
  const paidOtherwise = Boolean(
    target && !target.payment && (target.orderId || target.otherLivePayments > 0),
  );
  return {
    event,
    trade: {
      recordedStatus: stored?.alipay_status ?? 'CREATED',
      tradeNo: stored?.trade_no ?? null,
      amountFen: target
        ? askedFen
        : stored
          ? amountToFen(stored.total_amount, { allowZero: true })
          : event.amountFen,
      orphan: stored?.orphan_reason ?? null,
    },
    payment,
    // A session whose collection belongs to no cart and no order (the admin deleted it), or a deleted
    // session known only from its start record (no cart: no payment can be added for it): the order is gone.
    order:
      target && target.deleted !== 'trade_start' && (target.cartId || target.orderId)
        ? {
            exists: true,
            cancelled: false,
            // The core compares it with the payment's (CNY, or an Antom payment's own currency).
            currency: target.currencyCode || 'CNY',
            payable: !target.orderId && target.otherLivePayments === 0,
            owedFen: sessionFen,
            paidOtherwise,
          }
        : MISSING_ORDER,
    refunds: refunds.map(toLifecycleRefund),
  };
}

/** The session amount for Medusa's workflows: a decimal string, exact. */
function amountOf(target: SessionTarget): string {
  return new BigNumber(target.amount as never).bigNumber?.toString() ?? String(target.amount);
}
