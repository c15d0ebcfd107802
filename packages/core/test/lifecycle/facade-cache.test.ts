import { describe, expect, it } from 'vitest';
import { FacadeCache, settingsFingerprint } from '../../src/lifecycle';

const SETTINGS = { interfaceType: 'legacy-direct', partnerId: '2088101000000001', key: 'k'.repeat(32) };

describe('settingsFingerprint', () => {
  it('is a SHA-256 of the settings that never holds them in clear', () => {
    const fingerprint = settingsFingerprint(SETTINGS);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint).not.toContain(SETTINGS.key);
    expect(fingerprint).not.toContain(SETTINGS.partnerId);
  });

  it('ignores the order fields were read in, at every depth', () => {
    const reordered = { key: SETTINGS.key, partnerId: SETTINGS.partnerId, interfaceType: 'legacy-direct' };
    expect(settingsFingerprint(reordered)).toBe(settingsFingerprint(SETTINGS));
    expect(settingsFingerprint([{ b: 1, a: { d: 2, c: 3 } }])).toBe(
      settingsFingerprint([{ a: { c: 3, d: 2 }, b: 1 }]),
    );
  });

  it('changes with any value, a rotated secret included, and with the order of list items', () => {
    expect(settingsFingerprint({ ...SETTINGS, key: 'j'.repeat(32) })).not.toBe(settingsFingerprint(SETTINGS));
    expect(settingsFingerprint({ ...SETTINGS, gateway: 'sandbox' })).not.toBe(settingsFingerprint(SETTINGS));
    expect(settingsFingerprint(['a', 'b'])).not.toBe(settingsFingerprint(['b', 'a']));
  });
});

describe('FacadeCache', () => {
  const v1 = settingsFingerprint(SETTINGS);
  const v2 = settingsFingerprint({ ...SETTINGS, key: 'j'.repeat(32) });

  it('returns what was built for the same settings and rebuilds when they change', () => {
    const cache = new FacadeCache<{ built: number }>();
    expect(cache.get('method-1', v1)).toBeUndefined();
    const first = cache.set('method-1', v1, { built: 1 });
    expect(cache.get('method-1', v1)).toBe(first);
    // Another fingerprint misses, and the rebuilt facade replaces the old one under the same key.
    expect(cache.get('method-1', v2)).toBeUndefined();
    cache.set('method-1', v2, { built: 2 });
    expect(cache.get('method-1', v1)).toBeUndefined();
    expect(cache.get('method-1', v2)).toEqual({ built: 2 });
    expect(cache.size).toBe(1);
  });

  it('keeps keys apart and forgets everything on clear', () => {
    const cache = new FacadeCache<string>();
    cache.set('global', v1, 'global facade');
    cache.set('sc_1', v1, 'channel facade');
    expect(cache.get('global', v1)).toBe('global facade');
    expect(cache.get('sc_1', v1)).toBe('channel facade');
    cache.clear();
    expect(cache.get('global', v1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded: when full, the least recently used entry goes', () => {
    const cache = new FacadeCache<number>(2);
    cache.set('a', v1, 1);
    cache.set('b', v1, 2);
    expect(cache.get('a', v1)).toBe(1); // `a` is now the most recently used.
    cache.set('c', v1, 3);
    expect(cache.get('b', v1)).toBeUndefined();
    expect(cache.get('a', v1)).toBe(1);
    expect(cache.get('c', v1)).toBe(3);
    expect(cache.size).toBe(2);
  });
});
