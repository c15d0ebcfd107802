/**
 * Issue 8 item 4: the hostile-input matrix. At least 1,000 generated hostile notifications per shop
 * (test/support/hostile.ts: fields tampered, wrong keys, other merchants' and apps' valid notifications,
 * amounts off by 0.01, replays, oversized bodies, invalid charset bytes, duplicate keys, missing fields,
 * non-existent statuses), both domestic generations (OpenAPI RSA2 and legacy MD5), and 300 more of the third,
 * Antom (JSON signed in headers, test/support/hostile-antom.ts; issue 20), sent in parallel to the shop's
 * real notify endpoints. Pinned cases are added on every run (issue 15): charset fields whose escape
 * decodes to no text (`charset=%E4`, item 6) and OpenAPI notifications for another merchant the shop's app
 * serves (`auth_app_id` of another app, item 7).
 *
 * Definitions (printed in the summary line `N hostile notifications tried: A accepted, S state changes,
 * C crashes`; the suite fails unless A, S and C are 0):
 * - accepted: the shop logged the notification as processed genuine news — the driver's
 *   `notificationOutcomes()` verdict `accepted` (Vendure: `notify <status> → applied | recorded | orphan`,
 *   or a processed `batch_refund_notify`). Everything else must be logged as refused, with a reason, one
 *   line per request: the suite also fails when a request leaves no such line.
 * - state changes: orders, payments, refunds and orphan payments read through the admin API before and
 *   after the run (the driver's `snapshot()`); S counts the orders (and the orphan list) that differ.
 * - crashes: the shop process exited, or a request was answered 5xx, reset, or not answered within 15 s.
 *
 * Endless request bodies (issue 15 item 1): chunked POSTs without `Content-Length` that never end
 * (test/support/endless-body.ts) — a flood as fast as the kernel takes it, the same body paced so that
 * what the shop read can be measured, one byte a second — while a normal notification is sent. The shop
 * must answer 413 (408 for the slow one) with `Connection: close` and close the connection within
 * seconds, having read at most 64 KiB plus one chunk, and answer the normal request meanwhile. They count
 * in the summary line as four more requests tried; the endless ones are closed by design, so only a 5xx
 * answer (or a shop that exits) counts as a crash for them.
 *
 * Positive controls prove that the counters can count: at the end, the unmodified genuine messages are
 * sent and must be accepted and change state.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoAppNotificationFields,
  FORM_UTF8,
  formBody,
  legacyNotificationFields,
  newTradeNo,
  type Params,
  signMd5,
  signRsa2,
} from '../support/alipay-messages';
import { registeredDrivers, startShopOnSandbox, stopShopOnSandbox } from '../support/drivers';
import { sendEndlessBody } from '../support/endless-body';
import {
  type HostileRequest,
  type HostileTarget,
  hostileArbitrary,
  pinnedHostileRequests,
} from '../support/hostile';
import {
  type AntomHostileKeys,
  type AntomHostileTarget,
  antomHostileArbitrary,
  genuineAntomMessage,
  pinnedAntomHostileRequests,
} from '../support/hostile-antom';
import { buyerPays, type DemoSandbox, eventually } from '../support/sandbox';
import type { NotificationOutcome, PendingOrder, ShopDriver, ShopSnapshot } from '../support/shop-driver';

const COUNT = Number(process.env.HOSTILE_COUNT ?? 1200);
/** Antom (third generation) hostile notifications per shop, on top of {@link COUNT}. */
const ANTOM_COUNT = Number(process.env.HOSTILE_ANTOM_COUNT ?? 300);
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 16;
/** The notify endpoints' body policy (docs/security.md): 64 KiB, 10 s for the whole body. */
const BODY_LIMIT_BYTES = 64 * 1024;
const BODY_DEADLINE_MS = 10_000;

interface Tally {
  shop: string;
  tried: number;
  accepted: number;
  stateChanges: number;
  crashes: number;
}
const tallies: Tally[] = [];

