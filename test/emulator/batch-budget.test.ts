/**
 * The Lambda batch budget (issue 12 item 1): a message that cannot get a fair run in what
 * is left of its invocation is deferred — deleted and sent again — so neither an attempt
 * nor a receive is spent, and however often it is deferred it is never dead-lettered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sampleJobs from '../../examples/jobs.js';
import { defineJob } from '../../lib/index.js';
import { testStack } from '../helpers.js';

let runs = 0;
const bounded = defineJob({ name: 'bounded', timeLimit: 10, run: () => ++runs });
const unbounded = defineJob({ name: 'unbounded', run: () => 'ran' });
const jobs = { ...sampleJobs, bounded, unbounded };

/** A Lambda context whose invocation had `startMs` at the batch's start and `laterMs` after. */
function invocation(startMs: number, laterMs: number) {
  let calls = 0;
  return { getRemainingTimeInMillis: () => (calls++ === 0 ? startMs : laterMs) };
}

describe('the Lambda batch budget', async () => {
  const stack = await testStack({ jobs });
  const { backend, consumer, queue } = stack;

  /** One delivery as Lambda's event source makes it: handled messages are deleted. */
  async function deliver(late: boolean) {
    const messages = await queue.receive(10, 5);
    assert.equal(messages.length, 1);
    const results = await consumer.handleBatch(messages, invocation(60_000, late ? 8_000 : 59_500));
    const ok = messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle);
    await queue.deleteMessages(ok);
    return messages[0];
  }

  it('deferred past maxReceiveCount (3 here), a task is never dead-lettered, then runs once', async () => {
    const task = await backend.queueTask('bounded');
    for (let round = 0; round < 4; round++) {
      const message = await deliver(true);
      // Each deferral is a fresh message: SQS counts its receives from one again.
      assert.equal((message.attributes as Record<string, string>).ApproximateReceiveCount, '1');
      const now = await backend.getTask(task!.id);
      assert.equal(now?.status, 'QUEUED');
      assert.equal(now?.attempts, 0);
    }
    assert.equal(await queue.deadLetterCount(), 0);
    await deliver(false);
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.attempts, 1);
    assert.equal(runs, 1);
  });

  it('a job without a timeLimit starts only near its batch start; a timeLimit longer than the budget is not deferred', async () => {
    const late = await backend.queueTask('unbounded');
    await deliver(true);
    assert.equal((await backend.getTask(late!.id))?.attempts, 0);
    await deliver(false);
    assert.equal((await backend.getTask(late!.id))?.status, 'SUCCESS');
    // 8 s left of a batch that began with 9 s: a 10 s timeLimit could never get more: it runs.
    const long = await backend.queueTask('bounded');
    const messages = await queue.receive(10, 5);
    const results = await consumer.handleBatch(messages, invocation(9_000, 8_500));
    assert.equal(results[0].status, 'fulfilled');
    await queue.deleteMessages(messages.map((m) => m.receiptHandle));
    assert.equal((await backend.getTask(long!.id))?.attempts, 1);
  });
});
