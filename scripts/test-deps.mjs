#!/usr/bin/env node
/**
 * Installs the Debian packages the tests need when they are missing, so that `pnpm test` (which runs this
 * first) and `.ci/run` work on a fresh machine: as root with apt-get, otherwise with `sudo -n` (never a
 * password prompt), otherwise it stops with the exact command to run. Quiet and quick when everything is
 * there. The one list of packages is {@link TEST_PACKAGES}.
 *
 * Redis is only for the topology suite (`pnpm test:topology`), which starts Debian's `redis-server` on a free
 * port itself; the other Medusa tests and the example run without REDIS_URL.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the browser tests look for Chromium (test/support/browser.ts), unless CHROMIUM_PATH is set. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * The Debian packages the tests need, why, and how to tell one is there (`present(probe)`).
 * @type {ReadonlyArray<{ name: string; why: string; present: (probe: Probe) => boolean }>}
 */
export const TEST_PACKAGES = [
  {
    name: 'chromium',
    why: 'the browser tests drive Debian’s Chromium through playwright-core (no browser is downloaded); or set CHROMIUM_PATH',
    present: probe =>
      probe.env.CHROMIUM_PATH ? probe.exists(probe.env.CHROMIUM_PATH) : CHROMIUM_PATHS.some(probe.exists),
  },
  {
    name: 'fonts-noto-cjk',
    why: 'Chinese text in the browser tests’ screenshots',
    // Without dpkg and fontconfig there is no telling: the fonts only make screenshots readable.
    present: probe => probe.debianPackageInstalled('fonts-noto-cjk') ?? probe.hasChineseFont() ?? true,
  },
  {
    name: 'redis-server',
    why: 'the topology suite (pnpm test:topology) runs BullMQ and Medusa’s Redis modules on a private redis-server',
    present: probe => probe.onPath('redis-server') || probe.exists('/usr/bin/redis-server'),
  },
  {
    name: 'openssl',
    why: 'the core’s certificate tests compare with certificates made by openssl',
    present: probe => probe.onPath('openssl'),
  },
];

/**
 * @typedef {object} Probe What the machine has.
 * @property {Record<string, string | undefined>} env
 * @property {(path: string) => boolean} exists
 * @property {(command: string) => boolean} onPath
 * @property {(name: string) => boolean | undefined} debianPackageInstalled undefined without dpkg-query
 * @property {() => boolean | undefined} hasChineseFont undefined without fontconfig
 */

/**
 * @typedef {object} Situation
 * @property {string[]} missing names of the missing packages
 * @property {boolean} isRoot
 * @property {boolean} canSudo `sudo -n true` succeeds (sudo without a password)
 * @property {boolean} hasAptGet
 */

/**
 * @typedef {{ action: 'none' }
 *   | { action: 'install'; packages: string[]; commands: string[][] }
 *   | { action: 'stop'; packages: string[]; message: string }} Plan
 */

/**
 * What to do about missing packages: nothing, install them (as root, or with `sudo -n`), or stop with a
 * message that says exactly what to install. Pure: the tests call it with made-up situations.
 * @param {Situation} situation
 * @returns {Plan}
 */
export function planTestDeps({ missing, isRoot, canSudo, hasAptGet }) {
  if (missing.length === 0) return { action: 'none' };
  const packages = [...missing];
  if (hasAptGet && (isRoot || canSudo)) {
    const prefix = isRoot ? [] : ['sudo', '-n'];
    return {
      action: 'install',
      packages,
      commands: [
        [...prefix, 'apt-get', 'update', '-qq'],
        [...prefix, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
      ],
    };
  }
  const reasons = TEST_PACKAGES.filter(p => packages.includes(p.name)).map(p => `  - ${p.name}: ${p.why}`);
  const how = hasAptGet
    ? `Install them, then run pnpm test again:\n\n  sudo apt-get install -y --no-install-recommends ${packages.join(' ')}\n\n` +
      '(This script installs them by itself as root, or when sudo needs no password.)'
    : 'This machine has no apt-get: install the equivalent packages with its package manager, then run pnpm test again.';
  return {
    action: 'stop',
    packages,
    message: `The tests need these Debian packages, which are missing:\n${reasons.join('\n')}\n\n${how}`,
  };
}

/** @returns {Probe} the real machine */
export function machineProbe(env = process.env) {
  const run = (command, args) => {
    const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
    return result.error ? undefined : result;
  };
  return {
    env,
    exists: path => existsSync(path),
    onPath: command => (env.PATH ?? '').split(delimiter).some(dir => dir && existsSync(join(dir, command))),
    debianPackageInstalled: name => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's output format, not a template
      const result = run('dpkg-query', ['-W', '-f=${Status}', name]);
      return result === undefined ? undefined : result.status === 0 && result.stdout.includes('ok installed');
    },
    hasChineseFont: () => {
      const result = run('fc-list', [':lang=zh', 'family']);
      return result === undefined ? undefined : result.status === 0 && result.stdout.trim() !== '';
    },
  };
}

/** Names of the packages of {@link TEST_PACKAGES} that `probe` does not find. */
export function missingPackages(probe) {
  return TEST_PACKAGES.filter(p => !p.present(probe)).map(p => p.name);
}

function canSudoWithoutPassword() {
  const result = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/** Checks, installs when it may, and returns the process exit code. */
export function ensureTestDeps() {
  const probe = machineProbe();
  const missing = missingPackages(probe);
  if (missing.length === 0) return 0;
  const isRoot = process.getuid?.() === 0;
  const plan = planTestDeps({
    missing,
    isRoot,
    canSudo: !isRoot && canSudoWithoutPassword(),
    hasAptGet: probe.onPath('apt-get'),
  });
  if (plan.action === 'stop') {
    console.error(plan.message);
    return 1;
  }
  console.log(`Installing what the tests need: ${plan.packages.join(', ')}`);
  for (const [command, ...args] of plan.commands) {
    // No standard input: apt-get and sudo never wait for an answer (CI=true, no terminal).
    const result = spawnSync(command, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.error || result.status !== 0) {
      console.error(
        `\`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`}).\n` +
          planTestDeps({ missing, isRoot: false, canSudo: false, hasAptGet: true }).message,
      );
      return 1;
    }
  }
  const still = missingPackages(machineProbe());
  if (still.length > 0) {
    console.error(`Still missing after apt-get install: ${still.join(', ')}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = ensureTestDeps();
}
