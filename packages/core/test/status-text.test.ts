import { describe, expect, it } from 'vitest';
import * as lifecycle from '../src/lifecycle/index';
import * as vocabulary from '../src/settings-fields';

const { ATTEMPT_STATUS_TEXT, REFUND_STATUS_TEXT, TRADE_STATUS_TEXT, recordedStatusText } = vocabulary;

/** English and Chinese both present. */
function expectBilingual(text: { en: string; zh: string } | undefined, what: string): void {
  expect(text?.en, what).toMatch(/\S/);
  expect(text?.zh, what).toMatch(/\p{Script=Han}/u);
}

describe('status texts (admin vocabulary)', () => {
  it('names every trade status, attempt state and shop refund status in English and Chinese', () => {
    expect(Object.keys(TRADE_STATUS_TEXT)).toEqual([...lifecycle.TRADE_STATUS_ORDER]);
    expect(Object.keys(REFUND_STATUS_TEXT).sort()).toEqual([...lifecycle.SHOP_REFUND_STATUSES].sort());
    for (const [status, text] of [
      ...Object.entries(TRADE_STATUS_TEXT),
      ...Object.entries(ATTEMPT_STATUS_TEXT),
      ...Object.entries(REFUND_STATUS_TEXT),
    ]) {
      expectBilingual(text, status);
    }
  });

  it('reads a recorded status: Alipay’s name through the trade status, or an attempt state', () => {
    expect(recordedStatusText('WAIT_SELLER_SEND_GOODS')).toBe(TRADE_STATUS_TEXT.paid_awaiting_shipment);
    expect(recordedStatusText('TRADE_PENDING')).toBe(TRADE_STATUS_TEXT.waiting_payment);
    expect(recordedStatusText('CREATED')).toBe(TRADE_STATUS_TEXT.waiting_payment);
    expect(recordedStatusText('SUPERSEDED')).toBe(ATTEMPT_STATUS_TEXT.SUPERSEDED);
    // Inherited names are not statuses.
    for (const status of ['constructor', 'toString', '__proto__', 'UNKNOWN']) {
      expect(recordedStatusText(status)).toBeUndefined();
    }
  });
});
