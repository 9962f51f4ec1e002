import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSqsQueue } from '../../lib/aws/sqs-queue.js';
import {
  createBackend,
  LIMITS,
  UnknownJobError,
  ValidationError,
  WaitTimeoutError,
  TaskNotFoundError,
} from '../../lib/index.js';
import { testStack, NO_PAYLOAD_BUCKET } from '../helpers.js';

describe('backend.queueTask', async () => {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const { backend, queue, store } = stack;

  it('writes the record, then sends the message naming the task', async () => {
    const task = await backend.queueTask('addition', { a: 1, b: 2 }, { caller: 'me' });
    assert.ok(task);
    assert.equal(task.status, 'QUEUED');
    assert.equal(task.attempts, 0);
    assert.equal(task.caller, 'me');
    // addition expires 60 s after it is queued
    assert.equal(Math.round(task.expiry! - task.timeQueued), 60);
    // As written, and with the cost its enqueue recorded (the answer is the task as built).
    const stored = await backend.getTask(task.id);
    assert.deepEqual({ ...stored, cost: undefined }, { ...task, cost: undefined });
    assert.equal(stored?.cost?.sqsRequests, 1);
    const [message] = await queue.receive(10, 1);
    assert.deepEqual(JSON.parse(message.body), { v: 1, id: task.id, job: 'addition' });
    await queue.deleteMessages([message.receiptHandle]);
  });

  it('refuses an unknown job, naming it, with nothing written', async () => {
    await assert.rejects(backend.queueTask('nosuchjob', {}), (err: unknown) => {
      assert.ok(err instanceof UnknownJobError);
      assert.match(err.message, /nosuchjob/);
      return true;
    });
  });

  it('refuses kwargs over the cap, or that are no object, with nothing written or sent', async () => {
    const before = (await backend.getTasks({ name: 'addition', limit: 1000 })).tasks.length;
    const big = { a: 'x'.repeat(LIMITS.kwargsBytes) };
    await assert.rejects(backend.queueTask('addition', big, { id: 'too-big' }), ValidationError);
    await assert.rejects(backend.queueTask('addition', [1, 2] as never), ValidationError);
    await assert.rejects(backend.queueTask('addition', { a: 1n } as never), ValidationError);
    assert.equal(await backend.getTask('too-big'), undefined);
    assert.equal((await backend.getTasks({ name: 'addition', limit: 1000 })).tasks.length, before);
    assert.deepEqual(await queue.receive(10, 0), []);
  });

  it('refuses bad options', async () => {
    await assert.rejects(backend.queueTask('addition', {}, { id: 'no spaces' }), ValidationError);
    await assert.rejects(backend.queueTask('addition', {}, { delay: 901 }), ValidationError);
    await assert.rejects(backend.queueTask('addition', {}, { delay: -1 }), ValidationError);
    await assert.rejects(backend.queueTask('addition', {}, { expiry: -1 }), ValidationError);
    await assert.rejects(backend.queueTask('addition', {}, { id: 'order:42' }), ValidationError);
  });

  it('is idempotent on a caller-given id: the same task, one message (another request: test/emulator/forged-ids)', async () => {
    const first = await backend.queueTask('addition', { a: 1 }, { id: 'order-42' });
    const again = await backend.queueTask('addition', { a: 1 }, { id: 'order-42' });
    assert.deepEqual(
      { ...again, cost: undefined },
      { ...first, cost: undefined },
      'the task as stored: with its cost so far',
    );
    const messages = await queue.receive(10, 1);
    assert.equal(messages.filter((m) => JSON.parse(m.body).id === 'order-42').length, 1);
    await queue.deleteMessages(messages.map((m) => m.receiptHandle));
  });

  it('records a delay as eta and counts expiry from the due time', async () => {
    const task = await backend.queueTask('addition', {}, { delay: 5, expiry: 10 });
    assert.ok(task?.eta);
    assert.equal(Math.round(task.eta - task.timeQueued), 5);
    assert.equal(Math.round(task.expiry! - task.eta), 10);
    const depth = await queue.depth();
    assert.equal(depth.delayed, 1);
    assert.equal(await backend.numTasks(), 1);
    await queue.purge();
  });

  it('a failed send raises, marks the record, and queueing the same id again sends it', async () => {
    const broken = createBackend({
      store: store,
      queue: createSqsQueue({ client: stack.clients.sqs, queueUrl: `${stack.config.queueUrl}-missing` }),
      registry: stack.registry,
      logger: stack.logger,
    });
    await assert.rejects(
      broken.queueTask('addition', {}, { id: 'unsent' }),
      /recorded but its message could not be sent/,
    );
    const recorded = await backend.getTask('unsent');
    assert.equal(recorded?.status, 'QUEUED');
    assert.ok(recorded?.sendError);
    const retried = await backend.queueTask('addition', {}, { id: 'unsent' });
    assert.equal(retried?.id, 'unsent');
    assert.equal((await backend.getTask('unsent'))?.sendError, undefined);
    const messages = await queue.receive(10, 1);
    assert.deepEqual(
      messages.map((m) => JSON.parse(m.body).id),
      ['unsent'],
    );
    await queue.deleteMessages(messages.map((m) => m.receiptHandle));
  });
});

