#!/usr/bin/env node
// @ts-check
/**
 * `node scripts/side-by-side.mjs <script> <script> …`: runs root package scripts (`pnpm <script>`) at the same
 * time and fails when any of them fails. CI has 45 minutes on two cores, so `pnpm test` pairs suites where one
 * leaves a core idle or waits:
 *
 * - `test:medusa test:no-shop-then-vendure`: the Medusa specs use about one core (measured: 246 s of CPU in
 *   272 s); the suites that start no shop (core, sandbox, conformance) and then the Vendure plugin's tests
 *   (about one core too) fill the other. Measured: 339 s for the pair, against 338 s for the Medusa specs
 *   beside the suites that start no shop alone and 150 s more for the Vendure tests after them.
 * - `test:topology test:install`: the install test spends most of its minutes waiting on the npm
 *   registry. Its CPU-heavy moments (npm extracting, gcc building better-sqlite3 in the Vendure scaffold,
 *   the shops' builds) slow the topology suite (measured: 280 s alone, 411 s beside it; install 385 s with
 *   a warm npm cache), but the pair still ends about when the install test alone would. Beside the
 *   14-minute reliability suites instead, it slowed them by more than the last step would shrink.
 *
 * Each line of output is prefixed with its script's name; each script's exit code and duration are printed
 * at the end.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs `pnpm <script>` for each script, side by side.
 * @param {string[]} scripts
 * @returns {Promise<Array<{ script: string; code: number; seconds: number }>>}
 */
export function runSideBySide(scripts) {
  return Promise.all(
    scripts.map(
      script =>
        new Promise(resolve => {
          const started = Date.now();
          const child = spawn('pnpm', ['--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
          for (const stream of [child.stdout, child.stderr]) {
            createInterface({ input: stream }).on('line', line => {
              (stream === child.stderr ? process.stderr : process.stdout).write(`[${script}] ${line}\n`);
            });
          }
          child.on('close', (code, signal) =>
            resolve({
              script,
              code: code ?? (signal ? 128 : 1),
              seconds: Math.round((Date.now() - started) / 1000),
            }),
          );
        }),
    ),
  );
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const scripts = process.argv.slice(2);
  if (scripts.length === 0) {
    console.error('usage: node scripts/side-by-side.mjs <script> <script> …');
    process.exit(2);
  }
  const results = await runSideBySide(scripts);
  for (const { script, code, seconds } of results) {
    console.log(`${code === 0 ? '✔' : '✘'} ${script}: exit ${code} after ${seconds}s`);
  }
  process.exit(results.every(r => r.code === 0) ? 0 : 1);
}
