/**
 * A trade's state as the provider answers Medusa: the verified stored status, else Alipay's signed
 * query answer (rate limited for the checks a storefront can repeat), mapped to a session status.
 *
 * @packageDocumentation
 */
import {
  InterfaceNotContractedError,
  isPaidStatus,
  type TradeEvent,
  type TradeStatus,
} from '@alipay-commerce/core';
import { syncClaimCutoff } from '@alipay-commerce/core/lifecycle';
import { PaymentSessionStatus } from '@medusajs/framework/utils';
import { alipayError } from '../../logging/alipay-error';
import { logLine } from '../../logging/log-line';
import type { VerifiedTrade } from '../../modules/alipay/trade-store';
import { amountToFen, fenToAmount } from '../../trades/money';
import { type ProviderContext, text } from './provider-context';
import { toSessionStatus } from './status';

/** What the provider knows about a trade at one moment: the verified status, or `null` (no trade yet). */
export interface TradeState {
  status: TradeStatus | null;
  tradeNo: string | null;
  amountFen: number | null;
  source: 'stored' | 'query' | 'none';
}

/**
 * The trade's state: the verified stored status when it says the trade is paid or closed (no
 * network call), else Alipay's signed query answer (recorded as verified state). A merchant whose
 * contract lacks the query interface gets the stored state (or "no trade yet"). With `rateLimited`
 * (the checks a storefront can repeat), Alipay is asked at most once per the core's
 * `SYNC_MIN_INTERVAL_MS` per trade, claimed atomically on its start record so that concurrent checks
 * query once; the others answer from the stored state.
 */
export async function tradeState(
  provider: ProviderContext,
  data: Record<string, unknown>,
  options: { rateLimited?: boolean } = {},
): Promise<TradeState> {
  const outTradeNo = text(data.out_trade_no);
  if (!outTradeNo) return { status: null, tradeNo: null, amountFen: null, source: 'none' };
  const settings = provider.alipayModule();
  const stored = await settings.getVerifiedTrade(outTradeNo);
  if (stored && (isPaidStatus(stored.status) || stored.status === 'closed')) return fromStored(stored);
  if (options.rateLimited) {
    const now = new Date();
    if ((await settings.claimTradeQuery(outTradeNo, now, syncClaimCutoff(now))) === 'recent') {
      return stored ? fromStored(stored) : { status: null, tradeNo: null, amountFen: null, source: 'none' };
    }
  }

  const scoped = await provider.facadeForTrade(data);
  let event: TradeEvent | null;
  try {
    event = await scoped.alipay.queryTrade({ outTradeNo, tradeNo: text(data.trade_no) });
  } catch (error) {
    if (error instanceof InterfaceNotContractedError) {
      provider.logger.warn(
        logLine('trade query is not in the Alipay contract; relying on notifications', {
          outTradeNo,
        }),
      );
      return stored ? fromStored(stored) : { status: null, tradeNo: null, amountFen: null, source: 'none' };
    }
    if (stored) return fromStored(stored);
    throw alipayError({ en: 'trade query', zh: '交易查询' }, error);
  }
  if (!event)
    return stored ? fromStored(stored) : { status: null, tradeNo: null, amountFen: null, source: 'none' };
  const recorded = await settings.recordVerifiedTrade({
    event,
    sessionId: text(data.session_id) ?? null,
    providerId: provider.providerId(),
    scope: scoped.scope,
    source: 'query',
    totalAmount: fenToAmount(event.amountFen),
    refundedAmount: event.refundedFen !== undefined ? fenToAmount(event.refundedFen) : null,
  });
  return fromStored(recorded, 'query');
}

/** Maps the state, refusing a trade whose amount differs from the session's (never "paid" then). */
export function statusChecked(
  provider: ProviderContext,
  data: Record<string, unknown>,
  state: TradeState,
): PaymentSessionStatus {
  const expected = text(data.amount);
  if (state.amountFen !== null && expected !== undefined && fenToAmount(state.amountFen) !== expected) {
    provider.logger.error(
      logLine(
        `trade amount ${fenToAmount(state.amountFen)} differs from the session's ${expected} ${text(data.currency) ?? 'CNY'}`,
        {
          outTradeNo: text(data.out_trade_no),
          trade: state.tradeNo,
        },
      ),
    );
    return PaymentSessionStatus.ERROR;
  }
  return toSessionStatus(state.status);
}

function fromStored(stored: VerifiedTrade, source: TradeState['source'] = 'stored'): TradeState {
  return {
    status: stored.status,
    tradeNo: stored.trade_no,
    amountFen: amountToFen(stored.total_amount),
    source,
  };
}

/** The session data with the trade's verified state, once Alipay knows the trade. */
export function withTrade(data: Record<string, unknown>, state: TradeState): Record<string, unknown> {
  if (state.status === null) return data;
  return { ...data, trade_no: state.tradeNo ?? data.trade_no ?? null, alipay_status: state.status };
}
