import { describe, expect, it } from 'vitest';
import { beijingNow, control, legacyUrl, verifyLegacyMd5, waitFor } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** close_trade and both refund interfaces with batch_refund_notify. */

const suite = sandboxSuite('R');
const { A, B, paidDirect, batchNo, directParams } = suite;

async function xml(params: Record<string, string>, merchant = A()): Promise<string> {
  return (await fetch(legacyUrl(suite.sandbox, merchant, params))).text();
}

async function refundParams(detail: string, extra: Record<string, string> = {}) {
  return {
    service: 'refund_fastpay_by_platform_nopwd',
    refund_date: beijingNow(),
    batch_no: await batchNo(),
    batch_num: String(detail.split('#').length),
    detail_data: detail,
    notify_url: `${suite.receiver.url}/refund-notify`,
    ...extra,
  };
}

describe('close_trade', () => {
  it('closes unpaid trades by out_order_no or trade_no; paid ones are TRADE_STATUS_NOT_AVAILD', async () => {
    const { out_trade_no: outTradeNo, ...created } = directParams({ subject: 'x' });
    await fetch(legacyUrl(suite.sandbox, A(), { out_trade_no: outTradeNo, ...created }));
    expect(await xml({ service: 'close_trade', out_trade_no: outTradeNo })).toContain(
      '<error>ILLEGAL_ARGUMENT</error>',
    );
    expect(await xml({ service: 'close_trade', out_order_no: outTradeNo })).toContain(
      '<is_success>T</is_success>',
    );
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?partner=${A().partner}`);
    expect(trade.trade.status).toBe('TRADE_CLOSED');
    expect((await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner })).status).toBe(
      409,
    );

    const paid = await paidDirect();
    const answer = await xml({ service: 'close_trade', trade_no: paid.tradeNo });
    expect(answer).toContain('<is_success>F</is_success>');
    expect(answer).toContain('<error>TRADE_STATUS_NOT_AVAILD</error>');
    expect(await xml({ service: 'close_trade', trade_no: '2015051900001000980052833539' })).toContain(
      '<error>TRADE_NOT_EXIST</error>',
    );
    expect(await xml({ service: 'close_trade', out_order_no: outTradeNo }, B())).toContain(
      '<error>HAS_NO_PRIVILEGE</error>',
    );
  });
});

describe('refund_fastpay_by_platform_nopwd', () => {
  it('refunds and sends batch_refund_notify with result_details; the trade notify follows', async () => {
    const t1 = await paidDirect('10.00');
    const t2 = await paidDirect('5.00');
    const params = await refundParams(`${t1.tradeNo}^3.00^协商退款#${t2.tradeNo}^5.00^缺货`);
    const answer = await xml(params);
    expect(answer).toMatch(/<alipay>\s*<is_success>T<\/is_success>\s*<\/alipay>/);
    const notify = await waitFor(() =>
      suite.receiver.at('/refund-notify').find(r => r.params['batch_no'] === params.batch_no),
    );
    expect(notify.params).toMatchObject({
      notify_type: 'batch_refund_notify',
      batch_no: params.batch_no,
      success_num: '2',
      sign_type: 'MD5',
    });
    expect(notify.params['result_details']).toBe(
      `${t1.tradeNo}^3.00^SUCCESS$${A().sellerEmail}^${A().sellerId}^0.00^SUCCESS#` +
        `${t2.tradeNo}^5.00^SUCCESS$${A().sellerEmail}^${A().sellerId}^0.00^SUCCESS`,
    );
    expect(verifyLegacyMd5(notify.params, A())).toBe(true);

    const one = await control(suite.sandbox, 'GET', `/trades/${t1.tradeNo}`);
    expect(one.trade).toMatchObject({ status: 'TRADE_SUCCESS', refundedAmount: '3.00' });
    const two = await control(suite.sandbox, 'GET', `/trades/${t2.tradeNo}`);
    expect(two.trade.status).toBe('TRADE_CLOSED'); // fully refunded
    const tradeNotify = await waitFor(() =>
      suite.receiver
        .at('/notify')
        .find(r => r.params['trade_no'] === t1.tradeNo && r.params['refund_status'] === 'REFUND_SUCCESS'),
    );
    expect(tradeNotify.params['gmt_refund']).toBeDefined();
    expect(verifyLegacyMd5(tradeNotify.params, A())).toBe(true);

    // The same batch_no again: DUPLICATE_BATCH_NO.
    expect(await xml({ ...params, detail_data: `${t1.tradeNo}^1.00^again`, batch_num: '1' })).toContain(
      '<error>DUPLICATE_BATCH_NO</error>',
    );
  });

  it('fails per item when the amount exceeds what is refundable or the trade is not refundable', async () => {
    const t = await paidDirect('2.00');
    const params = await refundParams(`${t.tradeNo}^2.01^too much#20150519000010009800528335391^1.00^nope`);
    expect(await xml(params)).toContain('<is_success>T</is_success>');
    const notify = await waitFor(() =>
      suite.receiver.at('/refund-notify').find(r => r.params['batch_no'] === params.batch_no),
    );
    expect(notify.params['success_num']).toBe('0');
    expect(notify.params['result_details']).toBe(
      `${t.tradeNo}^2.01^REFUND_TRADE_FEE_ERROR#20150519000010009800528335391^1.00^TRADE_NOT_EXIST`,
    );
  });

  it('validates batch_no, batch_num, detail_data and refund_date', async () => {
    const t = await paidDirect('2.00');
    const detail = `${t.tradeNo}^1.00^reason`;
    const expectError = async (extra: Record<string, string>, code: string) =>
      expect(await xml(await refundParams(detail, extra)), code).toContain(`<error>${code}</error>`);
    await expectError({ batch_no: '19990101001' }, 'BATCH_NO_FORMAT_ERROR');
    await expectError({ batch_no: `${(await batchNo()).slice(0, 8)}000` }, 'BATCH_NO_FORMAT_ERROR');
    await expectError({ batch_no: `${(await batchNo()).slice(0, 8)}12` }, 'BATCH_NO_FORMAT_ERROR');
    await expectError({ batch_num: '2' }, 'BATCH_NUM_NOT_EQUAL_TOTAL');
    await expectError({ batch_num: '1001' }, 'BATCH_NUM_EXCEED_LIMIT');
    await expectError({ detail_data: `${t.tradeNo}^1.00` }, 'DETAIL_DATA_FORMAT_ERROR');
    await expectError({ detail_data: `${t.tradeNo}^1.001^x` }, 'DETAIL_DATA_FORMAT_ERROR');
    await expectError({ detail_data: `${t.tradeNo}^1.00^a|b` }, 'DETAIL_DATA_FORMAT_ERROR');
    await expectError(
      { detail_data: `${t.tradeNo}^1.00^x#${t.tradeNo}^1.00^y`, batch_num: '2' },
      'DUBL_TRADE_NO_IN_SAME_BATCH',
    );
    await expectError({ refund_date: '2024/01/01 10:00:00' }, 'REFUND_DATE_ERROR');
    expect(await xml(await refundParams(detail), B())).toContain('<error>HAS_NO_PRIVILEGE</error>');
  });

  it('batch numbers follow the sandbox clock (today in Asia/Shanghai)', async () => {
    const t = await paidDirect('2.00');
    const clock = await control(suite.sandbox, 'GET', '/clock');
    const today = String(clock.nowBeijing).slice(0, 10).replace(/-/g, '');
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 24 * 3600_000 });
    const stale = await xml(await refundParams(`${t.tradeNo}^1.00^r`, { batch_no: `${today}A01` }));
    expect(stale).toContain('<error>BATCH_NO_FORMAT_ERROR</error>');
    const ok = await xml(await refundParams(`${t.tradeNo}^1.00^r`));
    expect(ok).toContain('<is_success>T</is_success>');
  });
});

