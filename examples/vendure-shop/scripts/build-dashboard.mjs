#!/usr/bin/env node
// @ts-check
/**
 * `pnpm build:dashboard`: builds the Vendure Dashboard (vite.config.mts → dist/dashboard) when its inputs
 * changed, else does nothing. A build takes one to two minutes (vite compiles the whole React app), so
 * `pnpm start` (and through it `pnpm demo` and the browser tests) calls this on every start and pays only
 * after a change. The inputs are hashed: this shop's sources and build settings, the Alipay plugin's
 * sources (its Dashboard extension, its Admin API), the core's browser entry the extension imports,
 * and the installed @vendure/dashboard version. `DASHBOARD_REBUILD=1` (or `DEMO_REBUILD=1`) builds anyway.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');
const outDir = join(packageDir, 'dist', 'dashboard');
const hashFile = join(outDir, '.inputs-hash');
const require = createRequire(import.meta.url);

/** Files (recursively for folders) whose content decides the build; missing ones count as empty. */
const INPUTS = [
  join(packageDir, 'src'),
  join(packageDir, 'vite.config.mts'),
  join(packageDir, 'tsconfig.json'),
  join(packageDir, 'tsconfig.dashboard.json'),
  join(packageDir, 'package.json'),
  join(repoRoot, 'packages', 'vendure-plugin', 'src'),
  join(repoRoot, 'packages', 'vendure-plugin', 'package.json'),
  join(repoRoot, 'packages', 'core', 'dist', 'settings.js'),
];

/** @param {string} path @returns {string[]} */
function filesOf(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map(name => join(path, name))
    .filter(file => statSync(file).isFile())
    .sort();
}

/** The hash of every input file (path and content) and of the Dashboard's version. */
function inputsHash() {
  const hash = createHash('sha256');
  // Its package.json is not exported; the workspace (and npm) link the package here.
  const dashboardPackage = join(packageDir, 'node_modules', '@vendure', 'dashboard', 'package.json');
  hash.update(`@vendure/dashboard@${JSON.parse(readFileSync(dashboardPackage, 'utf8')).version}\n`);
  for (const file of INPUTS.flatMap(filesOf)) {
    hash.update(`${relative(repoRoot, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

const wanted = inputsHash();
const built =
  existsSync(join(outDir, 'index.html')) && existsSync(hashFile) ? readFileSync(hashFile, 'utf8') : '';
const forced = Boolean(process.env.DASHBOARD_REBUILD || process.env.DEMO_REBUILD);
if (built.trim() === wanted && !forced) process.exit(0);

console.log(
  'Building the Vendure Dashboard (vite, 1–2 minutes; later starts reuse it) / 正在构建 Vendure 管理后台…',
);
const started = Date.now();
const vite = join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js');
const build = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
  cwd: packageDir,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (build.status !== 0) {
  console.error('The Dashboard build failed / 管理后台构建失败');
  process.exit(build.status ?? 1);
}
writeFileSync(hashFile, `${wanted}\n`);
console.log(`Dashboard built in ${Math.round((Date.now() - started) / 1000)} s / 管理后台构建完成`);
