#!/usr/bin/env node
// @ts-check
/**
 * `pnpm start`: compiles src/ with tsc when a source is newer than the last build, builds the Vendure
 * Dashboard when its inputs changed (scripts/build-dashboard.mjs), then runs dist/index.js in this process. tsc (not esbuild/tsx) because Vendure's dependency injection needs
 * the decorator metadata only tsc emits; skipping an unchanged build saves ~3 s on every later start.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const entry = join(packageDir, 'dist', 'index.js');

/** @param {string} path @returns {number} */
const mtimeOf = path => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Newest modification time of the sources and of the compiler settings. */
function newestSource() {
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.ts'))
    .map(name => join(packageDir, 'src', name));
  return Math.max(...[...sources, join(packageDir, 'tsconfig.json')].map(mtimeOf));
}

if (newestSource() > mtimeOf(entry)) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const dashboard = spawnSync(process.execPath, [join(packageDir, 'scripts', 'build-dashboard.mjs')], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (dashboard.status !== 0) process.exit(dashboard.status ?? 1);
await import(pathToFileURL(entry).href);
