import { describe, expect, it } from 'vitest';
import { SHIPMENT_REFUSED, SHIPMENT_UNPAID, type ShipmentMoney, shipmentBlocker } from '../../src/lifecycle';

const money = (
  recordedStatus: string,
  paymentState: ShipmentMoney['paymentState'],
  refundedFen = 0,
): ShipmentMoney => ({
  recordedStatus,
  paymentState,
  amountFen: 1000,
  refundedFen,
});

describe('shipmentBlocker', () => {
  it('ships while Alipay holds or has released the money', () => {
    expect(shipmentBlocker([money('WAIT_SELLER_SEND_GOODS', 'authorized')])).toBeUndefined();
    expect(shipmentBlocker([money('WAIT_BUYER_CONFIRM_GOODS', 'authorized')])).toBeUndefined();
    expect(shipmentBlocker([money('TRADE_SUCCESS', 'settled', 400)])).toBeUndefined();
    expect(shipmentBlocker([money('TRADE_FINISHED', 'settled')])).toBeUndefined();
  });

  it('refuses once the trade was closed or refunded in full, or the payment cancelled', () => {
    expect(shipmentBlocker([money('TRADE_CLOSED', 'cancelled')])).toBe(SHIPMENT_REFUSED);
    expect(shipmentBlocker([money('TRADE_CLOSED', 'authorized')])).toBe(SHIPMENT_REFUSED);
    expect(shipmentBlocker([money('TRADE_SUCCESS', 'settled', 1000)])).toBe(SHIPMENT_REFUSED);
    expect(shipmentBlocker([money('WAIT_SELLER_SEND_GOODS', 'cancelled')])).toBe(SHIPMENT_REFUSED);
  });

  it('refuses an order whose Alipay payments were started but none was paid', () => {
    expect(shipmentBlocker([], { alipayTrades: 2 })).toBe(SHIPMENT_UNPAID);
  });

  it('has no opinion on orders without anything of Alipay, or paid by something else too', () => {
    expect(shipmentBlocker([])).toBeUndefined();
    expect(
      shipmentBlocker([money('TRADE_CLOSED', 'cancelled')], { otherLivePayments: true }),
    ).toBeUndefined();
    expect(shipmentBlocker([], { alipayTrades: 1, otherLivePayments: true })).toBeUndefined();
  });
});
