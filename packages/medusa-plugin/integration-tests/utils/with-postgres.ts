/**
 * Runs one command with a PostgreSQL server available (see `postgres.ts`), then stops the server and
 * exits with the command's exit code.
 *
 * ```sh
 * node -r ts-node/register/transpile-only integration-tests/utils/with-postgres.ts \
 *   [--data-dir DIR] [--database NAME] -- COMMAND [ARGS...]
 * ```
 *
 * The command gets `DB_HOST`, `DB_PORT`, `DB_USERNAME`, `DB_PASSWORD`; with `--database NAME` also
 * `DATABASE_URL` pointing at NAME (created when missing). `--data-dir` keeps the cluster between runs
 * (a shop's development database); without it the cluster is thrown away. `DATABASE_URL` in the
 * environment is used instead of an embedded server, as in `startPostgres()`.
 *
 * The repository uses it for `pnpm medusa:db:generate` (a root script, so that the published package names no file it does not ship) (`medusa plugin:db:generate` needs a live database).
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type StartPostgresOptions, startPostgres } from './postgres';

interface Cli {
  dataDir?: string;
  database?: string;
  command: string[];
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      cli.command = argv.slice(i + 1);
      break;
    }
    if (arg === '--data-dir' || arg === '--database') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a value`);
      if (arg === '--data-dir') cli.dataDir = resolve(value);
      else cli.database = value;
      continue;
    }
    // No `--`: the first unknown word starts the command.
    cli.command = argv.slice(i);
    break;
  }
  if (cli.command.length === 0) {
    throw new Error('Usage: with-postgres [--data-dir DIR] [--database NAME] -- COMMAND [ARGS...]');
  }
  return cli;
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  const options: StartPostgresOptions = cli.dataDir ? { dataDir: cli.dataDir } : {};
  const postgres = await startPostgres(options);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...postgres.env };
    if (cli.database) {
      await postgres.ensureDatabase(cli.database);
      env.DATABASE_URL = postgres.url(cli.database);
    }
    const [command, ...args] = cli.command as [string, ...string[]];
    const child = spawn(command, args, { stdio: 'inherit', env });
    // Forward Ctrl-C / termination so the command shuts down before the database does.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolveExit, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await postgres.stop();
  }
}

main().then(
  code => process.exit(code),
  error => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
