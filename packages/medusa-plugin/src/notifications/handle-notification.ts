/**
 * Handling of one Alipay notification (notify_url POST) from raw bytes to the answer: find the
 * session it claims to be about, verify it with the facade of that session's settings scope (so a
 * marketplace seller's payment is checked against that seller) and of the interface generation the
 * trade was created with (so a switch between legacy and OpenAPI in the admin does not turn late
 * notifications of older trades into bad signatures), check it against the session
 * (amount, currency), then take it through the core's lifecycle with {@link processVerifiedTradeEvent}
 * (a legacy `batch_refund_notify` through the core's `decideBatchRefund`).
 *
 * @packageDocumentation
 */
import {
  type AlipayEvent,
  type AlipayGeneration,
  acknowledgedReply,
  type NotificationExpectation,
  type NotificationPeek,
  type NotificationRequest,
  peekAntomNotification,
  peekNotification,
  type RefundEvent,
} from '@alipay-commerce/core';
import { decideBatchRefund, eventReceiptKey, generationOf } from '@alipay-commerce/core/lifecycle';
import type { MedusaContainer } from '@medusajs/framework/types';
import { logLine } from '../logging/log-line';
import type { JournalEntry } from '../modules/alipay/journal';
import { AlipayTradeCredentialsError } from '../modules/alipay/settings-errors';
import type { ScopedAlipay } from '../modules/alipay/settings-store';
import { RERECORDED_REFUND_NOTE, recordRefundInMedusa, toLifecycleRefund } from '../refunds/refund-attempts';
import { type AlipayRuntime, alipayRuntime } from '../settings/runtime';
import { amountToFen, fenToAmount } from '../trades/money';
import { type ProcessOutcome, processVerifiedTradeEvent } from '../trades/process-trade-event';
import { loadSessionTarget, OUR_OUT_TRADE_NO, type SessionTarget } from '../trades/session-target';
import { tradeOriginOf } from '../trades/trade-origin';

/** The answer to send Alipay, with the HTTP status. */
export interface NotifyAnswer {
  status: number;
  /** `success` / `fail` (domestic), Antom's exact acknowledgement (`ANTOM_NOTIFICATION_ACK`) or `fail`. */
  reply: string;
  /** What happened, for tests and the log. */
  result: ProcessOutcome['result'] | 'rejected';
  detail: string;
}

/**
 * The routing fields of a notification, unverified: the core's peek of a form, or of Antom's JSON
 * (`peekAntomNotification`, whose fields are mapped onto the form's).
 */
type RoutingPeek = Omit<NotificationPeek, 'generation'> & { generation: AlipayGeneration };

/** True for a JSON body: Antom's notifications (the domestic generations post forms). */
export function isJsonNotification(contentType: string): boolean {
  return /^application\/json\b/i.test(contentType);
}

/**
 * Handles one notification for the provider `providerId`. Never throws: an unexpected failure
 * (database down…) answers `fail` so that Alipay retries.
 *
 * `request` (the headers and the public notify URL the trade was given) is what Antom's signature
 * covers besides the body. An Antom notification (JSON) is routed as a form is: its unverified
 * `paymentRequestId` finds the session, whose settings scope and trade origin verify it (so a provider
 * switched away from `antom` still verifies its Antom trades' late notifications with their Antom
 * settings), and whose amount and currency it is checked against.
 */
