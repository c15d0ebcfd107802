#!/usr/bin/env node
// The command's committed entry point. It only loads the built CLI, so that `pnpm install` in a fresh clone
// (before the build has written dist/) can link the command without warnings.
import '../dist/cli.js';
