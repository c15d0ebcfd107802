/**
 * What the four published packages carry (issue 17 item 11): each tarball holds the MIT LICENSE and its
 * README, whatever its `files` list says. `npm pack --dry-run` lists the tarball without building or
 * running scripts.
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
    assert.equal(JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')).license, 'MIT');
  });
}
