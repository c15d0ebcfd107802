import { describe, expect, it } from 'vitest';
import { SHIPMENT_REFUSED, type ShipmentMoney, shipmentBlocker } from '../../src';

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

  it('has no opinion on orders without an Alipay payment, or paid by something else too', () => {
    expect(shipmentBlocker([])).toBeUndefined();
    expect(shipmentBlocker([money('TRADE_CLOSED', 'cancelled')], true)).toBeUndefined();
  });
});
