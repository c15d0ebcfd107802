#!/usr/bin/env node
// @ts-check
/**
 * `pnpm test:install`: installs the packed packages into brand-new shops the way a shop owner would, and
 * takes one Alipay payment and one refund in each.
 *
 * 1. Packs the four publishable packages (`pnpm pack`; needs `pnpm build`).
 * 2. At the same time: scaffolds a Vendure shop with `npx @vendure/create <dir> --ci` (SQLite, React
 *    Dashboard), writes the minimal Medusa app `create-medusa-app` would give and installs it with npm,
 *    installs the sandbox, starts an embedded PostgreSQL.
 * 3. Installs the tarballs with npm (never through the workspace) and applies each plugin README's
 *    installation steps as code.
 * 4. Starts the sandbox (from its tarball) and both shops, configures Alipay and a CNY channel/region
 *    through each admin API as the READMEs say, pays one order per shop through the sandbox's control API,
 *    checks it is paid, refunds it through the admin API and checks the sandbox shows the refund.
 * 5. Takes a Chromium screenshot of the Alipay payment-method form in the Vendure Dashboard
 *    (`artifacts/install/`).
 *
 * Versions: Vendure and Medusa at the lowest supported minor (see the plugins' READMEs, "Requirements",
 * and their peerDependencies), plus a second Medusa pass at the latest tested version (2.21.2). Why not
 * Vendure at the latest too: its scaffold alone takes 4–7 minutes, and 3.7.3 is what the plugin's own e2e
 * tests run; the Medusa passes fit inside the scaffold's minutes. `INSTALL_TEST_VENDURE_VERSION`,
 * `INSTALL_TEST_MEDUSA_VERSION` and `INSTALL_TEST_MEDUSA_LATEST` (empty: no second pass) override them. `INSTALL_TEST_DIR` keeps the work folder (default: a temporary one, deleted on success).
 * Every server is stopped on any failure; the error names the step that failed and its log file.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, stopAllServers, waitFor } from '../test/install/lib.mjs';
import {
  configureMedusa,
  payAndRefundMedusa,
  setUpMedusaShop,
  startMedusa,
  writeMedusaApp,
} from '../test/install/medusa.mjs';
import { installNpm } from '../test/install/npm.mjs';
import { installSandbox, startSandbox } from '../test/install/sandbox.mjs';
import {
  configureVendure,
  payAndRefundVendure,
  scaffoldVendure,
  screenshotDashboard,
  setUpVendureShop,
  startVendure,
} from '../test/install/vendure.mjs';
import { packPackages } from './pack-packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The tested versions: the lowest minor each plugin supports (peerDependencies say the same). */
const VENDURE_VERSION = process.env.INSTALL_TEST_VENDURE_VERSION || '3.5.4';
const MEDUSA_VERSION = process.env.INSTALL_TEST_MEDUSA_VERSION || '2.15.5';
/**
 * A second Medusa pass at the latest tested version (the workspace's): cheap, because both Medusa installs
 * and runs fit in the minutes the Vendure scaffold takes anyway. `INSTALL_TEST_MEDUSA_LATEST=` (empty) skips it.
 */
const MEDUSA_LATEST = process.env.INSTALL_TEST_MEDUSA_LATEST ?? '2.21.2';
const MEDUSA_VERSIONS = [
  MEDUSA_VERSION,
  ...(MEDUSA_LATEST && MEDUSA_LATEST !== MEDUSA_VERSION ? [MEDUSA_LATEST] : []),
];
const artifacts = join(root, 'artifacts', 'install');

const started = Date.now();
const seconds = (/** @type {number} */ since) => `${((Date.now() - since) / 1000).toFixed(0)}s`;

