// @ts-check
/**
 * Plumbing of the install test (`pnpm test:install`): commands with their output kept for the error
 * message, long-running servers in their own process groups (stopped on any failure), polling, JSON HTTP.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** Every server started by {@link startServer}, stopped by {@link stopAllServers}. */
const servers = new Set();
/** Process groups of the commands {@link run} is running (an npm install, a build), killed by {@link stopAllServers}. */
const commands = new Set();

/** Environment of every command: no telemetry, no prompts, npm from its cache where it can and quiet about funding and audits. */
export function baseEnv(extra = {}) {
  return {
    ...process.env,
    CI: 'true',
    VENDURE_DISABLE_TELEMETRY: 'true',
    MEDUSA_DISABLE_TELEMETRY: 'true',
    NEXT_TELEMETRY_DISABLED: '1',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    // Also for the npm installs @vendure/create runs itself: the local cache first.
    npm_config_prefer_offline: 'true',
    ...extra,
  };
}

/**
 * Runs a command to completion. Its output goes to `logFile` (appended) and the last lines are kept for
 * the error. Rejects on a non-zero exit or after `timeoutMs`.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, logFile: string, timeoutMs?: number }} options
 * @returns {Promise<string>} the whole stdout
 */
export function run(command, args, { cwd, env = baseEnv(), logFile, timeoutMs = 15 * 60_000 }) {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n$ (cd ${cwd} && ${command} ${args.join(' ')})\n`);
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    commands.add(child.pid);
    let stdout = '';
    let tail = '';
    const keep = (/** @type {Buffer} */ chunk, /** @type {boolean} */ isStdout) => {
      const text = chunk.toString();
      if (isStdout) stdout += text;
      tail = (tail + text).slice(-4000);
      log.write(chunk);
    };
    child.stdout.on('data', chunk => keep(chunk, true));
    child.stderr.on('data', chunk => keep(chunk, false));
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs / 1000}s\n${tail}`));
    }, timeoutMs);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      commands.delete(child.pid);
      log.end();
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}) in ${cwd}; log: ${logFile}\n${tail}`,
          ),
        );
    });
  });
}

/**
 * Starts a long-running server in its own process group, its output appended to `logFile`.
 *
 * @param {string} name what the summary and errors call it
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, logFile: string, onLine?: (line: string) => void }} options
 */
export function startServer(name, command, args, { cwd, env = baseEnv(), logFile, onLine }) {
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n$ (cd ${cwd} && ${command} ${args.join(' ')})\n`);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let partial = '';
  const onData = (/** @type {Buffer} */ chunk) => {
    log.write(chunk);
    const text = chunk.toString();
    tail = (tail + text).slice(-6000);
    if (onLine) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const server = {
    name,
    child,
    exited,
    logFile,
    /** The last output, for error messages. */
    tail: () => tail,
    /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
    async stop(graceMs = 10_000) {
      servers.delete(server);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Children that outlived their parent (a worker, PostgreSQL backends) go too.
      killGroup(child.pid, 'SIGKILL');
    },
  };
  servers.add(server);
  return server;
}

/**
 * Kills the commands still running (a failure elsewhere ends the run), then stops every server still
 * running, newest first (the shops before the database they use).
 */
export async function stopAllServers() {
  for (const pid of commands) killGroup(pid, 'SIGKILL');
  commands.clear();
  for (const server of [...servers].reverse()) {
    await server.stop().catch(() => {});
  }
}

/** Signals a process group; a group that is gone already is fine. */
function killGroup(/** @type {number | undefined} */ pid, /** @type {NodeJS.Signals} */ signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

/** A free TCP port on localhost (another process may take it before us: start promptly). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Polls `check` until it returns a truthy value; fails after `timeoutMs` with the last error, or at once
 * when `server` exits first (with its last output).
 *
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined | null | false>} check
 * @param {{ timeoutMs?: number, intervalMs?: number, server?: ReturnType<typeof startServer> }} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 500, server } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let serverExit;
  server?.exited.then(code => {
    serverExit = code;
  });
  for (;;) {
    if (serverExit !== undefined && server) {
      throw new Error(
        `${server.name} exited (${serverExit}) while waiting for ${what}; log: ${server.logFile}\n${server.tail()}`,
      );
    }
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}` +
          (server ? `\n${server.name} log (${server.logFile}):\n${server.tail()}` : ''),
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}

/**
 * One JSON request; throws with the status and body unless the answer is 2xx.
 *
 * @param {string} method
 * @param {string} url
 * @param {{ body?: unknown, headers?: Record<string, string> }} [options]
 */
export async function http(method, url, { body, headers = {} } = {}) {
  const response = await fetchOrSay(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text.slice(0, 2000)}`);
  return { json, headers: response.headers };
}

/** Fetches a URL without following redirects (a browser opening the cashier link). */
export async function open(/** @type {string} */ url) {
  const response = await fetchOrSay(url, { redirect: 'manual' });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location') };
}

/** `fetch`, whose network errors name the URL and the cause (`fetch failed` alone says neither). */
export async function fetchOrSay(/** @type {string} */ url, /** @type {RequestInit} */ init = {}) {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = /** @type {{ cause?: unknown }} */ (error).cause;
    throw new Error(`${init.method ?? 'GET'} ${url}: ${String(error)}${cause ? ` (${String(cause)})` : ''}`);
  }
}

/** Throws `message` unless `condition` holds. */
export function check(/** @type {unknown} */ condition, /** @type {string} */ message) {
  if (!condition) throw new Error(message);
}

/**
 * The Alipay settings of the sandbox's OpenAPI app (page payment), as a merchant enters them in the
 * installed shop's admin: the same in every install test.
 *
 * @param {{ openapiGateway: string, apps: Array<Record<string, any>> }} sandbox
 */
export function openApiSettings(sandbox) {
  const app = sandbox.apps[0];
  return {
    interfaceType: 'openapi-page',
    gateway: sandbox.openapiGateway,
    appId: app.appId,
    appPrivateKey: app.privateKey,
    alipayPublicKey: app.alipayPublicKey,
    sellerId: app.sellerId,
  };
}
