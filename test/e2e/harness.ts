/**
 * Shared pieces of the browser end-to-end tests: Debian's Chromium driven by playwright-core, the sandbox
 * with the demo accounts, an example shop started exactly as `pnpm demo` starts it (in a throw-away data
 * directory, on free ports), and the storefront in-process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '@alipay-commerce/sandbox';
import { type Browser, chromium, type Page } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const artifactsDir = join(repoRoot, 'artifacts', 'e2e');
export const demoAccounts = join(repoRoot, 'examples/sandbox/demo-accounts.json');

/** Chromium flags that work as root in CI and keep it off the (closed) network. */
const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Debian's Chromium (never a downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath =
    process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!executablePath) throw new Error('Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
}

/** Saves a full-page screenshot under artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** What an example shop prints once it serves requests (see scripts/demo.mjs). */
export interface ShopReady {
  url: string;
  adminUrl: string;
  adminUser: string;
  adminPassword: string;
  publishableKey?: string;
}

/** A running example shop process. */
export interface RunningShop extends ShopReady {
  process: ChildProcess;
  dataDir: string;
  log: string[];
  stop(): Promise<void>;
}

/**
 * Starts `examples/<name>-shop` with `pnpm start` (as the demo does) in a fresh data directory, and resolves
 * when it prints its ready line. The log is kept for failure messages.
 */
export async function startExampleShop(
  name: 'vendure' | 'medusa',
  env: { sandboxUrl: string; storefrontUrl: string; port?: number; dataDir?: string },
): Promise<RunningShop> {
  const port = env.port ?? (await freePort());
  const dataDir = env.dataDir ?? mkdtempSync(join(tmpdir(), `${name}-shop-`));
  const child = spawn('pnpm', ['--silent', '--filter', `@alipay-commerce/example-${name}-shop`, 'start'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      ALIPAY_SANDBOX_URL: env.sandboxUrl,
      STOREFRONT_URL: env.storefrontUrl,
      VENDURE_DISABLE_TELEMETRY: 'true',
      MEDUSA_DISABLE_TELEMETRY: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log: string[] = [];
  const ready = await new Promise<ShopReady>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} shop not ready in time:\n${log.slice(-40).join('\n')}`)),
      240_000,
    );
    const onLine = (line: string) => {
      log.push(line);
      const match = /^ALIPAY_COMMERCE_READY (\{.*\})$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]!));
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', line => log.push(line));
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`${name} shop exited with ${code}:\n${log.slice(-40).join('\n')}`));
    });
  });
  return {
    ...ready,
    process: child,
    dataDir,
    log,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise(resolve => child.once('exit', resolve));
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 10_000))]);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (!env.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sandbox with the demo accounts (the example shops are seeded with them), on a free port. */
export function startDemoSandbox(timeScale = 60) {
  return startSandbox({ port: 0, timeScale, config: demoAccounts });
}
