/**
 * How the admin API shows a refund of the ledger (`alipay_refund`): amounts in integer fen and as yuan
 * text, what Alipay knows it by, who asked, what records it in Medusa, and what the merchant must know.
 * Never a secret: the row holds none.
 *
 * @packageDocumentation
 */
import type { RefundRow } from '../modules/alipay/refund-store';
import type { RefundView } from '../shared/refund-view';
import { amountToFen, fenToAmount } from '../trades/money';

export type { RefundView } from '../shared/refund-view';

/** The admin view of a stored refund. */
export function refundView(row: RefundRow): RefundView {
  const fen = amountToFen(row.amount, { allowZero: true });
  return {
    id: row.id,
    out_trade_no: row.out_trade_no,
    trade_no: row.trade_no,
    status: row.status,
    origin: row.origin,
    amount_fen: fen,
    amount: fenToAmount(fen),
    request_no: row.request_no,
    medusa_refund_id: row.medusa_refund_id,
    confirm_url: row.confirm_url,
    error: row.error,
    in_flight: row.in_flight_key !== null,
    attempts: row.attempts,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
