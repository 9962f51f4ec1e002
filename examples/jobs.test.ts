/**
 * A test of the sample jobs with skytask/testing, as docs/testing.md shows it (the docs
 * quote these lines; test/unit/examples.test.ts runs this file with `npm test`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestQueue } from 'skytask/testing';
import * as jobs from './jobs.js';

test('addition adds', async () => {
  const q = createTestQueue({ jobs });
  const task = await q.runTask('addition', { a: 1, b: 2 });
  assert.equal(task.status, 'SUCCESS');
  assert.equal(task.result, 3);
});
