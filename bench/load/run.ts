/**
 * `pnpm bench:load` (issue 8 item 2): the notify endpoint of each example shop (the drivers registered in
 * test/support/drivers.ts) under 50 concurrent keep-alive connections on loopback, with 30 % duplicate
 * deliveries. Bounded: a fixed number of requests and a deadline per phase.
 *
 * Per shop:
 * 1. Start the sandbox (in this process) and the shop (its own process), and create `--orders` orders
 *    through the shop's storefront API, each with an Alipay payment started (OpenAPI page pay).
 * 2. Warm-up (not measured): the first 3 % of the orders (50–200) get their notifications, so that the
 *    measured phases see a shop that has run before.
 * 3. Every order gets one genuine `TRADE_SUCCESS` notification (signed RSA2 with the sandbox's Alipay key,
 *    as Alipay sends it) and later one `TRADE_FINISHED` (a new status for every trade: a new receipt, no
 *    new payment), each phase with 30 % duplicate deliveries (exact copies, same notify_id: half right after
 *    the original, so often concurrently with it, half later in the phase). Phases: half of the orders'
 *    `TRADE_SUCCESS` saturated (closed loop: capacity), the other half paced (open loop at half that
 *    throughput: latency below capacity, the p99 target), then every `TRADE_FINISHED` saturated. Each
 *    phase starts once the shop has finished what the previous one left (it may apply a payment after
 *    answering), and the paced rate is half of what the saturated phase sustained, drain included.
 * 4. Check that every order was paid exactly once (one Settled payment of its amount, no orphan), and report
 *    throughput, latency percentiles, the shop process's RSS before the first and after the last of all
 *    notifications (2 × orders ÷ 0.7: 20,000 with the default 7,000 orders) and its CPU time.
 *
 * Results: bench/results/load-<date>.{md,json} (not with --quick or --no-write).
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  FORM_UTF8,
  formBody,
  newTradeNo,
  openApiNotificationFields,
  signRsa2,
} from '../../test/support/alipay-messages';
import { registeredDrivers } from '../../test/support/drivers';
import { startDemoSandbox } from '../../test/support/sandbox';
import type { PendingOrder, ShopDriver } from '../../test/support/shop-driver';
import { repoRoot, rssOf } from '../../test/support/shop-process';
import { registeredTopologies } from '../../test/topology/support/drivers';
import type { TopologyDriver } from '../../test/topology/support/topology-driver';
import { type LoadRequest, type LoadResult, percentile, runLoad } from './loadgen';
import { machine, markdown, type PhaseReport, type ShopReport } from './report';

const { values: args } = parseArgs({
  // `pnpm bench:load -- --quick` passes the `--` on.
  args: process.argv.slice(2).filter(a => a !== '--'),
  options: {
    orders: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duplicates: { type: 'string', default: '0.3' },
    'order-concurrency': { type: 'string', default: '4' },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    label: { type: 'string' },
    rate: { type: 'string' },
    topology: { type: 'boolean', default: false },
  },
});
const ORDERS = Number(args.orders ?? (args.quick ? 300 : args.topology ? 1000 : 7000));
const CONNECTIONS = Number(args.connections);
const DUPLICATE_SHARE = Number(args.duplicates);
const ORDER_CONCURRENCY = Number(args['order-concurrency']);
const PHASE_DEADLINE_MS = 15 * 60_000;
const TARGET_P99_MS = 100;
/** The paced phase's arrival rate, as a share of the throughput the saturated pay phase reached. */
const PACED_SHARE = 0.5;
const TARGET_RSS_GROWTH = 50 * 1024 * 1024;
const write = !args.quick && !args['no-write'];

interface Delivery extends LoadRequest {
  duplicate: boolean;
}

interface Phase {
  name: string;
  deliveries: Delivery[];
  paced?: boolean;
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (ms: number) => Math.round(ms * 10) / 10;

/** utime + stime of a process in seconds (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `task` over `items`, `concurrency` at a time, in order of start. */
async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, i: number) => Promise<R>,
) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]!, i);
      }
    }),
  );
  return out;
}

