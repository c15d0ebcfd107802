#!/usr/bin/env node
/**
 * `pnpm test:packages`: checks the four tarballs exactly as they would be published (packed with
 * `scripts/pack-packages.mjs`, after `pnpm build`), with three tools:
 *
 * - **publint**, strict (a warning fails too, and so does a suggestion): package.json fields, `exports`
 *   targets that are missing or in the wrong module format.
 * - **@arethetypeswrong/cli** (attw): do the types resolve, and match the JavaScript, under each
 *   TypeScript module resolution the package promises (see {@link PACKAGE_CHECKS}).
 * - **declared imports**: every package a shipped file imports (JavaScript and `.d.ts`) is declared in
 *   `dependencies` or `peerDependencies`, so that an npm install of the tarball alone can resolve it.
 *   Neither tool above checks that (the Medusa admin bundle imported `@medusajs/admin-shared`, the
 *   Vendure declarations imported `express`).
 *
 * Exits 1 when any check fails, with every problem listed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packPackages, ROOT } from './pack-packages.mjs';

const run = promisify(execFile);

/**
 * What each package promises, as attw options. A rule is ignored, or a profile narrowed, only where
 * the package does not promise what the rule checks; the reason is written next to it.
 * @type {Record<string, { profile: 'strict' | 'node16' | 'esm-only'; ignoreRules?: string[]; why: string }>}
 */
export const PACKAGE_CHECKS = {
  '@alipay-commerce/core': {
    profile: 'strict',
    why: 'dual ESM/CJS with typed `.` and `./settings`, also under node10 resolution (typesVersions)',
  },
  '@alipay-commerce/sandbox': { profile: 'strict', why: 'dual ESM/CJS with types' },
  '@alipay-commerce/vendure': {
    profile: 'strict',
    why: 'CommonJS with `main` and `types`, as Vendure plugins are; no `exports` map',
  },
  '@alipay-commerce/medusa': {
    // node16: the entry points live in the `exports` map only (no `main`), as in every Medusa plugin;
    // Medusa runs on Node >= 20, which reads it, so node10 resolution (which ignores `exports`) does not
    // apply.
    profile: 'node16',
    // untyped-resolution: the plugin ships its built JavaScript without declarations. Its entry points
    // are loaded by Medusa (the server files, with require) and by Medusa's admin bundler (`./admin`),
    // never imported by a shop's TypeScript, whose `medusa-config.ts` names them as strings.
    ignoreRules: ['untyped-resolution'],
    why: 'a CommonJS Medusa plugin: server files for Medusa’s loader, an ESM+CJS admin bundle',
  },
};

/** Files whose imports are checked; `src/` ships only for the source maps and is not loaded. */
const CHECKED_FILE = /\.(?:[cm]?js|d\.[cm]?ts)$/;

const IMPORT_PATTERNS = [
  // `import … from 'x'` and `export … from 'x'`, starting a line (so that SQL's `select … from "t"` in a
  // string is no import); the clause between holds no quote and no semicolon.
  /^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"\s]+)['"]/gm,
  /^\s*import\s*['"]([^'"\s]+)['"]/gm,
  /\b(?:require|import)\s*\(\s*['"]([^'"\s]+)['"]\s*\)/g,
];
const TYPES_REFERENCE = /\/\/\/\s*<reference\s+types\s*=\s*['"]([^'"]+)['"]/g;
const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative paths and builtins → undefined. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

/** The `@types/…` package that holds a package's types (`@scope/name` → `@types/scope__name`). */
function typesPackageOf(name) {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/**
 * The packages a file imports: ES imports and re-exports, side-effect imports, `require()` and
 * `import()` calls, and `/// <reference types>` directives. Comments are skipped (TSDoc examples
 * import other packages).
 *
 * @param {string} text the file's content
 * @returns {Set<string>} package names (no builtins, no relative paths)
 */
export function importedPackages(text) {
  const names = new Set();
  for (const [, types] of text.matchAll(TYPES_REFERENCE)) {
    if (types !== 'node') names.add(types);
  }
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const pattern of IMPORT_PATTERNS) {
    for (const [, specifier] of code.matchAll(pattern)) {
      const name = packageNameOf(specifier);
      if (name) names.add(name);
    }
  }
  return names;
}