describe('refund_fastpay_by_platform_pwd', () => {
  it('the seller confirms with the password, then batch_refund_notify is sent (also for merchant B)', async () => {
    for (const merchant of [A(), B()]) {
      const t = await paidDirect('6.00', { merchant });
      const params = {
        ...(await refundParams(`${t.tradeNo}^2.50^退货`)),
        service: 'refund_fastpay_by_platform_pwd',
      };
      const page = await fetch(legacyUrl(suite.sandbox, merchant, params));
      expect(page.url).toMatch(/\/refund\/confirm\/[0-9a-f]+$/);
      const html = await page.text();
      expect(html).toContain('id="confirm-refund"');
      expect(html).toContain(t.tradeNo);
      const wrong = await fetch(page.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `account=${encodeURIComponent(merchant.sellerEmail)}&password=bad`,
      });
      expect(await wrong.text()).toContain('data-testid="error"');
      const ok = await fetch(page.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `account=${encodeURIComponent(merchant.sellerEmail)}&password=${merchant.sellerPassword}`,
      });
      expect(await ok.text()).toContain('data-testid="success-num">1<');
      const notify = await waitFor(() =>
        suite.receiver.at('/refund-notify').find(r => r.params['batch_no'] === params.batch_no),
      );
      expect(notify.params['result_details']).toBe(
        `${t.tradeNo}^2.50^SUCCESS$${merchant.sellerEmail}^${merchant.sellerId}^0.00^SUCCESS`,
      );
      expect(verifyLegacyMd5(notify.params, merchant)).toBe(true);
    }
  });

  it('a bad request shows the error page', async () => {
    const t = await paidDirect('1.00');
    const params = {
      ...(await refundParams(`${t.tradeNo}^1.00^x`)),
      service: 'refund_fastpay_by_platform_pwd',
      batch_no: '20000101123',
    };
    const html = await (await fetch(legacyUrl(suite.sandbox, A(), params))).text();
    expect(html).toContain('错误代码 BATCH_NO_FORMAT_ERROR 请回到请求来源地');
  });
});
