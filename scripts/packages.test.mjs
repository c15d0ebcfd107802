/**
 * What the four published packages carry (issue 17 item 11): each tarball holds the MIT LICENSE and its
 * README, whatever its `files` list says, and its package.json names no file in a folder the tarball does
 * not ship (a `db:generate` script pointing at the test helpers did), and the `src/` its source maps
 * point at. `npm pack --dry-run` lists the
 * tarball without building or running scripts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'sandbox', 'vendure-plugin', 'medusa-plugin'];

for (const dir of PACKAGES) {
  test(`packages/${dir}: the tarball holds LICENSE (the repository's MIT text) and README.md`, () => {
    const cwd = join(root, 'packages', dir);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    const paths = packed.files.map(file => file.path);
    assert.ok(paths.includes('LICENSE'), `LICENSE missing from ${paths.join(', ')}`);
    assert.ok(paths.includes('README.md'), `README.md missing from ${paths.join(', ')}`);
    assert.equal(readFileSync(join(cwd, 'LICENSE'), 'utf8'), readFileSync(join(root, 'LICENSE'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
    assert.equal(manifest.license, 'MIT');
    // Paths with a folder in the scripts (`integration-tests/utils/x.ts`); bare config names such as
    // `tsconfig.test.json` are the developer's and left alone.
    // What ships: what the tarball lists now, and the folders `files` declares (`dist/` is listed only
    // after a build, and this test also runs before one).
    const shippedFolders = new Set([...paths, ...(manifest.files ?? [])].map(path => path.split('/')[0]));
    // The builds' source maps (tsup's and tsc's `.map` files, Medusa's inline maps) point at `src/`: it
    // ships, so that a stack trace or "go to definition" in a shop lands on the TypeScript source.
    assert.ok(shippedFolders.has('src'), `src/ missing from the tarball (the source maps point at it)`);
    for (const [name, command] of Object.entries(manifest.scripts ?? {})) {
      for (const path of String(command).match(/[\w.-]+\/[\w./-]+\.(?:[cm]?[jt]s|json)\b/g) ?? []) {
        assert.ok(shippedFolders.has(path.split('/')[0]), `script ${name} names ${path}, not shipped`);
      }
    }
  });
}
