/**
 * The one function that applies a **verified** Alipay trade event to Medusa. The notify route calls
 * it for each verified notification, the reconciliation job for each signed query answer, so a
 * missed notification recovered by the job has exactly the effect the notification would have had.
 *
 * Order of work, and why:
 * 1. claim `(trade_no, Alipay status)` under a UNIQUE key — concurrent duplicates cannot both pass;
 * 2. store the verified trade state — `authorizePayment`/`capturePayment` read it instead of
 *    trusting session data or querying Alipay again;
 * 3. run Medusa's `processPaymentWorkflow` (`captured` for TRADE_SUCCESS/TRADE_FINISHED,
 *    `authorized` for escrow) which creates the payment and completes the cart into an order, even
 *    if the shopper never comes back;
 * 4. check the result (payment there, order there) — `processPaymentWorkflow` swallows a failed cart
 *    completion, so without this check a paid cart could silently stay a cart;
 * 5. on any failure release the claim, so that Alipay's next retry (or the next job run) can succeed.
 *
 * **Accepted payments.** Step 3 is Medusa's slowest work (about 200 ms: payment, capture, cart
 * completion). For a notification that needs it, the notify route does not wait: once the claim and
 * the verified trade are stored, the claim is marked *accepted* with the event it still has to apply,
 * Alipay is answered `success`, and the payment is applied right after in this process
 * ({@link applyAcceptedTradeEvent}, at most {@link ACCEPTED_CONCURRENCY} at once, one session's events
 * in order). Nothing is lost by answering first: the accepted claim is in the database, its holder
 * keeps it fresh while it lives (`claim-heartbeat.ts`), and the `alipay-resume-payments` job applies
 * any accepted claim whose holder died, or whose attempt failed, with growing delays. When
 * {@link ACCEPTED_QUEUE_LIMIT} payments are already waiting, a notification is processed before the
 * answer as before, which slows Alipay down instead of piling work up in memory.
 *
 * @packageDocumentation
 */
import { isPaidStatus, isRefundNotification, isSettledStatus, type TradeEvent } from '@alipay-commerce/core';
import type { Logger, MedusaContainer } from '@medusajs/framework/types';
import { BigNumber, ContainerRegistrationKeys, PaymentActions } from '@medusajs/framework/utils';
import { completeCartWorkflow, processPaymentWorkflow } from '@medusajs/medusa/core-flows';
import { ALIPAY_SETTINGS_MODULE } from '../modules/alipay_settings/constants';
import type AlipaySettingsModuleService from '../modules/alipay_settings/service';
import type { AcceptedClaim, AcceptedTradeEvent, ClaimResult } from '../modules/alipay_settings/service';
import { dropClaim, holdClaim } from './claim-heartbeat';
import { KeyedWorkQueue } from './keyed-work-queue';
import { type LogIds, logLine } from './log';
import { loadSessionTarget, type SessionTarget } from './medusa-state';
import { fenToAmount } from './money';
import { type AlipayRuntime, alipayRuntime } from './runtime';
import { retryDelayMs } from './shipments';

/** What happened to one event, and what to answer Alipay. */
export interface ProcessOutcome {
  /** `success` when processed or deliberately ignored; `fail` when a retry can help. */
  reply: 'success' | 'fail';
  result: 'processed' | 'ignored' | 'duplicate' | 'orphan' | 'failed' | 'busy';
  /** Machine-readable detail, e.g. `order_created`, `already_captured`, `waiting_payment`. */
  detail: string;
  orderId?: string | null;
}

/** How long a duplicate delivery waits for the delivery that holds the claim to finish. */
const CLAIM_WAIT_MS = 15_000;
const CLAIM_POLL_MS = 150;

/** The claim outcome of a notification answered before its payment was applied. */
const ACCEPTED = 'accepted';
/** Accepted payments applied at once (each is a few dozen database round trips). */
export const ACCEPTED_CONCURRENCY = 4;
/**
 * Accepted payments waiting or running before new payments are processed before the answer again (later
 * statuses of a waiting session still join: see `shouldAccept`).
 */
export const ACCEPTED_QUEUE_LIMIT = 200;
/**
 * Attempts at applying an accepted payment before its claim is released for reconciliation: with the
 * delays of `retryDelayMs` (15 s doubling, capped at 6 h), about 10 hours of retrying.
 */
