/**
 * Runs in every test worker before the test file. Medusa loads `medusa-config.ts` with Node's own
 * `require`, which vitest does not transform; ts-node's require hook does.
 *
 * `swc: false` on purpose: with ts-node's swc transpiler, loading @swc/core's native binding inside
 * a vitest worker thread makes the process die with SIGSEGV when the worker is torn down (seen with
 * @swc/core 1.16 / vitest 3.2.7 threads pool). Only the small config files go through this hook,
 * so TypeScript's own transpiler costs nothing noticeable.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('ts-node').register({ transpileOnly: true, swc: false });

process.env.MEDUSA_DISABLE_TELEMETRY = 'true';
