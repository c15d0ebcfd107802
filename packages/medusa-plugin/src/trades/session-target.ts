/**
 * Reading the Medusa side of a payment with `query`: the session (found from the trade's `out_trade_no`
 * through the stored mapping), its payment, the cart and the order. Used by the notify route, the
 * reconciliation job and the trusted sales channel middleware, always from the application container.
 *
 * @packageDocumentation
 */
import type { MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type AlipayModuleService from '../modules/alipay/service';
import type { TradeStartRow } from '../modules/alipay/trade-store';

/**
 * The payment session an Alipay trade belongs to, with what processing needs to decide. When Medusa
 * deleted the session (a new attempt replaced it, the admin deleted the payment collection) it is
 * rebuilt from what is left: the session's payment (its `data` is a copy of the session's), else the
 * trade's `alipay_trade_start` row — then without a cart or an order, since no payment can be added for
 * a session that is gone.
 */
export interface SessionTarget {
  /** The trade's `out_trade_no` the target was loaded for. */
  outTradeNo: string;
  /** The Medusa payment session the trade was started for (its `alipay_trade_start.session_id`). */
  sessionId: string;
  /** `null` for a live session; else what the target was rebuilt from. */
  deleted: null | 'payment' | 'trade_start';
  providerId: string;
  /** Major units, as stored by Medusa. */
  amount: unknown;
  currencyCode: string;
  status: string;
  data: Record<string, unknown>;
  paymentCollectionId: string;
  /** The session's payment; `amount` in major units, as stored by Medusa. */
  payment: { id: string; amount: unknown; capturedAt: string | null; canceledAt: string | null } | null;
  cartId: string | null;
  /** The cart's sales channel, read from the cart itself. */
  cartSalesChannelId: string | null;
  /** The order: the cart's once completed, or the one a cart-less collection belongs to (order edits). */
  orderId: string | null;
  /** Live (not canceled) payments of the same collection made from other sessions. */
  otherLivePayments: number;
}

interface Query {
  graph(input: {
    entity: string;
    fields: string[];
    filters?: Record<string, unknown>;
    pagination?: { take?: number; skip?: number; order?: Record<string, 'ASC' | 'DESC'> };
  }): Promise<{ data: Array<Record<string, unknown>> }>;
}

function queryOf(container: MedusaContainer): Query {
  return container.resolve(ContainerRegistrationKeys.QUERY) as unknown as Query;
}

/** The cart a payment collection belongs to (`null` for collections without a cart, e.g. order edits). */
export async function cartOfPaymentCollection(
  container: MedusaContainer,
  paymentCollectionId: string,
): Promise<{ cartId: string; salesChannelId: string | null } | null> {
  const query = queryOf(container);
  const { data: links } = await query.graph({
    entity: 'cart_payment_collection',
    fields: ['cart_id'],
    filters: { payment_collection_id: paymentCollectionId },
  });
  const cartId = links[0]?.cart_id as string | undefined;
  if (!cartId) return null;
  const { data: carts } = await query.graph({
    entity: 'cart',
    fields: ['id', 'sales_channel_id'],
    filters: { id: cartId },
  });
  return { cartId, salesChannelId: (carts[0]?.sales_channel_id as string | null | undefined) ?? null };
}

/** The order created from a cart, if any. */
export async function orderOfCart(container: MedusaContainer, cartId: string): Promise<string | null> {
  const { data } = await queryOf(container).graph({
    entity: 'order_cart',
    fields: ['order_id'],
    filters: { cart_id: cartId },
  });
  return (data[0]?.order_id as string | undefined) ?? null;
}

/**
 * What an `out_trade_no` of this plugin looks like: the core's `newOutTradeNo` (`at` + 30 hex digits)
 * or, for trades started before issue 15, a Medusa payment session ID. Anything else cannot be one of
 * our trades and is not looked up. Only the shape is checked: the number means nothing by itself.
 */
export const OUR_OUT_TRADE_NO = /^(?:at[0-9a-f]{30}|payses_[0-9A-Za-z]+)$/;

/**
 * The payment session ID of the trade `outTradeNo`: the one its start record maps it to. Since issue 15
 * an `out_trade_no` is random (the core's `newOutTradeNo`) and public, so only this stored mapping
 * leads from it to the session. A trade without a start record was started before those were kept,
 * when the `out_trade_no` was the session ID itself: that number is then taken as the session ID (it
 * matches no session otherwise). Rows kept before the mapping existed were mapped by a migration.
 */
export async function sessionIdOfTrade(container: MedusaContainer, outTradeNo: string): Promise<string> {
  const start = await settingsOf(container).getTradeStart(outTradeNo);
  return start?.session_id ?? outTradeNo;
}

/**
 * What a target is read from, the same on a payment session and on the payment Medusa keeps of a
 * deleted one (it copies the session's amount, currency, `data` and collection).
 */
const TARGET_FIELDS = [
  'id',
  'provider_id',
  'amount',
  'raw_amount',
  'currency_code',
  'data',
  'payment_collection_id',
];

/** The payment's own fields a target reports (see `PaymentFields`). */
const PAYMENT_FIELDS = ['id', 'amount', 'raw_amount', 'captured_at', 'canceled_at'];

function settingsOf(container: MedusaContainer): AlipayModuleService {
  return container.resolve<AlipayModuleService>(ALIPAY_MODULE);
}

/**
 * Everything about the payment session of the trade `outTradeNo` (found with {@link sessionIdOfTrade});
 * when Medusa deleted the session, what its payment or the trade's start record still tell (see
 * {@link SessionTarget}). `null` when none of them exists: not a trade of this shop, or one started
 * before start records were kept whose session and payment are gone.
 */
export async function loadSessionTarget(
  container: MedusaContainer,
  outTradeNo: string,
): Promise<SessionTarget | null> {
  const start = await settingsOf(container).getTradeStart(outTradeNo);
  // Trades started before issue 15 were named by their session's ID (see sessionIdOfTrade).
  const sessionId = start?.session_id ?? outTradeNo;
  // Taken as a session ID, the number must be that session's own trade: a session ID is never an alias
  // of the random out_trade_no its session has now.
  const names = (data: unknown) =>
    Boolean(start?.session_id) || (data as Record<string, unknown> | null)?.out_trade_no === outTradeNo;
  const { data } = await queryOf(container).graph({
    entity: 'payment_session',
    fields: [...TARGET_FIELDS, 'status', ...PAYMENT_FIELDS.map(field => `payment.${field}`)],
    filters: { id: sessionId },
  });
  const session = data[0];
  if (session && !names(session.data)) return null;
  if (session) {
    const payment = session.payment as PaymentFields | null | undefined;
    return withCollection(container, {
      outTradeNo,
      sessionId,
      deleted: null,
      providerId: session.provider_id as string,
      amount: session.raw_amount ?? session.amount,
      currencyCode: String(session.currency_code ?? ''),
      status: String(session.status ?? ''),
      data: (session.data as Record<string, unknown> | null) ?? {},
      paymentCollectionId: session.payment_collection_id as string,
      payment: payment?.id ? paymentOf(payment) : null,
    });
  }
  const paid = await targetOfPayment(container, outTradeNo, sessionId);
  if (paid) return names(paid.data) ? paid : null;
  return start ? targetOfTradeStart(outTradeNo, sessionId, start) : null;
}

type PaymentFields = {
  id: string;
  amount: unknown;
  raw_amount: unknown;
  captured_at: unknown;
  canceled_at: unknown;
};

function paymentOf(payment: PaymentFields): NonNullable<SessionTarget['payment']> {
  return {
    id: payment.id,
    amount: payment.raw_amount ?? payment.amount,
    capturedAt: payment.captured_at ? String(payment.captured_at) : null,
    canceledAt: payment.canceled_at ? String(payment.canceled_at) : null,
  };
}

/** A deleted session's payment (Medusa keeps it, with a copy of the session's `data`), as its target. */
async function targetOfPayment(
  container: MedusaContainer,
  outTradeNo: string,
  sessionId: string,
): Promise<SessionTarget | null> {
  const { data } = await queryOf(container).graph({
    entity: 'payment',
    fields: [...new Set([...TARGET_FIELDS, ...PAYMENT_FIELDS])],
    filters: { payment_session_id: sessionId },
  });
  const payment = data[0];
  if (!payment) return null;
  return withCollection(container, {
    outTradeNo,
    sessionId,
    deleted: 'payment',
    providerId: payment.provider_id as string,
    amount: payment.raw_amount ?? payment.amount,
    currencyCode: String(payment.currency_code ?? ''),
    status: 'deleted',
    data: (payment.data as Record<string, unknown> | null) ?? {},
    paymentCollectionId: payment.payment_collection_id as string,
    payment: paymentOf(payment as unknown as PaymentFields),
  });
}

/**
 * A deleted session without a payment, from the trade's start record: its scope, origin and amount, and
 * neither cart nor order (the core then sees a missing order: the money is an orphan payment).
 */
function targetOfTradeStart(outTradeNo: string, sessionId: string, start: TradeStartRow): SessionTarget {
  return {
    outTradeNo,
    sessionId,
    deleted: 'trade_start',
    providerId: start.provider_id,
    amount: start.amount,
    currencyCode: 'cny',
    status: 'deleted',
    data: { ...start.origin, session_id: sessionId, out_trade_no: outTradeNo, amount: start.amount },
    paymentCollectionId: '',
    payment: null,
    cartId: null,
    cartSalesChannelId: null,
    orderId: null,
    otherLivePayments: 0,
  };
}

/** Completes a target with its collection's cart, order and other live payments. */
async function withCollection(
  container: MedusaContainer,
  target: Omit<SessionTarget, 'cartId' | 'cartSalesChannelId' | 'orderId' | 'otherLivePayments'>,
): Promise<SessionTarget> {
  const { paymentCollectionId, sessionId } = target;
  const cart = await cartOfPaymentCollection(container, paymentCollectionId);
  const { data: payments } = await queryOf(container).graph({
    entity: 'payment',
    fields: ['id', 'payment_session_id', 'canceled_at'],
    filters: { payment_collection_id: paymentCollectionId },
  });
  return {
    ...target,
    cartId: cart?.cartId ?? null,
    cartSalesChannelId: cart?.salesChannelId ?? null,
    orderId: cart
      ? await orderOfCart(container, cart.cartId)
      : await orderOfPaymentCollection(container, paymentCollectionId),
    otherLivePayments: payments.filter(p => p.payment_session_id !== sessionId && !p.canceled_at).length,
  };
}

/** The order a payment collection without a cart belongs to (an order edit's), if any. */
export async function orderOfPaymentCollection(
  container: MedusaContainer,
  paymentCollectionId: string,
): Promise<string | null> {
  const { data } = await queryOf(container).graph({
    entity: 'order_payment_collection',
    fields: ['order_id'],
    filters: { payment_collection_id: paymentCollectionId },
  });
  return (data[0]?.order_id as string | undefined) ?? null;
}

/** Runs a `query.graph` call (for callers that need other entities). */
export function graph(container: MedusaContainer, input: Parameters<Query['graph']>[0]) {
  return queryOf(container).graph(input);
}
