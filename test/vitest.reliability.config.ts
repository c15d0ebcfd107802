import { defineConfig } from 'vitest/config';

/**
 * Reliability, hostile-input and secrets suites (`pnpm test:reliability`, issue 8 items 3–5): every file
 * runs against each registered example shop (test/support/drivers.ts), one shop process per file. Files
 * run one after the other: each boots a whole shop, and the machine has two cores.
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