export async function handleAlipayNotification(
  container: MedusaContainer,
  providerId: string,
  rawBody: Buffer,
  contentType: string,
  request?: NotificationRequest,
): Promise<NotifyAnswer> {
  let rt = alipayRuntime(container, providerId);
  let ids: { outTradeNo?: string; trade?: string; cart?: string | null } = {};
  // What the facade answers a verified notification with (`success`, or Antom's JSON).
  let acknowledgement: string | undefined;
  try {
    // Unverified routing fields: only to find which session (and so which settings scope and which
    // generation) to verify against, for a form as for Antom's JSON.
    const peek: RoutingPeek | undefined = isJsonNotification(contentType)
      ? antomRouting(rawBody)
      : peekNotification(rawBody, contentType);
    if (!peek) {
      rt.logger.warn(logLine('notification rejected: malformed body (not a form)', {}));
      return { status: 200, reply: 'success', result: 'rejected', detail: 'malformed_body' };
    }
    ids = { outTradeNo: peek.outTradeNo, trade: peek.tradeNo };

    let target: SessionTarget | null = null;
    let scope: string | null = null;
    // The session data that recorded how the trade was created (its interface type, gateway, seller).
    let originData: Record<string, unknown> | null = null;
    if (peek.notifyType === 'batch_refund_notify') {
      // No out_trade_no in legacy refund results: the refunded trades' numbers lead to a stored trade.
      const found = await scopeOfTradeNos(rt, peek.refundTradeNos);
      scope = found.scope;
      ids = { trade: found.tradeNo };
      if (found.outTradeNo && OUR_OUT_TRADE_NO.test(found.outTradeNo)) {
        originData = (await loadSessionTarget(container, found.outTradeNo))?.data ?? null;
      }
    } else if (peek.outTradeNo && OUR_OUT_TRADE_NO.test(peek.outTradeNo)) {
      target = await loadSessionTarget(container, peek.outTradeNo);
      if (target) {
        ids.cart = target.cartId;
        if (target.providerId !== providerId && target.providerId.startsWith('pp_alipay_')) {
          rt.logger.warn(
            logLine(`notification reached ${providerId}, session belongs to ${target.providerId}`, ids),
          );
          rt = alipayRuntime(container, target.providerId);
        }
        // The scope the trade was created with: written into the session by the plugin (never the shopper).
        scope = typeof target.data.sales_channel_id === 'string' ? target.data.sales_channel_id : null;
        originData = target.data;
        if (target.cartSalesChannelId && scope && target.cartSalesChannelId !== scope) {
          rt.logger.warn(
            logLine(
              `the cart moved to sales channel ${target.cartSalesChannelId}; verifying against ${scope}`,
              ids,
            ),
          );
        }
      } else {
        scope = (await rt.settings.getVerifiedTrade(peek.outTradeNo))?.scope ?? null;
      }
    }

    // Verified with the generation the trade was created with, as its session recorded it (the merchant
    // may have switched since). A notification about no session of ours — an unknown or forged trade,
    // or a trade whose session is gone — carries no origin we know: it is verified with the current
    // settings, exactly as a new payment would be, and so fails verification (or is acknowledged as an
    // unknown trade) like any foreign message. Its unverified shape (the core's peek) never routes it to
    // the other generation's credentials, whose absence would otherwise answer `fail` forever and put
    // an error on Settings → Alipay for every forged request.
    const origin = tradeOriginOf(originData);
    if (origin && generationOf(origin.interfaceType) !== peek.generation) {
      rt.logger.warn(
        logLine(
          `a ${peek.generation} notification for a ${generationOf(origin.interfaceType)} trade; verifying as the trade was created`,
          ids,
        ),
      );
    }

    let scoped: ScopedAlipay;
    try {
      scoped = await rt.facadeForTrade(scope, origin, peek.outTradeNo ?? null);
    } catch (error) {
      // Not configured, invalid settings, or the trade's generation has no credentials any more: the
      // merchant can fix them, then Alipay's retry passes.
      rt.logger.error(logLine(`notification not verified: ${(error as Error).message}`, ids));
      if (error instanceof AlipayTradeCredentialsError) {
        await rt.settings
          .recordEvent(
            rejection(rt, target, peek, {
              level: 'error',
              message: error.message,
              details: { reason: 'trade_credentials_missing', interfaceType: error.interfaceType },
            }),
          )
          .catch(() => undefined);
        return { status: 503, reply: 'fail', result: 'failed', detail: 'trade_credentials_missing' };
      }
      return { status: 503, reply: 'fail', result: 'failed', detail: 'settings_unusable' };
    }

    const expected: NotificationExpectation = { seller: scoped.seller };
    if (target) {
      expected.outTradeNo = target.outTradeNo;
      expected.amountFen = amountToFen(target.amount as never);
      // The core compares it with the notification's (domestic: CNY only; Antom: the payment's currency)
      // and rejects a mismatch as wrong_currency (acknowledged: a retry cannot fix it).
      // Medusa stores ISO codes in lower case; the journal shows them as ISO writes them.
      expected.currency = target.currencyCode.toUpperCase();
    }
    const verdict = await scoped.alipay.handleNotification(rawBody, contentType, expected, request);
    if (verdict.ok) acknowledgement = verdict.reply;
    if (!verdict.ok) {
      // Money that arrived for the wrong thing needs the merchant; the rest is noise or a settings fix.
      const level = ['wrong_amount', 'wrong_seller', 'wrong_currency'].includes(verdict.reason)
        ? 'error'
        : 'warning';
      rt.logger.warn(
        logLine(
          `notification rejected (${verdict.reason}): ${verdict.message}; answered ${verdict.reply}`,
          ids,
        ),
      );
      // A verified Antom refund result is acknowledged and changes nothing (refunds are settled by their
      // answer or inquiryRefund): nothing for the merchant to see.
      const quiet = peek.generation === 'antom' && verdict.reason === 'unsupported_notification';
      if (!quiet) {
        await rt.settings.recordEvent(
          rejection(rt, target, verdict, {
            level,
            message: `Notification rejected (${verdict.reason}): ${verdict.message}. / 通知被拒绝（${verdict.reason}）。`,
            details: { reason: verdict.reason, retryable: verdict.retryable },
          }),
        );
      }
      return {
        status: verdict.retryable ? 400 : 200,
        reply: verdict.reply,
        result: 'rejected',
        detail: verdict.reason,
      };
    }

    const event: AlipayEvent = verdict.event;
    if (event.type === 'refund') return await handleRefundResult(rt, event);

    const outcome = await processVerifiedTradeEvent(rt, event, target, {
      source: 'notify',
      scope: scoped.scope,
      scoped,
    });
    return {
      ...outcome,
      status: outcome.reply === 'success' ? 200 : 503,
      reply: acknowledgedReply(outcome.reply, acknowledgement),
    };
  } catch (error) {
    rt.logger.error(
      logLine(`notification failed, answered fail: ${(error as Error)?.message ?? error}`, ids),
    );
    return { status: 503, reply: 'fail', result: 'failed', detail: 'unexpected_error' };
  }
}

