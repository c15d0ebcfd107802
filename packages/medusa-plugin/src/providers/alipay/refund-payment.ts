/**
 * The provider's `refundPayment`: refunds part or all of a payment under the core's refund rules.
 *
 * @packageDocumentation
 */
import { planRefund } from '@alipay-commerce/core/lifecycle';
import type { RefundPaymentInput, RefundPaymentOutput } from '@medusajs/framework/types';
import { MedusaError } from '@medusajs/framework/utils';
import { logLine } from '../../logging/log-line';
import type { RefundRow } from '../../modules/alipay/refund-store';
import { REFUND_IN_FLIGHT_MESSAGE, sendRefund, settledFen } from '../../refunds/refund-attempts';
import { notifyUrlFor } from '../../settings/provider-options';
import { REFUND_STATUS_LABELS } from '../../shared/refund-view';
import { amountToFen, fenToAmount } from '../../trades/money';
import { type ProviderContext, text } from './provider-context';

/**
 * Refunds part or all of a payment, safe under concurrency and crashes (the core's refund rules):
 *
 * 1. A refund Alipay already made and the plugin is recording in Medusa (an Alipay-side refund, or a
 *    refund whose Medusa record was lost) is linked to this Medusa refund: Alipay is not called.
 * 2. Otherwise the core plans the refund (`planRefund`: a random refund ID and request number) and
 *    it is stored in `alipay_refund` — with the trade's refund lock and Medusa's refund ID
 *    (`context.idempotency_key`: Medusa commits its refund row before calling the provider) — before
 *    Alipay is called. When another refund of the payment holds the lock nothing is sent and the
 *    refund is refused, in English and Chinese: two admins at once cannot refund twice.
 * 3. Alipay's answer is classified by the core (`refundAttemptResult`: the trade's refunded total
 *    must be what was settled before plus this refund) and stored. Only a refusal (`failed`: nothing
 *    moved) is thrown, so that Medusa deletes its refund row. Succeeded, pending (legacy: the
 *    `batch_refund_notify` settles it), requires_action (the seller confirms on Alipay's page, the link
 *    is journalled) and uncertain (no usable answer: reconciliation asks Alipay and completes it with
 *    the same request number) return normally — never an error after money may have moved.
 *
 * The refund ledger is the `alipay_refund` table; the payment's `data` is returned unchanged.
 */
export async function refundPayment(
  provider: ProviderContext,
  input: RefundPaymentInput,
): Promise<RefundPaymentOutput> {
  const data = input.data ?? {};
  const outTradeNo = text(data.out_trade_no);
  if (!outTradeNo) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      'This payment has no Alipay trade. / 该付款没有支付宝交易。',
    );
  }
  // The payment's currency as the session recorded it (sessions before Antom hold CNY).
  const currency = (text(data.currency) ?? 'CNY').toUpperCase();
  const amountFen = amountToFen(input.amount);
  const amount = fenToAmount(amountFen);
  const medusaRefundId = text(input.context?.idempotency_key) ?? null;
  const settings = provider.alipayModule();
  const ids = { outTradeNo, trade: text(data.trade_no) };

  const linked = await settings.linkRecordedRefund(outTradeNo, amount, medusaRefundId);
  if (linked) {
    provider.logger.info(
      logLine(
        `refund of ${amount} ${currency} recorded (${linked.origin} refund ${linked.request_no}), Alipay not called`,
        ids,
      ),
    );
    return { data };
  }

  const stored = await settings.getVerifiedTrade(outTradeNo);
  const tradeNo = text(data.trade_no) ?? stored?.trade_no ?? null;
  // The generation the trade was created with, even if the shop has switched since; throws (and
  // Medusa shows the message) when that generation's credentials are gone — never the other's.
  const scoped = await provider.facadeForTrade(data);
  const refunds = await settings.listTradeRefunds(outTradeNo);
  const plan = planRefund(scoped.config.generation);
  const row = await settings.openRefund({
    outTradeNo,
    tradeNo,
    providerId: provider.providerId(),
    scope: stored?.scope ?? scoped.scope,
    generation: scoped.config.generation,
    refundId: plan.refundId,
    requestNo: plan.requestNo,
    amount,
    origin: 'shop',
    settledBefore: fenToAmount(settledFen(refunds)),
    medusaRefundId,
    reason: null,
  });
  if (!row) {
    provider.logger.warn(
      logLine(`refund of ${amount} ${currency} refused: another refund is in flight`, ids),
    );
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, REFUND_IN_FLIGHT_MESSAGE);
  }

  let after: RefundRow;
  let detail: string;
  try {
    const sent = await sendRefund(settings, scoped.alipay, row, {
      notifyUrl: notifyUrlFor(provider.options, provider.providerId()),
      currency,
    });
    after = sent.row;
    detail = sent.result.detail;
  } catch (error) {
    // Alipay was called but its answer could not be stored: the row stays open (and locked), and
    // reconciliation sends it again with the same request number. Never an error now: money may have moved.
    provider.logger.error(
      logLine(
        `refund ${row.request_no} of ${amount} ${currency}: answer not stored (${(error as Error).message})`,
        ids,
      ),
    );
    return { data };
  }
  provider.logger.info(
    logLine(`refund ${after.request_no} of ${amount} ${currency}: ${after.status} (${detail})`, ids),
  );
  await settings.recordEvent({
    kind: 'refund',
    level: after.status === 'failed' || after.status === 'uncertain' ? 'warning' : 'info',
    providerId: provider.providerId(),
    outTradeNo,
    tradeNo,
    sessionId: text(data.session_id) ?? null,
    message:
      `Refund of ${amount} ${currency} (${after.request_no}): ${REFUND_STATUS_LABELS[after.status]}.` +
      `${after.error ? ` ${after.error}` : ''}`,
    details: {
      refundId: after.id,
      requestNo: after.request_no,
      amount,
      status: after.status,
      ...(after.confirm_url ? { confirmUrl: after.confirm_url } : {}),
    },
  });
  if (after.status === 'failed') {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Alipay refused the refund of ${amount} ${currency}; nothing was refunded. ${after.error ?? ''} / 支付宝拒绝了 ${amount} ${currency} 的退款，未退款。`,
    );
  }
  return { data };
}
