/** The reconciler on the in-memory ports and a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createLogger,
  createRegistry,
  defineJob,
  queueTask,
  reconcile,
  taskDeps,
  type TaskQueue,
  type TaskTimer,
} from '../../lib/index.js';
import { createFakeClock, createMemoryQueue, createMemoryStore, type FakeClock } from '../../lib/testing/index.js';
import { reconciled } from '../reconcile-result.js';

const jobs = [defineJob({ name: 'job', run: () => 1 })];

/** A memory store on the fake clock, and the deps of `jobs` over it and the test's queue (and timer). */
function memoryDeps(clock: FakeClock, ports: { queue: TaskQueue; timer?: TaskTimer }) {
  const store = createMemoryStore({ clock: clock.now });
  const registry = createRegistry(jobs);
  const deps = taskDeps({ store, ...ports, registry, logger: createLogger({ level: 'silent' }), clock: clock.now });
  return { store, deps };
}

describe('reconcile', () => {
  it("restart recovery sends a STARTED task's message for when its dead run's lease lapses", async () => {
    const clock = createFakeClock();
    const queue = createMemoryQueue({ clock: clock.now });
    const { store, deps } = memoryDeps(clock, { queue });
    await store.createTask({
      id: 'r',
      name: 'job',
      status: 'QUEUED',
      kwargs: {},
      timeQueued: clock.now(),
      attempts: 0,
    });
    await store.claimTask({ id: 'r', now: clock.now(), leaseUntil: clock.now() + 30, worker: 'dead' });
    assert.equal((await reconcile(deps, { recovery: true })).resent, 1);
    // Delivered before the lease lapses, it would be dropped as a duplicate of a live run.
    assert.deepEqual(await queue.depth(), { queued: 0, delayed: 1, inFlight: 0 });
    clock.advance(31);
    assert.equal((await queue.receive(10, 0)).length, 1);
  });

  it("one task's failed send does not stop the pass: the others get their message", async () => {
    const clock = createFakeClock();
    const memory = createMemoryQueue({ clock: clock.now });
    // A queue that refuses the message of task "a" only.
    const queue: TaskQueue = {
      ...memory,
      send: (envelope, delay) =>
        envelope.id === 'a' ? Promise.reject(new Error('throttled')) : memory.send(envelope, delay),
    };
    const { store, deps } = memoryDeps(clock, { queue });
    for (const id of ['a', 'b']) {
      await store.createTask({ id, name: 'job', status: 'QUEUED', kwargs: {}, timeQueued: clock.now(), attempts: 0 });
    }
    clock.advance(301); // past reconcileAfter: both lost their message
    const result = await reconcile(deps, { olderThan: 300 });
    assert.equal(result.resent, 1);
    assert.equal(result.failedSends, 1);
    assert.equal((await memory.receive(10, 0)).length, 1, "b's message was sent");
    assert.match((await store.getTask('a'))?.sendError ?? '', /throttled/);
  });

  it("a timer's schedule that never delivered (EventBridge gave up, or the message was lost): the reconciler sends it once past due", async () => {
    const clock = createFakeClock();
    const queue = createMemoryQueue({ clock: clock.now });
    const armed: string[] = [];
    // The schedule is created, and then its delivery fails: nothing reaches the queue.
    const timer: TaskTimer = { arm: async (envelope) => void armed.push(envelope.id) };
    const { deps } = memoryDeps(clock, { queue, timer });
    const task = (await queueTask(deps, 'job', {}, { delay: 3600 }))!;
    assert.deepEqual(armed, [task.id]);
    clock.advance(3600 + 299); // due, not yet reconcileAfter past due: its message may still come
    assert.equal((await reconcile(deps, { olderThan: 300 })).resent, 0);
    clock.advance(2);
    assert.deepEqual(await reconcile(deps, { olderThan: 300 }), reconciled({ resent: 1 }));
    const [message] = await queue.receive(10, 0);
    assert.equal(JSON.parse(message.body).id, task.id, 'sent to the queue now, not armed again');
    assert.deepEqual(armed, [task.id]);
  });
});
