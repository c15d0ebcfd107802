import { md5Verify } from '@alipay-commerce/core/primitives';
import { describe, expect, it } from 'vitest';
import { control, legacyUrl, payAtCashier, queryOf, verifyLegacyMd5, waitFor } from './helpers';
import { sandboxSuite } from './sandbox-suite';

/** Escrow (担保交易) and the dual interface: the full lifecycle with shipment and receipt confirmation. */

const suite = sandboxSuite('E');
const { order, A } = suite;

function escrowParams(service: string, outTradeNo: string, extra: Record<string, string> = {}) {
  return {
    service,
    out_trade_no: outTradeNo,
    subject: '测试交易:寄送包裹',
    payment_type: '1',
    price: '0.01',
    quantity: '1',
    logistics_type: 'DIRECT',
    logistics_fee: '0.00',
    logistics_payment: 'SELLER_PAY',
    seller_email: A().sellerEmail,
    receive_name: '李一啸',
    receive_address: '上海 上海市 普陀区',
    receive_zip: '200062',
    receive_mobile: '13764886276',
    notify_url: `${suite.receiver.url}/notify`,
    return_url: `${suite.receiver.url}/return`,
    ...extra,
  };
}

async function server(params: Record<string, string>): Promise<{ text: string; type: string | null }> {
  const res = await fetch(legacyUrl(suite.sandbox, A(), params));
  return { text: await res.text(), type: res.headers.get('content-type') };
}

const notifies = (outTradeNo: string) =>
  suite.receiver.at('/notify').filter(r => r.params['out_trade_no'] === outTradeNo);