export const MAX_ACCEPTED_ATTEMPTS = 12;

/** The accepted payments of this process, in order per payment session. */
const acceptedPayments = new KeyedWorkQueue(ACCEPTED_CONCURRENCY, ACCEPTED_QUEUE_LIMIT);

/** What applying a trade event reads from it (a verified event, or an accepted claim's copy). */
type AppliedTradeEvent = Pick<TradeEvent, 'outTradeNo' | 'tradeNo' | 'status' | 'alipayStatus' | 'amountFen'>;

/**
 * Applies one verified trade event to the session it belongs to (`target`; `null` when Medusa has
 * no session with that `out_trade_no`). Never throws: failures become `reply: 'fail'`.
 */
export async function processVerifiedTradeEvent(
  rt: AlipayRuntime,
  event: TradeEvent,
  target: SessionTarget | null,
  context: { source: 'notify' | 'query'; scope: string },
): Promise<ProcessOutcome> {
  const ids = {
    session: event.outTradeNo,
    cart: target?.cartId,
    trade: event.tradeNo,
    order: target?.orderId,
  };
  const refund = isRefundNotification(event);
  const claimKey = refund ? `${event.alipayStatus}/refund:${event.refundedFen ?? 0}` : event.alipayStatus;

  let claim: ClaimResult;
  try {
    claim = await claimOrWait(rt, event, claimKey, target, context.source);
  } catch (error) {
    rt.logger.error(logLine(`could not claim ${event.alipayStatus}: ${(error as Error).message}`, ids));
    return { reply: 'fail', result: 'failed', detail: 'claim_failed' };
  }
  if (!claim.claimed) {
    if (claim.state === 'processing' && claim.outcome === ACCEPTED) {
      // Stored and being applied (or resumed by the job if its holder died): nothing for Alipay to redo.
      rt.logger.info(logLine(`duplicate ${event.alipayStatus} acknowledged: accepted, being applied`, ids));
      return { reply: 'success', result: 'duplicate', detail: ACCEPTED };
    }
    if (claim.state === 'processing') {
      rt.logger.warn(logLine(`${event.alipayStatus} is still being processed by another delivery`, ids));
      return { reply: 'fail', result: 'busy', detail: 'claim_busy' };
    }
    rt.logger.info(logLine(`duplicate ${event.alipayStatus} ignored (${claim.outcome ?? claim.state})`, ids));
    return { reply: 'success', result: 'duplicate', detail: claim.outcome ?? claim.state };
  }

  holdClaim(rt.settings, claim.claimId);
  let handedOver = false;
  try {
    await rt.settings.recordVerifiedTrade({
      event,
      sessionId: target?.sessionId ?? null,
      providerId: rt.providerId,
      scope: context.scope,
      source: context.source,
      totalAmount: fenToAmount(event.amountFen),
      refundedAmount: event.refundedFen !== undefined ? fenToAmount(event.refundedFen) : null,
    });
    if (context.source === 'notify' && !refund && target && shouldAccept(event, target)) {
      const accepted: AcceptedTradeEvent = {
        providerId: rt.providerId,
        scope: context.scope,
        outTradeNo: event.outTradeNo,
        tradeNo: event.tradeNo,
        status: event.status,
        alipayStatus: event.alipayStatus,
        amountFen: event.amountFen,
      };
      await rt.settings.acceptClaim(claim.claimId, accepted);
      handedOver = true;
      const claimId = claim.claimId;
      void acceptedPayments.add(target.sessionId, async () => {
        await applyAcceptedTradeEvent(rt, accepted, { id: claimId, event: accepted, attempts: 0 });
      });
      rt.logger.info(logLine(`${event.alipayStatus} (notify): accepted, applied after the answer`, ids));
      return { reply: 'success', result: 'processed', detail: 'payment_accepted', orderId: target.orderId };
    }
    // After this session's accepted events, so that a later status never overtakes an earlier one.
    if (target) await acceptedPayments.drained(target.sessionId);
    const outcome = refund
      ? await recordRefundReport(rt, event, target)
      : target
        ? await applyToSession(rt, event, target, context.source)
        : await recordOrphan(rt, event, null, 'no_session');
    return await finishApplied(rt, claim.claimId, outcome, `${event.alipayStatus} (${context.source})`, ids);
  } catch (error) {
    // Release first: if even the journal write fails, Alipay's retry must still find the claim free.
    await rt.settings.releaseClaim(claim.claimId).catch(() => undefined);
    const message = (error as Error)?.message ?? String(error);
    rt.logger.error(
      logLine(`processing ${event.alipayStatus} failed, claim released for a retry: ${message}`, ids),
    );
    await rt.settings
      .recordEvent({
        kind: 'error',
        level: 'error',
        providerId: rt.providerId,
        outTradeNo: event.outTradeNo,
        tradeNo: event.tradeNo,
        sessionId: target?.sessionId,
        cartId: target?.cartId,
        orderId: target?.orderId,
        message:
          `Processing ${event.alipayStatus} failed; Alipay will retry. ${message} / ` +
          `处理 ${event.alipayStatus} 失败，支付宝将重试。`,
        details: { alipayStatus: event.alipayStatus, source: context.source },
      })
      .catch(() => undefined);
    return { reply: 'fail', result: 'failed', detail: 'processing_failed' };
  } finally {
    if (!handedOver) dropClaim(claim.claimId);
  }
}

