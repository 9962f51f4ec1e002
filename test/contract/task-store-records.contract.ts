/**
 * Records and listings of the task store port: create/get, copies and JSON text, reads by
 * id, queryTasks (order, filters, paging, cursors), retention, deleteTasks, tasksInStatus.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { TaskExistsError, ValidationError } from '../../lib/errors.js';
import type { TaskQuery } from '../../lib/store.js';
import type { Task } from '../../lib/task.js';
import { ids, storeTest, type StoreFactory, type StoreWorld } from './store-fixture.js';

/** Every page of a query, following its cursors; each page's task ids and whether it had a cursor. */
async function pages(w: StoreWorld, query: TaskQuery): Promise<{ ids: string[]; more: boolean }[]> {
  const out: { ids: string[]; more: boolean }[] = [];
  let cursor: string | undefined;
  do {
    const page = await w.store.queryTasks({ ...query, cursor });
    out.push({ ids: ids(page.tasks), more: page.cursor !== null });
    cursor = page.cursor ?? undefined;
  } while (cursor && out.length < 50);
  return out;
}

/** Create tasks queued one second apart, oldest first, so listings are newest first: ids reversed. */
async function createInOrder(w: StoreWorld, count: number, over: Partial<Task> = {}): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `t${String(i).padStart(2, '0')}`;
    await w.create(id, { timeQueued: w.now - 1000 + i, ...over });
    made.push(id);
  }
  return made.reverse();
}

/** A ready task whose end was `age` seconds ago. */
async function finishedAgo(w: StoreWorld, id: string, age: number): Promise<void> {
  await w.start(id);
  assert.ok(await w.store.finishTask(id, 1, { status: 'SUCCESS', resultJson: '1', time: w.now - age }));
}

