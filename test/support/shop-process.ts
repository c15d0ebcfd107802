/**
 * A shop server as a child process: started directly with `node` (no package-manager wrapper, so the PID
 * is the server's own, for RSS and for killing), every stdout/stderr line kept, ready when it prints
 * `ALIPAY_COMMERCE_READY {json}` (the example shops' contract with `scripts/demo.mjs`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest directory above this module with `pnpm-workspace.yaml` (found at run
 * time, so the support files also work when bundled elsewhere, e.g. into bench/dist by `pnpm bench:load`).
 */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('not inside the alipay-commerce repository');
    dir = parent;
  }
  return dir;
})();

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

/** Resident set size of a process in bytes, from `/proc/<pid>/status` (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export interface ShopProcessOptions {
  /** Arguments to `node` (the script and its arguments). */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where every line goes (shared across restarts). */
  log: string[];
  /** How long the first line `ALIPAY_COMMERCE_READY` may take. */
  readyTimeoutMs?: number;
}

/** A started shop process, ready. */
export interface ShopProcess {
  child: ChildProcess;
  ready: Record<string, unknown>;
  /** Resolves when the process has exited (with its code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` if it is still alive). */
  stop(signal?: 'SIGTERM' | 'SIGKILL', graceMs?: number): Promise<void>;
}

/** Starts `node …args` and resolves once it printed its ready line. */
export async function startShopProcess(options: ShopProcessOptions): Promise<ShopProcess> {
  // SHOP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the shop (node refuses it in NODE_OPTIONS).
  const nodeArgs = process.env.SHOP_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const { log } = options;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 240_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`shop not ready in ${timeoutMs} ms:\n${log.slice(-40).join('\n')}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', line => {
      log.push(line);
      const match = /^ALIPAY_COMMERCE_READY (\{.*\})\s*$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]!) as Record<string, unknown>);
      }
    });
    createInterface({ input: child.stderr! }).on('line', line => log.push(line));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`shop exited (${code ?? signal}) before it was ready:\n${log.slice(-40).join('\n')}`));
    });
  });
  return {
    child,
    ready,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
