/**
 * Nothing a producer message or a caller-given id carries can change an existing task
 * (docs/reliability.md#task-ids-and-what-a-message-can-change), against the emulators: ids skytask derives cannot be
 * taken over, a task id names one request, and a message reusing an id leaves the task as
 * it was on every path — duplicate delivery, dead letter and redrive, the reconciler,
 * restart recovery.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob, endTask, RPC_ERRORS, type Task } from '../../lib/index.js';
import { periodicTaskId } from '../../lib/keys.js';
import { testStack, type TestStack } from '../helpers.js';

const runs = new Map<string, string[]>();
const ran = (id: string, job: string) => runs.set(id, [...(runs.get(id) ?? []), job]);
const jobs = {
  add: defineJob({
    name: 'add',
    run: (ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => (ran(ctx.taskId, 'add'), a + b),
  }),
  other: defineJob({ name: 'other', run: (ctx) => (ran(ctx.taskId, 'other'), 'other') }),
  tick: defineJob({ name: 'tick', runEvery: 60, run: (ctx) => (ran(ctx.taskId, 'tick'), 'tick') }),
};

async function send(s: TestStack, body: object): Promise<string> {
  const out = await s.clients.sqs.send(
    new SendMessageCommand({ QueueUrl: s.config.queueUrl, MessageBody: JSON.stringify(body) }),
  );
  return out.MessageId!;
}

/** What no message may change: the request, the due time, the attempts, the outcome. */
async function state(s: TestStack, id: string) {
  const t = (await s.store.getTask(id)) as Task;
  const { name, kwargs, eta, expiry, attempts, status, result, error, deadLettered, timeQueued } = t;
  return { name, kwargs, eta, expiry, attempts, status, result, error, deadLettered, timeQueued };
}

/** Three tasks: one due in ten minutes, one finished, one that ended dead-lettered. */
async function existingTasks(s: TestStack) {
  await s.backend.queueTask('add', { a: 1, b: 2 }, { id: 'later', delay: 600 });
  await s.backend.queueTask('add', { a: 2, b: 3 }, { id: 'done' });
  await s.drain();
  await s.backend.queueTask('add', { a: 3, b: 4 }, { id: 'dead' });
  const [message] = await s.queue.receive(1, 1);
  await s.queue.deleteMessages([message.receiptHandle]);
  await endTask(s.runtime, 'dead', { idle: 'FAILURE', reason: 'dead-lettered after 3 deliveries', deadLettered: true });
  const ids = ['later', 'done', 'dead'];
  return { ids, before: await Promise.all(ids.map((id) => state(s, id))) };
}

/** A forged producer message for each id: another job, or the same job with other kwargs. */
const forged = (id: string, n: number) =>
  n % 2 ? { v: 1, job: 'other', kwargs: {}, id } : { v: 1, job: 'add', kwargs: { a: 666 }, id };

