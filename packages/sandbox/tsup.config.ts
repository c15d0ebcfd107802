import { defineConfig } from 'tsup';
import { cliBuild, libraryBuild } from '../../tsup.presets';

export default defineConfig([
  libraryBuild({ index: 'src/index.ts', testing: 'src/testing.ts' }),
  // The sandbox CLI (`alipay-sandbox`).
  cliBuild({ cli: 'src/cli.ts' }),
]);