describe('non-overlap', async () => {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const { backend } = stack;

  it('concurrent queue_task calls with equal kwargs: exactly one task', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => backend.queueTask('notoverlap', { lag: 0.01, n: 1 })),
    );
    const queued = results.filter((t) => t !== null);
    assert.equal(queued.length, 1);
    assert.ok(queued[0]!.lockId);
    // Other kwargs are another lock.
    assert.ok(await backend.queueTask('notoverlap', { lag: 0.01, n: 2 }));
    // Kwargs order does not matter.
    assert.equal(await backend.queueTask('notoverlap', { n: 1, lag: 0.01 }), null);
  });

  it('the lock is released when the task finishes, and taken over when its task is gone', async () => {
    await stack.drain();
    const again = await backend.queueTask('notoverlap', { lag: 0.01, n: 1 });
    assert.ok(again, 'queued again after the first finished');
    await backend.deleteTasks([again.id]);
    // The lock still names the deleted task: it is taken over.
    assert.ok(await backend.queueTask('notoverlap', { lag: 0.01, n: 1 }));
    await stack.drain();
  });

  it('a function decides per call: standarddeviation producers cannot overlap', async () => {
    const producer = await backend.queueTask('standarddeviation', { sample: 1 });
    assert.ok(producer);
    assert.equal(await backend.queueTask('standarddeviation', { sample: 1 }), null);
    assert.ok(await backend.queueTask('standarddeviation', { inputs: [1] }));
    assert.ok(await backend.queueTask('standarddeviation', { inputs: [1] }));
    await stack.drain();
  });
});

describe('backend reads', async () => {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const { backend, queue } = stack;

  it('waitForTask: the ready task, a timeout with the task as it is, not found', async () => {
    const task = await backend.queueTask('addition', { a: 2, b: 3 });
    await assert.rejects(backend.waitForTask(task!.id, 0.2), (err: unknown) => {
      assert.ok(err instanceof WaitTimeoutError);
      assert.equal(err.task.status, 'QUEUED');
      return true;
    });
    const poller = stack.poll();
    const done = await backend.waitForTask(task!.id, 10);
    await poller.stop();
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 5);
    await assert.rejects(backend.waitForTask('never-queued', 1), TaskNotFoundError);
  });

  it('getTasks pages by job, status and parent, newest first, with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await backend.queueTask('asynchronous', { lag: 0, i }))!.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await backend.getTasks({ name: 'asynchronous', limit: 10, cursor });
      assert.ok(page.tasks.length <= 10);
      seen.push(...page.tasks.map((t) => t.id));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());

    const queued = await backend.getTasks({ status: 'QUEUED', name: 'asynchronous', limit: 100 });
    assert.equal(queued.tasks.length, 25);
    assert.ok(queued.tasks.every((t) => t.status === 'QUEUED'));
    const byIds = await backend.getTasks({ ids: [ids[3], 'nope', ids[1]] });
    assert.deepEqual(
      byIds.tasks.map((t) => t.id),
      [ids[3], ids[1]],
    );
    await assert.rejects(backend.getTasks({ name: 'asynchronous', cursor: 'garbage' }), ValidationError);
    await queue.purge();
  });

  it('deleteTasks returns the ids that existed', async () => {
    const task = await backend.queueTask('addition', {});
    assert.deepEqual(await backend.deleteTasks([task!.id, 'nope']), [task!.id]);
    assert.equal(await backend.getTask(task!.id), undefined);
  });
});
