import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineJob, previousSlot, scheduleOf } from '../../lib/index.js';
import { startLocalScheduler } from '../../local/local-scheduler.js';
import { captureLogs, periodicStack, sleep } from '../periodic-helpers.js';

const jobs = {
  // Every second: fine locally (EventBridge would refuse it at deploy).
  everysecond: defineJob({ name: 'everysecond', runEvery: 1, run: () => 'tick' }),
  hourly: defineJob({ name: 'hourly', runEvery: 3600, anchor: 25 * 60, run: () => 'OK' }),
};

test('the local scheduler fires a short-period job end to end, and stops cleanly', async () => {
  const { logger, lines } = captureLogs();
  const stack = await periodicStack({ jobs, logger });
  stack.startConsumer();
  const scheduler = startLocalScheduler({ ...stack.runtime, logger });
  // Wait (with a deadline) until two runs have finished.
  for (
    let i = 0;
    i < 100 && (await stack.tasksOf('everysecond')).filter((t) => t.status === 'SUCCESS').length < 2;
    i++
  ) {
    await sleep(0.2);
  }
  await scheduler.stop();
  await stack.stopConsumer();

  const tasks = await stack.tasksOf('everysecond');
  const done = tasks.filter((t) => t.status === 'SUCCESS');
  assert.ok(done.length >= 2, `runs: ${JSON.stringify(tasks)}`);
  for (const task of done) {
    assert.match(task.id, /^everysecond:\d{8}T\d{6}Z$/);
    assert.equal(task.result, 'tick');
  }
  const entry = (await stack.store.getScheduleEntries(['everysecond'])).get('everysecond')!;
  assert.equal(entry.runsCount, tasks.length);
  // A job that never ran waits for its first slot: hourly did not run at start.
  assert.equal((await stack.tasksOf('hourly')).length, 0);
  assert.ok(lines.some((l) => l.msg === 'local scheduler started'));

  // Stopped means stopped: no new fire after stop() resolved.
  const count = tasks.length;
  await sleep(1.5);
  assert.equal((await stack.tasksOf('everysecond')).length, count);
});

test('after downtime a missed job runs once, for its latest slot, and the log says so', async () => {
  const { logger, lines } = captureLogs();
  const stack = await periodicStack({ jobs: { hourly: jobs.hourly }, logger });
  const now = Date.now() / 1000;
  const schedule = scheduleOf(jobs.hourly)!;
  // The last recorded run was five slots ago: the stack was down for hours.
  const latest = previousSlot(schedule, now)!;
  await stack.store.recordRun({ job: 'hourly', slot: latest - 5 * 3600, time: latest - 5 * 3600 });

  const scheduler = startLocalScheduler({ ...stack.runtime, logger });
  for (let i = 0; i < 50 && (await stack.tasksOf('hourly')).length === 0; i++) await sleep(0.1);
  await sleep(0.5); // room for a wrong second fire to show up
  await scheduler.stop();

  const tasks = await stack.tasksOf('hourly');
  assert.equal(tasks.length, 1);
  assert.equal(
    tasks[0].id,
    `hourly:${new Date(latest * 1000).toISOString().replace(/[-:]/g, '').replace('.000Z', 'Z')}`,
  );
  const entry = (await stack.store.getScheduleEntries(['hourly'])).get('hourly')!;
  assert.equal(entry.runsCount, 2);
  assert.equal(entry.lastSlot, latest);
  const missed = lines.find((l) => /missed its runs/.test(l.msg));
  assert.ok(missed, 'a log line about the missed runs');
  assert.equal(missed.job, 'hourly');
  assert.equal(missed.missed_from, new Date((latest - 4 * 3600) * 1000).toISOString());
  assert.equal(missed.running_slot, new Date(latest * 1000).toISOString());
});
