import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['unit-tests/**/*.spec.ts', 'integration-tests/**/*.spec.ts'],
    // @medusajs/test-utils calls the global describe/beforeAll/… of Jest; vitest provides them so.
    globals: true,
    // Starts PostgreSQL (embedded, or DATABASE_URL) and builds the plugin once for all files.
    globalSetup: ['integration-tests/setup/global-setup.ts'],
    // Registers a TypeScript require hook: Medusa loads medusa-config.ts with plain require().
    setupFiles: ['integration-tests/setup/register-ts.ts'],
    // Not "forks": Medusa's test runner calls process.send(port), which crashes vitest's fork pool.
    pool: 'threads',
    // Each file boots a whole Medusa app; on 2 cores running them one at a time is faster and steadier.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
  },
});
