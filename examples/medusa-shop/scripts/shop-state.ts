/**
 * What the example shop's start script keeps in the shop's database (a small table of its own, not
 * Medusa's nor the plugin's): the schema fingerprint it migrated to, the sandbox URL the settings were
 * seeded with, and the publishable key the seed created. Plus creating and dropping the database.
 */
import pg from 'pg';
import type { RunningPostgres } from '../../../packages/medusa-plugin/integration-tests/utils/postgres';
import { PUBLISHABLE_KEY_TITLE } from '../src/demo';

/** Small table of this start script in the shop's database (not Medusa's, not the plugin's). */
const STATE_TABLE = 'example_shop_state';

/** What this script remembers in the database, and the publishable key the seed created. */
export interface ShopState {
  schema?: string;
  sandboxUrl?: string;
  publishableKey?: string;
}

/** Runs `use` with a connected client, and disconnects. */
async function withClient<T>(databaseUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Reads the state (creating its table on first use) and the seed's publishable key, if the seed ran. */
export async function readState(databaseUrl: string): Promise<ShopState> {
  return withClient(databaseUrl, async client => {
    await client.query(
      `create table if not exists ${STATE_TABLE} (name text primary key, value text not null)`,
    );
    const rows = (await client.query(`select name, value from ${STATE_TABLE}`)).rows as Array<{
      name: string;
      value: string;
    }>;
    const state: ShopState = Object.fromEntries(rows.map(row => [row.name, row.value]));
    const hasApiKeys = (await client.query("select to_regclass('public.api_key') as name")).rows[0]?.name;
    if (hasApiKeys) {
      const keys = await client.query(
        `select token from api_key
          where title = $1 and type = 'publishable' and revoked_at is null and deleted_at is null
          order by created_at limit 1`,
        [PUBLISHABLE_KEY_TITLE],
      );
      state.publishableKey = keys.rows[0]?.token;
    }
    return state;
  });
}

/** Remembers one value of the state. */
export async function saveState(databaseUrl: string, name: keyof ShopState, value: string): Promise<void> {
  await withClient(databaseUrl, client =>
    client.query(
      `insert into ${STATE_TABLE} (name, value) values ($1, $2)
         on conflict (name) do update set value = excluded.value`,
      [name, value],
    ),
  );
}

/** Creates the database when missing; true when it did. */
export async function createDatabaseIfMissing(server: RunningPostgres, database: string): Promise<boolean> {
  return withClient(server.url('postgres'), async client => {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`create database ${client.escapeIdentifier(database)}`);
    return true;
  });
}

/** Drops a database, closing its connections. */
export async function dropDatabase(server: RunningPostgres, database: string): Promise<void> {
  await withClient(server.url('postgres'), client =>
    client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`),
  );
}
