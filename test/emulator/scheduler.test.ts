import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSchedulerHandler } from '../../functions/scheduler-handler.js';
import { createScheduler, defineJob, ValidationError } from '../../lib/index.js';
import { periodicStack } from '../periodic-helpers.js';

const at = (iso: string) => Date.parse(iso) / 1000;

const jobs = {
  hourly: defineJob({ name: 'hourly', doc: 'every hour at :25', runEvery: 3600, anchor: 25 * 60, run: () => 'OK' }),
  morning: defineJob({ name: 'morning', cron: '0 9 * * MON-FRI', timezone: 'Europe/Rome', run: () => 'OK' }),
  minutely: defineJob({ name: 'minutely', runEvery: 60, run: () => 'OK' }),
  lonely: defineJob({ name: 'lonely', runEvery: 60, canOverlap: false, run: () => 'OK' }),
  plain: defineJob({ name: 'plain', run: () => 'OK' }),
};

// A fixed clock the tests move by hand: Thursday 2026-01-01 10:00:00 UTC.
let now = at('2026-01-01T10:00:00Z');
const stack = periodicStack({ jobs, clock: () => now });

describe('scheduler.fire against the emulators', () => {
  test('the same slot twice queues one task and counts one run', async () => {
    const { runtime, store, logger } = await stack;
    const scheduler = createScheduler({ ...runtime, logger });
    const slot = at('2026-01-01T09:25:00Z');
    const first = await scheduler.fire('hourly', slot);
    const again = await scheduler.fire('hourly', slot);
    assert.equal(first.task?.id, 'hourly:20260101T092500Z');
    assert.equal(again.task?.id, first.task?.id);
    assert.deepEqual([first.recorded, again.recorded], [true, false]);
    const tasks = await (await stack).tasksOf('hourly');
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].caller, 'scheduler');
    const entry = (await store.getScheduleEntries(['hourly'])).get('hourly');
    assert.deepEqual(entry, {
      job: 'hourly',
      lastSlot: slot,
      lastRunAt: now,
      runsCount: 1,
      lastTaskId: first.task!.id,
    });

    // The next slot counts; a late retry of an older slot queues its own task but does not count.
    const next = await scheduler.fire('hourly', slot + 3600);
    assert.equal(next.recorded, true);
    const late = await scheduler.fire('hourly', slot - 3600);
    assert.equal(late.recorded, false);
    const after = (await store.getScheduleEntries(['hourly'])).get('hourly')!;
    assert.equal(after.runsCount, 2);
    assert.equal(after.lastSlot, slot + 3600);
  });

  test('two schedulers firing the same slots at once queue each slot once', async () => {
    const { runtime, logger, tasksOf, store } = await stack;
    const a = createScheduler({ ...runtime, logger });
    const b = createScheduler({ ...runtime, logger });
    const slots = [0, 1, 2].map((k) => at('2026-01-01T09:00:00Z') + k * 60);
    await Promise.all(slots.flatMap((slot) => [a.fire('minutely', slot), b.fire('minutely', slot)]));
    assert.equal((await tasksOf('minutely')).length, 3);
    assert.ok((await store.getScheduleEntries(['minutely'])).get('minutely')!.runsCount <= 3);
  });

  test('non-overlap is respected: a slot whose previous run is unfinished queues nothing', async () => {
    const { runtime, logger, tasksOf } = await stack;
    const scheduler = createScheduler({ ...runtime, logger });
    const first = await scheduler.fire('lonely', at('2026-01-01T09:58:00Z'));
    const second = await scheduler.fire('lonely', at('2026-01-01T09:59:00Z'));
    assert.ok(first.task);
    assert.equal(second.task, null);
    assert.equal(second.recorded, true);
    assert.equal((await tasksOf('lonely')).length, 1);
  });

  test("a time off the job's grid (a deployed finer cron) writes nothing: no task, no run counted", async () => {
    const { runtime, logger, store, tasksOf } = await stack;
    const scheduler = createScheduler({ ...runtime, logger });
    const before = (await store.getScheduleEntries(['hourly'])).get('hourly');
    const tasks = (await tasksOf('hourly')).length;
    const fired = await scheduler.fire('hourly', at('2026-01-01T09:55:00Z'));
    assert.deepEqual(fired, { task: null, recorded: false, slot: false });
    assert.deepEqual((await store.getScheduleEntries(['hourly'])).get('hourly'), before);
    assert.equal((await tasksOf('hourly')).length, tasks);
  });

  test('a regular job cannot be fired', async () => {
    const { runtime, logger } = await stack;
    await assert.rejects(createScheduler({ ...runtime, logger }).fire('plain', now), ValidationError);
  });

  test('the scheduler Lambda handler takes the slot from the scheduled time', async () => {
    const { runtime, logger } = await stack;
    const handler = createSchedulerHandler(createScheduler({ ...runtime, logger }));
    const event = { job: 'morning', time: '2026-01-01T08:00:00Z' };
    const first = await handler(event, {} as never);
    const retry = await handler(event, {} as never);
    assert.deepEqual(first, { task_id: 'morning:20260101T080000Z', recorded: true });
    assert.deepEqual(retry, { task_id: 'morning:20260101T080000Z', recorded: false });
    await assert.rejects(handler({ job: 'morning', time: 'soon' }, {} as never), /not a scheduler event/);
  });
});

