import { bilingualLine } from '@alipay-commerce/core';
import {
  ESCROW_INTERFACE_TYPES,
  type ShipmentMoney,
  type ShopPaymentState,
  shipmentBlocker,
} from '@alipay-commerce/core/lifecycle';
import {
  type FulfillmentProcess,
  type Injector,
  type Order,
  type OrderProcess,
  Payment,
  type RequestContext,
  TransactionalConnection,
} from '@vendure/core';
import { In } from 'typeorm';
import { SINGLE_CONNECTION_DATABASES } from './alipay-event-ledger';
import { AlipayRefund } from './entities/alipay-refund.entity';
import { AlipayTrade } from './entities/alipay-trade.entity';

/** Payment states that carry no money. */
const DEAD_PAYMENT_STATES = ['Cancelled', 'Declined', 'Error'];

/**
 * True when an order's money waits in Alipay escrow: at least one `Authorized` payment recorded by
 * this plugin from an escrow-capable interface, and every other live payment `Settled`. Such an
 * order may ship before its payment settles (see `alipayEscrowOrderProcess`).
 */
export function isHeldInAlipayEscrow(
  payments: ReadonlyArray<{ state: string; metadata?: Record<string, unknown> | null }>,
): boolean {
  const live = payments.filter(p => !DEAD_PAYMENT_STATES.includes(p.state));
  const inEscrow = (p: (typeof live)[number]) =>
    p.state === 'Authorized' &&
    typeof p.metadata?.tradeNo === 'string' &&
    ESCROW_INTERFACE_TYPES.includes(String(p.metadata?.interfaceType));
  return live.some(inEscrow) && live.every(p => p.state === 'Settled' || inEscrow(p));
}

let connection: TransactionalConnection | undefined;

function init(injector: Injector): void {
  connection = injector.get(TransactionalConnection);
}

const ESCROW_ONLY =
  'Only an order whose money is held in Alipay escrow can be shipped before its payment is settled / 只有款项由支付宝担保的订单可以在结算前发货';

const PAYMENT_STATE: Record<string, ShopPaymentState> = { Authorized: 'authorized', Settled: 'settled' };

/**
 * Why the order must not ship, or undefined: the core's `shipmentBlocker` over the order's Alipay
 * payments (recorded from verified events: their metadata names the trade), their trades' recorded
 * status and what the plugin records as refunded of them. Orders paid otherwise are not the plugin's call.
 */
async function alipayShipmentRefusal(ctx: RequestContext, order: Order): Promise<string | undefined> {
  if (!connection) return undefined;
  const payments = order.payments?.length
    ? order.payments
    : await connection.getRepository(ctx, Payment).find({ where: { order: { id: order.id } } });
  const ours = payments.filter(
    p => typeof p.metadata?.tradeNo === 'string' && typeof p.metadata?.interfaceType === 'string',
  );
  if (ours.length === 0) {
    // An order meant to be paid through Alipay and not paid (or its payment gone) does not ship either.
    const attempts = await connection.getRepository(ctx, AlipayTrade).count({ where: { orderId: order.id } });
    const otherLive = payments.some(p => PAYMENT_STATE[p.state] !== undefined);
    const blocker = shipmentBlocker([], { otherLivePayments: otherLive, alipayTrades: attempts });
    return blocker ? bilingualLine(blocker) : undefined;
  }
  const trades = await connection
    .getRepository(ctx, AlipayTrade)
    .find({ where: { tradeNo: In(ours.map(p => p.transactionId)) } });
  const refunds = await connection.getRepository(ctx, AlipayRefund).find({
    where: { outTradeNo: In(trades.map(t => t.outTradeNo)), status: 'succeeded' },
  });
  const money: ShipmentMoney[] = ours.map(payment => {
    const trade = trades.find(t => t.tradeNo === payment.transactionId);
    return {
      recordedStatus: trade?.status ?? '',
      paymentState: PAYMENT_STATE[payment.state] ?? 'cancelled',
      amountFen: payment.amount,
      refundedFen: refunds
        .filter(r => r.outTradeNo === trade?.outTradeNo)
        .reduce((sum, r) => sum + r.amountFen, 0),
    };
  });
  const otherLive = payments.some(p => !ours.includes(p) && PAYMENT_STATE[p.state] !== undefined);
  const blocker = shipmentBlocker(money, { otherLivePayments: otherLive });
  return blocker ? bilingualLine(blocker) : undefined;
}

