import { readFileSync } from 'node:fs';

/**
 * A small interleaved micro-benchmark harness, built for noisy shared machines:
 *
 * - every implementation of a case is calibrated (batch size) and warmed up first;
 * - then R rounds; in each round every implementation runs for a fixed time slice, one after the other
 *   (A, B, C, then B, C, A, … the order rotates so no implementation always runs first);
 * - a full GC (with `--expose-gc`) before each slice, so one implementation's garbage is not collected on
 *   another's time;
 * - per slice: ops/s from `process.hrtime.bigint()`; on Linux also the main thread's CPU time (from
 *   /proc/thread-self/stat, 10 ms ticks) and its involuntary context switches: CPU ÷ wall below ~90 %, or
 *   many preemptions, mean the OS gave the core to other work during the slice;
 * - results are medians over rounds; ratios are medians of per-round ratios (the two slices of a round are
 *   adjacent in time, so machine load drifting between rounds cancels out of the ratio).
 */

export interface Impl {
  /** Short label in the table. */
  name: string;
  /** `core`, `sdk` (alipay-sdk), `floor` (bare node:crypto / platform) or `info` (extra, no target). */
  role: 'core' | 'sdk' | 'floor' | 'info';
  /** One operation. Its result is folded into a sink so it cannot be optimized away. */
  fn: () => unknown;
}

export interface RunOptions {
  warmupMs: number;
  rounds: number;
  sliceMs: number;
}

export interface ImplResult {
  impl: Impl;
  /** ops/s of each round, in round order. */
  samples: number[];
  /** Main-thread CPU time ÷ wall time over all timed slices (undefined off Linux). */
  cpuShare: number | undefined;
  /** Involuntary context switches of the main thread per second of timed slices (undefined off Linux). */
  preemptionsPerSec: number | undefined;
  median: number;
  /** Interquartile range ÷ median, as a fraction. */
  iqrRel: number;
  batch: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
let sink = 0;

function consume(value: unknown): void {
  if (typeof value === 'boolean') sink += value ? 1 : 0;
  else if (typeof value === 'string') sink += value.length;
  else if (value !== null && typeof value === 'object') sink += 1;
}

/** The sink, so that callers can print something that depends on every result. */
export function sinkValue(): number {
  return sink;
}

export function hasGc(): boolean {
  return gc !== undefined;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Batch size so one batch takes about `targetMs`: the clock is read once per batch. */
function calibrate(fn: () => unknown, targetMs = 0.5): number {
  let batch = 1;
  for (;;) {
    const start = nowNs();
    for (let i = 0; i < batch; i++) consume(fn());
    const ms = Number(nowNs() - start) / 1e6;
    if (ms >= targetMs || batch >= 1 << 20) return batch;
    batch = ms <= 0 ? batch * 8 : Math.max(batch + 1, Math.ceil((batch * targetMs) / ms));
  }
}

/** Linux USER_HZ: /proc reports CPU time in ticks of 10 ms. */
const TICK_MS = 10;

interface ThreadStat {
  cpuMs: number;
  preemptions: number;
}

/** The main thread's own CPU time and involuntary context switches (GC helper threads excluded). */
function threadStat(): ThreadStat | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync('/proc/thread-self/status', 'latin1');
    const preemptions = /nonvoluntary_ctxt_switches:\s*(\d+)/.exec(status)?.[1];
    if (preemptions === undefined) return undefined;
    return { cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS, preemptions: Number(preemptions) };
  } catch {
    return undefined;
  }
}

interface Slice {
  opsPerSec: number;
  wallMs: number;
  cpuMs?: number;
  preemptions?: number;
}

function runSlice(fn: () => unknown, batch: number, ms: number): Slice {
  const budget = BigInt(Math.round(ms * 1e6));
  const before = threadStat();
  const start = nowNs();
  let ops = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < batch; i++) consume(fn());
    ops += batch;
    elapsed = nowNs() - start;
  } while (elapsed < budget);
  const after = threadStat();
  const wallMs = Number(elapsed) / 1e6;
  const slice: Slice = { opsPerSec: ops / (wallMs / 1e3), wallMs };
  if (before && after) {
    slice.cpuMs = after.cpuMs - before.cpuMs;
    slice.preemptions = after.preemptions - before.preemptions;
  }
  return slice;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Runs one case: calibration, warm-up, then interleaved rounds. */
export function runCase(impls: readonly Impl[], options: RunOptions): ImplResult[] {
  const batches = impls.map(impl => calibrate(impl.fn));
  // Warm-up, interleaved too, so every implementation is optimized before the first timed slice.
  const warmSlice = options.warmupMs / 2;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < impls.length; i++) runSlice(impls[i]!.fn, batches[i]!, warmSlice);
  }
  const samples = impls.map(() => [] as number[]);
  const slices = impls.map(() => [] as Slice[]);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < impls.length; k++) {
      const i = (k + round) % impls.length;
      gc?.();
      const slice = runSlice(impls[i]!.fn, batches[i]!, options.sliceMs);
      samples[i]!.push(slice.opsPerSec);
      slices[i]!.push(slice);
    }
  }
  return impls.map((impl, i) => {
    const s = samples[i]!;
    const m = median(s);
    const own = slices[i]!;
    const wallMs = own.reduce((sum, x) => sum + x.wallMs, 0);
    const measured = own.every(x => x.cpuMs !== undefined);
    return {
      impl,
      samples: s,
      cpuShare: measured ? own.reduce((sum, x) => sum + x.cpuMs!, 0) / wallMs : undefined,
      preemptionsPerSec: measured
        ? own.reduce((sum, x) => sum + x.preemptions!, 0) / (wallMs / 1e3)
        : undefined,
      median: m,
      iqrRel: (quantile(s, 0.75) - quantile(s, 0.25)) / m,
      batch: batches[i]!,
    };
  });
}

/** Median over rounds of `a[r] / b[r]` (how many times faster a is than b). */
export function pairedRatio(a: ImplResult, b: ImplResult): number {
  return median(a.samples.map((value, r) => value / b.samples[r]!));
}
