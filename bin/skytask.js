#!/usr/bin/env node
// The `skytask` command: registers tsx (the CLI and the jobs module are TypeScript), then runs the CLI.
// `--version` alone is answered here, without tsx: registering tsx takes most of a second.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../local/cli.ts');
}
