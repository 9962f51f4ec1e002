/**
 * The cost report (lib/tasks/cost-report.ts) on the in-memory ports: which tasks it sums,
 * in which order it reads them, what it refuses. The same walk over DynamoDB:
 * test/emulator/cost-report.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = {
  noop: defineJob({ name: 'noop', run: () => null }),
  big: defineJob({ name: 'big', run: () => null }),
  progress: defineJob({ name: 'progress', run: () => null }),
};

describe('costReport', () => {
  it('a job named twice is counted once, in the order first given', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('noop', {});
    const report = await q.runtime.backend.costReport({ jobs: ['noop', 'big', 'noop'], since: task.timeQueued - 1 });
    assert.deepEqual(
      report.jobs.map((j) => j.name),
      ['noop', 'big'],
    );
    assert.equal(report.total.tasks, 1);
    assert.equal(report.total.writeUnits, task.cost!.writeUnits);
  });
});
