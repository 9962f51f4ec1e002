/**
 * skytask/client: the direct client (SQS + DynamoDB) and the HTTP client (JSON-RPC over
 * the local HTTP server and the Lambda handler), one shared body run for each, against
 * the emulators.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as sampleJobs from '../../examples/jobs.js';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import {
  ConflictError,
  createDirectClient,
  createHttpClient,
  EndpointError,
  TaskNotFoundError,
  UnknownJobError,
  ValidationError,
  WaitTimeoutError,
  type SkytaskClient,
  type JobsOf,
} from '../../lib/client/index.js';
import { startHttpServer } from '../../local/http.js';
import { testStack, type TestStack, NO_PAYLOAD_BUCKET } from '../helpers.js';

type Jobs = JobsOf<typeof sampleJobs>;

interface Fixture {
  stack: TestStack;
  client: SkytaskClient<Jobs>;
  /** `wait_for_task` calls the client made (HTTP only). */
  waitCalls(): number;
  stop(): Promise<void>;
}

async function directFixture(): Promise<Fixture> {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const poller = stack.poll();
  const client = createDirectClient<typeof sampleJobs>({ runtime: stack.runtime, logger: stack.logger });
  return { stack, client, waitCalls: () => 0, stop: async () => void (await poller.stop(5)) };
}

async function httpFixture(): Promise<Fixture> {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const poller = stack.poll();
  const server = await startHttpServer({ port: 0, handler: createRpcHandler(stack.rpc), logger: stack.logger });
  let waits = 0;
  // Counts the calls and passes them on to the real fetch: the cap logic is seen, not mocked.
  const counting: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string' && init.body.includes('"wait_for_task"')) waits++;
    return fetch(input, init);
  };
  const client = createHttpClient<typeof sampleJobs>({ url: server.url, waitCapSeconds: 0.4, fetch: counting });
  return {
    stack,
    client,
    waitCalls: () => waits,
    stop: async () => {
      await server.close();
      await poller.stop(5);
    },
  };
}

