/**
 * Escrow shipment confirmation (担保交易发货, `send_goods_confirm_by_platform`). An escrow buyer's money
 * stays with Alipay until the seller confirms shipment and the buyer confirms receipt; Medusa's
 * `shipment.created` event starts the first half.
 *
 * Each confirmation is a row of `alipay_shipment`, written before Alipay is called: a failed call is
 * retried with the core's backoff (`retryDelayMs`) by the `alipay-retry-shipments` job — also after a
 * restart — and after the core's `MAX_SHIPMENT_ATTEMPTS` it is marked `failed` for the merchant (order
 * page widget, Settings → Alipay), who can retry by hand. A trade whose money Alipay no longer holds
 * (closed or refunded on Alipay's side) is never confirmed: the shipping gate
 * (`workflows/hooks/alipay-shipping-gate.ts`) refuses such shipments, and a pending confirmation of
 * one is given up.
 *
 * @packageDocumentation
 */
import {
  isHeldInEscrow,
  MAX_SHIPMENT_ATTEMPTS,
  retryDelayMs,
  SHIPMENT_REFUSED,
} from '@alipay-commerce/core/lifecycle';
import type { MedusaContainer } from '@medusajs/framework/types';
import { alipayError } from '../logging/alipay-error';
import { logLine } from '../logging/log-line';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type AlipayModuleService from '../modules/alipay/service';
import { alipayRuntime } from '../settings/runtime';
import { graph, loadSessionTarget } from '../trades/session-target';
import { originOfGeneration, tradeOriginOf } from '../trades/trade-origin';

/** A row of `alipay_shipment` (the columns used here). */
export interface ShipmentRow {
  id: string;
  fulfillment_id: string;
  order_id: string;
  payment_id: string | null;
  provider_id: string;
  scope: string;
  out_trade_no: string;
  trade_no: string;
  carrier: string;
  tracking_number: string | null;
  status: 'pending' | 'confirmed' | 'failed';
  attempts: number;
  next_attempt_at: Date | string | null;
  last_error: string | null;
  confirmed_at: Date | string | null;
}

interface FulfillmentView {
  id: string;
  provider_id?: string | null;
  metadata?: Record<string, unknown> | null;
  labels?: Array<{ tracking_number?: string | null }> | null;
  shipping_option?: { name?: string | null } | null;
  order?: {
    id: string;
    payment_collections?: Array<{
      payments?: Array<{
        id: string;
        provider_id: string;
        data?: Record<string, unknown> | null;
        canceled_at?: unknown;
      }> | null;
    }> | null;
  } | null;
}

/**
 * The carrier name Alipay shows the buyer: `metadata.alipay_carrier` (or `metadata.carrier`) of the
 * fulfillment, else the shipping option's name (name it after the carrier, e.g. 顺丰速运), else the
 * fulfillment provider ID.
 */
