/**
 * Adoption: skytask used the way a new project uses it, from the packed tarball.
 *
 *   npm run test:adoption        (ADOPTION_KEEP=1 keeps the temporary projects)
 *
 * Packs the package (prepack builds dist/), installs the tarball into fresh CommonJS
 * (`npm init -y`) and ESM (`"type": "module"`) projects — third-party packages come from
 * the registry, skytask only from the tarball — and in each: type-checks a file using
 * skytask and skytask/client under nodenext and bundler settings (TypeScript 5.9 and 7,
 * strict options, with and without skipLibCheck); checks that importing skytask/client
 * loads no emulator, tsx, CDK or middy; runs `skytask start` with a TypeScript jobs module
 * on a free port, queues jobs and reads their results from plain `node` through
 * skytask/client (CommonJS `require` and ESM `import`), then stops the stack. Then, in a
 * project made by `cdk init app --language typescript` (the pinned aws-cdk CLI: CommonJS,
 * TypeScript 7, the app run by tsx), adds skytask and esbuild, declares a TaskQueue and
 * runs `cdk synth` offline; then again with the app run by ts-node, as older templates did.
 * Then the starter (starter.ts): `skytask init` from the tarball, and the project it writes.
 *
 * Prints PASS or FAIL per step with its time, and exits 1 if any step failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { CLIENT_MUST_NOT_LOAD, forbidPackagesImport } from './forbid-packages.js';
import { starterSteps } from './starter.js';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dev: Record<string, string> = pkg.devDependencies;
/** What `npm install -D typescript` gives a new project today (its `tsc --init` is the issue's config). */
const TYPESCRIPT_7 = '7.0.2';
const keep = process.env.ADOPTION_KEEP === '1';
const work = mkdtempSync(join(tmpdir(), 'skytask-adoption-'));

// The same Node for every child (`#!/usr/bin/env node` included), and none of the npm_*
// variables of an enclosing `npm run`, which would steer the projects' npm commands.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD'),
);
env.PATH = `${dirname(process.execPath)}:${env.PATH}`;
Object.assign(env, {
  CDK_DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_CLI_TELEMETRY: '1',
  CDK_VALIDATION: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

// ---------------------------------------------------------------- steps and reporting

interface Result {
  name: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  seconds: number;
  detail: string;
}
const results: Result[] = [];

/** Run one step; a step whose prerequisite failed is skipped. Returns whether it passed. */
async function step(name: string, fn: () => Promise<string | undefined>, needs: boolean[] = []): Promise<boolean> {
  if (needs.some((ok) => !ok)) {
    results.push({ name, status: 'SKIP', seconds: 0, detail: 'an earlier step it needs failed' });
    console.log(`SKIP  ${name}`);
    return false;
  }
  const start = performance.now();
  let result: Result;
  try {
    const detail = (await fn()) ?? '';
    result = { name, status: 'PASS', seconds: (performance.now() - start) / 1000, detail };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    result = { name, status: 'FAIL', seconds: (performance.now() - start) / 1000, detail };
  }
  results.push(result);
  const head = `${result.status}  ${name} (${result.seconds.toFixed(1)} s)`;
  console.log(result.detail ? `${head}\n      ${result.detail.split('\n').join('\n      ')}` : head);
  return result.status === 'PASS';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** Run a command to its end; throws with the end of its output if it fails. */
function run(command: string, args: string[], cwd: string, options: { timeout?: number; ok?: boolean } = {}) {
  return new Promise<Run>((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 300_000);
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 1, stdout, stderr };
      if ((code === 0 || options.ok === false) && !signal) return done(result);
      const why = signal ? `killed (${signal}, timed out?)` : `exit ${code}`;
      fail(new Error(`${command} ${args.join(' ')}: ${why}\n${tail(`${stdout}\n${stderr}`)}`));
    });
  });
}

const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund'], cwd);
const node = (args: string[], cwd: string, options?: { timeout?: number; ok?: boolean }) =>
  run(process.execPath, args, cwd, options);

// ---------------------------------------------------------------- the package

let tarball = '';

