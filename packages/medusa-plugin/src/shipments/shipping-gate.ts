/**
 * The shipping gate: an order whose Alipay money is no longer held — the escrow trade was closed or
 * refunded on Alipay's side, the payment cancelled, refunded in full — must not be fulfilled or
 * shipped. Whether it may is the core's `shipmentBlocker`; this reads its facts from Medusa: the
 * order's Alipay payments with their recorded trade status (`alipay_trade.alipay_status`) and what the
 * refund ledger records as refunded, and whether another live payment pays the order.
 *
 * @packageDocumentation
 */
import { type Bilingual, bilingualLine } from '@alipay-commerce/core';
import { type ShipmentMoney, shipmentBlocker } from '@alipay-commerce/core/lifecycle';
import type { MedusaContainer } from '@medusajs/framework/types';
import { MedusaError } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type AlipayModuleService from '../modules/alipay/service';
import { settledFen } from '../refunds/refund-attempts';
import { amountToFen } from '../trades/money';
import { graph } from '../trades/session-target';

interface PaymentView {
  id: string;
  provider_id: string;
  amount?: unknown;
  raw_amount?: unknown;
  captured_at?: unknown;
  canceled_at?: unknown;
  data?: Record<string, unknown> | null;
}

/** Why the order of `fulfillmentId` must not ship (bilingual), or undefined when it may. */
export async function shippingBlockerOfFulfillment(
  container: MedusaContainer,
  fulfillmentId: string,
): Promise<Bilingual | undefined> {
  const { data } = await graph(container, {
    entity: 'fulfillment',
    fields: [
      'id',
      'order.id',
      'order.payment_collections.payments.id',
      'order.payment_collections.payments.provider_id',
      'order.payment_collections.payments.amount',
      'order.payment_collections.payments.raw_amount',
      'order.payment_collections.payments.captured_at',
      'order.payment_collections.payments.canceled_at',
      'order.payment_collections.payments.data',
      'order.payment_collections.payment_sessions.provider_id',
    ],
    filters: { id: fulfillmentId },
  });
  const order = data[0]?.order as {
    payment_collections?: Array<{
      payments?: PaymentView[] | null;
      payment_sessions?: Array<{ provider_id: string }> | null;
    }> | null;
  } | null;
  if (!order) return undefined;
  const payments = (order.payment_collections ?? []).flatMap(collection => collection.payments ?? []);
  const settings = container.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const money: ShipmentMoney[] = [];
  let otherLivePayments = false;
  for (const payment of payments) {
    if (!payment.provider_id.startsWith('pp_alipay_')) {
      if (!payment.canceled_at) otherLivePayments = true;
      continue;
    }
    const outTradeNo = typeof payment.data?.out_trade_no === 'string' ? payment.data.out_trade_no : undefined;
    const trade = outTradeNo ? await settings.getVerifiedTrade(outTradeNo) : null;
    // A payment without a verified trade record says nothing about Alipay's money: not Alipay's call.
    if (!outTradeNo || !trade) continue;
    money.push({
      recordedStatus: trade.alipay_status,
      paymentState: payment.canceled_at ? 'cancelled' : payment.captured_at ? 'settled' : 'authorized',
      amountFen: amountToFen((payment.raw_amount ?? payment.amount) as never, { allowZero: true }),
      refundedFen: settledFen(await settings.listTradeRefunds(outTradeNo)),
    });
  }
  const alipayTrades = (order.payment_collections ?? [])
    .flatMap(collection => collection.payment_sessions ?? [])
    .filter(session => session.provider_id.startsWith('pp_alipay_')).length;
  return shipmentBlocker(money, { otherLivePayments, alipayTrades });
}

/**
 * Throws Medusa's `not_allowed` with the core's `SHIPMENT_REFUSED` text (English / 简体中文) when the
 * order of `fulfillmentId` must not ship; run inside Medusa's fulfillment and shipment workflows, the
 * throw rolls the fulfillment or shipment back.
 */
export async function refuseShippingWithoutMoney(
  container: MedusaContainer,
  fulfillmentId: string,
): Promise<void> {
  const blocker = await shippingBlockerOfFulfillment(container, fulfillmentId);
  if (blocker) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, bilingualLine(blocker));
}
