import { Badge, Button, Container, Text } from '@medusajs/ui';
import { REFUND_STATUS_COLORS, REFUND_STATUS_LABELS, type RefundView } from '../../shared/refund-view';
import { say } from '../lib/messages';
import type { AttentionEvent } from '../lib/settings-api';
import { BlockHeading, ErrorText } from './text-blocks';

/**
 * Whether the admin can ask for the refund of an orphan payment: nothing was refunded, the last refund
 * was refused, or only Alipay gave a part back (the server refunds what is left, and says so when nothing is).
 */
function canRefundOrphan(refund: RefundView | null | undefined): boolean {
  return (
    !refund || refund.status === 'failed' || (refund.origin === 'alipay' && refund.status === 'succeeded')
  );
}

/** An orphan payment's refund: its status, amount and number, or that there is none. */
function OrphanRefund({ event }: { event: AttentionEvent }) {
  const refund = event.orphan_refund;
  return (
    <div className="flex items-center gap-x-2" data-testid="alipay-orphan-refund">
      {refund ? (
        <>
          <Badge size="2xsmall" color={REFUND_STATUS_COLORS[refund.status]}>
            {REFUND_STATUS_LABELS[refund.status]}
          </Badge>
          <Text size="xsmall" className="font-mono">
            {refund.amount} CNY · {refund.request_no}
          </Text>
          {Boolean(event.orphan_refunded_fen) && (
            <Text size="xsmall" className="text-ui-fg-subtle">
              {say('givenBack')}: {event.orphan_refunded} CNY
            </Text>
          )}
        </>
      ) : (
        <Text size="xsmall" className="text-ui-fg-subtle">
          {say('notRefunded')}
        </Text>
      )}
    </div>
  );
}

/** Props of {@link AttentionList}. */
export interface AttentionListProps {
  events: AttentionEvent[];
  busy: boolean;
  onRefundOrphan: (outTradeNo: string) => void;
  onResolve: (id: string) => void;
}

/**
 * What needs the merchant: orphan payments (with their refund and a refund button), rejected
 * notifications, refunds to check and failed shipment confirmations, each to mark handled.
 */
export function AttentionList({ events, busy, onRefundOrphan, onResolve }: AttentionListProps) {
  return (
    <Container className="divide-y p-0" data-testid="alipay-attention">
      <BlockHeading title={say('attentionHeading')} note={say('attentionNote')} />
      {events.length === 0 ? (
        <div className="px-6 py-4">
          <Text size="small">{say('nothingToHandle')}</Text>
        </div>
      ) : (
        events.map(event => {
          const orphan = event.kind === 'orphan';
          return (
            <div key={event.id} className="flex items-start justify-between gap-x-4 px-6 py-4">
              <div className="flex flex-col gap-y-1">
                <Text size="small" weight="plus">
                  {orphan ? say('orphanPayment') : `${event.kind} (${event.level})`} ·{' '}
                  {new Date(event.created_at).toLocaleString()}
                </Text>
                <Text size="small">{event.message}</Text>
                <Text size="xsmall" className="text-ui-fg-subtle font-mono">
                  {[event.out_trade_no, event.trade_no, event.order_id].filter(Boolean).join(' · ')}
                </Text>
                {orphan && <OrphanRefund event={event} />}
                {event.orphan_refund?.error && <ErrorText>{event.orphan_refund.error}</ErrorText>}
              </div>
              <div className="flex flex-col gap-y-2">
                {orphan && event.out_trade_no && canRefundOrphan(event.orphan_refund) && (
                  <Button
                    size="small"
                    variant="primary"
                    onClick={() => onRefundOrphan(event.out_trade_no as string)}
                    isLoading={busy}
                  >
                    {say('refund')}
                  </Button>
                )}
                <Button size="small" variant="secondary" onClick={() => onResolve(event.id)} isLoading={busy}>
                  {say('markHandled')}
                </Button>
              </div>
            </div>
          );
        })
      )}
    </Container>
  );
}
