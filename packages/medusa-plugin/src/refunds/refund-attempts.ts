/**
 * Refunds as the Medusa adapter carries out the core's refund rules (`planRefund`,
 * `refundAttemptResult`, `holdsRefundLock`): every refund the shop sends — an admin's refund through
 * Medusa, an orphan payment's refund, reconciliation sending an unanswered one again — is a row of
 * `alipay_refund` stored (with its request number and the trade's refund lock) before Alipay is called,
 * and Alipay's answer is classified by the core and stored on that row. Refunds Alipay made by itself are
 * recorded in Medusa through `refundPaymentWorkflow`, whose provider call links the existing row instead
 * of calling Alipay.
 *
 * @packageDocumentation
 */
import { type Alipay, bilingualLine } from '@alipay-commerce/core';
import {
  type LifecycleRefund,
  REFUND_NEEDS_CHECK,
  type RefundAttemptResult,
  type RefundCallOutcome,
  refundAttemptResult,
} from '@alipay-commerce/core/lifecycle';
import type { MedusaContainer } from '@medusajs/framework/types';
import { refundPaymentWorkflow } from '@medusajs/medusa/core-flows';
import type { RefundRow } from '../modules/alipay/refund-store';
import type AlipayModuleService from '../modules/alipay/service';
import { amountToFen, fenToAmount } from '../trades/money';

/**
 * The refusal of a second refund while one of the same payment is unanswered: nothing was sent.
 * English / 简体中文.
 */
export const REFUND_IN_FLIGHT_MESSAGE =
  'Alipay: another refund of this payment is in progress (its answer from Alipay is not known yet); ' +
  'nothing was sent. Try again once it has finished — reconciliation completes an unanswered refund ' +
  'within minutes. / 支付宝：该付款的另一笔退款正在处理中（尚未收到支付宝的结果），本次未发送。' +
  '请在其完成后重试——未获应答的退款会在几分钟内由对账任务完成。';

/** The note of a Medusa refund that records a refund made on Alipay's side. */
export const ALIPAY_SIDE_REFUND_NOTE = 'Alipay-side refund / 支付宝侧退款';

/** The note of a Medusa refund that re-records a settled refund whose Medusa record was lost. */
export const RERECORDED_REFUND_NOTE = 'Alipay refund recorded again / 支付宝退款重新入账';

/** A classified attempt's reason for the admin: `CODE: English / 中文`. */
export function attemptErrorText(result: RefundAttemptResult): string | null {
  if (!result.error) return null;
  return `${result.error.code}: ${bilingualLine(result.error.message)}`;
}

/** A stored refund as the core's lifecycle reads it (amount in fen). */
export function toLifecycleRefund(row: RefundRow): LifecycleRefund {
  return {
    id: row.id,
    requestNo: row.request_no,
    amountFen: amountToFen(row.amount, { allowZero: true }),
    status: row.status,
    origin: row.origin,
  };
}

/** What the shop records as refunded of a trade, in fen: its settled refunds, whoever asked. */
export function settledFen(rows: readonly RefundRow[]): number {
  return rows
    .filter(row => row.status === 'succeeded')
    .reduce((sum, row) => sum + amountToFen(row.amount, { allowZero: true }), 0);
}

/**
 * Sends a stored refund to Alipay under its stored refund ID and request number (so a repeat is the
 * same refund for Alipay), classifies the answer with the core's `refundAttemptResult` against what
 * the shop had settled before it (and the calls made before this one: a legacy batch sent again and
 * refused is left for a person), and stores the result — never over a row that a notification made
 * final meanwhile. The call is counted before it is made, so a process that dies during it leaves a
 * row that says it may have reached Alipay.
 *
 * Never throws for Alipay's answer; a failure to store the result is thrown after the call (the row
 * stays open and reconciliation completes it).
 */
