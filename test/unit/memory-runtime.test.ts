/**
 * The backend and the consumer over the memory store and queue, on one fake clock: jobs
 * run in-process, with no emulator, as `skytask/testing` will offer it. The drain loop is
 * what the local poller does, with the clock moved to the next visible message instead
 * of waiting for it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createBackend,
  createConsumer,
  createLogger,
  createMemoryQueue,
  createMemoryStore,
  createRegistry,
  defineJob,
  RetryTaskError,
} from '../../lib/index.js';
import { fakeClock } from '../contract/clock.js';

let flaky = 0;
const jobs = {
  add: defineJob({ name: 'add', run: (_ctx, { a, b }: { a: number; b: number }) => a + b }),
  flaky: defineJob({
    name: 'flaky',
    maxRetries: 3,
    run: () => {
      if (++flaky < 3) throw new RetryTaskError('not yet', 20);
      return 'finally';
    },
  }),
  parent: defineJob({
    name: 'parent',
    run: async (ctx) => (await ctx.queueTask('add', { a: 2, b: 3 }))?.id,
  }),
};

function runtime() {
  const clock = fakeClock();
  const logger = createLogger({ level: 'silent' });
  const store = createMemoryStore({ clock: clock.now });
  const queue = createMemoryQueue({ clock: clock.now, visibilityTimeout: 30, maxReceiveCount: 3 });
  const backend = createBackend({ store, queue, registry: createRegistry(jobs), logger, clock: clock.now });
  const consumer = createConsumer({ backend, logger, leaseSeconds: 15, maxReceiveCount: 3, clock: clock.now });

  /** Receive, handle and delete until nothing is left to become visible. */
  async function drain(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const messages = await queue.receive(10, 0);
      if (!messages.length) {
        const next = queue.nextVisibleAt();
        if (next === undefined) return;
        await clock.advance(next - clock.now());
        continue;
      }
      const results = await consumer.handleBatch(messages);
      await queue.deleteMessages(
        messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle),
      );
    }
    throw new Error('the queue did not drain');
  }
  return { clock, store, queue, backend, drain };
}

describe('backend and consumer over the memory store and queue', () => {
  it('a queued task runs in-process to SUCCESS', async () => {
    const { backend, queue, drain } = runtime();
    const task = await backend.queueTask('add', { a: 1, b: 2 });
    await drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.result, 3);
    assert.deepEqual(await queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
  });

  it('retries wait for their delay on the fake clock, in no real time', async () => {
    const { backend, clock, drain } = runtime();
    const start = clock.now();
    const task = await backend.queueTask('flaky');
    await drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.result, 'finally');
    assert.equal(done?.attempts, 3);
    assert.deepEqual(
      done?.errors?.map((e) => e.error),
      ['not yet', 'not yet'],
    );
    assert.ok(clock.now() - start >= 40, 'two 20 s retry delays passed on the clock');
  });

  it('a sub-task queued by a job runs too, and lists under its parent', async () => {
    const { backend, drain } = runtime();
    const parent = await backend.queueTask('parent');
    await drain();
    const childId = (await backend.getTask(parent!.id))?.result as string;
    assert.equal((await backend.getTask(childId))?.result, 5);
    const page = await backend.getTasks({ fromTask: parent!.id });
    assert.deepEqual(
      page.tasks.map((t) => t.id),
      [childId],
    );
  });
});