/**
 * The imports of shipped files that an install of the package alone might not resolve: packages that
 * are neither the package itself nor in `dependencies`, `peerDependencies` or `optionalDependencies`
 * (a declaration file may also rely on the package's `@types/…`).
 *
 * @param {Record<string, any>} manifest the packed package.json
 * @param {Array<{ path: string; text: string }>} files the tarball's files, paths relative to its root
 * @returns {Array<{ path: string; name: string }>}
 */
export function findUndeclaredImports(manifest, files) {
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const undeclared = [];
  for (const { path, text } of files) {
    if (path.startsWith('src/') || !CHECKED_FILE.test(path)) continue;
    const isDeclaration = /\.d\.[cm]?ts$/.test(path);
    for (const name of importedPackages(text)) {
      if (declared.has(name)) continue;
      if (isDeclaration && declared.has(typesPackageOf(name))) continue;
      undeclared.push({ path, name });
    }
  }
  return undeclared;
}

async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name));
}

/** publint over the tarball: every message fails (strict turns warnings into errors; suggestions too). */
async function runPublint(tarball) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const bytes = await readFile(tarball);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: buffer }, strict: true, level: 'suggestion' });
  return messages.map(message => {
    // The file a message is about, when the message names only the `exports` key that reaches it.
    const file = message.args?.filePath ? ` (${message.args.filePath})` : '';
    return `publint ${message.type}: ${formatMessage(message, pkg, { color: false })}${file}`;
  });
}

/** attw over the tarball with the package's profile; its table is printed either way. */
async function runAttw(tarball, check) {
  // --no-definitely-typed: the packages ship their own declarations, never @types ones; and the check needs
  // no registry lookup.
  const args = [tarball, '--profile', check.profile, '--no-definitely-typed'];
  args.push('--format', 'table-flipped', '--no-color');
  if (check.ignoreRules?.length) args.push('--ignore-rules', ...check.ignoreRules);
  try {
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/attw'), args, { maxBuffer: 16 * 1024 * 1024 });
    return { output: stdout, problems: [] };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { output: `${error.stdout}${error.stderr}`, problems: ['attw found problems (table above)'] };
  }
}

async function checkTarball({ name, tarball }, unpackDir) {
  const check = PACKAGE_CHECKS[name];
  if (!check) return [`no checks configured for ${name} in scripts/check-packages.mjs`];
  const problems = [];

  problems.push(...(await runPublint(tarball)));

  const attw = await runAttw(tarball, check);
  console.log(attw.output.trimEnd());
  problems.push(...attw.problems);

  const dir = join(unpackDir, name.replace('/', '__'));
  await run('mkdir', ['-p', dir]);
  await run('tar', ['-xzf', tarball, '-C', dir]);
  const root = join(dir, 'package');
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const files = [];
  for (const file of await listFiles(root)) {
    const path = relative(root, file);
    if (CHECKED_FILE.test(path) && !path.startsWith('src/'))
      files.push({ path, text: await readFile(file, 'utf8') });
  }
  for (const { path, name: imported } of findUndeclaredImports(manifest, files)) {
    problems.push(`${path} imports ${imported}, which package.json does not declare`);
  }
  return problems;
}

/**
 * Packs the published packages into a temporary folder and checks each tarball.
 * @returns {Promise<Map<string, string[]>>} each package's problems (empty when clean)
 */
export async function checkPackages() {
  const work = await mkdtemp(join(tmpdir(), 'alipay-check-packages-'));
  try {
    const packed = await packPackages(join(work, 'tarballs'));
    const results = new Map();
    for (const entry of packed) {
      console.log(`\n── ${entry.name} (${PACKAGE_CHECKS[entry.name]?.why ?? 'unconfigured'})`);
      results.set(entry.name, await checkTarball(entry, join(work, 'unpacked')));
    }
    return results;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const results = await checkPackages();
  let failed = false;
  console.log('');
  for (const [name, problems] of results) {
    if (problems.length === 0) {
      console.log(`✔ ${name}: publint, attw and declared imports clean`);
      continue;
    }
    failed = true;
    console.log(`✘ ${name}:`);
    for (const problem of problems) console.log(`  - ${problem}`);
  }
  console.log(
    `test:packages ${failed ? 'failed' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (failed) process.exitCode = 1;
}
