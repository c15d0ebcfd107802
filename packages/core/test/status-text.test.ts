import { describe, expect, it } from 'vitest';
import { FINAL_REFUND_STATUSES, SHOP_REFUND_STATUSES } from '../src/lifecycle/index';
import {
  ATTEMPT_STATUS_TEXT,
  REFUND_STATUS_TEXT,
  recordedStatusText,
  TRADE_STATUS_TEXT,
} from '../src/settings-fields';

describe('status texts (admin vocabulary)', () => {
  it('names every recorded status in English and Chinese, and nothing else', () => {
    for (const status of [
      'WAIT_BUYER_PAY',
      'TRADE_PENDING',
      'WAIT_SELLER_SEND_GOODS',
      'WAIT_BUYER_CONFIRM_GOODS',
      'TRADE_SUCCESS',
      'TRADE_FINISHED',
      'TRADE_CLOSED',
      ...Object.keys(ATTEMPT_STATUS_TEXT),
    ]) {
      const text = recordedStatusText(status);
      expect(text?.en, status).toMatch(/\S/);
      expect(text?.zh, status).toMatch(/\p{Script=Han}/u);
    }
    expect(recordedStatusText('WAIT_SELLER_SEND_GOODS')).toBe(TRADE_STATUS_TEXT.paid_awaiting_shipment);
    expect(recordedStatusText('CREATED')).toBe(TRADE_STATUS_TEXT.waiting_payment);
    // Inherited names are not statuses.
    for (const status of ['constructor', 'toString', '__proto__', 'UNKNOWN']) {
      expect(recordedStatusText(status)).toBeUndefined();
    }
  });

  it('names every shop refund status', () => {
    expect(Object.keys(REFUND_STATUS_TEXT).sort()).toEqual([...SHOP_REFUND_STATUSES].sort());
    for (const status of FINAL_REFUND_STATUSES) expect(REFUND_STATUS_TEXT[status].en).toMatch(/\S/);
  });
});
