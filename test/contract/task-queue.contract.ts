/**
 * The task queue contract: what every TaskQueue implementation answers, SQS standard-queue
 * semantics as the local poller and the consumer rely on them, and the SQS adapter's
 * conversions (envelope body, delays and visibility in whole seconds rounded up, batches
 * of 10 failing item by item). Run it with a factory that makes a fresh, empty queue
 * (and dead-letter queue) per test, with a short visibility timeout: tests that need time
 * to pass advance the fixture's clock (the real clock sleeps; waits are kept near 1 s).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { messageRefusal } from '../../lib/aws-rules/sqs.js';
import { encodeEnvelope } from '../../lib/envelope.js';
import type { ReceivedMessage, TaskQueue } from '../../lib/queue.js';
import type { TestClock } from './clock.js';

export interface QueueFixture {
  queue: TaskQueue;
  /** The queue's notion of now; `advance` lets delays and visibility timeouts pass. */
  clock: TestClock;
  /** Seconds a received message stays hidden: keep it at 1 or 2. */
  visibilityTimeout: number;
  /** Receives before the redrive to the dead-letter queue. */
  maxReceiveCount: number;
  cleanup(): Promise<void>;
}

export type QueueFactory = () => Promise<QueueFixture>;

const env = (id: string, job = 'job') => ({ id, job });
const bodyOf = (id: string, job = 'job') => encodeEnvelope(env(id, job));
const attrs = (m: ReceivedMessage) => m.attributes as Record<string, string>;
const idsOf = (messages: ReceivedMessage[]) => messages.map((m) => JSON.parse(m.body).id as string).sort();

/**
 * Whether less than `seconds` have passed since `since` on the fixture's clock. On the
 * real clock a "not visible yet" check proves something only if it ran in time: under
 * load a request can take longer than the window. The fake clock is always in time.
 */
const inTime = (f: QueueFixture, since: number, seconds: number) => f.clock.now() - since < seconds;

