/**
 * The Medusa Admin API's orders, payments and refunds as the driver reads them, and their
 * {@link ShopDriver} views ({@link OrderView}, {@link RefundView}, {@link OrphanView}). Medusa keeps money
 * in yuan; the views are in fen.
 */
import type { OrderView, OrphanView, PaymentView, RefundView } from './shop-driver';

/** Fields of an order the views and snapshots are built from. */
export const ORDER_FIELDS = [
  'id',
  'display_id',
  'status',
  'payment_status',
  'fulfillment_status',
  'total',
  'cart.id',
  'payment_collections.payments.id',
  'payment_collections.payments.amount',
  'payment_collections.payments.provider_id',
  'payment_collections.payments.captured_at',
  'payment_collections.payments.canceled_at',
  'payment_collections.payments.data',
  'payment_collections.payments.refunds.id',
  'payment_collections.payments.refunds.amount',
].join(',');

/** The plugin's refund ledger statuses (`alipay_refund`) as {@link RefundView.state}; others are pending. */
const LEDGER_STATES: Record<string, RefundView['state']> = { succeeded: 'settled', failed: 'failed' };

/** One row of the plugin's refund ledger as `GET /admin/alipay/orders/:id` returns it. */
export interface LedgerRow {
  id?: string;
  status?: string;
  amount?: number | string;
  amount_fen?: number;
  origin?: string;
  medusa_refund_id?: string | null;
  out_trade_no?: string;
  trade_no?: string | null;
  payment_id?: string | null;
}

export interface AdminPayment {
  id: string;
  amount: number | string;
  provider_id: string;
  captured_at: string | null;
  canceled_at: string | null;
  data: Record<string, unknown> | null;
  refunds?: Array<{ id: string; amount: number | string }> | null;
}
export interface AdminOrder {
  id: string;
  display_id: number;
  status: string;
  payment_status: string;
  fulfillment_status: string;
  total: number | string;
  cart?: { id: string } | null;
  payment_collections?: Array<{ payments?: AdminPayment[] | null }> | null;
}

/** A Medusa amount (yuan) in fen. */
export const yuanToFen = (amount: number | string) => Math.round(Number(amount) * 100);

/** A ledger status as {@link RefundView.state}: succeeded → settled, failed → failed, anything else pending. */
export function ledgerState(status: string | undefined): RefundView['state'] {
  return (status !== undefined && LEDGER_STATES[status]) || 'pending';
}

export const UNPAID_CART: OrderView = {
  state: 'cart',
  paid: false,
  settled: false,
  livePayments: 0,
  payments: [],
};

export function payments(order: AdminOrder): AdminPayment[] {
  return (order.payment_collections ?? [])
    .flatMap(collection => collection.payments ?? [])
    .filter(payment => payment.provider_id.startsWith('pp_alipay_'));
}

function paymentState(payment: AdminPayment): string {
  if (payment.canceled_at) return 'canceled';
  const refunded = (payment.refunds ?? []).reduce((sum, r) => sum + yuanToFen(r.amount), 0);
  if (refunded > 0) return refunded >= yuanToFen(payment.amount) ? 'refunded' : 'partially_refunded';
  return payment.captured_at ? 'captured' : 'authorized';
}

export function toView(order: AdminOrder): OrderView {
  const views: PaymentView[] = payments(order).map(p => {
    const tradeNo = p.data?.trade_no;
    return {
      id: p.id,
      state: paymentState(p),
      amountFen: yuanToFen(p.amount),
      ...(typeof tradeNo === 'string' && tradeNo ? { tradeNo } : {}),
    };
  });
  const live = views.filter(p => p.state === 'authorized' || p.state === 'captured');
  return {
    state: `${order.status}/${order.payment_status}`,
    paid: live.length > 0,
    settled: live.length > 0 && live.every(p => p.state === 'captured'),
    livePayments: live.length,
    payments: views,
  };
}

/**
 * Medusa's refunds of the order's Alipay payments, with their state from the plugin's refund ledger
 * (`ledger`, or, without one, the payment's own record `data.alipay_refunds`), and the ledger rows without a
 * Medusa refund (Alipay-side, orphan).
 */
export function refundViews(placed: AdminOrder, ledger: LedgerRow[] | undefined): RefundView[] {
  const views: RefundView[] = [];
  const matched = new Set<LedgerRow>();
  for (const payment of payments(placed)) {
    const tradeNo = typeof payment.data?.trade_no === 'string' ? payment.data.trade_no : undefined;
    const outTradeNo = typeof payment.data?.out_trade_no === 'string' ? payment.data.out_trade_no : undefined;
    const recorded = Array.isArray(payment.data?.alipay_refunds)
      ? (payment.data.alipay_refunds as Array<{ status?: string; medusa_refund_id?: string | null }>)
      : [];
    for (const refund of payment.refunds ?? []) {
      const row = ledger?.find(r => r.medusa_refund_id === refund.id);
      if (row) matched.add(row);
      const status = ledger ? row?.status : recorded.find(r => r.medusa_refund_id === refund.id)?.status;
      views.push({
        // The ledger row's ID once there is one: it stays the same while the row is linked to Medusa's refund.
        id: row?.id ?? refund.id,
        amountFen: yuanToFen(refund.amount),
        state: ledgerState(status),
        ...(row?.origin ? { origin: row.origin } : {}),
        paymentId: payment.id,
        ...(tradeNo ? { tradeNo } : {}),
        ...(outTradeNo ? { outTradeNo } : {}),
        raw: status ?? 'no ledger row',
      });
    }
  }
  for (const row of ledger ?? []) {
    if (matched.has(row)) continue;
    views.push({
      ...(row.id ? { id: row.id } : {}),
      amountFen: row.amount_fen ?? yuanToFen(row.amount ?? 0),
      state: ledgerState(row.status),
      ...(row.origin ? { origin: row.origin } : {}),
      ...(row.payment_id ? { paymentId: row.payment_id } : {}),
      ...(row.trade_no ? { tradeNo: row.trade_no } : {}),
      ...(row.out_trade_no ? { outTradeNo: row.out_trade_no } : {}),
      raw: row.status ?? 'unknown',
    });
  }
  return views;
}

/** One orphan journal entry as `GET /admin/alipay/events?kind=orphan` returns it. */
export type OrphanEvent = {
  out_trade_no: string | null;
  trade_no: string | null;
  details: Record<string, unknown> | null;
  orphan_refund?: { status?: string } | null;
  orphan_refunded_fen?: number;
};

/** The orphan payments of `events` (newest first): the newest entry per trade. */
export function orphanViews(events: OrphanEvent[]): OrphanView[] {
  const byTrade = new Map<string, OrphanView>();
  // Newest first: the first entry of a trade is its latest word.
  for (const event of events) {
    if (!event.out_trade_no || byTrade.has(event.out_trade_no)) continue;
    const details = event.details ?? {};
    const status = event.orphan_refund?.status ?? details.refund_status ?? details.refundStatus ?? null;
    byTrade.set(event.out_trade_no, {
      outTradeNo: event.out_trade_no,
      tradeNo: event.trade_no,
      amountFen:
        typeof details.amount_fen === 'number' ? details.amount_fen : yuanToFen(String(details.amount ?? 0)),
      refundStatus: typeof status === 'string' ? status : null,
      refundedFen: event.orphan_refunded_fen ?? 0,
    });
  }
  return [...byTrade.values()];
}
