import { formatCny, formatMajor } from './antom-amounts';
import { AntomStateError, antomBuyerFinish } from './antom-payments';
import { formatAntomTime } from './antom-signing';
import type { AntomPayment } from './antom-store';
import type { SandboxContext } from './context';

/**
 * The Antom part of the control API, under `/__sandbox/antom/`: pay (or fail, or leave pending) a payment
 * as the buyer, and inspect payments with their refunds. Deliveries, faults and the clock are the shared
 * routes (`/__sandbox/deliveries?clientId=…`, `/__sandbox/faults`, `/__sandbox/clock/advance`).
 */

/** A refund of an Antom payment, as the control API shows it. */
export interface AntomRefundView {
  refundId: string;
  refundRequestId: string;
  /** Minor units. */
  value: string;
  /** The same as a decimal amount of the payment's currency. */
  amount: string;
  reason?: string;
  at: string;
}

/** An Antom payment as the control API shows it (`GET /__sandbox/antom/payments/:id`). */
export interface AntomPaymentView {
  paymentId: string;
  paymentRequestId: string;
  clientId: string;
  generation: 'antom';
  paymentMethodType: string;
  /** PROCESSING, PENDING, SUCCESS, FAIL or CANCELLED. */
  status: string;
  currency: string;
  /** Minor units, as the merchant sent them. */
  value: string;
  amount: string;
  /** Alipay (CN) only: what the buyer pays in CNY at the sandbox's rate. */
  cnyFen?: number;
  cnyAmount?: string;
  refundedValue: string;
  refundedAmount: string;
  refunds: AntomRefundView[];
  history: Array<{ event: string; status: string; at: string }>;
  [field: string]: unknown;
}

/** An Antom payment as the control API shows it (amounts in minor units as strings, and as text). */
export function antomPaymentView(payment: AntomPayment): Record<string, unknown> {
  const time = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : formatAntomTime(ms);
  const major = (minor: bigint): string => formatMajor(minor, payment.amount.currency);
  return {
    paymentId: payment.paymentId,
    paymentRequestId: payment.paymentRequestId,
    clientId: payment.clientId,
    generation: 'antom',
    productCode: payment.productCode,
    paymentMethodType: payment.paymentMethodType,
    status: payment.status,
    currency: payment.amount.currency,
    value: payment.amount.value,
    amount: major(payment.amount.minor),
    cnyFen: payment.cnyFen,
    cnyAmount: payment.cnyFen === undefined ? undefined : formatCny(payment.cnyFen),
    refundedValue: payment.refundedMinor.toString(),
    refundedAmount: major(payment.refundedMinor),
    refunds: payment.refunds.map(r => ({
      refundId: r.refundId,
      refundRequestId: r.refundRequestId,
      value: r.amount.value,
      amount: major(r.amount.minor),
      reason: r.reason,
      at: formatAntomTime(r.at),
    })),
    orderDescription: payment.orderDescription,
    referenceOrderId: payment.referenceOrderId,
    paymentNotifyUrl: payment.paymentNotifyUrl,
    paymentRedirectUrl: payment.paymentRedirectUrl,
    terminalType: payment.terminalType,
    createdAt: time(payment.createdAt),
    paidAt: time(payment.paidAt),
    cancelledAt: time(payment.cancelledAt),
    failedAt: time(payment.failedAt),
    history: payment.history.map(e => ({ ...e, at: formatAntomTime(e.at) })),
  };
}

/** A control-API refusal: HTTP status and message. */
export class AntomControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function paymentFrom(ctx: SandboxContext, body: Record<string, unknown>): AntomPayment {
  const id = body['paymentId'] ?? body['paymentRequestId'];
  const clientId = body['clientId'];
  if (typeof id !== 'string') throw new AntomControlError(400, 'give paymentId, or paymentRequestId');
  if (clientId !== undefined && typeof clientId !== 'string')
    throw new AntomControlError(400, 'clientId must be a string');
  const payment = ctx.antom.store.find(id, clientId as string | undefined);
  if (!payment) throw new AntomControlError(404, 'no such Antom payment (call pay first)');
  return payment;
}

/**
 * Handles `/__sandbox/antom/*`; returns undefined when the route is not one of them, else the status and
 * JSON to answer.
 */
export async function handleAntomControl(
  ctx: SandboxContext,
  route: string,
  path: string,
  search: URLSearchParams,
  body: Record<string, unknown>,
): Promise<{ status: number; json: unknown } | undefined> {
  if (route === 'POST /antom/pay') {
    const payment = paymentFrom(ctx, body);
    const outcome = body['outcome'] ?? 'SUCCESS';
    if (outcome !== 'SUCCESS' && outcome !== 'FAIL' && outcome !== 'PENDING')
      throw new AntomControlError(400, 'outcome must be SUCCESS, FAIL or PENDING');
    let finished: ReturnType<typeof antomBuyerFinish>;
    try {
      finished = antomBuyerFinish(ctx, payment, outcome);
    } catch (error) {
      if (error instanceof AntomStateError) throw new AntomControlError(409, error.message);
      throw error;
    }
    // Answer once the first notification attempt is done, so tests can look at it right away.
    if (body['waitForNotify'] !== false) await finished.notified;
    return {
      status: 200,
      json: {
        payment: antomPaymentView(payment),
        redirect: finished.redirect ?? null,
        deliveries: ctx.notifier.deliveries.filter(d => d.tradeNo === payment.paymentId),
      },
    };
  }
  if (route === 'GET /antom/payments')
    return { status: 200, json: { payments: [...ctx.antom.store.payments.values()].map(antomPaymentView) } };
  const m = route.startsWith('GET ') ? /^\/__sandbox\/antom\/payments\/([^/]+)$/.exec(path) : null;
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      throw new AntomControlError(400, 'the payment ID is not valid percent-encoding');
    }
    const payment = ctx.antom.store.find(id, search.get('clientId') ?? undefined);
    if (!payment) throw new AntomControlError(404, 'no such Antom payment');
    return { status: 200, json: { payment: antomPaymentView(payment) } };
  }
  return undefined;
}