export function taskStoreRecordsContract(factory: StoreFactory): void {
  const test = storeTest(factory);

  describe('createTask and getTask', () => {
    test('a created task reads back as written, every enqueue field kept', async (w) => {
      const task = w.newTask('a', {
        name: 'email',
        kwargs: { to: 'x@example.com', nested: { list: [1, 'two', null, { deep: true }] } },
        eta: w.now + 5.25,
        expiry: w.now + 60,
        fromTask: 'parent',
        lockId: 'lock-1',
        caller: 'alice',
      });
      await w.store.createTask(task);
      assert.deepEqual(await w.store.getTask('a'), task);
    });

    test('run bookkeeping on a new task is not stored: only the enqueue fields are', async (w) => {
      const task = w.newTask('a', { status: 'STARTED', attempts: 2 });
      await w.store.createTask({
        ...task,
        worker: 'w1',
        leaseUntil: w.now + 30,
        timeStarted: w.now,
        timeEnded: w.now,
        result: 42,
        error: 'e',
        stack: 's',
        errors: [{ attempt: 1, error: 'e', time: w.now }],
        sendError: 'x',
        revokeRequested: true,
        deadLettered: true,
        resends: 3,
      });
      assert.deepEqual(await w.store.getTask('a'), task);
    });

    test('an id that exists: TaskExistsError naming it, and the first record stays', async (w) => {
      const first = await w.create('a');
      await assert.rejects(
        w.store.createTask(w.newTask('a', { kwargs: { n: 2 }, name: 'other' })),
        (err) => err instanceof TaskExistsError && err.taskId === 'a',
      );
      assert.deepEqual(await w.store.getTask('a'), first);
    });

    test('an unknown id reads as undefined', async (w) => {
      assert.equal(await w.store.getTask('nope'), undefined);
    });

    test('kwargs are stored as JSON text: they read back as JSON.parse(JSON.stringify(kwargs))', async (w) => {
      await w.create('a', {
        kwargs: { gone: undefined, when: new Date(0), nan: Number.NaN, nested: { u: undefined } },
      });
      assert.deepEqual((await w.store.getTask('a'))?.kwargs, {
        when: '1970-01-01T00:00:00.000Z',
        nan: null,
        nested: {},
      });
      await assert.rejects(w.store.createTask(w.newTask('b', { kwargs: { big: 1n } })), TypeError);
      assert.equal(await w.store.getTask('b'), undefined);
    });

    test('copies in and out: changing a task given or returned does not change the store', async (w) => {
      const task = w.newTask('a', { kwargs: { list: [1], inner: { x: 1 } } });
      await w.store.createTask(task);
      (task.kwargs.list as number[]).push(2);
      task.status = 'SUCCESS';
      const read = (await w.store.getTask('a'))!;
      assert.deepEqual(read.kwargs, { list: [1], inner: { x: 1 } });
      (read.kwargs.inner as { x: number }).x = 99;
      read.attempts = 7;
      const claim = await w.store.claimTask({ id: 'a', now: w.now, leaseUntil: w.now + 30, worker: 'w1' });
      assert.deepEqual(claim.task?.kwargs, { list: [1], inner: { x: 1 } });
      assert.equal(claim.task?.attempts, 1);
      claim.task!.worker = 'intruder';
      const errors = [{ attempt: 1, error: 'e', time: w.now }];
      await w.store.finishTask('a', 1, { status: 'SUCCESS', resultJson: '{"r":[1]}', time: w.now + 1, errors });
      errors[0].error = 'changed';
      const [listed] = (await w.store.queryTasks({ name: 'job', limit: 10 })).tasks;
      (listed.result as { r: number[] }).r.push(2);
      const again = (await w.store.getTasks(['a']))[0];
      assert.equal(again.worker, 'w1');
      assert.deepEqual(again.result, { r: [1] });
      assert.deepEqual(again.errors, [{ attempt: 1, error: 'e', time: w.now }]);
      assert.notEqual(await w.store.getTask('a'), await w.store.getTask('a'));
    });
  });

  describe('getTasks', () => {
    test('the tasks that exist, in the asked order; a repeated id comes back repeated', async (w) => {
      await w.create('a');
      await w.create('b');
      assert.deepEqual(ids(await w.store.getTasks(['b', 'nope', 'a', 'b'])), ['b', 'a', 'b']);
      assert.deepEqual(await w.store.getTasks([]), []);
    });
  });

  describe('queryTasks', () => {
    test('newest first by time queued, then by id, the time counted in milliseconds', async (w) => {
      const t = w.now - 500;
      await w.create('old', { timeQueued: t - 10 });
      await w.create('mid', { timeQueued: t - 5 });
      // Same millisecond: the larger id lists first, though its time is a little earlier.
      await w.create('x-b', { timeQueued: t });
      await w.create('x-a', { timeQueued: t + 0.0004 });
      await w.create('new', { timeQueued: t + 1 });
      // Same second, different milliseconds: time decides, not the id.
      await w.create('p', { timeQueued: t + 2.5 });
      await w.create('q', { timeQueued: t + 2.2 });
      const page = await w.store.queryTasks({ limit: 10 });
      assert.deepEqual(ids(page.tasks), ['p', 'q', 'new', 'x-b', 'x-a', 'mid', 'old']);
      assert.equal(page.cursor, null);
    });

    test('filters by job, status, parent, and together', async (w) => {
      const at = (i: number) => w.now - 100 + i;
      await w.create('q1', { name: 'a', timeQueued: at(1) });
      await w.create('r1', { name: 'a', status: 'RETRY', attempts: 1, timeQueued: at(2) });
      await w.create('s1', { name: 'b', status: 'STARTED', attempts: 1, timeQueued: at(3) });
      await w.create('ok1', { name: 'b', status: 'SUCCESS', attempts: 1, timeQueued: at(4) });
      await w.create('c1', { name: 'a', fromTask: 'q1', timeQueued: at(5) });
      await w.create('c2', { name: 'b', status: 'SUCCESS', attempts: 1, fromTask: 'q1', timeQueued: at(6) });
      const q = async (query: Omit<TaskQuery, 'limit'>) =>
        ids((await w.store.queryTasks({ limit: 50, ...query })).tasks);
      assert.deepEqual(await q({}), ['c2', 'c1', 'ok1', 's1', 'r1', 'q1']);
      assert.deepEqual(await q({ status: 'QUEUED' }), ['c1', 'q1']);
      assert.deepEqual(await q({ status: 'RETRY' }), ['r1']);
      assert.deepEqual(await q({ status: 'STARTED' }), ['s1']);
      assert.deepEqual(await q({ status: 'SUCCESS' }), ['c2', 'ok1']);
      assert.deepEqual(await q({ status: 'FAILURE' }), []);
      assert.deepEqual(await q({ name: 'a' }), ['c1', 'r1', 'q1']);
      assert.deepEqual(await q({ fromTask: 'q1' }), ['c2', 'c1']);
      assert.deepEqual(await q({ name: 'b', status: 'SUCCESS' }), ['c2', 'ok1']);
      assert.deepEqual(await q({ fromTask: 'q1', status: 'QUEUED' }), ['c1']);
      assert.deepEqual(await q({ fromTask: 'q1', name: 'a' }), ['c1']);
      assert.deepEqual(await q({ name: 'none' }), []);
    });

    test('a listing by status follows status changes', async (w) => {
      await w.start('a');
      await w.store.finishTask('a', 1, { status: 'FAILURE', error: 'x', time: w.now + 1 });
      const q = async (query: Omit<TaskQuery, 'limit'>) =>
        ids((await w.store.queryTasks({ limit: 5, ...query })).tasks);
      assert.deepEqual(await q({ status: 'FAILURE' }), ['a']);
      assert.deepEqual(await q({ status: 'STARTED' }), []);
    });

    test('pages over more tasks than the limit, with a cursor until the last page', async (w) => {
      const all = await createInOrder(w, 7);
      // By job: the same paging as an unfiltered listing, over 8 index partitions instead of 32.
      const got = await pages(w, { name: 'job', limit: 3 });
      assert.deepEqual(got, [
        { ids: all.slice(0, 3), more: true },
        { ids: all.slice(3, 6), more: true },
        { ids: all.slice(6), more: false },
      ]);
    });

    test('a page that ends on the last task still has a cursor; the page after it is empty', async (w) => {
      const all = await createInOrder(w, 6);
      assert.deepEqual(await pages(w, { name: 'job', limit: 3 }), [
        { ids: all.slice(0, 3), more: true },
        { ids: all.slice(3), more: true },
        { ids: [], more: false },
      ]);
    });

    test('paging with a filter that skips tasks: a page is cut after five reads, short, with a cursor', async (w) => {
      // Newest first: 4 STARTED, q-new, 5 STARTED, q-old. STARTED shares the pending index with QUEUED.
      const started = (i: number, timeQueued: number) =>
        w.create(`s${i}`, { status: 'STARTED', attempts: 1, timeQueued });
      await w.create('q-old', { timeQueued: w.now - 500 });
      for (let i = 0; i < 5; i++) await started(i, w.now - 400 + i);
      await w.create('q-new', { timeQueued: w.now - 300 });
      for (let i = 5; i < 9; i++) await started(i, w.now - 200 + i);
      assert.deepEqual(await pages(w, { status: 'QUEUED', limit: 1 }), [
        { ids: ['q-new'], more: true },
        { ids: [], more: true },
        { ids: ['q-old'], more: true },
        { ids: [], more: false },
      ]);
      assert.deepEqual(await pages(w, { status: 'QUEUED', limit: 10 }), [{ ids: ['q-new', 'q-old'], more: false }]);
    });

    test("a listing by parent or by job reads only that parent's or job's tasks: no short pages", async (w) => {
      await w.create('child', { name: 'x', fromTask: 'p', timeQueued: w.now - 500 });
      for (let i = 0; i < 6; i++) await w.create(`o${i}`, { name: 'other', timeQueued: w.now - 400 + i });
      for (const query of [{ fromTask: 'p' }, { name: 'x' }]) {
        assert.deepEqual(await pages(w, { ...query, limit: 1 }), [
          { ids: ['child'], more: true },
          { ids: [], more: false },
        ]);
      }
    });

    test('with ids: those tasks that match the filters, in the asked order, all of them, no cursor', async (w) => {
      await w.create('a');
      await w.create('b');
      await w.create('c', { status: 'SUCCESS' });
      const page = await w.store.queryTasks({ ids: ['c', 'b', 'nope', 'a'], status: 'QUEUED', limit: 1 });
      assert.deepEqual(ids(page.tasks), ['b', 'a']);
      assert.equal(page.cursor, null);
    });

    test('a cursor that no listing returned is refused with ValidationError', async (w) => {
      await createInOrder(w, 3);
      const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const cursor of ['garbage!!', forged({ k: 'nope' }), forged({ k: 12 }), forged(['00000000000001#a'])]) {
        await assert.rejects(w.store.queryTasks({ limit: 2, cursor }), ValidationError, cursor);
        await assert.rejects(w.store.queryTasks({ limit: 2, cursor, name: 'job' }), ValidationError, cursor);
      }
      const { cursor } = await w.store.queryTasks({ name: 'job', limit: 2 });
      assert.equal(typeof cursor, 'string');
      assert.equal((await w.store.queryTasks({ name: 'job', limit: 2, cursor: cursor! })).tasks.length, 1);
    });
  });

  describe('retention', () => {
    test('a ready task reads as absent once its retention has passed since it ended', async (w) => {
      await finishedAgo(w, 'gone', w.retentionSeconds + 10);
      await finishedAgo(w, 'kept', w.retentionSeconds - 100);
      await w.create('ended');
      await w.store.endIdle('ended', { status: 'REVOKED', time: w.now - w.retentionSeconds - 10, reason: 'x' });
      for (const id of ['gone', 'ended']) {
        assert.equal(await w.store.getTask(id), undefined, id);
        assert.deepEqual(
          await w.store.claimTask({ id, now: w.now, leaseUntil: w.now + 30, worker: 'w' }),
          { claimed: false, task: undefined },
          id,
        );
      }
      assert.deepEqual(ids(await w.store.getTasks(['gone', 'kept', 'ended'])), ['kept']);
      assert.deepEqual(ids((await w.store.queryTasks({ limit: 10 })).tasks), ['kept']);
      assert.deepEqual(ids((await w.store.queryTasks({ limit: 10, status: 'SUCCESS' })).tasks), ['kept']);
      assert.deepEqual(await w.store.deleteTasks(['gone', 'kept', 'ended']), ['kept']);
    });

    test('an id whose task is past retention can be queued again', async (w) => {
      await finishedAgo(w, 'a', w.retentionSeconds + 10);
      assert.equal(await w.store.getTask('a'), undefined);
      await w.store.createTask(w.newTask('a'));
      assert.equal((await w.store.getTask('a'))?.status, 'QUEUED');
    });

    test('a dead-lettered task past retention is gone: requeue does not bring it back', async (w) => {
      await w.create('a', { status: 'RETRY', attempts: 1 });
      const time = w.now - w.retentionSeconds - 10;
      await w.store.endIdle('a', { status: 'FAILURE', time, reason: 'dead', deadLettered: true });
      assert.equal(await w.store.getTask('a'), undefined);
      assert.equal(await w.store.requeue('a'), undefined);
      assert.equal(await w.store.getTask('a'), undefined);
    });
  });

  describe('deleteTasks and tasksInStatus', () => {
    test('deleteTasks deletes and returns the ids that existed, each once', async (w) => {
      await w.create('a');
      await w.create('b');
      assert.deepEqual(await w.store.deleteTasks(['a', 'nope', 'a', 'b']), ['a', 'b']);
      assert.equal(await w.store.getTask('a'), undefined);
      assert.deepEqual(await w.store.deleteTasks(['a']), []);
      assert.deepEqual(await w.store.deleteTasks([]), []);
      await w.create('a');
      assert.equal((await w.store.getTask('a'))?.status, 'QUEUED');
    });

    test('deleteTasks leaves a task a live run holds (its outcome must not land on a new task of that id)', async (w) => {
      await w.create('running');
      await w.store.claimTask({ id: 'running', now: w.now, leaseUntil: w.now + 60, worker: 'w1' });
      await w.create('crashed', { status: 'STARTED', attempts: 1, leaseUntil: w.now - 5 });
      assert.deepEqual(await w.store.deleteTasks(['running', 'crashed']), ['crashed']);
      assert.equal((await w.store.getTask('running'))?.status, 'STARTED');
    });

    test('tasksInStatus yields every task in those statuses, status by status, newest first, no empty page', async (w) => {
      await w.create('q1', { timeQueued: w.now - 50 });
      await w.create('q2', { timeQueued: w.now - 40 });
      await w.create('r1', { status: 'RETRY', attempts: 1, timeQueued: w.now - 30 });
      await w.create('s1', { status: 'STARTED', attempts: 1, timeQueued: w.now - 20 });
      await w.create('ok', { status: 'SUCCESS', attempts: 1, timeQueued: w.now - 10 });
      const seen: string[][] = [];
      for await (const page of w.store.tasksInStatus(['QUEUED', 'FAILURE', 'RETRY'])) seen.push(ids(page));
      assert.deepEqual(seen, [['q2', 'q1'], ['r1']]);
    });
  });
}
