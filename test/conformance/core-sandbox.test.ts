/**
 * Conformance: the core's clients and facade against the offline sandbox, which behaves like Alipay and
 * shares only signing primitives with the core. Every service of both generations, both charsets.
 */
import {
  type Alipay,
  type AlipayEvent,
  createAlipay,
  InterfaceNotContractedError,
  isRefundNotification,
  type TradeEvent,
  TradeNotClosableError,
} from '@alipay-commerce/core';
import { startSandbox } from '@alipay-commerce/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fieldOf, type ReceivedNotification, startNotifyReceiver } from '../support/notify-receiver';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sandbox: Sandbox;
let receiver: Awaited<ReturnType<typeof startNotifyReceiver>>;

async function control<T = Record<string, unknown>>(
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<T> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method: body === undefined && method === 'POST' ? 'GET' : method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function legacyFacade(index: 0 | 1, overrides: Record<string, unknown> = {}): Alipay {
  const merchant = sandbox.merchants[index]!;
  return createAlipay({
    generation: 'legacy',
    interfaceType: 'direct',
    partnerId: merchant.partner,
    key: merchant.key,
    sellerEmail: merchant.sellerEmail,
    gateway: sandbox.legacyGateway,
    ...overrides,
  });
}

function openApiFacade(overrides: Record<string, unknown> = {}): Alipay {
  const app = sandbox.apps[0]!;
  return createAlipay({
    generation: 'openapi',
    products: ['page', 'wap', 'qr'],
    appId: app.appId,
    appPrivateKey: app.privateKey,
    alipayPublicKey: app.alipayPublicKey,
    sellerId: app.sellerId,
    gateway: sandbox.openapiGateway,
    ...overrides,
  });
}

let sequence = 0;
const nextTradeNo = (prefix: string) => `${prefix}${Date.now()}${sequence++}`;

function order(outTradeNo: string, extra: Record<string, unknown> = {}) {
  return {
    outTradeNo,
    amountFen: 12_345,
    subject: '测试商品 Conformance',
    notifyUrl: `${receiver.url}/notify`,
    returnUrl: `${receiver.url}/return`,
    ...extra,
  };
}

/** Follows a signed browser URL into the sandbox: the cashier opens (the trade starts to exist). */
async function openCashier(url: string): Promise<Response> {
  return fetch(url, { redirect: 'follow' });
}

/** Starts a payment through the facade, opens its cashier, and pays it there as the buyer. */
async function startAndPay(
  alipay: Alipay,
  outTradeNo: string,
  owner: { partner: string } | { appId: string },
): Promise<void> {
  const start = await alipay.startPayment(order(outTradeNo));
  if (start.kind === 'redirect') await openCashier(start.url);
  await control('pay', { outTradeNo, ...owner });
}

async function notificationFor(outTradeNo: string, status: string): Promise<ReceivedNotification> {
  return receiver.next(
    n => fieldOf(n.body, 'out_trade_no') === outTradeNo && fieldOf(n.body, 'trade_status') === status,
  );
}

async function verified(alipay: Alipay, notification: ReceivedNotification): Promise<AlipayEvent> {
  const verdict = await alipay.handleNotification(notification.body, notification.contentType);
  if (!verdict.ok) throw new Error(`rejected: ${verdict.reason} ${verdict.message}`);
  return verdict.event;
}

/** Waits for `outTradeNo`'s notification reporting `status`, and verifies it as a trade event. */
async function verifiedTradeEvent(alipay: Alipay, outTradeNo: string, status: string): Promise<TradeEvent> {
  return (await verified(alipay, await notificationFor(outTradeNo, status))) as TradeEvent;
}

/**
 * A legacy trade of the first merchant, paid and verified, then refunded through the facade: the start of
 * both legacy refund scenarios (with and without the seller's password), which differ only after it.
 */
async function refundPaidLegacyTrade(
  refundWithoutPassword: boolean,
  prefix: string,
  refundId: (outTradeNo: string) => string,
  amountFen: number,
): Promise<{
  alipay: Alipay;
  outTradeNo: string;
  paid: TradeEvent;
  outcome: Awaited<ReturnType<Alipay['refund']>>;
}> {
  const alipay = legacyFacade(0, { refundWithoutPassword });
  const outTradeNo = nextTradeNo(prefix);
  await startAndPay(alipay, outTradeNo, { partner: sandbox.merchants[0]!.partner });
  const paid = await verifiedTradeEvent(alipay, outTradeNo, 'TRADE_SUCCESS');
  const outcome = await alipay.refund({
    outTradeNo,
    tradeNo: paid.tradeNo,
    refundId: refundId(outTradeNo),
    amountFen,
    notifyUrl: `${receiver.url}/notify`,
  });
  return { alipay, outTradeNo, paid, outcome };
}

beforeAll(async () => {
  receiver = await startNotifyReceiver();
  sandbox = await startSandbox({ port: 0, timeScale: 1000 });
});
afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});
beforeEach(() => receiver.setAnswer(() => 'success'));

