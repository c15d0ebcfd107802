import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/keyed-queue';

const tick = () => new Promise(resolve => setTimeout(resolve, 1));

describe('KeyedQueue', () => {
  it('runs one piece of work at a time per key, in order, and passes results and errors through', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const work =
      (name: string, fail = false) =>
      async () => {
        order.push(`${name}+`);
        await tick();
        order.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      };
    const a = queue.run('k', work('a', true));
    const b = queue.run('k', work('b'));
    const c = queue.run('other', work('c'));
    await expect(a).rejects.toThrow('a');
    await expect(b).resolves.toBe('b');
    await expect(c).resolves.toBe('c');
    expect(order.indexOf('b+')).toBeGreaterThan(order.indexOf('a-'));
    expect(order.indexOf('c+')).toBeLessThan(order.indexOf('a-'));
    await queue.drained('k');
    expect(queue.isBusy('k')).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('bounds work across keys and says when it is full', async () => {
    const queue = new KeyedQueue(2, 3);
    let running = 0;
    let peak = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
    };
    const all = ['a', 'b', 'c'].map(key => queue.run(key, work));
    expect(queue.hasRoom()).toBe(false);
    expect(queue.isBusy('b')).toBe(true);
    await Promise.all(all);
    expect(peak).toBe(2);
    expect(queue.hasRoom()).toBe(true);
  });
});
