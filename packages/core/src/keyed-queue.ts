/**
 * Runs async work one at a time per key, in arrival order, with at most `concurrency` pieces of work
 * running across keys. Adapters use it to serialise what happens to one trade inside a process (the
 * database's unique keys do the same across processes) and to bound background work; `hasRoom` says
 * when a caller should do the work itself instead of queueing more (backpressure).
 */
export class KeyedQueue {
  private running = 0;
  private pending = 0;
  private readonly slots: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<unknown>>();

  /**
   * @param concurrency pieces of work running at once across keys (default: no limit).
   * @param limit queued and running pieces above which {@link KeyedQueue.hasRoom} is false (default: none).
   */
  constructor(
    private readonly concurrency = Number.POSITIVE_INFINITY,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  /** Work added and not finished yet (running or waiting). */
  get size(): number {
    return this.pending;
  }

  /** Whether one more piece of work may be added without passing the limit. */
  hasRoom(): boolean {
    return this.pending < this.limit;
  }

  /** Whether work with this key is queued or running. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when the work with this key added so far has finished (whatever its outcome). */
  async drained(key: string): Promise<void> {
    await this.tails.get(key)?.catch(() => undefined);
  }

  /**
   * Runs `work` once every earlier piece with the same `key` has settled and a slot is free; resolves or
   * rejects with its result. A failure never stops later work of the key.
   */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.inSlot(work));
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      this.pending--;
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }

  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    // A finishing piece hands its slot over (`running` unchanged), so no newcomer can squeeze in between.
    else await new Promise<void>(resolve => this.slots.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.slots.shift();
      if (next) next();
      else this.running--;
    }
  }
}
