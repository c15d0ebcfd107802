/**
 * scripts/side-by-side.mjs on real processes: scripts run at the same time, and one failure fails the run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./side-by-side.mjs', import.meta.url));

/** A scratch package whose scripts sleep and print, for pnpm to run. */
function scratch(scripts) {
  const dir = mkdtempSync(join(tmpdir(), 'side-by-side-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, scripts }));
  return dir;
}

/**
 * A script that leaves `<me>.flag` and waits (10 s at most) for `<other>.flag`: two of them pass only when
 * they run at the same time.
 */
const meets = (me, other) =>
  `node -e "require('fs').writeFileSync('${me}.flag', ''); const t = Date.now(); ` +
  `(function wait() { if (require('fs').existsSync('${other}.flag')) { console.log('met ${other}'); return; } ` +
  `if (Date.now() - t > 10000) process.exit(4); setTimeout(wait, 50); })()"`;

test('runs the scripts at the same time, prefixes their lines, passes when all pass', () => {
  const dir = scratch({ a: meets('a', 'b'), b: meets('b', 'a') });
  const run = spawnSync(process.execPath, [runner, 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^\[a\] met b$/m);
  assert.match(run.stdout, /^\[b\] met a$/m);
  assert.match(run.stdout, /✔ a: exit 0/);
});

test('one failing script fails the run, after the other one finished', () => {
  const dir = scratch({
    ok: 'node -e "setTimeout(() => console.log(\'still ran\'), 500)"',
    bad: 'node -e "process.exit(3)"',
  });
  const run = spawnSync(process.execPath, [runner, 'bad', 'ok'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /✘ bad: exit 3/);
  assert.match(run.stdout, /^\[ok\] still ran$/m);
});
