/**
 * The build shapes the published packages share (their `tsup.config.ts` use these): library entries
 * as ESM and CommonJS with types, and a command-line entry as ESM with a shebang. All for Node 20.
 */
import type { Options } from 'tsup';

/**
 * Library entries: ESM + CommonJS with declarations. `dist` is not cleaned first: other packages,
 * tests and scripts may be importing it (or running the CLI from it) while it is rebuilt.
 */
export function libraryBuild(entry: Record<string, string>, options: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    ...options,
  };
}

/** A command-line entry: ESM only, with a shebang, so `bin` can point at it. */
export function cliBuild(entry: Record<string, string>): Options {
  return { entry, format: ['esm'], sourcemap: true, target: 'node20', banner: { js: '#!/usr/bin/env node' } };
}
