/**
 * Conformance, third generation through the facade adapters use: settings of interface type `antom` →
 * `settingsToConfig` → `createAlipay`, against the sandbox's Antom gateway. The same `Alipay` as for the
 * domestic generations: a USD order starts at Antom's cashier, its verified PAYMENT_RESULT is a normalized
 * trade event in minor units with its currency, answered with Antom's exact acknowledgement; the query,
 * refunds (idempotent, confirmed by inquiryRefund), closing and the credential check behave as for the others.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  type Alipay,
  type AlipaySettings,
  createAlipay,
  resolveSettingsPolicy,
  settingsToConfig,
  TradeNotClosableError,
} from '@alipay-commerce/core';
import { refundAttemptResult } from '@alipay-commerce/core/lifecycle';
import { ANTOM_NOTIFICATION_ACK } from '@alipay-commerce/core/primitives';
import type { AntomClientInfo } from '@alipay-commerce/sandbox';
import { startTestSandbox, type TestSandbox } from '@alipay-commerce/sandbox/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ReceivedNotification, startNotifyReceiver } from '../support/notify-receiver';

const NOTIFY_PATH = '/alipay/notify';

let sandbox: TestSandbox;
let account: AntomClientInfo;
let receiver: Awaited<ReturnType<typeof startNotifyReceiver>>;
let alipay: Alipay;
let serial = 0;

function antomSettings(overrides: Partial<AlipaySettings> = {}): AlipaySettings {
  return {
    interfaceType: 'antom',
    antomClientId: account.clientId,
    antomPrivateKey: account.privateKey!,
    antomPublicKey: account.antomPublicKey,
    antomRegion: new URL(sandbox.sandbox.antomGateway).origin,
    antomKeyVersion: account.keyVersion,
    antomPaymentMethods: 'ALIPAY_CN, ALIPAY_HK',
    ...overrides,
  };
}

function facadeOf(settings: AlipaySettings): Alipay {
  const result = settingsToConfig(settings, resolveSettingsPolicy({ allowLoopbackGateway: true }));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return createAlipay(result.config);
}

/** What a shop's notify route does: hand the raw body, headers and its public notify URL to the facade. */
function handle(notification: ReceivedNotification, expected?: Parameters<Alipay['handleNotification']>[2]) {
  return alipay.handleNotification(notification.body, notification.contentType, expected, {
    headers: notification.headers,
    notifyUrl: `https://shop.example${NOTIFY_PATH}`,
  });
}

async function startUsdOrder(amountMinor = 2599) {
  const outTradeNo = `facade-${Date.now().toString(36)}-${++serial}`;
  const start = await alipay.startPayment({
    outTradeNo,
    amountFen: amountMinor,
    currency: 'USD',
    subject: 'Tea 茶',
    notifyUrl: `${receiver.url}${NOTIFY_PATH}`,
    returnUrl: 'https://shop.example/checkout/return',
  });
  return { outTradeNo, start };
}

async function paidUsdOrder(amountMinor = 2599) {
  const order = await startUsdOrder(amountMinor);
  await sandbox.antomPay({ paymentRequestId: order.outTradeNo });
  const delivered = await receiver.next(
    n => n.body.includes(order.outTradeNo) && n.body.includes('PAYMENT_RESULT'),
  );
  return { ...order, delivered };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  account = sandbox.sandbox.antomClients[0]!;
  receiver = await startNotifyReceiver(async notification => (await handle(notification)).reply);
  alipay = facadeOf(antomSettings());
});

afterAll(async () => {
  await receiver?.close();
  await sandbox?.close();
});

beforeEach(async () => {
  await sandbox.clearFaults();
});

