/** Retries, heartbeats, time limits, revoke, the reconciler, dead letters and redrive, against the emulators. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConflictError,
  createConsumer,
  defineJob,
  RetryTaskError,
  RPC_ERRORS,
  TaskNotFoundError,
  UnrecoverableError,
  ValidationError,
} from '../../lib/index.js';
import { retryDelay } from '../../lib/retry.js';
import type { TaskStore } from '../../lib/store.js';
import { testStack } from '../helpers.js';
import { reconciled } from '../reconcile-result.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runs = new Map<string, number>();
const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1).get(id)!;

const flaky = defineJob({
  name: 'flaky',
  maxRetries: 3,
  retryBackoff: { base: 1, cap: 1 },
  run: (ctx, { failures = 1 }: { failures?: number }) => {
    if (count(ctx.taskId) <= failures) throw new Error(`failure ${runs.get(ctx.taskId)}`);
    return 'ok';
  },
});
const doomed = defineJob({
  name: 'doomed',
  maxRetries: 4,
  retryBackoff: { base: 1, cap: 1 },
  run: (ctx) => {
    count(ctx.taskId);
    throw new Error('always');
  },
});
const fatal = defineJob({
  name: 'fatal',
  maxRetries: 3,
  run: (ctx) => {
    count(ctx.taskId);
    throw new UnrecoverableError('bad input, no point retrying');
  },
});
const asksRetry = defineJob({
  name: 'asksretry',
  maxRetries: 1,
  retryBackoff: { base: 60, cap: 60 },
  run: (ctx) => {
    if (count(ctx.taskId) === 1) throw new RetryTaskError('not yet', 1);
    return 'second time';
  },
});
const seen = new Map<string, string>();
const slow = defineJob({
  name: 'slow',
  timeLimit: 0.3,
  run: (ctx, { ms = 5000 }: { ms?: number }) =>
    new Promise((resolve) => {
      count(ctx.taskId);
      ctx.signal.addEventListener('abort', () => seen.set(ctx.taskId, String(ctx.signal.reason?.message)));
      setTimeout(() => resolve('too late'), ms);
    }),
});
const long = defineJob({
  name: 'long',
  run: async (ctx, { ms = 0 }: { ms?: number }) => {
    count(ctx.taskId);
    const aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    await Promise.race([sleep(ms), aborted]);
    if (ctx.signal.aborted) seen.set(ctx.taskId, String(ctx.signal.reason?.message));
    return 'done';
  },
});
import * as sampleJobs from '../../examples/jobs.js';
const jobs = [sampleJobs, flaky, doomed, fatal, asksRetry, slow, long];

describe('retryDelay', () => {
  it('grows exponentially to the cap, with jitter in the upper half', () => {
    assert.equal(
      retryDelay(1, { base: 2, cap: 100 }, () => 0),
      1,
    );
    assert.equal(
      retryDelay(1, { base: 2, cap: 100 }, () => 1),
      2,
    );
    assert.equal(
      retryDelay(3, { base: 2, cap: 100 }, () => 1),
      8,
    );
    assert.equal(
      retryDelay(20, { base: 2, cap: 100 }, () => 1),
      100,
    );
    assert.equal(
      retryDelay(20, { base: 2, cap: 100 }, () => 0),
      50,
    );
  });

  it('bad retry settings are refused at load', async () => {
    const { createRegistry } = await import('../../lib/index.js');
    assert.throws(() => createRegistry([defineJob({ name: 'x', maxRetries: -1, run: () => 0 })]), /maxRetries/);
    assert.throws(
      () => createRegistry([defineJob({ name: 'x', retryBackoff: { cap: 5000 }, run: () => 0 })]),
      /retryBackoff/,
    );
    assert.throws(() => createRegistry([defineJob({ name: 'x', timeLimit: 0, run: () => 0 })]), /timeLimit/);
  });
});

describe('retries', async () => {
  const stack = await testStack({ jobs, visibilityTimeout: 30, env: { SKYTASK_MAX_RECEIVE_COUNT: '3' } });
  const { backend } = stack;

  it('a failed attempt with retries left is RETRY, then runs again after its delay', async () => {
    const task = await backend.queueTask('flaky', { failures: 1 });
    await stack.drain({ idleRounds: 1 });
    const retrying = await backend.getTask(task!.id);
    assert.equal(retrying?.status, 'RETRY');
    assert.ok(retrying!.eta! > retrying!.timeEnded!);
    assert.deepEqual(
      retrying?.errors?.map((e) => [e.attempt, e.error]),
      [[1, 'failure 1']],
    );
    await sleep(1100);
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.attempts, 2);
    assert.equal(done?.result, 'ok');
    assert.equal(done?.errors?.length, 1);
  });

  it("retries exhausted: FAILURE with every attempt's error; retries never reach the dead-letter queue", async () => {
    // maxRetries 4 > the queue's maxReceiveCount 3: each retry is a new message.
    const poller = stack.poll();
    const task = await backend.queueTask('doomed', {});
    const done = await backend.waitForTask(task!.id, 20).finally(() => poller.stop());
    assert.equal(done.status, 'FAILURE');
    assert.equal(done.attempts, 5);
    assert.equal(runs.get(task!.id), 5);
    assert.deepEqual(
      done.errors?.map((e) => e.attempt),
      [1, 2, 3, 4, 5],
    );
    assert.equal(done.error, 'always');
    assert.equal(done.deadLettered, undefined);
    assert.deepEqual(await stack.deadLetters(), []);
  });

  it('UnrecoverableError fails at once; RetryTaskError retries after the delay it asks', async () => {
    const a = await backend.queueTask('fatal', {});
    const b = await backend.queueTask('asksretry', {});
    const poller = stack.poll();
    const [failed, retried] = await Promise.all([
      backend.waitForTask(a!.id, 10),
      backend.waitForTask(b!.id, 10),
    ]).finally(() => poller.stop());
    assert.equal(failed.status, 'FAILURE');
    assert.equal(failed.attempts, 1);
    assert.equal(runs.get(a!.id), 1);
    assert.equal(retried.status, 'SUCCESS');
    assert.equal(retried.result, 'second time');
    // It asked for 1 s, not the job's 60 s backoff.
    assert.ok(retried.timeEnded! - retried.timeQueued < 10);
  });
});

describe('heartbeats and time limits', async () => {
  // Visibility and lease of 1 s: without heartbeats the message would come back and the
  // lease lapse while the job runs.
  const stack = await testStack({ jobs, visibilityTimeout: 1, env: { SKYTASK_LEASE_SECONDS: '1' } });
  const { backend, queue } = stack;

  it('a job longer than the lease and the visibility timeout runs once', async () => {
    const poller = stack.poll();
    const task = await backend.queueTask('long', { ms: 3000 });
    const done = await backend.waitForTask(task!.id, 10).finally(() => poller.stop());
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.attempts, 1);
    assert.equal(runs.get(task!.id), 1);
  });

  it('past its timeLimit the signal aborts and the attempt fails saying so, without waiting for the job', async () => {
    const task = await backend.queueTask('slow', {});
    const started = Date.now();
    await stack.drain({ idleRounds: 1 });
    assert.ok(Date.now() - started < 3000);
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.equal(done?.error, 'time limit of 0.3 s exceeded');
    assert.equal(seen.get(task!.id), 'time-limit');
  });

  it("the Lambda's remaining time bounds an attempt, less a margin for the finish", async () => {
    const task = await backend.queueTask('long', { ms: 5000 });
    const [message] = await queue.receive(1, 1);
    await stack.consumer.handleMessage(message, { getRemainingTimeInMillis: () => 3400 });
    await queue.deleteMessages([message.receiptHandle]);
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.match(done!.error!, /before the Lambda invocation's timeout/);
  });
});

describe('revoke', async () => {
  const stack = await testStack({ jobs, env: { SKYTASK_LEASE_SECONDS: '0.6' } });
  const { backend, queue } = stack;

  it('a queued or delayed task becomes REVOKED and never runs; its lock is released', async () => {
    const queued = await backend.queueTask('long', {});
    const delayed = await backend.queueTask('long', {}, { delay: 60 });
    const locked = await backend.queueTask('notoverlap', { lag: 0 });
    for (const t of [queued, delayed, locked]) assert.equal((await backend.revokeTask(t!.id)).status, 'REVOKED');
    await stack.drain();
    assert.equal(runs.get(queued!.id), undefined);
    assert.equal((await backend.getTask(queued!.id))?.error, 'revoked');
    assert.ok(await backend.queueTask('notoverlap', { lag: 0 }), 'the lock was released');
    await queue.purge();
  });

  it('a running task gets its AbortSignal through the record and ends REVOKED', async () => {
    const task = await backend.queueTask('long', { ms: 10_000 });
    const [message] = await queue.receive(1, 1);
    const running = stack.consumer.handleMessage(message);
    while ((await backend.getTask(task!.id))?.status !== 'STARTED') await sleep(20);
    const asked = await backend.revokeTask(task!.id);
    assert.equal(asked.status, 'STARTED');
    assert.equal(asked.revokeRequested, true);
    await running;
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'REVOKED');
    assert.equal(done?.error, 'revoked while it ran');
    assert.equal(seen.get(task!.id), 'revoked');
  });

  it('a finished task is a conflict (-32003 with the task); an unknown one is -32002', async () => {
    const task = await backend.queueTask('long', {});
    await stack.drain();
    await assert.rejects(backend.revokeTask(task!.id), ConflictError);
    const response = await stack.call('revoke_task', { id: task!.id });
    assert.equal(response.error.code, RPC_ERRORS.conflict);
    assert.equal(response.error.data.task.status, 'SUCCESS');
    await assert.rejects(backend.revokeTask('nope'), TaskNotFoundError);
    assert.equal((await stack.call('revoke_task', ['nope'])).error.code, RPC_ERRORS.notFound);
    const queued = await backend.queueTask('long', {});
    assert.equal((await stack.call('revoke_task', [queued!.id])).result.status, 'REVOKED');
  });
});

describe('reconciler', async () => {
  const stack = await testStack({ jobs, env: { SKYTASK_LEASE_SECONDS: '0.2' } });
  const { backend, queue, store } = stack;

  it('sends again the message of a task that lost it, once per staleness window', async () => {
    const task = await backend.queueTask('long', {});
    await queue.purge(); // the message is lost
    assert.deepEqual(await backend.reconcile({ olderThan: 60 }), reconciled()); // not stale yet
    assert.deepEqual(await backend.reconcile({ olderThan: 0 }), reconciled({ resent: 1 }));
    assert.equal((await backend.getTask(task!.id))?.resends, 1);
    await stack.drain();
    assert.equal((await backend.getTask(task!.id))?.status, 'SUCCESS');
  });

  it('a task whose runs keep dying is recorded FAILURE after the bound', async () => {
    const task = await backend.queueTask('long', {});
    await queue.purge();
    // A run that claims the task and dies: STARTED, lease lapses, no message.
    await store.claimTask({
      id: task!.id,
      now: Date.now() / 1000,
      leaseUntil: Date.now() / 1000 + 0.05,
      worker: 'dead',
    });
    await sleep(100);
    assert.equal((await backend.reconcile({ olderThan: 0, maxResends: 1 })).resent, 1);
    await queue.purge(); // and again its message is lost
    const second = await backend.reconcile({ olderThan: 0, maxResends: 1 });
    assert.deepEqual(second, reconciled({ failed: 1 }));
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.match(done!.error!, /runs kept dying/);
  });
});

describe('dead letters and redrive', async () => {
  const stack = await testStack({ jobs, visibilityTimeout: 1, env: { SKYTASK_MAX_RECEIVE_COUNT: '3' } });
  const { backend, queue, store } = stack;

  it('a message that keeps failing lands in the DLQ, its task FAILURE dead-lettered; a redrive runs it again', async () => {
    // DynamoDB refuses the claim every time (an outage seen by this consumer only).
    const broken: TaskStore = { ...store, claimTask: () => Promise.reject(new Error('throttled')) };
    const failing = createConsumer({
      ...stack.runtime,
      store: broken,
      maxReceiveCount: 3,
    });
    const task = await backend.queueTask('long', {});
    for (let i = 0; i < 2; i++) {
      const [message] = await queue.receive(1, 2);
      await assert.rejects(failing.handleMessage(message), /throttled/);
    }
    // The last delivery: the consumer puts the message on the DLQ itself, with its reason.
    const [last] = await queue.receive(1, 2);
    await failing.handleMessage(last);
    await queue.deleteMessages([last.receiptHandle]);
    await sleep(1100);
    assert.deepEqual(await queue.receive(10, 0), []);
    const dead = await backend.getTask(task!.id);
    assert.equal(dead?.status, 'FAILURE');
    assert.equal(dead?.deadLettered, true);
    assert.match(dead!.error!, /dead-lettered after 3 deliveries: throttled/);

    // A body that is no task message also waits in the DLQ; redrive leaves it there.
    await queue.deadLetter('not a task', 'test');
    const { result } = await stack.call('redrive_dead_letters', {});
    assert.deepEqual(result, {
      moved: [task!.id],
      dropped: 0,
      skipped: 1,
      left: [{ id: null, reason: 'the body is no task message' }],
      failed: 0,
      more: false,
      remaining: 1,
    });
    assert.equal((await backend.getTask(task!.id))?.status, 'QUEUED');
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.deadLettered, undefined);
  });

  it('kwargs that nest too deep are refused', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    await assert.rejects(backend.queueTask('long', { deep }), ValidationError);
  });
});
