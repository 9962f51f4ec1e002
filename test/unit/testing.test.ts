/**
 * skytask/testing: jobs run in-process on the in-memory store and queue and a fake clock,
 * through the production backend and consumer. No emulators.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineJob, RetryTaskError, UnrecoverableError, ValidationError } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

let flakyRuns = 0;
let expiresFirstRuns = 0;
const jobs = {
  add: defineJob({ name: 'add', run: (_ctx, { a, b }: { a: number; b: number }) => a + b }),
  flaky: defineJob({
    name: 'flaky',
    maxRetries: 3,
    retryBackoff: { base: 10, cap: 100 },
    run: () => {
      if (++flakyRuns < 3) throw new Error(`failure ${flakyRuns}`);
      return 'finally';
    },
  }),
  asksLater: defineJob({
    name: 'asksLater',
    maxRetries: 1,
    run: (ctx) => {
      if (ctx.task.attempts === 1) throw new RetryTaskError('not yet', 600);
      return ctx.task.attempts;
    },
  }),
  fatal: defineJob({
    name: 'fatal',
    maxRetries: 5,
    run: () => {
      throw new UnrecoverableError('no point');
    },
  }),
  slow: defineJob({
    name: 'slow',
    timeLimit: 0.05,
    run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('stopped'))),
  }),
  waitsForRevoke: defineJob({
    name: 'waitsForRevoke',
    run: (ctx) =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
  }),
  parent: defineJob({ name: 'parent', run: async (ctx) => (await ctx.queueTask('add', { a: 2, b: 3 }))?.id }),
  single: defineJob({ name: 'single', canOverlap: false, expires: 60, run: () => 'ran' }),
  typed: defineJob({
    name: 'typed',
    schema: z.object({ n: z.number().int() }),
    run: (_ctx, { n }) => n * 2,
  }),
  tick: defineJob({ name: 'tick', runEvery: 60, run: () => 'tick' }),
  expiresFirst: defineJob({
    name: 'expiresFirst',
    expires: 5,
    maxRetries: 3,
    run: (ctx) => {
      expiresFirstRuns++;
      throw new RetryTaskError(`not yet (attempt ${ctx.task.attempts})`, 10);
    },
  }),
  failsOnCue: defineJob({
    name: 'failsOnCue',
    maxRetries: 3,
    run: async () => {
      await new Promise((resolve) => (cue = resolve));
      throw new Error('failed after the revoke was asked');
    },
  }),
};
let cue: (value: unknown) => void = () => undefined;

describe('skytask/testing: createTestQueue', () => {
  it('runs a task to SUCCESS and shows the whole record', async () => {
    const q = createTestQueue({ jobs });
    const done = await q.runTask('add', { a: 1, b: 2 });
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 3);
    assert.equal(done.attempts, 1);
    assert.equal(done.worker, 'test');
    assert.deepEqual(await q.runtime.queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
  });

  it('retries wait their backoff on the fake clock (no real waiting); every error is kept', async () => {
    flakyRuns = 0;
    const q = createTestQueue({ jobs });
    const start = q.clock.now();
    const done = await q.runTask('flaky');
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.attempts, 3);
    assert.deepEqual(
      done.errors?.map((e) => [e.attempt, e.error]),
      [
        [1, 'failure 1'],
        [2, 'failure 2'],
      ],
    );
    // Equal jitter: retry n waits between half and all of base·2^(n-1).
    assert.ok(q.clock.now() - start >= 5 + 10, `the clock moved ${q.clock.now() - start} s`);
  });

  it("RetryTaskError's delay is honoured; UnrecoverableError fails at once", async () => {
    const q = createTestQueue({ jobs });
    const start = q.clock.now();
    assert.equal((await q.runTask('asksLater')).result, 2);
    assert.ok(q.clock.now() - start >= 600);
    const fatal = await q.runTask('fatal');
    assert.equal(fatal.status, 'FAILURE');
    assert.equal(fatal.attempts, 1);
  });

  it('a time limit aborts ctx.signal and fails the attempt', async () => {
    const done = await createTestQueue({ jobs }).runTask('slow');
    assert.equal(done.status, 'FAILURE');
    assert.equal(done.error, 'time limit of 0.05 s exceeded');
  });

  it('revoking a running task stops it through ctx.signal: REVOKED', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.queueTask('waitsForRevoke');
    const running = q.run();
    while ((await q.getTask(task!.id))?.status !== 'STARTED') await new Promise((r) => setImmediate(r));
    await q.revokeTask(task!.id);
    await running;
    const done = await q.getTask(task!.id);
    assert.equal(done?.status, 'REVOKED');
    assert.equal(done?.error, 'revoked while it ran');
  });

  it('a revoke asked while the attempt runs survives the attempt failing: REVOKED, no retry', async () => {
    // A long lease: no heartbeat comes between the revoke and the failure.
    const q = createTestQueue({ jobs, leaseSeconds: 60 });
    const task = await q.queueTask('failsOnCue');
    const running = q.run();
    while ((await q.getTask(task!.id))?.status !== 'STARTED') await new Promise((r) => setImmediate(r));
    assert.equal((await q.revokeTask(task!.id)).revokeRequested, true);
    cue(undefined);
    await running;
    const done = await q.getTask(task!.id);
    assert.equal(done?.status, 'REVOKED');
    assert.equal(done?.attempts, 1);
  });

  it('sub-tasks run too and list under their parent', async () => {
    const q = createTestQueue({ jobs });
    const parent = await q.runTask('parent');
    await q.run();
    const child = await q.getTask(parent.result as string);
    assert.equal(child?.result, 5);
    assert.equal(child?.fromTask, parent.id);
    assert.deepEqual(
      (await q.getTasks({ fromTask: parent.id })).tasks.map((t) => t.id),
      [child?.id],
    );
  });

  it('non-overlap holds an equal task back until the first ends; expiry revokes a task not started in time', async () => {
    const q = createTestQueue({ jobs });
    const first = await q.queueTask('single');
    assert.equal(await q.queueTask('single'), null);
    await q.run();
    assert.equal((await q.getTask(first!.id))?.status, 'SUCCESS');
    const late = await q.queueTask('single');
    q.clock.advance(61);
    await q.run();
    const revoked = await q.getTask(late!.id);
    assert.equal(revoked?.status, 'REVOKED');
    assert.equal(revoked?.error, 'expired before it started');
  });

  it('a retry that would start past the expiry is not run: REVOKED, the first error kept (Celery)', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.queueTask('expiresFirst');
    await q.run();
    const ended = await q.getTask(task!.id);
    assert.equal(expiresFirstRuns, 1);
    assert.equal(ended?.status, 'REVOKED');
    assert.equal(ended?.attempts, 1);
    assert.equal(ended?.error, 'expired before attempt 2 could start');
    assert.deepEqual(
      ended?.errors?.map((e) => e.error),
      ['not yet (attempt 1)'],
    );
  });

  it('a task due beyond the queue delay goes through the timer and runs when the clock gets there', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.queueTask('add', { a: 1, b: 1 }, { delay: 3 * 3600 });
    await q.run({ until: q.clock.now() + 3600 });
    assert.equal((await q.getTask(task!.id))?.status, 'QUEUED');
    await q.run();
    const done = await q.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.ok(q.clock.now() >= task!.eta!);
  });

  it('kwargs schemas apply: a bad call is refused before anything is written', async () => {
    const q = createTestQueue({ jobs });
    await assert.rejects(q.queueTask('typed', { n: 1.5 }), ValidationError);
    // A mistyped option is refused, not ignored (the task would have run at once).
    await assert.rejects(q.queueTask('add', { a: 1, b: 2 }, { delya: 60 } as never), /unknown option: delya/);
    assert.equal((await q.getTasks()).tasks.length, 0);
    assert.equal((await q.runTask('typed', { n: 4 })).result, 8);
  });

  it('fires a periodic job for a slot, once per slot', async () => {
    const q = createTestQueue({ jobs });
    const slot = q.clock.now();
    const first = await q.fire('tick', slot);
    const again = await q.fire('tick', slot);
    assert.equal(again.recorded, false);
    assert.equal(again.task?.id, first.task?.id);
    await q.run();
    assert.equal((await q.getTask(first.task!.id))?.result, 'tick');
  });
});
