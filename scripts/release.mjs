#!/usr/bin/env node
/**
 * Releasing the four published packages with changesets (docs/releasing.md).
 *
 *   node scripts/release.mjs preflight   before `pnpm release` publishes: refuses while changesets are
 *                                        pending (`pnpm changeset version` was not run and committed) or
 *                                        the working tree has uncommitted changes
 *   node scripts/release.mjs dry-run     `pnpm release:dry-run`: everything short of publishing, with no
 *                                        npm token and no git remote: the release plan of the pending
 *                                        changesets, which versions the registry lacks (what
 *                                        `changeset publish` would publish), and `pnpm publish --dry-run`
 *                                        of each of them
 *
 * Both expect a build (`pnpm build`): `pnpm release` builds and runs `pnpm test:packages` first, and
 * `pnpm test` runs them before the dry run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import getReleasePlanModule from '@changesets/get-release-plan';
import { PUBLISHED_PACKAGE_DIRS, ROOT } from './pack-packages.mjs';

const run = promisify(execFile);
// The package is CommonJS with an `exports.default`.
const getReleasePlan = getReleasePlanModule.default ?? getReleasePlanModule;

/** The changesets in `.changeset/` not yet applied by `changeset version`, and the bumps they make. */
export async function pendingRelease() {
  // No `since` ref: every changeset file in the folder counts, and no git history is needed.
  const plan = await getReleasePlan(ROOT);
  return {
    changesets: plan.changesets.map(changeset => changeset.id),
    releases: plan.releases
      .filter(release => release.type !== 'none')
      .map(({ name, type, oldVersion, newVersion }) => ({ name, type, oldVersion, newVersion })),
  };
}

async function readManifest(dir) {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
}

/**
 * Whether `name@version` is on the registry, as `changeset publish` decides what to publish (it asks
 * `npm info` too). No token needed: the packages are public.
 *
 * @returns {Promise<boolean>}
 */
export async function isPublished(name, version) {
  try {
    const { stdout } = await run('npm', ['view', `${name}@${version}`, 'version', '--json'], { cwd: ROOT });
    // An existing package without that version answers with nothing.
    return stdout.trim() !== '';
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    if (/\bE404\b/.test(output)) return false;
    throw new Error(`npm view ${name}@${version} failed (is the registry reachable?):\n${output.trim()}`);
  }
}

/** The folders `files` lists that a build makes (`dist`, `.medusa/server`) must exist before packing. */
function missingBuildOutput(dir, manifest) {
  return (manifest.files ?? [])
    .filter(entry => entry !== 'src' && !entry.includes('.md'))
    .filter(entry => !existsSync(join(dir, entry)));
}

async function gitStatus() {
  const { stdout } = await run('git', ['status', '--porcelain'], { cwd: ROOT });
  return stdout.trim();
}

async function preflight() {
  const { changesets, releases } = await pendingRelease();
  const problems = [];
  if (changesets.length > 0) {
    problems.push(
      `pending changesets (${changesets.join(', ')}) would bump ${releases
        .map(release => `${release.name} ${release.oldVersion} → ${release.newVersion}`)
        .join(', ')}: run \`pnpm changeset version\`, review the CHANGELOG.md files and commit first`,
    );
  }
  const status = await gitStatus();
  if (status) problems.push(`uncommitted changes:\n${status}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`release: ${problem}`);
    process.exit(1);
  }
  console.log('release preflight: no pending changesets, working tree clean');
}

async function dryRun() {
  const started = Date.now();
  const { changesets, releases } = await pendingRelease();
  if (changesets.length > 0) {
    console.log(`Pending changesets: ${changesets.join(', ')}. \`pnpm changeset version\` would bump:`);
    for (const release of releases) {
      console.log(`  ${release.name}: ${release.oldVersion} → ${release.newVersion} (${release.type})`);
    }
    console.log('(`pnpm release` refuses to publish until that is done and committed.)\n');
  } else {
    console.log('No pending changesets: `pnpm release` would publish the versions in package.json.\n');
  }

  let failed = false;
  for (const dir of PUBLISHED_PACKAGE_DIRS) {
    const manifest = await readManifest(dir);
    // With changesets pending, the version `changeset version` will give is the one to publish; the
    // files are the same.
    const version = releases.find(release => release.name === manifest.name)?.newVersion ?? manifest.version;
    const label = `${manifest.name}@${version}`;
    const missing = missingBuildOutput(dir, manifest);
    if (missing.length > 0) {
      console.error(`✘ ${label}: ${missing.join(', ')} missing — run \`pnpm build\` first`);
      failed = true;
      continue;
    }
    if (await isPublished(manifest.name, version)) {
      console.log(`- ${label}: already on the registry, \`changeset publish\` skips it`);
      continue;
    }
    // What `changeset publish` runs in the package folder, plus --dry-run. --ignore-scripts: the only
    // publish script is the Medusa plugin's prepublishOnly build, which `pnpm build` already did.
    const args = ['publish', '--dry-run', '--no-git-checks', '--access', 'public', '--tag', 'latest'];
    try {
      const { stdout, stderr } = await run('pnpm', [...args, '--ignore-scripts'], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${stdout}\n${stderr}`;
      const size = output.match(/package size:\s*(.+)/)?.[1]?.trim();
      const files = output.match(/total files:\s*(\d+)/)?.[1];
      const packed = version === manifest.version ? '' : `, packed as ${manifest.version} until versioned`;
      console.log(`✔ ${label}: would be published (tag latest, public; ${files} files, ${size}${packed})`);
    } catch (error) {
      console.error(`✘ ${label}: pnpm publish --dry-run failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      failed = true;
    }
  }
  console.log(
    `release:dry-run ${failed ? 'failed' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === 'preflight') await preflight();
  else if (mode === 'dry-run') await dryRun();
  else {
    console.error('usage: node scripts/release.mjs preflight|dry-run');
    process.exit(2);
  }
}
