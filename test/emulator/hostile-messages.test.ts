/**
 * Hostile SQS bodies against the consumer, on the emulators: nothing a body holds can throw
 * out of decoding or out of building a reason, one bad message never fails the rest of its
 * batch, every failure is logged with its task id, a message that cannot be handled ends on
 * the dead-letter queue with a reason, and that reason obeys SQS's attribute rules.
 */
import assert from 'node:assert/strict';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { before, describe, it } from 'node:test';
import * as sampleJobs from '../../examples/jobs.js';
import { createConsumer, type ReceivedMessage } from '../../lib/index.js';
import { INVALID_CHARACTER, SQS_LIMITS } from '../../lib/aws-rules/sqs.js';
import type { TaskStore } from '../../lib/store.js';
import { testStack, type TestStack, NO_PAYLOAD_BUCKET } from '../helpers.js';
import { captureLogs } from '../periodic-helpers.js';

/** Issue 11, item 3: 12 KB that overflowed the stack while the "unsupported version" reason was built. */
const NESTED = `{"v":${'['.repeat(6000)}${']'.repeat(6000)}}`;

let s: TestStack;
before(async () => (s = await testStack({ jobs: sampleJobs, env: NO_PAYLOAD_BUCKET })));

async function sendRaw(body: string): Promise<string> {
  const out = await s.clients.sqs.send(new SendMessageCommand({ QueueUrl: s.config.queueUrl, MessageBody: body }));
  return out.MessageId!;
}

async function receiveAll(count: number): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  for (let i = 0; i < 50 && got.length < count; i++) got.push(...(await s.queue.receive(count - got.length, 1)));
  return got;
}

/** Every message on the dead-letter queue, received and deleted: body → reason attribute. */
async function takeDeadLetters(): Promise<Map<string, string | undefined>> {
  const letters = new Map<string, string | undefined>();
  for (let idle = 0; idle < 2; ) {
    const got = await s.deadLetters();
    if (!got.length) idle++;
    for (const m of got) letters.set(m.Body!, m.MessageAttributes?.reason?.StringValue);
    await s.queue.deleteDeadLetters(got.map((m) => m.ReceiptHandle!));
  }
  return letters;
}

/** Handle `messages` as one Lambda batch; deletes what succeeded, as the event source mapping does. */
async function handleBatch(consumer: ReturnType<typeof createConsumer>, messages: ReceivedMessage[]) {
  const results = await consumer.handleBatch(messages);
  await s.queue.deleteMessages(
    messages.filter((_, n) => results[n].status === 'fulfilled').map((m) => m.receiptHandle),
  );
  return results;
}

