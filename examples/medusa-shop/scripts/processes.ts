/**
 * Process plumbing of the example shop's start script: progress lines, and stopping child processes
 * with everything they forked (SIGTERM, then SIGKILL after a timeout), with /proc where it exists.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Progress lines (stderr: stdout carries only the children's logs and the ready line). */
export function say(message: string): void {
  process.stderr.write(`[medusa-shop] ${message}\n`);
}

/** Seconds since `sinceMs`, for progress lines. */
export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

/** An error's message, for progress lines. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `pid` runs (a zombie — exited, never reaped by a container's init — does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2, line.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/**
 * Every descendant of `pid` (children, grandchildren…), from /proc: `medusa db:migrate` forks further
 * Medusa commands, which must stop with it. Empty where /proc does not exist.
 */
async function descendantsOf(pid: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    // "<pid> (<command>) <state> <ppid> …": the command may hold spaces and parentheses.
    const line = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(line.slice(line.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parentOf.set(Number(entry), ppid);
  }
  const found: number[] = [];
  for (let generation = [pid]; generation.length > 0; ) {
    generation = [...parentOf].filter(([, parent]) => generation.includes(parent)).map(([child]) => child);
    found.push(...generation);
  }
  return found;
}

/** Sends a signal; a process that is gone already is no error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Stops the children and their descendants: SIGTERM, then SIGKILL for what still runs after the timeout. */
export async function stopChildren(children: Iterable<ChildProcess>, timeoutMs: number): Promise<void> {
  const pids: number[] = [];
  for (const child of children) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    pids.push(child.pid, ...(await descendantsOf(child.pid)));
  }
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await new Promise(resolveWait => setTimeout(resolveWait, 100));
  }
  for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
}
