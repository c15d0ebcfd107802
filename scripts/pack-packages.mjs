#!/usr/bin/env node
/**
 * Packs the four published packages (`@alipay-commerce/core`, `sandbox`, `vendure`, `medusa`) into a
 * folder, as `pnpm publish` would upload them: `pnpm pack` turns `workspace:*` into the real versions.
 * Nothing is built here: run `pnpm build` first (the tarballs hold what `dist/` and `.medusa/server` hold).
 *
 * Used by `scripts/check-packages.mjs` (publint, attw) and by the install test.
 *
 *   node scripts/pack-packages.mjs <outDir>    prints one `name<TAB>tarball path` line per package
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The published packages' folders, in dependency order (the core first). */
export const PUBLISHED_PACKAGE_DIRS = ['core', 'sandbox', 'vendure-plugin', 'medusa-plugin'].map(dir =>
  join(ROOT, 'packages', dir),
);

/** What each package's build writes; `pnpm pack` of an unbuilt package would ship no code. */
/** @type {Record<string, string>} */
const BUILD_OUTPUT = {
  core: 'dist',
  sandbox: 'dist',
  'vendure-plugin': 'dist',
  'medusa-plugin': '.medusa/server',
};

/**
 * Packs every published package into `outDir` (created when missing).
 *
 * @param {string} outDir where the `.tgz` files go
 * @returns {Promise<Array<{ name: string; tarball: string }>>} each package's name and the absolute
 *   path of its tarball, in {@link PUBLISHED_PACKAGE_DIRS} order
 */
export async function packPackages(outDir) {
  const unbuilt = PUBLISHED_PACKAGE_DIRS.filter(dir => !existsSync(join(dir, BUILD_OUTPUT[basename(dir)])));
  if (unbuilt.length > 0) {
    const names = unbuilt.map(dir => `packages/${basename(dir)}`);
    throw new Error(
      `Not built: ${names.join(', ')}. Run \`pnpm build\` first. / 尚未构建：${names.join('、')}，请先运行 \`pnpm build\`。`,
    );
  }
  const destination = resolve(outDir);
  await mkdir(destination, { recursive: true });
  const packed = [];
  // One at a time: pnpm pack is quick, and the machine's cores are shared.
  for (const dir of PUBLISHED_PACKAGE_DIRS) {
    const { name, private: isPrivate } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    if (isPrivate) throw new Error(`${name} is private: it is not published, so it is not packed`);
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = JSON.parse(stdout);
    if (result.name !== name) throw new Error(`pnpm pack in ${dir} packed ${result.name}, expected ${name}`);
    packed.push({ name, tarball: resolve(destination, result.filename) });
  }
  return packed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node scripts/pack-packages.mjs <outDir>');
    process.exit(2);
  }
  for (const { name, tarball } of await packPackages(outDir)) console.log(`${name}\t${tarball}`);
}
