import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlipayConfig } from '../src/config';
import { type LegacyConfig } from '../src/config/legacy';
import { parseFormBody } from '../src/http/form';
import { LegacyClient } from '../src/legacy/client';
import { verifyLegacyNotification, verifyLegacyReturn } from '../src/legacy/notify';
import { md5Sign } from '../src/sign/md5';
import { startResponder } from './helpers/http-responder';
import { sharedVectors } from './helpers/vectors';

const KEY = 'abcdefghijklmnopqrstuvwxyz012345';
const samples = sharedVectors('legacy-notification-samples.json').samples as {
  id: string;
  params?: Record<string, string>;
  rawQuery?: string;
}[];
const sample = (id: string) => samples.find(s => s.id === id)!;

/** The samples' signatures were made with private merchant keys: re-sign them with the test key. */
function resign(
  params: Record<string, string>,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...params, ...overrides };
  if (out['out_trade_no']?.startsWith('<')) out['out_trade_no'] = 'alipay_transaction_20150519_000';
  delete out['sign'];
  out['sign_type'] = 'MD5';
  out['sign'] = md5Sign(out, KEY);
  return out;
}

let verifyAnswer: (notifyId: string) => { status?: number; body: string; delayMs?: number };
let responder: Awaited<ReturnType<typeof startResponder>>;
let config: LegacyConfig;
let client: LegacyClient;

beforeAll(async () => {
  responder = await startResponder(req =>
    verifyAnswer(parseFormBody(req.url.search.slice(1))['notify_id'] ?? ''),
  );
  config = parseAlipayConfig({
    generation: 'legacy',
    interfaceType: 'dual',
    partnerId: '2088302722580876',
    key: KEY,
    sellerEmail: 'maotm@sina.cn',
    gateway: `${responder.url}/gateway.do`,
  }) as LegacyConfig;
  // 1 s leaves room for a loaded machine; the hanging answer below waits 3 s, well past it.
  client = new LegacyClient({ config, http: { retries: 0, timeoutMs: 1_000 } });
});
afterAll(() => responder.close());

describe('verifyLegacyNotification: the dual-interface escrow lifecycle', () => {
  beforeAll(() => {
    verifyAnswer = () => ({ body: 'true' });
  });
  it.each([
    ['dual-notify-1-WAIT_BUYER_PAY', 'waiting_payment'],
    ['dual-notify-2-WAIT_BUYER_PAY-with-logistics', 'waiting_payment'],
    ['dual-notify-3-WAIT_SELLER_SEND_GOODS', 'paid_awaiting_shipment'],
    ['dual-notify-4-WAIT_BUYER_CONFIRM_GOODS', 'shipped_awaiting_receipt'],
    ['dual-notify-5-TRADE_FINISHED', 'finished'],
  ])('%s → %s', async (id, status) => {
    const params = resign(sample(id).params!);
    const result = await verifyLegacyNotification(params, config, { client });
    expect(result.ok).toBe(true);
    if (!result.ok || result.event.type !== 'trade') throw new Error('expected a trade event');
    expect(result.event).toMatchObject({
      generation: 'legacy',
      source: 'notify',
      displayOnly: false,
      status,
      alipayStatus: params['trade_status'],
      outTradeNo: 'alipay_transaction_20150519_000',
      tradeNo: '2015051900001000980052833539',
      amountFen: 1,
      buyer: { id: '2088702362165983', account: '13764886276' },
      seller: { id: '2088302722580876', email: 'maotm@sina.cn' },
      notifyId: params['notify_id'],
    });
    expect(result.event.raw).toEqual(params);
    expect(result.reply).toBe('success');
  });

  it('timestamps are carried over', async () => {
    const result = await verifyLegacyNotification(
      resign(sample('dual-notify-5-TRADE_FINISHED').params!),
      config,
      { client },
    );
    if (!result.ok || result.event.type !== 'trade') throw new Error('expected a trade event');
    expect(result.event.timestamps).toEqual({
      created: '2015-05-19 09:16:43',
      paid: '2015-05-19 09:20:35',
      shipped: '2015-05-19 09:20:38',
      closed: '2015-05-19 09:28:07',
    });
  });
});

