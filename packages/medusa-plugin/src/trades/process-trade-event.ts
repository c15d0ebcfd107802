/**
 * The one function that takes a **verified** Alipay trade event into Medusa. The notify route calls
 * it for each verified notification, the reconciliation job for each signed query answer, so a
 * missed notification recovered by the job has exactly the effect the notification would have had.
 * What the event means for the order is the core's decision (`runTradeLifecycle`); this file is the
 * Medusa mechanics around it.
 *
 * Order of work, and why:
 * 1. claim the event under a UNIQUE key (`eventReceiptKey`) — concurrent duplicates cannot both pass;
 * 2. run the core's lifecycle with Medusa's facts and mechanics (`trade-lifecycle.ts`): record the
 *    verified status (which `authorizePayment`/`capturePayment` read instead of trusting session data),
 *    then carry out the decision — Medusa's `processPaymentWorkflow` and cart completion for a payment
 *    (the cart becomes an order even if the shopper never comes back), a capture, a cancellation, the
 *    refund ledger, an orphan record, the journal;
 * 3. finish the claim with what happened; a refused event (`reject`) or one Alipay must send again
 *    (`retry_later`) releases it, answered per the core's `decisionReply`;
 * 4. on any failure release the claim, so that Alipay's next retry (or the next job run) can succeed.
 * 5. After the claim, an orphan payment is refunded when the shop chose `autoRefundOrphanPayments`.
 *
 * **Accepted payments.** Medusa's payment workflows are its slowest work (about 200 ms: payment,
 * capture, cart completion). For a notification the core decides needs them, the notify route does
 * not wait: once the claim is stored, the claim is marked *accepted* with the verified event it still
 * has to apply, Alipay is answered `success`, and the event is run through the lifecycle right after
 * in this process ({@link applyAcceptedTradeEvent}, at most {@link ACCEPTED_CONCURRENCY} at once, one
 * session's events in order) — decided again then, with the facts of that moment. Nothing is lost by
 * answering first: the accepted claim is in the database, its holder keeps it fresh while it lives
 * (`claim-heartbeat.ts`), and the `alipay-resume-payments` job applies any accepted claim whose holder
 * died, or whose attempt failed, with the core's growing delays. When {@link ACCEPTED_QUEUE_LIMIT}
 * payments are already waiting, a notification is processed before the answer as before, which slows
 * Alipay down instead of piling work up in memory.
 *
 * @packageDocumentation
 */

