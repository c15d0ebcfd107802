import { describe, expect, it } from 'vitest';
import { beijingNow, callOpenApi, control, type Json, legacyUrl, waitFor } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/**
 * Refunds under concurrency: out_request_no and batch_no are idempotent even when the same call arrives
 * several times at once, and one trade's money operations (refunds, cancel, batches, Alipay-side refunds)
 * run one after the other, each checked against what is left to refund.
 */

const suite = sandboxSuite('C');
const { A, app, paidDirect, paidOpenApi, batchNo } = suite;

async function refund(biz: Record<string, unknown>): Promise<Json> {
  const res = await callOpenApi(suite.sandbox, app(), 'alipay.trade.refund', biz);
  return res.json['alipay_trade_refund_response'];
}

const tradeOf = async (outTradeNo: string, owner: Record<string, string>): Promise<Json> =>
  (await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?${new URLSearchParams(owner)}`)).trade;

describe('alipay.trade.refund under concurrency', () => {
  it('5 identical and 3 different concurrent refunds: one refund per out_request_no, never more than left', async () => {
    const outTradeNo = await paidOpenApi('10.00');
    const identical = Array.from({ length: 5 }, () =>
      refund({ out_trade_no: outTradeNo, refund_amount: '1.00', out_request_no: 'SAME' }),
    );
    const different = ['D1', 'D2', 'D3'].map(no =>
      refund({ out_trade_no: outTradeNo, refund_amount: '4.00', out_request_no: no }),
    );
    const same = await Promise.all(identical);
    const others = await Promise.all(different);

    // The same out_request_no: one refund, the first answer repeated with fund_change N.
    expect(same.every(a => a.code === '10000')).toBe(true);
    expect(same.filter(a => a.fund_change === 'Y')).toHaveLength(1);
    expect(same.filter(a => a.fund_change === 'N')).toHaveLength(4);
    const first = same.find(a => a.fund_change === 'Y')!;
    for (const again of same) expect(again.refund_fee).toBe(first.refund_fee);

    // Different ones one after the other: 1 + 4 + 4 fit into 10.00, a third 4.00 does not.
    expect(others.filter(a => a.code === '10000' && a.fund_change === 'Y')).toHaveLength(2);
    const refused = others.filter(a => a.code === '40004');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.sub_code).toBe('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');

    const trade = await tradeOf(outTradeNo, { appId: app().appId });
    expect(trade.refundedFen).toBe(900);
    expect(trade.status).toBe('TRADE_SUCCESS');
    expect(trade.refunds).toHaveLength(3);
    expect(trade.refunds.filter((r: Json) => r.outRequestNo === 'SAME')).toHaveLength(1);
    expect(trade.refunds.reduce((sum: number, r: Json) => sum + r.amountFen, 0)).toBe(900);
    // Each answer's refund_fee is the total refunded right after that refund: 1.00, 5.00, 9.00 in some order.
    const fees = [first, ...others.filter(a => a.code === '10000')].map(a => a.refund_fee).sort();
    expect(new Set(fees).size).toBe(3);
    expect(fees).toContain('9.00');

    // One notification per refund (the repeats notify nothing).
    await waitFor(
      () =>
        suite.receiver
          .at('/notify')
          .filter(r => r.params['out_trade_no'] === outTradeNo && r.params['out_biz_no']).length >= 3,
    );
    const refundNotifies = suite.receiver
      .at('/notify')
      .filter(r => r.params['out_trade_no'] === outTradeNo && r.params['out_biz_no']);
    expect(refundNotifies.map(r => r.params['out_biz_no']).filter(no => no === 'SAME')).toHaveLength(1);
  });

  it('a refund, a cancel and an Alipay-side refund of one trade at once never interleave', async () => {
    for (let round = 0; round < 3; round++) {
      const outTradeNo = await paidOpenApi('10.00');
      const ops: Array<() => Promise<Json>> = [
        () => refund({ out_trade_no: outTradeNo, refund_amount: '3.00', out_request_no: 'R1' }),
        () =>
          control(suite.sandbox, 'POST', '/alipay-refund', {
            outTradeNo,
            appId: app().appId,
            amountFen: 200,
          }),
        () =>
          callOpenApi(suite.sandbox, app(), 'alipay.trade.cancel', { out_trade_no: outTradeNo }).then(
            r => r.json['alipay_trade_cancel_response'] as Json,
          ),
        () => refund({ out_trade_no: outTradeNo, refund_amount: '3.00', out_request_no: 'R1' }),
      ];
      // Start them in a different order each round (rotated), all at once.
      const started: Promise<Json>[] = new Array(ops.length);
      for (let i = 0; i < ops.length; i++) {
        const index = (i + round) % ops.length;
        started[index] = ops[index]!();
      }
      const [merchant, alipay, cancelled, repeat] = (await Promise.all(started)) as [Json, Json, Json, Json];
      expect(cancelled.code).toBe('10000');
      expect(cancelled.action).toBe('refund');
      const trade = await tradeOf(outTradeNo, { appId: app().appId });
      // The cancel always refunds whatever is left, so the whole amount went back exactly once.
      expect(trade.status).toBe('TRADE_CLOSED');
      expect(trade.refundedFen).toBe(1000);
      expect(trade.refunds.reduce((sum: number, r: Json) => sum + r.amountFen, 0)).toBe(1000);
      const merchantRefunds = trade.refunds.filter((r: Json) => r.outRequestNo === 'R1');
      const alipayRefunds = trade.refunds.filter((r: Json) => r.source === 'alipay');
      expect(merchantRefunds).toHaveLength(merchant.code === '10000' ? 1 : 0);
      expect(alipayRefunds).toHaveLength(alipay.status === 200 ? 1 : 0);
      if (merchant.code === '10000') expect(repeat).toMatchObject({ code: '10000', fund_change: 'N' });
      else expect(merchant.sub_code).toBe('ACQ.TRADE_HAS_CLOSE');
      if (alipay.status !== 200) expect(alipay.status).toBe(409);
    }
  });
});

describe('refund_fastpay_by_platform_nopwd under concurrency', () => {
  const xml = async (params: Record<string, string>): Promise<string> =>
    (await fetch(legacyUrl(suite.sandbox, A(), params))).text();
  const batch = async (detail: string, no?: string): Promise<Record<string, string>> => ({
    service: 'refund_fastpay_by_platform_nopwd',
    refund_date: beijingNow(),
    batch_no: no ?? (await batchNo()),
    batch_num: String(detail.split('#').length),
    detail_data: detail,
    notify_url: `${suite.receiver.url}/batch-notify`,
  });

  it('the same batch_no sent 5 times at once is executed once; the others are DUPLICATE_BATCH_NO', async () => {
    const t = await paidDirect('10.00');
    const params = await batch(`${t.tradeNo}^1.00^same batch`);
    const answers = await Promise.all(Array.from({ length: 5 }, () => xml(params)));
    expect(answers.filter(a => a.includes('<is_success>T</is_success>'))).toHaveLength(1);
    expect(answers.filter(a => a.includes('<error>DUPLICATE_BATCH_NO</error>'))).toHaveLength(4);
    const trade = await tradeOf(t.outTradeNo, { partner: A().partner });
    expect(trade.refundedFen).toBe(100);
    expect(trade.refunds).toHaveLength(1);
    await waitFor(() =>
      suite.receiver.at('/batch-notify').some(r => r.params['batch_no'] === params.batch_no),
    );
    await new Promise(r => setTimeout(r, 100));
    expect(
      suite.receiver.at('/batch-notify').filter(r => r.params['batch_no'] === params.batch_no),
    ).toHaveLength(1);
  });

  it('concurrent batches for one trade run one after the other, each against what is left', async () => {
    const t = await paidDirect('10.00');
    const batches = await Promise.all([1, 2, 3].map(() => batch(`${t.tradeNo}^4.00^part`)));
    const answers = await Promise.all(batches.map(xml));
    expect(answers.every(a => a.includes('<is_success>T</is_success>'))).toBe(true);
    const notifies = await waitFor(() => {
      const got = suite.receiver
        .at('/batch-notify')
        .filter(r => batches.some(b => b.batch_no === r.params['batch_no']));
      return got.length === 3 ? got : undefined;
    });
    const details = notifies.map(n => n.params['result_details']!);
    expect(details.filter(d => d.endsWith('^SUCCESS'))).toHaveLength(2);
    expect(details.filter(d => d === `${t.tradeNo}^4.00^REFUND_TRADE_FEE_ERROR`)).toHaveLength(1);
    const trade = await tradeOf(t.outTradeNo, { partner: A().partner });
    expect(trade.refundedFen).toBe(800);
    expect(trade.refunds).toHaveLength(2);
    expect(trade.status).toBe('TRADE_SUCCESS');
  });

  it('a batch and an Alipay-side refund of one trade at once: never more than the total', async () => {
    const t = await paidDirect('10.00');
    const params = await batch(`${t.tradeNo}^6.00^part`);
    const [answer, alipay] = await Promise.all([
      xml(params),
      control(suite.sandbox, 'POST', '/alipay-refund', {
        outTradeNo: t.outTradeNo,
        partner: A().partner,
        amountFen: 600,
      }),
    ]);
    expect(answer).toContain('<is_success>T</is_success>');
    const notify = await waitFor(() =>
      suite.receiver.at('/batch-notify').find(r => r.params['batch_no'] === params.batch_no),
    );
    const trade = await tradeOf(t.outTradeNo, { partner: A().partner });
    // Whichever came first refunded 6.00; the second found only 4.00 left.
    const batchOk = notify.params['success_num'] === '1';
    expect(batchOk).toBe(alipay.status !== 200);
    if (!batchOk) expect(notify.params['result_details']).toBe(`${t.tradeNo}^6.00^REFUND_TRADE_FEE_ERROR`);
    else expect(alipay.status).toBe(409);
    expect(trade.refundedFen).toBe(600);
    expect(trade.refunds).toHaveLength(1);
  });
});
