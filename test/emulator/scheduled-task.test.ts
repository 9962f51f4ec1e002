import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, defineJob } from '../../lib/index.js';
import { createLocalTimer, type LocalTimer } from '../../local/local-timer.js';
import { periodicStack, sleep } from '../periodic-helpers.js';

const silent = createLogger({ level: 'silent' });

const jobs = {
  stamp: defineJob({ name: 'stamp', expires: 600, run: () => Date.now() / 1000 }),
};

/**
 * The consumer claims a task when `eta <= now + 1`: SQS delays are whole seconds and may
 * deliver a little early. "Not before" is checked with that tolerance.
 */
const CLAIM_TOLERANCE = 1;

describe('one-off tasks due later', () => {
  test('a short delay (SQS DelaySeconds) runs when due and not before', async () => {
    const stack = await periodicStack({ jobs });
    stack.startConsumer();
    const task = await stack.call('queue_task', { jobname: 'stamp', delay: 2 });
    assert.equal(task.status, 'QUEUED');
    assert.ok(Math.abs(task.eta - (task.time_queued + 2)) < 1e-6);
    assert.ok(Math.abs(task.expiry - (task.eta + 600)) < 1e-6, 'expiry counts from the due time');
    await sleep(0.8);
    assert.equal((await stack.backend.getTask(task.id))!.status, 'QUEUED');
    const done = await stack.waitReady(task.id);
    assert.equal(done.status, 'SUCCESS');
    assert.ok(done.timeStarted! >= task.eta - CLAIM_TOLERANCE, `started ${done.timeStarted} before eta ${task.eta}`);
    await stack.stopConsumer();
  });

  test('beyond the queue horizon a task is armed on the local timer, not sent, and runs when due', async () => {
    let timer: LocalTimer | undefined;
    // A 1-second horizon stands in for SQS's 900 s, so the timer path runs in test time.
    const stack = await periodicStack({
      jobs,
      maxQueueDelay: 1,
      timer: (queue) => (timer = createLocalTimer({ queue, logger: silent })),
    });
    stack.startConsumer();
    const eta = Date.now() / 1000 + 3;
    const task = await stack.call('queue_task', { jobname: 'stamp', eta });
    assert.equal(task.status, 'QUEUED');
    assert.equal(task.eta, eta);
    assert.deepEqual(timer!.armed(), [task.id]);
    const depth = await stack.queue.depth();
    assert.equal(depth.queued + depth.delayed + depth.inFlight, 0, 'nothing in the queue before the timer fires');
    const done = await stack.waitReady(task.id);
    assert.equal(done.status, 'SUCCESS');
    assert.ok(done.timeStarted! >= eta - CLAIM_TOLERANCE);
    assert.deepEqual(timer!.armed(), []);
    await stack.stopConsumer();
  });

  test('with the real 900 s horizon an hour-away task goes to the timer; a restart arms it again', async () => {
    let timer: LocalTimer | undefined;
    const makeTimer = (queue: Parameters<typeof createLocalTimer>[0]['queue']) =>
      (timer = createLocalTimer({ queue, logger: silent }));
    const first = await periodicStack({ jobs, timer: makeTimer });
    const task = await first.call('queue_task', { jobname: 'stamp', delay: 3600 });
    assert.ok(Math.abs(task.eta - task.time_queued - 3600) < 1e-6);
    assert.deepEqual(timer!.armed(), [task.id]);
    const before = await first.queue.depth();
    assert.equal(before.queued + before.delayed, 0);

    // The worker dies: its timer's memory is gone. A new one on the same table re-arms from the records.
    timer!.stop();
    const second = await periodicStack({ jobs, timer: makeTimer, env: first.env });
    assert.deepEqual(timer!.armed(), []);
    assert.equal((await second.backend.reconcile({ recovery: true, timerOnly: true })).resent, 1);
    assert.deepEqual(timer!.armed(), [task.id]);
    // Arming twice changes nothing.
    assert.equal((await second.backend.reconcile({ recovery: true })).resent, 1);
    assert.deepEqual(timer!.armed(), [task.id]);
    timer!.stop();
  });

  test('the limits: up to a year ahead, delay or eta not both, a timer needed beyond the horizon', async () => {
    const stack = await periodicStack({ jobs });
    await assert.rejects(stack.call('queue_task', { jobname: 'stamp', delay: 366 * 86_400 }), { code: -32602 });
    await assert.rejects(stack.call('queue_task', { jobname: 'stamp', eta: Date.now() / 1000 + 366 * 86_400 }), {
      code: -32602,
    });
    await assert.rejects(stack.call('queue_task', { jobname: 'stamp', delay: 5, eta: Date.now() / 1000 + 5 }), {
      code: -32602,
      message: /not both/,
    });
    // This stack has no timer: more than 900 s ahead is refused before anything is written.
    await assert.rejects(stack.call('queue_task', { jobname: 'stamp', delay: 901 }), {
      code: -32602,
      message: /timer/,
    });
    assert.equal((await stack.tasksOf('stamp')).length, 0);
    // Within SQS's 900 s it needs no timer.
    const ok = await stack.call('queue_task', { jobname: 'stamp', delay: 900 });
    assert.equal(ok.status, 'QUEUED');
  });
});