export async function sendRefund(
  settings: AlipayModuleService,
  alipay: Alipay,
  row: RefundRow,
  options: { notifyUrl: string; currency?: string },
): Promise<{ row: RefundRow; result: RefundAttemptResult }> {
  const amountFen = amountToFen(row.amount);
  const attemptsBefore = await settings.countRefundAttempt(row.id);
  // What Alipay's refunded total must come to is read now: a refund made on Alipay's side since this
  // one was planned (recorded meanwhile) is part of it.
  const settledBeforeFen = settledFen(
    (await settings.listTradeRefunds(row.out_trade_no)).filter(other => other.id !== row.id),
  );
  let outcome: RefundCallOutcome;
  try {
    const value = await alipay.refund({
      outTradeNo: row.out_trade_no,
      ...(row.trade_no ? { tradeNo: row.trade_no } : {}),
      refundId: row.refund_id,
      refundRequestNo: row.request_no,
      amountFen,
      ...(row.reason ? { reason: row.reason } : {}),
      // Antom refunds in the payment's currency (asked of Antom when unknown); the others take CNY only.
      ...(options.currency ? { currency: options.currency } : {}),
      notifyUrl: options.notifyUrl,
    });
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const result = refundAttemptResult(
    {
      amountFen,
      settledBeforeFen,
      generation: row.generation,
      attemptsBefore,
    },
    outcome,
  );
  const stored = await settings.storeRefundAttempt(row.id, {
    status: result.status,
    error: attemptErrorText(result),
    confirmUrl: result.confirmUrl ?? null,
  });
  return { row: stored, result };
}

/** True when a person must look at the refund before it is sent again (the core's `REFUND_NEEDS_CHECK`). */
export function needsPerson(row: RefundRow): boolean {
  return row.error?.startsWith(`${REFUND_NEEDS_CHECK}:`) ?? false;
}

/** How recording a settled refund in Medusa ended. */
export type RecordOutcome = 'recorded' | 'busy' | 'failed';

/**
 * Records a refund Alipay already made (on its own side, or a shop refund whose Medusa record was
 * lost) as a Medusa refund of `paymentId`, through Medusa's `refundPaymentWorkflow`: the row takes
 * the trade's refund lock (`lock.held`: the caller just stored it holding the lock), and the
 * provider's `refundPayment` links it instead of calling Alipay (see `linkRecordedRefund`). When Medusa refuses (the order's state, amounts), the row is kept, released,
 * and its `error` says why; the caller journals it for the merchant.
 */
export async function recordRefundInMedusa(
  container: MedusaContainer,
  settings: AlipayModuleService,
  row: RefundRow,
  paymentId: string,
  note: string,
  lock: { held: true } | { staleBefore: Date | null } = { staleBefore: null },
): Promise<{ outcome: RecordOutcome; error?: string }> {
  // Only a lock this call holds makes the provider's call a recording: without it, the provider would
  // find no row to link and send a new refund.
  const locked = 'held' in lock ? row : await settings.lockForRecording(row.id, lock.staleBefore);
  if (!locked) return { outcome: 'busy' };
  try {
    await refundPaymentWorkflow(container).run({
      input: { payment_id: paymentId, amount: fenToAmount(amountToFen(row.amount)), note },
    });
  } catch (error) {
    // A later step of the workflow (order credit lines) may fail after the refund was recorded.
    const after = (await settings.listTradeRefunds(row.out_trade_no)).find(r => r.id === row.id);
    if (after?.medusa_refund_id) return { outcome: 'recorded' };
    const message = (error as Error)?.message ?? String(error);
    const text =
      `Medusa could not record this refund: ${message}. Record it by hand (the money went back to the buyer on Alipay). / ` +
      `Medusa 无法记录该退款（款项已在支付宝退回买家），请手动记录。`;
    await settings.releaseRecordingLock(row.id, text);
    return { outcome: 'failed', error: text };
  }
  const after = (await settings.listTradeRefunds(row.out_trade_no)).find(r => r.id === row.id);
  if (after?.medusa_refund_id) return { outcome: 'recorded' };
  // Linked nothing: never leave the lock behind.
  await settings.releaseRecordingLock(row.id, null);
  return { outcome: 'failed', error: 'the refund was not linked' };
}
