import { TRADE_STATUS_TEXT } from '@alipay-commerce/core/settings';
import { defineWidgetConfig } from '@medusajs/admin-sdk';
import type { AdminOrder, DetailWidgetProps } from '@medusajs/framework/types';
import { Badge, Button, Container, Heading, Text, toast } from '@medusajs/ui';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import {
  REFUND_ORIGIN_LABELS,
  REFUND_STATUS_COLORS,
  REFUND_STATUS_LABELS,
  type RefundView,
} from '../../shared/refund-view';
import { ErrorText } from '../components/text-blocks';
import { both, say } from '../lib/messages';
import { errorMessage, sdk } from '../lib/sdk';

/** One verified Alipay trade of the order. */
interface TradeView {
  out_trade_no: string;
  trade_no: string | null;
  status: string;
  alipay_status: string;
  total_amount: string;
  refunded_amount: string | null;
}

/** One escrow shipment confirmation. */
interface ShipmentView {
  id: string;
  carrier: string;
  tracking_number: string | null;
  status: 'pending' | 'confirmed' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

/** One journal entry. */
interface EventView {
  id: string;
  kind: string;
  level: 'info' | 'warning' | 'error';
  message: string;
  created_at: string;
}

interface OrderAlipay {
  trades: TradeView[];
  /** The trades' refunds (the refund ledger), oldest first. */
  refunds: RefundView[];
  shipments: ShipmentView[];
  events: EventView[];
  /** Journal errors: what the merchant must act on (a trade closed after payment, …). */
  alerts: EventView[];
}

const SHIPMENT_COLORS = { pending: 'orange', confirmed: 'green', failed: 'red' } as const;
const LEVEL_COLORS = { info: 'grey', warning: 'orange', error: 'red' } as const;

/** One line of the journal (or an alert): a coloured badge and the entry's text. */
function JournalLine({
  badge,
  color,
  children,
}: {
  badge: string;
  color: 'grey' | 'orange' | 'red';
  children: ReactNode;
}) {
  return (
    <div className="flex items-start gap-x-2">
      <Badge size="2xsmall" color={color}>
        {badge}
      </Badge>
      {children}
    </div>
  );
}

/**
 * Order page: alerts first (a trade Alipay closed after payment: do not ship), the order's Alipay
 * trades, their refunds (status, amount, request number, who asked, the seller's confirmation link),
 * escrow shipment confirmations (with the last error and a retry button) and the Alipay journal.
 * Renders nothing for orders not paid with Alipay.
 */
const AlipayOrderPanel = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const [state, setState] = useState<OrderAlipay | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setState(await sdk.client.fetch<OrderAlipay>(`/admin/alipay/orders/${encodeURIComponent(order.id)}`));
    } catch (error) {
      toast.error(errorMessage(error));
    }
  }, [order.id]);

  useEffect(() => {
    void load();
  }, [load]);

  if (!state || (!state.trades.length && !state.events.length && !state.shipments.length)) return null;

  const retry = async (shipmentId: string) => {
    setBusy(true);
    try {
      await sdk.client.fetch(`/admin/alipay/shipments/${encodeURIComponent(shipmentId)}/retry`, {
        method: 'POST',
      });
      await load();
    } catch (error) {
      toast.error(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Container className="divide-y p-0" data-testid="alipay-order-panel">
      <div className="px-6 py-4">
        <Heading level="h2">{say('title')}</Heading>
      </div>
      {state.alerts.length > 0 && (
        <div className="flex flex-col gap-y-2 px-6 py-4" data-testid="alipay-alerts">
          {state.alerts.map(alert => (
            <JournalLine key={alert.id} badge={say('alert')} color="red">
              <ErrorText size="small">{alert.message}</ErrorText>
            </JournalLine>
          ))}
        </div>
      )}
      {state.trades.map(trade => (
        <div key={trade.out_trade_no} className="flex flex-col gap-y-1 px-6 py-4">
          <Text size="small" weight="plus">
            {`${both(TRADE_STATUS_TEXT[trade.status as keyof typeof TRADE_STATUS_TEXT] ?? { en: trade.status, zh: trade.status })} (${trade.alipay_status})`}
          </Text>
          <Text size="xsmall" className="text-ui-fg-subtle font-mono">
            trade {trade.trade_no ?? '-'} · {trade.total_amount} CNY
            {trade.refunded_amount ? ` · ${say('refunded')} ${trade.refunded_amount}` : ''}
          </Text>
        </div>
      ))}
      {state.refunds.length > 0 && (
        <div className="flex flex-col gap-y-2 px-6 py-4" data-testid="alipay-refunds">
          <Text size="small" weight="plus">
            {say('refunds')}
          </Text>
          {state.refunds.map(refund => (
            <div key={refund.id} className="flex flex-col gap-y-1">
              <div className="flex items-center gap-x-2">
                <Badge size="2xsmall" color={REFUND_STATUS_COLORS[refund.status]}>
                  {REFUND_STATUS_LABELS[refund.status]}
                </Badge>
                <Text size="small">
                  {REFUND_ORIGIN_LABELS[refund.origin]}: {refund.amount} CNY
                </Text>
              </div>
              <Text size="xsmall" className="text-ui-fg-subtle font-mono">
                {refund.request_no}
                {refund.medusa_refund_id ? ` · ${refund.medusa_refund_id}` : ''}
              </Text>
              {refund.confirm_url && refund.status === 'requires_action' && (
                <a
                  href={refund.confirm_url}
                  target="_blank"
                  rel="noreferrer"
                  className="text-ui-fg-interactive"
                >
                  <Text size="xsmall">{say('confirmOnAlipay')}</Text>
                </a>
              )}
              {refund.error && <ErrorText>{refund.error}</ErrorText>}
            </div>
          ))}
        </div>
      )}
      {state.shipments.map(shipment => (
        <div key={shipment.id} className="flex items-start justify-between gap-x-4 px-6 py-4">
          <div className="flex flex-col gap-y-1">
            <div className="flex items-center gap-x-2">
              <Text size="small" weight="plus">
                {say('shipmentConfirmation')}: {shipment.carrier} {shipment.tracking_number ?? ''}
              </Text>
              <Badge size="2xsmall" color={SHIPMENT_COLORS[shipment.status]}>
                {shipment.status}
              </Badge>
            </div>
            {shipment.last_error && <ErrorText>{shipment.last_error}</ErrorText>}
            {shipment.status === 'pending' && shipment.next_attempt_at && (
              <Text size="xsmall" className="text-ui-fg-subtle">
                {both({
                  en: `Attempt ${shipment.attempts}; next try ${new Date(shipment.next_attempt_at).toLocaleString()}`,
                  zh: `第 ${shipment.attempts} 次尝试，将自动重试`,
                })}
              </Text>
            )}
          </div>
          {shipment.status !== 'confirmed' && (
            <Button size="small" variant="secondary" isLoading={busy} onClick={() => retry(shipment.id)}>
              {say('retryNow')}
            </Button>
          )}
        </div>
      ))}
      <div className="flex flex-col gap-y-2 px-6 py-4">
        {state.events.map(event => (
          <JournalLine key={event.id} badge={event.kind} color={LEVEL_COLORS[event.level]}>
            <Text size="xsmall">
              {new Date(event.created_at).toLocaleString()} — {event.message}
            </Text>
          </JournalLine>
        ))}
      </div>
    </Container>
  );
};

export const config = defineWidgetConfig({
  zone: 'order.details.after',
});

export default AlipayOrderPanel;
