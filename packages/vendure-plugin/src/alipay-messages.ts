import { type Bilingual, fenToYuan } from '@alipay-commerce/core';
import { type OrphanReason, orphanReasonText } from '@alipay-commerce/core/lifecycle';

/**
 * Every user-facing text of the plugin (errors shown in the storefront or the admin, order history
 * entries) in English and Simplified Chinese, in one place so translations stay consistent.
 */

/** Why `createAlipayPaymentIntent` could not start a payment (the `reason` of the error result). */
export type AlipayPaymentIntentErrorReason =
  | 'NO_ACTIVE_ORDER'
  | 'PAYMENT_METHOD_NOT_FOUND'
  | 'PAYMENT_METHOD_NOT_ELIGIBLE'
  | 'ORDER_NOT_PAYABLE'
  | 'NOTHING_TO_PAY'
  | 'CURRENCY_NOT_SUPPORTED'
  | 'INVALID_SETTINGS'
  | 'INTERFACE_NOT_CONTRACTED'
  | 'AMOUNT_NOT_ACCEPTED'
  | 'GATEWAY_UNAVAILABLE'
  | 'GATEWAY_ERROR'
  | 'TOO_MANY_OPEN_ATTEMPTS';

/** The message of each {@link AlipayPaymentIntentErrorReason}, safe to show to a buyer. */
export const INTENT_ERROR_MESSAGES: Record<AlipayPaymentIntentErrorReason, Bilingual> = {
  NO_ACTIVE_ORDER: { en: 'There is no active order to pay.', zh: '没有可支付的订单。' },
  PAYMENT_METHOD_NOT_FOUND: {
    en: 'This Alipay payment method does not exist in this shop.',
    zh: '本店没有该支付宝支付方式。',
  },
  PAYMENT_METHOD_NOT_ELIGIBLE: {
    en: 'This payment method cannot be used for this order.',
    zh: '该支付方式不能用于此订单。',
  },
  ORDER_NOT_PAYABLE: { en: 'The order cannot be paid in its current state.', zh: '订单当前状态无法付款。' },
  NOTHING_TO_PAY: { en: 'Nothing is left to pay on this order.', zh: '此订单已无待付金额。' },
  CURRENCY_NOT_SUPPORTED: {
    en: 'This Alipay payment method does not accept the order’s currency.',
    zh: '该支付宝支付方式不支持此订单的币种。',
  },
  INVALID_SETTINGS: {
    en: 'The Alipay payment method is not configured correctly.',
    zh: '支付宝支付方式配置有误。',
  },
  INTERFACE_NOT_CONTRACTED: {
    en: 'This Alipay payment option is not available for this shop.',
    zh: '本店未开通该支付宝支付方式。',
  },
  AMOUNT_NOT_ACCEPTED: {
    en: 'Alipay accepts amounts from 0.01 to 100,000,000.00 yuan only.',
    zh: '支付宝仅接受 0.01 至 100,000,000.00 元的金额。',
  },
  GATEWAY_UNAVAILABLE: {
    en: 'Alipay could not be reached. Please try again in a moment.',
    zh: '暂时无法连接支付宝，请稍后重试。',
  },
  GATEWAY_ERROR: { en: 'Alipay refused to start the payment.', zh: '支付宝拒绝创建该笔支付。' },
  TOO_MANY_OPEN_ATTEMPTS: {
    en: 'Earlier payment attempts of this order are still open at Alipay and could not be closed yet. Please pay with one of them, or try again in a moment.',
    zh: '此订单之前的支付尚未在支付宝关闭，暂时无法关闭。请使用之前的支付继续付款，或稍后重试。',
  },
};

/**
 * Why a paid trade could not be applied to its order (an orphan payment): the core's reasons.
 * @deprecated Use `OrphanReason` from `@alipay-commerce/core`.
 */
export type AlipayOrphanReason = OrphanReason;

