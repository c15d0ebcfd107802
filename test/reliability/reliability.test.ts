/**
 * Issue 8 item 3: each example shop (test/support/drivers.ts) against the sandbox's fault injection.
 * Lost, duplicated and reordered notifications; `notify_verify` and the gateway answering 500 or hanging;
 * the shop restarted (and killed) in the middle of a payment; the escrow shipment confirmation failing, then
 * succeeding. Whatever happens, every order ends up paid exactly once.
 *
 * The sandbox runs at time scale 1 (Alipay's retry 4 minutes later is 4 real minutes away), so nothing is
 * retried behind a test's back: each test moves the sandbox clock to make Alipay's next attempt happen.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  demoAppNotificationFields,
  FORM_UTF8,
  formBody,
  openApiNotificationFields,
  signRsa2,
} from '../support/alipay-messages';
import { registeredDrivers, startShopOnSandbox, stopShopOnSandbox } from '../support/drivers';
import { buyerPays, type Delivery, type DemoSandbox, eventually, ownerOf } from '../support/sandbox';
import type { PaymentKind, PendingOrder, ShopDriver } from '../support/shop-driver';

/** Alipay's first retry comes 4 minutes after a failed attempt (sandbox time). */
const FIRST_RETRY_MS = 4 * 60_000;

