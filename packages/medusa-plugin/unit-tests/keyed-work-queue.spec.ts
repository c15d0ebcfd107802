import { describe, expect, it } from 'vitest';
import { KeyedWorkQueue } from '../src/lib/keyed-work-queue';

/** A task that records when it starts and ends, and finishes when told to. */
function controllable(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>(resolve => {
    finish = resolve;
  });
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise(resolve => setImmediate(resolve));

describe('KeyedWorkQueue (accepted payments)', () => {
  it('runs at most `concurrency` tasks at once, handing a freed slot to the next waiting task', async () => {
    const queue = new KeyedWorkQueue(2, 10);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map(name => controllable(log, name));
    const all = tasks.map((t, i) => queue.add(`key-${i}`, t.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    tasks[0]!.finish();
    await tick();
    // A newcomer added now must not run before c, which waited for the slot.
    const late = controllable(log, 'e');
    const lateRun = queue.add('key-late', late.task);
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end a', 'start c']);
    for (const t of [...tasks, late]) t.finish();
    await Promise.all([...all, lateRun]);
    expect(log.filter(line => line.startsWith('start'))).toEqual([
      'start a',
      'start b',
      'start c',
      'start d',
      'start e',
    ]);
  });

  it('runs the tasks of one key one after another, in order, and reports the key busy meanwhile', async () => {
    const queue = new KeyedWorkQueue(4, 10);
    const log: string[] = [];
    const first = controllable(log, 'first');
    const second = controllable(log, 'second');
    const one = queue.add('payses_1', first.task);
    const two = queue.add('payses_1', second.task);
    await tick();
    expect(log).toEqual(['start first']);
    expect(queue.isBusy('payses_1')).toBe(true);
    expect(queue.isBusy('payses_2')).toBe(false);
    const drained = queue.drained('payses_1').then(() => log.push('drained'));
    first.finish();
    await tick();
    expect(log).toEqual(['start first', 'end first', 'start second']);
    second.finish();
    await Promise.all([one, two, drained]);
    expect(log).toEqual(['start first', 'end first', 'start second', 'end second', 'drained']);
    expect(queue.isBusy('payses_1')).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('says when it is full, and a failing task neither rejects nor stops the tasks after it', async () => {
    const queue = new KeyedWorkQueue(1, 2);
    const log: string[] = [];
    const blocker = controllable(log, 'blocker');
    const running = queue.add('k', blocker.task);
    expect(queue.hasRoom()).toBe(true);
    const failing = queue.add('k', async () => {
      throw new Error('database down');
    });
    expect(queue.hasRoom()).toBe(false);
    expect(queue.size).toBe(2);
    blocker.finish();
    await expect(running).resolves.toBeUndefined();
    await expect(failing).resolves.toBeUndefined();
    await queue.add('k', async () => {
      log.push('after the failure');
    });
    expect(log).toContain('after the failure');
    expect(queue.hasRoom()).toBe(true);
  });
});
