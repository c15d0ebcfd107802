// @ts-check
/**
 * The offline Alipay sandbox of the install test, run from the packed `@alipay-commerce/sandbox` tarball
 * installed with npm into a folder of its own, started through its `alipay-sandbox` binary as its README says.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startServer, waitFor } from './lib.mjs';

/**
 * Installs the sandbox (and the core it depends on) from their tarballs.
 *
 * @param {string} dir
 * @param {{ core: string, sandbox: string }} tarballs
 * @param {string} logFile
 */
export async function installSandbox(dir, tarballs, logFile) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'sandbox-install-test', private: true }, null, 2)}\n`,
  );
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs.core, tarballs.sandbox],
    {
      cwd: dir,
      logFile,
    },
  );
}

/**
 * Starts `alipay-sandbox --port 0`; its first stdout line is the JSON of its URLs and test accounts.
 *
 * @param {string} dir
 * @param {string} logFile
 * @returns {Promise<{ server: ReturnType<typeof startServer>, url: string, openapiGateway: string, legacyGateway: string, apps: Array<Record<string, any>>, merchants: Array<Record<string, any>> }>}
 */
export async function startSandbox(dir, logFile) {
  /** @type {any} */
  let info;
  const server = startServer(
    'sandbox',
    join(dir, 'node_modules', '.bin', 'alipay-sandbox'),
    ['--port', '0'],
    {
      cwd: dir,
      logFile,
      onLine: line => {
        if (info === undefined && line.startsWith('{')) info = JSON.parse(line);
      },
    },
  );
  await waitFor('the sandbox start-up line', async () => info, {
    timeoutMs: 30_000,
    intervalMs: 100,
    server,
  });
  return { server, ...info };
}
