import { describe, expect, it } from 'vitest';
import { ACK, antomSuite, merchantVerify, signatureOf } from './antom-merchant';

/**
 * Antom notifications as the merchant's notify endpoint receives them: signed JSON (headers client-id,
 * request-time, signature over `POST <notify path>\n<client-id>.<request-time>.<body>`), retried on
 * Antom's schedule (0 s, 2 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h) on the sandbox clock until the exact
 * acknowledgement.
 */

const suite = antomSuite('AN');
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('Antom notifications', () => {
  it('notifies PAYMENT_RESULT, signed by the sandbox Antom key over the notify path', async () => {
    const { paymentId, paymentRequestId } = await suite.paid();
    const [notification] = suite.receiver.about(paymentRequestId);
    expect(notification).toBeDefined();
    expect(notification!.path).toBe('/antom/notify');
    expect(notification!.json).toMatchObject({
      notifyType: 'PAYMENT_RESULT',
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
      paymentRequestId,
      paymentId,
      paymentAmount: { currency: 'USD', value: '1234' },
      paymentQuote: { quoteCurrencyPair: 'USD/CNY', quotePrice: '7.2' },
    });
    expect(notification!.json.paymentTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const { headers } = notification!;
    expect(headers['client-id']).toBe(suite.client().clientId);
    const signature = signatureOf(String(headers['signature']));
    const text = `POST /antom/notify\n${headers['client-id']}.${headers['request-time']}.${notification!.raw}`;
    expect(merchantVerify(text, signature!, suite.client().antomPublicKey)).toBe(true);
    // The merchant's own key does not verify it: it is the sandbox's Antom key.
    expect(merchantVerify(text, signature!, suite.client().publicKey)).toBe(false);

    const deliveries = await suite.base.control.deliveries({
      clientId: suite.client().clientId,
      tradeNo: paymentId,
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      generation: 'antom',
      kind: 'PAYMENT_RESULT',
      outcome: 'success',
      attempt: 1,
      outTradeNos: [paymentRequestId],
    });
  });

  it('retries on 0 s, 2 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h while the answer is a near miss, then gives up', async () => {
    // A near miss: the right JSON with "Success" capitalised.
    suite.receiver.fallback = ACK.replace('"success"', '"Success"');
    const { paymentId, paymentRequestId } = await suite.paid();
    const attempts = async () =>
      (await suite.base.control.deliveries({ tradeNo: paymentId })).map(d => ({
        at: d.at,
        outcome: d.outcome,
      }));
    expect(await attempts()).toHaveLength(1);
    expect((await attempts())[0]!.outcome).toBe('rejected');
    await suite.base.control.advanceClock(2 * MIN - 1000);
    expect(await attempts()).toHaveLength(1);
    await suite.base.control.advanceClock(1000);
    expect(await attempts()).toHaveLength(2);
    // Each retry is due its interval after the previous attempt ended (a few real ms later): a little slack.
    for (const interval of [10 * MIN, 10 * MIN, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR])
      await suite.base.control.advanceClock(interval + 5000);
    const all = await attempts();
    expect(all).toHaveLength(8);
    const gaps = all.slice(1).map((d, i) => Math.round((d.at - all[i]!.at) / 1000));
    expect(gaps).toEqual([120, 600, 600, 3600, 7200, 21600, 54000]);
    await suite.base.control.advanceClock(48 * HOUR);
    expect(await attempts()).toHaveLength(8);
    const notifications = await suite.base.control.notifications<{ outTradeNos: string[]; state: string }>();
    const mine = notifications.filter(n => n.outTradeNos.includes(paymentRequestId));
    expect(mine.map(n => n.state)).toEqual(['gave-up']);
  });

  it('stops retrying at the exact acknowledgement; HTTP 500 or a different body count as failures', async () => {
    suite.receiver.replies = [
      { status: 500, body: ACK },
      `${ACK}\n`,
      ' {"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}',
      ACK,
    ];
    suite.receiver.fallback = 'unexpected';
    const { paymentId } = await suite.paid();
    for (const interval of [2 * MIN, 10 * MIN, 10 * MIN])
      await suite.base.control.advanceClock(interval + 5000);
    const deliveries = await suite.base.control.deliveries({ tradeNo: paymentId });
    expect(deliveries.map(d => d.outcome)).toEqual(['http-error', 'rejected', 'rejected', 'success']);
    await suite.base.control.advanceClock(24 * HOUR);
    expect(await suite.base.control.deliveries({ tradeNo: paymentId })).toHaveLength(4);
  });

  it('notifies a failed payment with an F result, and PAYMENT_PENDING before a late success', async () => {
    const failed = await suite.call('pay', suite.payBody());
    await suite.base.control.antomPay({ paymentId: failed.json.paymentId, outcome: 'FAIL' });
    const [fail] = suite.receiver.about(failed.json.paymentId);
    expect(fail!.json).toMatchObject({ notifyType: 'PAYMENT_RESULT', result: { resultStatus: 'F' } });
    const inquiry = await suite.call('inquiryPayment', { paymentId: failed.json.paymentId });
    expect(inquiry.json.paymentStatus).toBe('FAIL');

    const pending = await suite.call('pay', suite.payBody());
    const id = pending.json.paymentId as string;
    await suite.base.control.antomPay({ paymentId: id, outcome: 'PENDING' });
    expect((await suite.call('inquiryPayment', { paymentId: id })).json.paymentStatus).toBe('PENDING');
    await suite.base.control.antomPay({ paymentId: id });
    expect(suite.receiver.about(id).map(r => r.json.notifyType)).toEqual([
      'PAYMENT_PENDING',
      'PAYMENT_RESULT',
    ]);
    expect((await suite.call('inquiryPayment', { paymentId: id })).json.paymentStatus).toBe('SUCCESS');
  });

  it('notifies a refund (REFUND, refundStatus SUCCESS) to refundNotifyUrl after answering', async () => {
    const { paymentId } = await suite.paid();
    const refund = await suite.call('refund', {
      paymentId,
      refundRequestId: suite.base.order(),
      refundAmount: { currency: 'USD', value: '234' },
      refundNotifyUrl: `${suite.receiver.url}/antom/refund-notify`,
    });
    expect(refund.json.result.resultStatus).toBe('S');
    const deliveries = await (async () => {
      for (let i = 0; i < 50; i++) {
        const list = await suite.base.control.deliveries({ tradeNo: paymentId, kind: 'REFUND_RESULT' });
        if (list.length > 0) return list;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      return [];
    })();
    expect(deliveries).toHaveLength(1);
    const received = suite.receiver.received.find(r => r.path === '/antom/refund-notify')!;
    expect(received.json).toMatchObject({
      notifyType: 'REFUND_RESULT',
      refundStatus: 'SUCCESS',
      refundId: refund.json.refundId,
      refundRequestId: refund.json.refundRequestId,
      refundAmount: { currency: 'USD', value: '234' },
    });
    const text = `POST /antom/refund-notify\n${received.headers['client-id']}.${received.headers['request-time']}.${received.raw}`;
    expect(
      merchantVerify(
        text,
        signatureOf(String(received.headers['signature']))!,
        suite.client().antomPublicKey,
      ),
    ).toBe(true);
  });
});
