import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a JSON file of the shared test vectors. They are copied into test/fixtures/shared (public test
 * material, provenance in its README) so a fresh clone tests without the steering repository.
 */
// biome-ignore lint/suspicious/noExplicitAny: vector files are untyped JSON
export function sharedVectors<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures/shared', file), 'utf8')) as T;
}
