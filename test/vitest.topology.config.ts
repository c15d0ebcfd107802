import { defineConfig } from 'vitest/config';

/**
 * The production-topology suite (`pnpm test:topology`, issue 16): per platform, PostgreSQL, a private
 * redis-server, the sandbox, two server instances and one worker behind a round-robin proxy
 * (test/topology/). Files run one after the other: each starts a whole topology on a two-core machine.
 */
export default defineConfig({
  test: {
    include: ['topology/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 180_000,
    // Starting PostgreSQL, Redis and three shop processes.
    hookTimeout: 600_000,
    env: { VENDURE_DISABLE_TELEMETRY: 'true', MEDUSA_DISABLE_TELEMETRY: 'true' },
  },
});