/**
 * The deliveries of one phase: every distinct notification once, in random order, plus duplicates making
 * up `DUPLICATE_SHARE` of the deliveries: half right behind their original (0–2 places later: with 50
 * connections, in flight together), half anywhere later in the phase.
 */
function withDuplicates(distinct: LoadRequest[]): Delivery[] {
  const shuffled = [...distinct];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const duplicateCount = Math.round((shuffled.length * DUPLICATE_SHARE) / (1 - DUPLICATE_SHARE));
  const keyed: Array<{ key: number; delivery: Delivery }> = shuffled.map((r, i) => ({
    key: i,
    delivery: { ...r, duplicate: false },
  }));
  for (let d = 0; d < duplicateCount; d++) {
    const i = randomInt(shuffled.length);
    const later = d % 2 === 0 ? 0.5 + randomInt(3) : 0.5 + randomInt(Math.max(1, shuffled.length - i));
    keyed.push({ key: i + later, delivery: { ...shuffled[i]!, duplicate: true } });
  }
  return keyed.sort((a, b) => a.key - b.key).map(k => k.delivery);
}

function phaseReport(phase: string, deliveries: Delivery[], result: LoadResult): PhaseReport {
  const first: number[] = [];
  const dupes: number[] = [];
  deliveries.forEach((d, i) => {
    (d.duplicate ? dupes : first).push(result.latencies[i]!);
  });
  return {
    phase,
    requests: result.requests,
    duplicates: deliveries.filter(d => d.duplicate).length,
    durationS: round(result.durationMs / 1000),
    throughput: Math.round(result.requests / (result.durationMs / 1000)),
    p50: round(percentile(result.latencies, 50)),
    p90: round(percentile(result.latencies, 90)),
    p99: round(percentile(result.latencies, 99)),
    max: round(percentile(result.latencies, 100)),
    p99FirstDeliveries: round(percentile(first, 99)),
    p99Duplicates: round(percentile(dupes, 99)),
    errors: Object.fromEntries(result.errors),
  };
}

/** The processes a run measures: the shop's one process, or every server and worker of a topology. */
interface Measured {
  /** The shop's name in the report, e.g. `vendure` or `vendure topology, 2 servers`. */
  label: string;
  pids(): number[];
}

/** The sum of `cpuSeconds` over processes. */
const cpuOf = (pids: number[]) => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
/** The sum of the processes' RSS. */
const rssOfAll = (pids: number[]) => pids.reduce((n, pid) => n + rssOf(pid), 0);

