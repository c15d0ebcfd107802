/**
 * Build bookkeeping of the example shop's start script: fingerprints of the inputs (so a build is reused
 * until its inputs change), a directory lock between concurrent starts, and pruning of old builds.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive, say } from './processes';

/** Whether a file or directory exists. */
export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Every file under `dir` (recursively), relative paths sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter(entry => entry.isFile())
      .map(entry => path.join(entry.parentPath, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** sha256 over names (relative to `baseDir`) and contents of files, plus extra strings; 16 hex characters. */
export async function fingerprintOf(baseDir: string, files: string[], extra: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(baseDir, file)).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  for (const value of extra) hash.update(value).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** `name@version` of a package as `fromDir` resolves it. */
export async function versionOf(fromDir: string, packageName: string): Promise<string> {
  const manifest = require.resolve(`${packageName}/package.json`, { paths: [fromDir] });
  return `${packageName}@${JSON.parse(await readFile(manifest, 'utf8')).version}`;
}

/**
 * A directory lock (mkdir is atomic) with the holder's PID inside, so that two starts never run
 * `medusa build` into the same `.medusa/server` at once; a lock whose holder died is taken over.
 */
export async function acquireLock(lockDir: string): Promise<() => Promise<void>> {
  const ownerFile = path.join(lockDir, 'pid');
  for (let waited = 0; ; waited += 500) {
    try {
      await mkdir(lockDir);
      await writeFile(ownerFile, String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(ownerFile, 'utf8').catch(() => ''));
    // No PID yet: the holder is between mkdir and writeFile, unless it died there (then after 10 s).
    if ((holder && !isAlive(holder)) || (!holder && waited >= 10_000)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (waited % 10_000 === 0) say(`waiting for another start's build (PID ${holder || '?'})…`);
    await new Promise(resolveWait => setTimeout(resolveWait, 500));
  }
}

/** Deletes all but the newest `keep` builds in `buildsDir` besides `current`. */
export async function pruneOldBuilds(buildsDir: string, current: string, keep: number): Promise<void> {
  const others = await Promise.all(
    (await readdir(buildsDir))
      .filter(name => name !== current)
      .map(async name => ({ name, mtime: (await stat(path.join(buildsDir, name))).mtimeMs })),
  );
  others.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of others.slice(keep)) {
    await rm(path.join(buildsDir, name), { recursive: true, force: true });
  }
}
