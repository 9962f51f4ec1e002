/**
 * The rules of recording a task, on the in-memory ports: who may choose an id, a task id
 * names one request (also when a concurrent create wins), Pulsar's `expiry: 0`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, defineJob, TaskExistsError, ValidationError } from '../../lib/index.js';
import type { TaskStore } from '../../lib/store.js';
import { recordTask } from '../../lib/tasks/enqueue.js';
import { createTestQueue } from '../../lib/testing/index.js';

const runs: string[] = [];
const jobs = {
  add: defineJob({
    name: 'add',
    run: (ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => (runs.push(ctx.taskId), a + b),
  }),
  other: defineJob({ name: 'other', run: (ctx) => (runs.push(ctx.taskId), 'other') }),
  soon: defineJob({ name: 'soon', expires: 0, run: () => 'ran' }),
  tick: defineJob({ name: 'tick', runEvery: 60, run: () => 'tick' }),
};

/** A producer message delivered to the consumer directly. */
const deliver = (q: ReturnType<typeof createTestQueue<typeof jobs>>, body: object, messageId = 'm-1') =>
  q.runtime.consumer.handleMessage({ messageId, receiptHandle: messageId, body: JSON.stringify(body), attributes: {} });

describe('recordTask: a task id names one request', () => {
  it('an identical repeat (kwargs in any order, other timing options) is the task; another request is a ConflictError', async () => {
    const q = createTestQueue({ jobs });
    await q.queueTask('add', { a: 1, b: 2 }, { id: 'X', delay: 30 });
    // As stored: with the cost its enqueue recorded (the answer to the first call is the task as built).
    const first = await q.getTask('X');
    assert.deepEqual(await q.queueTask('add', { b: 2, a: 1 }, { id: 'X', delay: 90, expiry: 5 }), first);
    for (const [job, kwargs] of [
      ['other', {}],
      ['add', { a: 1, b: 3 }],
      ['add', { a: 1 }],
    ] as const) {
      await assert.rejects(q.queueTask(job, kwargs, { id: 'X' }), (err: unknown) => {
        assert.ok(err instanceof ConflictError);
        assert.match(err.message, /^task X exists for job "add"(, not "other"| with other kwargs)/);
        assert.deepEqual(err.task, first);
        return true;
      });
    }
    assert.deepEqual(await q.getTask('X'), first);
  });

  it('the same rule when a concurrent create wins the race', async () => {
    const q = createTestQueue({ jobs });
    await q.queueTask('add', { a: 1 }, { id: 'raced' });
    // The id's first look finds nothing, as when the other call creates it just after.
    let looks = 0;
    const store: TaskStore = {
      ...q.runtime.store,
      getTask: (id) => (looks++ ? q.runtime.store.getTask(id) : Promise.resolve(undefined)),
    };
    const deps = { ...q.runtime, store };
    await assert.rejects(
      recordTask(deps as never, 'add', { a: 2 }, { id: 'raced' }),
      (err) => err instanceof ConflictError && err.task.kwargs.a === 1,
    );
    looks = 0;
    const same = await recordTask(deps as never, 'add', { a: 1 }, { id: 'raced' });
    assert.equal(same?.created, false);
    assert.deepEqual(same?.task.kwargs, { a: 1 });
    // Without the look, the create itself refuses the taken id.
    await assert.rejects(q.runtime.store.createTask({ ...same!.task }), TaskExistsError);
  });
});

describe('ids a caller cannot give', () => {
  it('queue_task refuses an id with a colon, writing nothing; the scheduler derives its own', async () => {
    const q = createTestQueue({ jobs });
    const slot = q.clock.now();
    const periodic = (await q.fire('tick', slot)).task!.id;
    assert.match(periodic, /^tick:\d{8}T\d{6}Z$/);
    for (const id of ['tick:20990101T000000Z', 'a:b', 'sqs:1']) {
      await assert.rejects(q.queueTask('add', {}, { id }), /no ":"/);
      assert.equal(await q.getTask(id), undefined);
    }
    assert.equal((await q.fire('tick', slot)).task?.name, 'tick');
  });

  it('a producer message: its id may not have a colon; without one the id is sqs:<message id>', async () => {
    const q = createTestQueue({ jobs });
    await deliver(q, { v: 1, job: 'add', kwargs: { a: 1 }, id: 'tick:20990101T000000Z' });
    assert.equal(await q.getTask('tick:20990101T000000Z'), undefined);
    assert.match(q.deadLetters()[0].reason ?? '', /no ":"/);
    await deliver(q, { v: 1, job: 'add', kwargs: { a: 5 } }, 'msg-7');
    assert.equal((await q.getTask('sqs:msg-7'))?.result, 5);
  });

  it('a producer message reusing an id for another request is dead-lettered; the task is as it was', async () => {
    const q = createTestQueue({ jobs });
    await q.queueTask('add', { a: 1 }, { id: 'mine', delay: 60 });
    const task = await q.getTask('mine');
    await deliver(q, { v: 1, job: 'other', kwargs: {}, id: 'mine' });
    await deliver(q, { v: 1, job: 'add', kwargs: { a: 666 }, id: 'mine' });
    assert.deepEqual(await q.getTask('mine'), task);
    assert.deepEqual(
      q.deadLetters().map((d) => d.reason),
      [
        'task mine exists for job "add", not "other": a task id names one request',
        'task mine exists for job "add" with other kwargs: a task id names one request',
      ],
    );
    await q.run();
    assert.equal((await q.getTask('mine'))?.result, 1);
  });
});

describe("Pulsar's own behaviour: expiry 0, job_list", () => {
  it('a queue_task expiry of 0 is recorded and ends REVOKED without running; a job expires of 0 is none', async () => {
    const q = createTestQueue({ jobs });
    const task = (await q.queueTask('add', { a: 1 }, { expiry: 0 }))!;
    assert.equal(task.expiry, task.timeQueued);
    await q.run();
    const done = await q.getTask(task.id);
    assert.deepEqual([done?.status, done?.attempts], ['REVOKED', 0]);
    assert.ok(!runs.includes(task.id));
    assert.equal((await q.runTask('soon', {})).status, 'SUCCESS');
    await assert.rejects(q.queueTask('add', {}, { expiry: -1 }), ValidationError);
  });

  it('job_list leaves out the names it does not know', async () => {
    const q = createTestQueue({ jobs });
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'job_list', params })))!);
    assert.deepEqual((await call({ jobnames: ['xxxxxx'] })).result, []);
    assert.deepEqual(
      (await call([['xxxxxx', 'add']])).result.map((j: { name: string }) => j.name),
      ['add'],
    );
  });
});