/** Sends every request, `CONCURRENCY` at a time; returns what went wrong at the HTTP level. */
async function sendAll(
  requests: HostileRequest[],
): Promise<{ crashes: string[]; statuses: Map<number, number> }> {
  const crashes: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      try {
        const response = await fetch(r.url, {
          method: 'POST',
          headers: { ...r.headers, 'content-type': r.contentType },
          body: r.body,
          signal: AbortSignal.timeout(15_000),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) crashes.push(`${r.mutation} → HTTP ${response.status}`);
      } catch (error) {
        crashes.push(`${r.mutation} → ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { crashes, statuses };
}

/** Orders (and the orphan list) whose snapshot differs. */
function differences(before: ShopSnapshot, after: ShopSnapshot): string[] {
  const out: string[] = [];
  const b = before as { orders: Record<string, unknown>; orphanPayments: unknown };
  const a = after as { orders: Record<string, unknown>; orphanPayments: unknown };
  for (const code of new Set([...Object.keys(b.orders), ...Object.keys(a.orders)])) {
    if (JSON.stringify(b.orders[code]) !== JSON.stringify(a.orders[code])) {
      out.push(`${code}: ${JSON.stringify(b.orders[code])} → ${JSON.stringify(a.orders[code])}`);
    }
  }
  if (JSON.stringify(b.orphanPayments) !== JSON.stringify(a.orphanPayments)) out.push('orphan payments');
  return out;
}

for (const { name, create } of registeredDrivers()) {
  describe(`${name} shop: hostile notifications`, () => {
    let sandbox: DemoSandbox;
    let shop: ShopDriver;
    let targets: HostileTarget[];
    /** Genuine, fresh messages (never sent before the controls). */
    let controls: Array<{ order: PendingOrder; target: HostileTarget }>;
    /** Antom: the orders aimed at, the keys to sign as Antom, and the genuine message of the control. */
    let antomTargets: AntomHostileTarget[];
    let antomKeys: AntomHostileKeys;
    let antomControl: { order: PendingOrder; target: AntomHostileTarget };

    beforeAll(async () => {
      ({ shop, sandbox } = await startShopOnSandbox(create));
      const { accounts } = sandbox;
      const [merchantA, merchantB] = accounts.merchants;
      const alipayKey = accounts.alipayKeys.privateKey;
      const resignOpenApi = (p: Params) => signRsa2(p, alipayKey);
      const resignLegacy = (p: Params) => signMd5(p, merchantA!.key);

      // Orders that stay unpaid: the main targets.
      const openPending = await shop.createPendingOrder({ kind: 'openapi' });
      const legacyPending = await shop.createPendingOrder({ kind: 'legacy-instant' });
      const escrowPending = await shop.createPendingOrder({ kind: 'legacy-escrow' });
      // Paid orders, whose genuine notifications are replayed.
      const openPaid = await shop.createPendingOrder({ kind: 'openapi' });
      const openPaidDelivery = (await sandbox.pay(buyerPays('openapi', openPaid.outTradeNo))).deliveries[0]!;
      const legacyPaid = await shop.createPendingOrder({ kind: 'legacy-instant' });
      const legacyPaidDelivery = (await sandbox.pay(buyerPays('legacy-instant', legacyPaid.outTradeNo)))
        .deliveries[0]!;
      expect([openPaidDelivery.answer, legacyPaidDelivery.answer]).toEqual(['success', 'success']);
      // Paid at Alipay, notification lost (dropped, Alipay keeps retrying): its genuine notify_id passes
      // notify_verify, so legacy messages built on it get past the sandbox and reach the shop's checks.
      const legacyVerified = await shop.createPendingOrder({ kind: 'legacy-instant' });
      await sandbox.addFault({ fault: 'drop-notify', scope: { outTradeNo: legacyVerified.outTradeNo } });
      const dropped = (await sandbox.pay(buyerPays('legacy-instant', legacyVerified.outTradeNo)))
        .deliveries[0]!;
      expect(dropped.outcome).toBe('dropped');

      const openApiFields = demoAppNotificationFields;
      const legacyFields = (order: PendingOrder, status = 'TRADE_SUCCESS') =>
        legacyNotificationFields({
          partner: merchantA!.partner,
          sellerId: merchantA!.sellerId,
          sellerEmail: merchantA!.sellerEmail,
          outTradeNo: order.outTradeNo,
          tradeNo: newTradeNo(),
          amountFen: order.amountFen,
          status,
        });
      const openApi = {
        generation: 'openapi' as const,
        resign: resignOpenApi,
        amountField: 'total_amount' as const,
      };
      const legacy = {
        generation: 'legacy' as const,
        resign: resignLegacy,
        amountField: 'total_fee' as const,
      };
      targets = [
        {
          ...openApi,
          label: 'openapi-pending',
          url: openPending.notifyUrl,
          genuine: true,
          base: resignOpenApi(openApiFields(openPending)),
        },
        {
          ...openApi,
          label: 'openapi-paid',
          url: openPaid.notifyUrl,
          genuine: false,
          base: openPaidDelivery.params,
        },
        // notify_id never issued: notify_verify says false.
        {
          ...legacy,
          label: 'legacy-pending',
          url: legacyPending.notifyUrl,
          genuine: false,
          base: resignLegacy(legacyFields(legacyPending)),
        },
        {
          ...legacy,
          label: 'escrow-pending',
          url: escrowPending.notifyUrl,
          genuine: false,
          base: resignLegacy(legacyFields(escrowPending, 'WAIT_SELLER_SEND_GOODS')),
        },
        {
          ...legacy,
          label: 'legacy-paid',
          url: legacyPaid.notifyUrl,
          genuine: false,
          base: legacyPaidDelivery.params,
        },
        {
          ...legacy,
          label: 'legacy-verified',
          url: legacyVerified.notifyUrl,
          genuine: true,
          base: dropped.params,
        },
      ];
      controls = [
        { order: openPending, target: targets[0]! },
        { order: legacyVerified, target: targets[5]! },
      ];

      // Antom: an unpaid USD order (its PAYMENT_RESULT forged with the sandbox's Antom key: genuine) and a
      // paid one (its genuine notification replayed).
      const antomClient = accounts.antom.clients[0]!;
      antomKeys = {
        antomPrivateKey: accounts.antom.antomKeys.privateKey,
        merchantPrivateKey: antomClient.privateKey,
        clientId: antomClient.clientId,
      };
      const antomBody = async (order: PendingOrder) => {
        const payment = await sandbox.antomPayment(order.outTradeNo, antomClient.clientId);
        return {
          notifyType: 'PAYMENT_RESULT',
          result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
          paymentRequestId: order.outTradeNo,
          paymentId: payment.paymentId,
          paymentAmount: { currency: payment.currency, value: payment.value },
          paymentCreateTime: '2026-12-06T10:00:00+08:00',
          paymentTime: '2026-12-06T10:01:00+08:00',
        };
      };
      const antomPending = await shop.createPendingOrder({ kind: 'antom' });
      const antomPaid = await shop.createPendingOrder({ kind: 'antom' });
      const paidAntom = await sandbox.antomPay({
        paymentRequestId: antomPaid.outTradeNo,
        clientId: antomClient.clientId,
      });
      expect(paidAntom.deliveries[0]?.outcome).toBe('success');
      antomTargets = [
        {
          label: 'antom-pending',
          url: antomPending.notifyUrl,
          base: await antomBody(antomPending),
          genuine: true,
        },
        { label: 'antom-paid', url: antomPaid.notifyUrl, base: await antomBody(antomPaid), genuine: false },
      ];
      antomControl = { order: antomPending, target: antomTargets[0]! };
      void merchantB;
    });

    afterAll(() => stopShopOnSandbox({ shop, sandbox }));

    /** Nothing accepted, no order changed, the shop did not crash. */
    function expectHarmless(batch: {
      accepted: NotificationOutcome[];
      changed: string[];
      crashes: string[];
    }) {
      expect(
        batch.accepted.map(o => o.line),
        'accepted',
      ).toEqual([]);
      expect(batch.changed, 'state changes').toEqual([]);
      expect(batch.crashes, 'crashes').toEqual([]);
    }

    /**
     * What a batch of requests did: the shop's outcome lines since `fromLine` (once there is one per
     * request, or what there is after `timeoutMs`), those that accepted, and the orders that changed since
     * `before`. A shop process that exited is added to `crashes`.
     */
    async function afterRequests(batch: {
      before: ShopSnapshot;
      fromLine: number;
      requests: number;
      timeoutMs: number;
      crashes: string[];
    }): Promise<{ outcomes: NotificationOutcome[]; accepted: NotificationOutcome[]; changed: string[] }> {
      const { fromLine, requests } = batch;
      // One log line per request; wait for the last ones to be flushed.
      const outcomes = await eventually(
        async () => {
          const found = shop.notificationOutcomes(fromLine);
          return found.length >= requests && found;
        },
        { what: `a log line for each of the ${requests} requests`, timeoutMs: batch.timeoutMs },
      ).catch(() => shop.notificationOutcomes(fromLine));
      const after = await shop.snapshot();
      if (!shop.isRunning()) batch.crashes.push('the shop process exited');
      return {
        outcomes,
        accepted: outcomes.filter(o => o.verdict === 'accepted'),
        changed: differences(batch.before, after),
      };
    }

    it(`${COUNT} generated hostile notifications: none accepted, no state change, no crash; each refusal logged with its reason`, async () => {
      const { accounts } = sandbox;
      const [merchantA, merchantB] = accounts.merchants;
      const [app] = accounts.apps;
      const arbitrary = hostileArbitrary(targets, {
        appPrivateKey: app!.privateKey,
        md5KeyA: merchantA!.key,
        md5KeyB: merchantB!.key,
        merchantB: {
          partner: merchantB!.partner,
          sellerId: merchantB!.sellerId,
          sellerEmail: merchantB!.sellerEmail,
        },
        appId: app!.appId,
        appSellerId: app!.sellerId,
      });
      // Generated cases, then the pinned ones (issue 15 items 6 and 7) that every run must include.
      const requests = [
        ...fc.sample(arbitrary, { numRuns: COUNT, seed: SEED }),
        ...pinnedHostileRequests(targets),
        ...fc.sample(antomHostileArbitrary(antomTargets, antomKeys), { numRuns: ANTOM_COUNT, seed: SEED }),
        ...pinnedAntomHostileRequests(antomTargets, antomKeys),
      ];
      const generations = new Set(
        requests.map(r => targets.find(t => t.label === r.target)?.generation ?? 'antom'),
      );
      expect([...generations].sort()).toEqual(['antom', 'legacy', 'openapi']);

      const before = await shop.snapshot();
      const fromLine = shop.logs().length;
      const { crashes, statuses } = await sendAll(requests);
      const { outcomes, accepted, changed } = await afterRequests({
        before,
        fromLine,
        requests: requests.length,
        timeoutMs: 30_000,
        crashes,
      });
      const tally: Tally = {
        shop: name,
        tried: requests.length,
        accepted: accepted.length,
        stateChanges: changed.length,
        crashes: crashes.length,
      };
      tallies.push(tally);
      const reasons = new Map<string, number>();
      for (const o of outcomes) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
      console.log(
        `${name}: seed ${SEED} (HOSTILE_SEED=${SEED} reproduces it); HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}; logged reasons ${JSON.stringify(Object.fromEntries([...reasons].sort((x, y) => y[1] - x[1])))}`,
      );
      console.log(
        `${name}: ${tally.tried} hostile notifications tried: ${tally.accepted} accepted, ${tally.stateChanges} state changes, ${tally.crashes} crashes`,
      );
      expectHarmless({ accepted, changed, crashes });
      expect(
        outcomes.filter(o => o.verdict === 'refused').length,
        'a refusal logged with its reason per request',
      ).toBe(requests.length);
      for (const o of outcomes) expect(o.reason).toMatch(/^[\w.:-]+$/);
    });

    it('endless request bodies (chunked, no Content-Length): answered 413 / 408 with Connection: close and closed within seconds, at most 64 KiB + one chunk read, other requests served meanwhile', async () => {
      const url = targets[0]!.url;
      const before = await shop.snapshot();
      const fromLine = shop.logs().length;
      const crashes: string[] = [];
      const slow = sendEndlessBody(url, {
        pace: 'one-byte-per-second',
        contentType: FORM_UTF8,
        giveUpMs: BODY_DEADLINE_MS + 10_000,
      });
      await new Promise(resolve => setTimeout(resolve, 1_000));
      const normalTarget = targets[2]!;
      const normal = (async () => {
        const sent = Date.now();
        try {
          const response = await fetch(normalTarget.url, {
            method: 'POST',
            headers: { 'content-type': FORM_UTF8 },
            body: formBody(normalTarget.base),
            signal: AbortSignal.timeout(15_000),
          });
          return { status: response.status, text: await response.text(), ms: Date.now() - sent };
        } catch (error) {
          crashes.push(`normal request → ${(error as Error).name}: ${(error as Error).message}`);
          return undefined;
        }
      })();
      const [paced, flood, served] = await Promise.all([
        sendEndlessBody(url, { pace: 'paced', contentType: FORM_UTF8, giveUpMs: 8_000 }),
        sendEndlessBody(url, {
          pace: 'flood',
          contentType: FORM_UTF8,
          giveUpMs: 8_000,
          maxBytes: 512 * 1024 * 1024,
        }),
        normal,
      ]);
      const slowResult = await slow;
      const results = { paced, flood, slow: slowResult };
      console.log(
        `${name}: endless bodies ${JSON.stringify(
          Object.fromEntries(
            Object.entries(results).map(([k, r]) => [
              k,
              {
                status: r.status,
                connectionClose: r.connectionClose,
                closedByServer: r.closedByServer,
                closedAfterMs: r.elapsedMs,
                written: r.written,
                taken: r.taken,
              },
            ]),
          ),
        )}; normal request meanwhile ${JSON.stringify(served)}`,
      );
      for (const [k, r] of Object.entries(results)) {
        if (r.status !== undefined && r.status >= 500) crashes.push(`${k} endless body → HTTP ${r.status}`);
      }
      if (served && served.status >= 500) crashes.push(`normal request → HTTP ${served.status}`);
      const { outcomes, accepted, changed } = await afterRequests({
        before,
        fromLine,
        requests: 4,
        timeoutMs: 15_000,
        crashes,
      });
      const tally: Tally = {
        shop: name,
        tried: 4,
        accepted: accepted.length,
        stateChanges: changed.length,
        crashes: crashes.length,
      };
      tallies.push(tally);
      console.log(
        `${name}: ${tally.tried} endless-body requests tried: ${tally.accepted} accepted, ${tally.stateChanges} state changes, ${tally.crashes} crashes`,
      );

      // Paced: what the shop read is measured exactly.
      expect(paced.closedByServer, 'paced: the shop closed the connection').toBe(true);
      expect(paced.elapsedMs, 'paced: closed within seconds').toBeLessThan(5_000);
      expect(paced.taken, 'paced: bytes the shop read').toBeLessThanOrEqual(
        BODY_LIMIT_BYTES + paced.chunkBytes,
      );
      expect([paced.status, paced.connectionClose, paced.answerBody]).toEqual([413, true, 'fail']);
      // Flood: as fast as the kernel takes it; what the client wrote includes the socket buffers.
      expect(flood.closedByServer, 'flood: the shop closed the connection').toBe(true);
      expect(flood.elapsedMs, 'flood: closed within seconds').toBeLessThan(5_000);
      expect([flood.status, flood.connectionClose, flood.answerBody]).toEqual([413, true, 'fail']);
      // One byte a second: the deadline for the whole body.
      expect(slowResult.closedByServer, 'slow: the shop closed the connection').toBe(true);
      expect(slowResult.elapsedMs, 'slow: closed at the deadline').toBeGreaterThanOrEqual(
        BODY_DEADLINE_MS - 500,
      );
      expect(slowResult.elapsedMs, 'slow: closed at the deadline').toBeLessThan(BODY_DEADLINE_MS + 5_000);
      expect(slowResult.written).toBeLessThanOrEqual(16);
      expect([slowResult.status, slowResult.connectionClose, slowResult.answerBody]).toEqual([
        408,
        true,
        'fail',
      ]);
      // Served meanwhile, promptly.
      expect(served?.status).toBe(200);
      expect(['success', 'fail']).toContain(served?.text);
      expect(served!.ms, 'normal request answered within 5 s').toBeLessThan(5_000);

      expectHarmless({ accepted, changed, crashes });
      expect(
        outcomes
          .map(o => o.reason)
          .filter(r => r.startsWith('body:'))
          .sort(),
        'each endless body logged with its reason',
      ).toEqual(['body:entity.too.large', 'body:entity.too.large', 'body:request.timeout']);
      expect(outcomes.filter(o => o.verdict === 'refused').length, 'a refusal logged per request').toBe(4);
    });

    it('positive controls: the unmodified genuine messages are accepted and pay their orders (the counters can count)', async () => {
      const fromLine = shop.logs().length;
      for (const { order, target } of controls) {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: new URLSearchParams(target.base).toString(),
        });
        expect(await response.text()).toBe('success');
        // A shop may apply the payment a moment after answering (the Medusa plugin does).
        await eventually(async () => (await shop.orderState(order)).livePayments === 1, {
          what: `${order.ref} paid by its control`,
        });
      }
      // Antom: the genuine message, signed by the sandbox's Antom key for the order's notify URL, is acknowledged exactly.
      const { order: antomOrder, target: antomTarget } = antomControl;
      const antom = genuineAntomMessage(antomTarget, antomKeys);
      const antomResponse = await fetch(antomTarget.url, {
        method: 'POST',
        headers: { ...antom.headers, 'content-type': 'application/json; charset=UTF-8' },
        body: antom.body,
      });
      expect([antomResponse.status, await antomResponse.text()]).toEqual([
        200,
        '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}',
      ]);
      await eventually(async () => (await shop.orderState(antomOrder)).livePayments === 1, {
        what: `${antomOrder.ref} paid by its Antom control`,
      });
      const outcomes = await eventually(
        async () => {
          const found = shop.notificationOutcomes(fromLine);
          return found.length >= controls.length + 1 && found;
        },
        { what: 'the controls logged' },
      );
      expect(outcomes.map(o => o.verdict)).toEqual(['accepted', 'accepted', 'accepted']);
      await sandbox.clearFaults();
    });
  });
}

afterAll(() => {
  const total = tallies.reduce(
    (sum, t) => ({
      tried: sum.tried + t.tried,
      accepted: sum.accepted + t.accepted,
      stateChanges: sum.stateChanges + t.stateChanges,
      crashes: sum.crashes + t.crashes,
    }),
    { tried: 0, accepted: 0, stateChanges: 0, crashes: 0 },
  );
  // The summary line of issue 8 item 4 (all shops together; one line per shop is printed above).
  process.stdout.write(
    `\n${total.tried} hostile notifications tried: ${total.accepted} accepted, ${total.stateChanges} state changes, ${total.crashes} crashes\n`,
  );
});