export function taskQueueContract(label: string, factory: QueueFactory): void {
  const test = (name: string, fn: (f: QueueFixture) => Promise<void>) =>
    it(name, async () => {
      const fixture = await factory();
      try {
        await fn(fixture);
      } finally {
        await fixture.cleanup();
      }
    });
  /** Past one visibility timeout. */
  const pastVisibility = (f: QueueFixture) => f.clock.advance(f.visibilityTimeout + 0.2);

  // Tests are independent (a queue each) and mostly wait: run them side by side.
  describe(`TaskQueue contract: ${label}`, { concurrency: true }, () => {
    test('send puts the envelope JSON on the queue exactly as encodeEnvelope makes it, with SQS attributes', async (f) => {
      const before = f.clock.now();
      await f.queue.send({ id: 't1', job: 'add', kwargs: { not: 'sent' } } as never);
      const after = f.clock.now();
      const received = await f.queue.receive(10, 0);
      assert.equal(received.length, 1);
      const [m] = received;
      assert.equal(m.body, '{"v":1,"id":"t1","job":"add"}');
      assert.equal(m.body, bodyOf('t1', 'add'));
      assert.ok(typeof m.messageId === 'string' && m.messageId.length > 0);
      assert.ok(typeof m.receiptHandle === 'string' && m.receiptHandle.length > 0);
      assert.equal(m.md5OfBody, createHash('md5').update(m.body).digest('hex'));
      const a = attrs(m);
      assert.equal(a.ApproximateReceiveCount, '1');
      assert.match(a.SentTimestamp, /^\d+$/);
      const sent = Number(a.SentTimestamp);
      assert.ok(sent >= Math.floor(before * 1000) - 1 && sent <= Math.ceil(after * 1000) + 1, `SentTimestamp ${sent}`);
      assert.match(a.ApproximateFirstReceiveTimestamp, /^\d+$/);
      assert.ok(Number(a.ApproximateFirstReceiveTimestamp) >= sent);
      assert.equal(typeof a.SenderId, 'string');
    });

    test('each send is its own message, even with the same envelope', async (f) => {
      await f.queue.send(env('same'));
      await f.queue.send(env('same'));
      const received = await f.queue.receive(10, 0);
      assert.equal(received.length, 2);
      assert.notEqual(received[0].messageId, received[1].messageId);
      assert.notEqual(received[0].receiptHandle, received[1].receiptHandle);
    });

    test('a received message is hidden for the visibility timeout, then delivered again, counted', async (f) => {
      await f.queue.send(env('a'));
      const receivedAt = f.clock.now();
      const [first] = await f.queue.receive(10, 0);
      const hidden = await f.queue.receive(10, 0);
      if (inTime(f, receivedAt, f.visibilityTimeout)) assert.deepEqual(hidden, []);
      // Late under load, that receive may have been the redelivery itself.
      if (!hidden.length) await pastVisibility(f);
      const again = hidden.length ? hidden : await f.queue.receive(10, 0);
      assert.equal(again.length, 1);
      assert.equal(again[0].messageId, first.messageId);
      assert.equal(again[0].body, first.body);
      assert.notEqual(again[0].receiptHandle, first.receiptHandle);
      assert.equal(attrs(again[0]).ApproximateReceiveCount, '2');
      assert.equal(attrs(again[0]).SentTimestamp, attrs(first).SentTimestamp);
    });

    test('deleteMessages: deleted messages never come back; more than 10 at once; unknown handles are no error', async (f) => {
      const errors = await f.queue.sendBatch(Array.from({ length: 12 }, (_, i) => ({ envelope: env(`m${i}`) })));
      assert.deepEqual(errors, new Array(12).fill(undefined));
      const received = [...(await f.queue.receive(10, 0)), ...(await f.queue.receive(10, 0))];
      assert.equal(received.length, 12);
      await f.queue.deleteMessages([...received.map((m) => m.receiptHandle), 'not-a-handle']);
      await f.queue.deleteMessages([]);
      await pastVisibility(f);
      assert.deepEqual(await f.queue.receive(10, 0), []);
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
    });

    test('a stale receipt handle (the message was received again since) deletes nothing', async (f) => {
      await f.queue.send(env('a'));
      const [first] = await f.queue.receive(10, 0);
      await pastVisibility(f);
      const [second] = await f.queue.receive(10, 0);
      await f.queue.deleteMessages([first.receiptHandle]);
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 1 });
      await f.queue.deleteMessages([second.receiptHandle]);
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
    });

    test('changeVisibility: 0 shows the message at once; longer keeps it hidden; a deleted one is refused', async (f) => {
      await f.queue.send(env('a'));
      const [m] = await f.queue.receive(10, 0);
      const changedAt = f.clock.now();
      await f.queue.changeVisibility(m.receiptHandle, f.visibilityTimeout + 3);
      await pastVisibility(f);
      const hidden = await f.queue.receive(10, 0);
      if (inTime(f, changedAt, f.visibilityTimeout + 3)) assert.deepEqual(hidden, []);
      if (!hidden.length) await f.queue.changeVisibility(m.receiptHandle, 0);
      const again = hidden.length ? hidden : await f.queue.receive(10, 0);
      assert.deepEqual(idsOf(again), ['a']);
      assert.equal(attrs(again[0]).ApproximateReceiveCount, '2');
      await f.queue.deleteMessages([again[0].receiptHandle]);
      await assert.rejects(f.queue.changeVisibility(again[0].receiptHandle, 5));
    });

    test('changeVisibility rounds a fraction of a second up to a whole second', async (f) => {
      await f.queue.send(env('a'));
      const [m] = await f.queue.receive(10, 0);
      await f.clock.advance(f.visibilityTimeout - 0.5);
      // Hidden 1 s from now, not 0.2 s; and longer than the receive's own timeout.
      const changedAt = f.clock.now();
      await f.queue.changeVisibility(m.receiptHandle, 0.2);
      await f.clock.advance(0.7);
      const hidden = await f.queue.receive(10, 0);
      if (inTime(f, changedAt, 1)) assert.deepEqual(hidden, []);
      if (!hidden.length) await f.clock.advance(0.5);
      assert.deepEqual(idsOf(hidden.length ? hidden : await f.queue.receive(10, 0)), ['a']);
    });

    test('a delayed message is received after its delay, rounded up to whole seconds; depth counts it delayed', async (f) => {
      const sentAt = f.clock.now();
      await f.queue.send(env('one'), 1);
      await f.queue.send(env('fraction'), 0.3);
      await f.queue.send(env('far'), 5000);
      await f.queue.send(env('now'), -5);
      const depth = await f.queue.depth();
      if (inTime(f, sentAt, 1)) assert.deepEqual(depth, { queued: 1, delayed: 3, inFlight: 0 });
      const got: ReceivedMessage[] = [];
      /** Receive and delete what is visible now. */
      const take = async () => {
        const messages = await f.queue.receive(10, 0);
        await f.queue.deleteMessages(messages.map((m) => m.receiptHandle));
        got.push(...messages);
        return messages;
      };
      const immediate = await take();
      if (inTime(f, sentAt, 1)) assert.deepEqual(idsOf(immediate), ['now']);
      await f.clock.advance(0.5);
      const early = await take();
      if (inTime(f, sentAt, 1)) assert.deepEqual(early, []);
      await f.clock.advance(0.7);
      await take();
      assert.deepEqual(idsOf(got), ['fraction', 'now', 'one']);
      assert.deepEqual(await f.queue.receive(10, 0), []);
    });

    test('sendBatch sends every item in groups of 10, each with its delay; one undefined per item sent', async (f) => {
      const items = Array.from({ length: 23 }, (_, i) => ({ envelope: env(`b${i}`), delaySeconds: i === 5 ? 60 : 0 }));
      assert.deepEqual(await f.queue.sendBatch(items), new Array(23).fill(undefined));
      assert.deepEqual(await f.queue.depth(), { queued: 22, delayed: 1, inFlight: 0 });
      const received: ReceivedMessage[] = [];
      for (let i = 0; i < 3; i++) received.push(...(await f.queue.receive(10, 0)));
      const expected = items.filter((_, i) => i !== 5).map((item) => item.envelope.id);
      assert.deepEqual(idsOf(received), expected.sort());
      for (const m of received) assert.equal(m.body, bodyOf(JSON.parse(m.body).id));
      assert.deepEqual(await f.queue.sendBatch([]), []);
    });

    test('sendBatch fails item by item: a message SQS refuses fails alone, the others are sent', async (f) => {
      const items = Array.from({ length: 12 }, (_, i) => ({ envelope: env(`b${i}`, i === 3 ? 'bad\uFFFF' : 'job') }));
      const errors = await f.queue.sendBatch(items);
      assert.equal(errors.length, 12);
      assert.ok(errors[3] instanceof Error);
      assert.match(errors[3].message, /InvalidMessageContents/);
      assert.deepEqual(
        errors.filter((_, i) => i !== 3),
        new Array(11).fill(undefined),
      );
      const received = [...(await f.queue.receive(10, 0)), ...(await f.queue.receive(10, 0))];
      assert.equal(received.length, 11);
      assert.ok(!idsOf(received).includes('b3'));
      await assert.rejects(f.queue.send(env('x', 'bad\uFFFF')));
    });

    test('a batch group over the size limit fails whole; the next group is still sent', async (f) => {
      const big = 'j'.repeat(110_000);
      const items = Array.from({ length: 11 }, (_, i) => ({ envelope: env(`b${i}`, big) }));
      const errors = await f.queue.sendBatch(items);
      assert.equal(errors.length, 11);
      for (const err of errors.slice(0, 10)) assert.ok(err instanceof Error);
      assert.equal(errors[10], undefined);
      assert.deepEqual(idsOf(await f.queue.receive(10, 0)), ['b10']);
    });

    test('receive takes at most 10 messages, and at least 1 whatever it is asked', async (f) => {
      // SQS returns up to the maximum, not exactly it (a receive samples some servers): the
      // contract is the bounds, and that every message comes out.
      await f.queue.sendBatch(Array.from({ length: 13 }, (_, i) => ({ envelope: env(`r${i}`) })));
      // Counted by id: on a slow machine the short visibility timeout can pass and a message
      // come back, which is SQS's behaviour too, not a message sent twice.
      const many = await f.queue.receive(50, 1);
      assert.ok(many.length >= 1 && many.length <= 10, `received ${many.length}`);
      const one = await f.queue.receive(0, 1);
      const another = await f.queue.receive(1, 1);
      assert.deepEqual([one.length, another.length], [1, 1]);
      const seen = new Set(idsOf([...many, ...one, ...another]));
      for (let i = 0; i < 20 && seen.size < 13; i++) for (const id of idsOf(await f.queue.receive(10, 1))) seen.add(id);
      assert.deepEqual([...seen].sort(), Array.from({ length: 13 }, (_, i) => `r${i}`).sort());
    });

    test('a long poll returns as soon as a message is sent', async (f) => {
      const started = Date.now();
      const poll = f.queue.receive(10, 5);
      await f.clock.advance(0.1);
      await f.queue.send(env('late'));
      assert.deepEqual(idsOf(await poll), ['late']);
      assert.ok(Date.now() - started < 3000, 'the poll waited on');
    });

    test('a long poll returns a delayed message once its delay has passed', async (f) => {
      await f.queue.send(env('later'), 1);
      const poll = f.queue.receive(10, 5);
      await f.clock.advance(1.1);
      assert.deepEqual(idsOf(await poll), ['later']);
    });

    test('a long poll with nothing to receive ends empty; more than 20 s is refused', async (f) => {
      assert.deepEqual(await f.queue.receive(10, 1), []);
      await assert.rejects(f.queue.receive(10, 21));
    });

    test("what SQS refuses is refused with SQS's code and message (lib/aws-rules/sqs.ts)", async (f) => {
      const body = bodyOf('x', 'bad\uFFFF');
      const refusal = messageRefusal({ MessageBody: body })!;
      await assert.rejects(f.queue.send(env('x', 'bad\uFFFF')), { name: refusal.code, message: refusal.message });
      // WaitTimeSeconds is a whole number of seconds.
      await assert.rejects(f.queue.receive(10, 0.5), { name: 'InvalidParameterValue' });
      await assert.rejects(f.queue.receiveDeadLetters(10, 0.5), { name: 'InvalidParameterValue' });
    });

    test('an aborted long poll rejects with AbortError', async (f) => {
      const controller = new AbortController();
      const poll = f.queue.receive(10, 5, controller.signal);
      await f.clock.advance(0.05);
      controller.abort();
      await assert.rejects(poll, { name: 'AbortError' });
      await assert.rejects(f.queue.receive(10, 0, AbortSignal.abort()), { name: 'AbortError' });
    });

    test('redrive: the receive after maxReceiveCount receives moves the message to the dead-letter queue', async (f) => {
      await f.queue.send(env('poison'));
      for (let n = 1; n <= f.maxReceiveCount; n++) {
        const [m] = await f.queue.receive(10, 0);
        assert.equal(attrs(m).ApproximateReceiveCount, String(n));
        await f.queue.changeVisibility(m.receiptHandle, 0);
      }
      await f.queue.send(env('healthy'));
      assert.deepEqual(idsOf(await f.queue.receive(10, 0)), ['healthy']);
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 1 });
      assert.equal(await f.queue.deadLetterCount(), 1);
      const dead = await f.queue.receiveDeadLetters(10);
      assert.deepEqual(
        dead.map((m) => m.body),
        [bodyOf('poison')],
      );
      await f.queue.deleteDeadLetters(dead.map((m) => m.receiptHandle));
      assert.equal(await f.queue.deadLetterCount(), 0);
    });

    test('deadLetter puts any body aside as it is; received dead letters are hidden but still counted', async (f) => {
      await f.queue.deadLetter('not json {', 'body is not JSON');
      await f.queue.deadLetter(bodyOf('x'), 'r'.repeat(5000));
      assert.equal(await f.queue.deadLetterCount(), 2);
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
      const dead = await f.queue.receiveDeadLetters(10);
      assert.deepEqual(dead.map((m) => m.body).sort(), [bodyOf('x'), 'not json {'].sort());
      assert.deepEqual(await f.queue.receiveDeadLetters(10), []);
      assert.equal(await f.queue.deadLetterCount(), 2);
      await f.queue.deleteDeadLetters([dead[0].receiptHandle]);
      assert.equal(await f.queue.deadLetterCount(), 1);
      await f.queue.deleteDeadLetters([dead[1].receiptHandle, 'not-a-handle']);
      assert.equal(await f.queue.deadLetterCount(), 0);
    });

    test('depth counts queued, delayed and in-flight messages', async (f) => {
      await f.queue.send(env('a'));
      await f.queue.send(env('b'));
      await f.queue.send(env('c'), 60);
      assert.deepEqual(await f.queue.depth(), { queued: 2, delayed: 1, inFlight: 0 });
      const [m] = await f.queue.receive(1, 0);
      assert.deepEqual(await f.queue.depth(), { queued: 1, delayed: 1, inFlight: 1 });
      await f.queue.deleteMessages([m.receiptHandle]);
      assert.deepEqual(await f.queue.depth(), { queued: 1, delayed: 1, inFlight: 0 });
    });

    test('purge empties the task queue, delayed and in-flight messages included; dead letters stay', async (f) => {
      await f.queue.send(env('a'));
      await f.queue.send(env('b'));
      await f.queue.send(env('c'), 60);
      await f.queue.receive(1, 0);
      await f.queue.deadLetter('aside', 'kept');
      await f.queue.purge();
      assert.deepEqual(await f.queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
      await pastVisibility(f);
      assert.deepEqual(await f.queue.receive(10, 0), []);
      assert.equal(await f.queue.deadLetterCount(), 1);
    });
  });
}
