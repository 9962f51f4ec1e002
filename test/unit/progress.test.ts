/**
 * Progress: the check of a report (lib/progress.ts), and `ctx.progress` through the consumer
 * on the memory store (skytask/testing): the latest report kept, written by a heartbeat or the
 * finish, dropped by a RETRY, and on the wire.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob, ValidationError } from '../../lib/index.js';
import { checkProgress, PROGRESS_ATTR, progressText } from '../../lib/progress.js';
import { itemBytes, LIMITS } from '../../lib/limits.js';
import { fromWire, type Task, toWire } from '../../lib/task.js';
import { createTestQueue } from '../../lib/testing/index.js';
import { humanTask } from '../../local/cli-output.js';
import { progressLine } from '../../local/cli-progress.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('checkProgress', () => {
  it('takes a percent or a JSON object, with a message', () => {
    assert.deepEqual(checkProgress(0), { value: 0 });
    assert.deepEqual(checkProgress(100, 'done'), { value: 100, message: 'done' });
    assert.deepEqual(checkProgress({ rows: 1200, of: 5000 }), { value: { rows: 1200, of: 5000 } });
  });

  it('refuses values out of range, lists, non-JSON and a message that is no string, saying which', () => {
    for (const bad of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => checkProgress(bad), /progress value must be a number from 0 to 100/);
    }
    for (const bad of [null, [1, 2], 'half', true]) {
      assert.throws(() => checkProgress(bad), /progress value must be a number from 0 to 100 or a JSON object/);
    }
    assert.throws(() => checkProgress({ at: new Set([1]) }), /progress value\.at: a Set is not JSON/);
    assert.throws(() => checkProgress(5, 42 as unknown as string), /progress message must be a string/);
  });

  it('counts value and message as the head stores them, in UTF-8 bytes: 512 taken, 513 refused', () => {
    const overhead = itemBytes({ [PROGRESS_ATTR]: progressText({ value: 1, message: '' }) });
    const fits = 'é'.repeat((LIMITS.progressBytes - overhead) / 2); // 2 bytes a character
    assert.equal(itemBytes({ [PROGRESS_ATTR]: progressText({ value: 1, message: fits }) }), LIMITS.progressBytes);
    assert.deepEqual(checkProgress(1, fits), { value: 1, message: fits });
    assert.throws(
      () => checkProgress(1, `${fits}x`),
      (e: unknown) => e instanceof ValidationError && /513 bytes as stored.*512-byte limit/.test(e.message),
    );
  });

  it('travels on the wire as { value, message } and comes back', () => {
    const task = { id: 't', name: 'j', status: 'STARTED' as const, kwargs: {}, timeQueued: 1, attempts: 1 };
    assert.equal(toWire(task).progress, null);
    const wire = toWire({ ...task, progress: { value: 40, message: 'step 2 of 5' } });
    assert.deepEqual(wire.progress, { value: 40, message: 'step 2 of 5' });
    assert.deepEqual(fromWire(wire).progress, { value: 40, message: 'step 2 of 5' });
  });
});

describe('skytask wait: a progress line', () => {
  it('a bar at a terminal, a plain line otherwise, JSON for an object', () => {
    assert.equal(
      progressLine({ value: 40, message: 'step 2 of 5' }, true),
      '[##########--------------]  40% step 2 of 5',
    );
    assert.equal(progressLine({ value: 100 }, true), `[${'#'.repeat(24)}] 100%`);
    assert.equal(progressLine({ value: 40, message: 'step 2 of 5' }, false), 'progress 40% step 2 of 5');
    assert.equal(progressLine({ value: { rows: 3 } }, true), 'progress {"rows":3}');
  });

  it("the final summary (skytask wait, get, queue --wait) shows the task's last progress", () => {
    const task: Task = {
      id: 't1',
      name: 'countdown',
      status: 'SUCCESS',
      kwargs: {},
      result: 'liftoff',
      timeQueued: 1,
      attempts: 1,
      progress: { value: 100, message: 'liftoff' },
    };
    assert.match(humanTask(task), /^progress {2}100% liftoff$/m);
    assert.match(humanTask({ ...task, progress: { value: { rows: 3 } } }), /^progress {2}\{"rows":3\}$/m);
    assert.doesNotMatch(humanTask({ ...task, progress: undefined }), /progress/);
  });
});

let retried = 0;
const jobs = {
  steps: defineJob({
    name: 'steps',
    run: async (ctx) => {
      for (let i = 1; i <= 5; i++) await ctx.progress(i * 20, `step ${i} of 5`);
      return 'done';
    },
  }),
  // Reports, then waits long enough for heartbeats (every 0.1 s here) to carry the report.
  watched: defineJob({
    name: 'watched',
    run: async (ctx) => {
      await ctx.progress({ rows: 10 });
      await sleep(300);
      return 'ok';
    },
  }),
  tooBig: defineJob({ name: 'tooBig', run: (ctx) => ctx.progress(1, 'x'.repeat(600)) }),
  retries: defineJob({
    name: 'retries',
    maxRetries: 1,
    retryBackoff: { base: 1, cap: 1 },
    run: async (ctx) => {
      if (retried++ === 0) {
        await ctx.progress(90, 'almost');
        await sleep(300); // a heartbeat writes it
        throw new Error('flaky');
      }
      return ctx.task.progress ?? 'none';
    },
  }),
};

describe('ctx.progress (skytask/testing, the memory store)', () => {
  it('keeps the latest report: the finish writes what no heartbeat did', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('steps');
    assert.equal(task.status, 'SUCCESS');
    assert.deepEqual(task.progress, { value: 100, message: 'step 5 of 5' });
  });

  it('a heartbeat carries the report while the task runs', async () => {
    const q = createTestQueue({ jobs });
    const queued = await q.queueTask('watched');
    const running = q.run();
    let during: unknown;
    for (let i = 0; i < 40 && !during; i++) {
      await sleep(20);
      const now = await q.getTask(queued!.id);
      if (now?.status === 'STARTED') during = now.progress;
    }
    await running;
    assert.deepEqual(during, { value: { rows: 10 } });
  });

  it('a report over 512 bytes fails the attempt with the check`s message', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('tooBig');
    assert.equal(task.status, 'FAILURE');
    assert.match(task.error!, /progress is \d+ bytes as stored/);
    assert.equal(task.progress, undefined);
  });

  it('a RETRY drops the failed attempt`s progress: the next attempt starts without', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('retries');
    assert.equal(task.status, 'SUCCESS');
    assert.equal(task.result, 'none');
    assert.equal(task.progress, undefined);
  });
});