describe('hostile message bodies (issue 11 item 3, issue 12 item 5)', () => {
  it('the 12 KB nested body: dead-lettered with its reason on the first delivery; the rest of its batch runs', async () => {
    const { logger, lines } = captureLogs('debug');
    const consumer = createConsumer({ ...s.runtime, logger, maxReceiveCount: 3 });
    const a = await s.backend.queueTask('addition', { a: 1, b: 2 });
    await sendRaw(NESTED);
    const b = await s.backend.queueTask('addition', { a: 3, b: 4 });
    const results = await handleBatch(consumer, await receiveAll(3));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.equal((await s.backend.getTask(a!.id))?.result, 3);
    assert.equal((await s.backend.getTask(b!.id))?.result, 7);
    const letters = await takeDeadLetters();
    assert.match(letters.get(NESTED) ?? '', /^unsupported envelope version an array/);
    const logged = lines.find((l) => l.msg === 'not a task message: dead-lettered');
    assert.ok(logged, 'the dead letter is logged');
    assert.ok(JSON.stringify(logged).length < 4096, 'the log line does not carry the whole body');
  });

  /** Send `bodies`, handle them as one batch with every delivery the last; body → reason of its dead letter. */
  async function deadLetterReasons(bodies: string[]) {
    const consumer = createConsumer({ ...s.runtime, maxReceiveCount: 1 });
    for (const body of bodies) await sendRaw(body);
    const messages = await receiveAll(bodies.length);
    const results = await handleBatch(consumer, messages);
    assert.deepEqual(
      results.map((r) => r.status),
      bodies.map(() => 'fulfilled'),
    );
    const letters = await takeDeadLetters();
    assert.equal(letters.size, bodies.length);
    return bodies.map((body) => {
      const reason = letters.get(body);
      assert.ok(reason, `a reason for ${body.slice(0, 40)}`);
      assert.ok(Buffer.byteLength(reason, 'utf8') <= 1024, `bounded: ${reason.slice(0, 60)}`);
      return reason;
    });
  }

  it('bodies built to break the consumer: none throws, each is dead-lettered with a bounded reason', async () => {
    const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
    const reasons = await deadLetterReasons([
      NESTED,
      `{"v":${deep(100_000, '{"a":', '}').replace('{"a":}', '{"a":1}')}}`,
      `{"v":1,"job":"addition","kwargs":${deep(50_000, '{"a":', '}').replace('{"a":}', '{"a":1}')}}`,
      `{"v":1,"job":"addition","kwargs":{"a":${deep(200_000, '[', ']')}}}`,
      `{"v":"${'x'.repeat(500_000)}"}`,
      `{"v":1,"job":"${'j'.repeat(600_000)}","kwargs":{}}`,
      '{"v":{"__proto__":{"v":1}},"job":"addition","kwargs":{}}',
    ]);
    assert.match(reasons[4], /^unsupported envelope version "x+…/);
  });

  it("a reason quoting a producer's job name keeps to SQS's characters (issue 12 item 5)", async () => {
    const reasons = await deadLetterReasons([
      '{"v":1,"job":"a\\u0000b\\u0001c","kwargs":{}}',
      '{"v":1,"job":"\\ud800 lone","kwargs":{}}',
      '{"v":1,"job":"\\uffff","kwargs":{}}',
      '{"v":1,"job":"beyond the BMP \\ud83d\\ude00","kwargs":{}}',
    ]);
    for (const reason of reasons)
      assert.ok(!INVALID_CHARACTER.test(reason), `SQS's characters: ${JSON.stringify(reason)}`);
    assert.match(reasons[0], /unknown job "a\uFFFDb\uFFFDc"/);
    assert.match(reasons[3], /😀/, 'SQS accepts characters beyond the BMP: kept');
  });

  it('a body of nearly 1 MiB refused: dead-lettered all the same, its reason cut to fit SQS size', async () => {
    const consumer = createConsumer({ ...s.runtime, maxReceiveCount: 3 });
    const head = '{"v":1,"job":"addition","kwargs":{"big":"';
    const body = `${head}${'x'.repeat(SQS_LIMITS.messageBytes - head.length - 40)}"}}`;
    await sendRaw(body);
    const results = await handleBatch(consumer, await receiveAll(1));
    assert.equal(results[0].status, 'fulfilled');
    const letters = await takeDeadLetters();
    assert.ok(letters.has(body), 'the message is on the dead-letter queue');
    assert.ok(
      Buffer.byteLength(body) + 'reason'.length + 'String'.length + (letters.get(body)?.length ?? 0) <=
        SQS_LIMITS.messageBytes,
    );
  });

  it("the consumer's own failures are logged with the task id; the last delivery dead-letters with the reason", async () => {
    const { logger, lines } = captureLogs('debug');
    const broken: TaskStore = { ...s.store, claimTask: () => Promise.reject(new Error('throttled')) };
    const consumer = createConsumer({ ...s.runtime, store: broken, logger, maxReceiveCount: 2 });
    const task = await s.backend.queueTask('addition', { a: 1 });
    const [first] = await receiveAll(1);
    await assert.rejects(consumer.handleMessage(first), /throttled/);
    const failed = lines.find((l) => l.msg === 'message failed: it will be delivered again');
    assert.equal(failed?.task_id, task!.id);
    assert.equal(failed?.job, 'addition');
    assert.match(failed?.err?.message, /throttled/);

    await s.queue.changeVisibility(first.receiptHandle, 0);
    const [last] = await receiveAll(1);
    await consumer.handleMessage(last); // resolves: the consumer put it aside itself
    await s.queue.deleteMessages([last.receiptHandle]);
    const letters = await takeDeadLetters();
    assert.match(letters.get(last.body) ?? '', /^dead-lettered after 2 deliveries: throttled/);
    const done = await s.backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.equal(done?.deadLettered, true);
    assert.ok(lines.some((l) => l.msg.startsWith('last delivery failed') && l.task_id === task!.id));
  });
});
