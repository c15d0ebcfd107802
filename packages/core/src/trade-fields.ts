import { MoneyError, NotificationFieldError } from './errors';
import type { AlipayGeneration, EventBase, EventSource, TradeEvent } from './events';
import { yuanToFen } from './money';

/**
 * Reading Alipay's flat trade fields, shared by the legacy and OpenAPI mappings to a normalized event. Both
 * generations treat an empty value as absent, name a bad field in a {@link NotificationFieldError}, and fill
 * the event's envelope the same way; only the field names of the trade itself differ.
 */

/** The field's value, or undefined when it is absent or empty. */
export function optionalField(fields: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = fields[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The field's value; a {@link NotificationFieldError} when it is absent or empty. */
export function requiredField(fields: Readonly<Record<string, string>>, name: string): string {
  const value = optionalField(fields, name);
  if (value === undefined) throw new NotificationFieldError(name, `missing field ${name}`);
  return value;
}

/** A yuan amount in fen; a {@link NotificationFieldError} naming `field` when it is not a valid amount. */
export function fieldAmountFen(yuan: string, field: string, allowZero: boolean): number {
  try {
    return yuanToFen(yuan, { allowZero });
  } catch (error) {
    if (error instanceof MoneyError)
      throw new NotificationFieldError(field, `${field} is not a valid amount`);
    throw error;
  }
}

/** Drops undefined members so events compare and serialize cleanly. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** Where one generation (and source) keeps the fields {@link tradeEventHead} reads under varying names. */
export interface TradeFieldNames {
  /** The payment time: `gmt_payment`, or `send_pay_date` in an OpenAPI query answer. */
  paidAt: string;
  /** The shipping time, legacy escrow only (`gmt_send_goods`). */
  shippedAt?: string;
}

/**
 * What every trade event reads the same way, whatever the generation: the envelope (a return is
 * display-only, `notify_id`/`notify_time` when sent, the verified fields frozen as `raw`), the two trade
 * references, the status the caller derived, `refund_status`, the seller (`seller_id`, `seller_email`) and
 * the timestamps.
 */
export function tradeEventHead(
  fields: Readonly<Record<string, string>>,
  generation: AlipayGeneration,
  source: EventSource,
  trade: Pick<TradeEvent, 'status' | 'alipayStatus'> & TradeFieldNames,
): EventBase &
  Pick<
    TradeEvent,
    'type' | 'outTradeNo' | 'tradeNo' | 'status' | 'alipayStatus' | 'refundStatus' | 'seller' | 'timestamps'
  > {
  return {
    type: 'trade',
    generation,
    source,
    displayOnly: source === 'return',
    notifyId: optionalField(fields, 'notify_id'),
    notifyTime: optionalField(fields, 'notify_time'),
    raw: Object.freeze({ ...fields }),
    outTradeNo: requiredField(fields, 'out_trade_no'),
    tradeNo: requiredField(fields, 'trade_no'),
    status: trade.status,
    alipayStatus: trade.alipayStatus,
    refundStatus: optionalField(fields, 'refund_status'),
    seller: compact({ id: optionalField(fields, 'seller_id'), email: optionalField(fields, 'seller_email') }),
    timestamps: compact({
      created: optionalField(fields, 'gmt_create'),
      paid: optionalField(fields, trade.paidAt),
      shipped: trade.shippedAt === undefined ? undefined : optionalField(fields, trade.shippedAt),
      closed: optionalField(fields, 'gmt_close'),
      refunded: optionalField(fields, 'gmt_refund'),
    }),
  };
}