async function pack(): Promise<string> {
  const out = await npm(['pack', '--json', '--pack-destination', work], root);
  const [info] = JSON.parse(out.stdout.slice(out.stdout.indexOf('['))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
    files: { path: string }[];
  }[];
  tarball = join(work, basename(info.filename));
  const files = info.files.map((f) => f.path);
  const stray = files.filter(
    (f) =>
      !['package.json', 'README.md', 'BENCHMARKS.md', 'LICENSE', 'bin/skytask.js'].includes(f) &&
      !/^dist\/(lib|cdk|functions|local)\/.*\.(js|js\.map|d\.ts)$/.test(f) &&
      !/^dist\/examples\/jobs\.(js|js\.map|d\.ts)$/.test(f) &&
      !/^dist\/local\/dashboard\/static\/[a-z][a-z0-9-]*\.(html|css|js)$/.test(f) && // the dashboard's page, as it is
      !f.startsWith('templates/starter/') && // what skytask init writes (docs/starter.md)
      !/^docs\/[^/]+\.md$/.test(f) && // the docs, which the starter's README links to
      !/^docs\/images\/[a-z0-9-]+\.png$/.test(f) && // the docs' screenshots
      !/^examples\/[a-z0-9-.]+\.ts$/.test(f), // the examples the docs quote and link to
  );
  check(stray.length === 0, `files that do not belong in the package: ${stray.join(', ')}`);
  // Every export's built files are in the tarball; its `skytask-source` condition (what the
  // repository's own tests and type check resolve) names a source file of this checkout.
  for (const [entry, target] of Object.entries(pkg.exports as Record<string, Record<string, string> | string>)) {
    if (typeof target === 'string') continue;
    for (const [condition, path] of Object.entries(target)) {
      const file = path.replace(/^\.\//, '');
      if (condition === 'skytask-source')
        check(existsSync(join(root, file)), `export "${entry}": ${file} does not exist`);
      else check(files.includes(file), `export "${entry}": ${file} is not in the tarball`);
    }
  }
  check(files.includes('dist/local/dashboard/static/index.html'), "the dashboard's page is missing");
  for (const entry of ['consumer', 'rpc', 'scheduler', 'reconciler']) {
    check(files.includes(`dist/functions/${entry}.js`), `the Lambda entry dist/functions/${entry}.js is missing`);
  }
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  return [`${basename(tarball)}: ${kB(info.size)}, ${info.entryCount} files, ${kB(info.unpackedSize)} unpacked`].join(
    '\n',
  );
}

// ---------------------------------------------------------------- the CommonJS and ESM projects

interface Project {
  kind: 'CommonJS' | 'ESM';
  dir: string;
}

async function createProject(project: Project): Promise<string> {
  mkdirSync(project.dir, { recursive: true });
  await npm(['init', '-y'], project.dir);
  if (project.kind === 'ESM') await npm(['pkg', 'set', 'type=module'], project.dir);
  const start = performance.now();
  await npm(['install', tarball], project.dir);
  const installSeconds = (performance.now() - start) / 1000;
  const lock = JSON.parse(readFileSync(join(project.dir, 'node_modules/.package-lock.json'), 'utf8'));
  const packages = Object.keys(lock.packages).length;
  await npm(
    [
      'install',
      '--save-dev',
      `typescript@${dev.typescript}`,
      `typescript7@npm:typescript@${TYPESCRIPT_7}`,
      `@types/node@${dev['@types/node']}`,
    ],
    project.dir,
  );
  for (const file of ['jobs.ts', 'helper.ts', 'check.ts', 'queue-client.cjs', 'queue-client.mjs', 'run-jobs.cjs']) {
    copyFileSync(join(fixtures, file), join(project.dir, file));
  }
  return `npm install <tarball> into a fresh ${project.kind} project: ${installSeconds.toFixed(1)} s, ${packages} packages`;
}

/** The tsconfig settings a project may have; each is checked with TypeScript 5.9 and 7. */
function tsconfigs(project: Project): Record<string, Record<string, unknown>> {
  const strict = {
    target: 'ES2022',
    lib: ['ES2022'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    types: ['node'],
  };
  const configs: Record<string, Record<string, unknown>> = {
    nodenext: { ...strict, module: 'nodenext', skipLibCheck: false },
    'nodenext+skipLibCheck': { ...strict, module: 'nodenext', skipLibCheck: true },
    bundler: { ...strict, module: 'preserve', moduleResolution: 'bundler', skipLibCheck: false },
    'bundler+skipLibCheck': { ...strict, module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true },
  };
  if (project.kind === 'CommonJS') {
    // The old resolution (TypeScript 5 only: 7 removed it) reads typesVersions, not exports.
    configs['node10, TypeScript 5 only'] = {
      ...strict,
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: true, // pino's types default-import a CommonJS module
      skipLibCheck: false,
    };
  }
  if (project.kind === 'ESM') {
    // What `tsc --init` writes (TypeScript 7): no @types at all, verbatimModuleSyntax, and so on.
    // (In a CommonJS project its verbatimModuleSyntax refuses `import` itself.)
    configs['tsc --init'] = {
      module: 'nodenext',
      target: 'esnext',
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      noUncheckedSideEffectImports: true,
      moduleDetection: 'force',
      skipLibCheck: true,
      noEmit: true,
    };
    configs['tsc --init, no skipLibCheck'] = { ...configs['tsc --init'], skipLibCheck: false };
  }
  return configs;
}

async function typecheck(project: Project): Promise<string> {
  const compilers = { '5.9': 'node_modules/typescript/bin/tsc', '7': 'node_modules/typescript7/bin/tsc' };
  const runs = Object.entries(tsconfigs(project)).flatMap(([name, options], i) => {
    const file = `tsconfig.adoption-${i}.json`;
    writeFileSync(
      join(project.dir, file),
      JSON.stringify({ compilerOptions: options, files: ['check.ts', 'jobs.ts', 'helper.ts'] }),
    );
    const versions = Object.entries(compilers).filter(
      ([version]) => version === '5.9' || !/TypeScript 5 only/.test(name),
    );
    return versions.map(async ([version, tsc]) => {
      const out = await node([tsc, '-p', file, '--pretty', 'false'], project.dir, { ok: false, timeout: 180_000 });
      return { label: `${name} (TypeScript ${version})`, ...out };
    });
  });
  const outcomes = await Promise.all(runs);
  const failed = outcomes.filter((o) => o.code !== 0);
  check(failed.length === 0, failed.map((o) => `${o.label}:\n${tail(o.stdout + o.stderr, 15)}`).join('\n'));
  return outcomes.map((o) => o.label).join(', ');
}

async function clientImports(project: Project): Promise<string> {
  const hook = forbidPackagesImport(CLIENT_MUST_NOT_LOAD);
  await node(['--import', hook, '--input-type=module', '-e', "await import('skytask/client');"], project.dir);
  // Plain Node, no loader: require() of the ES module package from CommonJS (Node >= 20.19).
  await node(['-e', "require('skytask/client'); require('skytask');"], project.dir);
  return `no ${CLIENT_MUST_NOT_LOAD.join(', ')}; require() and import() both load it`;
}

interface Stack {
  child: ChildProcess;
  url: string;
  emulatorPid?: number;
  output: () => string;
}

/** `skytask start` as a user runs it (the installed bin, plain node), on a free port. */
function startStack(project: Project): Promise<Stack> {
  const dataDir = join(project.dir, '.skytask');
  const bin = join(project.dir, 'node_modules/.bin/skytask');
  const child = spawn(bin, ['start', '--jobs', 'jobs.ts', '--port', '0', '--data-dir', dataDir, '--json'], {
    cwd: project.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`skytask start was not ready within 90 s:\n${tail(output)}`));
    }, 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`skytask start exited (${code}) before it was ready:\n${tail(output)}`));
    });
    const onData = (chunk: Buffer) => {
      output += chunk;
      const ready = output
        .split('\n')
        .slice(0, -1) // complete lines only
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { url?: string; msg?: string })
        .find((line) => line.url && /JSON-RPC at/.test(line.msg ?? ''));
      if (!ready?.url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.off('data', onData);
      child.stdout.on('data', (more) => (output += more));
      const state = join(dataDir, 'emulators.json');
      const emulatorPid = existsSync(state) ? JSON.parse(readFileSync(state, 'utf8')).pid : undefined;
      done({ child, url: ready.url, emulatorPid, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, as Ctrl-C would: the stack must exit 0 and take its emulators down. */
async function stopStack(stack: Stack): Promise<void> {
  const exited = new Promise<number | null>((done) => stack.child.once('exit', (code) => done(code)));
  stack.child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 45_000))]);
  check(code !== 'timeout', `skytask start did not stop within 45 s of SIGTERM:\n${tail(stack.output())}`);
  check(code === 0, `skytask start exited ${code} on SIGTERM:\n${tail(stack.output())}`);
  for (let i = 0; i < 50 && stack.emulatorPid && alive(stack.emulatorPid); i++)
    await new Promise((r) => setTimeout(r, 100));
  check(!stack.emulatorPid || !alive(stack.emulatorPid), `the emulators (pid ${stack.emulatorPid}) are still running`);
}

