import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sampleJobs from '../../examples/jobs.js';
import { createConsumer, createRegistry, defineJob, LIMITS, RetryTaskError } from '../../lib/index.js';
import { RetryLaterError } from '../../lib/consumer/retry-later.js';
import { testStack, NO_PAYLOAD_BUCKET } from '../helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Jobs that count their runs and how many run at once. */
const runs = new Map<string, number>();
let active = 0;
let maxActive = 0;
const counted = defineJob({
  name: 'counted',
  async run(ctx, { ms = 0 }: { ms?: number }) {
    runs.set(ctx.taskId, (runs.get(ctx.taskId) ?? 0) + 1);
    active++;
    maxActive = Math.max(maxActive, active);
    await sleep(ms);
    active--;
    return { attempt: ctx.task.attempts };
  },
});
const unserializable = defineJob({ name: 'unserializable', run: () => ({ big: 1n }) });
const huge = defineJob({ name: 'huge', run: () => 'x'.repeat(LIMITS.resultBytes + 1) });
const nothing = defineJob({ name: 'nothing', run: () => undefined });
const retriesLate = defineJob({
  name: 'retriesLate',
  maxRetries: 3,
  run(ctx) {
    runs.set(ctx.taskId, (runs.get(ctx.taskId) ?? 0) + 1);
    throw new RetryTaskError('again in 1 s', 1);
  },
});
const jobs = { ...sampleJobs, counted, unserializable, huge, nothing, retriesLate };

