import { logSafeId } from '@alipay-commerce/core';

/** Identifies a trade in log lines and history entries; the trade number is Alipay's, when known. */
export interface TradeLabel {
  /** Code of the Vendure order, or undefined when the trade is not (yet) known to the plugin. */
  orderCode?: string | null;
  /** The merchant trade number (`out_trade_no`). */
  outTradeNo?: string | null;
  /** Alipay's trade number (`trade_no`). */
  tradeNo?: string | null;
}

/**
 * The prefix every log line of the plugin starts with, so one search for an order code or a trade
 * number finds every line about it: `order AB12 · trade AB12-1 · Alipay 2026…`. Each part is made
 * log-safe with the core's `logSafeId`.
 */
export function describeTrade(label: TradeLabel): string {
  return `order ${label.orderCode ? logSafeId(label.orderCode) : '(unknown)'} · trade ${
    label.outTradeNo ? logSafeId(label.outTradeNo) : '(unknown)'
  } · Alipay ${label.tradeNo ? logSafeId(label.tradeNo) : '(none yet)'}`;
}