/** What run-jobs.cjs must read back: a result, an UnrecoverableError not retried, a RetryTaskError's delay kept. */
function checkOutcomes(label: string, stdout: string): void {
  const got = JSON.parse(stdout.trim().split('\n').pop()!) as Record<
    string,
    { status: string; result?: unknown; attempts: number; error?: string }
  >;
  const line = JSON.stringify(got);
  check(got.add?.status === 'SUCCESS' && got.add.result === 42, `${label}: add should be SUCCESS 42: ${line}`);
  check(
    got.broken?.status === 'FAILURE' && got.broken.attempts === 1,
    `${label}: an UnrecoverableError must fail at the first attempt: ${line}`,
  );
  check(
    got.later?.status === 'SUCCESS' && got.later.attempts === 2,
    `${label}: a RetryTaskError(delay 1 s) must run again within the wait: ${line}`,
  );
}

/** The dashboard, from the installed package's files: the page and the scripts it loads. */
async function checkDashboard(rpcUrl: string): Promise<string> {
  const origin = new URL(rpcUrl).origin;
  const page = await fetch(`${origin}/`);
  const html = await page.text();
  check(
    page.status === 200 && html.includes('<title>skytask</title>'),
    `GET / answered ${page.status}: ${html.slice(0, 200)}`,
  );
  const app = await fetch(`${origin}/dashboard/app.js`);
  check(
    app.status === 200 && (await app.text()).includes("from './view-jobs.js'"),
    `GET /dashboard/app.js answered ${app.status}`,
  );
  return `the dashboard at ${origin}/`;
}

