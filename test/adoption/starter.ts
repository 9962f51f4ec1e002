/**
 * Adoption, the starter (docs/starter.md): `skytask init` run from the packed tarball
 * (`npx --package <tarball> skytask init`, which vendors that copy), then in the project it
 * writes what its README says: `npm install`, `npm run typecheck`, `npm test`, `npm start`
 * on a free port with tasks queued from plain `node` through skytask/client (a result, and
 * a revoke that stops the countdown), `npx skytask stop`, `npx cdk synth` offline. Then a
 * project whose skytask comes from git (this repository's HEAD, through git+file://), and
 * create-skytask from its tarball, with and without `--skytask`. Measures the time from
 * `skytask init` to the first task's result. run.ts calls `starterSteps` after its pack step.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What run.ts lends: its step runner, its command helpers, its environment. */
export interface Adoption {
  root: string;
  work: string;
  env: NodeJS.ProcessEnv;
  tarball: () => string;
  step: (name: string, fn: () => Promise<string | undefined>, needs?: boolean[]) => Promise<boolean>;
  run: (command: string, args: string[], cwd: string, options?: { timeout?: number; ok?: boolean }) => Promise<Run>;
  tail: (text: string, lines?: number) => string;
}

/** The client a user would write: plain node, skytask/client, one result, one revoke. */
const QUEUE_SCRIPT = `
import { createHttpClient } from 'skytask/client';
const client = createHttpClient({ url: process.env.SKYTASK_URL });
const added = await client.queueTask('add', { a: 2, b: 3 });
const done = await client.waitForTask(added, { timeout: 60 });
console.log(JSON.stringify({ first: { status: done.status, result: done.result }, at: Date.now() }));
const counting = await client.queueTask('countdown', { from: 600, every: 0.1 });
while ((await client.getTask(counting.id)).status !== 'STARTED') await new Promise((r) => setTimeout(r, 50));
const asked = Date.now();
await client.revokeTask(counting.id);
const revoked = await client.waitForTask(counting.id, { timeout: 60 });
console.log(JSON.stringify({ revoked: { status: revoked.status, seconds: (Date.now() - asked) / 1000 } }));
`;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function starterSteps(a: Adoption, packed: boolean): Promise<void> {
  try {
    await steps(a, packed);
  } finally {
    await removeNpxInstalls(a).catch(() => 0);
  }
}