describe('legacy gateway (partner + MD5 key)', () => {
  it.each(['utf-8', 'gbk'] as const)(
    'instant payment in %s: cashier, notification, notify_verify, return',
    async charset => {
      const alipay = legacyFacade(0, { charset });
      const outTradeNo = nextTradeNo('LD');
      const start = await alipay.startPayment(order(outTradeNo));
      if (start.kind !== 'redirect') throw new Error('expected a redirect');
      const cashier = await openCashier(start.url);
      expect(cashier.status).toBe(200);
      const html = await cashier.text();
      expect(html).toContain('测试商品 Conformance');
      expect(html).toContain('123.45');

      const paid = await control<{ redirect: { url: string } | null }>('pay', {
        outTradeNo,
        partner: sandbox.merchants[0]!.partner,
      });
      const notification = await notificationFor(outTradeNo, 'TRADE_SUCCESS');
      if (charset === 'gbk') expect(notification.contentType?.toLowerCase()).toContain('gbk');
      const event = (await verified(alipay, notification)) as TradeEvent;
      expect(event).toMatchObject({ status: 'paid', amountFen: 12_345, outTradeNo, displayOnly: false });
      expect(event.raw['subject']).toBe('测试商品 Conformance');

      // The browser's return: signed parameters, display only.
      const returnQuery = new URL(paid.redirect!.url).search;
      expect(alipay.handleReturn(returnQuery)).toMatchObject({
        ok: true,
        event: { displayOnly: true, outTradeNo },
      });
      const trade = await alipay.queryTrade({ outTradeNo });
      expect(trade).toMatchObject({
        status: 'paid',
        amountFen: 12_345,
        tradeNo: event.tradeNo,
        source: 'query',
      });
    },
  );

  it('escrow lifecycle: paid → shipment (发货) → receipt confirmed → finished, each step notified and verified', async () => {
    const alipay = legacyFacade(0, { interfaceType: 'escrow' });
    const outTradeNo = nextTradeNo('LE');
    const start = await alipay.startPayment(order(outTradeNo, { shippingFeeFen: 1000, goods: 'physical' }));
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    const html = await (await openCashier(start.url)).text();
    expect(html).toMatch(/物流信息/);
    const partner = sandbox.merchants[0]!.partner;
    await control('pay', { outTradeNo, partner });
    const paid = await verifiedTradeEvent(alipay, outTradeNo, 'WAIT_SELLER_SEND_GOODS');
    expect(paid.status).toBe('paid_awaiting_shipment');
    expect(paid.amountFen).toBe(12_345);

    expect(
      await alipay.confirmShipment({
        tradeNo: paid.tradeNo,
        carrier: 'SF Express',
        trackingNumber: 'SF1001',
      }),
    ).toEqual({
      alreadyConfirmed: false,
    });
    const shipped = await verifiedTradeEvent(alipay, outTradeNo, 'WAIT_BUYER_CONFIRM_GOODS');
    expect(shipped.status).toBe('shipped_awaiting_receipt');
    expect(shipped.timestamps.shipped).toBeDefined();
    // A repeated confirmation (e.g. after a lost answer) is recognized, not an error.
    expect(await alipay.confirmShipment({ tradeNo: paid.tradeNo, carrier: 'SF Express' })).toEqual({
      alreadyConfirmed: true,
    });

    await control('confirm-receipt', { outTradeNo, partner });
    const finished = await verifiedTradeEvent(alipay, outTradeNo, 'TRADE_FINISHED');
    expect(finished.status).toBe('finished');
    expect(await alipay.queryTrade({ outTradeNo })).toMatchObject({ status: 'finished' });
  });

  it('dual interface paid instantly goes straight to finished', async () => {
    const alipay = legacyFacade(0, { interfaceType: 'dual' });
    const outTradeNo = nextTradeNo('LU');
    const start = await alipay.startPayment(order(outTradeNo, { goods: 'virtual' }));
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    expect(await (await openCashier(start.url)).text()).toMatch(/即时到账/);
    await control('pay', { outTradeNo, partner: sandbox.merchants[0]!.partner, mode: 'instant' });
    expect(await verified(alipay, await notificationFor(outTradeNo, 'TRADE_FINISHED'))).toMatchObject({
      status: 'finished',
    });
  });

  it('HAS_NO_PRIVILEGE: the cashier refuses an uncontracted interface; server calls raise the typed error', async () => {
    const alipay = legacyFacade(1, { interfaceType: 'escrow' });
    const start = await alipay.startPayment(order(nextTradeNo('LB')));
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    const page = await openCashier(start.url);
    expect(await page.text()).toContain('HAS_NO_PRIVILEGE');
    await expect(
      alipay.confirmShipment({ tradeNo: '2026000000000001', carrier: 'x' }),
    ).rejects.toBeInstanceOf(InterfaceNotContractedError);
    const check = await alipay.testCredentials();
    expect(check.ok).toBe(true); // partner and key are right; only the query is not contracted
    expect(check.message.en).toMatch(/not in the contract/);
  });

  it('testCredentials: good key → ok; wrong key → ILLEGAL_SIGN named', async () => {
    expect(await legacyFacade(0).testCredentials()).toMatchObject({ ok: true });
    const wrong = legacyFacade(0, { key: 'x'.repeat(32) });
    expect(await wrong.testCredentials()).toMatchObject({ ok: false, code: 'ILLEGAL_SIGN' });
  });

  it('closeTrade: nothing to close before the cashier opened; closes an open unpaid trade', async () => {
    const alipay = legacyFacade(0);
    const outTradeNo = nextTradeNo('LC');
    const start = await alipay.startPayment(order(outTradeNo));
    expect(await alipay.closeTrade({ outTradeNo })).toEqual({ existed: false });
    if (start.kind === 'redirect') await openCashier(start.url);
    expect(await alipay.closeTrade({ outTradeNo })).toEqual({ existed: true });
    expect(await alipay.queryTrade({ outTradeNo })).toMatchObject({ status: 'closed' });
    // Closing again is idempotent; a paid trade cannot be closed (refund it instead).
    expect(await alipay.closeTrade({ outTradeNo })).toEqual({ existed: true });
    const paidNo = nextTradeNo('LK');
    await startAndPay(alipay, paidNo, { partner: sandbox.merchants[0]!.partner });
    await expect(alipay.closeTrade({ outTradeNo: paidNo })).rejects.toBeInstanceOf(TradeNotClosableError);
  });

  it('refund without password: pending, then batch_refund_notify verified', async () => {
    const { alipay, outTradeNo, paid, outcome } = await refundPaidLegacyTrade(
      true,
      'LR',
      no => `refund-${no}`,
      2345,
    );
    expect(outcome.status).toBe('pending');
    const batch = await receiver.next(n => fieldOf(n.body, 'batch_no') === outcome.refundRequestNo);
    const event = await verified(alipay, batch);
    expect(event).toMatchObject({
      type: 'refund',
      amountFen: 2345,
      items: [{ tradeNo: paid.tradeNo, success: true }],
    });
    // The trade's own notification reports the refund: a refund, never a payment.
    const refunded = await receiver.next(
      n => fieldOf(n.body, 'out_trade_no') === outTradeNo && fieldOf(n.body, 'refund_status') !== undefined,
    );
    const tradeEvent = (await verified(alipay, refunded)) as TradeEvent;
    expect(tradeEvent.refundStatus).toBe('REFUND_SUCCESS');
    expect(isRefundNotification(tradeEvent)).toBe(true);
    // A retry with the stored request number is the same batch: Alipay refuses a second refund.
    const retry = await alipay.refund({
      outTradeNo,
      tradeNo: paid.tradeNo,
      refundId: `refund-${outTradeNo}`,
      amountFen: 2345,
      refundRequestNo: outcome.refundRequestNo,
    });
    expect(retry).toEqual({ status: 'pending', refundRequestNo: outcome.refundRequestNo });
    expect(await alipay.queryRefund({ outTradeNo, refundId: `refund-${outTradeNo}` })).toEqual({
      status: 'unknown',
    });
    const deliveries = await control<{ deliveries: { kind?: string; params?: Record<string, string> }[] }>(
      `deliveries?batchNo=${outcome.refundRequestNo}`,
      undefined,
      'GET',
    );
    expect(
      deliveries.deliveries.filter(d => d.params?.['batch_no'] === outcome.refundRequestNo),
    ).toHaveLength(1);
  });

  it('refund with password: a confirmation page for the seller, then batch_refund_notify', async () => {
    const { alipay, outcome } = await refundPaidLegacyTrade(false, 'LP', no => `r-${no}`, 100);
    if (outcome.status !== 'requires_action') throw new Error('expected a confirmation page');
    const page = await fetch(outcome.confirmUrl, { redirect: 'follow' });
    expect(page.status).toBe(200);
    const confirmPath = /action="([^"]*refund\/confirm[^"]*)"/.exec(await page.text())?.[1];
    expect(confirmPath).toBeDefined();
    const form = new URLSearchParams({ account: sandbox.merchants[0]!.sellerEmail, password: '111111' });
    await fetch(new URL(confirmPath!.replace(/&amp;/g, '&'), sandbox.url), {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const batch = await receiver.next(n => fieldOf(n.body, 'batch_no') === outcome.refundRequestNo);
    expect(await verified(alipay, batch)).toMatchObject({ type: 'refund', amountFen: 100 });
  });

  it('notify_verify unavailable → retryable rejection; the retry after the fault verifies', async () => {
    const alipay = legacyFacade(0);
    const partner = sandbox.merchants[0]!.partner;
    const outTradeNo = nextTradeNo('LV');
    const start = await alipay.startPayment(order(outTradeNo));
    if (start.kind === 'redirect') await openCashier(start.url);
    await control('faults', { scope: { partner }, fault: 'notify-verify-500' });
    receiver.setAnswer(async n => (await alipay.handleNotification(n.body, n.contentType)).reply);
    await control('pay', { outTradeNo, partner });
    const first = await notificationFor(outTradeNo, 'TRADE_SUCCESS');
    expect(await alipay.handleNotification(first.body, first.contentType)).toMatchObject({
      ok: false,
      reason: 'notify_verify_unavailable',
      reply: 'fail',
    });
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    await control('clock/advance', { ms: 5 * 60 * 1000 });
    // The retry (Alipay's 4-minute attempt) is answered by the receiver through the core: wait for "success".
    let outcomes: string[] = [];
    for (let i = 0; i < 50 && !outcomes.includes('success'); i++) {
      const answer = await control<{ deliveries: { outcome: string }[] }>(
        `deliveries?outTradeNo=${outTradeNo}`,
        undefined,
        'GET',
      );
      const list = answer.deliveries;
      outcomes = list.map(d => d.outcome);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(outcomes[0]).toBe('rejected');
    expect(outcomes).toContain('success');
  });
});

describe('OpenAPI gateway (app ID + RSA2)', () => {
  it('page pay on desktop, wap on mobile: cashier, notification, return, query', async () => {
    const alipay = openApiFacade();
    for (const device of ['desktop', 'mobile'] as const) {
      const outTradeNo = nextTradeNo(device === 'desktop' ? 'OP' : 'OW');
      const start = await alipay.startPayment(order(outTradeNo), { device });
      if (start.kind !== 'redirect') throw new Error('expected a redirect');
      expect(start.interface).toMatchObject({
        method: device === 'desktop' ? 'alipay.trade.page.pay' : 'alipay.trade.wap.pay',
      });
      expect((await openCashier(start.url)).status).toBe(200);
      const paid = await control<{ redirect: { url: string } | null }>('pay', {
        outTradeNo,
        appId: sandbox.apps[0]!.appId,
      });
      const event = await verifiedTradeEvent(alipay, outTradeNo, 'TRADE_SUCCESS');
      expect(event).toMatchObject({ status: 'paid', amountFen: 12_345, appId: sandbox.apps[0]!.appId });
      expect(alipay.handleReturn(new URL(paid.redirect!.url).search)).toMatchObject({
        ok: true,
        event: { displayOnly: true },
      });
      expect(await alipay.queryTrade({ outTradeNo })).toMatchObject({
        status: 'paid',
        tradeNo: event.tradeNo,
      });
    }
  });

  it('the POST form variant reaches the cashier too', async () => {
    const alipay = openApiFacade();
    const outTradeNo = nextTradeNo('OF');
    const start = await alipay.startPayment(order(outTradeNo), { device: 'desktop' }, { as: 'form' });
    if (start.kind !== 'form') throw new Error('expected a form');
    const action = /action="([^"]+)"/.exec(start.html)![1]!.replace(/&amp;/g, '&');
    const fields: [string, string][] = [...start.html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(
      (m): [string, string] => [
        m[1]!,
        m[2]!
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&#39;/g, "'"),
      ],
    );
    const response = await fetch(action, {
      method: 'POST',
      body: new URLSearchParams(fields),
      redirect: 'follow',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('测试商品 Conformance');
  });

  it('QR (当面付 precreate) with a real QR image; scanning opens the cashier', async () => {
    const alipay = openApiFacade({ alwaysQrOnDesktop: true });
    const outTradeNo = nextTradeNo('OQ');
    const start = await alipay.startPayment(order(outTradeNo), { device: 'desktop' });
    if (start.kind !== 'qr') throw new Error('expected a QR code');
    expect(start.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const image = await fetch(`${start.qrCode.replace(/\/$/, '')}.png`);
    expect(image.headers.get('content-type')).toContain('image/png');
    expect((await fetch(start.qrCode, { redirect: 'follow' })).status).toBe(200);
    await control('pay', { outTradeNo, appId: sandbox.apps[0]!.appId });
    expect(await verified(alipay, await notificationFor(outTradeNo, 'TRADE_SUCCESS'))).toMatchObject({
      status: 'paid',
    });
  });

  it('refund: partial, idempotent by refund ID, then the rest; notifications are refunds, not payments', async () => {
    const alipay = openApiFacade();
    const outTradeNo = nextTradeNo('OR');
    await startAndPay(alipay, outTradeNo, { appId: sandbox.apps[0]!.appId });
    await notificationFor(outTradeNo, 'TRADE_SUCCESS');
    const first = await alipay.refund({ outTradeNo, refundId: 'refund_A', amountFen: 345 });
    const again = await alipay.refund({ outTradeNo, refundId: 'refund_A', amountFen: 345 });
    expect(first).toMatchObject({ status: 'succeeded', refundedTotalFen: 345 });
    expect(again).toMatchObject({
      status: 'succeeded',
      refundedTotalFen: 345,
      refundRequestNo: first.refundRequestNo,
    });
    expect(await alipay.queryRefund({ outTradeNo, refundId: 'refund_A' })).toEqual({
      status: 'succeeded',
      amountFen: 345,
    });
    expect(await alipay.queryRefund({ outTradeNo, refundId: 'refund_never_made' })).toEqual({
      status: 'not_found',
    });
    const rest = await alipay.refund({ outTradeNo, refundId: 'refund_B', amountFen: 12_000 });
    expect(rest).toMatchObject({ refundedTotalFen: 12_345 });
    const refundNotice = await receiver.next(
      n => fieldOf(n.body, 'out_trade_no') === outTradeNo && fieldOf(n.body, 'out_biz_no') !== undefined,
    );
    const event = (await verified(alipay, refundNotice)) as TradeEvent;
    expect(event.refundRequestNo).toBeDefined();
    expect(event.refundedFen).toBeGreaterThan(0);
    // A refund notification is never held to "what the order still owes".
    const verdict = await alipay.handleNotification(refundNotice.body, refundNotice.contentType, {
      amountFen: 1,
    });
    expect(verdict.ok).toBe(true);
  });

  it('close, testCredentials, and a wrong Alipay public key', async () => {
    const alipay = openApiFacade();
    const outTradeNo = nextTradeNo('OC');
    expect(await alipay.closeTrade({ outTradeNo })).toEqual({ existed: false });
    const start = await alipay.startPayment(order(outTradeNo));
    if (start.kind === 'redirect') await openCashier(start.url);
    expect(await alipay.closeTrade({ outTradeNo })).toEqual({ existed: true });
    expect(await alipay.testCredentials()).toMatchObject({ ok: true });
    // The classic mistake cannot even be configured: the app's own public key is refused by validation.
    expect(() => openApiFacade({ alipayPublicKey: sandbox.apps[0]!.publicKey })).toThrow(/alipayPublicKey/);
  });

  it('tampered signatures are refused (notification and synchronous answer)', async () => {
    const alipay = openApiFacade();
    const appId = sandbox.apps[0]!.appId;
    const outTradeNo = nextTradeNo('OT');
    const start = await alipay.startPayment(order(outTradeNo));
    if (start.kind === 'redirect') await openCashier(start.url);
    await control('faults', { scope: { outTradeNo }, fault: 'tamper-signature', count: 1 });
    await control('pay', { outTradeNo, appId });
    const tampered = await notificationFor(outTradeNo, 'TRADE_SUCCESS');
    expect(await alipay.handleNotification(tampered.body, tampered.contentType)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    await control('faults', { scope: { appId }, fault: 'tamper-signature', count: 1 });
    await expect(alipay.queryTrade({ outTradeNo })).rejects.toThrow();
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
  });
});

describe('OpenAPI certificate mode', () => {
  let certSandbox: Sandbox;
  beforeAll(async () => {
    certSandbox = await startSandbox({
      port: 0,
      timeScale: 1000,
      config: { apps: [{ appId: '2021000000000077', products: ['page', 'qr'], certificates: true }] },
    });
  });
  afterAll(() => certSandbox?.close());

  it('signs with app_cert_sn / alipay_root_cert_sn and verifies with the Alipay certificate', async () => {
    const app = certSandbox.apps[0]!;
    const certificates = app.certificates!;
    const alipay = createAlipay({
      generation: 'openapi',
      products: ['page', 'qr'],
      appId: app.appId,
      appPrivateKey: app.privateKey,
      appCertificate: certificates.appCert,
      alipayCertificate: certificates.alipayCert,
      alipayRootCertificate: certificates.alipayRootCert,
      gateway: certSandbox.openapiGateway,
    });
    expect(await alipay.testCredentials()).toMatchObject({ ok: true });
    const outTradeNo = nextTradeNo('CQ');
    const start = await alipay.startPayment({ ...order(outTradeNo) }, { device: 'desktop' });
    if (start.kind === 'redirect') await openCashier(start.url);
    await fetch(`${certSandbox.url}/__sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outTradeNo, appId: app.appId }),
    });
    expect(await verified(alipay, await notificationFor(outTradeNo, 'TRADE_SUCCESS'))).toMatchObject({
      status: 'paid',
    });
  });
});
