/**
 * `redrive_dead_letters` on the emulators: one letter never fails the others (issue 11
 * item 3), long polls, a time budget, and what is left (issue 12 item 4).
 */
import assert from 'node:assert/strict';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, it } from 'node:test';
import * as sampleJobs from '../../examples/jobs.js';
import { createBackend, createConsumer, producerTaskId, type TaskQueue } from '../../lib/index.js';
import type { TaskStore } from '../../lib/store.js';
import { testStack, type TestStack } from '../helpers.js';

// A fresh table and queues for each test: letters skipped by one stay in flight for 30 s.
let s: TestStack;
beforeEach(async () => (s = await testStack({ jobs: sampleJobs })));

/** Queue `n` tasks and put their messages on the dead-letter queue, as SQS's redrive policy would. */
async function deadLettered(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await s.backend.queueTask('addition', { a: i }))!.id);
  for (let moved = 0; moved < n; ) {
    const messages = await s.queue.receive(10, 1);
    for (const m of messages) await s.queue.deadLetter(m.body, 'test');
    await s.queue.deleteMessages(messages.map((m) => m.receiptHandle));
    moved += messages.length;
  }
  return ids;
}

describe('redrive_dead_letters', () => {
  it('the nested 12 KB body on the dead-letter queue: left in place, the letters beside it redriven', async () => {
    const [id] = await deadLettered(1);
    const nested = `{"v":${'['.repeat(6000)}${']'.repeat(6000)}}`;
    await s.clients.sqs.send(new SendMessageCommand({ QueueUrl: s.config.dlqUrl, MessageBody: nested }));
    const answer = await s.call('redrive_dead_letters', {});
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    assert.deepEqual(answer.result.moved, [id]);
    assert.equal(answer.result.skipped, 1);
  });

  it('a letter whose redrive throws is counted in failed, and the others of its batch are redriven', async () => {
    const ids = await deadLettered(3);
    const broken: TaskStore = {
      ...s.store,
      requeue: (id) => (id === ids[1] ? Promise.reject(new Error('throttled')) : s.store.requeue(id)),
    };
    const result = await createBackend({ ...s.runtime, store: broken }).redriveDeadLetters();
    assert.deepEqual(result.moved.sort(), [ids[0], ids[2]].sort());
    assert.equal(result.failed, 1);
    assert.equal(result.remaining, 1, 'the failed letter stays for a later redrive');
  });

  it('long polls: a dead-letter queue that answers short polls empty (as SQS may) is still redriven', async () => {
    const ids = await deadLettered(3);
    // SQS's short poll samples a subset of its servers and can answer empty while messages wait.
    const sampling: TaskQueue = {
      ...s.queue,
      receiveDeadLetters: (max, waitSeconds = 0) =>
        waitSeconds > 0 ? s.queue.receiveDeadLetters(max, waitSeconds) : Promise.resolve([]),
    };
    const result = await createBackend({ ...s.runtime, queue: sampling }).redriveDeadLetters();
    assert.deepEqual(result.moved.sort(), [...ids].sort());
    assert.equal(result.more, false);
  });

  it('a producer message without an id failing to the end: SQS moves it, keeping the message id its task id comes from', async () => {
    const broken: TaskStore = { ...s.store, claimTask: () => Promise.reject(new Error('throttled')) };
    const failing = createConsumer({ ...s.runtime, store: broken, maxReceiveCount: 3 });
    const sent = await s.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: s.config.queueUrl, MessageBody: '{"v":1,"job":"addition","kwargs":{"a":5}}' }),
    );
    for (let i = 0; i < 3; i++) {
      const [message] = await s.queue.receive(1, 2);
      await assert.rejects(failing.handleMessage(message), /throttled/);
      await s.queue.changeVisibility(message.receiptHandle, 0);
    }
    assert.deepEqual(await s.queue.receive(10, 1), [], 'the receive after the last moves it to the dead-letter queue');
    const id = producerTaskId(sent.MessageId!);
    assert.equal((await s.backend.getTask(id))?.deadLettered, true);
    const result = await s.backend.redriveDeadLetters();
    assert.deepEqual(result.moved, [id]);
  });

  it('stops on its time budget or its limit with more: true and what remains; calling again goes on', async () => {
    const ids = await deadLettered(25);
    const first = await s.backend.redriveDeadLetters(1000, { budgetSeconds: 0 });
    assert.equal(first.moved.length, 10, 'one batch, then the budget is spent');
    assert.equal(first.more, true);
    assert.equal(first.remaining, 15);
    const limited = await s.call('redrive_dead_letters', { limit: 5 });
    assert.equal(limited.result.moved.length, 5);
    assert.equal(limited.result.more, true);
    assert.equal(limited.result.remaining, 10);
    const moved = [...first.moved, ...limited.result.moved];
    for (let i = 0; i < 5; i++) {
      const next = (await s.call('redrive_dead_letters', {})).result;
      moved.push(...next.moved);
      if (!next.more) break;
    }
    assert.deepEqual(moved.sort(), [...ids].sort());
    assert.equal((await s.call('queue_stats')).result.dead_letters, 0);
  });
});
