/**
 * A private Redis for the topology suite: Debian's `redis-server` (installed by `pnpm test:deps`, which
 * `pnpm test` and `.ci/run` run first) started on a free loopback port, without persistence, and stopped
 * with the suite. Both platforms' production setups keep their shared state in it: Vendure's BullMQ job
 * queue, and Medusa's event bus, workflow engine, locking and cache.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../../support/shop-process';

/** A running redis-server. */
export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`; a database number can be appended (`/1`). */
  readonly url: string;
  readonly port: number;
  /** Sends one command (inline protocol) and resolves with the raw reply, e.g. `ping()` → `+PONG`. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

/** Where Debian puts it, or the first `redis-server` on the PATH. */
function redisServerPath(): string | undefined {
  if (process.env.REDIS_SERVER_PATH) return process.env.REDIS_SERVER_PATH;
  const onPath = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined;
}

/** The message when redis-server is missing: what to install, in English and Chinese. */
export const REDIS_MISSING =
  'redis-server not found: the topology suite needs Debian’s redis-server. Run `pnpm test:deps` (installs it as ' +
  'root or with sudo), or `sudo apt-get install redis-server`, or set REDIS_SERVER_PATH. / 未找到 redis-server：' +
  '拓扑测试需要 Debian 的 redis-server。请运行 `pnpm test:deps`（以 root 或 sudo 安装），或 ' +
  '`sudo apt-get install redis-server`，或设置 REDIS_SERVER_PATH。';

function redisCommand(port: number, line: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port} did not answer "${line}"`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', chunk => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.trim());
      }
    });
    socket.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Starts redis-server on a free port (no RDB snapshots, no AOF: test data) and waits for PONG. */
export async function startRedis(): Promise<RunningRedis> {
  const binary = redisServerPath();
  if (!binary) throw new Error(REDIS_MISSING);
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', c => {
    output += c;
  });
  child.stderr?.on('data', c => {
    output += c;
  });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited at start:\n${output.slice(-2000)}`);
    try {
      if ((await redisCommand(port, 'PING')) === '+PONG') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING within 15 s:\n${output.slice(-2000)}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    command: line => redisCommand(port, line),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
