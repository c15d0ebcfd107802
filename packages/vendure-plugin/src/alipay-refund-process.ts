import { PaymentMethod, type PaymentOptions, TransactionalConnection } from '@vendure/core';
import { ALIPAY_HANDLER_CODE } from './constants';

/** Vendure's `RefundProcess` (the type is not exported from the package root). */
export type AlipayRefundProcess = NonNullable<PaymentOptions['refundProcess']>[number];

let connection: TransactionalConnection | undefined;

/**
 * Lets an Alipay refund stay `Pending` when it is created.
 *
 * Vendure 3.7 saves every new refund as `Pending` and then transitions it to the state the payment
 * handler returned, and its default refund process has no `Pending → Pending` transition, so a
 * handler answering `Pending` (a legacy refund that Alipay completes later with
 * `batch_refund_notify`, or one the seller must confirm first) gets a `RefundStateTransitionError`.
 * This process adds that self-transition, for refunds of Alipay payment methods only: other
 * handlers keep Vendure's behaviour.
 */
export const alipayRefundProcess: AlipayRefundProcess = {
  transitions: {
    Pending: { to: ['Pending'] },
  },

  init(injector) {
    connection = injector.get(TransactionalConnection);
  },

  async onTransitionStart(fromState, toState, { ctx, refund }) {
    if (fromState !== 'Pending' || toState !== 'Pending') {
      return true;
    }
    const method = await connection
      ?.getRepository(ctx, PaymentMethod)
      .findOne({ where: { code: refund.method } });
    return method?.handler.code === ALIPAY_HANDLER_CODE
      ? true
      : `A refund of payment method "${refund.method}" cannot stay Pending`;
  },
};
