#!/usr/bin/env node
// The `skytask` command. Installed, it runs the built CLI (dist/) with plain Node. In a
// checkout of the repository, where the TypeScript sources are, it registers tsx and runs
// those, so that no build step is needed there (the package does not ship the sources).
// `--version` alone is answered here, before anything is loaded: registering tsx takes
// most of a second.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const sources = new URL('../local/cli.ts', import.meta.url);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/local/cli.js');
}
