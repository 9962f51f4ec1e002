/**
 * The edges of workflows on the in-memory ports: a member revoked, dead-lettered or
 * delivered twice, a callback that fails, revoking a workflow, a crash at each step of a
 * join (made good by a redelivery or the reconciler), 10,000 members queued in batches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callbackTaskId,
  chain,
  chord,
  defineJob,
  endTask,
  group,
  reconcile,
  signature,
  workflowTaskId,
} from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import * as jobs from '../fixtures/workflow-jobs.js';

const { add, double, sum, tally, boom, handled } = jobs;
const single = defineJob({ name: 'single', canOverlap: false, run: () => 1 });
const setup = () => createTestQueue({ jobs: { ...jobs, single } });

/** Claim and finish a task through the store alone: an end whose workflow steps a crash cut off. */
async function finishUnheard(q: ReturnType<typeof setup>, id: string, result: unknown) {
  const now = q.clock.now();
  const claim = await q.runtime.store.claimTask({ id, now, leaseUntil: now + 30, worker: 'w' });
  assert.ok(claim.claimed);
  await q.runtime.store.finishTask(id, claim.task.attempts, {
    status: 'SUCCESS',
    resultJson: JSON.stringify(result),
    time: now,
  });
}

describe('a member that does not succeed', () => {
  it("revoked: fails an 'all' chord; an 'allSettled' callback gets its outcome", async () => {
    const q = setup();
    const all = await q.queueWorkflow(
      chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(sum)),
    );
    const settled = await q.queueWorkflow(
      chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(tally), {
        policy: 'allSettled',
      }),
    );
    await q.revokeTask(workflowTaskId(all.id, 1));
    await q.revokeTask(workflowTaskId(settled.id, 0));
    await q.run();
    const a = await q.getWorkflow(all.id);
    assert.equal(a.status, 'FAILURE');
    assert.match(a.callback!.error!, /member .*:1 ended REVOKED: revoked/);
    assert.deepEqual(a.counts, { total: 2, pending: 0, succeeded: 1, failed: 0, revoked: 1 });
    assert.deepEqual((await q.getWorkflow(settled.id)).result, { succeeded: 1, errors: ['REVOKED: revoked'] });
  });

  it('dead-lettered: counted as the FAILURE it is', async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(
      chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(tally), {
        policy: 'allSettled',
      }),
    );
    const reason = 'dead-lettered after 5 deliveries: DynamoDB refused';
    await endTask(q.runtime, workflowTaskId(id, 0), { idle: 'FAILURE', reason, deadLettered: true });
    await q.run();
    assert.deepEqual((await q.getWorkflow(id)).result, { succeeded: 1, errors: [`FAILURE: ${reason}`] });
  });

  it('a callback that fails: the workflow fails, its error path runs once', async () => {
    const q = setup();
    const spec = chord([signature(add, { a: 1, b: 1 })], signature(boom, { message: 'callback broke' }), {
      linkError: signature(handled),
    });
    const { id } = await q.queueWorkflow(spec);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'FAILURE');
    assert.equal(done.linkError?.task?.result, `handled ${callbackTaskId(id)}: callback broke`);
  });

  it('a non-overlap member whose lock an equal task holds ends REVOKED, so the join still counts it', async () => {
    const q = setup();
    const holder = await q.queueTask('single');
    assert.ok(holder);
    const { id, members } = await q.queueWorkflow(group([signature(single), signature(add, { a: 1, b: 1 })]));
    assert.equal(members[0].status, 'REVOKED');
    assert.match(members[0].error!, /cannot overlap/);
    await q.run();
    assert.deepEqual((await q.getWorkflow(id)).counts, { total: 2, pending: 0, succeeded: 1, failed: 0, revoked: 1 });
  });
});

describe('counted once', () => {
  it("a member's message delivered again after it ended: no second count, one callback", async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(
      chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(sum)),
    );
    await q.run();
    for (const n of [0, 1, 0]) await q.runtime.queue.send({ id: workflowTaskId(id, n), job: 'add' });
    await q.runtime.queue.send({ id: callbackTaskId(id), job: 'sum' });
    await q.run();
    const done = await q.getWorkflow(id);
    assert.deepEqual(done.counts, { total: 2, pending: 0, succeeded: 2, failed: 0, revoked: 0 });
    assert.equal(done.result, 6);
    assert.equal(jobs.runs.get(callbackTaskId(id)), 1);
  });

  it('a message for a WAITING task is dropped: it cannot start early', async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
    await q.runtime.queue.send({ id: callbackTaskId(id), job: 'sum' });
    await q.run({ maxDeliveries: 1 }).catch(() => undefined);
    assert.equal(jobs.runs.get(callbackTaskId(id)), undefined);
  });
});

