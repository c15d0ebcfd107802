/**
 * The sandbox clock: real time plus an offset that tests move forward with `POST /__sandbox/clock/advance`.
 * Every protocol timer (notification retries, notify_id expiry, trade timeouts, auto-confirmation) is a
 * task on this clock, so advancing it fires exactly the tasks that became due, in due order.
 */

type Task = { dueAt: number; run: () => unknown };

/** Longest delay node's setTimeout accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A virtual clock with a task queue. All times are epoch milliseconds of the sandbox clock. */
export class SandboxClock {
  private offset = 0;
  private seq = 0;
  private readonly tasks = new Map<number, Task>();
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  /**
   * @param timeScale Alipay's delays are divided by this (e.g. 60: a 4-minute retry waits 4 seconds).
   */
  constructor(readonly timeScale: number) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new RangeError('timeScale must be a positive number');
  }

  /** Current sandbox time (epoch ms). */
  now(): number {
    return Date.now() + this.offset;
  }

  /** How far the clock has been advanced beyond real time, in ms. */
  get advancedBy(): number {
    return this.offset;
  }

  /** An Alipay-time duration (e.g. the 4-minute first retry) in sandbox ms, divided by the time scale. */
  scaled(alipayMs: number): number {
    return alipayMs / this.timeScale;
  }

  /** Runs `run` once `delayMs` sandbox milliseconds from now (immediately-due tasks run on the next tick). */
  schedule(delayMs: number, run: () => unknown): number {
    const id = ++this.seq;
    this.tasks.set(id, { dueAt: this.now() + Math.max(0, delayMs), run });
    this.arm();
    return id;
  }

  /** Forgets a scheduled task; a no-op when it already ran. */
  cancel(id: number | undefined): void {
    if (id === undefined) return;
    this.tasks.delete(id);
  }

  /** Number of tasks waiting. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Due time of the next task, if any. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const task of this.tasks.values()) if (next === undefined || task.dueAt < next) next = task.dueAt;
    return next;
  }

  /**
   * Moves the clock forward by `ms` and runs every task that became due, waiting until they (and any
   * immediately-due tasks they scheduled) have finished, so a caller can inspect their effects at once.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('ms must be a non-negative number');
    const target = this.now() + ms;
    // Step from due time to due time, so chains (a failed attempt scheduling the next retry) play out
    // inside one big jump exactly as they would in real time.
    for (;;) {
      const next = this.nextDueAt();
      if (next === undefined || next > target) break;
      const now = this.now();
      if (next > now) this.offset += next - now;
      await this.runDue();
    }
    const now = this.now();
    if (target > now) this.offset += target - now;
    await this.runDue();
    this.arm();
  }

  /** Waits until tasks currently running have finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Drops every task and returns to real time (used by reset); running tasks finish on their own. */
  clear(): void {
    this.tasks.clear();
    this.offset = 0;
    this.arm();
  }

  /** Stops the timer for good. */
  close(): void {
    this.closed = true;
    this.tasks.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runDue(): Promise<void> {
    for (;;) {
      const now = this.now();
      const due = [...this.tasks.entries()]
        .filter(([, t]) => t.dueAt <= now)
        .sort((a, b) => a[1].dueAt - b[1].dueAt || a[0] - b[0]);
      if (due.length === 0) return;
      for (const [id] of due) this.tasks.delete(id);
      // Tasks due together start in due order but run concurrently, like independent deliveries do.
      const runs = due.map(([, task]) => this.track(task));
      await Promise.allSettled(runs);
    }
  }

  private track(task: Task): Promise<unknown> {
    const promise = Promise.resolve()
      .then(() => task.run())
      .catch(error => {
        // A failing task must not stop the clock; surface it for debugging only.
        process.emitWarning(
          `alipay-sandbox task failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
    return promise;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const next = this.nextDueAt();
    if (next === undefined) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runDue().then(() => this.arm());
    }, wait);
    // The HTTP server keeps the process alive; the clock alone must not.
    this.timer.unref();
  }
}