/**
 * The routing fields of Antom's JSON, unverified, as a form's would be. A body the peek cannot read
 * routes nowhere: the provider's current settings then verify it, and the facade refuses it in Antom's
 * words.
 */
function antomRouting(rawBody: Buffer): RoutingPeek {
  const antom = peekAntomNotification(rawBody);
  return {
    generation: 'antom',
    notifyType: antom?.notifyType,
    outTradeNo: antom?.outTradeNo,
    tradeNo: antom?.tradeNo,
    appId: undefined,
    sellerId: undefined,
    sellerEmail: undefined,
    batchNo: undefined,
    refundTradeNos: [],
  };
}

/**
 * A legacy `batch_refund_notify`: the result of a refund batch, decided by the core
 * (`decideBatchRefund`) against the shop's refund with that `batch_no` — settled, or failed with
 * Alipay's item result — under a claim of its own (`eventReceiptKey`), and journalled.
 */
async function handleRefundResult(rt: AlipayRuntime, event: RefundEvent): Promise<NotifyAnswer> {
  const claim = await rt.settings.claimNotification({
    tradeNo: event.tradeNo || event.batchNo,
    claimKey: eventReceiptKey(event),
    outTradeNo: null,
    sessionId: null,
    source: 'notify',
  });
  if (!claim.claimed) return { status: 200, reply: 'success', result: 'duplicate', detail: 'batch_refund' };
  try {
    const row = await rt.settings.refundByRequestNo(event.batchNo);
    const decision = decideBatchRefund({ event, refund: row ? toLifecycleRefund(row) : null });
    const ids = { outTradeNo: row?.out_trade_no, trade: event.tradeNo };
    const failed = event.items.filter(item => !item.success);
    const amount = fenToAmount(event.amountFen);
    let level: 'info' | 'warning' | 'error' = failed.length ? 'error' : 'info';
    let note = '';
    if (decision.action === 'settle_refund') {
      const [settled] = await rt.settings.settleRefunds([decision.refundId]);
      if (settled?.previous_status === 'failed' && settled.origin === 'shop') {
        // Recorded as refused (Medusa deleted its refund), refunded after all: recorded in Medusa again.
        const payment = (await loadSessionTarget(rt.container, settled.out_trade_no))?.payment;
        const recorded =
          payment && !payment.canceledAt
            ? await recordRefundInMedusa(
                rt.container,
                rt.settings,
                settled,
                payment.id,
                RERECORDED_REFUND_NOTE,
              )
            : { outcome: 'failed' as const, error: 'the payment is gone or cancelled' };
        level = recorded.outcome === 'recorded' ? 'warning' : 'error';
        note =
          recorded.outcome === 'recorded'
            ? ` Refund ${settled.request_no} had been recorded as refused; Alipay refunded it after all, and it is recorded in Medusa now. /` +
              ` 退款 ${settled.request_no} 此前记录为被拒绝，支付宝实际已退款，现已在 Medusa 中记录。`
            : ` Refund ${settled.request_no} had been recorded as refused; Alipay refunded it after all. Record it in Medusa (${recorded.error}). /` +
              ` 退款 ${settled.request_no} 此前记录为被拒绝，支付宝实际已退款，请在 Medusa 中记录该退款。`;
      }
    } else if (decision.action === 'fail_refund' && row) {
      await rt.settings.failRefund(
        decision.refundId,
        `${decision.result}: refused by Alipay / 支付宝拒绝退款`,
      );
      if (row.origin === 'shop' && row.medusa_refund_id) {
        // Medusa kept its refund while Alipay's answer was pending: nothing moved, the merchant must correct it.
        note =
          ` Medusa still records refund ${row.medusa_refund_id}, but no money moved: correct the order. /` +
          ` Medusa 仍记录了退款 ${row.medusa_refund_id}，但款项并未退回：请更正订单。`;
      }
    } else {
      level = failed.length ? 'warning' : 'info';
    }
    await rt.settings.recordEvent({
      kind: 'refund',
      level,
      providerId: row?.provider_id ?? rt.providerId,
      tradeNo: event.tradeNo,
      outTradeNo:
        row?.out_trade_no ??
        (await rt.settings.getVerifiedTradeByTradeNo(event.tradeNo))?.out_trade_no ??
        null,
      message:
        (failed.length
          ? `Refund batch ${event.batchNo} failed for ${failed.map(item => `${item.tradeNo} (${item.result})`).join(', ')}. / ` +
            `退款批次 ${event.batchNo} 失败：${failed.map(item => `${item.tradeNo}（${item.result}）`).join('，')}。`
          : `Refund batch ${event.batchNo}: ${amount} CNY refunded. / 退款批次 ${event.batchNo}：已退款 ${amount} 元。`) +
        note,
      details: {
        batchNo: event.batchNo,
        amount,
        decision: decision.action,
        refundId: row?.id ?? null,
        items: event.items.map(item => ({
          tradeNo: item.tradeNo,
          amount: fenToAmount(item.amountFen),
          result: item.result,
        })),
      },
    });
    await rt.settings.finishClaim(
      claim.claimId,
      decision.action === 'ignore' ? 'ignored' : 'processed',
      decision.action === 'ignore' ? 'batch_refund_ignored' : decision.action,
    );
    rt.logger.info(logLine(`refund batch ${event.batchNo}: ${decision.note}`, ids));
    return { status: 200, reply: 'success', result: 'processed', detail: 'batch_refund' };
  } catch (error) {
    await rt.settings.releaseClaim(claim.claimId).catch(() => undefined);
    throw error;
  }
}

/** The settings scope of the first refunded trade this shop knows, with its trade numbers. */
async function scopeOfTradeNos(
  rt: AlipayRuntime,
  tradeNos: string[],
): Promise<{ scope: string | null; tradeNo?: string; outTradeNo?: string }> {
  for (const tradeNo of tradeNos) {
    const stored = await rt.settings.getVerifiedTradeByTradeNo(tradeNo);
    if (stored) return { scope: stored.scope, tradeNo, outTradeNo: stored.out_trade_no };
  }
  return { scope: null, tradeNo: tradeNos[0] };
}

/** The journal entry of a refused notification, naming its trade and the session, cart and order it is for. */
function rejection(
  rt: AlipayRuntime,
  target: SessionTarget | null,
  trade: { outTradeNo?: string | null; tradeNo?: string | null },
  entry: Pick<JournalEntry, 'level' | 'message' | 'details'>,
): JournalEntry {
  return {
    kind: 'rejection',
    providerId: rt.providerId,
    outTradeNo: trade.outTradeNo ?? null,
    tradeNo: trade.tradeNo ?? null,
    sessionId: target?.sessionId,
    cartId: target?.cartId,
    orderId: target?.orderId,
    ...entry,
  };
}