/** One measured run against a started shop (its own orders, warm-up, phases, checks). */
async function benchShop(
  shop: ShopDriver,
  sandbox: Awaited<ReturnType<typeof startDemoSandbox>>,
  run: Measured,
): Promise<ShopReport> {
  const pids = run.pids;
  {
    const [app] = sandbox.accounts.apps;
    const alipayKey = sandbox.accounts.alipayKeys.privateKey;

    const t = performance.now();
    let made = 0;
    const orders = await pool(Array.from({ length: ORDERS }), ORDER_CONCURRENCY, async () => {
      const order = await shop.createPendingOrder({ kind: 'openapi' });
      if (++made % 500 === 0) console.log(`  ${run.label}: ${made} / ${ORDERS} orders`);
      return order;
    });
    const orderCreationS = round((performance.now() - t) / 1000);
    console.log(`  ${run.label}: ${ORDERS} orders in ${orderCreationS} s`);

    const origin = new URL(orders[0]!.notifyUrl).origin;
    const tradeNos = new Map(orders.map(o => [o.ref, newTradeNo()]));
    const notification = (order: PendingOrder, status: 'TRADE_SUCCESS' | 'TRADE_FINISHED'): LoadRequest => ({
      path: new URL(order.notifyUrl).pathname,
      contentType: FORM_UTF8,
      expect: 'success',
      body: formBody(
        signRsa2(
          openApiNotificationFields({
            appId: app!.appId,
            sellerId: app!.sellerId,
            outTradeNo: order.outTradeNo,
            tradeNo: tradeNos.get(order.ref)!,
            amountFen: order.amountFen,
            status,
          }),
          alipayKey,
        ),
      ),
    });
    // Warm-up (not measured): a real shop has run before; the first payments after a start are several
    // times slower (code paths compiled, caches filled).
    const warmupCount = Math.min(200, Math.max(50, Math.round(ORDERS * 0.03)));
    const warmup = orders.slice(0, warmupCount);
    const measured = orders.slice(warmupCount);
    const half = Math.floor(measured.length / 2);
    const phases: Phase[] = [
      {
        name: 'pay, saturated (closed loop)',
        deliveries: withDuplicates(measured.slice(0, half).map(o => notification(o, 'TRADE_SUCCESS'))),
      },
      {
        name: 'pay, paced (open loop)',
        deliveries: withDuplicates(measured.slice(half).map(o => notification(o, 'TRADE_SUCCESS'))),
        paced: true,
      },
      {
        name: 'finish, saturated (closed loop)',
        deliveries: withDuplicates(measured.map(o => notification(o, 'TRADE_FINISHED'))),
      },
    ];
    const warmupDeliveries = [
      ...withDuplicates(warmup.map(o => notification(o, 'TRADE_SUCCESS'))),
      ...withDuplicates(warmup.map(o => notification(o, 'TRADE_FINISHED'))),
    ];
    const totalDeliveries = warmupDeliveries.length + phases.reduce((n, p) => n + p.deliveries.length, 0);
    const pid = shop.pid();
    const rssAtStart = rssOfAll(pids());
    console.log(`  ${run.label}: warm-up: ${warmupDeliveries.length} deliveries…`);
    const warm = await runLoad(origin, warmupDeliveries, {
      connections: CONNECTIONS,
      timeoutMs: 30_000,
      deadlineMs: PHASE_DEADLINE_MS,
    });
    const warmupErrors = Object.fromEntries(warm.errors);

    const rssBefore = rssOfAll(pids());
    const cpuBefore = cpuOf(pids());
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssOfAll(pids()));
    }, 250);
    const reports: PhaseReport[] = [];
    const results: LoadResult[] = [];
    // LOAD_SIGNAL_SHOP=1: SIGWINCH to the shop before and after each phase (for a profiling preload).
    const mark = () => process.env.LOAD_SIGNAL_SHOP && process.kill(pid, 'SIGWINCH');
    mark();
    try {
      let saturatedPayRate = 0;
      let phaseIndex = 0;
      for (const { name: phase, deliveries, paced } of phases) {
        // Paced at half the rate the saturated run sustained (drain included): latency below capacity.
        const rate = paced
          ? args.rate
            ? Number(args.rate)
            : Math.max(1, Math.round(saturatedPayRate * PACED_SHARE))
          : undefined;
        console.log(
          `  ${run.label}: ${phase}: ${deliveries.length} deliveries over ${CONNECTIONS} connections${rate ? ` at ${rate}/s` : ''}…`,
        );
        const result = await runLoad(origin, deliveries, {
          connections: CONNECTIONS,
          timeoutMs: 30_000,
          // An open loop takes count ÷ rate by construction: bounded by that (plus 5 min), not cut short.
          deadlineMs: rate
            ? Math.max(PHASE_DEADLINE_MS, (deliveries.length / rate) * 1000 + 5 * 60_000)
            : PHASE_DEADLINE_MS,
          ...(rate ? { rate } : {}),
        });
        results.push(result);
        mark();
        if (process.env.LOAD_DUMP) {
          writeFileSync(
            `${process.env.LOAD_DUMP}-${reports.length}.json`,
            JSON.stringify(deliveries.map((d, i) => [d.duplicate ? 1 : 0, round(result.latencies[i]!)])),
          );
        }
        const rssMiB = mib(rssOfAll(pids()));
        // The last phase's drain is the settling below.
        const drainedS = ++phaseIndex < phases.length ? await settle(pids()) : undefined;
        const base = phaseReport(phase, deliveries, result);
        const report: PhaseReport = {
          ...base,
          ...(rate ? { rate } : {}),
          rssMiB,
          ...(drainedS !== undefined
            ? { drainedS, sustained: Math.round(result.requests / (result.durationMs / 1000 + drainedS)) }
            : {}),
        };
        if (!paced && saturatedPayRate === 0) saturatedPayRate = report.sustained ?? report.throughput;
        reports.push(report);
        console.log(
          `  ${run.label}: ${phase}: ${report.throughput}/s, p50 ${report.p50} ms, p99 ${report.p99} ms, errors ${JSON.stringify(report.errors)}`,
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const rssAfterLast = rssOfAll(pids());
    rssPeak = Math.max(rssPeak, rssAfterLast);
    const settledS = await settle(pids());
    const last = reports.at(-1);
    if (last) last.drainedS = settledS;
    // After the drain: the CPU the notifications cost, also where it was spent after the answers.
    const cpuAfter = cpuOf(pids());
    const rssAfter = rssOfAll(pids());

    // Every order paid exactly once: one live payment, settled, of the order's amount (payment state
    // names are each shop's own: Vendure `Settled`, Medusa `captured`; the view's flags are shop-neutral).
    const views = await shop.allOrders();
    const problems: string[] = [];
    // In a topology the earlier run's orders are in the same database: only this run's count.
    for (const order of orders) {
      const view = views.get(order.ref);
      const paidOnce = view?.livePayments === 1 && view.settled;
      if (!paidOnce || !view.payments.some(p => p.amountFen === order.amountFen)) {
        problems.push(`${order.ref}: ${JSON.stringify(view)}`);
      }
    }
    const snapshot = (await shop.snapshot()) as { orphanPayments?: unknown[] };
    const ours = new Set(orders.map(o => o.outTradeNo));
    const orphans = (snapshot.orphanPayments ?? []).filter(
      o => !(o as { outTradeNo?: string }).outTradeNo || ours.has((o as { outTradeNo: string }).outTradeNo),
    );
    if (orphans.length) problems.push(`${orphans.length} orphan payments`);

    const allDeliveries = phases.flatMap(p => p.deliveries);
    const allLatencies = Float64Array.from(results.flatMap(r => Array.from(r.latencies)));
    const totalRequests = results.reduce((n, r) => n + r.requests, 0);
    const totalMs = results.reduce((n, r) => n + r.durationMs, 0);
    const errors: Record<string, number> = {};
    for (const r of results) for (const [k, v] of r.errors) errors[k] = (errors[k] ?? 0) + v;
    const total = phaseReport('all', allDeliveries, {
      requests: totalRequests,
      durationMs: totalMs,
      latencies: allLatencies,
      errors: new Map(Object.entries(errors)),
    });
    const { phase: _phase, ...totalWithoutPhase } = total;
    const growth = rssAfter - rssBefore;
    const paced = reports.find(r => r.rate !== undefined);
    return {
      shop: run.label,
      orders: ORDERS,
      orderCreationS,
      phases: reports,
      total: totalWithoutPhase,
      notifications: totalRequests + warm.requests,
      warmup: { orders: warmup.length, deliveries: warm.requests, errors: warmupErrors },
      rss: {
        startMiB: mib(rssAtStart),
        beforeMiB: mib(rssBefore),
        afterLastMiB: mib(rssAfterLast),
        afterMiB: mib(rssAfter),
        settledS,
        peakMiB: mib(rssPeak),
        growthMiB: mib(growth),
        growthFromStartMiB: mib(rssAfter - rssAtStart),
      },
      cpu: {
        shopCpuS: round(cpuAfter - cpuBefore),
        shopCpuMsPerNotification: round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, totalRequests)),
      },
      paidExactlyOnce: { orders: ORDERS, ok: ORDERS - problems.length, problems: problems.slice(0, 20) },
      targets: {
        p99: paced !== undefined && paced.p99 < TARGET_P99_MS,
        memory: growth < TARGET_RSS_GROWTH && totalRequests + warm.requests >= totalDeliveries,
        paidOnce: problems.length === 0,
        noErrors: Object.keys(errors).length === 0 && Object.keys(warmupErrors).length === 0,
      },
    };
  }
}

