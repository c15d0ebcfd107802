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

/** What the trade statuses the plugin records mean to a merchant. */
const TRADE_STATUS: Record<string, { en: string; zh: string }> = {
  CREATED: { en: 'Waiting for payment', zh: '等待付款' },
  WAIT_BUYER_PAY: { en: 'Waiting for payment', zh: '等待付款' },
  WAIT_SELLER_SEND_GOODS: { en: 'Paid into escrow: ship now', zh: '已付款至担保账户，请发货' },
  WAIT_BUYER_CONFIRM_GOODS: {
    en: 'Shipped, waiting for the buyer to confirm receipt',
    zh: '已发货，等待买家确认收货',
  },
  TRADE_SUCCESS: { en: 'Paid', zh: '已付款' },
  TRADE_FINISHED: { en: 'Finished', zh: '交易完成' },
  TRADE_CLOSED: { en: 'Closed', zh: '已关闭' },
  START_FAILED: { en: 'Alipay refused to start it', zh: '支付宝拒绝创建交易' },
  SUPERSEDED: { en: 'Replaced by a newer attempt', zh: '已被新的支付尝试取代' },
  ABANDONED: { en: 'Never paid', zh: '未付款' },
};

/** Refund statuses; the open ones (outcome not known yet) are what the merchant watches. */
const REFUND_STATUS: Record<string, { en: string; zh: string; open: boolean }> = {
  requested: { en: 'Requested', zh: '已申请', open: true },
  uncertain: { en: 'Uncertain: being checked with Alipay', zh: '结果未知，正在向支付宝核实', open: true },
  pending: { en: 'Pending at Alipay', zh: '支付宝处理中', open: true },
  requires_action: { en: 'Waiting for the seller on Alipay', zh: '等待卖家在支付宝确认', open: true },
  succeeded: { en: 'Refunded', zh: '已退款', open: false },
  failed: { en: 'Failed', zh: '失败', open: false },
};

function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

function Trade({ trade, language }: { trade: TradeView; language: AdminLanguage }) {
  const status = TRADE_STATUS[trade.status];
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
          {yuan(trade.amount)}
          {trade.refundedAmount > 0 && ` · ${say('refunded', language)} ${yuan(trade.refundedAmount)}`}
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
        <Trade key={trade.outTradeNo} trade={trade} language={language} />
      ))}
      {state.refunds.length > 0 && (
        <div className="flex flex-col gap-1 py-2" data-testid="alipay-refunds">
          <span className="text-sm font-medium">{say('refunds', language)}</span>
          {state.refunds.map(refund => {
            const status = REFUND_STATUS[refund.status];
            return (
              <div key={`${refund.outTradeNo}/${refund.requestNo}`} className="flex flex-col text-xs">
                <div className="flex items-center gap-2">
                  <Badge variant={status?.open ? 'outline' : 'secondary'}>
                    {status ? inLanguage(status, language) : refund.status}
                  </Badge>
                  <span>
                    {yuan(refund.amount)} · <span className="font-mono">{refund.requestNo}</span> ·{' '}
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
