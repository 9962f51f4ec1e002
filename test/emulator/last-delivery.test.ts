/**
 * The last delivery, whichever it is (issue 12 item 7): throttled Lambda pollers raise
 * `ApproximateReceiveCount` too, so SQS can dead-letter a message the consumer never saw
 * on its "last" delivery. The reconciler finds the letter and finishes the task as the
 * consumer would have; a redrive then runs it again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MOVED_BY_SQS } from '../../lib/tasks/dead-letter-sweep.js';
import { testStack } from '../helpers.js';

describe('a message SQS dead-letters before the consumer sees its last delivery', async () => {
  const stack = await testStack();
  const { backend, queue } = stack;

  /** Receives that never reach the consumer (throttled pollers): each raises the count. */
  async function receiveUnseen(times: number) {
    for (let n = 0; n < times; n++) {
      const [message] = await queue.receive(10, 2);
      assert.ok(message, `receive ${n + 1} got the message`);
      await queue.changeVisibility(message.receiptHandle, 0);
    }
  }

  it('the reconciler ends its task FAILURE dead-lettered, and the letter stays for a redrive', async () => {
    const task = await backend.queueTask('addition', { a: 1, b: 2 });
    await receiveUnseen(3); // maxReceiveCount is 3 here
    assert.deepEqual(await queue.receive(10, 1), [], 'SQS moved it on the next receive');
    assert.equal((await backend.getTask(task!.id))?.status, 'QUEUED');

    const result = await backend.reconcile({ olderThan: 0 });
    assert.equal(result.deadLettered, 1);
    assert.equal(result.resent, 0, 'a dead-lettered task is ended, not sent again');
    const ended = await backend.getTask(task!.id);
    assert.equal(ended?.status, 'FAILURE');
    assert.equal(ended?.deadLettered, true);
    assert.equal(ended?.error, MOVED_BY_SQS);

    // The sweep made the letter visible again: a redrive finds it and the task runs.
    const redriven = await backend.redriveDeadLetters();
    assert.deepEqual(redriven.moved, [task!.id]);
    await stack.drain();
    const done = await backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS');
    assert.equal(done?.result, 3);
  });

  it('a letter whose task is ready, or running, is left alone', async () => {
    const finished = await backend.queueTask('addition', { a: 2 });
    await stack.drain();
    await queue.deadLetter(JSON.stringify({ v: 1, id: finished!.id, job: 'addition' }), 'a stale copy');
    const result = await backend.reconcile({ olderThan: 0 });
    assert.equal(result.deadLettered, 0);
    assert.equal((await backend.getTask(finished!.id))?.status, 'SUCCESS');
    assert.ok((await queue.deadLetterCount()) >= 1, 'the letter is still there');
  });
});
