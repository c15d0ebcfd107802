import type { RefundRow } from '../src/modules/alipay/refund-store';
import type { VerifiedTrade } from '../src/modules/alipay/trade-store';
import type { SessionTarget } from '../src/trades/session-target';
import { tradeFacts, type VerifiedLifecycleEvent } from '../src/trades/trade-lifecycle';

const event: VerifiedLifecycleEvent = {
  outTradeNo: 'payses_1',
  tradeNo: '2026120622000001',
  status: 'paid',
  alipayStatus: 'TRADE_SUCCESS',
  amountFen: 3500,
  source: 'notify',
};

function session(overrides: Partial<SessionTarget> = {}): SessionTarget {
  return {
    outTradeNo: 'at0123456789abcdef0123456789abcd',
    sessionId: 'payses_1',
    deleted: null,
    providerId: 'pp_alipay_alipay',
    amount: { value: '35', precision: 20 },
    currencyCode: 'cny',
    status: 'pending',
    data: { amount: '35.00' },
    paymentCollectionId: 'pay_col_1',
    payment: null,
    cartId: 'cart_1',
    cartSalesChannelId: null,
    orderId: null,
    otherLivePayments: 0,
    ...overrides,
  };
}

const stored = {
  alipay_status: 'WAIT_SELLER_SEND_GOODS',
  trade_no: '2026120622000001',
  total_amount: '35.00',
  orphan_reason: null,
} as VerifiedTrade;

describe('tradeFacts (Medusa state as the core lifecycle reads it)', () => {
  it('no session: the order does not exist; nothing recorded yet is CREATED', () => {
    const facts = tradeFacts(event, null, null, []);
    expect(facts.order).toMatchObject({ exists: false, payable: false });
    expect(facts.trade).toEqual({ recordedStatus: 'CREATED', tradeNo: null, amountFen: 3500, orphan: null });
    expect(facts.payment).toBeNull();
  });

  it('an open cart owes the session amount; the recorded status is Alipay’s text', () => {
    const facts = tradeFacts(event, session(), stored, []);
    expect(facts.order).toEqual({
      exists: true,
      cancelled: false,
      currency: 'cny',
      payable: true,
      owedFen: 3500,
      paidOtherwise: false,
    });
    expect(facts.trade.recordedStatus).toBe('WAIT_SELLER_SEND_GOODS');
  });

  it('another session of the cart has a live payment: paid otherwise, not payable (never two payments)', () => {
    expect(tradeFacts(event, session({ otherLivePayments: 1 }), null, []).order).toMatchObject({
      exists: true,
      payable: false,
      paidOtherwise: true,
    });
  });

  it('a session whose collection belongs to no cart and no order (deleted by the admin): the order is gone', () => {
    expect(tradeFacts(event, session({ cartId: null }), null, []).order).toMatchObject({ exists: false });
    expect(tradeFacts(event, session({ cartId: null, orderId: 'order_1' }), null, []).order).toMatchObject({
      exists: true,
    });
  });

  it('a session Medusa deleted: known from its start record, the order is gone (no payment can be added)', () => {
    const gone = session({ deleted: 'trade_start', cartId: null, paymentCollectionId: '' });
    const facts = tradeFacts(event, gone, null, []);
    expect(facts.order).toMatchObject({ exists: false, payable: false });
    expect(facts.trade.amountFen).toBe(3500);
    // Even if a cart were attached, a payment cannot be added for a session that is gone.
    expect(tradeFacts(event, { ...gone, cartId: 'cart_1' }, null, []).order).toMatchObject({ exists: false });
  });

  it('a session Medusa deleted after its payment was made: the payment and its order stay the facts', () => {
    const payment = { id: 'pay_1', amount: '35', capturedAt: null, canceledAt: null };
    const facts = tradeFacts(event, session({ deleted: 'payment', payment, orderId: 'order_1' }), stored, []);
    expect(facts.payment).toEqual({ state: 'authorized', amountFen: 3500 });
    expect(facts.order).toMatchObject({ exists: true, paidOtherwise: false });
  });

  it('a cart completed with another session’s payment is paid otherwise', () => {
    expect(tradeFacts(event, session({ orderId: 'order_1' }), null, []).order).toMatchObject({
      payable: false,
      paidOtherwise: true,
    });
  });

  it('maps the payment: captured → settled, cancelled → cancelled, else authorized', () => {
    const payment: NonNullable<SessionTarget['payment']> = {
      id: 'pay_1',
      amount: '35',
      capturedAt: null,
      canceledAt: null,
    };
    const state = (p: NonNullable<SessionTarget['payment']>) =>
      tradeFacts(event, session({ payment: p, orderId: 'order_1' }), stored, []).payment;
    expect(state(payment)).toEqual({ state: 'authorized', amountFen: 3500 });
    expect(state({ ...payment, capturedAt: '2026-12-05' })).toEqual({ state: 'settled', amountFen: 3500 });
    expect(state({ ...payment, canceledAt: '2026-12-05' })?.state).toBe('cancelled');
  });

  it('reads the refund ledger in fen', () => {
    const row = {
      id: 'alirefund_1',
      request_no: 'rf1',
      amount: '10.50',
      status: 'uncertain',
      origin: 'shop',
    } as RefundRow;
    expect(tradeFacts(event, session(), stored, [row]).refunds).toEqual([
      { id: 'alirefund_1', requestNo: 'rf1', amountFen: 1050, status: 'uncertain', origin: 'shop' },
    ]);
  });
});
