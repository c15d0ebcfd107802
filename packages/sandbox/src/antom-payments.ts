import { cnyFenOf } from './antom-amounts';
import { amountJson, antomPaymentFields } from './antom-messages';
import { notifyAntomPayment, notifyAntomRefund } from './antom-notify';
import {
  type AntomRequest,
  amountField,
  antomFail,
  field,
  paramIllegal,
  requiredField,
} from './antom-request';
import { formatAntomTime } from './antom-signing';
import { type AntomPayment, type AntomRefund, canonicalJson } from './antom-store';
import type { SandboxContext } from './context';

/**
 * The Antom payment APIs — `pay` (CASHIER_PAYMENT), `inquiryPayment`, `refund`, `cancel` — and what the
 * buyer does at the cashier (pay, or a payment that fails or stays pending). Every check and change of
 * one call runs without an await in between, so concurrent calls never interleave.
 */

const TERMINAL_TYPES = new Set(['WEB', 'WAP', 'APP', 'MINI_APP']);

/** `pay` with productCode CASHIER_PAYMENT: U / PAYMENT_IN_PROCESS with the cashier's `normalUrl`. */
export function antomPay(ctx: SandboxContext, request: AntomRequest): Record<string, unknown> {
  const { body, client } = request;
  const paymentRequestId = requiredField(body, 'paymentRequestId');
  const fingerprint = canonicalJson(body);
  const previous = ctx.antom.store.byPaymentRequestId(client.clientId, paymentRequestId);
  if (previous) {
    if (previous.fingerprint !== fingerprint || !previous.payAnswer) {
      antomFail(
        'REPEAT_REQ_INCONSISTENT',
        'The paymentRequestId was used before with a different request. 重复请求内容不一致',
      );
    }
    return previous.payAnswer!;
  }
  const productCode = requiredField(body, 'productCode');
  if (productCode !== 'CASHIER_PAYMENT')
    paramIllegal(`productCode ${productCode}: the sandbox serves CASHIER_PAYMENT only`);
  const amount = amountField(body, 'paymentAmount');
  const method = requiredField(body, 'paymentMethod.paymentMethodType');
  if (!client.paymentMethods.includes(method)) {
    antomFail(
      'ACCESS_DENIED',
      `The client is not contracted for ${method}. 未开通该支付方式（${client.paymentMethods.join(', ')}）`,
    );
  }
  const order = body['order'];
  if (!order || typeof order !== 'object') paramIllegal('order is required 不能为空');
  const orderBody = order as Record<string, unknown>;
  const orderDescription = requiredField(orderBody, 'orderDescription', 256);
  const referenceOrderId = requiredField(orderBody, 'referenceOrderId');
  amountField(orderBody, 'orderAmount');
  const paymentRedirectUrl = requiredField(body, 'paymentRedirectUrl', 2048);
  const paymentNotifyUrl = field(body, 'paymentNotifyUrl');
  const terminalType = requiredField(body, 'env.terminalType');
  if (!TERMINAL_TYPES.has(terminalType)) paramIllegal(`env.terminalType ${terminalType}`);
  for (const [name, url] of [
    ['paymentRedirectUrl', paymentRedirectUrl],
    ['paymentNotifyUrl', paymentNotifyUrl],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) paramIllegal(`${name} must be an http(s) URL`);
  }

  const now = ctx.clock.now();
  const payment: AntomPayment = {
    paymentId: ctx.antom.store.newId(now),
    paymentRequestId,
    clientId: client.clientId,
    productCode,
    paymentMethodType: method,
    amount,
    orderDescription,
    referenceOrderId,
    paymentRedirectUrl,
    terminalType,
    status: 'PROCESSING',
    createdAt: now,
    refunds: [],
    refundedMinor: 0n,
    fingerprint,
    history: [{ at: now, status: 'PROCESSING', event: 'created' }],
  };
  if (method === 'ALIPAY_CN') payment.cnyFen = cnyFenOf(amount.minor, amount.currency);
  if (paymentNotifyUrl) payment.paymentNotifyUrl = paymentNotifyUrl;
  const answer: Record<string, unknown> = {
    result: {
      resultCode: 'PAYMENT_IN_PROCESS',
      resultStatus: 'U',
      resultMessage: 'payment in process',
    },
    paymentRequestId,
    paymentId: payment.paymentId,
    paymentAmount: amountJson(amount),
    paymentCreateTime: formatAntomTime(now),
    normalUrl: `${ctx.baseUrl}/antom/cashier/${payment.paymentId}`,
  };
  payment.payAnswer = answer;
  ctx.antom.store.add(payment);
  return answer;
}