function tradeXmlFields(xml: string): Record<string, string> {
  const trade = /<trade>([\s\S]*)<\/trade>/.exec(xml)![1]!;
  const out: Record<string, string> = {};
  for (const m of trade.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) out[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return out;
}

describe('escrow lifecycle', () => {
  it('WAIT_BUYER_PAY → WAIT_SELLER_SEND_GOODS → send goods → WAIT_BUYER_CONFIRM_GOODS → TRADE_FINISHED', async () => {
    const outTradeNo = order();
    const { response, cashierUrl } = await payAtCashier(
      legacyUrl(suite.sandbox, A(), escrowParams('create_partner_trade_by_buyer', outTradeNo)),
    );
    // Opening the cashier creates the trade: WAIT_BUYER_PAY is notified (as in the captured samples).
    const waitPay = await waitFor(() =>
      notifies(outTradeNo).find(r => r.params['trade_status'] === 'WAIT_BUYER_PAY'),
    );
    expect(verifyLegacyMd5(waitPay.params, A())).toBe(true);
    expect(waitPay.params).toMatchObject({
      logistics_type: 'DIRECT',
      logistics_payment: 'SELLER_PAY',
      receive_name: '李一啸',
    });

    const ret = queryOf(response.headers.get('location')!);
    expect(ret).toMatchObject({
      is_success: 'T',
      trade_status: 'WAIT_SELLER_SEND_GOODS',
      buyer_actions: 'REFUND',
      seller_actions: 'SEND_GOODS',
      logistics_type: 'DIRECT',
    });
    expect(ret['exterface']).toBeUndefined();
    expect(verifyLegacyMd5(ret, A())).toBe(true);
    const paid = await waitFor(() =>
      notifies(outTradeNo).find(r => r.params['trade_status'] === 'WAIT_SELLER_SEND_GOODS'),
    );
    expect(paid.params['gmt_payment']).toBeDefined();
    const tradeNo = paid.params['trade_no']!;
    expect(cashierUrl).toContain(tradeNo);

    // Seller ships: server GET, XML answer.
    const shipped = await server({
      service: 'send_goods_confirm_by_platform',
      trade_no: tradeNo,
      logistics_name: '顺丰速运',
      invoice_no: 'SF123',
      transport_type: 'EXPRESS',
    });
    expect(shipped.type).toMatch(/xml/);
    expect(shipped.text).toMatch(/<alipay>\s*<is_success>T<\/is_success>\s*<\/alipay>/);
    const again = await server({
      service: 'send_goods_confirm_by_platform',
      trade_no: tradeNo,
      logistics_name: 'x',
    });
    expect(again.text).toContain('<is_success>F</is_success>');
    expect(again.text).toContain('<error>TRADE_STATUS_NOT_AVAILD</error>');
    const waitConfirm = await waitFor(() =>
      notifies(outTradeNo).find(r => r.params['trade_status'] === 'WAIT_BUYER_CONFIRM_GOODS'),
    );
    expect(waitConfirm.params['gmt_send_goods']).toBeDefined();
    expect(verifyLegacyMd5(waitConfirm.params, A())).toBe(true);

    // The buyer confirms receipt on the buyer page.
    const page = await (await fetch(`${suite.sandbox.url}/buyer/trades/${tradeNo}`)).text();
    expect(page).toContain('id="confirm-receipt"');
    expect(page).toContain('WAIT_BUYER_CONFIRM_GOODS');
    const confirmed = await fetch(`${suite.sandbox.url}/buyer/trades/${tradeNo}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=111111',
    });
    expect(await confirmed.text()).toContain('data-status="TRADE_FINISHED"');
    const finished = await waitFor(() =>
      notifies(outTradeNo).find(r => r.params['trade_status'] === 'TRADE_FINISHED'),
    );
    expect(finished.params['gmt_close']).toBeDefined();
    expect(verifyLegacyMd5(finished.params, A())).toBe(true);
    expect(notifies(outTradeNo).map(r => r.params['trade_status'])).toEqual([
      'WAIT_BUYER_PAY',
      'WAIT_SELLER_SEND_GOODS',
      'WAIT_BUYER_CONFIRM_GOODS',
      'TRADE_FINISHED',
    ]);
    // Each notification has its own notify_id.
    expect(new Set(notifies(outTradeNo).map(r => r.params['notify_id'])).size).toBe(4);
  });

  it('single_trade_query answers signed XML like the sample', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), escrowParams('create_partner_trade_by_buyer', outTradeNo)));
    await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    const { text, type } = await server({ service: 'single_trade_query', out_trade_no: outTradeNo });
    expect(type).toMatch(/text\/xml; charset=utf-8/);
    expect(text).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>/);
    expect(text).toContain('<is_success>T</is_success>');
    expect(text).toContain('<param name="service">single_trade_query</param>');
    expect(text).not.toContain('<param name="sign">');
    const fields = tradeXmlFields(text);
    expect(fields).toMatchObject({
      out_trade_no: outTradeNo,
      trade_status: 'WAIT_SELLER_SEND_GOODS',
      total_fee: '0.01',
      buyer_email: 'buyer@sandbox.alipay.test',
      seller_email: A().sellerEmail,
      flag_trade_locked: '0',
      operator_role: 'B',
    });
    const sign = /<sign>([0-9a-f]{32})<\/sign>/.exec(text)![1]!;
    expect(text).toContain('<sign_type>MD5</sign_type>');
    // The signature covers the <trade> fields, MD5 with the partner key like every legacy message.
    expect(md5Verify({ ...fields, sign }, A().key)).toBe(true);

    const missing = await server({ service: 'single_trade_query', out_trade_no: 'NOPE' });
    expect(missing.text).toContain('<error>TRADE_NOT_EXIST</error>');
    const gbkQuery = await fetch(
      legacyUrl(
        suite.sandbox,
        A(),
        { service: 'single_trade_query', out_trade_no: outTradeNo },
        { charset: 'gbk' },
      ),
    );
    expect(gbkQuery.headers.get('content-type')).toMatch(/GBK/);
  });

  it('a trade exists only once the buyer opened the cashier', async () => {
    const outTradeNo = order();
    const created = await fetch(
      legacyUrl(suite.sandbox, A(), escrowParams('create_partner_trade_by_buyer', outTradeNo)),
      { redirect: 'manual' },
    );
    expect(created.status).toBe(302);
    const before = await server({ service: 'single_trade_query', out_trade_no: outTradeNo });
    expect(before.text).toContain('<error>TRADE_NOT_EXIST</error>');
    await fetch(created.headers.get('location')!);
    const after = await server({ service: 'single_trade_query', out_trade_no: outTradeNo });
    expect(tradeXmlFields(after.text)['trade_status']).toBe('WAIT_BUYER_PAY');
  });

  it('dual interface paid instantly goes straight to TRADE_FINISHED', async () => {
    const outTradeNo = order();
    const { response } = await payAtCashier(
      legacyUrl(suite.sandbox, A(), escrowParams('trade_create_by_buyer', outTradeNo)),
      { mode: 'instant' },
    );
    const ret = queryOf(response.headers.get('location')!);
    expect(ret['trade_status']).toBe('TRADE_FINISHED');
    expect(ret['buyer_actions']).toBeUndefined();
    expect(verifyLegacyMd5(ret, A())).toBe(true);
    const finished = await waitFor(() =>
      notifies(outTradeNo).find(r => r.params['trade_status'] === 'TRADE_FINISHED'),
    );
    expect(verifyLegacyMd5(finished.params, A())).toBe(true);
    const trade = await control(suite.sandbox, 'GET', `/trades/${outTradeNo}?partner=${A().partner}`);
    expect(trade.trade.paidAs).toBe('instant');
  });

  it('dual interface paid as escrow follows the escrow path; control API confirm-receipt', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), escrowParams('trade_create_by_buyer', outTradeNo)));
    const paid = await control(suite.sandbox, 'POST', '/pay', {
      outTradeNo,
      partner: A().partner,
      mode: 'escrow',
    });
    expect(paid.trade.status).toBe('WAIT_SELLER_SEND_GOODS');
    expect(paid.redirect.params.seller_actions).toBe('SEND_GOODS');
    expect(
      (await control(suite.sandbox, 'POST', '/confirm-receipt', { outTradeNo, partner: A().partner })).status,
    ).toBe(409);
    await server({
      service: 'send_goods_confirm_by_platform',
      trade_no: paid.trade.tradeNo,
      logistics_name: 'EMS',
    });
    const done = await control(suite.sandbox, 'POST', '/confirm-receipt', {
      outTradeNo,
      partner: A().partner,
    });
    expect(done.trade.status).toBe('TRADE_FINISHED');
  });

  it('without confirmation Alipay confirms receipt itself after 10 days', async () => {
    const outTradeNo = order();
    await fetch(legacyUrl(suite.sandbox, A(), escrowParams('create_partner_trade_by_buyer', outTradeNo)));
    const paid = await control(suite.sandbox, 'POST', '/pay', { outTradeNo, partner: A().partner });
    await server({
      service: 'send_goods_confirm_by_platform',
      trade_no: paid.trade.tradeNo,
      logistics_name: 'EMS',
      transport_type: 'EMS',
    });
    await control(suite.sandbox, 'POST', '/clock/advance', { ms: 10 * 24 * 3600_000 });
    const trade = await control(suite.sandbox, 'GET', `/trades/${paid.trade.tradeNo}`);
    expect(trade.trade.status).toBe('TRADE_FINISHED');
    expect(trade.trade.history.at(-1).event).toBe('auto-confirmed');
  });

  it('the buyer may pick another logistics option; BUYER_PAY fees are added to the total', async () => {
    const outTradeNo = order();
    const params = escrowParams('create_partner_trade_by_buyer', outTradeNo, {
      price: '10.00',
      logistics_type: 'EXPRESS',
      logistics_fee: '12.00',
      logistics_payment: 'BUYER_PAY',
      logistics_type_1: 'POST',
      logistics_fee_1: '5.00',
      logistics_payment_1: 'BUYER_PAY',
    });
    const { response } = await payAtCashier(legacyUrl(suite.sandbox, A(), params), { logistics: '1' });
    const ret = queryOf(response.headers.get('location')!);
    expect(ret).toMatchObject({ total_fee: '15.00', logistics_type: 'POST', logistics_fee: '5.00' });
  });
});
