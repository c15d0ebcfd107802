/**
 * vitest globalSetup: one PostgreSQL server and one plugin build for the whole run.
 *
 * - PostgreSQL: `startPostgres()` (embedded on a free port, or `DATABASE_URL`); its `DB_*` variables
 *   go into `process.env`, which the test workers inherit and `@medusajs/test-utils` reads.
 * - Build: `medusa plugin:build` — the test app loads the plugin the way a shop does, from
 *   `.medusa/server` through the package's `exports`, so the tests run the artifact that ships.
 *   Its outcome is handed to `build.spec.ts` through `provide('pluginBuild')`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { dropTemplates } from '../utils/migrated-template';
import { startPostgres } from '../utils/postgres';

/** Outcome of the plugin build run by the global setup. */
export interface PluginBuildResult {
  exitCode: number | null;
  durationMs: number;
  output: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pluginBuild: PluginBuildResult;
  }
}

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject) {
  const started = Date.now();
  const postgres = await startPostgres();
  Object.assign(process.env, postgres.env);
  // Names this run's shared migrated databases (utils/migrated-template.ts), dropped at the end.
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  process.env.ALIPAY_SPEC_RUN = run;
  process.env.MEDUSA_DISABLE_TELEMETRY = 'true';
  // Medusa logs every migration at info level (~3000 lines per run); keep warnings and errors.
  process.env.LOG_LEVEL ??= 'warn';
  console.log(
    `[global-setup] PostgreSQL ${postgres.external ? 'from DATABASE_URL' : 'embedded'} on ` +
      `${postgres.host}:${postgres.port} (${Date.now() - started} ms)`,
  );

  try {
    const build = await buildPlugin();
    project.provide('pluginBuild', build);
    if (build.exitCode !== 0) {
      throw new Error(`medusa plugin:build failed (exit ${build.exitCode}):\n${build.output}`);
    }
    console.log(`[global-setup] medusa plugin:build (${build.durationMs} ms)`);
    const harness = await buildAdminHarness();
    if (harness.exitCode !== 0) {
      throw new Error(`the admin harness did not build (exit ${harness.exitCode}):\n${harness.output}`);
    }
    console.log(`[global-setup] admin harness (${harness.durationMs} ms)`);
  } catch (error) {
    await postgres.stop();
    throw error;
  }

  return async () => {
    await dropTemplates(run).catch(error => console.warn(`[global-setup] dropping the templates: ${error}`));
    await postgres.stop();
  };
}

function buildPlugin(): Promise<PluginBuildResult> {
  const require = createRequire(import.meta.url);
  // Info level: the success lines are what build.spec.ts checks (the tests themselves run at warn).
  return run([require.resolve('@medusajs/cli/cli.js'), 'plugin:build'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
  });
}

/**
 * Bundles `integration-tests/admin-harness` (the built admin extension mounted on a bare page) for
 * the browser test, in a child process: Vite's native bundler is kept out of the test workers.
 */
function buildAdminHarness(): Promise<PluginBuildResult> {
  const require = createRequire(import.meta.url);
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');
  return run([vite, 'build', '--config', 'integration-tests/admin-harness/vite.config.mjs'], {});
}

function run(args: string[], env: Record<string, string>): Promise<PluginBuildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: packageRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', chunk => {
      output += chunk;
    });
    child.stderr.on('data', chunk => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', exitCode => resolve({ exitCode, durationMs: Date.now() - started, output }));
  });
}