describe('ids skytask derives cannot be taken over', async () => {
  const s = await testStack({ jobs });
  const slot = Math.floor(Date.now() / 60_000) * 60 + 300;

  it('a producer message with a periodic id before the slot is refused; the slot runs its own job', async () => {
    const id = periodicTaskId('tick', slot);
    await send(s, { v: 1, job: 'add', kwargs: { a: 666 }, id });
    await s.drain();
    assert.equal(await s.store.getTask(id), undefined, 'no record under the periodic id');
    const letters = await s.deadLetters();
    assert.ok(
      letters.some((m) => /":"/.test(m.MessageAttributes?.reason?.StringValue ?? '') && m.Body?.includes(id)),
      'dead-lettered, the reason naming the colon rule',
    );
    const fired = await s.runtime.scheduler.fire('tick', slot);
    assert.equal(fired.task?.name, 'tick');
    await s.drain();
    const task = await s.store.getTask(id);
    assert.deepEqual([task?.name, task?.status, task?.result, task?.kwargs], ['tick', 'SUCCESS', 'tick', {}]);
    assert.deepEqual(runs.get(id), ['tick']);
  });

  it('queue_task with a periodic id (any id with a colon) is refused, -32602, nothing written', async () => {
    const id = periodicTaskId('tick', slot + 60);
    for (const bad of [id, 'order:42']) {
      const { error } = await s.call('queue_task', { jobname: 'add', a: 666, id: bad });
      assert.equal(error?.code, RPC_ERRORS.invalidParams, bad);
      assert.match(error.message, /":"/);
      assert.equal(await s.store.getTask(bad), undefined);
    }
    assert.equal((await s.runtime.scheduler.fire('tick', slot + 60)).task?.name, 'tick');
  });

  it('an id of dots alone (a path segment S3 keys lose) is refused, -32602, on every way in', async () => {
    for (const [method, params] of [
      ['queue_task', { jobname: 'add', id: '..' }],
      ['queue_task', { jobname: 'add', id: '.' }],
      [
        'presign_kwargs',
        { size: 2, sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', id: '..' },
      ],
      ['queue_chain', { steps: [{ jobname: 'add' }], id: '...' }],
    ] as const) {
      const { error } = await s.call(method, params);
      assert.equal(error?.code, RPC_ERRORS.invalidParams, `${method} ${params.id}`);
      assert.match(error.message, /dots alone/);
      assert.equal(await s.store.getTask(params.id), undefined);
    }
    await send(s, { v: 1, job: 'add', kwargs: {}, id: '..' });
    await s.drain();
    assert.equal(await s.store.getTask('..'), undefined);
    const letters = await s.deadLetters();
    const reason = (m: (typeof letters)[number]) => m.MessageAttributes?.reason?.StringValue ?? '';
    assert.ok(
      letters.some((m) => m.Body?.includes('"id":".."') && /dots alone/.test(reason(m))),
      'dead-lettered',
    );
  });

  it('a task message for a derived id with no record creates nothing and pre-empts nothing', async () => {
    const id = periodicTaskId('tick', slot + 120);
    await send(s, { v: 1, id, job: 'add' });
    await s.drain();
    assert.equal(await s.store.getTask(id), undefined);
    await s.runtime.scheduler.fire('tick', slot + 120);
    await s.drain();
    assert.equal((await s.store.getTask(id))?.result, 'tick');
    assert.deepEqual(runs.get(id), ['tick']);
  });

  it('a producer message without an id gets sqs:<message id>, which no caller can give', async () => {
    const messageId = await send(s, { v: 1, job: 'add', kwargs: { a: 1 } });
    await s.drain();
    assert.equal((await s.store.getTask(`sqs:${messageId}`))?.result, 1);
    const { error } = await s.call('queue_task', { jobname: 'add', id: `sqs:${messageId}` });
    assert.equal(error?.code, RPC_ERRORS.invalidParams);
  });
});

describe('a task id names one request', async () => {
  const s = await testStack({ jobs });

  it('re-queueing an id with another job or other kwargs is -32003 with the existing task in data', async () => {
    const first = (await s.call('queue_task', { jobname: 'add', a: 1, b: 2, id: 'X' })).result;
    for (const params of [
      { jobname: 'other', id: 'X' },
      { jobname: 'add', a: 1, b: 3, id: 'X' },
      { jobname: 'add', a: 1, id: 'X' },
      { jobname: 'add', kwargs: { a: 1, b: 2, c: null }, id: 'X' },
    ]) {
      const { error } = await s.call('queue_task', params);
      assert.equal(error?.code, RPC_ERRORS.conflict, JSON.stringify(params));
      assert.match(error.message, /task X exists/);
      // The task as stored: with the cost its enqueue recorded (the first answer is the task as built).
      assert.deepEqual({ ...error.data.task, cost: null }, first);
    }
    await s.drain();
    assert.deepEqual(runs.get('X'), ['add']);
    assert.equal((await s.store.getTask('X'))?.result, 3);
  });

  it('an identical repeat returns the task and sends nothing; its timing options do not move the task', async () => {
    const first = (await s.call('queue_task', { jobname: 'add', a: 1, b: 2, id: 'Y', delay: 30 })).result;
    const again = await s.call('queue_task', { jobname: 'add', kwargs: { b: 2, a: 1 }, id: 'Y', delay: 60 });
    assert.deepEqual({ ...again.result, cost: null }, first);
    const client = await s.backend.queueTask('add', { b: 2, a: 1 }, { id: 'Y', expiry: 5 });
    assert.deepEqual([client?.eta, client?.expiry], [first.eta, undefined]);
    assert.equal((await s.queue.depth()).delayed, 1);
    await s.queue.purge();
  });
});

describe('a producer message reusing an existing id changes nothing, on every path', () => {
  it('delivered, and delivered again: dead-lettered each time naming the id, the tasks as they were', async () => {
    const s = await testStack({ jobs });
    const { ids, before } = await existingTasks(s);
    await Promise.all(ids.map((id, n) => send(s, forged(id, n))));
    for (let round = 0; round < 2; round++) {
      const messages = [];
      for (let i = 0; i < 20 && messages.length < 3; i++) messages.push(...(await s.queue.receive(3, 1)));
      assert.equal(messages.length, 3);
      for (const m of messages) await s.consumer.handleMessage(m);
      // Not deleted: each comes back, as after a lost delete (a duplicate delivery).
      if (round === 0) for (const m of messages) await s.queue.changeVisibility(m.receiptHandle, 0);
      else await s.queue.deleteMessages(messages.map((m) => m.receiptHandle));
    }
    assert.deepEqual(await Promise.all(ids.map((id) => state(s, id))), before);
    const reasons = (await s.deadLetters()).map((m) => m.MessageAttributes?.reason?.StringValue ?? '');
    for (const id of ids) {
      assert.equal(reasons.filter((r) => r.includes(`task ${id} exists`)).length, 2, id);
    }
    assert.equal(runs.get('later'), undefined);
  });

  it('dead-lettered, then redriven: left in the dead-letter queue, the tasks as they were', async () => {
    const s = await testStack({ jobs });
    const { ids, before } = await existingTasks(s);
    // However it got there (refused by the consumer, moved by SQS, sent there directly).
    for (const [n, id] of ids.entries()) await s.queue.deadLetter(JSON.stringify(forged(id, n)), 'test');
    // A task message for a task not yet due is dropped: the task has its own message.
    await s.queue.deadLetter(JSON.stringify({ v: 1, id: 'later', job: 'add' }), 'test');
    const { result } = await s.call('redrive_dead_letters', {});
    const { left, ...counts } = result;
    assert.deepEqual(counts, { moved: [], dropped: 1, skipped: 3, failed: 0, more: false, remaining: 3 });
    assert.deepEqual(
      left.map((l: { id: string }) => l.id).sort(),
      [...ids].sort(),
      'each letter left says its task and why',
    );
    assert.deepEqual(await Promise.all(ids.map((id) => state(s, id))), before);
    await s.drain();
    assert.deepEqual(await Promise.all(ids.map((id) => state(s, id))), before);
  });

  for (const recovery of [false, true]) {
    it(`${recovery ? 'restart recovery' : 'the reconciler'} sends the task's own message: its own job and kwargs run`, async () => {
      const s = await testStack({ jobs });
      const id = `lost-${recovery}`;
      await s.backend.queueTask('add', { a: 1, b: 2 }, { id });
      await s.queue.purge(); // its message is lost
      const before = await state(s, id);
      await send(s, forged(id, 0));
      await send(s, forged(id, 1));
      await s.drain();
      assert.deepEqual(await state(s, id), before, 'the forged messages neither changed nor ran it');
      const resent = await s.backend.reconcile(recovery ? { recovery } : { olderThan: 0 });
      assert.equal(resent.resent, 1);
      await s.drain();
      const task = await state(s, id);
      assert.deepEqual(
        { ...task, status: 'SUCCESS', result: 3, attempts: 1 },
        { ...before, status: 'SUCCESS', result: 3, attempts: 1 },
      );
      assert.deepEqual([task.status, task.result, task.attempts], ['SUCCESS', 3, 1]);
      assert.deepEqual(runs.get(id), ['add']);
    });
  }
});

describe("Pulsar's own behaviour", async () => {
  const s = await testStack({ jobs });

  it('job_list of names it does not know answers [] (known names are listed)', async () => {
    assert.deepEqual((await s.call('job_list', { jobnames: ['xxxxxx'] })).result, []);
    const listed = (await s.call('job_list', { jobnames: ['xxxxxx', 'add'] })).result;
    assert.deepEqual(
      listed.map((j: { name: string }) => j.name),
      ['add'],
    );
  });

  it('queue_task with expiry 0 queues a task that ends REVOKED without running', async () => {
    const { result } = await s.call('queue_task', { jobname: 'add', a: 1, expiry: 0 });
    assert.equal(result.status, 'QUEUED');
    assert.equal(result.expiry, result.time_queued);
    await s.drain();
    const task = await s.store.getTask(result.id);
    assert.equal(task?.status, 'REVOKED');
    assert.match(task!.error!, /expired/);
    assert.equal(runs.get(result.id), undefined);
  });
});
