// @ts-check
/** npm, as a shop owner runs it: the packages go in with `npm install`, never through the workspace. */
import { run } from './lib.mjs';

/**
 * `npm install [packages…]` in `dir`, from the local cache where it can (`--prefer-offline`).
 *
 * @param {string} dir
 * @param {string[]} packages tarball paths (or names); empty: install the package.json
 * @param {string} logFile
 */
export function installNpm(dir, packages, logFile) {
  return run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packages], {
    cwd: dir,
    logFile,
    timeoutMs: 15 * 60_000,
  });
}
