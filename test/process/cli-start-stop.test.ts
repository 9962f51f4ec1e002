/**
 * `skytask start` as a user meets it when something is wrong, `skytask stop`, and
 * `skytask --version`: the CLI as a child process, each case in a temporary data dir.
 *
 * A failed start exits 1 with one line naming the problem and the fix, and leaves no
 * emulator process behind — but never stops emulators it did not start. `skytask stop`
 * stops a stack and its emulators, is a no-op on an empty data dir, and never signals a
 * process that a stale state file names.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, cmdlineOf } from '../../local/processes.js';
import { killStacks, root, rpc, type StackProcess, startStack } from './stack-process.js';

const base = mkdtempSync(join(tmpdir(), 'skytask-start-stop-'));
const children = new Set<ChildProcess>();
let dirs = 0;

/** A fresh data dir under the test's temporary folder. */
const dataDir = () => join(base, `data-${++dirs}`);

/** Emulator processes whose command line names this data dir (Linux: /proc). */
function emulatorsOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const cmdline = cmdlineOf(pid) ?? [];
      return cmdline.some((arg) => arg.includes('emulator-process')) && cmdline.includes(dir);
    });
}

after(() => {
  killStacks();
  for (const child of children) child.kill('SIGKILL');
  for (const entry of readdirSync(base)) for (const pid of emulatorsOf(join(base, entry))) process.kill(pid, 'SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI to its end, with `env` on top of this process's environment. */
function cli(
  args: string[],
  env: Record<string, string> = {},
  entry = ['--import', 'tsx', 'local/cli.ts'],
): Promise<Run> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [...entry, ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, SKYTASK_GRACE_SECONDS: '5', ...env } },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** `skytask start` in the background, as startStack does it, with these tests' short grace period. */
const start = (dir: string, args: string[] = [], env: Record<string, string> = {}, wrapper: string[] = []) =>
  startStack(dir, { args, env: { SKYTASK_GRACE_SECONDS: '5', ...env }, wrapper });

/** A job module's source: the job `slow`, which runs 1.5 s, then the rest of the module. */
const withSlowJob = (rest = '') => `import { defineJob } from ${JSON.stringify(join(root, 'lib/index.ts'))};
export const slow = defineJob({
  name: 'slow',
  run: async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return 'done';
  },
});
${rest}`;

/** The first log line `match` finds, once it is written (the stack's exit rejects). */
async function logged(stack: StackProcess, match: (entry: any) => boolean, seconds = 20): Promise<any> {
  for (let i = 0; i < seconds * 20; i++) {
    const found = stack.logs.find(match);
    if (found) return found;
    if (stack.child.exitCode !== null) throw new Error(`the stack exited with ${stack.child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not logged in time');
}

/** The pid of the emulators' "started" log line, if the start got that far. */
const loggedEmulatorPid = (run: Run) =>
  run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .find((entry) => entry.msg === 'emulators started')?.pid as number | undefined;

/** Write a jobs module into the test's folder. */
function jobsModule(name: string, source: string): string {
  const file = join(base, name);
  writeFileSync(file, source);
  return file;
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid) && cmdlineOf(pid)?.length; i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid) || cmdlineOf(pid)?.length === 0;
}

describe('skytask --version', () => {
  it('prints the package version, from the bin and from the sources', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const [bin, sources] = await Promise.all([cli(['--version'], {}, ['bin/skytask.js']), cli(['--version'])]);
    assert.equal(bin.code, 0);
    assert.equal(bin.stdout, `${version}\n`);
    assert.equal(sources.code, 0);
    assert.equal(sources.stdout, `${version}\n`);
  });
});

describe('a failed skytask start', () => {
  it('exits 1 with one line naming the problem and the fix, and leaves no emulators behind', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = String((busy.address() as AddressInfo).port);
    const missing = join(base, 'no-such-jobs.ts');
    const cases = {
      port: { args: ['--port', port], message: `port ${port} is in use: pass --port or SKYTASK_PORT` },
      missing: {
        args: ['--jobs', missing],
        message: `jobs module ${missing} not found: pass --jobs or SKYTASK_JOBS`,
      },
      throws: {
        args: ['--jobs', jobsModule('throws.ts', 'throw new Error("no DATABASE_URL");\nexport const x = 1;\n')],
        message: /^jobs module .*throws\.ts threw at import \(.*throws\.ts:1:\d+\): Error: no DATABASE_URL$/,
      },
      syntax: {
        args: ['--jobs', jobsModule('syntax.ts', 'export const x = ;\n')],
        message: /^jobs module .*syntax\.ts does not compile \(.*syntax\.ts:1:\d+\): /,
      },
      empty: {
        args: ['--jobs', jobsModule('empty.ts', 'export const notAJob = 1;\n')],
        message: /^jobs module .*empty\.ts exports no job: export defineJob\(\.\.\.\) values$/,
      },
      // Fails after the emulators started (SQS refuses the queue): they are stopped again.
      provision: {
        args: [],
        env: { SKYTASK_VISIBILITY_TIMEOUT: '99999' },
        message: /^the local table and queues could not be created: .*VisibilityTimeout/,
      },
    };
    try {
      const runs = await Promise.all(
        Object.entries(cases).map(async ([name, c]) => {
          const dir = dataDir();
          const env = 'env' in c ? c.env : {};
          const run = await cli(['start', '--port', '0', ...c.args, '--data-dir', dir, '--json'], env);
          return { name, dir, run, message: c.message };
        }),
      );
      for (const { name, dir, run, message } of runs) {
        assert.equal(run.code, 1, `${name}: ${run.stderr}`);
        const lines = run.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `${name}: one line, no stack trace: ${run.stderr}`);
        const line = lines[0].replace(/^skytask start: /, '');
        if (typeof message === 'string') assert.equal(line, message, name);
        else assert.match(line, message, name);
        assert.deepEqual(emulatorsOf(dir), [], `${name}: no emulator process left`);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.endsWith('.json')),
          [],
          `${name}: no state file left`,
        );
        const pid = loggedEmulatorPid(run);
        if (name === 'provision') assert.ok(pid, 'the provision case got as far as the emulators');
        if (pid) assert.ok(await waitGone(pid), `${name}: the emulators it started (pid ${pid}) are stopped`);
      }
    } finally {
      busy.close();
    }
  });

  it('leaves alone emulators it reused, and refuses a second stack on a running one', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const second = await cli(['start', '--port', '0', '--data-dir', dir, '--json']);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      /^skytask start: a stack already runs on data dir .* \(pid \d+, http:\/\/127\.0\.0\.1:\d+\/rpc\): stop it with skytask stop, or pass another --data-dir\n$/,
    );
    assert.ok(alive(first.emulatorPid), 'the first stack keeps its emulators');

    // The worker killed: its emulators stay up. A start that reuses them and then fails leaves them so.
    first.child.kill('SIGKILL');
    await first.exited;
    const failed = await cli(['start', '--port', '0', '--data-dir', dir, '--json'], {
      SKYTASK_VISIBILITY_TIMEOUT: '99999',
    });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /emulators of an earlier run reused/);
    assert.ok(alive(first.emulatorPid), 'emulators the failed start did not start are still up');

    const stop = await cli(['stop', '--data-dir', dir]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`^stopped the emulators \\(pid ${first.emulatorPid}\\)`, 'm'));
    assert.ok(await waitGone(first.emulatorPid));
  });
});

describe("the stack's table and queues, for a plain SQS producer or createDirectClient", () => {
  it('worker.json gives them as environment variables, and they work as docs/local-stack.md says', async () => {
    const dir = dataDir();
    const stack = await start(dir, [], { SKYTASK_MAX_RECEIVE_COUNT: '3' });
    try {
      const { env } = JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8'));
      assert.deepEqual(Object.keys(env).sort(), [
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_S3',
        'AWS_ENDPOINT_URL_SQS',
        'SKYTASK_DLQ_URL',
        'SKYTASK_PAYLOAD_BUCKET',
        'SKYTASK_QUEUES',
        'SKYTASK_QUEUE_URL',
        'SKYTASK_TABLE',
      ]);
      // The priority lanes of the default queue (docs/routing.md), by SQS queue name.
      assert.deepEqual(JSON.parse(env.SKYTASK_QUEUES), {
        default: { high: 'skytask_high', default: 'skytask', low: 'skytask_low', dlq: 'skytask-dlq' },
      });
      assert.match(env.SKYTASK_QUEUE_URL, /^http:\/\/sqs\.us-east-1\.127\.0\.0\.1:\d+\/000000000000\/skytask$/);
      assert.deepEqual(stack.logs.find((e) => e.url)?.env, env, 'the start logs them too');
      // What the docs say to set, then any SDK client finds the emulators.
      Object.assign(process.env, env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
      const { SQSClient, SendMessageCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
      const sqs = new SQSClient({});
      const body = JSON.stringify({ v: 1, job: 'addition', kwargs: { a: 2, b: 5 }, id: 'from-producer' });
      await sqs.send(new SendMessageCommand({ QueueUrl: env.SKYTASK_QUEUE_URL, MessageBody: body }));
      // The runtime setting SKYTASK_MAX_RECEIVE_COUNT applies to the local queue too (it was always 5).
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: env.SKYTASK_QUEUE_URL, AttributeNames: ['RedrivePolicy'] }),
      );
      assert.equal(JSON.parse(Attributes!.RedrivePolicy!).maxReceiveCount, 3);
      sqs.destroy();
      const { createDirectClient } = await import('../../lib/client/index.js');
      const jobs = await import('../../examples/jobs.js');
      const client = createDirectClient({ jobs });
      // The task has a record once the consumer takes the message: wait for it, then for its end.
      const deadline = Date.now() + 20_000;
      while (!(await client.getTask('from-producer')) && Date.now() < deadline) await sleep(200);
      assert.equal((await client.waitForTask('from-producer', { timeout: 20 })).result, 7);
    } finally {
      stack.child.kill('SIGINT');
      await stack.exited;
    }
  });
});

describe("a job's stray error (a throw in its timer, a rejection nobody awaits)", () => {
  it('is logged naming the running tasks; the stack keeps serving, other tasks finish', {
    timeout: 60_000,
  }, async () => {
    const dir = dataDir();
    const jobs = jobsModule(
      'stray-jobs.ts',
      withSlowJob(`export const stray = defineJob({
  name: 'stray',
  run: () => {
    setTimeout(() => {
      throw new Error('stray boom');
    }, 100);
    return 'returned';
  },
});
export const unawaited = defineJob({
  name: 'unawaited',
  run: () => {
    Promise.reject(new Error('unawaited boom'));
    return 'returned';
  },
});
`),
    );
    const stack = await start(dir, ['--jobs', jobs]);
    const slow = await rpc(stack, 'queue_task', { jobname: 'slow' });
    await logged(stack, (e) => e.msg === 'task started' && e.task_id === slow.id);
    await rpc(stack, 'queue_task', { jobname: 'stray' });
    await rpc(stack, 'queue_task', { jobname: 'unawaited' });
    const thrown = await logged(stack, (e) => e.msg?.startsWith('uncaught exception'));
    assert.equal(thrown.level, 50, 'logged as an error');
    assert.equal(thrown.err?.message, 'stray boom');
    assert.ok(thrown.running_tasks.includes(slow.id), 'it names the tasks running at that moment');
    const rejected = await logged(stack, (e) => e.msg?.startsWith('unhandled rejection'));
    assert.equal(rejected.err?.message, 'unawaited boom');
    assert.match(rejected.msg, /keeps serving/);
    // The other task was not interrupted, and the stack still serves.
    assert.equal((await rpc(stack, 'wait_for_task', { id: slow.id, timeout: 10 })).status, 'SUCCESS');
    assert.equal(await rpc(stack, 'ping'), 'pong');
    stack.child.kill('SIGINT');
    assert.equal(await stack.exited, 0);
    assert.ok(await waitGone(stack.emulatorPid));
  });
});

describe('a second Ctrl-C', () => {
  it('exits at once, and still stops the emulators and removes worker.json', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const jobs = jobsModule(
      'long-jobs.ts',
      `import { defineJob } from ${JSON.stringify(join(root, 'lib/index.ts'))};
export const long = defineJob({
  name: 'long',
  run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
});
`,
    );
    const stack = await start(dir, ['--jobs', jobs]);
    const task = await rpc(stack, 'queue_task', { jobname: 'long' });
    await logged(stack, (e) => e.msg === 'task started' && e.task_id === task.id);
    stack.child.kill('SIGINT');
    await logged(stack, (e) => e.msg?.startsWith('stopping'));
    // Past the window in which a repeat is the same Ctrl-C relayed by a wrapper.
    await new Promise((r) => setTimeout(r, 1300));
    stack.child.kill('SIGINT');
    assert.equal(await stack.exited, 130);
    assert.ok(await waitGone(stack.emulatorPid), 'the emulators it ran with are stopped');
    assert.deepEqual(emulatorsOf(dir), []);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.json')),
      [],
      'no worker.json or emulators.json left behind',
    );
  });
});

describe('skytask stop', () => {
  it('stops a running stack and its emulators, as Ctrl-C does', async () => {
    const dir = dataDir();
    const stack = await start(dir);
    const workerPid = stack.child.pid!;
    const stop = await cli(['stop'], { SKYTASK_DATA_DIR: dir }, ['bin/skytask.js']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(
      stop.stdout,
      new RegExp(`^stopped the worker \\(pid ${workerPid}\\) and the emulators \\(pid ${stack.emulatorPid}\\)`, 'm'),
    );
    assert.equal(await stack.exited, 0, 'the worker exits 0: a graceful stop');
    assert.ok(await waitGone(stack.emulatorPid));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.json')),
      [],
    );
  });

  it('is a no-op on an empty data dir, and on a stale state file naming an unrelated process', async () => {
    const empty = dataDir();
    const stale = dataDir();
    mkdirSync(stale);
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.add(sleeper);
    const pid = sleeper.pid!;
    // The pid is alive, but not the recorded program: its command line differs.
    const cmdline = ['/usr/bin/node', 'local/emulator-process.ts', stale];
    writeFileSync(
      join(stale, 'emulators.json'),
      JSON.stringify({ pid, cmdline, dynamodbEndpoint: 'http://127.0.0.1:9', sqsEndpoint: 'http://127.0.0.1:9' }),
    );
    writeFileSync(
      join(stale, 'worker.json'),
      JSON.stringify({
        pid,
        cmdline: ['node', 'local/cli.ts', 'start'],
        url: 'http://127.0.0.1:9/rpc',
        graceSeconds: 1,
      }),
    );
    const [none, staleRun] = await Promise.all([
      cli(['stop', '--data-dir', empty]),
      cli(['stop', '--data-dir', stale]),
    ]);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, `nothing was running (data dir ${empty})\n`);
    assert.equal(staleRun.code, 0, staleRun.stderr);
    assert.match(staleRun.stdout, /removed a stale worker\.json/);
    assert.match(staleRun.stdout, /removed a stale emulators\.json/);
    assert.match(staleRun.stdout, /nothing was running/);
    assert.ok(alive(pid) && cmdlineOf(pid)?.[0] === 'sleep', 'the unrelated process is not signalled');
    sleeper.kill();
  });
});

/**
 * A wrapper like npm or tsx: runs a command as its child, in its own process group, and
 * relays SIGINT and SIGTERM to the child `delay` ms after it got them (tsx waits 30 ms).
 */
const relaySource = `import { spawn } from 'node:child_process';
const [delay, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => setTimeout(() => child.kill(signal), Number(delay)));
}
child.on('exit', (code, signal) => process.exit(code ?? 128));
`;

describe('Ctrl-C through a wrapper that relays it (npm start)', () => {
  it('one SIGINT to the process group is one Ctrl-C: the running task finishes, the emulators stop, exit 0', {
    timeout: 60_000,
  }, async () => {
    const dir = dataDir();
    const jobs = jobsModule('slow-jobs.ts', withSlowJob());
    const relay = jobsModule('relay.mjs', relaySource);
    const env = { SKYTASK_GRACE_SECONDS: '10', SKYTASK_LOG_LEVEL: 'debug' };
    const stack = await start(dir, ['--jobs', jobs], env, [relay, '40']);
    const group = stack.child.pid!;
    try {
      const { id } = await rpc(stack, 'queue_task', { jobname: 'slow' });
      await logged(stack, (e) => e.msg === 'task started' && e.task_id === id);

      process.kill(-group, 'SIGINT');
      assert.equal(await stack.exited, 0, 'a graceful stop');
      const { logs } = stack;
      const messages = logs.map((e) => e.msg);
      assert.equal(messages.filter((m) => m?.startsWith('stopping')).length, 1);
      assert.ok(
        logs.some((e) => e.msg?.startsWith('the same signal again, relayed')),
        'the wrapper relayed the signal',
      );
      assert.ok(!messages.includes('second signal: exiting now'), 'the relayed SIGINT is not a second Ctrl-C');
      assert.ok(
        logs.some((e) => e.msg === 'task succeeded' && e.task_id === id),
        'the running task finished',
      );
      assert.ok(messages.includes('stopped'));
      assert.ok(await waitGone(stack.emulatorPid), 'the emulators stopped');
      assert.deepEqual(emulatorsOf(dir), []);
    } finally {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {}
    }
  });
});
