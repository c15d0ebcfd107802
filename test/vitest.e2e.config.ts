import { defineConfig } from 'vitest/config';

/**
 * Browser end-to-end tests (`pnpm test:e2e`): one example shop per file, each started like `pnpm demo`
 * starts it, driven through Debian's Chromium. Files run one after the other: each boots a whole shop,
 * and the machine has two cores.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 90_000,
    // Starting a shop (first start: compile and seed) and the browser.
    hookTimeout: 240_000,
    env: { VENDURE_DISABLE_TELEMETRY: 'true', MEDUSA_DISABLE_TELEMETRY: 'true' },
  },
});
