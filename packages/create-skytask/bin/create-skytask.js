#!/usr/bin/env node
// `npm create skytask my-app [-- --skytask <source>]`: runs `skytask init` of the skytask this
// package depends on (the same version), with the same arguments. Without --skytask, that
// skytask packs itself into the new project's vendor/ (see skytask's docs/starter.md).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const manifest = require.resolve('skytask/package.json');
const { bin } = require(manifest);
const skytask = join(dirname(manifest), typeof bin === 'string' ? bin : bin.skytask);
const args = process.argv.slice(2);
const run = spawnSync(process.execPath, [skytask, 'init', ...args], { stdio: 'inherit' });
if (run.error) {
  process.stderr.write(`create-skytask: could not run ${skytask}: ${run.error.message}\n`);
  process.exit(1);
}
process.exit(run.status ?? 1);
