/**
 * `skytask start` loads the team's jobs module with `import()`. The installed CLI is plain
 * JavaScript run by plain Node, so a jobs module written in TypeScript needs a loader:
 * tsx, registered in this process only, for ES modules and CommonJS alike (a jobs.ts in
 * a project without `"type": "module"` is CommonJS, and its `require()`s of other .ts
 * files go through tsx's CommonJS hook). In the repository the CLI runs under tsx already.
 */
import { fromSources } from '../lib/package-file.js';

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Register tsx if the jobs module is TypeScript and no loader runs this process yet. */
export async function registerTypeScript(jobsPath: string): Promise<void> {
  if (fromSources || !TYPESCRIPT.test(jobsPath)) return;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  cjs.register();
  esm.register();
}
