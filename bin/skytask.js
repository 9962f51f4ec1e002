#!/usr/bin/env node
// The `skytask` command. Installed, it runs the built CLI (dist/) with plain Node. In a
// checkout of the repository, where the TypeScript sources are, it registers tsx and runs
// those, so that no build step is needed there (the package does not ship the sources).
import { existsSync } from 'node:fs';

const sources = new URL('../local/cli.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/local/cli.js');
}
