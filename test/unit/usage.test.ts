/**
 * What an attempt consumed outside the store (lib/consumer/usage.ts), and the SQS requests a
 * task's send is billed: a request per 64 KB chunk of the payload (AWS, Amazon SQS pricing:
 * "each 64 KB chunk of a payload is billed as 1 request"). A producer's large messages over
 * the SQS emulator: test/emulator/usage.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billedRequests, SQS_LIMITS } from '../../lib/aws-rules/sqs.js';
import { encodeEnvelope } from '../../lib/envelope.js';
import { defineJob } from '../../lib/index.js';
import { runUsage } from '../../lib/consumer/usage.js';
import { createTestQueue } from '../../lib/testing/index.js';

const KB = 1024;
const seen = { heartbeats: 0, seconds: 0.01, retry: false };

describe('SQS requests per 64 KB chunk', () => {
  it('a payload is billed a request per 64 KB chunk begun, at least one', () => {
    assert.deepEqual(
      [0, 67, 64 * KB, 64 * KB + 1, 92 * KB, 205 * KB, 256 * KB, SQS_LIMITS.messageBytes].map(billedRequests),
      [1, 1, 1, 2, 2, 4, 4, 16],
    );
  });

  it('a message alone in its receive: the receive is billed by its chunks, the delete is one request', () => {
    for (const [bytes, chunks] of [
      [67, 1],
      [92 * KB, 2],
      [205 * KB, 4],
    ]) {
      const usage = runUsage({ ...seen, batch: { size: 1, bytes }, messageBytes: bytes });
      assert.equal(usage.sqsRequests, chunks + 1, `${bytes} bytes`);
    }
  });

  it('a batch: its receive’s chunks shared by bytes, the delete and the invocation by message', () => {
    const sizes = [67, 92 * KB, 205 * KB];
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const usages = sizes.map((size) => runUsage({ ...seen, batch: { size: 3, bytes }, messageBytes: size }));
    const sum = usages.reduce((n, u) => n + u.sqsRequests, 0);
    assert.ok(Math.abs(sum - (billedRequests(bytes) + 1)) < 1e-5, `${sum}`);
    assert.ok(usages[0].sqsRequests < 0.34, 'the small message pays its share of the delete, little of the receive');
    // Ten small messages: a tenth of the receive and of the delete each, as before chunks.
    const small = runUsage({ ...seen, batch: { size: 10, bytes: 10 * 200 }, messageBytes: 200 });
    assert.equal(small.sqsRequests, 0.2);
    assert.equal(small.lambdaRequests, 0.1);
  });

  it("skytask's own messages never cross a chunk, ten to a batch: a send is one request", () => {
    const longest = encodeEnvelope({
      id: 'i'.repeat(128),
      job: 'j'.repeat(128),
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    });
    assert.equal(billedRequests(10 * Buffer.byteLength(longest)), 1);
  });

  it("a producer's message: its send is billed by its chunks, and so is the receive that delivered it", async () => {
    const q = createTestQueue({ jobs: { big: defineJob({ name: 'big', run: () => null }) } });
    const body = JSON.stringify({ v: 1, job: 'big', kwargs: { pad: 'x'.repeat(92 * KB) } });
    await q.runtime.consumer.handleMessage({ messageId: 'm-1', receiptHandle: 'r-1', body, attributes: {} });
    const task = await q.getTask('sqs:m-1');
    assert.equal(task?.status, 'SUCCESS');
    // The producer's SendMessage of 92 KB (2), the receive of it alone (2), its delete (1).
    assert.equal(task?.cost?.sqsRequests, 5);
  });
});