/**
 * Runs one named step: prints its start and duration, and on failure rethrows with the step's name (the
 * first line of the failure says which step broke).
 *
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
async function step(name, body) {
  const at = Date.now();
  console.log(`[install] ${name} …`);
  try {
    const result = await body();
    console.log(`[install] ${name}: done (${seconds(at)})`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`step "${name}" failed / 步骤“${name}”失败:\n${message}`);
  }
}

async function main() {
  const work = process.env.INSTALL_TEST_DIR || mkdtempSync(join(tmpdir(), 'alipay-install-'));
  mkdirSync(work, { recursive: true });
  // As root the embedded PostgreSQL runs as `postgres`, which must traverse to its data directory.
  await chmod(work, 0o755);
  const logs = join(work, 'logs');
  mkdirSync(logs, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  console.log(
    `[install] Vendure ${VENDURE_VERSION}, Medusa ${MEDUSA_VERSIONS.join(' and ')}; work folder ${work}, logs in ${logs}`,
  );

  const vendureDir = join(work, 'vendure-shop');
  const sandboxDir = join(work, 'sandbox');

  // The scaffold needs no tarball: it starts at once, the packing runs beside it.
  const scaffolded = step(`scaffold Vendure ${VENDURE_VERSION} (npx @vendure/create --ci)`, () =>
    scaffoldVendure(work, 'vendure-shop', VENDURE_VERSION, join(logs, 'vendure-create.log')),
  );
  const postgres = step('start an embedded PostgreSQL', () =>
    startPostgres(
      MEDUSA_VERSIONS.map(version => databaseOf(version)),
      join(logs, 'postgres.log'),
    ),
  );
  const tarballs = await step('pack the four packages (pnpm pack)', async () => {
    const packed = await packPackages(join(work, 'tarballs'));
    const byName = Object.fromEntries(packed.map(p => [p.name.replace('@alipay-commerce/', ''), p.tarball]));
    return /** @type {{ core: string, sandbox: string, vendure: string, medusa: string }} */ (byName);
  });
  const sandboxStarted = step('install the sandbox tarball with npm', () =>
    installSandbox(sandboxDir, tarballs, join(logs, 'sandbox-install.log')),
  ).then(() =>
    step('start the sandbox (alipay-sandbox from its tarball)', () =>
      startSandbox(sandboxDir, join(logs, 'sandbox.log')),
    ),
  );
  // Both Medusa apps install at once (network and disk); they run one after the other (CPU).
  const medusaInstalled = MEDUSA_VERSIONS.map(version =>
    step(`write the Medusa ${version} app and npm install it with the tarballs`, async () => {
      writeMedusaApp(medusaDirOf(work, version), version, tarballs);
      await installNpm(medusaDirOf(work, version), [], join(logs, `medusa-${version}-install.log`));
    }),
  );
  // Each shop goes on as soon as what it needs is ready; a failure is seen when its shop awaits it (the
  // empty handlers only keep Node from calling an early failure unhandled).
  for (const pending of [scaffolded, postgres, sandboxStarted, ...medusaInstalled]) pending.catch(() => {});

  /** @type {string[]} */
  const summary = [];
  const vendure = (async () => {
    await scaffolded;
    const sandbox = await sandboxStarted;
    await step('install @alipay-commerce/vendure into the Vendure shop (npm, README step 1)', () =>
      installNpm(vendureDir, [tarballs.core, tarballs.vendure], join(logs, 'vendure-install.log')),
    );
    const port = await freePort();
    await step('apply the Vendure README (config, migration, build)', () =>
      configureVendure(vendureDir, { port, logFile: join(logs, 'vendure-build.log') }),
    );
    const shop = await step('start the Vendure shop (npm run start)', () =>
      startVendure(vendureDir, { port, logFile: join(logs, 'vendure.log') }),
    );
    const setUp = await step('Vendure: CNY channel and price, Alipay payment method (Admin API)', () =>
      setUpVendureShop(shop.url, sandbox),
    );
    const paid = await step('Vendure: pay one order through the sandbox, refund it (Admin API)', () =>
      payAndRefundVendure(shop.url, setUp, sandbox),
    );
    const screenshot = await step('Vendure Dashboard: screenshot of the Alipay payment-method form', () =>
      screenshotDashboard(
        shop.url,
        setUp.paymentMethodId,
        join(artifacts, 'vendure-dashboard-alipay-form.png'),
      ),
    );
    await shop.server.stop();
    summary.push(
      `Vendure ${VENDURE_VERSION} (@vendure/create --ci): order ${paid.order} paid ${paid.amount} through the sandbox ` +
        `(trade ${paid.tradeNo}) and refunded; Dashboard screenshot ${screenshot}; done ${seconds(started)} after the start`,
    );
  })();
  const medusa = (async () => {
    for (const [index, version] of MEDUSA_VERSIONS.entries()) {
      await medusaInstalled[index];
      const line = await runMedusa(version, await postgres, await sandboxStarted);
      summary.push(line);
    }
  })();

  /**
   * One Medusa app from its README to a refunded order; the summary line.
   *
   * @param {string} version
   * @param {Awaited<typeof postgres>} pg
   * @param {Awaited<typeof sandboxStarted>} sandbox
   */
  async function runMedusa(version, pg, sandbox) {
    const dir = medusaDirOf(work, version);
    const port = await freePort();
    await step(`Medusa ${version}: apply the README (medusa-config.ts, .env)`, async () =>
      configureMedusa(dir, { port, databaseUrl: pg.url(databaseOf(version)) }),
    );
    const shop = await step(`Medusa ${version}: start (medusa db:migrate, medusa user, medusa develop)`, () =>
      startMedusa(dir, { port, logFile: join(logs, `medusa-${version}.log`) }),
    );
    const setUp = await step(`Medusa ${version}: Alipay settings, CNY store and region (admin API)`, () =>
      setUpMedusaShop(shop.url, sandbox),
    );
    const paid = await step(
      `Medusa ${version}: pay one order through the sandbox, refund it (admin API)`,
      () => payAndRefundMedusa(shop.url, setUp, sandbox),
    );
    // Medusa's process is heavy: stop it now, so that it does not slow the next pass or the Vendure build.
    await shop.server.stop();
    return (
      `Medusa ${version} (create-medusa-app layout): order ${paid.order} paid ${paid.amount} through the ` +
      `sandbox (trade ${paid.tradeNo}) and refunded; done ${seconds(started)} after the start`
    );
  }

  // The first failure ends the run (the other shop's commands and servers are stopped by the caller).
  await Promise.all([vendure, medusa]);

  for (const line of summary) console.log(`[install] ✔ ${line}`);
  console.log(`[install] passed in ${seconds(started)} / 安装测试通过，用时 ${seconds(started)}`);
  await stopAllServers();
  if (!process.env.INSTALL_TEST_DIR) rmSync(work, { recursive: true, force: true });
}