/** A refund asked for while another refund of the same payment is still waiting for Alipay's answer. */
export const REFUND_IN_PROGRESS: Bilingual = {
  en: 'Another refund of this Alipay payment is still waiting for Alipay’s answer. Try again once it has settled (reconciliation resolves one whose answer was lost).',
  zh: '该支付宝付款的另一笔退款仍在等待支付宝应答。请在其完成后再试（未收到应答的退款由对账任务处理）。',
};

/** Formats fen as `¥12.34`. */
export function yuan(amountFen: number): string {
  return `¥${fenToYuan(amountFen, { allowZero: true })}`;
}

/** History notes written on orders, all admin-only. */
export const HISTORY = {
  orphan(tradeNo: string, amountFen: number, reason: OrphanReason, willRefund: boolean): Bilingual {
    const why = orphanReasonText(reason);
    return {
      en: `Alipay payment ${tradeNo} of ${yuan(amountFen)} could not be applied: ${why.en}. ${
        willRefund ? 'It is being refunded automatically.' : 'It must be refunded (see alipayOrphanPayments).'
      }`,
      zh: `支付宝付款 ${tradeNo}（${yuan(amountFen)}）无法计入订单：${why.zh}。${
        willRefund ? '系统正在自动退款。' : '需要退款（见 alipayOrphanPayments）。'
      }`,
    };
  },
  orphanRefunded(tradeNo: string, status: string): Bilingual {
    return {
      en: `Refund of orphan Alipay payment ${tradeNo}: ${status}.`,
      zh: `无主支付宝付款 ${tradeNo} 的退款：${status}。`,
    };
  },
  orphanRefundFailed(tradeNo: string, detail: string): Bilingual {
    return {
      en: `Refund of orphan Alipay payment ${tradeNo} failed: ${detail}. It is sent again by itself only if a refund on Alipay’s side changes what is left; an administrator can refund it again (refundAlipayOrphanPayment).`,
      zh: `无主支付宝付款 ${tradeNo} 退款失败：${detail}。仅当支付宝侧的退款改变了剩余金额时才会自动重新发起；管理员可再次退款（refundAlipayOrphanPayment）。`,
    };
  },
  shipmentConfirmed(
    tradeNo: string,
    carrier: string,
    trackingNumber: string | undefined,
    already: boolean,
  ): Bilingual {
    const tracking = trackingNumber ? ` (${trackingNumber})` : '';
    return already
      ? {
          en: `Alipay escrow trade ${tradeNo}: shipment via ${carrier}${tracking} had already been confirmed to Alipay.`,
          zh: `支付宝担保交易 ${tradeNo}：${carrier}${tracking} 的发货此前已确认。`,
        }
      : {
          en: `Alipay escrow trade ${tradeNo}: shipment via ${carrier}${tracking} confirmed to Alipay. The buyer must now confirm receipt.`,
          zh: `支付宝担保交易 ${tradeNo}：已向支付宝确认发货（${carrier}${tracking}），等待买家确认收货。`,
        };
  },
  shipmentFailed(tradeNo: string, detail: string, attempts: number): Bilingual {
    return {
      en: `Alipay escrow trade ${tradeNo}: confirming the shipment failed after ${attempts} attempt(s): ${detail}. Confirm it in the Alipay merchant portal (发货).`,
      zh: `支付宝担保交易 ${tradeNo}：确认发货失败（已尝试 ${attempts} 次）：${detail}。请在支付宝商家中心手动发货。`,
    };
  },
  shipmentNotHeld(tradeNo: string, status: string): Bilingual {
    return {
      en: `Alipay escrow trade ${tradeNo}: the shipment was not confirmed to Alipay, because the trade is ${status} and no longer holds the buyer's money.`,
      zh: `支付宝担保交易 ${tradeNo}：未向支付宝确认发货，因为该交易状态为 ${status}，款项已不再托管。`,
    };
  },
  awaitingReceipt(tradeNo: string): Bilingual {
    return {
      en: `Alipay escrow trade ${tradeNo}: Alipay reports the goods as shipped; waiting for the buyer to confirm receipt.`,
      zh: `支付宝担保交易 ${tradeNo}：支付宝显示已发货，等待买家确认收货。`,
    };
  },
  receiptConfirmed(tradeNo: string): Bilingual {
    return {
      en: `Alipay escrow trade ${tradeNo}: the buyer confirmed receipt (TRADE_FINISHED); the payment is settled.`,
      zh: `支付宝担保交易 ${tradeNo}：买家已确认收货（TRADE_FINISHED），款项已结算。`,
    };
  },
  refundNeedsConfirmation(refundRequestNo: string, amountFen: number, confirmUrl: string): Bilingual {
    return {
      en: `Alipay refund ${refundRequestNo} of ${yuan(amountFen)} needs the seller's confirmation with the payment password. Open: ${confirmUrl}`,
      zh: `支付宝退款 ${refundRequestNo}（${yuan(amountFen)}）需要卖家输入支付密码确认。请打开：${confirmUrl}`,
    };
  },
  refundResolved(
    refundRequestNo: string,
    outcome: 'settled' | 'accepted' | 'failed',
    detail: string,
  ): Bilingual {
    const en = {
      settled: 'Alipay confirms it; the refund is settled',
      accepted: 'Alipay has accepted it and will report the result',
      failed: 'Alipay has no such refund and refused it again; the refund failed',
    }[outcome];
    const zh = {
      settled: '支付宝确认已退款，退款已完成',
      accepted: '支付宝已受理，将通知结果',
      failed: '支付宝没有这笔退款且再次拒绝，退款失败',
    }[outcome];
    return {
      en: `Alipay refund ${refundRequestNo}, whose answer had been lost: ${en} (${detail}).`,
      zh: `支付宝退款 ${refundRequestNo}（此前未收到应答）：${zh}（${detail}）。`,
    };
  },
  refundNeedsCheck(refundRequestNo: string, detail: string): Bilingual {
    return {
      en: `Alipay refund ${refundRequestNo}, whose answer had been lost, was refused when sent again (${detail}). Alipay cannot say whether the first request was made: check the trade on Alipay before refunding again.`,
      zh: `支付宝退款 ${refundRequestNo}（此前未收到应答）再次提交时被拒绝（${detail}）。无法确认首次请求是否已退款：请先在支付宝查看该交易，再决定是否重新退款。`,
    };
  },
  refundUncertain(refundRequestNo: string, detail: string): Bilingual {
    return {
      en: `Alipay refund ${refundRequestNo}: Alipay's answer was lost (${detail}). The refund stays Pending until Alipay confirms it (the reconciliation task asks Alipay); do not refund again.`,
      zh: `支付宝退款 ${refundRequestNo}：未收到支付宝应答（${detail}）。退款保持“处理中”直到支付宝确认（对账任务会向支付宝查询），请勿重复退款。`,
    };
  },
};

/** The error of an admin "settle" on an escrow payment the buyer has not confirmed yet. */
export function escrowNotFinishedMessage(alipayStatus: string): Bilingual {
  return {
    en: `Alipay still holds this payment in escrow (${alipayStatus || 'status unknown'}): the buyer must confirm receipt on Alipay first. The payment settles by itself when Alipay reports TRADE_FINISHED.`,
    zh: `该笔款项仍由支付宝担保（${alipayStatus || '状态未知'}）：买家须先在支付宝确认收货。支付宝通知 TRADE_FINISHED 后将自动结算。`,
  };
}

/** The error of an admin "cancel" on a trade Alipay would not close. */
export function closeRefusedMessage(detail: string): Bilingual {
  return {
    en: `Alipay did not close the trade (${detail}). A paid trade cannot be closed: refund it instead.`,
    zh: `支付宝未关闭该交易（${detail}）。已付款的交易无法关闭，请改为退款。`,
  };
}

/** The error of saving a payment method with unusable Alipay settings. */
export function invalidSettingsMessage(details: Bilingual): string {
  return `Invalid Alipay settings:\n${details.en}\n支付宝设置无效：\n${details.zh}`;
}
