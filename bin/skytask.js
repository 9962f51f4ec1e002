#!/usr/bin/env node
// The `skytask` command: registers tsx (the CLI and the jobs module are TypeScript), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../local/cli.ts');