/** Marks the claim done with the event's outcome and writes the outcome line (`what`: status and source). */
async function finishApplied(
  rt: AlipayRuntime,
  claimId: string,
  outcome: ProcessOutcome,
  what: string,
  ids: LogIds,
): Promise<ProcessOutcome> {
  await rt.settings.finishClaim(
    claimId,
    outcome.result === 'processed' ? 'processed' : 'ignored',
    outcome.detail,
  );
  rt.logger.info(
    logLine(`${what}: ${outcome.result}, ${outcome.detail}`, { ...ids, order: outcome.orderId ?? ids.order }),
  );
  return outcome;
}

/**
 * Whether a verified notification is answered before its payment is applied: it needs Medusa's
 * payment workflow and the queue has room, or an accepted event of the same session is still waiting.
 * In that last case it joins the queue even when the queue is full: it has to wait for that session
 * anyway, and holding Alipay's request open meanwhile (up to the whole queue's time under a burst)
 * helps nobody. The queue stays bounded: at most a few statuses per waiting session.
 */
function shouldAccept(event: AppliedTradeEvent, target: SessionTarget): boolean {
  if (!isPaidStatus(event.status)) return false;
  if (acceptedPayments.isBusy(target.sessionId)) return true;
  return acceptedPayments.hasRoom() && needsPaymentWorkflow(event, target);
}

/** Whether {@link applyToSession} would run Medusa's workflows (as opposed to journal or orphan only). */
function needsPaymentWorkflow(event: AppliedTradeEvent, target: SessionTarget): boolean {
  if (!target.payment) return !target.orderId;
  if (target.payment.canceledAt) return false;
  if (isSettledStatus(event.status) && !target.payment.capturedAt) return true;
  return Boolean(target.cartId && !target.orderId);
}

/**
 * Applies an accepted payment: the notification was verified, stored and answered `success`; this
 * does what the answer promised. On failure the claim stays accepted and is retried by the
 * `alipay-resume-payments` job after `retryDelayMs(attempts)`; after {@link MAX_ACCEPTED_ATTEMPTS} it is
 * released, journalled for the merchant, and left to reconciliation (which asks Alipay for 7 days).
 * Never throws.
 */