/** The payment a request names by paymentId or paymentRequestId, if this client owns it. */
function findPayment(ctx: SandboxContext, request: AntomRequest): AntomPayment {
  const paymentId = field(request.body, 'paymentId');
  const paymentRequestId = field(request.body, 'paymentRequestId');
  if (!paymentId && !paymentRequestId) paramIllegal('give paymentId or paymentRequestId');
  const payment = paymentId
    ? ctx.antom.store.payments.get(paymentId)
    : ctx.antom.store.byPaymentRequestId(request.client.clientId, paymentRequestId!);
  if (
    !payment ||
    payment.clientId !== request.client.clientId ||
    (paymentRequestId !== undefined && payment.paymentRequestId !== paymentRequestId)
  ) {
    return antomFail('ORDER_NOT_EXIST', 'The order does not exist. 订单不存在');
  }
  return payment;
}

const RESULT_OF_STATUS: Record<AntomPayment['status'], [string, string]> = {
  SUCCESS: ['SUCCESS', 'success'],
  PROCESSING: ['PAYMENT_IN_PROCESS', 'payment in process'],
  PENDING: ['PAYMENT_IN_PROCESS', 'payment pending'],
  FAIL: ['USER_BALANCE_NOT_ENOUGH', 'The user balance is not enough for this payment.'],
  CANCELLED: ['ORDER_IS_CLOSED', 'The order is closed.'],
};

/** `inquiryPayment`: S with paymentStatus SUCCESS | FAIL | PROCESSING | CANCELLED | PENDING. */
export function antomInquiry(ctx: SandboxContext, request: AntomRequest): Record<string, unknown> {
  const payment = findPayment(ctx, request);
  const [code, message] = RESULT_OF_STATUS[payment.status];
  return {
    paymentStatus: payment.status,
    paymentResultCode: code,
    paymentResultMessage: message,
    ...antomPaymentFields(payment),
  };
}

function refundAnswer(payment: AntomPayment, refund: AntomRefund): Record<string, unknown> {
  return {
    refundRequestId: refund.refundRequestId,
    refundId: refund.refundId,
    paymentId: payment.paymentId,
    refundAmount: amountJson(refund.amount),
    refundTime: formatAntomTime(refund.at),
  };
}

/**
 * `refund`, idempotent by refundRequestId: the same ID with the same content answers the same refund
 * again (never a second one); with another content, REPEAT_REQ_INCONSISTENT. More than what is left of
 * the payment: REFUND_AMOUNT_EXCEED. The REFUND notification goes out after the answer.
 */
export function antomRefund(
  ctx: SandboxContext,
  request: AntomRequest,
  answered: Promise<void>,
): Record<string, unknown> {
  const { body, client } = request;
  const refundRequestId = requiredField(body, 'refundRequestId');
  const paymentId = requiredField(body, 'paymentId');
  const amount = amountField(body, 'refundAmount');
  const fingerprint = canonicalJson({ paymentId, refundAmount: body['refundAmount'] });
  const previous = ctx.antom.store.refundByRequestId(client.clientId, refundRequestId);
  if (previous) {
    if (previous.refund.fingerprint !== fingerprint) {
      antomFail(
        'REPEAT_REQ_INCONSISTENT',
        'The refundRequestId was used before with a different request. 重复请求内容不一致',
      );
    }
    return refundAnswer(previous.payment, previous.refund);
  }
  const payment = findPayment(ctx, request);
  if (payment.status !== 'SUCCESS')
    antomFail('ORDER_STATUS_INVALID', `The payment is ${payment.status}, not paid. 订单状态不允许退款`);
  if (amount.currency !== payment.amount.currency)
    paramIllegal(`refundAmount.currency must be the payment's ${payment.amount.currency}`);
  if (payment.refundedMinor + amount.minor > payment.amount.minor) {
    antomFail(
      'REFUND_AMOUNT_EXCEED',
      'The total refund amount exceeds the payment amount. 退款总额超过支付金额',
    );
  }
  const now = ctx.clock.now();
  const refund: AntomRefund = {
    refundId: ctx.antom.store.newId(now),
    refundRequestId,
    amount,
    at: now,
    fingerprint,
  };
  const reason = field(body, 'refundReason');
  if (reason) refund.reason = reason;
  ctx.antom.store.addRefund(payment, refund);
  payment.history.push({ at: now, status: payment.status, event: `refund ${refund.refundId}` });
  const url = field(body, 'refundNotifyUrl') ?? payment.paymentNotifyUrl;
  if (url) notifyAntomRefund(ctx, payment, refund, url, { after: answered });
  return refundAnswer(payment, refund);
}

