/**
 * A migrated database shared by the spec files of one run, so that only the first file of each app
 * (its directory and environment) pays for Medusa's migrations (~10–15 s a file on two cores).
 *
 * `@medusajs/test-utils` gives every spec file a new, empty database and migrates it (every core module,
 * the links, the plugin's migrations) before it boots the app. Here the first file of an app copies its
 * database once its app is up, before the file prepares anything (`CREATE DATABASE … TEMPLATE`, the
 * test runner's own way to restore a database before each test); the later files of that app start from
 * a copy of it. The runner still runs its migrations and link sync on the copy: they find nothing to do,
 * and would apply anything new. The copy holds what the first file's app start wrote (Medusa's defaults:
 * store, default sales channel); the files' own preparation (admin, shop, settings) comes later and is
 * never copied.
 *
 * The templates are named after the run (`ALIPAY_SPEC_RUN`, set by the global setup) and the app, so a
 * run against a long-lived `DATABASE_URL` never starts from an older run's schema; the global setup
 * drops them at the end. `ALIPAY_SPEC_DB_TEMPLATE=0` turns the sharing off (every file migrates).
 */
import { createHash } from 'node:crypto';
import { createPostgresDatabaseTemplate } from '@medusajs/test-utils';
import pg from 'pg';

/** Prefix of every template database of a run. */
export const TEMPLATE_PREFIX = 'alipay-spec-migrated-';

/** Whether spec files share migrated databases (on unless `ALIPAY_SPEC_DB_TEMPLATE=0`). */
export function templatesEnabled(): boolean {
  return process.env.ALIPAY_SPEC_DB_TEMPLATE !== '0' && Boolean(process.env.ALIPAY_SPEC_RUN);
}

/** The template's name for an app (its directory and the environment its config reads). */
export function templateName(appKey: string): string {
  const hash = createHash('sha256').update(appKey).digest('hex').slice(0, 12);
  return `${TEMPLATE_PREFIX}${process.env.ALIPAY_SPEC_RUN}-${hash}`;
}

/** A database name as an SQL identifier. */
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A client of the server's maintenance database (where databases are created and dropped). */
async function maintenanceClient(): Promise<pg.Client> {
  const client = new pg.Client({
    host: process.env.DB_HOST ?? 'localhost',
    port: Number(process.env.DB_PORT ?? 5432),
    user: process.env.DB_USERNAME ?? 'postgres',
    password: process.env.DB_PASSWORD || undefined,
    database: process.env.DB_WAITINGROOM_DATABASE ?? 'postgres',
  });
  await client.connect();
  return client;
}

/** The names of the databases of this server that start with `prefix`. */
async function databasesStartingWith(prefix: string): Promise<string[]> {
  const client = await maintenanceClient();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    return rows.map(row => row.datname);
  } finally {
    await client.end();
  }
}

/**
 * Before the runner creates `databaseName`: a copy of the app's template when there is one. Resolves
 * whether it copied (the runner then finds the database and its migrations applied).
 */
export async function copyTemplateInto(databaseName: string, template: string): Promise<boolean> {
  if (!(await databasesStartingWith(template)).includes(template)) return false;
  const client = await maintenanceClient();
  try {
    // Nobody connects to a template: the copy needs no connections closed.
    await client.query(`CREATE DATABASE ${quoted(databaseName)} WITH TEMPLATE ${quoted(template)}`);
  } finally {
    await client.end();
  }
  return true;
}

/** Once the app is up on its freshly migrated database, before the file prepares anything: the template. */
export async function saveTemplate(databaseName: string, template: string): Promise<void> {
  await createPostgresDatabaseTemplate({ databaseName, templateName: template });
}

/** Drops every template of the run `run` (the global setup's teardown). */
export async function dropTemplates(run: string): Promise<void> {
  const names = await databasesStartingWith(`${TEMPLATE_PREFIX}${run}-`);
  if (names.length === 0) return;
  const client = await maintenanceClient();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quoted(name)}`);
  } finally {
    await client.end();
  }
}