export async function applyAcceptedTradeEvent(
  rt: AlipayRuntime,
  event: AcceptedTradeEvent,
  claim: AcceptedClaim,
): Promise<ProcessOutcome> {
  const ids: { session: string; trade: string; cart?: string | null; order?: string | null } = {
    session: event.outTradeNo,
    trade: event.tradeNo,
  };
  holdClaim(rt.settings, claim.id);
  try {
    const target = await loadSessionTarget(rt.container, event.outTradeNo);
    ids.cart = target?.cartId;
    ids.order = target?.orderId;
    const outcome = target
      ? await applyToSession(rt, event, target, 'notify')
      : await recordOrphan(rt, event, null, 'no_session');
    return await finishApplied(rt, claim.id, outcome, `${event.alipayStatus} (notify, accepted)`, ids);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    const attempts = claim.attempts + 1;
    const givenUp = attempts >= MAX_ACCEPTED_ATTEMPTS;
    const delayS = Math.round(retryDelayMs(attempts) / 1000);
    if (givenUp) await rt.settings.releaseClaim(claim.id).catch(() => undefined);
    else
      await rt.settings
        .postponeAcceptedClaim(claim.id, attempts, retryDelayMs(attempts))
        .catch(() => undefined);
    rt.logger.error(
      logLine(
        `applying the accepted ${event.alipayStatus} failed (attempt ${attempts}): ${message}; ` +
          (givenUp ? 'given up, left to reconciliation' : `retried in ${delayS} s`),
        ids,
      ),
    );
    await rt.settings
      .recordEvent({
        kind: 'error',
        level: 'error',
        providerId: rt.providerId,
        outTradeNo: event.outTradeNo,
        tradeNo: event.tradeNo,
        cartId: ids.cart,
        orderId: ids.order,
        message: givenUp
          ? `Alipay's ${event.alipayStatus} was verified and acknowledged, but applying it failed ${attempts} times: ` +
            `${message}. Reconciliation keeps asking Alipay about this payment; check the order. / ` +
            `支付宝 ${event.alipayStatus} 通知已验证并确认，但处理失败 ${attempts} 次，对账任务将继续向支付宝查询，请检查订单。`
          : `Applying Alipay's ${event.alipayStatus} failed (attempt ${attempts}); retried in ${delayS} s. ${message} / ` +
            `处理支付宝 ${event.alipayStatus} 失败（第 ${attempts} 次），${delayS} 秒后重试。`,
        details: { alipayStatus: event.alipayStatus, attempts, givenUp, source: 'notify' },
      })
      .catch(() => undefined);
    return { reply: 'success', result: 'failed', detail: 'apply_failed' };
  } finally {
    dropClaim(claim.id);
  }
}

/**
 * The `alipay-resume-payments` job: applies accepted payments whose holder died before applying them
 * (a restart, a crash) or whose last attempt failed and whose retry is due. One indexed query when
 * there is nothing to do.
 * @returns how many accepted payments were taken over.
 */
export async function resumeAcceptedPayments(container: MedusaContainer, limit = 20): Promise<number> {
  const settings = container.resolve<AlipaySettingsModuleService>(ALIPAY_SETTINGS_MODULE);
  const claims = await settings.takeOverStaleAcceptedClaims(limit);
  await Promise.all(
    claims.map(claim =>
      acceptedPayments.add(claim.event.outTradeNo, async () => {
        let rt: AlipayRuntime;
        try {
          rt = alipayRuntime(container, claim.event.providerId);
        } catch (error) {
          // The provider left medusa-config: retried later, in case it comes back.
          const attempts = claim.attempts + 1;
          await settings
            .postponeAcceptedClaim(claim.id, attempts, retryDelayMs(attempts))
            .catch(() => undefined);
          container.resolve<Logger>(ContainerRegistrationKeys.LOGGER).error(
            logLine(`accepted ${claim.event.alipayStatus} not applied: ${(error as Error).message}`, {
              session: claim.event.outTradeNo,
              trade: claim.event.tradeNo,
            }),
          );
          return;
        }
        rt.logger.warn(
          logLine(`resuming the accepted ${claim.event.alipayStatus} (attempt ${claim.attempts + 1})`, {
            session: claim.event.outTradeNo,
            trade: claim.event.tradeNo,
          }),
        );
        await applyAcceptedTradeEvent(rt, claim.event, claim);
      }),
    ),
  );
  return claims.length;
}

/**
 * Claims the event; when another delivery holds the claim, waits for it (duplicates arrive
 * concurrently) and reports its outcome, or takes the claim over when the holder released it.
 */
async function claimOrWait(
  rt: AlipayRuntime,
  event: TradeEvent,
  claimKey: string,
  target: SessionTarget | null,
  source: 'notify' | 'query',
): Promise<ClaimResult> {
  const input = {
    tradeNo: event.tradeNo,
    claimKey,
    outTradeNo: event.outTradeNo,
    sessionId: target?.sessionId ?? null,
    source,
  };
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const claim = await rt.settings.claimNotification(input);
    if (claim.claimed || claim.state !== 'processing' || claim.outcome === ACCEPTED) return claim;
    if (Date.now() > deadline) return claim;
    await new Promise(resolve => setTimeout(resolve, CLAIM_POLL_MS));
  }
}

