import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts', 'e2e/**/*.e2e-spec.ts'],
    // Vendure phones home on bootstrap unless told not to; tests must stay offline.
    env: { VENDURE_DISABLE_TELEMETRY: 'true' },
    // Each e2e file boots a Vendure server; on a 2-core machine running them one at a time is
    // faster and keeps the template build from racing itself.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 30_000,
    // Building the populated template (first run, or after fixtures change) takes several seconds.
    hookTimeout: 120_000,
  },
  plugins: [
    // Nest DI and TypeORM need decorator metadata, which esbuild (vitest's default) does not emit.
    // useDefineForClassFields: false keeps property decorators working, as under tsc.
    swc.vite({ jsc: { transform: { useDefineForClassFields: false } } }),
  ],
});