import { isPaidStatus, isRefundNotification, KeyedQueue, type TradeEvent } from '@alipay-commerce/core';
import {
  decideTradeEvent,
  decisionEffect,
  eventReceiptKey,
  retryDelayMs,
  runTradeLifecycle,
} from '@alipay-commerce/core/lifecycle';
import type { Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { type LogIds, logLine } from '../logging/log-line';
import type { AcceptedClaim, AcceptedTradeEvent, ClaimResult } from '../modules/alipay/claim-store';
import { dropClaim, holdClaim } from '../modules/alipay/claim-store';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type AlipayModuleService from '../modules/alipay/service';
import { autoRefundOrphan } from '../refunds/orphan-refunds';
import { type AlipayRuntime, alipayRuntime } from '../settings/runtime';
import { loadSessionTarget, type SessionTarget } from './session-target';
import { type LifecycleContext, MedusaTradeIO, type VerifiedLifecycleEvent } from './trade-lifecycle';

/** What happened to one event, and what to answer Alipay. */
export interface ProcessOutcome {
  /** `success` when processed or deliberately ignored; `fail` when a retry can help. */
  reply: 'success' | 'fail';
  result: 'processed' | 'ignored' | 'duplicate' | 'orphan' | 'rejected' | 'retry' | 'failed' | 'busy';
  /** Machine-readable detail, e.g. `order_created`, `payment_cancelled`, `wrong_amount`. */
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
 * core's `retryDelayMs` (15 s doubling, capped at an hour), about 4 hours of retrying.
 */
export const MAX_ACCEPTED_ATTEMPTS = 12;

/** The accepted payments of this process, in order per payment session. */
const acceptedPayments = new KeyedQueue(ACCEPTED_CONCURRENCY, ACCEPTED_QUEUE_LIMIT);

/** Queues an accepted payment's work; its failure is its own business (it records it), never the queue's. */
function enqueueAccepted(key: string, task: () => Promise<void>): Promise<void> {
  return acceptedPayments.run(key, task).catch(() => undefined);
}

/**
 * What the accepted payments are serialised by: the payment collection, which a cart's sessions share,
 * so that two sessions of one cart paid at once are applied one after the other (the second then finds
 * the cart paid and becomes an orphan, never a second payment of the order).
 */
function paymentKeyOf(target: SessionTarget): string {
  return target.paymentCollectionId || target.sessionId;
}

/** The event as the core's lifecycle reads it. */
function lifecycleEventOf(event: TradeEvent): VerifiedLifecycleEvent {
  return {
    outTradeNo: event.outTradeNo,
    tradeNo: event.tradeNo,
    status: event.status,
    alipayStatus: event.alipayStatus,
    amountFen: event.amountFen,
    source: event.source,
    refundedFen: event.refundedFen,
    refundRequestNo: event.refundRequestNo,
    refundStatus: event.refundStatus,
    currency: event.currency,
  };
}

/**
 * Takes one verified trade event into Medusa for the session it belongs to (`target`; `null` when
 * Medusa has no session with that `out_trade_no`). Never throws: failures become `reply: 'fail'`.
 */
export async function processVerifiedTradeEvent(
  rt: AlipayRuntime,
  event: TradeEvent,
  target: SessionTarget | null,
  context: LifecycleContext,
): Promise<ProcessOutcome> {
  const ids: LogIds = {
    outTradeNo: event.outTradeNo,
    cart: target?.cartId,
    trade: event.tradeNo,
    order: target?.orderId,
  };
  let claim: ClaimResult;
  try {
    claim = await claimOrWait(rt, event, eventReceiptKey(event), target, context.source);
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
  const subject = lifecycleEventOf(event);
  try {
    if (
      context.source === 'notify' &&
      target &&
      !isRefundNotification(event) &&
      (await shouldAccept(rt, subject, target, context))
    ) {
      const accepted: AcceptedTradeEvent = {
        providerId: rt.providerId,
        scope: context.scope,
        outTradeNo: event.outTradeNo,
        tradeNo: event.tradeNo,
        status: event.status,
        alipayStatus: event.alipayStatus,
        amountFen: event.amountFen,
        ...(event.currency ? { currency: event.currency } : {}),
      };
      await rt.settings.acceptClaim(claim.claimId, accepted);
      handedOver = true;
      const claimId = claim.claimId;
      void enqueueAccepted(paymentKeyOf(target), async () => {
        await applyAcceptedTradeEvent(rt, accepted, { id: claimId, event: accepted, attempts: 0 });
      });
      rt.logger.info(logLine(`${event.alipayStatus} (notify): accepted, applied after the answer`, ids));
      return { reply: 'success', result: 'processed', detail: 'payment_accepted', orderId: target.orderId };
    }
    // After this session's accepted events, so that a later status never overtakes an earlier one.
    if (target) await acceptedPayments.drained(paymentKeyOf(target));
    return await runLifecycle(
      rt,
      subject,
      context,
      claim.claimId,
      `${event.alipayStatus} (${context.source})`,
      ids,
    );
  } catch (error) {
    // Release first: if even the journal write fails, Alipay's retry must still find the claim free.
    await rt.settings.releaseClaim(claim.claimId).catch(() => undefined);
    const message = (error as Error)?.message ?? String(error);
    rt.logger.error(
      logLine(`processing ${event.alipayStatus} failed, claim released for a retry: ${message}`, ids),
    );
    await journalFailure(rt, event, target, {
      message:
        `Processing ${event.alipayStatus} failed; Alipay will retry. ${message} / ` +
        `处理 ${event.alipayStatus} 失败，支付宝将重试。`,
      details: { alipayStatus: event.alipayStatus, source: context.source },
    });
    return { reply: 'fail', result: 'failed', detail: 'processing_failed' };
  } finally {
    if (!handedOver) dropClaim(claim.claimId);
  }
}

/**
 * Runs the core's lifecycle for a claimed event and finishes the claim: done (processed or ignored)
 * after the decisions were carried out, released after a refusal or a "send it again". Then, outside
 * the claim, refunds an orphan payment when the shop chose to. Throws when carrying a decision out
 * failed (the caller releases the claim or retries the accepted payment).
 */
async function runLifecycle(
  rt: AlipayRuntime,
  subject: VerifiedLifecycleEvent,
  context: LifecycleContext,
  claimId: string,
  what: string,
  ids: LogIds,
): Promise<ProcessOutcome> {
  const io = new MedusaTradeIO(rt, subject, context);
  const run = await runTradeLifecycle(io);
  const decision = run.decision;
  const orderId = io.summary.orderId ?? io.session?.orderId ?? null;
  if (decision.action === 'reject' || decision.action === 'retry_later') {
    await rt.settings.releaseClaim(claimId);
    const refused = decision.action === 'reject';
    const line = logLine(`${what}: ${refused ? 'rejected' : 'answered fail'}, ${run.note}`, {
      ...ids,
      order: orderId,
    });
    if (refused) {
      rt.logger.error(line);
      await rt.settings.recordEvent({
        kind: 'rejection',
        level: decision.reason === 'unknown_status' ? 'warning' : 'error',
        providerId: rt.providerId,
        outTradeNo: subject.outTradeNo,
        tradeNo: subject.tradeNo,
        sessionId: io.session?.sessionId,
        cartId: io.session?.cartId,
        orderId,
        message: `Alipay's ${subject.alipayStatus} was refused (${decision.reason}): ${decision.note}. / 支付宝 ${subject.alipayStatus} 被拒绝（${decision.reason}）。`,
        details: { reason: decision.reason, alipayStatus: subject.alipayStatus, source: context.source },
      });
    } else {
      rt.logger.warn(line);
    }
    return {
      reply: run.reply,
      result: refused ? 'rejected' : 'retry',
      detail: refused ? decision.reason : 'retry_later',
      orderId,
    };
  }
  // What the decisions did, in the core's words (`decisionEffect`): an orphan, a change, or nothing.
  const effects = run.applied.map(decisionEffect);
  // A payment whose cart went away while it was being added became an orphan after the decision.
  if (io.summary.detail?.startsWith('orphan_')) effects.push('orphan');
  const result: ProcessOutcome['result'] = effects.includes('orphan')
    ? 'orphan'
    : effects.some(effect => effect === 'applied' || effect === 'recorded')
      ? 'processed'
      : 'ignored';
  const detail = io.summary.detail;
  await rt.settings.finishClaim(claimId, result === 'ignored' ? 'ignored' : 'processed', detail);
  rt.logger.info(logLine(`${what}: ${result}, ${detail} (${run.note})`, { ...ids, order: orderId }));
  if (effects.includes('orphan')) await autoRefundOrphan(rt, subject.outTradeNo);
  return { reply: run.reply, result, detail, orderId };
}

/**
 * Whether a verified notification is answered before it is applied: the core decides it needs Medusa's
 * payment workflows (a payment to add or settle) and the queue has room, or an accepted event of the
 * same session is still waiting. In that last case a paid status joins the queue even when the queue
 * is full: it has to wait for that session anyway, and holding Alipay's request open meanwhile (up to
 * the whole queue's time under a burst) helps nobody. The queue stays bounded: at most a few statuses
 * per waiting session.
 */
async function shouldAccept(
  rt: AlipayRuntime,
  subject: VerifiedLifecycleEvent,
  target: SessionTarget,
  context: LifecycleContext,
): Promise<boolean> {
  if (!isPaidStatus(subject.status)) return false;
  if (acceptedPayments.isBusy(paymentKeyOf(target))) return true;
  if (!acceptedPayments.hasRoom()) return false;
  const decision = decideTradeEvent(await new MedusaTradeIO(rt, subject, context).facts());
  return decision.action === 'add_payment' || decision.action === 'settle_payment';
}

/**
 * Applies an accepted payment: the notification was verified, stored and answered `success`; this
 * runs it through the core's lifecycle now, with the facts of this moment. On failure the claim stays
 * accepted and is retried by the `alipay-resume-payments` job after the core's `retryDelayMs(attempts)`;
 * after {@link MAX_ACCEPTED_ATTEMPTS} it is released, journalled for the merchant, and left to
 * reconciliation (which asks Alipay for a week). Never throws.
 */
export async function applyAcceptedTradeEvent(
  rt: AlipayRuntime,
  event: AcceptedTradeEvent,
  claim: AcceptedClaim,
): Promise<ProcessOutcome> {
  const ids: LogIds = { outTradeNo: event.outTradeNo, trade: event.tradeNo };
  holdClaim(rt.settings, claim.id);
  try {
    return await runLifecycle(
      rt,
      {
        outTradeNo: event.outTradeNo,
        tradeNo: event.tradeNo,
        status: event.status,
        alipayStatus: event.alipayStatus,
        amountFen: event.amountFen,
        currency: event.currency,
        source: 'notify',
      },
      { source: 'notify', scope: event.scope },
      claim.id,
      `${event.alipayStatus} (notify, accepted)`,
      ids,
    );
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
    if (!givenUp && isCartLockBusy(message)) {
      // Busy, not broken: another process is completing this cart, or one that died inside Medusa's
      // payment workflow still holds its lock until the lock expires (2 minutes). Nothing for the merchant.
      rt.logger.warn(
        logLine(
          `applying the accepted ${event.alipayStatus} waits for the cart's lock (attempt ${attempts}); retried in ${delayS} s`,
          ids,
        ),
      );
      return { reply: 'success', result: 'failed', detail: 'apply_failed' };
    }
    rt.logger.error(
      logLine(
        `applying the accepted ${event.alipayStatus} failed (attempt ${attempts}): ${message}; ` +
          (givenUp ? 'given up, left to reconciliation' : `retried in ${delayS} s`),
        ids,
      ),
    );
    await journalFailure(rt, event, null, {
      message: givenUp
        ? `Alipay's ${event.alipayStatus} was verified and acknowledged, but applying it failed ${attempts} times: ` +
          `${message}. Reconciliation keeps asking Alipay about this payment; check the order. / ` +
          `支付宝 ${event.alipayStatus} 通知已验证并确认，但处理失败 ${attempts} 次，对账任务将继续向支付宝查询，请检查订单。`
        : `Applying Alipay's ${event.alipayStatus} failed (attempt ${attempts}); retried in ${delayS} s. ${message} / ` +
          `处理支付宝 ${event.alipayStatus} 失败（第 ${attempts} 次），${delayS} 秒后重试。`,
      details: { alipayStatus: event.alipayStatus, attempts, givenUp, source: 'notify' },
    });
    return { reply: 'success', result: 'failed', detail: 'apply_failed' };
  } finally {
    dropClaim(claim.id);
  }
}

/**
 * Whether applying a payment failed only because Medusa's locking module would not give the cart's lock
 * (`Failed to acquire lock for key …`, thrown by every locking provider when its wait times out).
 */
function isCartLockBusy(message: string): boolean {
  return message.startsWith('Failed to acquire lock for key');
}

/**
 * Journals a failure to process a verified trade event for the merchant. Never throws: what Alipay is
 * answered, and the claim's release, come first.
 */
async function journalFailure(
  rt: AlipayRuntime,
  event: { outTradeNo: string; tradeNo?: string | null },
  target: SessionTarget | null | undefined,
  entry: { message: string; details: Record<string, unknown> },
): Promise<void> {
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
      ...entry,
    })
    .catch(() => undefined);
}

/**
 * The `alipay-resume-payments` job: applies accepted payments whose holder died before applying them
 * (a restart, a crash) or whose last attempt failed and whose retry is due. One indexed query when
 * there is nothing to do.
 * @returns how many accepted payments were taken over.
 */
export async function resumeAcceptedPayments(container: MedusaContainer, limit = 20): Promise<number> {
  const settings = container.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const claims = await settings.takeOverStaleAcceptedClaims(limit);
  await Promise.all(
    claims.map(async claim => {
      const target = await loadSessionTarget(container, claim.event.outTradeNo).catch(() => null);
      return enqueueAccepted(target ? paymentKeyOf(target) : claim.event.outTradeNo, async () => {
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
              outTradeNo: claim.event.outTradeNo,
              trade: claim.event.tradeNo,
            }),
          );
          return;
        }
        rt.logger.warn(
          logLine(`resuming the accepted ${claim.event.alipayStatus} (attempt ${claim.attempts + 1})`, {
            outTradeNo: claim.event.outTradeNo,
            trade: claim.event.tradeNo,
          }),
        );
        await applyAcceptedTradeEvent(rt, claim.event, claim);
      });
    }),
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