/** Drives the Medusa payment for a payment-status event. */
async function applyToSession(
  rt: AlipayRuntime,
  event: AppliedTradeEvent,
  target: SessionTarget,
  source: 'notify' | 'query',
): Promise<ProcessOutcome> {
  const journalBase = {
    providerId: rt.providerId,
    outTradeNo: event.outTradeNo,
    tradeNo: event.tradeNo,
    sessionId: target.sessionId,
    cartId: target.cartId,
    orderId: target.orderId,
  };
  if (event.status === 'waiting_payment') {
    return { reply: 'success', result: 'ignored', detail: 'waiting_payment' };
  }
  if (event.status === 'closed') {
    await rt.settings.recordEvent({
      ...journalBase,
      kind: source === 'notify' ? 'notification' : 'query',
      level: 'info',
      message: 'Alipay closed the unpaid trade. / 支付宝已关闭该未付款交易。',
      details: { alipayStatus: event.alipayStatus },
    });
    return { reply: 'success', result: 'ignored', detail: 'trade_closed' };
  }
  if (!isPaidStatus(event.status)) {
    return { reply: 'success', result: 'ignored', detail: `status_${event.status}` };
  }

  const settled = isSettledStatus(event.status);
  // The cart was completed with another session's payment: this trade paid for nothing.
  if (!target.payment && target.orderId) return recordOrphan(rt, event, target, 'cart_already_paid');
  if (target.payment?.canceledAt) return recordOrphan(rt, event, target, 'payment_canceled');

  let detail: string;
  if (target.payment && (!settled || target.payment.capturedAt)) {
    detail = settled ? 'already_captured' : 'already_authorized';
  } else {
    await processPaymentWorkflow(rt.container).run({
      input: {
        action: settled ? PaymentActions.SUCCESSFUL : PaymentActions.AUTHORIZED,
        data: { session_id: target.sessionId, amount: amountOf(target) },
      },
    });
    detail = target.payment ? 'payment_captured' : settled ? 'payment_captured' : 'payment_authorized';
  }

  const after = await loadSessionTarget(rt.container, target.sessionId);
  if (!after?.payment) throw new Error('processPaymentWorkflow created no payment for the session');
  if (settled && !after.payment.capturedAt) throw new Error('the payment was not captured');
  let orderId = after.orderId;
  let orderCreated = false;
  if (after.cartId && !orderId) {
    // processPaymentWorkflow completes the cart but ignores a failure there; complete it explicitly.
    const { result } = await completeCartWorkflow(rt.container).run({ input: { id: after.cartId } });
    orderId =
      (result as { id?: string } | undefined)?.id ??
      (await loadSessionTarget(rt.container, target.sessionId))?.orderId ??
      null;
    if (!orderId) throw new Error(`cart ${after.cartId} is paid but could not be completed into an order`);
    orderCreated = true;
  } else if (after.cartId && !target.orderId) {
    orderCreated = true;
  }
  const changed = detail !== 'already_captured' && detail !== 'already_authorized';
  await rt.settings.recordEvent({
    ...journalBase,
    orderId,
    kind: source === 'notify' ? 'notification' : 'query',
    level: 'info',
    message: settled
      ? `Paid ${fenToAmount(event.amountFen)} CNY (${event.alipayStatus})${orderCreated ? '; order created' : ''}. / ` +
        `已付款 ${fenToAmount(event.amountFen)} 元（${event.alipayStatus}）${orderCreated ? '，订单已创建' : ''}。`
      : event.status === 'shipped_awaiting_receipt'
        ? // The report that follows the shipment confirmation: only the buyer's receipt is missing now.
          `Paid ${fenToAmount(event.amountFen)} CNY into escrow, shipped (${event.alipayStatus}); the money is ` +
          `released when the buyer confirms receipt. / 买家已付款 ${fenToAmount(event.amountFen)} 元至担保账户，` +
          `已发货（${event.alipayStatus}），买家确认收货后放款。`
        : `Paid ${fenToAmount(event.amountFen)} CNY into escrow (${event.alipayStatus}); ship to get the money. / ` +
          `买家已付款 ${fenToAmount(event.amountFen)} 元至担保账户（${event.alipayStatus}），发货并经买家确认收货后放款。`,
    details: { alipayStatus: event.alipayStatus, detail, source, orderCreated },
  });
  return {
    reply: 'success',
    result: changed || orderCreated ? 'processed' : 'ignored',
    detail: orderCreated ? 'order_created' : detail,
    orderId,
  };
}

