/**
 * The `skytask` CLI as a child process, against a stack this test starts (emulators, the
 * consumer behind the poller, the RPC handler behind the local HTTP server, on port 0):
 * each command's output and exit code, `--json` output parsed.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { startHttpServer } from '../../local/http.js';
import { endTask } from '../../lib/index.js';
import { testStack, type TestStack } from '../helpers.js';

const root = resolve(import.meta.dirname, '../..');
let url = '';
let stop: () => Promise<void>;
let stack: TestStack;

before(async () => {
  stack = await testStack();
  const poller = stack.poll();
  const server = await startHttpServer({ port: 0, handler: createRpcHandler(stack.rpc), logger: stack.logger });
  url = server.url;
  stop = async () => {
    await server.close();
    await poller.stop(5);
  };
});
after(() => stop?.());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI (`node --import tsx local/cli.ts …`, or the bin shim) against the test's endpoint; `input` is its stdin. */
function cli(args: string[], { bin = false, endpoint = true, input = '' } = {}): Promise<Run> {
  const entry = bin ? ['bin/skytask.js'] : ['--import', 'tsx', 'local/cli.ts'];
  const full = endpoint ? [...args, '--url', url] : args;
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [...entry, ...full],
      { cwd: root, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

const json = (run: Run) => JSON.parse(run.stdout);

describe('the skytask CLI', () => {
  it('help, and usage errors exit 2', async () => {
    const [help, bogus, missing] = await Promise.all([
      cli(['--help'], { bin: true, endpoint: false }),
      cli(['bogus'], { endpoint: false }),
      cli(['queue']),
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:/);
    assert.match(help.stdout, /queue \[options\] <job> \[kwargs\.\.\.\]/);
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /unknown command 'bogus'/);
    assert.equal(missing.code, 2);
  });

  it('jobs', async () => {
    const [human, machine] = await Promise.all([cli(['jobs'], { bin: true }), cli(['jobs', '--json'])]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^addition\s+regular\s+Add two numbers/m);
    const jobs = json(machine);
    assert.ok(jobs.some((j: any) => j.name === 'testperiodic' && j.type === 'periodic' && j.runEvery === 60));
  });

  it('queue --wait: SUCCESS exits 0, FAILURE exits 1; values parsed as JSON or kept as strings', async () => {
    const [ok, failed, human, strings, proto] = await Promise.all([
      cli(['queue', 'addition', 'a=3', 'b=4', '--wait', '--json']),
      cli(['queue', 'standarddeviation', 'inputs=[]', '--wait', '--json']),
      cli(['queue', 'addition', 'a=1', 'b=1', '--wait']),
      cli(['queue', 'asynchronous', 'lag=0', 'note=hello world', 'list=[1,2]', '--json']),
      cli(['queue', 'asynchronous', 'lag=0', '__proto__={"x":1}', '--json']),
    ]);
    // A key named __proto__ is a kwarg, as in a JSON-RPC param; it set the prototype ("an Object is not JSON").
    assert.equal(proto.code, 0, proto.stderr);
    assert.equal(JSON.stringify(json(proto).kwargs), '{"lag":0,"__proto__":{"x":1}}');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(json(ok).status, 'SUCCESS');
    assert.equal(json(ok).result, 7);
    assert.equal(failed.code, 1);
    assert.equal(json(failed).status, 'FAILURE');
    assert.match(json(failed).error, /inputs must be a non-empty list/);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^status\s+SUCCESS$/m);
    assert.match(human.stdout, /^result\s+2$/m);
    assert.doesNotMatch(human.stdout, /⠋|\r/, 'no spinner when stdout is not a TTY');
    assert.deepEqual(json(strings).kwargs, { lag: 0, note: 'hello world', list: [1, 2] });
  });

  it('queue --kwargs-file: kwargs too large for an argument (1.5 MB) go through the upload; - is stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skytask-cli-kwargs-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    // Linux refuses an argument over 128 KiB (E2BIG): key=value could not carry these.
    const inputs = new Array(380_000).fill(7.5);
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ inputs }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2]');
    const [large, piped, notObject, missing] = await Promise.all([
      cli(['queue', 'standarddeviation', '--kwargs-file', big, '--wait', '--timeout', '30', '--json']),
      cli(['queue', 'addition', '--kwargs-file', '-', 'b=5', '--wait', '--json'], { input: '{"a": 1, "b": 2}' }),
      cli(['queue', 'addition', '--kwargs-file', bad]),
      cli(['queue', 'addition', '--kwargs-file', join(dir, 'none.json')]),
    ]);
    assert.ok(JSON.stringify({ inputs }).length > 1_500_000);
    assert.equal(large.code, 0, large.stderr);
    assert.equal(json(large).status, 'SUCCESS');
    assert.equal(json(large).result, 7.5, 'the job ran with the kwargs');
    assert.equal(json(large).kwargs.inputs.length, 380_000);
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual([json(piped).kwargs, json(piped).result], [{ a: 1, b: 5 }, 6], 'a pair wins over the file');
    for (const run of [notObject, missing]) {
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--kwargs-file must hold a JSON object/);
    }
  });

  it('queue --priority: the task records it and runs from its lane; anything else is a usage error (exit 2)', async () => {
    const [high, bad] = await Promise.all([
      cli(['queue', 'addition', 'a=1', 'b=2', '--priority', 'high', '--wait', '--json']),
      cli(['queue', 'addition', '--priority', 'urgent']),
    ]);
    assert.equal(high.code, 0, high.stderr);
    assert.equal(json(high).priority, 'high');
    assert.equal(json(high).result, 3);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--priority must be one of high, default, low/);
  });

  it('get, wait, tasks', async () => {
    const queued = json(await cli(['queue', 'addition', 'a=20', 'b=22', '--json']));
    assert.equal(queued.status, 'QUEUED');
    const waited = await cli(['wait', queued.id]);
    assert.equal(waited.code, 0);
    assert.match(waited.stdout, /^result\s+42$/m);
    const [got, gotHuman, listed, missingGet, missingWait] = await Promise.all([
      cli(['get', queued.id, '--json']),
      cli(['get', queued.id]),
      cli(['tasks', '--job', 'addition', '--status', 'SUCCESS', '--limit', '50', '--json']),
      cli(['get', 'no-such-task']),
      cli(['wait', 'no-such-task', '--json']),
    ]);
    assert.equal(json(got).result, 42);
    assert.match(gotHuman.stdout, new RegExp(`^id\\s+${queued.id}$`, 'm'));
    const tasks = json(listed).tasks;
    assert.ok(tasks.some((t: any) => t.id === queued.id));
    assert.ok(tasks.every((t: any) => t.name === 'addition' && t.status === 'SUCCESS'));
    assert.equal(missingGet.code, 3);
    assert.match(missingGet.stderr, /not found/);
    assert.equal(missingWait.code, 3);
    assert.equal(JSON.parse(missingWait.stderr).error.type, 'TaskNotFoundError');
  });

  it('wait draws progress: a plain line per change when stdout is no terminal, nothing extra with --json', async () => {
    // The sample job reports each second; progress is written 5 s after the claim, then every
    // 5 s: long enough for the CLI's start (seconds on a loaded machine) and a 2 s poll.
    const queued = (await stack.backend.queueTask('asynchronous', { lag: 12 }))!;
    const [plain, machine] = await Promise.all([cli(['wait', queued.id]), cli(['wait', queued.id, '--json'])]);
    assert.equal(plain.code, 0);
    const lines = plain.stdout.split('\n');
    assert.match(lines[0], /^progress \d+% slept \d+\.\d of 12 s$/);
    assert.match(plain.stdout, /^status\s+SUCCESS$/m);
    assert.equal(machine.code, 0);
    assert.equal(json(machine).status, 'SUCCESS');
    assert.deepEqual(json(machine).progress, { value: 100, message: json(machine).progress.message });
  });

  it('revoke (and a conflict), wait --timeout, unknown job, stats, redrive', async () => {
    const [later, slow] = (
      await Promise.all([
        cli(['queue', 'addition', 'a=1', '--delay', '60', '--json']),
        cli(['queue', 'addition', 'a=2', '--delay', '60', '--json']),
      ])
    ).map(json);
    const revoked = await cli(['revoke', later.id]);
    assert.equal(revoked.code, 0);
    assert.match(revoked.stdout, /revoked/);
    const [again, timedOut, unknown, stats, redrive] = await Promise.all([
      cli(['revoke', later.id]),
      cli(['wait', slow.id, '--timeout', '0.3']),
      cli(['queue', 'nope', 'a=1']),
      cli(['stats', '--json']),
      cli(['redrive', '--json']),
    ]);
    assert.equal(again.code, 5);
    assert.match(again.stderr, /already REVOKED/);
    assert.equal(timedOut.code, 6);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown job "nope"/);
    assert.equal(stats.code, 0);
    assert.deepEqual(Object.keys(json(stats)).sort(), ['dead_letters', 'delayed', 'in_flight', 'queued', 'queues']);
    // Per routed queue and lane (this stack has no lanes: the one queue as `default`).
    assert.deepEqual(
      json(stats).queues.map((q: any) => [q.queue, Object.keys(q.lanes), q.dead_letters]),
      [['default', ['default'], json(stats).dead_letters]],
    );
    assert.deepEqual(json(redrive), {
      moved: [],
      dropped: 0,
      skipped: 0,
      left: [],
      failed: 0,
      more: false,
      remaining: 0,
    });
    const waitRevoked = await cli(['wait', later.id, '--json']);
    assert.equal(waitRevoked.code, 1, 'a REVOKED task exits 1');
    assert.equal(json(waitRevoked).status, 'REVOKED');
  });

  it('queue-workflow --wait, workflow, revoke-workflow; not found, conflict and usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skytask-cli-flow-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, params: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(params));
      return join(dir, name);
    };
    const members = [1, 2, 3].map((a) => ({ jobname: 'addition', kwargs: { a } }));
    const chord = file('chord.json', { id: 'cli-chord', members, callback: { jobname: 'addition', kwargs: { a: 9 } } });
    const done = await cli(['queue-workflow', 'chord', chord, '--wait', '--timeout', '30', '--json']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(json(done).status, 'SUCCESS');
    assert.equal(json(done).result, 9);
    const shown = await cli(['workflow', 'cli-chord', '--limit', '2']);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /^cli-chord {2}chord {2}SUCCESS/);
    assert.match(shown.stdout, /3 members: 3 succeeded, 0 failed, 0 revoked, 0 pending/);
    assert.match(shown.stdout, /cli-chord:1 +addition +SUCCESS\nmore: --cursor /);
    const later = file('later.json', { id: 'cli-later', members: [{ jobname: 'addition', delay: 600 }] });
    assert.equal((await cli(['queue-workflow', 'group', later])).code, 0);
    const revoked = await cli(['revoke-workflow', 'cli-later', '--json']);
    assert.deepEqual(json(revoked), { id: 'cli-later', revoked: 1, requested: 0, ended: 0, more: false, cursor: null });
    const other = file('other.json', { id: 'cli-later', members: [{ jobname: 'addition', kwargs: { a: 5 } }] });
    const [missing, conflict, badKind, badJson] = await Promise.all([
      cli(['workflow', 'nope']),
      cli(['queue-workflow', 'group', other]),
      cli(['queue-workflow', 'tree', chord]),
      cli(['queue-workflow', 'chain', file('bad.json', { steps: [{ jobname: 'nope' }] })]),
    ]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /workflow nope not found/);
    assert.equal(conflict.code, 5);
    assert.equal(badKind.code, 2);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /steps\[0\]: unknown job "nope"/);
  });

  it('queue-workflow --wait of a failing chord says why, and lists no page it did not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skytask-cli-fails-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const params = {
      id: 'cli-fails',
      members: [{ jobname: 'addition' }, { jobname: 'standarddeviation', kwargs: { inputs: [] } }],
      callback: { jobname: 'addition' },
    };
    writeFileSync(join(dir, 'fails.json'), JSON.stringify(params));
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ members: [] }));
    const [failed, empty] = await Promise.all([
      cli(['queue-workflow', 'chord', join(dir, 'fails.json'), '--wait', '--timeout', '30']),
      cli(['queue-workflow', 'chord', join(dir, 'empty.json')]),
    ]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stdout, /^cli-fails {2}chord {2}FAILURE/m);
    assert.match(failed.stdout, /^error {4}member cli-fails:1 ended FAILURE: inputs must be a non-empty list/m);
    assert.doesNotMatch(failed.stdout, /more: --cursor/);
    assert.equal(empty.code, 2);
    assert.match(
      empty.stderr,
      /members must be a list of 1 to 10000 tasks/,
      'the members first, not "callback is required"',
    );
  });

  it('start with --jobs twice is a usage error naming both, before anything starts', async () => {
    const twice = await cli(
      ['start', '--jobs', 'src/jobs.ts', '--jobs', 'other.ts', '--data-dir', join(tmpdir(), 'never')],
      {
        endpoint: false,
      },
    );
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--jobs was given twice \(src\/jobs\.ts, then other\.ts\)/);
  });

  it('dead-letters lists a dead-lettered task and the letters; purge takes ids or --all, not neither', async () => {
    // Due in ten minutes, so the poller leaves its message alone: ended dead-lettered, its letter put aside.
    const task = (await stack.backend.queueTask('addition', { a: 9 }, { delay: 600 }))!;
    await endTask(stack.runtime, task.id, {
      idle: 'FAILURE',
      reason: 'dead-lettered after 3 deliveries',
      deadLettered: true,
    });
    await stack.queue.deadLetter(JSON.stringify({ v: 1, id: task.id, job: 'addition' }), 'test');
    const [listed, human, neither, both] = await Promise.all([
      cli(['dead-letters', '--json']),
      cli(['dead-letters', '--limit', '5']),
      cli(['purge']),
      cli(['purge', task.id, '--all']),
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(json(listed).tasks.some((t: any) => t.id === task.id && t.dead_lettered));
    assert.ok(json(listed).messages >= 1);
    assert.match(human.stdout, new RegExp(`^${task.id}\\s+addition\\s+\\S+ dead-lettered after 3 deliveries$`, 'm'));
    assert.match(human.stdout, /^about \d+ letters on the dead-letter queue/m);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give task ids, or --all/);
    assert.equal(both.code, 2);
    const purged = await cli(['purge', task.id, '--json']);
    assert.equal(purged.code, 0, purged.stderr);
    assert.deepEqual(json(purged).purged, [task.id]);
    assert.equal(json(purged).deleted, 1);
    const all = await cli(['purge', '--all']);
    assert.match(
      all.stdout,
      /^purged \d+ tasks' letters: deleted \d+, kept 0, failed 0; about 0 on the dead-letter queue$/m,
    );
    assert.ok(!json(await cli(['dead-letters', '--json'])).tasks.some((t: any) => t.id === task.id));
  });

  it('dashboard: prints the URL with its token, serves the page and passes calls on; Ctrl-C stops it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', 'dashboard', '--url', url], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines: string[] = [];
    const open = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`skytask dashboard exited with ${code}: ${lines.join('\n')}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const found = /^open (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43})$/.exec(line);
        if (found) resolve(found[1]);
      });
    });
    assert.match(lines[0], new RegExp(`^skytask dashboard for ${url} \\(no authorization\\): the endpoint answers$`));
    const target = new URL(open);
    const token = target.hash.slice('#token='.length);
    const page = await fetch(new URL('/', target));
    assert.match(await page.text(), /<title>skytask<\/title>/);
    const call = (headers: Record<string, string>) =>
      fetch(new URL('/rpc', target), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });
    assert.equal((await call({})).status, 401);
    assert.deepEqual(await (await call({ 'x-skytask-token': token })).json(), {
      jsonrpc: '2.0',
      id: 1,
      result: 'pong',
    });
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const plain = await cli(['dashboard', '--url', 'http://example.com/rpc'], { endpoint: false });
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /--url must be https/);
  });

  it('cost: the sums by job; an unknown job exits 2 naming it', async () => {
    const [human, machine, unknown, empty] = await Promise.all([
      cli(['cost', '--job', 'addition', 'addition']),
      cli(['cost', '--job', 'addition', '--json']),
      cli(['cost', '--job', 'addition', 'nope']),
      cli(['cost', '--since', '0']),
    ]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--since must be more than 0 seconds/);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout.match(/^addition /gm)?.length, 1, 'a job named twice is one row');
    assert.equal(json(machine).jobs[0].name, 'addition');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown job "nope"/);
  });

  it('cost: a flag out of range is refused in the flag’s terms, not the RPC param’s', async () => {
    const [since, memory, limit] = await Promise.all([
      cli(['cost', '--since', '1e12']),
      cli(['cost', '--memory-mb', '50']),
      cli(['cost', '--limit', '0']),
    ]);
    assert.equal(since.code, 2);
    assert.match(
      since.stderr,
      /^skytask: --since must be a number from 0 to 63072000 \(seconds ago: the period is the last this many\), not "1e12"$/m,
    );
    assert.equal(memory.code, 2);
    assert.match(
      memory.stderr,
      /--memory-mb must be a whole number from 128 to 10240 \(MB of Lambda memory\), not "50"/,
    );
    assert.doesNotMatch(memory.stderr, /memory_mb/);
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit must be a whole number from 1 to 100000 \(tasks summed at most\), not "0"/);
  });

  it('get and wait show a task’s cost', async () => {
    const waited = await cli(['queue', 'addition', 'a=1', 'b=2', '--wait']);
    assert.equal(waited.code, 0, waited.stderr);
    const line =
      /^cost\s+\d+ write units, [\d.]+ SQS requests, [\d.]+ Lambda invocations, \d+ ms run, \$[\d.]+ at list prices/m;
    assert.match(waited.stdout, line);
    const id = /^id\s+(\S+)$/m.exec(waited.stdout)![1];
    assert.match((await cli(['get', id])).stdout, line);
  });

  it('cost: run time off Lambda is said to be unpriced; --memory-mb prices it', async () => {
    assert.equal((await cli(['queue', 'asynchronous', 'lag=0.3', '--wait'])).code, 0);
    const [plain, priced] = await Promise.all([
      cli(['cost', '--job', 'asynchronous']),
      cli(['cost', '--job', 'asynchronous', '--memory-mb', '1024', '--json']),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /run time not priced: \d+\.\d s ran off Lambda.*--memory-mb/);
    const { total, memory_mb } = json(priced);
    assert.equal(memory_mb, 1024);
    assert.equal(total.unpriced_ms, 0);
    assert.ok(total.gb_seconds >= 0.3, `${total.gb_seconds} GB-s`);
  });

  it('get escapes the control characters of a task’s text (error, stack, kwargs); --json keeps them as JSON', async () => {
    const hostile = '\x1b]0;owned\x07\x1b[2J\rboom\0\x9b31m\u202eevil';
    const task = (await stack.backend.queueTask('addition', { a: 1, note: hostile }, { delay: 600 }))!;
    const now = Date.now() / 1000;
    const claim = await stack.store.claimTask({ id: task.id, now: now + 601, leaseUntil: now + 700, worker: 'test' });
    assert.ok(claim.claimed);
    const errors = [{ attempt: 1, error: hostile, time: now }];
    const outcome = {
      status: 'FAILURE' as const,
      error: hostile,
      stack: `Error: ${hostile}\n    at job`,
      time: now,
      errors,
    };
    assert.ok(await endTask(stack.runtime, task.id, { attempt: 1, outcome }));
    const [human, machine] = await Promise.all([cli(['get', task.id]), cli(['get', task.id, '--json'])]);
    assert.equal(human.code, 0, human.stderr);
    const controls = [...human.stdout].filter(
      (c) => c !== '\n' && (c < ' ' || (c >= '\x7f' && c <= '\x9f') || c === '\u202e'),
    );
    assert.deepEqual(controls, [], 'no control character printed');
    assert.match(human.stdout, /^error {5}\\x1b\]0;owned\\x07\\x1b\[2J\\x0dboom\\x00\\x9b31m\\u\{202e\}evil$/m);
    assert.match(human.stdout, /^kwargs .*\\u001b\]0;owned.*\\x9b31m\\u\{202e\}evil/m, 'kwargs escaped too');
    assert.equal(json(machine).error, hostile);
  });

  it('get shows the stack and the attempt history, indented under their field', async () => {
    const task = (await stack.backend.queueTask('addition', { a: 2 }, { delay: 600 }))!;
    const now = Date.now() / 1000;
    assert.ok(
      (await stack.store.claimTask({ id: task.id, now: now + 601, leaseUntil: now + 700, worker: 'test' })).claimed,
    );
    const errors = [
      { attempt: 1, error: 'first try', time: now - 60 },
      { attempt: 2, error: 'second try', time: now },
    ];
    const stackText = 'Error: second try\n    at run (job.ts:3:9)';
    const outcome = { status: 'FAILURE' as const, error: 'second try', stack: stackText, time: now, errors };
    assert.ok(await endTask(stack.runtime, task.id, { attempt: 1, outcome }));
    const got = await cli(['get', task.id]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^stack {5}Error: second try\n {14}at run \(job\.ts:3:9\)$/m);
    const time = (t: number) => new Date(t * 1000).toISOString().replace(/[.]/g, '\\.');
    assert.match(got.stdout, new RegExp(`^errors {4}attempt 1  ${time(now - 60)}  first try$`, 'm'));
    assert.match(got.stdout, new RegExp(`^ {10}attempt 2  ${time(now)}  second try$`, 'm'));
  });

  it('an unreachable endpoint exits 4', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const run = await cli(['stats', '--url', `http://127.0.0.1:${port}/rpc`], { endpoint: false });
    assert.equal(run.code, 4);
    assert.match(run.stderr, /cannot reach/);
  });
});
