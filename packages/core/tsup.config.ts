import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      settings: 'src/settings-fields.ts',
      lifecycle: 'src/lifecycle/index.ts',
      primitives: 'src/primitives.ts',
    },
    format: ['esm', 'cjs'],
    // The entries share modules (the error classes above all): one chunk for each shared module in CommonJS
    // too, so that `instanceof AlipayError` holds whichever entry made the error.
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: false, // other packages may be importing dist while it is rebuilt
    target: 'node20',
  },
  {
    // The doctor CLI: ESM only, with a shebang.
    entry: { cli: 'src/bin.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
