/**
 * Facades built from settings, cached until the settings change. Building a facade parses keys and
 * certificates, so adapters keep one per settings scope (a Vendure payment method, a Medusa sales
 * channel) and per existing trade's interface type; a save in the admin — on this server or another
 * one sharing the database — must still take effect on the next call. Both adapters therefore compare
 * a fingerprint of the settings they just read with the one the cached facade was built from.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/**
 * A digest of settings (SHA-256, hex): what a cached facade is compared by. A distinct type so that only
 * {@link settingsFingerprint} makes one: settings — secrets included — never serve as a cache key in clear.
 */
export type SettingsFingerprint = string & { readonly __settingsFingerprint: true };

/**
 * The fingerprint of any JSON-like value holding settings (resolved settings, stored rows with their
 * ciphertexts, fallback options): a SHA-256 of its JSON with object keys sorted, so the same settings
 * give the same fingerprint whatever order their fields were read in. Equal values ⇒ equal fingerprints;
 * a changed field (a rotated key too) ⇒ another fingerprint. The value itself is not kept.
 */
export function settingsFingerprint(settings: unknown): SettingsFingerprint {
  const canonical = JSON.stringify(settings, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : value,
  );
  return createHash('sha256')
    .update(canonical ?? 'undefined')
    .digest('hex') as SettingsFingerprint;
}

/** Entries a {@link FacadeCache} keeps unless told otherwise: far above methods × generations of a shop. */
export const DEFAULT_FACADE_CACHE_SIZE = 64;

/**
 * Facades (or anything built from settings) by key, each valid for the fingerprint of the settings it was
 * built from. A lookup with another fingerprint misses, and the next {@link FacadeCache.set} replaces the
 * entry: a changed setting rebuilds the facade, an unchanged one never does. Bounded, because every save
 * would otherwise leave a facade (with parsed keys) behind in a long-running process: when full, the
 * least recently used entry goes.
 *
 * Keys name what the facade serves (a scope, a method ID, an interface type, a trade's recorded gateway);
 * never put a setting's value in one — the fingerprint is what stands for the settings.
 */
export class FacadeCache<T> {
  private readonly entries = new Map<string, { fingerprint: SettingsFingerprint; value: T }>();

  /** @param maxEntries - entries kept at most (default {@link DEFAULT_FACADE_CACHE_SIZE}). */
  constructor(private readonly maxEntries = DEFAULT_FACADE_CACHE_SIZE) {}

  /** The value cached under `key` when it was built from settings with this fingerprint; else `undefined`. */
  get(key: string, fingerprint: SettingsFingerprint): T | undefined {
    const entry = this.entries.get(key);
    if (entry?.fingerprint !== fingerprint) return undefined;
    // Map order is insertion order: re-inserting marks the entry as recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Caches `value` under `key` for settings with this fingerprint (replacing an older one) and returns it. */
  set(key: string, fingerprint: SettingsFingerprint, value: T): T {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { fingerprint, value });
    return value;
  }

  /** Forgets everything (after a save through this process, so the next call rebuilds at once). */
  clear(): void {
    this.entries.clear();
  }

  /** How many entries are cached. */
  get size(): number {
    return this.entries.size;
  }
}