async function startAndQueue(project: Project): Promise<string> {
  const stack = await startStack(project);
  try {
    env.SKYTASK_URL = stack.url;
    const [cjs, esm] = await Promise.all([
      node(['queue-client.cjs'], project.dir, { timeout: 120_000 }),
      node(['queue-client.mjs'], project.dir, { timeout: 120_000 }),
    ]);
    checkOutcomes('require(skytask/client)', cjs.stdout);
    checkOutcomes('import(skytask/client)', esm.stdout);
    const dashboard = await checkDashboard(stack.url);
    await stopStack(stack);
    return `${stack.url}: add, broken (UnrecoverableError), later (RetryTaskError) right from require and import; ${dashboard}; stopped`;
  } finally {
    delete env.SKYTASK_URL;
    if (stack.child.exitCode === null) stack.child.kill('SIGKILL');
    if (stack.emulatorPid && alive(stack.emulatorPid)) process.kill(stack.emulatorPid, 'SIGTERM');
  }
}

// ---------------------------------------------------------------- the CDK app

const cdkDir = join(work, 'cdk', 'adoption-app');

async function cdkInit(): Promise<string> {
  mkdirSync(cdkDir, { recursive: true });
  // The repository's pinned CLI, the same as `npx aws-cdk@<version> init` without a download.
  await run(
    join(root, 'node_modules/.bin/cdk'),
    ['init', 'app', '--language', 'typescript', '--generate-only'],
    cdkDir,
  );
  const start = performance.now();
  await npm(['install'], cdkDir);
  const templateSeconds = (performance.now() - start) / 1000;
  await npm(['install', tarball, `esbuild@${dev.esbuild}`], cdkDir);
  copyFileSync(join(fixtures, 'cdk/stack.ts'), join(cdkDir, 'lib/adoption-app-stack.ts'));
  copyFileSync(join(fixtures, 'cdk/jobs.ts'), join(cdkDir, 'jobs.ts'));
  // Offline (TOOLCHAIN.md): no notices, no telemetry; the version check is off in env.
  const cdkJson = JSON.parse(readFileSync(join(cdkDir, 'cdk.json'), 'utf8'));
  cdkJson.notices = false;
  cdkJson.context = { ...cdkJson.context, 'cli-telemetry': false };
  writeFileSync(join(cdkDir, 'cdk.json'), JSON.stringify(cdkJson, null, 2));
  const { type, dependencies, devDependencies } = JSON.parse(readFileSync(join(cdkDir, 'package.json'), 'utf8'));
  return [
    `cdk init (aws-cdk ${dev['aws-cdk']}): app "${cdkJson.app}", ${type ?? 'commonjs'}, typescript ${devDependencies.typescript}`,
    `template install ${templateSeconds.toFixed(1)} s; aws-cdk-lib ${dependencies['aws-cdk-lib']}`,
  ].join('\n');
}