/** The single-process shop: started, measured once, stopped. */
async function benchSingleProcess(shop: ShopDriver): Promise<ShopReport[]> {
  const sandbox = await startDemoSandbox(1);
  try {
    await shop.start({ sandboxUrl: sandbox.url });
    return [await benchShop(shop, sandbox, { label: shop.name, pids: () => [shop.pid()] })];
  } finally {
    await shop.stop();
    await sandbox.close();
  }
}

/**
 * The production topology (`--topology`): two servers and a worker on PostgreSQL and Redis behind the
 * round-robin proxy, measured with the proxy sending to one server, then to both (new orders each time).
 * CPU and memory are summed over all three processes, which all work for the notifications (the worker
 * runs the jobs they leave).
 */
async function benchTopology(shop: TopologyDriver): Promise<ShopReport[]> {
  const sandbox = await startDemoSandbox(1);
  try {
    await shop.start({ sandboxUrl: sandbox.url });
    const pids = () =>
      shop
        .processList()
        .filter(p => p.running)
        .map(p => p.pid);
    const reports: ShopReport[] = [];
    for (const servers of [1, 2] as const) {
      shop.useServers(servers);
      const label = `${shop.name} topology, ${servers} server${servers === 1 ? '' : 's'} + worker`;
      reports.push(await benchShop(shop, sandbox, { label, pids }));
    }
    return reports;
  } finally {
    await shop.stop();
    await sandbox.close();
  }
}