async function steps(a: Adoption, packed: boolean): Promise<void> {
  const { run, step, tail, work } = a;
  const npm = (args: string[], cwd: string, timeout?: number) =>
    run('npm', [...args, '--no-audit', '--no-fund'], cwd, { timeout });
  const base = join(work, 'starter');
  const app = join(base, 'my-app');
  const times: Record<string, number> = {};
  const lap = (name: string) => (times[name] = performance.now());
  let createTarball = '';

  const packedCreate = await step('starter: npm pack packages/create-skytask', async () => {
    const out = await npm(['pack', '--json', '--pack-destination', work], join(a.root, 'packages/create-skytask'));
    const [info] = JSON.parse(out.stdout.slice(out.stdout.indexOf('['))) as { filename: string; files: unknown[] }[];
    createTarball = join(work, basename(info.filename));
    return `${basename(createTarball)}: ${info.files.length} files`;
  }, [packed]);

  const initialised =
    await step('starter: skytask init from the tarball (npx --package <tarball> skytask init my-app)', async () => {
      mkdirSync(base, { recursive: true });
      lap('init');
      const out = await run('npx', ['--yes', '--package', a.tarball(), 'skytask', 'init', 'my-app'], base);
      lap('initDone');
      const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
      const vendored = `vendor/${basename(a.tarball())}`;
      check(pkg.dependencies.skytask === `file:${vendored}`, `skytask dependency: ${pkg.dependencies.skytask}`);
      check(existsSync(join(app, vendored)), `${vendored} was not written`);
      check(existsSync(join(app, '.gitignore')) && !existsSync(join(app, 'gitignore')), 'gitignore not renamed');
      check(/npm install && npm start/.test(out.stdout), `no next steps printed:\n${out.stdout}`);
      return `${readdirSync(app).join(', ')}; ${pkg.dependencies.skytask}`;
    }, [packed]);

  const installed = await step('starter: npm install', async () => {
    await npm(['install'], app, 600_000);
    lap('installed');
    const lock = JSON.parse(readFileSync(join(app, 'node_modules/.package-lock.json'), 'utf8'));
    return `${Object.keys(lock.packages).length} packages`;
  }, [initialised]);

  await step('starter: npm start on a free port, queue from plain node (skytask/client), npx skytask stop', async () => {
    const detail = await startQueueStop(a, app, times);
    const ms = (from: string, to: string) => ((times[to] - times[from]) / 1000).toFixed(1);
    return [
      detail,
      `init → first result: ${ms('init', 'firstResult')} s (npx … skytask init ${ms('init', 'initDone')} s, npm install ` +
        `${ms('initDone', 'installed')} s, npm start ready ${ms('startAsked', 'ready')} s, the first result ` +
        `${ms('ready', 'firstResult')} s later)`,
    ].join('\n');
  }, [installed]);

  await step('starter: npm run typecheck (the templates against the built package)', async () => {
    await npm(['run', 'typecheck'], app);
    return 'tsc --noEmit: strict, nodenext';
  }, [installed]);

  await step('starter: npm test', async () => {
    const out = await npm(['test'], app);
    // Node 20 reports in TAP when stdout is not a terminal (`# pass 3`), Node 24 in spec (`ℹ pass 3`).
    const pass = /^(?:#|ℹ) pass (\d+)$/m.exec(out.stdout)?.[1];
    check(/^(?:#|ℹ) fail 0$/m.test(out.stdout) && Number(pass) >= 3, `npm test:\n${tail(out.stdout)}`);
    return `${pass} tests pass`;
  }, [installed]);

  await step('starter: npx cdk synth (offline)', async () => {
    await run('npx', ['cdk', 'synth', '--quiet'], app, { timeout: 300_000 });
    const out = join(app, 'cdk.out');
    const template = JSON.parse(readFileSync(join(out, 'MyApp.template.json'), 'utf8'));
    const resources = Object.entries(template.Resources as Record<string, { Type: string }>);
    const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
    // No periodic job among the starter's: no scheduler function.
    check(
      ['Consumer', 'Rpc', 'Reconciler'].every((f) => functions.some((id) => id.startsWith(`Tasks${f}`))),
      `the consumer, RPC and reconciler functions expected: ${functions.join(', ')}`,
    );
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
    for (const asset of assets) {
      const bundle = readFileSync(join(out, asset, 'index.mjs'), 'utf8');
      check(bundle.includes('countdown'), `${asset}: src/jobs.ts is not bundled`);
    }
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
    const nag = report.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'AwsSolutions');
    check(nag?.conclusion === 'success', `cdk-nag: ${JSON.stringify(nag?.violations ?? report)}`);
    return `stack MyApp: ${resources.length} resources; ${functions.length} functions, each bundle with src/jobs.ts; cdk-nag AwsSolutions: success`;
  }, [installed]);

  await step('starter: skytask from git (init --skytask git+file://<this repository>#HEAD, npm install, npm test)', async () => {
    // npm clones the commit, installs its devDependencies and runs its prepare script, which
    // builds dist/ (a git dependency's prepack is not run). HEAD: uncommitted changes are not in it.
    const head = (await run('git', ['rev-parse', 'HEAD'], a.root)).stdout.trim();
    const url = `git+file://${a.root}#${head}`;
    const dir = join(base, 'from-git');
    await run('npx', ['skytask', 'init', dir, '--skytask', url], app);
    const started = performance.now();
    await npm(['install'], dir, 900_000);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    check(existsSync(join(dir, 'node_modules/skytask/dist/lib/index.js')), 'skytask from git has no dist/');
    await npm(['test'], dir);
    return `${url.replace(head, head.slice(0, 12))}: npm install ${seconds} s (dist/ built by prepare); npm test passes`;
  }, [installed]);

  await step('starter: create-skytask from its tarball, with and without --skytask', async () => {
    const both = ['--yes', '--package', createTarball, '--package', a.tarball(), 'create-skytask'];
    await run('npx', [...both, 'created'], base);
    const vendored = JSON.parse(readFileSync(join(base, 'created/package.json'), 'utf8')).dependencies.skytask;
    check(vendored === `file:vendor/${basename(a.tarball())}`, `create-skytask created: skytask ${vendored}`);
    await run('npx', [...both, 'from-registry', '--skytask', '0.1.0'], base);
    const given = JSON.parse(readFileSync(join(base, 'from-registry/package.json'), 'utf8')).dependencies.skytask;
    check(given === '0.1.0', `create-skytask --skytask 0.1.0: skytask ${given}`);
    const refused = await run('npx', [...both, 'created'], base, { ok: false });
    check(refused.code === 2 && /not empty/.test(refused.stderr), `a second run into created/: ${refused.code}`);
    return `${vendored}; --skytask forwarded (${given}); a non-empty dir refused (exit 2)`;
  }, [packedCreate]);
}

/**
 * npx installs each `--package` set in a folder of its own under the npm cache's `_npx/`;
 * remove the ones made for this run's tarballs (their package.json names a path in `work`).
 */
async function removeNpxInstalls(a: Adoption): Promise<number> {
  const cache = (await a.run('npm', ['config', 'get', 'cache'], a.work)).stdout.trim();
  const npx = join(cache, '_npx');
  if (!existsSync(npx)) return 0;
  const ours = readdirSync(npx).filter((hash) => {
    const manifest = join(npx, hash, 'package.json');
    return existsSync(manifest) && readFileSync(manifest, 'utf8').includes(a.work);
  });
  for (const hash of ours) rmSync(join(npx, hash), { recursive: true, force: true });
  return ours.length;
}

/** `npm start` (SKYTASK_PORT free), wait for JSON-RPC, queue from plain node, `npx skytask stop`. */
async function startQueueStop(a: Adoption, app: string, times: Record<string, number>): Promise<string> {
  const { env, run, tail } = a;
  const port = await freePort();
  times.startAsked = performance.now();
  // A process group of its own: npm, its shell and skytask can be stopped together if a check fails.
  const child = spawn('npm', ['start'], {
    cwd: app,
    env: { ...env, SKYTASK_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const url = await ready(child, () => output, port);
    times.ready = performance.now();
    writeFileSync(join(app, 'queue.mjs'), QUEUE_SCRIPT);
    env.SKYTASK_URL = url;
    const out = await run(process.execPath, ['queue.mjs'], app, { timeout: 120_000 });
    const [first, revoked] = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    times.firstResult = performance.now() - (Date.now() - first.at);
    check(first.first.status === 'SUCCESS' && first.first.result === 5, `add: ${JSON.stringify(first)}`);
    check(revoked.revoked.status === 'REVOKED', `countdown after a revoke: ${JSON.stringify(revoked)}`);
    const stop = await run('npx', ['skytask', 'stop'], app);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 45_000))]);
    check(code === 0, `npm start after npx skytask stop: ${code}\n${tail(output)}`);
    return [
      `${url}: add → SUCCESS 5; countdown revoked while it ran → REVOKED ${revoked.revoked.seconds} s after the revoke`,
      stop.stdout.trim(),
    ].join('\n');
  } finally {
    delete env.SKYTASK_URL;
    if (child.exitCode === null && child.pid && alive(child.pid)) process.kill(-child.pid, 'SIGTERM');
    const state = join(app, '.skytask/emulators.json');
    const emulators = existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')).pid : undefined;
    if (emulators && alive(emulators)) process.kill(emulators, 'SIGTERM');
  }
}

/** The URL `skytask start` logs once JSON-RPC listens (its logs are JSON lines: stdout is not a terminal). */
function ready(child: ChildProcess, output: () => string, port: number): Promise<string> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const timer = setInterval(() => {
      const line = output()
        .split('\n')
        .slice(0, -1) // complete lines only
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { url?: string; msg?: string })
        .find((l) => l.url && /JSON-RPC at/.test(l.msg ?? ''));
      if (line?.url) {
        clearInterval(timer);
        if (!line.url.includes(`:${port}/`)) fail(new Error(`listening on ${line.url}, not port ${port}`));
        done(line.url);
      } else if (child.exitCode !== null || performance.now() - started > 90_000) {
        clearInterval(timer);
        fail(new Error(`npm start was not ready (exit ${child.exitCode}):\n${output()}`));
      }
    }, 100);
  });
}
