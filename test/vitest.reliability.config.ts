import { defineConfig } from 'vitest/config';

/**
 * Reliability, hostile-input, secrets and invariant suites (`pnpm test:reliability`, issue 8 items 3–5 and
 * the invariant suite of item 7): every file runs against each registered example shop
 * (test/support/drivers.ts), one shop process per file. Files run one after the other: each boots a whole
 * shop, and the machine has two cores. (invariant-checks.test.ts, the invariant checker's own unit test,
 * needs no shop.) The invariant suite sets its own, longer timeout (`INVARIANT_SEQUENCES` rounds of
 * sequences, shrinking on failure).
 */
export default defineConfig({
  test: {
    include: ['reliability/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    // Starting a shop (first start: compile and seed).
    hookTimeout: 300_000,
    env: { VENDURE_DISABLE_TELEMETRY: 'true', MEDUSA_DISABLE_TELEMETRY: 'true' },
  },
});
