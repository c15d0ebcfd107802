/**
 * An example shop started exactly as `pnpm demo` starts it (`pnpm start`, in a throw-away data directory,
 * on free ports), and the storefront (examples/storefront) in this process, as the browser tests and the
 * example-secrets tests use them. The reliability suites start shops through their drivers instead
 * (`shop-process.ts`: `node` directly, for the server's PID).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, repoRoot } from './shop-process';

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
