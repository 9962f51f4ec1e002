/**
 * Workflows on the in-memory ports and a fake clock (skytask/testing): chains, groups,
 * chords, parents awaiting children, their failures, revoke and the reconciler's repairs.
 * The same rules against the emulators: test/emulator/workflows.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callbackTaskId,
  chain,
  chord,
  errorTaskId,
  group,
  type Signature,
  signature,
  ValidationError,
  WorkflowConflictError,
  workflowTaskId,
} from '../../lib/index.js';
import { createDirectClient } from '../../lib/client/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import * as jobs from '../fixtures/workflow-jobs.js';

const { add, double, sum, tally, boom, handled, report, big, lengths } = jobs;
const setup = () => createTestQueue({ jobs });

describe('chain', () => {
  it("runs each step with the result of the one before; the workflow's result is the last step's", async () => {
    const q = setup();
    const queued = await q.queueWorkflow(chain(signature(add, { a: 1, b: 2 }), signature(double), signature(double)));
    assert.deepEqual(
      queued.members.map((t) => t.status),
      ['QUEUED', 'WAITING', 'WAITING'],
    );
    assert.equal(queued.resultTask, workflowTaskId(queued.id, 2));
    await q.run();
    const done = await q.getWorkflow(queued.id);
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 12);
    assert.deepEqual(
      done.members.map((t) => t.result),
      [3, 6, 12],
    );
    assert.deepEqual(done.counts, { total: 3, pending: 0, succeeded: 3, failed: 0, revoked: 0 });
  });

  it('a failed step ends the later ones REVOKED and queues the error path once, with the failed task as input', async () => {
    const q = setup();
    const spec = chain(
      signature(add, { a: 1, b: 1 }),
      signature(boom, { message: 'no' }),
      signature(double),
      signature(double),
      { linkError: signature(handled) },
    );
    const { id } = await q.queueWorkflow(spec);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'FAILURE');
    assert.deepEqual(
      done.members.map((t) => t.status),
      ['SUCCESS', 'FAILURE', 'REVOKED', 'REVOKED'],
    );
    assert.match(done.members[2].error!, /not run: step .*:1 ended FAILURE: no/);
    assert.equal(done.linkError?.task?.status, 'SUCCESS');
    assert.equal(done.linkError?.task?.result, `handled ${workflowTaskId(id, 1)}: no`);
    assert.deepEqual(done.counts, { total: 4, pending: 0, succeeded: 1, failed: 1, revoked: 2 });
  });
});

describe('group', () => {
  it('queues its members at once, counted together', async () => {
    const q = setup();
    const { id, members } = await q.queueWorkflow(
      group([signature(add, { a: 1, b: 1 }), signature(boom), signature(add, { a: 2, b: 2 })]),
    );
    assert.ok(members.every((t) => t.status === 'QUEUED'));
    assert.equal((await q.getWorkflow(id)).counts.pending, 3);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'FAILURE');
    assert.deepEqual(done.counts, { total: 3, pending: 0, succeeded: 2, failed: 1, revoked: 0 });
    assert.equal(done.resultTask, undefined);
  });
});

describe('chord', () => {
  it('runs the callback once, after every member, with their results in order', async () => {
    const q = setup();
    const members = Array.from({ length: 25 }, (_, i) => signature(add, { a: i, b: 0 }));
    const queued = await q.queueWorkflow(chord(members, signature(sum)));
    assert.equal(queued.callback?.status, 'WAITING');
    await q.run();
    const done = await q.getWorkflow(queued.id, { limit: 10 });
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 300);
    assert.equal(jobs.runs.get(callbackTaskId(queued.id)), 1);
    assert.equal(done.members.length, 10);
    assert.ok(done.cursor);
    const next = await q.getWorkflow(queued.id, { limit: 100, cursor: done.cursor! });
    assert.deepEqual(
      next.members.map((t) => t.result),
      Array.from({ length: 15 }, (_, i) => i + 10),
    );
    assert.equal(next.cursor, null);
  });

  it("policy 'all': a failed member fails the callback at once, and the error path gets that member", async () => {
    const q = setup();
    const spec = chord([signature(add, { a: 1, b: 1 }), signature(boom, { message: 'bad member' })], signature(sum), {
      linkError: signature(handled),
    });
    const { id } = await q.queueWorkflow(spec);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'FAILURE');
    assert.equal(done.callback?.status, 'FAILURE');
    assert.match(done.callback!.error!, /member .*:1 ended FAILURE: bad member/);
    assert.equal(jobs.runs.get(callbackTaskId(id)), undefined, 'the callback never ran');
    assert.equal(done.linkError?.task?.fromTask, workflowTaskId(id, 1));
    assert.equal(done.linkError?.task?.result, `handled ${workflowTaskId(id, 1)}: bad member`);
    assert.equal((await q.getTask(errorTaskId(id)))?.status, 'SUCCESS');
  });

  it("policy 'all': the workflow says FAILURE at the first failure, while the other members still run", async () => {
    const q = setup();
    const later = signature(add, { a: 2, b: 2 }, { delay: 600 });
    const { id } = await q.queueWorkflow(chord([signature(boom, { message: 'early' }), later], signature(sum)));
    await q.run({ until: q.clock.now() + 60 });
    const failed = await q.getWorkflow(id);
    assert.equal(failed.status, 'FAILURE', 'its callback will never run');
    assert.ok(failed.timeEnded !== undefined);
    assert.deepEqual(failed.counts, { total: 2, pending: 1, succeeded: 0, failed: 1, revoked: 0 });
    assert.equal(failed.members[1].status, 'QUEUED');
    const client = createDirectClient({ runtime: q.runtime });
    assert.equal((await client.waitForWorkflow(id, { timeout: 1 })).status, 'FAILURE', 'waitForWorkflow returns then');
    await q.run();
    const settled = await q.getWorkflow(id);
    assert.deepEqual([settled.status, settled.timeEnded], ['FAILURE', failed.timeEnded]);
    assert.deepEqual(settled.counts, { total: 2, pending: 0, succeeded: 1, failed: 1, revoked: 0 });
  });

  it("policy 'allSettled': the callback runs with every member's outcome", async () => {
    const q = setup();
    const spec = chord(
      [signature(add, { a: 1, b: 1 }), signature(boom, { message: 'x' }), signature(add, { a: 2, b: 2 })],
      signature(tally),
      { policy: 'allSettled' },
    );
    const { id } = await q.queueWorkflow(spec);
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.result, { succeeded: 2, errors: ['FAILURE: x'] });
  });

  it('members whose results together exceed an item and a message: the callback reads them from their records', async () => {
    const q = setup();
    const members = Array.from({ length: 6 }, () => signature(big, { kb: 200 }));
    const { id } = await q.queueWorkflow(chord(members, signature(lengths)));
    await q.run();
    const done = await q.getWorkflow(id);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.result, Array(6).fill(200 * 1024));
  });

  it('queued again under its id: nothing new; with other tasks: a conflict, and nothing changed', async () => {
    const q = setup();
    const spec = chord([signature(add, { a: 1, b: 1 })], signature(sum), { id: 'nightly' });
    const first = await q.queueWorkflow(spec);
    const again = await q.queueWorkflow(spec);
    assert.equal(again.id, 'nightly');
    assert.equal(first.members[0].timeQueued, again.members[0].timeQueued);
    assert.equal(await q.runtime.queue.depth().then((d) => d.queued), 1, 'one message');
    await assert.rejects(
      q.queueWorkflow(chord([signature(add, { a: 9, b: 9 })], signature(sum), { id: 'nightly' })),
      WorkflowConflictError,
    );
    await q.run();
    assert.equal((await q.getWorkflow('nightly')).result, 2);
  });
});

describe('checks before anything is written', () => {
  it('a bad task is refused naming where it sits; no workflow, no task is written', async () => {
    const q = setup();
    const spec = chord(
      [signature(add, { a: 1, b: 1 }), signature('nope') as Signature<number>, signature(add, { a: 1, b: 1 })],
      signature(sum),
      { id: 'refused' },
    );
    await assert.rejects(q.queueWorkflow(spec), (err: Error) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /^members\[1\]: unknown job "nope"/);
      return true;
    });
    await assert.rejects(q.getWorkflow('refused'), /not found/);
    assert.equal(await q.getTask(workflowTaskId('refused', 0)), undefined);
    await assert.rejects(q.queueWorkflow(chain([])), /steps must be a list of 1 to 10000 tasks/);
    await assert.rejects(
      q.queueWorkflow(chain(signature(add, { a: 1, b: 1 }), signature(double, {}, { delay: 5 }))),
      /steps\[1\]: a task that waits for others takes no delay/,
    );
    await assert.rejects(q.queueWorkflow(group([signature(add, { a: 1, b: 1 })], { id: 'has:colon' })), /workflow id/);
  });
});

describe('a parent awaiting its children', () => {
  it('ends WAITING, holding no run, and takes its continuation’s result', async () => {
    const q = setup();
    const parent = (await q.queueTask('report', { n: 4 }))!;
    await q.run({ stopWhen: async () => (await q.getTask(parent.id))?.status === 'WAITING' });
    assert.equal((await q.getTask(parent.id))?.status, 'WAITING');
    await q.run();
    const done = (await q.getTask(parent.id))!;
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 12); // 0+0 + 1+1 + 2+2 + 3+3
    assert.equal(jobs.runs.get(parent.id), 1, 'the parent ran once');
    const children = await q.getTasks({ fromTask: parent.id });
    assert.equal(children.tasks.length, 5, 'four children and the continuation');
  });

  it('nests up to the depth limit', async () => {
    const q = setup();
    const ok = (await q.queueTask('nested', { depth: 3 }))!;
    await q.run();
    assert.equal((await q.getTask(ok.id))?.result, 1);
    const deep = (await q.queueTask('nested', { depth: 9 }))!;
    await q.run();
    const failed = (await q.getTasks({ name: 'nested', status: 'FAILURE' })).tasks;
    // The one at depth 8 could not queue its children; each parent above takes its continuation's failure.
    assert.equal(failed.length, 9);
    assert.equal(failed.filter((t) => /^workflows nest at most 8 deep/.test(t.error!)).length, 1);
    assert.match((await q.getTask(deep.id))!.error!, /^its continuation .* ended FAILURE: member .* ended FAILURE/);
  });
});

void report;
