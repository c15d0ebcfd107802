/**
 * Shared pieces of the browser end-to-end tests: Debian's Chromium driven by playwright-core, the sandbox
 * with the demo accounts, an example shop started exactly as `pnpm demo` starts it (in a throw-away data
 * directory, on free ports), and the storefront in-process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '@alipay-commerce/sandbox';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

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
  if (!executablePath) {
    throw new Error(
      'Chromium not found: run `pnpm test:deps` (pnpm test does it first) or set CHROMIUM_PATH',
    );
  }
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
      await stopProcessGroup(child);
      if (!env.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sandbox with the demo accounts (the example shops are seeded with them), on a free port. */
export function startDemoSandbox(timeScale = 60) {
  return startSandbox({ port: 0, timeScale, config: demoAccounts });
}

/** A running storefront (examples/storefront, in this process). */
export interface RunningStorefront {
  url: string;
  /** Lines the storefront logged (which interface Alipay answered for which device…). */
  log: string[];
  close(): Promise<void>;
}

/**
 * Starts the storefront in this process on `port` (pick it with {@link freePort} before starting the
 * shop: the shop needs the storefront's URL for its order-page redirects), talking to `shop`
 * exactly as `pnpm demo` wires it (`examples/storefront/src/main.mjs`).
 */
export async function startStorefront(
  name: 'vendure' | 'medusa',
  shop: ShopReady,
  port: number,
  options: {
    syncAfterMs?: number;
    /** The fetch the shop client uses: a test wraps it to record what the storefront asked the shop. */
    shopFetch?: typeof fetch;
  } = {},
): Promise<RunningStorefront> {
  const url = `http://localhost:${port}`;
  // Plain JavaScript modules (JSDoc-typed); imported by URL, typed here by what the harness uses.
  const storefrontSrc = new URL('../../examples/storefront/src/', import.meta.url);
  const clientModule = (await import(new URL(`shops/${name}.mjs`, storefrontSrc).href)) as {
    createShopClient(options: { url: string; publishableKey?: string; fetch?: typeof fetch }): unknown;
  };
  const { createStorefront } = (await import(new URL('server.mjs', storefrontSrc).href)) as {
    createStorefront(options: {
      shop: unknown;
      publicUrl: string;
      log?: (line: string) => void;
      syncAfterMs?: number;
    }): { app: { listen(port: number, host: string, done: () => void): Server } };
  };
  const log: string[] = [];
  const { shopFetch, ...storefrontOptions } = options;
  const { app } = createStorefront({
    shop: clientModule.createShopClient({
      url: shop.url,
      publishableKey: shop.publishableKey ?? '',
      ...(shopFetch ? { fetch: shopFetch } : {}),
    }),
    publicUrl: url,
    log: line => log.push(line),
    ...storefrontOptions,
  });
  const server = await new Promise<Server>(resolve => {
    const listening: Server = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  return {
    url,
    log,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A phone's browser (iPhone Safari user agent, phone-sized viewport): the storefront asks for wap. */
export function mobileContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
}

/** A desktop browser with a viewport large enough for admin pages. */
export function desktopContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 1000 } });
}

/** Calls a sandbox control API endpoint (`/__sandbox/<path>`) and returns its JSON answer. */
export async function sandboxControl<T = Record<string, unknown>>(
  sandboxUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sandboxUrl}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`sandbox ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

/** Stops a detached child's process group: SIGTERM, then SIGKILL after 10 s (a no-op once it exited). */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
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
