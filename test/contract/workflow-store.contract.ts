/**
 * The workflow verbs of the task store port (lib/workflow-store.ts): the workflow item, the
 * join counted once per member across shards, and the moves of a WAITING task.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Task } from '../../lib/task.js';
import type { WorkflowRecord } from '../../lib/workflow-store.js';
import { ids, storeTest, type StoreFactory } from './store-fixture.js';

export function workflowStoreContract(factory: StoreFactory): void {
  const test = storeTest(factory);
  const record = (id: string, now: number, over: Partial<WorkflowRecord> = {}): WorkflowRecord => ({
    id,
    kind: 'chord',
    size: 3,
    policy: 'all',
    linkError: { job: 'alert', kwargs: { to: ['ops'], n: 1 } },
    depth: 1,
    timeQueued: now,
    request: 'r1',
    ...over,
  });

  describe('workflow items', () => {
    test('created once: the second create answers the record that holds the id; read back as written', async (w) => {
      const flow = record('f', w.now, { parent: 'p', fromTask: 'p', caller: 'me' });
      assert.equal(await w.store.createWorkflow(flow), undefined);
      assert.deepEqual(await w.store.createWorkflow({ ...flow, request: 'r2' }), flow);
      assert.deepEqual(await w.store.getWorkflow('f'), flow);
      assert.equal(await w.store.getWorkflow('nope'), undefined);
      assert.equal((await w.store.getTask('f')) ?? undefined, undefined, 'workflows and tasks do not share ids');
    });

    test('ended once: the first status stands', async (w) => {
      await w.store.createWorkflow(record('f', w.now));
      assert.equal(await w.store.endWorkflow('f', { status: 'FAILURE', time: w.now + 1 }), true);
      assert.equal(await w.store.endWorkflow('f', { status: 'SUCCESS', time: w.now + 2 }), false);
      assert.deepEqual(await w.store.getWorkflow('f'), {
        ...record('f', w.now),
        status: 'FAILURE',
        timeEnded: w.now + 1,
      });
      assert.equal(await w.store.endWorkflow('nope', { status: 'SUCCESS', time: w.now }), false);
    });
  });

  describe('the join', () => {
    test('each member counts once; complete once every member is, across shards of 200', async (w) => {
      const size = 450;
      const count = (index: number, status: 'SUCCESS' | 'FAILURE' | 'REVOKED' = 'SUCCESS') =>
        w.store.countMember('f', { index, status, size });
      for (let i = 0; i < size - 1; i++) {
        const status = i === 7 ? 'FAILURE' : i === 300 ? 'REVOKED' : 'SUCCESS';
        assert.deepEqual(await count(i, status), { counted: true, complete: false }, `member ${i}`);
      }
      assert.deepEqual(await count(7), { counted: false, complete: false }, 'again: not counted twice');
      assert.deepEqual(await count(449), { counted: true, complete: true });
      assert.deepEqual(await count(449), { counted: false, complete: true }, 'complete stays true');
      const join = await w.store.readJoin('f', size);
      assert.equal(join.counted.size, size);
      assert.deepEqual({ failed: join.failed, revoked: join.revoked }, { failed: 1, revoked: 1 });
    });

    test('read before any count: nothing counted; counts are per workflow', async (w) => {
      await w.store.countMember('g', { index: 1, status: 'SUCCESS', size: 2 });
      const join = await w.store.readJoin('f', 2);
      assert.deepEqual([...join.counted], []);
      assert.deepEqual([...(await w.store.readJoin('g', 2)).counted], [1]);
    });

    test('concurrent counts of the same members: each counted once, one call sees it complete first', async (w) => {
      const size = 40;
      const calls = Array.from({ length: size * 2 }, (_, i) =>
        w.store.countMember('f', { index: i % size, status: 'SUCCESS', size }),
      );
      const results = await Promise.all(calls);
      assert.equal(results.filter((r) => r.counted).length, size);
      assert.ok(results.some((r) => r.complete));
    });
  });

  describe('WAITING tasks', () => {
    const waiting = (w: { newTask(id: string, over?: Partial<Task>): Task }, id: string) =>
      w.newTask(id, { status: 'WAITING' });

    test('are not claimable, and not ended as idle tasks are', async (w) => {
      await w.store.createTask(waiting(w, 'a'));
      assert.equal(
        (await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w' })).claimed,
        false,
      );
      assert.equal(await w.store.endIdle('a', { status: 'REVOKED', time: w.now, reason: 'x' }), undefined);
      assert.equal((await w.store.getTask('a'))?.status, 'WAITING');
    });

    test('released once: QUEUED, due at the release, with its expiry; then claimable', async (w) => {
      await w.store.createTask(waiting(w, 'a'));
      await w.store.markResent('a', 0);
      const released = await w.store.releaseTask('a', { time: w.now, expiry: w.now + 60 });
      assert.deepEqual(released, { ...waiting(w, 'a'), status: 'QUEUED', eta: w.now, expiry: w.now + 60 });
      assert.equal(await w.store.releaseTask('a', { time: w.now }), undefined);
      assert.equal(
        (await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w' })).claimed,
        true,
      );
      assert.equal(await w.store.releaseTask('nope', { time: w.now }), undefined);
    });

    test('released without an expiry: claimable, read back without one', async (w) => {
      await w.store.createTask(waiting(w, 'a'));
      const released = await w.store.releaseTask('a', { time: w.now });
      assert.equal(released?.expiry, undefined);
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w' });
      assert.equal(claim.claimed, true);
      assert.equal(claim.task?.expiry, undefined);
    });

    test('kwargs too large for the head: kept through release, claim and end; listed by status as it moves', async (w) => {
      const kwargs = { pad: 'x'.repeat(10 * 1024) };
      await w.store.createTask(w.newTask('a', { status: 'WAITING', kwargs }));
      await w.store.createTask(w.newTask('b', { status: 'WAITING', kwargs }));
      const listed = async (status: Task['status']) =>
        (await w.store.queryTasks({ status, limit: 10 })).tasks.map((t) => t.id).sort();
      assert.deepEqual(await listed('WAITING'), ['a', 'b']);
      assert.deepEqual((await w.store.releaseTask('a', { time: w.now }))?.kwargs, kwargs);
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w' });
      assert.deepEqual(claim.task?.kwargs, kwargs);
      const b = await w.store.endWaiting('b', { status: 'SUCCESS', resultJson: '3', time: w.now });
      assert.deepEqual(b?.kwargs, kwargs);
      assert.deepEqual(await listed('WAITING'), []);
      assert.deepEqual(await listed('STARTED'), ['a']);
      assert.deepEqual(await listed('SUCCESS'), ['b']);
      assert.deepEqual((await w.store.getTask('b'))?.kwargs, kwargs);
    });

    test('suspended by the attempt that holds the claim only', async (w) => {
      const started = await w.start('a');
      assert.equal(await w.store.suspendTask('a', started.attempts + 1), undefined);
      const suspended = await w.store.suspendTask('a', started.attempts);
      assert.equal(suspended?.status, 'WAITING');
      assert.equal(suspended?.leaseUntil, undefined);
      assert.equal(await w.store.suspendTask('a', started.attempts), undefined);
      // Waiting now: not claimable, not ended as an idle task, listed WAITING.
      const later = w.now + 60;
      assert.equal(
        (await w.store.claimTask({ id: 'a', now: later, leaseUntil: later + 30, worker: 'w' })).claimed,
        false,
      );
      assert.equal(await w.store.endIdle('a', { status: 'REVOKED', time: later, reason: 'x' }), undefined);
      assert.deepEqual(ids((await w.store.queryTasks({ status: 'WAITING', limit: 10 })).tasks), ['a']);
    });

    test('ended once, with an outcome: a result, or an error; a task not WAITING is left as it is', async (w) => {
      await w.store.createTask(waiting(w, 'a'));
      await w.store.createTask(waiting(w, 'b'));
      await w.create('c');
      const a = await w.store.endWaiting('a', { status: 'SUCCESS', resultJson: '{"n":[1,2]}', time: w.now });
      assert.deepEqual(a, { ...waiting(w, 'a'), status: 'SUCCESS', result: { n: [1, 2] }, timeEnded: w.now });
      assert.equal(await w.store.endWaiting('a', { status: 'REVOKED', error: 'late', time: w.now }), undefined);
      const b = await w.store.endWaiting('b', { status: 'REVOKED', error: 'revoked', time: w.now });
      assert.deepEqual(b, { ...waiting(w, 'b'), status: 'REVOKED', error: 'revoked', timeEnded: w.now });
      assert.equal(await w.store.endWaiting('c', { status: 'REVOKED', error: 'x', time: w.now }), undefined);
      assert.deepEqual(await w.store.getTasks(['a', 'b']), [a, b]);
    });
  });
}
