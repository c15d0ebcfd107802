/**
 * The decisions of scripts/test-deps.mjs, on made-up machines (nothing is installed or removed), and one
 * real run on this machine with everything installed: quiet and quick.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { machineProbe, missingPackages, planTestDeps, TEST_PACKAGES } from './test-deps.mjs';

/** A machine that has everything, with `overrides`. */
function probe(overrides = {}) {
  return {
    env: {},
    exists: path => path === '/usr/bin/chromium',
    onPath: command => ['openssl', 'apt-get', 'redis-server'].includes(command),
    debianPackageInstalled: () => true,
    hasChineseFont: () => true,
    ...overrides,
  };
}

test('the list holds Chromium, the CJK fonts, redis-server and openssl, once each', () => {
  assert.deepEqual(
    TEST_PACKAGES.map(p => p.name),
    ['chromium', 'fonts-noto-cjk', 'redis-server', 'openssl'],
  );
});

test('finds what is missing', () => {
  assert.deepEqual(missingPackages(probe()), []);
  assert.deepEqual(missingPackages(probe({ exists: () => false })), ['chromium']);
  assert.deepEqual(missingPackages(probe({ exists: path => path === '/usr/bin/chromium-browser' })), []);
  // CHROMIUM_PATH wins over the Debian paths.
  assert.deepEqual(missingPackages(probe({ env: { CHROMIUM_PATH: '/opt/chrome' } })), ['chromium']);
  assert.deepEqual(
    missingPackages(probe({ env: { CHROMIUM_PATH: '/opt/chrome' }, exists: p => p === '/opt/chrome' })),
    [],
  );
  assert.deepEqual(missingPackages(probe({ debianPackageInstalled: () => false })), ['fonts-noto-cjk']);
  // Without dpkg, fontconfig decides; without either, the fonts are not asked for.
  assert.deepEqual(
    missingPackages(probe({ debianPackageInstalled: () => undefined, hasChineseFont: () => false })),
    ['fonts-noto-cjk'],
  );
  assert.deepEqual(
    missingPackages(probe({ debianPackageInstalled: () => undefined, hasChineseFont: () => undefined })),
    [],
  );
  assert.deepEqual(missingPackages(probe({ onPath: () => false })), ['redis-server', 'openssl']);
  assert.deepEqual(
    missingPackages(probe({ onPath: c => c !== 'redis-server', exists: p => p === '/usr/bin/chromium' })),
    ['redis-server'],
  );
  // Debian's path counts even when /usr/bin is not on the PATH.
  assert.deepEqual(
    missingPackages(
      probe({
        onPath: c => c === 'openssl',
        exists: p => ['/usr/bin/chromium', '/usr/bin/redis-server'].includes(p),
      }),
    ),
    [],
  );
});

test('everything present → nothing to do', () => {
  assert.deepEqual(planTestDeps({ missing: [], isRoot: false, canSudo: false, hasAptGet: false }), {
    action: 'none',
  });
});

test('missing, as root → apt-get directly, without prompts', () => {
  assert.deepEqual(
    planTestDeps({ missing: ['chromium', 'fonts-noto-cjk'], isRoot: true, canSudo: false, hasAptGet: true }),
    {
      action: 'install',
      packages: ['chromium', 'fonts-noto-cjk'],
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-noto-cjk'],
      ],
    },
  );
});

test('missing, not root, sudo without a password → sudo -n apt-get', () => {
  const plan = planTestDeps({ missing: ['chromium'], isRoot: false, canSudo: true, hasAptGet: true });
  assert.equal(plan.action, 'install');
  assert.deepEqual(plan.commands, [
    ['sudo', '-n', 'apt-get', 'update', '-qq'],
    ['sudo', '-n', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]);
});

test('missing, no root and no sudo → stops with the exact command', () => {
  const plan = planTestDeps({
    missing: ['chromium', 'openssl'],
    isRoot: false,
    canSudo: false,
    hasAptGet: true,
  });
  assert.equal(plan.action, 'stop');
  assert.match(plan.message, /sudo apt-get install -y --no-install-recommends chromium openssl\n/);
  assert.match(plan.message, /- chromium: the browser tests drive Debian’s Chromium/);
  assert.match(plan.message, /- openssl: /);
  assert.doesNotMatch(plan.message, /fonts-noto-cjk/);
});

test('missing, no apt-get (not Debian) → stops, even as root', () => {
  const plan = planTestDeps({ missing: ['chromium'], isRoot: true, canSudo: false, hasAptGet: false });
  assert.equal(plan.action, 'stop');
  assert.match(plan.message, /no apt-get/);
  assert.match(plan.message, /CHROMIUM_PATH/);
});

test('on this machine, with everything installed: prints nothing, exits 0, and is quick', t => {
  if (missingPackages(machineProbe()).length > 0) {
    t.skip('this machine lacks a test package');
    return;
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [fileURLToPath(new URL('./test-deps.mjs', import.meta.url))], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, '');
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});
