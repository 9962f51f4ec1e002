/**
 * SQS's 64 KB billing chunks in a task's cost (issue 16, a fresh user's findings): plain SQS
 * messages a producer sends straight to the queue, of 67 B, 92 KB and 205 KB, each received
 * alone. AWS bills the send and the receive a request per 64 KB chunk of the payload, the
 * delete (receipt handles) one. The shares' rules: test/unit/usage.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob, producerTaskId } from '../../lib/index.js';
import { testStack, type TestStack } from '../helpers.js';

const jobs = { big: defineJob({ name: 'big', run: () => 'done' }) };

let s: TestStack;
before(async () => {
  s = await testStack({ jobs });
});

describe('a producer message’s SQS requests, per 64 KB chunk', () => {
  it('67 B, 92 KB, 205 KB: send and receive by chunks (1, 2, 4), the delete 1', async () => {
    for (const [kb, chunks] of [
      [0, 1],
      [92, 2],
      [205, 4],
    ]) {
      const body = JSON.stringify({ v: 1, job: 'big', kwargs: { pad: 'x'.repeat(kb * 1024) } });
      const { MessageId } = await s.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: s.config.queueUrl, MessageBody: body }),
      );
      await s.drain();
      const task = await s.backend.getTask(producerTaskId(MessageId!));
      assert.equal(task?.status, 'SUCCESS', `${kb} KB`);
      assert.equal(task?.cost?.sqsRequests, chunks + chunks + 1, `${kb} KB: ${Buffer.byteLength(body)} bytes`);
    }
  });
});