/** Older `cdk init` templates ran the app with ts-node (which needs TypeScript 5: 7 has no compiler API). */
const TS_NODE = '10.9.2';

async function cdkSynth(app?: string): Promise<string> {
  rmSync(join(cdkDir, 'cdk.out'), { recursive: true, force: true });
  await run('npx', ['cdk', 'synth', '--quiet', ...(app ? ['--app', app] : [])], cdkDir, { timeout: 300_000 });
  const template = JSON.parse(readFileSync(join(cdkDir, 'cdk.out/AdoptionAppStack.template.json'), 'utf8'));
  const resources = Object.values(template.Resources) as { Type: string; Properties: Record<string, any> }[];
  const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
  check(functions.length === 4, `4 functions expected, found ${functions.length}`);
  const nightly = resources.find(
    (r) => r.Type === 'AWS::Scheduler::Schedule' && r.Properties.ScheduleExpression === 'cron(0 3 * * ? *)',
  );
  check(nightly?.Properties.ScheduleExpressionTimezone === 'Europe/Paris', 'the periodic job has no schedule');
  const assets = readdirSync(join(cdkDir, 'cdk.out')).filter((name) => name.startsWith('asset.'));
  check(assets.length === 4, `4 bundles expected, found ${assets.length}`);
  for (const asset of assets) {
    const bundle = join(cdkDir, 'cdk.out', asset, 'index.mjs');
    check(readFileSync(bundle, 'utf8').includes('nightly'), `${asset}: the jobs module is not bundled`);
    // Each bundle loads (the AWS SDK is inside it).
    const out = await node(
      ['--input-type=module', '-e', `console.log(typeof (await import('${bundle}')).handler)`],
      cdkDir,
    );
    check(out.stdout.trim() === 'function', `${asset}: no handler export`);
  }
  return '4 functions bundled with the jobs module (each loads and exports handler), the periodic schedule';
}

// ---------------------------------------------------------------- main

const started = performance.now();
console.log(`skytask adoption on Node ${process.version}, in ${work}`);
try {
  const packed = await step('pack: npm pack (prepack builds dist/)', pack);
  const projects: Project[] = [
    { kind: 'CommonJS', dir: join(work, 'cjs') },
    { kind: 'ESM', dir: join(work, 'esm') },
  ];
  for (const project of projects) {
    const installed = await step(`${project.kind}: install the tarball`, () => createProject(project), [packed]);
    await step(`${project.kind}: types`, () => typecheck(project), [installed]);
    await step(`${project.kind}: import graph of skytask/client`, () => clientImports(project), [installed]);
    await step(`${project.kind}: skytask start, queue from plain node, stop`, () => startAndQueue(project), [
      installed,
    ]);
  }
  const initialised = await step('CDK: cdk init app, npm install skytask esbuild', cdkInit, [packed]);
  await step('CDK: cdk synth (offline; the template runs the app with tsc and tsx)', () => cdkSynth(), [initialised]);
  await step('CDK: cdk synth with ts-node, as older cdk init templates ran the app', async () => {
    await npm(['install', '--save-dev', `ts-node@${TS_NODE}`, `typescript@${dev.typescript}`], cdkDir);
    const detail = await cdkSynth('npx ts-node --prefer-ts-exts bin/adoption-app.ts');
    return `ts-node ${TS_NODE}, typescript ${dev.typescript}: ${detail}`;
  }, [initialised]);
  await starterSteps({ root, work, env, tarball: () => tarball, step, run, tail }, packed);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((r) => r.status !== 'PASS');
const total = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n${results.length - failed.length}/${results.length} steps passed in ${total} s`);
process.exitCode = failed.length ? 1 : 0;