describe('verifyLegacyNotification: rejections', () => {
  const paid = () => resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!);

  it('a forged signature → bad_signature, retryable (a fixed key makes the retry pass)', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const result = await verifyLegacyNotification({ ...paid(), total_fee: '100.00' }, config, { client });
    expect(result).toMatchObject({ ok: false, reason: 'bad_signature', retryable: true, reply: 'fail' });
  });

  it('a notification signed with another key → bad_signature', async () => {
    const params = { ...paid() };
    params['sign'] = md5Sign(params, 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz');
    expect(await verifyLegacyNotification(params, config, { client })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('no sign, or a sign_type that is not the configured one → bad_signature', async () => {
    const { sign: _sign, ...unsigned } = paid();
    expect(await verifyLegacyNotification(unsigned, config, { client })).toMatchObject({
      reason: 'bad_signature',
    });
    expect(await verifyLegacyNotification({ ...paid(), sign_type: 'RSA' }, config, { client })).toMatchObject(
      {
        reason: 'bad_signature',
      },
    );
  });

  it('notify_verify answering false → notify_id_invalid', async () => {
    verifyAnswer = () => ({ body: 'false' });
    expect(await verifyLegacyNotification(paid(), config, { client })).toMatchObject({
      ok: false,
      reason: 'notify_id_invalid',
      outTradeNo: 'alipay_transaction_20150519_000',
    });
  });

  it('notify_verify failing or hanging → notify_verify_unavailable, so Alipay retries', async () => {
    verifyAnswer = () => ({ status: 500, body: '' });
    expect(await verifyLegacyNotification(paid(), config, { client })).toMatchObject({
      reason: 'notify_verify_unavailable',
      retryable: true,
      reply: 'fail',
    });
    verifyAnswer = () => ({ body: 'true', delayMs: 3_000 });
    expect(await verifyLegacyNotification(paid(), config, { client })).toMatchObject({
      reason: 'notify_verify_unavailable',
    });
  });

  it('notify_verify is only asked after the signature holds (no network call for forgeries)', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const before = responder.requests.length;
    await verifyLegacyNotification({ ...paid(), sign: '0'.repeat(32) }, config, { client });
    expect(responder.requests.length).toBe(before);
  });

  it('another seller → wrong_seller (signed and verified, but not ours)', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const params = resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, {
      seller_email: 'someone-else@example.com',
      seller_id: '2088000000000001',
    });
    expect(await verifyLegacyNotification(params, config, { client })).toMatchObject({
      reason: 'wrong_seller',
    });
  });

  it('C2C: the expected seller of the order replaces the configured one', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const params = resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, {
      seller_email: 'owner@shop.example',
      seller_id: '2088000000000009',
    });
    const ok = await verifyLegacyNotification(params, config, {
      client,
      expectedSeller: { email: 'owner@shop.example' },
    });
    expect(ok.ok).toBe(true);
  });

  it('unknown trade_status → unknown_status; missing fields → missing_field; not retryable', async () => {
    verifyAnswer = () => ({ body: 'true' });
    expect(
      await verifyLegacyNotification(
        resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, { trade_status: 'WHATEVER' }),
        config,
        {
          client,
        },
      ),
    ).toMatchObject({ reason: 'unknown_status', retryable: false, reply: 'success' });
    // A name every object inherits is not a status either (a plain-object lookup would find a function).
    for (const inherited of ['constructor', 'hasOwnProperty', '__proto__']) {
      expect(
        await verifyLegacyNotification(
          resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, { trade_status: inherited }),
          config,
          { client },
        ),
        inherited,
      ).toMatchObject({ reason: 'unknown_status', reply: 'success' });
    }
    const noAmount = resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, { total_fee: '' });
    expect(await verifyLegacyNotification(noAmount, config, { client })).toMatchObject({
      reason: 'missing_field',
    });
    const badAmount = resign(sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!, { total_fee: '1e3' });
    expect(await verifyLegacyNotification(badAmount, config, { client })).toMatchObject({
      reason: 'missing_field',
    });
    const { notify_id: _id, ...noId } = sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!;
    expect(await verifyLegacyNotification(resign(noId), config, { client })).toMatchObject({
      reason: 'missing_field',
    });
  });

  it('a cross-border (non-CNY) notification → wrong_currency', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const forex = resign(sample('forex-notify-TRADE_FINISHED').params!);
    expect(await verifyLegacyNotification(forex, config, { client })).toMatchObject({
      reason: 'wrong_currency',
    });
  });

  it('GBK merchants verify over GBK bytes', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const gbk = parseAlipayConfig({ ...config, charset: 'gbk' }) as LegacyConfig;
    const params: Record<string, string> = {
      ...sample('dual-notify-3-WAIT_SELLER_SEND_GOODS').params!,
      out_trade_no: 'G1',
    };
    delete params['sign'];
    params['sign'] = md5Sign(params, KEY, { charset: 'gbk' });
    const gbkClient = new LegacyClient({ config: gbk, http: { retries: 0 } });
    expect((await verifyLegacyNotification(params, gbk, { client: gbkClient })).ok).toBe(true);
    expect((await verifyLegacyNotification(params, config, { client })).ok).toBe(false);
  });
});

