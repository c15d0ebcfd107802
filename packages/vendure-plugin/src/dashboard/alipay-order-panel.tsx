import { isFinalRefundStatus, REFUND_STATUS_TEXT, recordedStatusText } from '@alipay-commerce/core/settings';
import { api, Badge, type PageContextValue } from '@vendure/dashboard';
import { useEffect, useState } from 'react';
import type { AlipayOrderRefund, AlipayOrderTrade } from '../types';
import { type AdminLanguage, inLanguage, say, useAdminLanguage } from './i18n';

/** A GraphQL answer's shape: its dates arrive as ISO strings. */
type Answered<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

/** One trade as `alipayOrder` answers it (the fields the panel asks for). */
type TradeView = Omit<Answered<AlipayOrderTrade>, 'createdAt'>;

/** One refund as `alipayOrder` answers it (the fields the panel asks for). */
type RefundView = Omit<Answered<AlipayOrderRefund>, 'createdAt'>;

interface OrderAlipay {
  trades: TradeView[];
  refunds: RefundView[];
}

const ORDER_QUERY = `
  query AlipayOrderPanel($orderId: ID!) {
    alipayOrder(orderId: $orderId) {
      trades {
        outTradeNo tradeNo paymentMethodCode interfaceType status amount refundedAmount
        shipmentConfirmedAt orphanReason orphanReasonText
      }
      refunds { outTradeNo requestNo amount status origin error confirmUrl }
    }
  }
`;

/**
 * An amount in the order's minor units (fen for CNY, cents for an Antom order in USD) in its currency:
 * `¥12.34`, `US$25.99`, `¥500` (JPY has no minor unit).
 */
function money(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${currency} ${minor}`;
  }
}

function Trade({
  trade,
  language,
  currency,
}: {
  trade: TradeView;
  language: AdminLanguage;
  currency: string;
}) {
  const status = recordedStatusText(trade.status);
  const escrow = trade.interfaceType === 'legacy-escrow' || trade.interfaceType === 'legacy-dual';
  return (
    <div className="flex flex-col gap-1 py-2" data-testid="alipay-trade">
      <div className="flex items-center gap-2">
        <Badge variant={trade.orphanReason ? 'destructive' : 'secondary'}>{trade.status}</Badge>
        <span className="text-sm font-medium">{status ? inLanguage(status, language) : trade.status}</span>
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 text-xs">
        <dt className="text-muted-foreground">{say('tradeNo', language)}</dt>
        <dd className="font-mono" data-testid="alipay-trade-no">
          {trade.tradeNo ?? '—'}
        </dd>
        <dt className="text-muted-foreground">{say('outTradeNo', language)}</dt>
        <dd className="font-mono">{trade.outTradeNo}</dd>
        <dt className="text-muted-foreground">{say('amount', language)}</dt>
        <dd>
          {money(trade.amount, currency)}
          {trade.refundedAmount > 0 &&
            ` · ${say('refunded', language)} ${money(trade.refundedAmount, currency)}`}
          {` · ${trade.paymentMethodCode}`}
        </dd>
        {escrow && (
          <>
            <dt className="text-muted-foreground">{say('escrow', language)}</dt>
            <dd data-testid="alipay-escrow-shipment">
              {say(trade.shipmentConfirmedAt ? 'shipmentConfirmed' : 'shipmentNotConfirmed', language)}
              {trade.shipmentConfirmedAt && ` (${new Date(trade.shipmentConfirmedAt).toLocaleString()})`}
            </dd>
          </>
        )}
      </dl>
      {trade.orphanReason && (
        <p className="text-xs text-destructive" data-testid="alipay-orphan">
          {say('orphan', language)}: {trade.orphanReasonText}
        </p>
      )}
    </div>
  );
}

/**
 * The Alipay panel of the order page: each Alipay trade of the order (status, Alipay's trade number,
 * escrow shipment confirmation, orphan payments) and the refunds, open ones (uncertain, pending,
 * waiting for the seller) marked. Renders nothing for an order without Alipay trades.
 */
export function AlipayOrderPanel({ context }: { context: PageContextValue }) {
  const language = useAdminLanguage();
  const orderId: string | undefined = context.entity?.id;
  // Amounts are in the order's minor units: CNY for the mainland interfaces, the shop's for Antom.
  const currency: string = context.entity?.currencyCode ?? 'CNY';
  const [state, setState] = useState<OrderAlipay | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (!orderId) return;
    let current = true;
    api
      .query(ORDER_QUERY, { orderId })
      .then(result => current && setState((result as { alipayOrder: OrderAlipay }).alipayOrder))
      .catch((cause: unknown) => current && setError(cause instanceof Error ? cause.message : String(cause)));
    return () => {
      current = false;
    };
  }, [orderId]);
  if (error) return <p className="text-xs text-destructive">{error}</p>;
  if (!state) return <p className="text-xs text-muted-foreground">{say('loading', language)}</p>;
  if (state.trades.length === 0) return null;
  return (
    <div className="flex flex-col divide-y" data-testid="alipay-order-panel">
      {state.trades.map(trade => (
        <Trade key={trade.outTradeNo} trade={trade} language={language} currency={currency} />
      ))}
      {state.refunds.length > 0 && (
        <div className="flex flex-col gap-1 py-2" data-testid="alipay-refunds">
          <span className="text-sm font-medium">{say('refunds', language)}</span>
          {state.refunds.map(refund => {
            const status = Object.hasOwn(REFUND_STATUS_TEXT, refund.status)
              ? REFUND_STATUS_TEXT[refund.status as keyof typeof REFUND_STATUS_TEXT]
              : undefined;
            return (
              <div key={`${refund.outTradeNo}/${refund.requestNo}`} className="flex flex-col text-xs">
                <div className="flex items-center gap-2">
                  <Badge variant={isFinalRefundStatus(refund.status) ? 'secondary' : 'outline'}>
                    {status ? inLanguage(status, language) : refund.status}
                  </Badge>
                  <span>
                    {money(refund.amount, currency)} · <span className="font-mono">{refund.requestNo}</span> ·{' '}
                    {refund.origin}
                  </span>
                </div>
                {refund.error && <span className="text-destructive">{refund.error}</span>}
                {refund.confirmUrl && refund.status === 'requires_action' && (
                  <a className="underline" href={refund.confirmUrl} target="_blank" rel="noreferrer">
                    {say('confirm', language)}
                  </a>
                )}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** The panel's title, in the admin's language. */
export function AlipayOrderPanelTitle() {
  return <>{say('title', useAdminLanguage())}</>;
}
