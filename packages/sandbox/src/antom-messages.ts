import { SANDBOX_FX_TO_CNY } from './antom-amounts';
import { formatAntomTime } from './antom-signing';
import type { AntomPayment } from './antom-store';

/** Field sets of Antom answers and notifications about a payment. */

/** Amount JSON as Antom writes it. */
export const amountJson = (a: { currency: string; value: string }): { currency: string; value: string } => ({
  currency: a.currency,
  value: a.value,
});

/** The payment fields of an inquiry answer and of a PAYMENT_RESULT notification. */
export function antomPaymentFields(payment: AntomPayment): Record<string, unknown> {
  const out: Record<string, unknown> = {
    paymentRequestId: payment.paymentRequestId,
    paymentId: payment.paymentId,
    paymentAmount: amountJson(payment.amount),
    paymentCreateTime: formatAntomTime(payment.createdAt),
    paymentMethodType: payment.paymentMethodType,
  };
  if (payment.paidAt !== undefined) out['paymentTime'] = formatAntomTime(payment.paidAt);
  if (payment.cnyFen !== undefined) {
    out['paymentQuote'] = {
      quoteCurrencyPair: `${payment.amount.currency}/CNY`,
      quotePrice: SANDBOX_FX_TO_CNY[payment.amount.currency] ?? '1',
    };
  }
  return out;
}
