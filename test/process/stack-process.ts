/**
 * `skytask start` as a child process, for the process tests: started on a data dir until it
 * logs its JSON-RPC URL, called over JSON-RPC; a temporary data dir whose stacks and
 * emulators are killed, and which is removed, after the file's tests.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after } from 'node:test';

/** The repository: the CLI runs from here. */
export const root = resolve(import.meta.dirname, '../..');

/** Every stack this process started. */
const started = new Set<ChildProcess>();

export interface StackProcess {
  child: ChildProcess;
  url: string;
  /** The pid its log gave for its emulators (0 until then). */
  emulatorPid: number;
  exited: Promise<number | null>;
  /** Its log lines so far, parsed (a line that is not JSON as `{ line }`). */
  logs: any[];
}

export interface StartOptions {
  /** More arguments to `skytask start`. */
  args?: string[];
  /** On top of this process's environment. */
  env?: Record<string, string>;
  /** A script and its args that run the stack as their child, leading a process group of its own, as a terminal runs `npm start`. */
  wrapper?: string[];
}

/** `skytask start --json` on `dataDir` in the background, until its JSON-RPC URL is logged (its exit first rejects). */
export async function startStack(dataDir: string, options: StartOptions = {}): Promise<StackProcess> {
  const { args = [], env = {}, wrapper = [] } = options;
  const start = ['--import', 'tsx', 'local/cli.ts', 'start', '--port', '0', '--data-dir', dataDir, '--json', ...args];
  const child = spawn(process.execPath, wrapper.length ? [...wrapper, process.execPath, ...start] : start, {
    cwd: root,
    detached: wrapper.length > 0,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.add(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stack = { child, url: '', emulatorPid: 0, exited, logs: [] as any[] };
  stack.url = await new Promise<string>((resolveUrl, reject) => {
    child.once('exit', (code) => reject(new Error(`skytask start exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = line.startsWith('{') ? JSON.parse(line) : { line };
      stack.logs.push(entry);
      if (entry.msg?.startsWith('emulators')) stack.emulatorPid = entry.pid;
      if (entry.url) resolveUrl(entry.url);
    });
  });
  return stack;
}

/** A JSON-RPC call to a stack; the result (an error throws, naming the method). */
export async function rpc(stack: { url: string }, method: string, params?: unknown): Promise<any> {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body: any = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** SIGKILL to every stack this process started. */
export function killStacks(): void {
  for (const child of started) child.kill('SIGKILL');
}

/** What `emulators.json` of a data dir records: the emulators' pid and endpoints. */
export const emulatorState = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'emulators.json'), 'utf8'));

/**
 * A temporary data dir (`prefix` then random characters); after the file's tests, every stack
 * started is killed, and so are the emulators this dir records, then it is removed.
 */
export function tempDataDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  after(() => {
    killStacks();
    if (existsSync(join(dataDir, 'emulators.json'))) process.kill(emulatorState(dataDir).pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  return dataDir;
}