/**
 * `inquiryRefund` by `refundRequestId` (or Antom's `refundId`): S with `refundStatus` SUCCESS (the sandbox
 * refunds synchronously) and the refund's amount; a refund this client never made: F REFUND_NOT_EXIST.
 */
export function antomInquiryRefund(ctx: SandboxContext, request: AntomRequest): Record<string, unknown> {
  const { client, body } = request;
  const refundRequestId = field(body, 'refundRequestId');
  const refundId = field(body, 'refundId');
  if (!refundRequestId && !refundId) paramIllegal('refundRequestId or refundId is required');
  const found = refundId
    ? ctx.antom.store.refundById(client.clientId, refundId)
    : ctx.antom.store.refundByRequestId(client.clientId, refundRequestId!);
  if (!found) return antomFail('REFUND_NOT_EXIST', 'The refund does not exist. 退款记录不存在');
  return { refundStatus: 'SUCCESS', ...refundAnswer(found.payment, found.refund) };
}

/** `cancel`: an unpaid payment is CANCELLED (again: the same answer); a paid one is refused. */
export function antomCancel(ctx: SandboxContext, request: AntomRequest): Record<string, unknown> {
  const payment = findPayment(ctx, request);
  if (payment.status === 'PROCESSING' || payment.status === 'PENDING') {
    payment.status = 'CANCELLED';
    payment.cancelledAt = ctx.clock.now();
    payment.history.push({ at: payment.cancelledAt, status: 'CANCELLED', event: 'cancel' });
  }
  if (payment.status !== 'CANCELLED') {
    antomFail(
      'ORDER_STATUS_INVALID',
      payment.status === 'SUCCESS'
        ? 'The payment succeeded and cannot be cancelled; refund it. 已支付订单不能撤销，请退款'
        : `The payment is ${payment.status} and cannot be cancelled. 订单状态不允许撤销`,
    );
  }
  return {
    paymentId: payment.paymentId,
    paymentRequestId: payment.paymentRequestId,
    cancelTime: formatAntomTime(payment.cancelledAt!),
  };
}

/** Why a buyer action is refused (the payment is not open any more). */
export class AntomStateError extends Error {}

/**
 * The buyer finishes at the cashier: `SUCCESS` pays, `FAIL` fails the payment, `PENDING` leaves it pending
 * (as a wallet that has to confirm later). Notifies PAYMENT_RESULT (or PAYMENT_PENDING); returns where the
 * buyer's browser goes and the first attempt's promise.
 */
export function antomBuyerFinish(
  ctx: SandboxContext,
  payment: AntomPayment,
  outcome: 'SUCCESS' | 'FAIL' | 'PENDING' = 'SUCCESS',
): { redirect?: string; notified: Promise<void> } {
  if (payment.status !== 'PROCESSING' && !(payment.status === 'PENDING' && outcome !== 'PENDING'))
    throw new AntomStateError(`the payment is ${payment.status}`);
  const now = ctx.clock.now();
  payment.status = outcome;
  if (outcome === 'SUCCESS') payment.paidAt = now;
  if (outcome === 'FAIL') payment.failedAt = now;
  payment.history.push({ at: now, status: outcome, event: `buyer ${outcome.toLowerCase()}` });
  const notified = payment.paymentNotifyUrl
    ? notifyAntomPayment(ctx, payment, outcome === 'PENDING' ? 'PAYMENT_PENDING' : 'PAYMENT_RESULT')
    : Promise.resolve();
  const out: { redirect?: string; notified: Promise<void> } = { notified };
  if (payment.paymentRedirectUrl) out.redirect = payment.paymentRedirectUrl;
  return out;
}
