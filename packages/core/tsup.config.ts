import { defineConfig } from 'tsup';
import { cliBuild, libraryBuild } from '../../tsup.presets';

export default defineConfig([
  libraryBuild(
    {
      index: 'src/index.ts',
      settings: 'src/settings-fields.ts',
      lifecycle: 'src/lifecycle/index.ts',
      primitives: 'src/primitives.ts',
    },
    // The entries share modules (the error classes above all): one chunk for each shared module in
    // CommonJS too, so that `instanceof AlipayError` holds whichever entry made the error.
    { splitting: true },
  ),
  // The doctor CLI.
  cliBuild({ cli: 'src/bin.ts' }),
]);
