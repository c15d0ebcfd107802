/**
 * A bounded in-process work queue: at most `concurrency` tasks run at once, tasks with the same key
 * run one after another in the order they were added, and {@link KeyedWorkQueue.hasRoom} says when
 * the caller should do the work itself instead (backpressure: the queue never grows without bound).
 *
 * @packageDocumentation
 */

/** See the file comment. */
export class KeyedWorkQueue {
  private running = 0;
  private pending = 0;
  private readonly slots: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly concurrency: number,
    private readonly limit: number,
  ) {}

  /** Tasks added and not finished yet (running or waiting). */
  get size(): number {
    return this.pending;
  }

  /** Whether one more task may be added. */
  hasRoom(): boolean {
    return this.pending < this.limit;
  }

  /** Whether tasks with this key are queued or running. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when the tasks with this key added so far have finished. */
  async drained(key: string): Promise<void> {
    await this.tails.get(key);
  }

  /**
   * Adds a task. It runs after the earlier tasks with the same key, when a slot is free. A task's
   * failure is its own business: the returned promise never rejects, and later tasks still run.
   */
  add(key: string, task: () => Promise<void>): Promise<void> {
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous
      .then(() => this.inSlot(task))
      .catch(() => undefined)
      .finally(() => {
        this.pending--;
        if (this.tails.get(key) === run) this.tails.delete(key);
      });
    this.tails.set(key, run);
    return run;
  }

  private async inSlot(task: () => Promise<void>): Promise<void> {
    if (this.running < this.concurrency) this.running++;
    // A finishing task hands its slot over (`running` unchanged), so no newcomer can squeeze in between.
    else await new Promise<void>(resolve => this.slots.push(resolve));
    try {
      await task();
    } finally {
      const next = this.slots.shift();
      if (next) next();
      else this.running--;
    }
  }
}