describe('consumer', async () => {
  const stack = await testStack({ jobs, env: NO_PAYLOAD_BUCKET });
  const { backend, consumer, queue, store } = stack;

  it('runs a task: STARTED then SUCCESS with the result, once', async () => {
    const task = await backend.queueTask('addition', { a: 20, b: 22 });
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.result, 42);
    assert.equal(done?.attempts, 1);
    assert.equal(done?.worker, consumer.workerId);
    assert.ok(done!.timeStarted! >= done!.timeQueued && done!.timeEnded! >= done!.timeStarted!);
    assert.equal(done?.leaseUntil, undefined);
  });

  it('records a thrown error as FAILURE, with the message and the stack apart', async () => {
    const task = await backend.queueTask('testperiodicerror', {});
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.equal(done?.error, 'kaputt');
    assert.match(done!.stack!, /Error: kaputt\n\s+at /);
  });

  it('a result that is not JSON, or too large, is a FAILURE saying so; undefined is null', async () => {
    const a = await backend.queueTask('unserializable', {});
    const b = await backend.queueTask('huge', {});
    const c = await backend.queueTask('nothing', {});
    await stack.drain();
    assert.match((await backend.getTask(a!.id))!.error!, /not JSON-serializable/);
    assert.match((await backend.getTask(b!.id))!.error!, /over the 262144-byte limit/);
    const ok = await backend.getTask(c!.id);
    assert.equal(ok?.status, 'SUCCESS');
    assert.equal(ok?.result, null);
  });

  it('the same message delivered twice runs the job once', async () => {
    const task = await backend.queueTask('counted', {});
    const [message] = await queue.receive(1, 1);
    await consumer.handleMessage(message);
    await consumer.handleMessage(message);
    // And a real second copy of the message on the queue:
    await queue.send({ id: task!.id, job: 'counted' });
    await stack.drain();
    assert.equal(runs.get(task!.id), 1);
    assert.equal((await backend.getTask(task!.id))?.attempts, 1);
  });

  it('two deliveries at once: one runs, the copy that finds it running is dropped', async () => {
    const task = await backend.queueTask('counted', { ms: 300 });
    const [message] = await queue.receive(1, 1);
    const [first, second] = await Promise.allSettled([
      consumer.handleMessage(message),
      sleep(50).then(() => consumer.handleMessage(message)),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'fulfilled');
    assert.equal(runs.get(task!.id), 1);
    assert.equal((await backend.getTask(task!.id))?.status, 'SUCCESS');
    await queue.purge();
  });

  it('a task whose expiry passed before it started is REVOKED and never runs', async () => {
    const task = await backend.queueTask('counted', {}, { expiry: 0.2 });
    await sleep(400);
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'REVOKED');
    assert.match(done!.error!, /expired/);
    assert.equal(runs.get(task!.id), undefined);
  });

  it("a retry due after the expiry does not start: REVOKED, the first attempt's error kept", async () => {
    const task = await backend.queueTask('retriesLate', {}, { expiry: 0.5 });
    await stack.drain();
    await sleep(1200);
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(runs.get(task!.id), 1);
    assert.equal(done?.status, 'REVOKED');
    assert.equal(done?.error, 'expired before attempt 2 could start');
    assert.equal(done?.errors?.[0]?.error, 'again in 1 s');
  });

  it('a message whose record is gone is dropped; a body that is no envelope is dead-lettered', async () => {
    const task = await backend.queueTask('counted', {});
    await backend.deleteTasks([task!.id]);
    await queue.send({ id: 'never-written', job: 'counted' });
    const raw = stack.clients.sqs;
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await raw.send(new SendMessageCommand({ QueueUrl: stack.config.queueUrl, MessageBody: '{"hello":"world"}' }));
    await stack.drain();
    assert.equal(runs.get(task!.id), undefined);
    const dead = await stack.deadLetters();
    assert.equal(dead.length, 1);
    assert.equal(dead[0].Body, '{"hello":"world"}');
    assert.match(dead[0].MessageAttributes!.reason.StringValue!, /version/);
    assert.deepEqual(await queue.receive(10, 0), []);
  });

  it('a job the consumer does not know is delivered again, then recorded FAILURE naming it', async () => {
    const task = await backend.queueTask('counted', {});
    const other = createConsumer({ store, queue, registry: createRegistry([]), logger: stack.logger });
    const [message] = await queue.receive(1, 1);
    // A deploy may be rolling out: the first deliveries go back to the queue.
    await assert.rejects(other.handleMessage(message), RetryLaterError);
    assert.equal((await backend.getTask(task!.id))?.status, 'QUEUED');
    // The third delivery fails the task.
    await other.handleMessage({ ...message, attributes: { ApproximateReceiveCount: '3' } });
    await queue.deleteMessages([message.receiptHandle]);
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.equal(done?.error, 'unknown job "counted"');
  });

  it('fenced finish: a run that lost its lease cannot overwrite the newer attempt', async () => {
    // A run whose process froze: its heartbeats never land, so its lease lapses.
    const frozenStore = { ...store, extendLease: () => new Promise<undefined>(() => undefined) };
    const shortLease = createConsumer({
      ...stack.runtime,
      store: frozenStore,
      leaseSeconds: 0.2,
      workerId: 'slow',
    });
    const task = await backend.queueTask('counted', { ms: 800 });
    const [message] = await queue.receive(1, 1);
    const slow = shortLease.handleMessage(message);
    await sleep(400); // the lease has expired: the worker is presumed dead
    await consumer.handleMessage(message); // a redelivery reclaims it as attempt 2 and finishes first
    await slow;
    await queue.deleteMessages([message.receiptHandle]);
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.attempts, 2);
    assert.deepEqual(done?.result, { attempt: 2 });
    assert.equal(done?.worker, consumer.workerId);
    assert.equal(runs.get(task!.id), 2);
  });

  it('a task not due yet is not claimed: a fresh message is sent for its due time', async () => {
    const task = await backend.queueTask('counted', {}, { delay: 2 });
    // A copy of the message that arrives early (e.g. re-sent by restart recovery):
    await queue.send({ id: task!.id, job: 'counted' });
    const [early] = await queue.receive(1, 1);
    await consumer.handleMessage(early);
    await queue.deleteMessages([early.receiptHandle]);
    assert.equal((await backend.getTask(task!.id))?.status, 'QUEUED');
    assert.equal((await queue.depth()).delayed, 2);
    await sleep(2200);
    await stack.drain();
    assert.equal((await backend.getTask(task!.id))?.status, 'SUCCESS');
    assert.equal(runs.get(task!.id), 1);
  });

  it('runs at most `concurrency` tasks of a batch at once', async () => {
    const three = createConsumer({ ...stack.runtime, concurrency: 3 });
    for (let i = 0; i < 8; i++) await backend.queueTask('counted', { ms: 100 });
    const messages = [...(await queue.receive(10, 1)), ...(await queue.receive(10, 0))];
    assert.equal(messages.length, 8);
    maxActive = 0;
    const results = await three.handleBatch(messages);
    assert.ok(results.every((r) => r.status === 'fulfilled'));
    assert.equal(maxActive, 3);
    await queue.deleteMessages(messages.map((m) => m.receiptHandle));
  });

  it('sub-tasks: standarddeviation produces tasks listed by from_task', async () => {
    const producer = await backend.queueTask('standarddeviation', { sample: 3, size: 10 });
    await stack.drain();
    assert.equal((await backend.getTask(producer!.id))?.result, 'produced 3 new tasks');
    const { tasks } = await backend.getTasks({ fromTask: producer!.id });
    assert.equal(tasks.length, 3);
    for (const t of tasks) {
      assert.equal(t.status, 'SUCCESS');
      assert.equal(t.fromTask, producer!.id);
      assert.equal((t.kwargs.inputs as number[]).length, 10);
      assert.ok(typeof t.result === 'number' && t.result > 0 && t.result < 1);
    }
  });

  it('checkworker lists the tasks the worker runs at that moment', async () => {
    const slow = await backend.queueTask('asynchronous', { lag: 0.3 });
    const check = await backend.queueTask('checkworker', {});
    const messages = await queue.receive(10, 1);
    const order = messages.sort((m) => (JSON.parse(m.body).id === slow!.id ? -1 : 1));
    await consumer.handleBatch(order);
    await queue.deleteMessages(messages.map((m) => m.receiptHandle));
    const result = (await backend.getTask(check!.id))?.result as { worker: string; tasks: string[] };
    assert.equal(result.worker, consumer.workerId);
    assert.deepEqual(new Set(result.tasks), new Set([slow!.id, check!.id]));
  });
});