describe('settings of interface type antom', () => {
  it('name the admin’s fields when wrong, and refuse a non-loopback URL the policy does not allow', () => {
    const bad = settingsToConfig(
      antomSettings({
        antomClientId: 'has space',
        antomPublicKey: account.privateKey!,
        antomKeyVersion: 'x',
      }),
      resolveSettingsPolicy({ allowLoopbackGateway: true }),
    );
    expect(bad.ok).toBe(false);
    expect(bad.issues.map(issue => issue.field).sort()).toEqual([
      'antomClientId',
      'antomKeyVersion',
      'antomPublicKey',
    ]);
    const strict = settingsToConfig(antomSettings({ antomRegion: 'http://antom.example.net' }));
    expect(strict.ok).toBe(false);
    expect(strict.issues[0]?.field).toBe('antomRegion');
    const region = settingsToConfig(antomSettings({ antomRegion: 'sea' }));
    expect(region.ok && region.config.generation === 'antom' && region.config.gateway).toBe('SEA');
    // The secret never appears in an issue.
    expect(JSON.stringify(bad.issues)).not.toContain(account.privateKey!.slice(40, 80));
  });

  it('take the shop’s currencies Antom knows, and the domestic generations still take CNY only', () => {
    expect(alipay.generation).toBe('antom');
    expect(alipay.currencyRefusal('USD')).toBeUndefined();
    expect(alipay.currencyRefusal('jpy')).toBeUndefined();
    expect(alipay.currencyRefusal('XTS')?.zh).toContain('XTS');
    expect(alipay.interfaceFor({ device: 'mobile' })).toEqual({
      generation: 'antom',
      method: 'CASHIER_PAYMENT',
      terminalType: 'WAP',
    });
  });
});

