import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDbInitializer } from '@vendure/testing';
import type { BetterSqlite3ConnectionOptions } from 'typeorm/driver/better-sqlite3/BetterSqlite3ConnectionOptions';

/** Matches run copies and templates being built (and their journals), capturing the owner's pid. */
const PER_PROCESS_FILE = /\.(?:run|building)-(\d+)-[0-9a-f]{8}/;

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeDbFiles(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    rmSync(`${path}${suffix}`, { force: true });
  }
}

/**
 * A `TestDbInitializer` for `better-sqlite3`, which `@vendure/testing` 3.7.3 lacks (it ships sql.js,
 * Postgres and MySQL ones).
 *
 * The populated database is built once into a template file named after `templateKey` (a hash of
 * the initial data, so changed fixtures get a new template) and every run works on a fresh copy.
 * Unlike sql.js, better-sqlite3 writes to disk, so working on the template itself would leak one
 * run's rows into the next. The template is built under a temporary name and renamed into place,
 * so concurrent runs never see a half-built template, and each run copy carries the process id so
 * copies left behind by a crashed run are removed by the next one.
 */
export class BetterSqlite3Initializer implements TestDbInitializer<BetterSqlite3ConnectionOptions> {
  private connectionOptions: BetterSqlite3ConnectionOptions | undefined;
  private templatePath = '';
  private runCopyPath = '';

  /**
   * @param dataDir - directory for the template and the run copies (git-ignored `__data__`).
   * @param templateKey - identifies the populated content; a new key builds a new template.
   * @param runLabel - readable part of the run copy's file name (the spec's name).
   */
  constructor(
    private readonly dataDir: string,
    private readonly templateKey: string,
    private readonly runLabel: string,
  ) {}

  /**
   * Points the connection at the template. The `testFileName` Vendure passes is the file that
   * called `server.init()`, which is the shared helper rather than the spec, so it is not used.
   */
  async init(
    _testFileName: string,
    connectionOptions: BetterSqlite3ConnectionOptions,
  ): Promise<BetterSqlite3ConnectionOptions> {
    mkdirSync(this.dataDir, { recursive: true });
    this.removeAbandonedRunCopies();
    this.templatePath = join(this.dataDir, `${this.templateKey}.template.sqlite3`);
    const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.runCopyPath = join(this.dataDir, `${this.runLabel}.run-${suffix}.sqlite3`);
    this.connectionOptions = connectionOptions;
    // Written through the options object: Vendure reads the same object when it bootstraps.
    Object.assign(connectionOptions, { database: this.templatePath });
    return connectionOptions;
  }

  /** Builds the template if it is missing, then switches the connection to a fresh copy of it. */
  async populate(populateFn: () => Promise<void>): Promise<void> {
    const options = this.connectionOptions;
    if (!options) {
      throw new Error('BetterSqlite3Initializer.populate() called before init()');
    }
    if (!existsSync(this.templatePath)) {
      const buildingPath = `${this.templatePath}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
      Object.assign(options, { database: buildingPath, synchronize: true });
      try {
        await populateFn();
        renameSync(buildingPath, this.templatePath);
      } finally {
        removeDbFiles(buildingPath);
      }
    }
    copyFileSync(this.templatePath, this.runCopyPath);
    // synchronize stays on: when the plugin's entities change, the copy gets the new columns
    // without having to rebuild the template.
    Object.assign(options, { database: this.runCopyPath, synchronize: true });
  }

  /**
   * Vendure calls this between populating and bootstrapping, while the run copy is still needed,
   * so there is nothing to release here; see {@link BetterSqlite3Initializer.removeRunCopy}.
   */
  destroy(): void {}

  /** Deletes this run's database copy; call after the server has been destroyed. */
  removeRunCopy(): void {
    if (this.runCopyPath) {
      removeDbFiles(this.runCopyPath);
    }
  }

  private removeAbandonedRunCopies(): void {
    for (const name of readdirSync(this.dataDir)) {
      const pid = PER_PROCESS_FILE.exec(name)?.[1];
      if (pid !== undefined && !isProcessAlive(Number(pid))) {
        rmSync(join(this.dataDir, name), { force: true });
      }
    }
  }
}