export function carrierOf(fulfillment: FulfillmentView): string {
  const metadata = fulfillment.metadata ?? {};
  for (const key of ['alipay_carrier', 'carrier']) {
    const value = metadata[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return fulfillment.shipping_option?.name?.trim() || fulfillment.provider_id || 'OTHER';
}

/**
 * Handles `shipment.created` for one fulfillment: for each Alipay payment of its order whose trade
 * waits for shipment (escrow, `WAIT_SELLER_SEND_GOODS`), records a confirmation and attempts it.
 * Instant payments and OpenAPI trades need no confirmation and are skipped.
 */
export async function confirmShipmentForFulfillment(
  container: MedusaContainer,
  fulfillmentId: string,
): Promise<void> {
  const { data } = await graph(container, {
    entity: 'fulfillment',
    fields: [
      'id',
      'provider_id',
      'metadata',
      'labels.tracking_number',
      'shipping_option.name',
      'order.id',
      'order.payment_collections.payments.id',
      'order.payment_collections.payments.provider_id',
      'order.payment_collections.payments.data',
      'order.payment_collections.payments.canceled_at',
    ],
    filters: { id: fulfillmentId },
  });
  const fulfillment = data[0] as unknown as FulfillmentView | undefined;
  const order = fulfillment?.order;
  if (!fulfillment || !order) return;
  const payments = (order.payment_collections ?? [])
    .flatMap(collection => collection.payments ?? [])
    .filter(payment => payment.provider_id.startsWith('pp_alipay_') && !payment.canceled_at);

  for (const payment of payments) {
    const outTradeNo = typeof payment.data?.out_trade_no === 'string' ? payment.data.out_trade_no : undefined;
    if (!outTradeNo) continue;
    const rt = alipayRuntime(container, payment.provider_id);
    const trade = await rt.settings.getVerifiedTrade(outTradeNo);
    // Only money Alipay still holds, waiting for this shipment, is confirmed.
    if (!trade?.trade_no || trade.alipay_status !== 'WAIT_SELLER_SEND_GOODS') {
      rt.logger.info(
        logLine(`shipment created; trade ${trade?.status ?? 'unknown'} needs no confirmation`, {
          outTradeNo,
          order: order.id,
          trade: trade?.trade_no,
        }),
      );
      continue;
    }
    const existing = (await rt.settings.listAlipayShipments({
      fulfillment_id: fulfillment.id,
    })) as unknown as ShipmentRow[];
    const row =
      existing[0] ??
      ((await rt.settings.createAlipayShipments({
        fulfillment_id: fulfillment.id,
        order_id: order.id,
        payment_id: payment.id,
        provider_id: payment.provider_id,
        scope: trade.scope,
        out_trade_no: outTradeNo,
        trade_no: trade.trade_no,
        carrier: carrierOf(fulfillment),
        tracking_number: fulfillment.labels?.find(label => label.tracking_number)?.tracking_number ?? null,
        status: 'pending',
        attempts: 0,
        next_attempt_at: new Date(),
      })) as unknown as ShipmentRow);
    if (row.status === 'pending') await attemptShipmentConfirmation(container, row);
  }
}

/**
 * One attempt to confirm a recorded shipment with Alipay. Success → `confirmed`; failure → next
 * attempt scheduled with backoff, or `failed` after {@link MAX_SHIPMENT_ATTEMPTS}. Journals either
 * way, so the order page shows what happened.
 */
export async function attemptShipmentConfirmation(
  container: MedusaContainer,
  row: ShipmentRow,
): Promise<ShipmentRow> {
  const rt = alipayRuntime(container, row.provider_id);
  const ids = { outTradeNo: row.out_trade_no, trade: row.trade_no, order: row.order_id };
  const attempts = row.attempts + 1;
  const trade = await rt.settings.getVerifiedTrade(row.out_trade_no);
  if (trade && !isHeldInEscrow(trade.alipay_status)) {
    // Closed or refunded on Alipay's side since the shipment was recorded: nothing to confirm, and the
    // goods must not go out. Given up without calling Alipay, and shown on the order page.
    const message = `${SHIPMENT_REFUSED.en} (${trade.alipay_status}) / ${SHIPMENT_REFUSED.zh}`;
    const updated = (await rt.settings.updateAlipayShipments({
      id: row.id,
      status: 'failed',
      next_attempt_at: null,
      last_error: message,
    })) as unknown as ShipmentRow;
    rt.logger.warn(logLine(`shipment not confirmed: the trade is ${trade.alipay_status}`, ids));
    await rt.settings.recordEvent({
      kind: 'shipment',
      level: 'error',
      providerId: row.provider_id,
      outTradeNo: row.out_trade_no,
      tradeNo: row.trade_no,
      orderId: row.order_id,
      message,
      details: { fulfillmentId: row.fulfillment_id, alipayStatus: trade.alipay_status },
    });
    return updated;
  }
  try {
    // The generation the trade was created with, from its session (the shop may have switched since);
    // only legacy escrow trades are ever confirmed, so an unrecorded origin means legacy.
    const target = await loadSessionTarget(container, row.out_trade_no);
    const origin = tradeOriginOf(target?.data) ?? originOfGeneration('legacy');
    const scoped = await rt.facadeForTrade(row.scope, origin, row.out_trade_no);
    const { alreadyConfirmed } = await scoped.alipay.confirmShipment({
      tradeNo: row.trade_no,
      outTradeNo: row.out_trade_no,
      carrier: row.carrier,
      trackingNumber: row.tracking_number ?? undefined,
    });
    const updated = (await rt.settings.updateAlipayShipments({
      id: row.id,
      status: 'confirmed',
      attempts,
      confirmed_at: new Date(),
      next_attempt_at: null,
      last_error: null,
    })) as unknown as ShipmentRow;
    rt.logger.info(
      logLine(`shipment confirmed to Alipay (${row.carrier}${alreadyConfirmed ? ', already' : ''})`, ids),
    );
    await rt.settings.recordEvent({
      kind: 'shipment',
      level: 'info',
      providerId: row.provider_id,
      outTradeNo: row.out_trade_no,
      tradeNo: row.trade_no,
      orderId: row.order_id,
      message:
        `Shipment confirmed to Alipay: ${row.carrier}${row.tracking_number ? ` ${row.tracking_number}` : ''}. ` +
        `The buyer confirms receipt next. / 已向支付宝确认发货：${row.carrier}${row.tracking_number ? ` ${row.tracking_number}` : ''}，等待买家确认收货。`,
      details: { fulfillmentId: row.fulfillment_id, attempts, alreadyConfirmed },
    });
    return updated;
  } catch (error) {
    const message = alipayError({ en: 'shipment confirmation', zh: '确认发货' }, error).message;
    const giveUp = attempts >= MAX_SHIPMENT_ATTEMPTS;
    const updated = (await rt.settings.updateAlipayShipments({
      id: row.id,
      status: giveUp ? 'failed' : 'pending',
      attempts,
      next_attempt_at: giveUp ? null : new Date(Date.now() + retryDelayMs(attempts)),
      last_error: message,
    })) as unknown as ShipmentRow;
    rt.logger.warn(
      logLine(
        `shipment confirmation attempt ${attempts} failed${giveUp ? ', giving up' : ''}: ${message}`,
        ids,
      ),
    );
    await rt.settings.recordEvent({
      kind: 'shipment',
      level: giveUp ? 'error' : 'warning',
      providerId: row.provider_id,
      outTradeNo: row.out_trade_no,
      tradeNo: row.trade_no,
      orderId: row.order_id,
      message: giveUp
        ? `Shipment confirmation failed ${attempts} times; retry it from the order page. ${message}`
        : `Shipment confirmation attempt ${attempts} failed; retrying automatically. ${message}`,
      details: { fulfillmentId: row.fulfillment_id, attempts, nextAttemptAt: updated.next_attempt_at },
    });
    return updated;
  }
}

/** Retries every pending confirmation that is due (the `alipay-retry-shipments` job). */
export async function retryDueShipments(container: MedusaContainer, now = new Date()): Promise<number> {
  const settings = container.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const due = (await settings.listAlipayShipments(
    { status: 'pending', next_attempt_at: { $lte: now } },
    { take: 50, order: { next_attempt_at: 'ASC' } },
  )) as unknown as ShipmentRow[];
  for (const row of due) {
    await attemptShipmentConfirmation(container, row);
  }
  return due.length;
}
