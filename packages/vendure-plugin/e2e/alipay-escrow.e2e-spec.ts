import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { useShop } from './alipay-shop-fixture';
import { startCheckoutShop } from './checkout-fixture';
import { CANCEL_PAYMENT, SETTLE_PAYMENT } from './graphql-documents';
import { control, deliveriesFor, eventually, payAsBuyer, sandboxTrade } from './sandbox-steps';
import {
  adminOrder,
  createIntent,
  intentAnswers,
  notesOf,
  open,
  prepareOrder,
  shipOrder,
} from './shop-steps';

/**
 * Legacy escrow (担保交易) against the sandbox: paid into escrow, shipment confirmed to Alipay by the job
 * queue, settled once the buyer confirms receipt; refused and failing shipment confirmations, and what an
 * admin may do with an escrow payment.
 */
describe('Alipay checkout, legacy escrow', () => {
  const shop = useShop(() => startCheckoutShop('alipay-escrow'));

  it('legacy 担保交易: Authorized → shipment confirmed to Alipay → buyer confirms receipt → Settled', async () => {
    const { code, totalWithTax } = await prepareOrder(shop.env.shopClient, { arrange: true });
    const intent = await createIntent(shop.env.shopClient, 'alipay-escrow');
    expect(new URL(intent.url as string).searchParams.get('service')).toBe('create_partner_trade_by_buyer');
    const outTradeNo = intent.outTradeNo as string;
    const cashier = await open(intent.url as string);
    expect((await open(cashier.location as string)).status).toBe(200);
    const paid = await payAsBuyer(shop.sandbox, { outTradeNo, partner: shop.partner });
    expect(paid.trade.status).toBe('WAIT_SELLER_SEND_GOODS');

    let order = await adminOrder(shop.env.adminClient, code);
    expect(order.state).toBe('PaymentAuthorized');
    expect(order.payments.map(p => [p.state, p.amount])).toEqual([['Authorized', totalWithTax]]);
    const paymentId = order.payments[0]?.id;

    // An admin "settle" cannot release escrow money: Alipay only does so once the buyer confirms.
    const { settlePayment } = await shop.env.adminClient.query(SETTLE_PAYMENT, { id: paymentId });
    expect(settlePayment.__typename).toBe('SettlePaymentError');
    expect(settlePayment.paymentErrorMessage).toContain('the buyer must confirm receipt on Alipay first');
    expect(settlePayment.paymentErrorMessage).toContain('买家须先在支付宝确认收货');
    expect((await adminOrder(shop.env.adminClient, code)).payments[0]?.state).toBe('Authorized');

    const { fulfillment, transition } = await shipOrder(shop.env.adminClient, code, 'SF1234567890');
    expect(fulfillment.__typename, JSON.stringify(fulfillment)).toBe('Fulfillment');
    expect(transition).toEqual({ __typename: 'Fulfillment', state: 'Shipped' });
    // The plugin's order process ships an order whose money Alipay holds in escrow (Vendure's own
    // process would keep it PaymentAuthorized, and its admin would not offer "Fulfill order").
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('Shipped');

    // The job queue confirms the shipment (send_goods_confirm_by_platform) to the sandbox.
    const shipped = await eventually(async () => {
      const trade = await sandboxTrade(shop.sandbox, outTradeNo);
      return trade.status === 'WAIT_BUYER_CONFIRM_GOODS' ? trade : undefined;
    });
    expect(JSON.stringify(shipped.shipment)).toContain('SF1234567890');
    order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      const notes = notesOf(current).join('\n');
      return notes.includes('confirmed to Alipay') && notes.includes('waiting for the buyer')
        ? current
        : undefined;
    });
    expect(notesOf(order).join('\n')).toContain('SF Express (SF1234567890)');
    expect(order.payments[0]?.state).toBe('Authorized');

    // The Dashboard's Alipay panel reads the order's trades through alipayOrder (issue 17 item 6).
    const { alipayOrder } = await shop.env.adminClient.query(
      gql`
        query ($orderId: ID!) {
          alipayOrder(orderId: $orderId) {
            trades { outTradeNo tradeNo paymentMethodCode interfaceType status amount refundedAmount shipmentConfirmedAt orphanReason }
            refunds { requestNo status }
          }
        }
      `,
      { orderId: order.id },
    );
    expect(alipayOrder.trades).toEqual([
      {
        outTradeNo,
        tradeNo: shipped.tradeNo,
        paymentMethodCode: 'alipay-escrow',
        interfaceType: 'legacy-escrow',
        status: 'WAIT_BUYER_CONFIRM_GOODS',
        amount: totalWithTax,
        refundedAmount: 0,
        shipmentConfirmedAt: expect.any(String),
        orphanReason: null,
      },
    ]);
    expect(alipayOrder.refunds).toEqual([]);

    const confirmed = await control(shop.sandbox, 'POST', 'confirm-receipt', {
      outTradeNo,
      partner: shop.partner,
    });
    expect(confirmed.status).toBe(200);
    order = await eventually(async () => {
      const current = await adminOrder(shop.env.adminClient, code);
      return current.payments[0]?.state === 'Settled' ? current : undefined;
    });
    // Settled after shipping: the order stays Shipped (Vendure moves on from there to Delivered).
    expect(order.state).toBe('Shipped');
    expect(notesOf(order).join('\n')).toContain('the buyer confirmed receipt (TRADE_FINISHED)');
    const statuses = (await deliveriesFor(shop.sandbox, outTradeNo)).map(
      d => `${d.params.trade_status}:${d.answer}`,
    );
    expect(statuses).toEqual([
      'WAIT_BUYER_PAY:success',
      'WAIT_SELLER_SEND_GOODS:success',
      'WAIT_BUYER_CONFIRM_GOODS:success',
      'TRADE_FINISHED:success',
    ]);
  });

  describe('escrow edge cases', () => {
    it('a shipment confirmation Alipay refuses at first is retried by the job queue until it succeeds', async () => {
      const { code, outTradeNo } = await shop.escrowOrder();
      await control(shop.sandbox, 'POST', 'faults', {
        scope: { partner: shop.partner },
        fault: 'gateway-500',
        count: 2,
      });
      await shop.ship(code, 'SF-RETRY-1');
      const notes = await eventually(async () => {
        const current = notesOf(await adminOrder(shop.env.adminClient, code)).join('\n');
        return current.includes('confirmed to Alipay') ? current : undefined;
      });
      expect(notes).toContain('SF-RETRY-1');
      expect((await sandboxTrade(shop.sandbox, outTradeNo)).status).toBe('WAIT_BUYER_CONFIRM_GOODS');
      const retries = shop.env.logger
        .plugin()
        .filter(l => l.message.includes(outTradeNo) && l.message.includes('will retry'));
      expect(retries.map(l => l.message.match(/attempt (\d) of 3/)?.[1])).toEqual(['1', '2']);
    });

    it('a shipment confirmation that keeps failing is written to the order history', async () => {
      const { code, outTradeNo } = await shop.escrowOrder();
      await control(shop.sandbox, 'POST', 'faults', {
        scope: { partner: shop.partner },
        fault: 'gateway-500',
      });
      await shop.ship(code, 'SF-FAIL-1');
      const note = await eventually(async () =>
        notesOf(await adminOrder(shop.env.adminClient, code)).find(n =>
          n.includes('confirming the shipment failed'),
        ),
      );
      expect(note).toContain('after 3 attempt(s)');
      expect(note).toContain('请在支付宝商家中心手动发货');
      await control(shop.sandbox, 'DELETE', 'faults');
      expect((await sandboxTrade(shop.sandbox, outTradeNo)).status).toBe('WAIT_SELLER_SEND_GOODS');
    });

    it('cancelling an escrow payment is refused (Alipay will not close a paid trade); settle works once Alipay says TRADE_FINISHED', async () => {
      const { code, outTradeNo } = await shop.escrowOrder();
      const paymentId = (await adminOrder(shop.env.adminClient, code)).payments[0]?.id;
      const { cancelPayment } = await shop.env.adminClient.query(CANCEL_PAYMENT, { id: paymentId });
      expect(cancelPayment.__typename).toBe('CancelPaymentError');
      expect(cancelPayment.paymentErrorMessage).toContain(
        'A paid trade cannot be closed: refund it instead.',
      );
      expect((await adminOrder(shop.env.adminClient, code)).payments[0]?.state).toBe('Authorized');

      // Shipped and received, but the TRADE_FINISHED notification is lost.
      await shop.ship(code, 'SF-SETTLE-1');
      await eventually(
        async () => (await sandboxTrade(shop.sandbox, outTradeNo)).status === 'WAIT_BUYER_CONFIRM_GOODS',
      );
      await control(shop.sandbox, 'POST', 'faults', { scope: { outTradeNo }, fault: 'drop-notify' });
      await control(shop.sandbox, 'POST', 'confirm-receipt', { outTradeNo, partner: shop.partner });
      expect((await sandboxTrade(shop.sandbox, outTradeNo)).status).toBe('TRADE_FINISHED');
      // The admin's "settle" asks Alipay, which says TRADE_FINISHED: settled.
      const { settlePayment } = await shop.env.adminClient.query(SETTLE_PAYMENT, { id: paymentId });
      expect(settlePayment).toEqual({ __typename: 'Payment', state: 'Settled' });
      expect((await adminOrder(shop.env.adminClient, code)).state).toBe('Shipped');
      await control(shop.sandbox, 'DELETE', 'faults');
    });
  });

  it('no secret in any intent answer or log line; every plugin line names the order and the trade', () => {
    expect(intentAnswers.length).toBeGreaterThan(0);
    shop.expectSafeLogs({ alsoIn: intentAnswers, minLines: 0 });
  });
});
