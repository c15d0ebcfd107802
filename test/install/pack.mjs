// @ts-check
/**
 * Packs the four publishable packages as npm tarballs, as `npm publish` would ship them: what the install
 * test installs into the scaffolded shops (never the workspace folders).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The publishable packages: workspace folder and the build output `pnpm pack` must find. */
export const PUBLISHABLE = [
  { name: '@alipay-commerce/core', dir: 'packages/core', built: 'dist' },
  { name: '@alipay-commerce/sandbox', dir: 'packages/sandbox', built: 'dist' },
  { name: '@alipay-commerce/vendure', dir: 'packages/vendure-plugin', built: 'dist' },
  { name: '@alipay-commerce/medusa', dir: 'packages/medusa-plugin', built: '.medusa/server' },
];

/**
 * Packs every publishable package into `outDir` with `pnpm pack` (which turns `workspace:*` into the real
 * version, as publishing does). The packages must be built (`pnpm build`).
 *
 * @param {string} root the repository root
 * @param {string} outDir where the tarballs go (created)
 * @returns {Promise<Array<{ name: string, tarball: string }>>} one entry per package, `tarball` absolute
 */
export async function packPackages(root, outDir) {
  mkdirSync(outDir, { recursive: true });
  const missing = PUBLISHABLE.filter(pkg => !existsSync(join(root, pkg.dir, pkg.built)));
  if (missing.length > 0) {
    throw new Error(
      `Not built: ${missing.map(pkg => pkg.name).join(', ')}. Run \`pnpm build\` first. / ` +
        `尚未构建：${missing.map(pkg => pkg.name).join('、')}，请先运行 \`pnpm build\`。`,
    );
  }
  const packed = [];
  for (const pkg of PUBLISHABLE) {
    const before = new Set(readdirSync(outDir));
    // Asynchronous: the Vendure scaffold and PostgreSQL start at the same time in this process.
    await execFileAsync('pnpm', ['pack', '--pack-destination', outDir], { cwd: join(root, pkg.dir) }).catch(
      error => {
        throw new Error(
          `pnpm pack of ${pkg.name} failed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`,
        );
      },
    );
    const version = JSON.parse(readFileSync(join(root, pkg.dir, 'package.json'), 'utf8')).version;
    const fileName = `${pkg.name.replace('@', '').replace('/', '-')}-${version}.tgz`;
    if (!existsSync(join(outDir, fileName))) {
      const added = readdirSync(outDir).filter(name => !before.has(name));
      throw new Error(
        `pnpm pack of ${pkg.name} did not write ${fileName} (new files: ${added.join(', ') || 'none'})`,
      );
    }
    packed.push({ name: pkg.name, tarball: join(outDir, fileName) });
  }
  return packed;
}