describe('a crash in the middle of a join', () => {
  it("between a member's end and its count: the next delivery of its message counts it", async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
    await q.runtime.queue.purge();
    await finishUnheard(q, workflowTaskId(id, 0), 2);
    assert.equal((await q.getWorkflow(id)).counts.pending, 1);
    await q.runtime.queue.send({ id: workflowTaskId(id, 0), job: 'add' });
    await q.run();
    assert.equal((await q.getWorkflow(id)).result, 2);
  });

  it("between a member's end and its count, the message gone too: the reconciler counts it", async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(
      chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(sum)),
    );
    await q.runtime.queue.purge();
    await finishUnheard(q, workflowTaskId(id, 0), 2);
    await finishUnheard(q, workflowTaskId(id, 1), 4);
    q.clock.advance(299);
    assert.equal((await reconcile(q.runtime, { olderThan: 300 })).waiting, 0, 'not yet');
    q.clock.advance(2);
    assert.equal((await reconcile(q.runtime, { olderThan: 300 })).waiting, 1);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.result, 6);
    assert.deepEqual(done.counts.pending, 0);
  });

  it('after a restart on a fresh queue (its messages lost), every WAITING task is looked at at once', async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
    await q.runtime.queue.purge();
    await finishUnheard(q, workflowTaskId(id, 0), 2);
    assert.equal(
      (await reconcile(q.runtime, { recovery: true, timerOnly: true })).waiting,
      0,
      'queue kept: not needed',
    );
    assert.equal((await reconcile(q.runtime, { recovery: true })).waiting, 1);
    await q.run();
    assert.equal((await q.getWorkflow(id)).result, 2);
  });

  it('between the last count and the release: the reconciler releases the callback', async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
    await q.runtime.queue.purge();
    await finishUnheard(q, workflowTaskId(id, 0), 2);
    await q.runtime.store.countMember(id, { index: 0, status: 'SUCCESS', size: 1 });
    assert.equal((await q.getTask(callbackTaskId(id)))?.status, 'WAITING');
    q.clock.advance(301);
    await reconcile(q.runtime, { olderThan: 300 });
    await q.run();
    assert.equal((await q.getWorkflow(id)).result, 2);
  });

  it("between a chain step's end and the next step's release: the reconciler releases it", async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chain(signature(add, { a: 1, b: 2 }), signature(double)));
    await q.runtime.queue.purge();
    await finishUnheard(q, workflowTaskId(id, 0), 3);
    q.clock.advance(301);
    await reconcile(q.runtime, { olderThan: 300 });
    await q.run();
    assert.equal((await q.getWorkflow(id)).result, 6);
  });

  it("a parent whose end its continuation's end could not write: the continuation's next delivery ends it", async () => {
    const q = setup();
    const parent = (await q.queueTask('report', { n: 2 }))!;
    const store = q.runtime.store;
    const endWaiting = store.endWaiting;
    let refusals = 1;
    store.endWaiting = (id, outcome) =>
      id === parent.id && refusals-- > 0 ? Promise.reject(new Error('DynamoDB went away')) : endWaiting(id, outcome);
    const report = await q.run();
    assert.equal(report.failedDeliveries, 1);
    const done = (await q.getTask(parent.id))!;
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 2);
  });
});

describe('revoke_workflow', () => {
  it('revokes the callback first, then every member not ready; the workflow ends REVOKED', async () => {
    const q = setup();
    const spec = chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(sum), {
      linkError: signature(handled),
    });
    const { id } = await q.queueWorkflow(spec);
    const result = await q.runtime.backend.revokeWorkflow(id);
    assert.deepEqual(result, { id, revoked: 3, requested: 0, ended: 0, more: false, cursor: null });
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'REVOKED');
    assert.equal(done.callback?.status, 'REVOKED');
    assert.equal(done.linkError?.task, undefined, 'no error path for a revoked workflow');
    assert.deepEqual(done.counts, { total: 2, pending: 0, succeeded: 0, failed: 0, revoked: 2 });
  });

  it('a chain: the first step revoked, the others follow', async () => {
    const q = setup();
    const { id } = await q.queueWorkflow(chain(signature(add, { a: 1, b: 2 }), signature(double), signature(double)));
    await q.runtime.backend.revokeWorkflow(id);
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'REVOKED');
    assert.deepEqual(
      done.members.map((t) => t.status),
      ['REVOKED', 'REVOKED', 'REVOKED'],
    );
  });

  it('a WAITING parent revoked: its children are revoked with it', async () => {
    const q = setup();
    const parent = (await q.queueTask('report', { n: 3 }))!;
    await q.run({ stopWhen: async () => (await q.getTask(parent.id))?.status === 'WAITING' });
    await q.revokeTask(parent.id);
    await q.run();
    const children = (await q.getTasks({ fromTask: parent.id })).tasks;
    assert.ok(children.length === 4 && children.every((t) => t.status === 'REVOKED'));
  });
});

describe('10,000 members', () => {
  it('are queued in SendMessageBatch requests of 10, not one request each, and counted', async () => {
    const q = setup();
    const calls = { send: 0, sendBatch: 0 };
    const queue = q.runtime.queue;
    const { send, sendBatch } = queue;
    queue.send = (...args) => (calls.send++, send.apply(queue, args));
    queue.sendBatch = (items) => (calls.sendBatch++, sendBatch.call(queue, items));
    const members = Array.from({ length: 10_000 }, (_, i) => signature(add, { a: i, b: 1 }));
    const queued = await q.queueWorkflow(chord(members, signature(sum)));
    assert.deepEqual(calls, { send: 0, sendBatch: 1000 });
    assert.equal(queued.members.length, 100, 'the first page');
    await q.run({ maxDeliveries: 20_000 });
    const done = await q.getWorkflow(queued.id, { limit: 0 });
    assert.equal(done.result, (9999 * 10_000) / 2 + 10_000);
    assert.equal(done.counts.succeeded, 10_000);
  });
});