/** The folder of the Medusa app of `version`. */
function medusaDirOf(/** @type {string} */ work, /** @type {string} */ version) {
  return join(work, `medusa-shop-${version}`);
}

/** The database of the Medusa app of `version`. */
function databaseOf(/** @type {string} */ version) {
  return `medusa_${version.replaceAll('.', '_')}`;
}

/**
 * An embedded PostgreSQL for Medusa, started by the workspace's tested helper
 * (packages/medusa-plugin/integration-tests/utils/postgres.ts) in a child process that prints its URL.
 *
 * @param {string[]} databases created before the URL is printed
 * @param {string} logFile
 */
async function startPostgres(databases, logFile) {
  /** @type {string | undefined} */
  let url;
  const server = startServer(
    'PostgreSQL',
    process.execPath,
    [join(root, 'test', 'install', 'postgres-server.cjs'), ...databases],
    {
      cwd: join(root, 'packages', 'medusa-plugin'),
      logFile,
      onLine: line => {
        if (line.startsWith('POSTGRES_URL ')) url = line.slice('POSTGRES_URL '.length).trim();
      },
    },
  );
  await waitFor('PostgreSQL', async () => url, { timeoutMs: 120_000, intervalMs: 200, server });
  const base = /** @type {string} */ (url);
  return { server, url: (/** @type {string} */ database) => base.replace(/\/[^/]*$/, `/${database}`) };
}

// Ctrl-C or a CI timeout: the shops, the sandbox and PostgreSQL run in their own process groups and
// would outlive this process.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, async () => {
    console.error(`\n[install] ${signal}: stopping the servers / 正在停止服务`);
    await stopAllServers();
    process.exit(130);
  });
}

main().catch(async error => {
  console.error(
    `\n[install] FAILED after ${seconds(started)} / 安装测试失败:\n${error instanceof Error ? error.message : error}`,
  );
  await stopAllServers();
  process.exit(1);
});
