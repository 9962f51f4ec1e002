/**
 * Workflows with skytask/testing, as docs/workflows.md shows it (test/unit/examples.test.ts
 * runs this file with `npm test`): the whole chord runs in-process on a fake clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chord, defineJob, signature } from 'skytask';
import { createTestQueue } from 'skytask/testing';
import { report, total } from './workflow-jobs.js';

const size = defineJob({ name: 'size', run: (_ctx, { text }: { text: string }) => text.length });

test('a chord runs its callback with the members’ results', async () => {
  const q = createTestQueue({ jobs: [size, total, report] });
  const members = ['a', 'bb', 'ccc'].map((text) => signature(size, { text }));
  const flow = await q.queueWorkflow(chord(members, signature(total)));
  await q.run();
  const done = await q.getWorkflow(flow.id);
  assert.equal(done.status, 'SUCCESS');
  assert.equal(done.result, 6);
  assert.deepEqual(done.counts, { total: 3, pending: 0, succeeded: 3, failed: 0, revoked: 0 });
});