for (const { name, create } of registeredDrivers()) {
  describe(`${name} shop: reliability under faults`, () => {
    let sandbox: DemoSandbox;
    let shop: ShopDriver;

    beforeAll(async () => {
      ({ shop, sandbox } = await startShopOnSandbox(create));
    });

    afterEach(async () => {
      await sandbox?.clearFaults();
    });

    afterAll(() => stopShopOnSandbox({ shop, sandbox }));

    /**
     * The order holds exactly one live payment of the amount Alipay collected. Waits for the payment
     * first: a shop may answer Alipay `success` once the notification is verified and stored, and apply
     * it a moment later (the Medusa plugin does; after a crash its resume job applies it once the dead
     * process's claim is 30 s stale, so up to a minute).
     */
    async function expectPaidOnce(order: PendingOrder, settled = true): Promise<void> {
      await eventually(
        async () => {
          const view = await shop.orderState(order);
          return view.paid && view.settled === settled;
        },
        { what: `${order.ref} paid${settled ? ' and settled' : ''}`, timeoutMs: 60_000 },
      );
      const view = await shop.orderState(order);
      expect(view.livePayments, `${order.ref}: ${JSON.stringify(view)}`).toBe(1);
      expect(view.settled).toBe(settled);
      const live = view.payments.filter(p => p.amountFen === order.amountFen);
      expect(live.length).toBeGreaterThanOrEqual(1);
    }

    async function expectUnpaid(order: PendingOrder): Promise<void> {
      const view = await shop.orderState(order);
      expect(view.paid, `${order.ref}: ${JSON.stringify(view)}`).toBe(false);
      expect(view.livePayments).toBe(0);
    }

    const waitForPaid = (order: PendingOrder, what: string) =>
      eventually(async () => (await shop.orderState(order)).paid, { what: what, timeoutMs: 30_000 });

    async function deliveriesUntil(
      outTradeNo: string,
      done: (deliveries: Delivery[]) => boolean,
      what: string,
    ): Promise<Delivery[]> {
      return eventually(
        async () => {
          const deliveries = await sandbox.deliveries(outTradeNo);
          return done(deliveries) && deliveries;
        },
        { what: what },
      );
    }

    /** Alipay's first retry comes (the sandbox clock moved), the shop answers success, the order is paid once. */
    async function retryPaysOnce(order: PendingOrder): Promise<void> {
      await sandbox.advanceClock(FIRST_RETRY_MS);
      await deliveriesUntil(
        order.outTradeNo,
        d => d.some(x => x.outcome === 'success'),
        'the retry answered success',
      );
      await expectPaidOnce(order);
    }

    /**
     * A legacy instant order paid while the sandbox's notify_verify hangs: resolves once the shop is
     * waiting on notify_verify for the payment's notification (the fault stays until cleared).
     */
    async function payWhileNotifyVerifyHangs(): Promise<PendingOrder> {
      const order = await shop.createPendingOrder({ kind: 'legacy-instant' });
      const fault = await sandbox.addFault({ fault: 'notify-verify-hang', scope: ownerOf('legacy-instant') });
      await sandbox.pay(buyerPays('legacy-instant', order.outTradeNo, { waitForNotify: false }));
      await eventually(async () => (await sandbox.faultFired(fault.id)) >= 1, {
        what: 'the shop calling notify_verify',
      });
      return order;
    }

    it('duplicate deliveries: two concurrent copies of each attempt (same notify_id) pay the order once', async () => {
      for (const kind of ['openapi', 'legacy-instant'] as PaymentKind[]) {
        const order = await shop.createPendingOrder({ kind });
        await sandbox.addFault({ fault: 'duplicate-notify', scope: { outTradeNo: order.outTradeNo } });
        await sandbox.pay(buyerPays(kind, order.outTradeNo, { waitForNotify: false }));
        const deliveries = await deliveriesUntil(
          order.outTradeNo,
          d => d.filter(x => x.outcome !== undefined && x.answer !== undefined).length >= 2,
          'both copies answered',
        );
        expect(deliveries.map(d => [d.copy, d.outcome, d.answer])).toEqual(
          expect.arrayContaining([
            [1, 'success', 'success'],
            [2, 'success', 'success'],
          ]),
        );
        await expectPaidOnce(order);
      }
    });

    for (const kind of ['openapi', 'legacy-instant'] as PaymentKind[]) {
      it(`a dropped notification (${kind}) is recovered by reconciliation; Alipay's later retry changes nothing`, async () => {
        const order = await shop.createPendingOrder({ kind });
        const fault = (
          await sandbox.addFault({ fault: 'drop-notify', scope: { outTradeNo: order.outTradeNo } })
        ).id;
        await sandbox.pay(buyerPays(kind, order.outTradeNo));
        expect((await sandbox.deliveries(order.outTradeNo)).map(d => d.outcome)).toEqual(['dropped']);
        expect(await sandbox.faultFired(fault)).toBe(1);
        await expectUnpaid(order);

        await shop.reconcile();
        await expectPaidOnce(order);

        // Alipay still retries the dropped notification: acknowledged, nothing changes.
        await sandbox.clearFaults();
        const before = await shop.snapshot();
        await sandbox.advanceClock(FIRST_RETRY_MS);
        const deliveries = await deliveriesUntil(
          order.outTradeNo,
          d => d.some(x => x.outcome === 'success'),
          'the retry answered success',
        );
        expect(deliveries.map(d => [d.attempt, d.outcome])).toEqual([
          [1, 'dropped'],
          [2, 'success'],
        ]);
        expect(await shop.snapshot()).toEqual(before);
        await expectPaidOnce(order);
      });
    }

    it('reordering: a late WAIT_BUYER_PAY after TRADE_SUCCESS is acknowledged and changes nothing (OpenAPI)', async () => {
      const order = await shop.createPendingOrder({ kind: 'openapi' });
      const paid = await sandbox.pay(buyerPays('openapi', order.outTradeNo));
      expect(paid.deliveries.map(d => d.answer)).toEqual(['success']);
      await expectPaidOnce(order);
      const before = await shop.snapshot();
      // What a delayed WAIT_BUYER_PAY of this trade looks like, signed by "Alipay" (the sandbox's key).
      const [app] = sandbox.accounts.apps;
      const late = signRsa2(
        openApiNotificationFields({
          appId: app!.appId,
          sellerId: app!.sellerId,
          outTradeNo: order.outTradeNo,
          tradeNo: paid.trade.tradeNo,
          amountFen: order.amountFen,
          status: 'WAIT_BUYER_PAY',
        }),
        sandbox.accounts.alipayKeys.privateKey,
      );
      const response = await fetch(order.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': FORM_UTF8 },
        body: formBody(late),
      });
      expect([response.status, await response.text()]).toEqual([200, 'success']);
      expect(await shop.snapshot()).toEqual(before);
      await expectPaidOnce(order);
    });

    it('reordering: the sandbox holds WAIT_BUYER_PAY until WAIT_SELLER_SEND_GOODS went out (legacy escrow)', async () => {
      const [merchant] = sandbox.accounts.merchants;
      // Escrow notifies WAIT_BUYER_PAY as soon as the buyer opens the cashier, i.e. inside createPendingOrder.
      await sandbox.addFault({ fault: 'reorder-notify', scope: { partner: merchant!.partner }, count: 1 });
      const order = await shop.createPendingOrder({ kind: 'legacy-escrow', physical: true });
      await sandbox.pay(buyerPays('legacy-escrow', order.outTradeNo, { waitForNotify: false }));
      const deliveries = await deliveriesUntil(
        order.outTradeNo,
        d => d.filter(x => x.outcome === 'success').length >= 2,
        'both notifications delivered',
      );
      expect(deliveries.map(d => [d.tradeStatus ?? d.params.trade_status, d.answer])).toEqual([
        ['WAIT_SELLER_SEND_GOODS', 'success'],
        ['WAIT_BUYER_PAY', 'success'],
      ]);
      await expectPaidOnce(order, false);
      expect((await shop.orderState(order)).payments.map(p => p.state)).not.toContain('Settled');
    });

    it('notify_verify answering 500: the endpoint answers fail, Alipay retries, the retry pays the order', async () => {
      const order = await shop.createPendingOrder({ kind: 'legacy-instant' });
      const fault = (await sandbox.addFault({ fault: 'notify-verify-500', scope: ownerOf('legacy-instant') }))
        .id;
      await sandbox.pay(buyerPays('legacy-instant', order.outTradeNo));
      expect(await sandbox.faultFired(fault)).toBeGreaterThanOrEqual(1);
      expect((await sandbox.deliveries(order.outTradeNo)).map(d => [d.outcome, d.answer])).toEqual([
        ['rejected', 'fail'],
      ]);
      await expectUnpaid(order);

      await sandbox.clearFaults();
      await sandbox.advanceClock(FIRST_RETRY_MS);
      const deliveries = await deliveriesUntil(order.outTradeNo, d => d.length >= 2, 'the retry');
      expect(deliveries.map(d => [d.attempt, d.answer])).toEqual([
        [1, 'fail'],
        [2, 'success'],
      ]);
      await expectPaidOnce(order);
    });

    it('notify_verify hanging: Alipay times out, the retry after recovery pays the order once', async () => {
      const order = await payWhileNotifyVerifyHangs();
      // Alipay gives up on the attempt (the sandbox's notifyTimeoutMs); the shop must not have paid meanwhile.
      await deliveriesUntil(
        order.outTradeNo,
        d => d.some(x => x.outcome === 'timeout'),
        'the attempt timing out',
      );
      await expectUnpaid(order);

      await sandbox.clearFaults(); // releases the hung notify_verify requests too
      await retryPaysOnce(order);
      expect(shop.isRunning()).toBe(true);
    });

    for (const fault of ['gateway-500', 'gateway-hang'] as const) {
      it(`the gateway ${fault === 'gateway-500' ? 'answering 500 during reconciliation: the order stays unpaid, the next run pays it' : 'hanging during reconciliation: nothing is paid while it hangs; once the call fails over, the retried query pays the order'}`, async () => {
        const order = await shop.createPendingOrder({ kind: 'openapi' });
        const drop = (
          await sandbox.addFault({ fault: 'drop-notify', scope: { outTradeNo: order.outTradeNo } })
        ).id;
        await sandbox.pay(buyerPays('openapi', order.outTradeNo));
        expect(await sandbox.faultFired(drop)).toBe(1);
        const broken = (await sandbox.addFault({ fault: fault, scope: ownerOf('openapi') })).id;
        if (fault === 'gateway-500') {
          await shop.reconcile();
        } else {
          // The run waits on the hung query; release it once the gateway has been reached (the client
          // sees the connection die, as when Alipay's side times out).
          const run = shop.reconcile();
          await eventually(async () => (await sandbox.faultFired(broken)) >= 1, {
            what: 'the query reaching the gateway',
          });
          await expectUnpaid(order);
          await sandbox.clearFaults();
          await run;
        }
        if (fault === 'gateway-500') {
          // Every attempt of the query (the core retries idempotent calls) met the fault.
          expect(await sandbox.faultFired(broken)).toBeGreaterThanOrEqual(1);
          await expectUnpaid(order);
          await sandbox.clearFaults();
          await shop.reconcile();
        }
        await expectPaidOnce(order);
        expect(shop.isRunning()).toBe(true);
      });
    }

    it('the shop down while Alipay notifies (restart mid-payment): the retry after the restart pays the order once', async () => {
      const order = await shop.createPendingOrder({ kind: 'openapi' });
      await shop.restart('SIGTERM', async () => {
        await sandbox.pay(buyerPays('openapi', order.outTradeNo));
        const [attempt] = await sandbox.deliveries(order.outTradeNo);
        expect(attempt?.outcome).toBe('network-error');
      });
      await expectUnpaid(order);
      await retryPaysOnce(order);
    });

    it('the shop killed (SIGKILL) while it verifies a notification: after the restart the retry pays the order once', async () => {
      // notify_verify hangs: the shop is provably in the middle of handling the notification when killed.
      const order = await payWhileNotifyVerifyHangs();
      await shop.restart('SIGKILL', async () => {
        await sandbox.clearFaults();
      });
      await expectUnpaid(order);
      await deliveriesUntil(
        order.outTradeNo,
        d => d.length >= 1 && d[0]!.outcome !== undefined,
        'attempt 1 ended',
      );
      await retryPaysOnce(order);
    });

    it('the shop killed (SIGKILL) right after a notification was sent to it, several times: each order is paid once', async () => {
      const orders: Array<{ order: PendingOrder; body: string }> = [];
      for (let i = 0; i < 3; i++) {
        const order = await shop.createPendingOrder({ kind: 'openapi' });
        const body = formBody(
          signRsa2(demoAppNotificationFields(order), sandbox.accounts.alipayKeys.privateKey),
        );
        orders.push({ order, body });
      }
      for (const { order, body } of orders) {
        // Alipay's POST, and the process killed while it may be anywhere in handling it.
        const inFlight = fetch(order.notifyUrl, {
          method: 'POST',
          headers: { 'content-type': FORM_UTF8 },
          body,
        })
          .then(r => r.text())
          .catch(() => 'connection lost');
        await shop.restart('SIGKILL', async () => {
          await inFlight;
        });
        // Alipay retries until it reads `success`.
        const retry = await fetch(order.notifyUrl, {
          method: 'POST',
          headers: { 'content-type': FORM_UTF8 },
          body,
        });
        expect(await retry.text()).toBe('success');
        await expectPaidOnce(order);
      }
      // Three restarts, each possibly followed by a resume after the dead process's claim went stale.
    }, 300_000);

    it('escrow shipment confirmation failing (gateway 500), then succeeding on the retry; receipt settles the payment', async () => {
      const order = await shop.createPendingOrder({ kind: 'legacy-escrow', physical: true });
      await sandbox.pay(buyerPays('legacy-escrow', order.outTradeNo));
      await waitForPaid(order, 'the escrow payment');
      await expectPaidOnce(order, false);

      const fault = (await sandbox.addFault({ fault: 'gateway-500', scope: ownerOf('legacy-escrow') })).id;
      await shop.ship(order, { carrier: 'SF Express 顺丰速运', trackingNumber: 'SF1234567890' });
      await eventually(async () => (await sandbox.faultFired(fault)) >= 1, {
        what: 'the first confirmation attempt',
        timeoutMs: 30_000,
      });
      expect((await sandbox.trade(order.outTradeNo)).status).toBe('WAIT_SELLER_SEND_GOODS');

      await sandbox.clearFaults();
      const shipped = await eventually(
        async () => {
          const trade = await sandbox.trade(order.outTradeNo);
          return trade.status === 'WAIT_BUYER_CONFIRM_GOODS' && trade;
        },
        { what: 'the retried confirmation reaching Alipay', timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(shipped.shipment?.invoiceNo).toBe('SF1234567890');
      await expectPaidOnce(order, false);

      await sandbox.confirmReceipt({ outTradeNo: order.outTradeNo, ...ownerOf('legacy-escrow') });
      await eventually(async () => (await shop.orderState(order)).settled, {
        what: 'TRADE_FINISHED settling the payment',
      });
      await expectPaidOnce(order, true);
    });
  });
}