for (const [kind, make] of [
  ['direct', directFixture],
  ['http', httpFixture],
] as const) {
  describe(`the ${kind} client`, () => {
    let f: Fixture;
    before(async () => (f = await make()));
    after(() => f.stop());

    it('queues a task and waits for its typed result', async () => {
      const task = await f.client.queueTask('addition', { a: 3, b: 4 });
      assert.ok(task);
      assert.equal(task.status, 'QUEUED');
      assert.equal(task.name, 'addition');
      assert.deepEqual(task.kwargs, { a: 3, b: 4 });
      assert.equal(typeof task.timeQueued, 'number');
      const done = await f.client.waitForTask(task, { timeout: 10 });
      assert.equal(done.status, 'SUCCESS');
      const sum: number | undefined = done.result;
      assert.equal(sum, 7);
      assert.equal(done.attempts, 1);
      // An id given twice for the same request is one task; for another, a conflict naming it.
      const again = await f.client.queueTask('addition', { b: 4, a: 3 }, { id: task.id });
      assert.equal(again?.id, task.id);
      assert.equal(again?.status, 'SUCCESS');
      await assert.rejects(
        f.client.queueTask('addition', { a: 1 }, { id: task.id }),
        (err) => err instanceof ConflictError && err.task.id === task.id && err.task.result === 7,
      );
    });

    it('queueTasks: a result or an error per item, batches beyond 10', async () => {
      const results = await f.client.queueTasks([
        ...Array.from({ length: 12 }, (_, i) => ({ job: 'addition' as const, kwargs: { a: i, b: 1 } })),
        { job: 'nope' as never, kwargs: {} },
        { job: 'addition', kwargs: { a: 'x'.repeat(200 * 1024) as never } },
        { job: 'addition', kwargs: { a: 1 }, options: { delay: -1 } },
        { job: 'notoverlap', kwargs: { lag: 0.3, tag: 'qt' } as never },
        { job: 'notoverlap', kwargs: { lag: 0.3, tag: 'qt' } as never },
      ]);
      assert.equal(results.length, 17);
      const ok = results.slice(0, 12);
      assert.ok(ok.every((r) => r.ok && r.task?.status === 'QUEUED'));
      const [unknown, big, badDelay, first, second] = results.slice(12);
      assert.ok(!unknown.ok && unknown.error instanceof UnknownJobError);
      assert.equal(((unknown as { error: Error }).error as UnknownJobError).jobName, 'nope');
      assert.ok(
        !big.ok && big.error instanceof ValidationError && /over the 102400-byte limit/.test(big.error.message),
      );
      assert.ok(!badDelay.ok && badDelay.error instanceof ValidationError);
      assert.ok(first.ok && first.task);
      assert.ok(second.ok && second.task === null, 'non-overlap: the equal task is not queued');
      const done = await Promise.all(
        ok.map((r) => f.client.waitForTask((r as { task: any }).task.id, { timeout: 20 })),
      );
      assert.deepEqual(
        done.map((t) => t.result),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });

    it("queueTasks: an item the client itself refuses is that item's error, the others are queued", async () => {
      const results = await f.client.queueTasks([
        { job: 'addition', kwargs: { a: 2, b: 3 } },
        { job: 'nope' as never, kwargs: {} },
        { job: 'addition', kwargs: { a: new Set([1]) } as never },
        { job: 'addition', kwargs: { a: 1 }, options: { delya: 5 } as never },
      ]);
      assert.equal(results.length, 4);
      const [good, unknown, set, option] = results;
      assert.ok(good.ok && good.task?.status === 'QUEUED');
      assert.ok(!unknown.ok && unknown.error instanceof UnknownJobError);
      assert.ok(!set.ok && set.error instanceof ValidationError && set.error.message === 'kwargs.a: a Set is not JSON');
      assert.ok(
        !option.ok && option.error instanceof ValidationError && /unknown option: delya/.test(option.error.message),
      );
      const all = await f.client.queueTasks([{ job: 'addition', kwargs: { a: new Map() } as never }]);
      assert.ok(!all[0].ok && all[0].error instanceof ValidationError, 'a batch with nothing left to send');
      assert.equal((await f.client.waitForTask(good.task!, { timeout: 10 })).result, 5);
    });

    it('getTask and getTasks', async () => {
      const task = (await f.client.queueTask('addition', { a: 40, b: 2 }))!;
      await f.client.waitForTask(task.id, { timeout: 10 });
      const got = await f.client.getTask(task.id);
      assert.equal(got?.result, 42);
      assert.equal(got?.timeEnded !== undefined, true);
      assert.equal(await f.client.getTask('no-such-task'), null);
      const byIds = await f.client.getTasks({ ids: [task.id, 'no-such-task'] });
      assert.deepEqual(
        byIds.tasks.map((t) => t.id),
        [task.id],
      );
      const byName = await f.client.getTasks({ name: 'addition', status: 'SUCCESS', limit: 2 });
      assert.equal(byName.tasks.length, 2);
      assert.ok(byName.tasks.every((t) => t.name === 'addition' && t.status === 'SUCCESS'));
      assert.equal(typeof byName.cursor, 'string');
      const next = await f.client.getTasks({ name: 'addition', status: 'SUCCESS', limit: 2, cursor: byName.cursor! });
      assert.ok(!next.tasks.some((t) => byName.tasks.some((u) => u.id === t.id)));
      await assert.rejects(f.client.getTasks({ cursor: 'bogus' }), ValidationError);
    });

    it('waitForTask: beyond the endpoint cap, its own timeout, an AbortSignal', async () => {
      const slow = (await f.client.queueTask('asynchronous', { lag: 1.2 }))!;
      const before = f.waitCalls();
      const done = await f.client.waitForTask(slow.id, { timeout: 20 });
      assert.equal(done.status, 'SUCCESS');
      if (kind === 'http') assert.ok(f.waitCalls() - before >= 2, 'the HTTP client called again past its 0.4 s cap');

      const slower = (await f.client.queueTask('asynchronous', { lag: 3 }))!;
      const timedOut = await f.client.waitForTask(slower.id, { timeout: 0.5 }).catch((e) => e);
      assert.ok(timedOut instanceof WaitTimeoutError);
      assert.equal(timedOut.task.id, slower.id);
      assert.ok(['QUEUED', 'STARTED'].includes(timedOut.task.status));

      const aborted = await f.client.waitForTask(slower.id, { signal: AbortSignal.timeout(300) }).catch((e) => e);
      assert.equal(aborted.name, 'TimeoutError');
      await assert.rejects(f.client.waitForTask('no-such-task', { timeout: 1 }), TaskNotFoundError);
    });

    it('revokeTask: revoked, conflict, not found', async () => {
      const later = (await f.client.queueTask('addition', { a: 1 }, { delay: 60 }))!;
      const revoked = await f.client.revokeTask(later.id);
      assert.equal(revoked.status, 'REVOKED');
      const conflict = await f.client.revokeTask(later.id).catch((e) => e);
      assert.ok(conflict instanceof ConflictError);
      assert.equal(conflict.task.status, 'REVOKED');
      const missing = await f.client.revokeTask('no-such-task').catch((e) => e);
      assert.ok(missing instanceof TaskNotFoundError);
      assert.equal(missing.taskId, 'no-such-task');
    });

    it('jobList, queueStats, and the error classes of a bad call', async () => {
      const jobs = await f.client.jobList();
      const addition = jobs.find((j) => j.name === 'addition');
      assert.deepEqual(addition, {
        name: 'addition',
        doc: 'Add two numbers, `a` and `b` (default 0).',
        docSyntax: 'markdown',
        type: 'regular',
        canOverlap: true,
        expires: 60,
        queue: 'default',
        priority: 'default',
        events: false,
      });
      const periodic = (await f.client.jobList(['testperiodic']))[0];
      assert.equal(periodic.runEvery, 60);
      assert.equal(typeof periodic.nextRun, 'number');
      assert.deepEqual(await f.client.jobList(['nope' as never]), []);
      await assert.rejects(f.client.queueTask('nope' as never, {} as never), UnknownJobError);
      await assert.rejects(f.client.queueTask('addition', {}, { id: 'has space' }), ValidationError);
      const stats = await f.client.queueStats();
      for (const key of ['queued', 'delayed', 'inFlight', 'deadLetters'] as const)
        assert.equal(typeof stats[key], 'number');
    });

    it('kwargs JSON cannot carry are refused naming the path, not sent emptied (issue 11)', async () => {
      // Marked, so that no other test's task (one that ends or expires meanwhile) counts.
      const marker = `refused-${Date.now()}`;
      const kwargs = { a: 1, marker, tags: new Set(['x']) } as never;
      await assert.rejects(f.client.queueTask('addition', kwargs), (err: Error) => {
        assert.ok(err instanceof ValidationError, String(err));
        assert.equal(err.message, 'kwargs.tags: a Set is not JSON');
        return true;
      });
      await assert.rejects(
        f.client.queueTask('addition', { a: Number.POSITIVE_INFINITY, marker } as never),
        /kwargs\.a: Infinity/,
      );
      const tasks = (await f.client.getTasks({ limit: 1000 })).tasks;
      assert.deepEqual(
        tasks.filter((t) => (t.kwargs as { marker?: string }).marker === marker),
        [],
      );
    });
  });
}

describe('both clients on one stack', () => {
  it('return the same task, field for field', async () => {
    const f = await httpFixture();
    try {
      const direct = createDirectClient<typeof sampleJobs>({ runtime: f.stack.runtime, logger: f.stack.logger });
      const task = (await f.client.queueTask('addition', { a: 1, b: 1 }))!;
      const done = await direct.waitForTask(task, { timeout: 10 });
      assert.deepEqual(await f.client.getTask(task.id), done);
      assert.deepEqual(await f.client.getTasks({ ids: [task.id] }), await direct.getTasks({ ids: [task.id] }));
      // nextRun is seconds from now: it moves between the two calls.
      const still = (jobs: { nextRun?: number }[]) => jobs.map(({ nextRun: _, ...job }) => job);
      assert.deepEqual(still(await f.client.jobList()), still(await direct.jobList()));
    } finally {
      await f.stop();
    }
  });

  it('a missing or malformed url option is a ValidationError naming it', () => {
    for (const url of [undefined, '', '127.0.0.1:8060/rpc', 'ftp://host/rpc']) {
      assert.throws(
        () => createHttpClient({ url: url as never }),
        (err: Error) => err instanceof ValidationError && /^createHttpClient: the url option must be/.test(err.message),
        String(url),
      );
    }
  });

  it('an endpoint that does not answer is an EndpointError', async () => {
    const client = createHttpClient({ url: 'http://127.0.0.1:9/rpc' });
    await assert.rejects(client.getTask('x'), EndpointError);
  });
});