describe('job_list and next_scheduled_tasks over JSON-RPC', () => {
  test('job_list shows the schedule, the next run and the run bookkeeping', async () => {
    const { call } = await stack;
    now = at('2026-01-01T10:00:00Z');
    const list = await call('job_list', { jobnames: ['hourly', 'morning', 'plain'] });
    const [hourly, morning, plain] = list;
    // hourly's next slot is 10:25; its count holds the two slots recorded above.
    assert.deepEqual(
      { ...hourly, doc: undefined },
      {
        name: 'hourly',
        doc: undefined,
        doc_syntax: 'markdown',
        type: 'periodic',
        can_overlap: true,
        expires: null,
        queue: 'default',
        priority: 'default',
        concurrency: null,
        rate_limit: null,
        events: false,
        run_every: 3600,
        anchor: 1500,
        cron: null,
        timezone: null,
        next_run: 25 * 60,
        runs_count: 2,
        last_run_at: now,
      },
    );
    assert.equal(morning.cron, '0 9 * * MON-FRI');
    assert.equal(morning.timezone, 'Europe/Rome');
    assert.equal(morning.run_every, null);
    assert.equal(morning.anchor, null);
    assert.equal(morning.runs_count, 1);
    // Friday 2026-01-02 09:00 Rome = 08:00 UTC.
    assert.equal(morning.next_run, at('2026-01-02T08:00:00Z') - now);
    assert.equal(plain.type, 'regular');
    assert.equal('next_run' in plain, false);
  });

  test('a slot that came since the last recorded run is due: next_run 0', async () => {
    const { call } = await stack;
    now = at('2026-01-01T11:25:30Z');
    const [hourly] = await call('job_list', [['hourly']]);
    assert.equal(hourly.next_run, 0);
    assert.deepEqual(await call('next_scheduled_tasks'), ['hourly', 0]);
  });

  test('next_scheduled_tasks: the soonest of the given jobs, or [jobnames, null]', async () => {
    const { call } = await stack;
    now = at('2026-01-01T10:00:30Z');
    assert.deepEqual(await call('next_scheduled_tasks', [['hourly', 'morning']]), ['hourly', 24 * 60 + 30]);
    assert.deepEqual(await call('next_scheduled_tasks', { jobnames: ['morning'] }), [
      'morning',
      at('2026-01-02T08:00:00Z') - now,
    ]);
    // minutely last ran for 09:02; 09:03 … 10:00 have come since: due.
    assert.deepEqual(await call('next_scheduled_tasks'), ['lonely', 0]);
    assert.deepEqual(await call('next_scheduled_tasks', [['plain']]), [['plain'], null]);
    await assert.rejects(call('next_scheduled_tasks', [['nope']]), { code: -32602 });
  });
});
