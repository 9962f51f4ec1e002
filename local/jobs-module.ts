/**
 * Loading the jobs module for the local stack, with one clear line for each way it can be
 * wrong: not there, does not compile, throws at import, imports what is not installed,
 * holds an invalid job, exports no job. (On AWS the module is bundled into the functions.)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRegistry, type JobRegistry } from '../lib/registry.js';
import { SETTINGS } from '../lib/settings.js';
import { StartError } from './start-error.js';

const firstLine = (text: string) => text.split('\n').find((line) => line.trim()) ?? text;

/** Where in the module an error was thrown: the first stack frame in that file. */
function whereIn(file: string, err: Error): string | undefined {
  const frame = err.stack?.split('\n').find((line) => line.includes(file));
  return frame?.match(/((?:file:\/\/)?\/[^\s()]+:\d+:\d+)/)?.[1];
}

/** The one line for a module that failed at import. */
function importProblem(shown: string, file: string, err: Error & { code?: string }): string {
  // esbuild (through tsx) reports "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <what>".
  const transform = /^(.+?:\d+:\d+): ERROR: (.+)$/m.exec(err.message);
  if (err.name === 'TransformError' || transform) {
    return `jobs module ${shown} does not compile${transform ? ` (${transform[1]}): ${transform[2]}` : `: ${firstLine(err.message)}`}`;
  }
  if (err instanceof SyntaxError) return `jobs module ${shown} does not compile: ${firstLine(err.message)}`;
  if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
    return `jobs module ${shown} imports what cannot be found: ${firstLine(err.message)} (install it, or fix the import)`;
  }
  const at = whereIn(file, err);
  return `jobs module ${shown} threw at import${at ? ` (${at})` : ''}: ${err.name}: ${firstLine(err.message)}`;
}

/**
 * Import the jobs module at `path` and build its registry. Every problem is a StartError
 * whose message names the module as the user gave it. A module that exports no job is one
 * of them: a stack with no job to run is a mistake (a wrong path, a missing export), never
 * what was meant.
 */
export async function loadJobsModule(path: string): Promise<JobRegistry> {
  const file = resolve(path);
  if (!existsSync(file)) {
    const where = file === path ? '' : ` (${file})`;
    throw new StartError(`jobs module ${path} not found${where}: pass --jobs or ${SETTINGS.jobs.env}`);
  }
  let exports: unknown;
  try {
    exports = await import(pathToFileURL(file).href);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new StartError(importProblem(path, file, e), { cause: err });
  }
  let registry: JobRegistry;
  try {
    registry = createRegistry(exports);
  } catch (err) {
    throw new StartError(`jobs module ${path} is not valid: ${(err as Error).message}`, { cause: err });
  }
  if (!registry.all().length) {
    throw new StartError(`jobs module ${path} exports no job: export defineJob(...) values`);
  }
  return registry;
}