/**
 * Waits until the shop process has settled — used under 5 % of a core for 2 s, 120 s at most — and
 * returns the seconds it took: the notifications leave work behind (payments applied after the
 * answer, Vendure's search-index jobs, events).
 */
async function settle(pids: number[]): Promise<number> {
  const started = performance.now();
  for (let last = cpuOf(pids); performance.now() - started < 120_000; ) {
    await new Promise(resolve => setTimeout(resolve, 2_000));
    const now = cpuOf(pids);
    if (now - last < 0.1) break;
    last = now;
  }
  return round((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const before = machine();
  console.log(
    `Notify endpoint load: ${ORDERS} orders per shop, ${CONNECTIONS} connections, ${Math.round(DUPLICATE_SHARE * 100)} % duplicates`,
  );
  const reports: ShopReport[] = [];
  if (args.topology) {
    for (const { name, create } of registeredTopologies()) {
      console.log(`${name} (topology):`);
      reports.push(...(await benchTopology(create())));
    }
  } else {
    for (const { name, create } of registeredDrivers()) {
      console.log(`${name}:`);
      reports.push(...(await benchSingleProcess(create())));
    }
  }
  const after = loadavg().map(l => Math.round(l * 100) / 100);
  const md = markdown(date, before, after, reports, {
    connections: CONNECTIONS,
    duplicateShare: DUPLICATE_SHARE,
  });
  console.log(`\n${md}`);
  if (write) {
    const dir = join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const suffix = [args.topology ? 'topology' : '', args.label ?? ''].filter(Boolean).join('-');
    const base = join(dir, `load-${date}${suffix ? `-${suffix}` : ''}`);
    writeFileSync(`${base}.md`, md);
    writeFileSync(
      `${base}.json`,
      `${JSON.stringify({ date, machine: { ...before, loadAverageAfter: after }, connections: CONNECTIONS, duplicateShare: DUPLICATE_SHARE, reports }, null, 2)}\n`,
    );
    console.log(`written ${base}.md and .json`);
  }
  const failed = reports.some(r => !r.targets.paidOnce || !r.targets.noErrors)
    ? 2
    : reports.some(r => !r.targets.p99 || !r.targets.memory)
      ? 1
      : 0;
  process.exitCode = failed;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 2;
});