describe('batch_refund_notify', () => {
  it('becomes a refund event with every item', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const params = resign(sample('refund-notify-batch_refund_notify-md5').params!);
    const result = await verifyLegacyNotification(params, config, { client });
    if (!result.ok || result.event.type !== 'refund') throw new Error('expected a refund event');
    expect(result.event).toMatchObject({
      batchNo: '2013091310714',
      tradeNo: '2013091142096412',
      amountFen: 1,
      successCount: 1,
      items: [{ tradeNo: '2013091142096412', amountFen: 1, result: 'SUCCESS', success: true }],
    });
  });
  it('sums successful items only', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const two = resign(sample('refund-notify-batch_refund_notify-rsa-2-items').params!, {
      result_details:
        '2016031721001004670245932381^0.20^SUCCESS#2016031721001004670247063531^0.24^TRADE_HAS_CLOSED',
    });
    const result = await verifyLegacyNotification(two, config, { client });
    if (!result.ok || result.event.type !== 'refund') throw new Error('expected a refund event');
    expect(result.event.amountFen).toBe(20);
    expect(result.event.items[1]).toMatchObject({ success: false, result: 'TRADE_HAS_CLOSED' });
  });
  it('malformed result_details → missing_field', async () => {
    verifyAnswer = () => ({ body: 'true' });
    const params = resign(sample('refund-notify-batch_refund_notify-md5').params!, {
      result_details: 'garbage',
    });
    expect(await verifyLegacyNotification(params, config, { client })).toMatchObject({
      reason: 'missing_field',
    });
  });
});

describe('verifyLegacyReturn', () => {
  it('signature only, marked display-only; notify_id keeps its inner escapes', () => {
    const direct = parseFormBody(sample('direct-return-TRADE_SUCCESS').rawQuery!);
    expect(direct['notify_id']).toContain('%2F'); // decoded once only
    expect(direct['notify_time']).toBe('2016-09-24 21:03:57');
    const cfg = parseAlipayConfig({ ...config, sellerEmail: 'test@qq.com' }) as LegacyConfig;
    const result = verifyLegacyReturn(resign(direct), cfg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({ displayOnly: true, source: 'return', status: 'paid', amountFen: 1 });
  });
  it('does not call notify_verify and refuses bad signatures', () => {
    const before = responder.requests.length;
    const params = resign(sample('dual-return-WAIT_BUYER_CONFIRM_GOODS').params!);
    expect(verifyLegacyReturn(params, config).ok).toBe(true);
    expect(verifyLegacyReturn({ ...params, total_fee: '9.99' }, config)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(responder.requests.length).toBe(before);
  });
});