/** A refund reported through a trade notification: journal only (Medusa already has the refund). */
async function recordRefundReport(
  rt: AlipayRuntime,
  event: TradeEvent,
  target: SessionTarget | null,
): Promise<ProcessOutcome> {
  const refunded = fenToAmount(event.refundedFen ?? 0);
  await rt.settings.recordEvent({
    kind: 'refund',
    level: 'info',
    providerId: rt.providerId,
    outTradeNo: event.outTradeNo,
    tradeNo: event.tradeNo,
    sessionId: target?.sessionId,
    cartId: target?.cartId,
    orderId: target?.orderId,
    message: `Alipay reports ${refunded} CNY refunded in total (${event.alipayStatus}). / 支付宝通知累计已退款 ${refunded} 元（${event.alipayStatus}）。`,
    details: { alipayStatus: event.alipayStatus, refunded, refundRequestNo: event.refundRequestNo ?? null },
  });
  return { reply: 'success', result: 'ignored', detail: 'refund_reported' };
}

const ORPHAN_REASONS: Record<string, { en: string; zh: string }> = {
  no_session: {
    en: 'no Medusa payment session has this out_trade_no (it was deleted, or the trade is not from this shop)',
    zh: 'Medusa 中没有该商户订单号对应的支付会话（会话已删除，或交易不属于本店）',
  },
  cart_already_paid: {
    en: 'the cart was already completed with another payment',
    zh: '该购物车已用另一笔付款完成下单',
  },
  payment_canceled: { en: 'the Medusa payment was canceled', zh: 'Medusa 中的付款已取消' },
};

/**
 * A paid trade Medusa cannot attach: logged and journalled as an orphan for the admin (Settings →
 * Alipay lists them) — the buyer's money must be refunded or the order created by hand.
 */
async function recordOrphan(
  rt: AlipayRuntime,
  event: AppliedTradeEvent,
  target: SessionTarget | null,
  reason: keyof typeof ORPHAN_REASONS,
): Promise<ProcessOutcome> {
  if (!isPaidStatus(event.status)) {
    return { reply: 'success', result: 'ignored', detail: `${reason}_unpaid` };
  }
  const why = ORPHAN_REASONS[reason] ?? { en: reason, zh: reason };
  rt.logger.error(
    logLine(
      `orphan payment: ${fenToAmount(event.amountFen)} CNY paid (${event.alipayStatus}) but ${why.en}`,
      {
        session: event.outTradeNo,
        cart: target?.cartId,
        trade: event.tradeNo,
        order: target?.orderId,
      },
    ),
  );
  await rt.settings.recordEvent({
    kind: 'orphan',
    level: 'error',
    providerId: rt.providerId,
    outTradeNo: event.outTradeNo,
    tradeNo: event.tradeNo,
    sessionId: target?.sessionId,
    cartId: target?.cartId,
    orderId: target?.orderId,
    message:
      `Orphan payment: ${fenToAmount(event.amountFen)} CNY paid on Alipay (trade ${event.tradeNo}) but ${why.en}. ` +
      `Refund it on Alipay or create the order by hand. / 无法关联的付款：支付宝已收款 ${fenToAmount(event.amountFen)} 元` +
      `（交易号 ${event.tradeNo}），但${why.zh}。请在支付宝退款或手动创建订单。`,
    details: { reason, alipayStatus: event.alipayStatus, amount: fenToAmount(event.amountFen) },
  });
  return { reply: 'success', result: 'orphan', detail: `orphan_${reason}` };
}

/** The session amount for Medusa's workflows: a decimal string, exact. */
function amountOf(target: SessionTarget): string {
  return new BigNumber(target.amount as never).bigNumber?.toString() ?? String(target.amount);
}
