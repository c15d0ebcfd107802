/**
 * Refunds of orphan payments: Alipay took the buyer's money but the order cannot take it (the core's
 * `OrphanReason`). The money goes back through one `alipay_refund` row of origin `orphan` — under the
 * same lock and request-number rules as every refund, with the core's `ORPHAN_REFUND_REASON` on the
 * buyer's bill — by the shop's policy (`autoRefundOrphanPayments`), or when the admin asks
 * (`POST /admin/alipay/orphans/:outTradeNo/refund`). Never a second refund while one succeeded or is
 * open.
 *
 * @packageDocumentation
 */
import {
  ORPHAN_REFUND_REASON,
  type OrphanRefundAsker,
  planOrphanRefund,
  planRefund,
} from '@alipay-commerce/core/lifecycle';
import { MedusaError } from '@medusajs/framework/utils';
import { logLine } from '../logging/log-line';
import type { RefundRow } from '../modules/alipay/refund-store';
import { notifyUrlFor } from '../settings/provider-options';
import type { AlipayRuntime } from '../settings/runtime';
import { amountToFen, fenToAmount } from '../trades/money';
import { loadSessionTarget } from '../trades/session-target';
import { tradeOriginOf } from '../trades/trade-origin';
import { REFUND_IN_FLIGHT_MESSAGE, sendRefund } from './refund-attempts';

/** What {@link refundOrphanPayment} did. */
export interface OrphanRefundResult {
  /** The orphan's refund (the existing one when it had one that succeeded or is still open). */
  refund: RefundRow;
  /** False when an existing refund was returned and nothing was sent. */
  created: boolean;
}

/**
 * Refunds what is left of an orphan payment, as the core's `planOrphanRefund` decides for `asker`.
 * Idempotent: returns the orphan's refund that succeeded or is still open instead of sending another;
 * only after a refused (`failed`) refund is a new one sent — by an administrator at any time, by the
 * policy only when what was settled of the trade changed since. The refund is stored (request number,
 * lock) before Alipay is called.
 *
 * @throws MedusaError not_found (no such orphan), not_allowed (nothing left to refund, a refusal the
 *   policy leaves to a person, or another refund of the trade is in flight), or the facade's error when
 *   the trade's credentials are gone.
 */
export async function refundOrphanPayment(
  rt: AlipayRuntime,
  outTradeNo: string,
  asker: OrphanRefundAsker = 'admin',
): Promise<OrphanRefundResult> {
  const trade = await rt.settings.getVerifiedTrade(outTradeNo);
  if (!trade?.orphan_reason || !trade.trade_no) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No orphan payment with out_trade_no ${outTradeNo}. / 没有商户订单号为 ${outTradeNo} 的无法关联付款。`,
    );
  }
  const refunds = await rt.settings.listTradeRefunds(outTradeNo);
  const plan = planOrphanRefund(
    { totalFen: amountToFen(trade.total_amount), closed: trade.status === 'closed' },
    refunds.map(row => ({
      status: row.status,
      origin: row.origin,
      amountFen: amountToFen(row.amount, { allowZero: true }),
      settledBeforeFen: amountToFen(row.settled_before, { allowZero: true }),
    })),
    asker,
  );
  if (!plan.send) {
    const existing = refunds.filter(row => row.origin === 'orphan' && row.status !== 'failed');
    if (plan.hold === 'refund_exists')
      return { refund: existing[existing.length - 1] as RefundRow, created: false };
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Orphan payment ${outTradeNo} is not refunded: ${plan.text.en}. / 无法关联的付款 ${outTradeNo} 未退款：${plan.text.zh}。`,
    );
  }
  const session = await loadSessionTarget(rt.container, outTradeNo);
  // The generation the trade was created with; without a session, the one it was verified with (current).
  const scoped = await rt.facadeForTrade(trade.scope, tradeOriginOf(session?.data ?? null), outTradeNo);
  const numbers = planRefund(scoped.config.generation);
  const row = await rt.settings.openRefund({
    outTradeNo,
    tradeNo: trade.trade_no,
    providerId: trade.provider_id,
    scope: trade.scope,
    generation: scoped.config.generation,
    refundId: numbers.refundId,
    requestNo: numbers.requestNo,
    amount: fenToAmount(plan.amountFen),
    origin: 'orphan',
    settledBefore: fenToAmount(plan.settledBeforeFen),
    medusaRefundId: null,
    reason: ORPHAN_REFUND_REASON,
  });
  if (!row) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, REFUND_IN_FLIGHT_MESSAGE);
  const { row: after, result } = await sendRefund(rt.settings, scoped.alipay, row, {
    notifyUrl: notifyUrlFor(rt.options, trade.provider_id),
  });
  const yuan = fenToAmount(plan.amountFen);
  rt.logger.info(
    logLine(`orphan refund ${after.request_no} of ${yuan} CNY: ${after.status} (${result.detail})`, {
      outTradeNo,
      trade: trade.trade_no,
    }),
  );
  await rt.settings.recordEvent({
    kind: 'refund',
    level: after.status === 'failed' ? 'error' : after.status === 'uncertain' ? 'warning' : 'info',
    providerId: trade.provider_id,
    outTradeNo,
    tradeNo: trade.trade_no,
    sessionId: session?.sessionId,
    message:
      `Orphan payment refund of ${yuan} CNY: ${after.status} (${after.request_no}).` +
      `${after.error ? ` ${after.error}` : ''} / 无法关联付款的退款 ${yuan} 元：${after.status}（${after.request_no}）。`,
    details: { refundId: after.id, requestNo: after.request_no, status: after.status, origin: 'orphan' },
  });
  return { refund: after, created: true };
}

/**
 * The auto-refund policy, run after an orphan's claim is finished (and by reconciliation for orphans
 * left without a refund): refunds it when the provider's `autoRefundOrphanPayments` is on. Never throws:
 * a failure is logged and journalled, and the orphan stays on Settings → Alipay for the admin.
 */
export async function autoRefundOrphan(rt: AlipayRuntime, outTradeNo: string): Promise<void> {
  if (!rt.options.autoRefundOrphanPayments) return;
  try {
    await refundOrphanPayment(rt, outTradeNo, 'policy');
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    rt.logger.error(logLine(`automatic orphan refund failed: ${message}`, { outTradeNo }));
    await rt.settings
      .recordEvent({
        kind: 'refund',
        level: 'error',
        providerId: rt.providerId,
        outTradeNo,
        message: `The automatic refund of this orphan payment failed: ${message} / 无法关联付款的自动退款失败。`,
        details: { origin: 'orphan', auto: true },
      })
      .catch(() => undefined);
  }
}