const PAID_WHILE_CANCELLING =
  'Alipay’s payment for this order arrived while it was being cancelled: reload the order, then refund or cancel its payment before cancelling it / ' +
  '取消订单的同时收到了该订单的支付宝付款：请刷新订单，先退款或取消该付款，再取消订单';

/**
 * Why the order must not be cancelled now, or undefined: a payment was added to it (by an Alipay event on
 * another server instance) after this cancellation loaded it.
 *
 * Vendure's `cancelOrder` loads the order with its payments, then saves it; saving an order whose loaded
 * `payments` miss a payment committed meanwhile detaches that payment from the order (TypeORM nullifies
 * the children it did not load), so the shop would record the buyer's money nowhere. On PostgreSQL two
 * server instances run the two transactions side by side; here the cancellation first takes the row
 * locks of the order's Alipay trades, which every Alipay event of a trade takes too
 * (`AlipayEventLedger.lockTrade`): an event that committed first is then seen, and refused for; an event
 * that comes later waits, then finds the order cancelled and records an orphan payment. (On SQLite one
 * writer serialises everything already.)
 */
async function paidWhileCancelling(ctx: RequestContext, order: Order): Promise<string | undefined> {
  if (!connection || !order.payments) return undefined;
  if (SINGLE_CONNECTION_DATABASES.has(String(connection.rawConnection.options.type))) return undefined;
  await connection
    .getRepository(ctx, AlipayTrade)
    .createQueryBuilder('trade')
    .setLock('pessimistic_write')
    .select('trade.id')
    .where('trade.orderId = :orderId', { orderId: order.id })
    .getRawMany();
  const loaded = new Set(order.payments.map(p => String(p.id)));
  const now = await connection.getRepository(ctx, Payment).find({ where: { order: { id: order.id } } });
  const arrived = now.some(p => !loaded.has(String(p.id)) && !DEAD_PAYMENT_STATES.includes(p.state));
  return arrived ? PAID_WHILE_CANCELLING : undefined;
}

/**
 * Lets an order paid into Alipay escrow (担保交易, or 标准双接口 paid into escrow) be shipped, and only
 * while Alipay still holds or has released its money.
 *
 * The money of an escrow trade reaches the seller only after the buyer confirms receipt, and the
 * buyer can only confirm what was shipped: the order has to be shipped while its payment is still
 * `Authorized`. Vendure's default order process ships only from `PaymentSettled` (its admin disables
 * "Fulfill order" in `PaymentAuthorized`), so this process adds `PaymentAuthorized → PartiallyShipped
 * | Shipped` for orders whose money is held by Alipay escrow only: other payments keep Vendure's
 * behaviour. An Alipay-paid order whose trade Alipay closed or refunded in full does not ship at all.
 *
 * It also keeps a cancellation from losing a payment that another server instance added meanwhile
 * (see `paidWhileCancelling`).
 */
export const alipayEscrowOrderProcess: OrderProcess<'PaymentAuthorized'> = {
  transitions: {
    PaymentAuthorized: { to: ['PartiallyShipped', 'Shipped'] },
  },
  init,

  async onTransitionStart(fromState, toState, { ctx, order }) {
    if (toState === 'Cancelled') return (await paidWhileCancelling(ctx, order)) ?? true;
    if (toState !== 'PartiallyShipped' && toState !== 'Shipped') return true;
    if (fromState === 'PaymentAuthorized' && !isHeldInAlipayEscrow(order.payments ?? [])) return ESCROW_ONLY;
    return (await alipayShipmentRefusal(ctx, order)) ?? true;
  },
};

/**
 * Refuses to create or ship a fulfillment of an order whose Alipay money is no longer held (the trade
 * was closed or refunded in full on Alipay): the goods would go out for money that went back. Other
 * orders keep Vendure's behaviour.
 */
export const alipayFulfillmentProcess: FulfillmentProcess<never> = {
  init,

  async onTransitionStart(_fromState, toState, { ctx, orders }) {
    if (toState !== 'Pending' && toState !== 'Shipped') return true;
    for (const order of orders) {
      const refusal = await alipayShipmentRefusal(ctx, order);
      if (refusal) return refusal;
    }
    return true;
  },
};
