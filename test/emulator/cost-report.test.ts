/**
 * The cost report over DynamoDB (issue 16, a fresh user's findings): the jobs' listings of
 * the by_job index merged by time queued, so that a limit keeps the newest tasks of every
 * job. The walk's rules on the in-memory ports: test/unit/cost-report.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { defineJob, type Task } from '../../lib/index.js';
import { testStack, type TestStack } from '../helpers.js';
import { createWriteMeter } from '../write-meter.js';

const jobs = {
  big: defineJob({ name: 'big', run: () => null }),
  noop: defineJob({ name: 'noop', run: () => null }),
  progress: defineJob({ name: 'progress', run: () => null }),
};

let stack: TestStack;
before(async () => {
  stack = await testStack({ jobs });
});

/** Queue one task of each job named, in this order (a few ms apart), and run them all. */
async function history(names: (keyof typeof jobs)[]): Promise<Task[]> {
  const ids: string[] = [];
  for (const name of names) {
    ids.push((await stack.backend.queueTask(name, {}))!.id);
    await new Promise((r) => setTimeout(r, 5));
  }
  await stack.drain();
  return Promise.all(ids.map(async (id) => (await stack.backend.getTask(id))!));
}

const countsOf = (report: { jobs: { name: string; tasks: number }[] }) =>
  Object.fromEntries(report.jobs.map((j) => [j.name, j.tasks]));

describe('the cost report over DynamoDB', () => {
  it('a limit sums the newest tasks across every job; a limit equal to the count is complete', async () => {
    const tasks = await history(['noop', 'big', 'big', 'big', 'noop', 'progress', 'big', 'noop']);
    const since = tasks[1].timeQueued;
    const newest = await stack.backend.costReport({ since, maxTasks: 3 });
    assert.deepEqual(countsOf(newest), { big: 1, noop: 1, progress: 1 });
    assert.equal(newest.complete, false);
    const whole = await stack.backend.costReport({ since, maxTasks: 7 });
    assert.deepEqual(countsOf(whole), { big: 4, noop: 2, progress: 1 });
    assert.equal(whole.complete, true, 'the 7 tasks of the period, and an older noop before it');
    assert.equal(whole.total.writeUnits, 7 * 6);
  });
});

describe('tasks that never ran, and tasks still running, over DynamoDB', () => {
  it('show the cost their enqueue recorded (its write units as metered, its send), and the report counts them', async () => {
    const meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
    meter.attach(stack.clients.dynamodb);
    try {
      const since = Date.now() / 1000;
      const revoked = (await stack.backend.queueTask('noop', {}, { delay: 600 }))!;
      const created = meter.of(`task#${revoked.id}`);
      await stack.backend.revokeTask(revoked.id);
      const running = (await stack.backend.queueTask('big', {}, { delay: 600 }))!;
      const now = Date.now() / 1000;
      await stack.store.claimTask({ id: running.id, now: now + 601, leaseUntil: now + 700, worker: 'test' });
      const shown = (await stack.call('get_task', { id: revoked.id })).result.cost;
      assert.deepEqual(shown, {
        write_units: created.table + created.index,
        sqs_requests: 1,
        lambda_requests: 0,
        lambda_ms: 0,
        gb_seconds: null,
        heartbeats: 0,
      });
      assert.equal((await stack.backend.getTask(running.id))?.status, 'STARTED');
      const report = await stack.backend.costReport({ since, jobs: ['noop', 'big'] });
      assert.deepEqual(countsOf(report), { noop: 1, big: 1 });
      assert.equal(report.jobs[0].writeUnits, created.table + created.index);
      assert.equal(report.total.sqsRequests, 2);
    } finally {
      meter.destroy();
    }
  });
});
