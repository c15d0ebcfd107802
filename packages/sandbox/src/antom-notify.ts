import { randomBytes } from 'node:crypto';
import { antomPaymentFields } from './antom-messages';
import * as signing from './antom-signing';
import type { AntomPayment, AntomRefund } from './antom-store';
import type { SandboxContext } from './context';
import { ANTOM_RETRY_SCHEDULE_MS, type EncodedNotification, type NotificationInput } from './notifier';

/**
 * Antom notifications: JSON POSTs to `paymentNotifyUrl` (refunds: `refundNotifyUrl`, else the payment's
 * notify URL), signed like requests with the sandbox's Antom key — headers `client-id`, `request-time` and
 * `signature` over `POST <notify path?query>\n<client-id>.<request-time>.<body>` — and delivered by the
 * sandbox's notifier on Antom's schedule (0 s, 2 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h) until the answer is
 * HTTP 200 with exactly `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`.
 * The body is fixed when the event happens; each attempt has a fresh `request-time` and signature.
 */

/** The path and query Antom signs for a notify URL (what the merchant's server sees as its path). */
function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function flatten(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function enqueue(
  ctx: SandboxContext,
  payment: AntomPayment,
  kind: 'PAYMENT_RESULT' | 'PAYMENT_PENDING' | 'REFUND_RESULT',
  url: string,
  payload: Record<string, unknown>,
  options: { after?: PromiseLike<unknown> } = {},
): Promise<void> {
  const body = JSON.stringify(payload);
  const clientId = payment.clientId;
  const keyVersion = ctx.antom.client(clientId)?.keyVersion ?? '1';
  const encode = (now: number, tamper: boolean): EncodedNotification => {
    const time = signing.formatAntomTime(now);
    let signature = signing.antomSign(
      signing.antomSignedText('POST', pathOf(url), clientId, time, body),
      ctx.config.antom.antomKeys.privateKey,
    );
    if (tamper) signature = signing.tamperAntomSignature(signature);
    return {
      body,
      contentType: 'application/json; charset=UTF-8',
      headers: {
        'client-id': clientId,
        'request-time': time,
        signature: signing.antomSignatureHeader(signature, keyVersion),
      },
      params: flatten(payload),
    };
  };
  const input: NotificationInput = {
    kind,
    generation: 'antom',
    owner: clientId,
    url,
    charset: 'utf-8',
    notifyId: randomBytes(16).toString('hex'),
    outTradeNos: [payment.paymentRequestId],
    tradeNo: payment.paymentId,
    tradeStatus: payment.status,
    build: () => flatten(payload),
    encode,
    retrySchedule: ANTOM_RETRY_SCHEDULE_MS,
  };
  return ctx.notifier.enqueue(input, options).first;
}

/** Notifies a payment's result (or that it is pending); resolves after the first attempt. */
export function notifyAntomPayment(
  ctx: SandboxContext,
  payment: AntomPayment,
  kind: 'PAYMENT_RESULT' | 'PAYMENT_PENDING',
): Promise<void> {
  const failed = payment.status === 'FAIL';
  const result = failed
    ? {
        resultCode: 'USER_BALANCE_NOT_ENOUGH',
        resultStatus: 'F',
        resultMessage: 'The user balance is not enough for this payment.',
      }
    : kind === 'PAYMENT_PENDING'
      ? { resultCode: 'PAYMENT_PENDING', resultStatus: 'U', resultMessage: 'payment pending' }
      : { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' };
  const payload = { notifyType: kind, result, ...antomPaymentFields(payment) };
  return enqueue(ctx, payment, kind, payment.paymentNotifyUrl!, payload);
}

/** Notifies a refund's result (refundStatus SUCCESS); nothing is sent before `after` settles. */
export function notifyAntomRefund(
  ctx: SandboxContext,
  payment: AntomPayment,
  refund: AntomRefund,
  url: string,
  options: { after?: PromiseLike<unknown> } = {},
): Promise<void> {
  const payload = {
    // docs.antom.com/ac/ams/notify_refund: the one valid value.
    notifyType: 'REFUND_RESULT',
    result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
    refundStatus: 'SUCCESS',
    refundRequestId: refund.refundRequestId,
    refundId: refund.refundId,
    paymentId: payment.paymentId,
    refundAmount: { currency: refund.amount.currency, value: refund.amount.value },
    refundTime: signing.formatAntomTime(refund.at),
  };
  return enqueue(ctx, payment, 'REFUND_RESULT', url, payload, options);
}