describe('Antom through the facade', () => {
  it('a USD order: cashier link, verified PAYMENT_RESULT as a paid trade event in cents, exact acknowledgement', async () => {
    const { outTradeNo, start, delivered } = await paidUsdOrder(2599);
    expect(start.kind).toBe('redirect');
    expect(start.kind === 'redirect' && new URL(start.url).origin).toBe(
      new URL(sandbox.sandbox.antomGateway).origin,
    );
    const verdict = await handle(delivered, { outTradeNo, amountFen: 2599, currency: 'USD' });
    expect(verdict).toMatchObject({
      ok: true,
      reply: ANTOM_NOTIFICATION_ACK,
      event: { generation: 'antom', status: 'paid', outTradeNo, amountFen: 2599, currency: 'USD' },
    });
    const tradeNo = verdict.ok && verdict.event.type === 'trade' ? verdict.event.tradeNo : '';
    const attempts = await sandbox.deliveries({ tradeNo });
    expect(attempts.filter(d => d.kind === 'PAYMENT_RESULT').map(d => d.outcome)).toEqual(['success']);
    // What the order expects is checked as for the other generations, and acknowledged (a retry cannot help).
    const wrongAmount = await handle(delivered, { outTradeNo, amountFen: 2600, currency: 'USD' });
    expect(wrongAmount).toMatchObject({ ok: false, reason: 'wrong_amount', reply: ANTOM_NOTIFICATION_ACK });
    const wrongCurrency = await handle(delivered, { outTradeNo, amountFen: 2599, currency: 'CNY' });
    expect(wrongCurrency).toMatchObject({ ok: false, reason: 'wrong_currency' });
    // An adapter that checks the event itself gets Antom's acknowledgement to send as well.
    if (verdict.ok) {
      expect(alipay.checkEvent(verdict.event, { amountFen: 1 })).toMatchObject({
        reason: 'wrong_amount',
        reply: ANTOM_NOTIFICATION_ACK,
      });
    }
    const trade = await alipay.queryTrade({ outTradeNo });
    expect(trade).toMatchObject({
      status: 'paid',
      amountFen: 2599,
      currency: 'USD',
      tradeNo,
      source: 'query',
    });
  });

  it('refuses a tampered body, a missing request and another client’s key, asking Antom to retry', async () => {
    const { delivered } = await paidUsdOrder(1000);
    const tampered = { ...delivered, body: Buffer.from(delivered.body.toString().replace('1000', '1')) };
    expect(await handle(tampered)).toMatchObject({ ok: false, reason: 'bad_signature', reply: 'fail' });
    expect(await alipay.handleNotification(delivered.body, delivered.contentType)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    // Behind a proxy the public path is what Antom signed: the local path does not verify.
    const proxied = await alipay.handleNotification(delivered.body, delivered.contentType, undefined, {
      headers: delivered.headers,
      notifyUrl: 'https://shop.example/internal/alipay/notify',
    });
    expect(proxied).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refunds idempotently by refund ID, confirmed by inquiryRefund; a refund result is acknowledged and changes nothing', async () => {
    const { outTradeNo } = await paidUsdOrder(5000);
    const trade = await alipay.queryTrade({ outTradeNo });
    const input = {
      outTradeNo,
      tradeNo: trade!.tradeNo,
      refundId: `rf-${outTradeNo}`,
      amountFen: 1200,
      currency: 'USD',
    };
    const first = await alipay.refund(input);
    expect(first).toEqual({ status: 'refunded', refundRequestNo: input.refundId, amountFen: 1200 });
    expect(
      refundAttemptResult(
        { amountFen: 1200, settledBeforeFen: 0, generation: 'antom' },
        { ok: true, value: first },
      ),
    ).toMatchObject({ status: 'succeeded' });
    // The same refund again (a retry after a lost answer) refunds nothing more.
    expect(await alipay.refund(input)).toEqual(first);
    const payment = await sandbox.antomPayment(outTradeNo);
    expect(payment.refundedValue).toBe('1200');
    expect(await alipay.queryRefund(input)).toEqual({ status: 'succeeded', amountFen: 1200 });
    expect(await alipay.queryRefund({ ...input, refundId: 'rf-never-made' })).toEqual({
      status: 'not_found',
    });
    // Without the currency the facade reads it from Antom.
    const second = await alipay.refund({
      ...input,
      refundId: `rf2-${outTradeNo}`,
      amountFen: 800,
      currency: undefined,
    });
    expect(second).toMatchObject({ status: 'refunded', amountFen: 800 });
    const refundResult = await receiver.next(
      n => n.body.includes('REFUND_RESULT') && n.body.includes(input.refundId),
    );
    expect(await handle(refundResult)).toMatchObject({
      ok: false,
      reason: 'unsupported_notification',
      reply: ANTOM_NOTIFICATION_ACK,
    });
  });

  it('closes an unpaid payment, never a paid one; an unknown one did not exist', async () => {
    const unpaid = await startUsdOrder(700);
    expect(await alipay.closeTrade({ outTradeNo: unpaid.outTradeNo })).toEqual({ existed: true });
    expect((await alipay.queryTrade({ outTradeNo: unpaid.outTradeNo }))?.status).toBe('closed');
    expect(await alipay.closeTrade({ outTradeNo: unpaid.outTradeNo })).toEqual({ existed: true });
    const paid = await paidUsdOrder(700);
    await expect(alipay.closeTrade({ outTradeNo: paid.outTradeNo })).rejects.toBeInstanceOf(
      TradeNotClosableError,
    );
    expect((await alipay.queryTrade({ outTradeNo: paid.outTradeNo }))?.status).toBe('paid');
    expect(await alipay.closeTrade({ outTradeNo: 'facade-never-started' })).toEqual({ existed: false });
    expect(await alipay.queryTrade({ outTradeNo: 'facade-never-started' })).toBeNull();
  });

  it('checks credentials: good keys pass, a wrong Antom public key is named', async () => {
    expect(await alipay.testCredentials()).toMatchObject({ ok: true, code: 'ORDER_NOT_EXIST' });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const wrong = facadeOf(
      antomSettings({ antomPublicKey: stranger.export({ type: 'spki', format: 'pem' }).toString() }),
    );
    const check = await wrong.testCredentials();
    expect(check.ok).toBe(false);
    expect(check.message.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});
