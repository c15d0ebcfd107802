/**
 * The journal (`alipay_event`): what happened to payments, refunds and shipments, for the merchant
 * (the admin's Alipay events page and order panel).
 *
 * @packageDocumentation
 */

/** One journal entry (see the `alipay_event` model). */
export interface JournalEntry {
  kind: 'notification' | 'query' | 'return' | 'shipment' | 'refund' | 'orphan' | 'rejection' | 'error';
  level: 'info' | 'warning' | 'error';
  /** Bilingual: `English / 中文`. */
  message: string;
  providerId?: string | null;
  outTradeNo?: string | null;
  tradeNo?: string | null;
  sessionId?: string | null;
  cartId?: string | null;
  orderId?: string | null;
  /** Identifiers, statuses, amounts and reason codes only. */
  details?: Record<string, unknown> | null;
}

/** The module service's generated create of `alipay_event` the journal writes through. */
export interface JournalRecords {
  createAlipayEvents(data: Record<string, unknown>): Promise<unknown>;
}

/** Appends journal entries. */
export class Journal {
  /** @param records the module service's generated `alipay_event` methods. */
  constructor(private readonly records: JournalRecords) {}

  /** Appends one entry to the merchant-visible journal. Never pass a secret or a raw body. */
  async recordEvent(entry: JournalEntry): Promise<void> {
    await this.records.createAlipayEvents({
      kind: entry.kind,
      level: entry.level,
      provider_id: entry.providerId ?? null,
      out_trade_no: entry.outTradeNo ?? null,
      trade_no: entry.tradeNo ?? null,
      session_id: entry.sessionId ?? null,
      cart_id: entry.cartId ?? null,
      order_id: entry.orderId ?? null,
      message: entry.message,
      details: entry.details ?? null,
    });
  }
}
