import { startPostgres } from '../integration-tests/utils/postgres';

describe('startPostgres with an external DATABASE_URL', () => {
  it('exposes the URL as DB_* variables and does not try to stop a server it did not start', async () => {
    const postgres = await startPostgres({ databaseUrl: 'postgres://medusa:p%40ss@localhost:6543/shop' });
    expect(postgres.external).toBe(true);
    expect(postgres.env).toEqual({
      DB_HOST: 'localhost',
      DB_PORT: '6543',
      DB_USERNAME: 'medusa',
      DB_PASSWORD: 'p@ss',
    });
    expect(postgres.url('other')).toBe('postgres://medusa:p%40ss@localhost:6543/other');
    await expect(postgres.stop()).resolves.toBeUndefined();
  });
});

describe('the server the global setup started', () => {
  it('is live behind the exported DB_* variables, with UTF-8 storage', async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT),
      user: process.env.DB_USERNAME,
      password: process.env.DB_PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      const { rows } = await client.query("select current_setting('server_encoding') as encoding");
      expect(rows[0].encoding).toBe('UTF8');
    } finally {
      await client.end();
    }
    expect(process.env.DB_HOST).toBe('localhost');
  });
});
