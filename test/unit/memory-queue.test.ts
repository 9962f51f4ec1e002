/**
 * The memory queue: the task queue contract on a fake clock, plus its harness helpers and
 * what the emulator cannot show (exact depth as time passes, cheap long polls).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryQueue, QueueRequestError } from '../../lib/index.js';
import { fakeClock } from '../contract/clock.js';
import { taskQueueContract } from '../contract/task-queue.contract.js';

const VISIBILITY = 1;
const MAX_RECEIVES = 2;

taskQueueContract('memory queue, fake clock', async () => {
  const clock = fakeClock();
  const queue = createMemoryQueue({ clock: clock.now, visibilityTimeout: VISIBILITY, maxReceiveCount: MAX_RECEIVES });
  return { queue, clock, visibilityTimeout: VISIBILITY, maxReceiveCount: MAX_RECEIVES, cleanup: async () => undefined };
});

describe('memory queue, beyond the contract', () => {
  const setup = (options: { maxRealWaitMs?: number } = {}) => {
    const clock = fakeClock();
    const queue = createMemoryQueue({ clock: clock.now, visibilityTimeout: 30, maxReceiveCount: 3, ...options });
    return { clock, queue };
  };

  it('depth follows the clock exactly: delays end and visibility timeouts lapse without a receive', async () => {
    const { clock, queue } = setup();
    await queue.send({ id: 'a', job: 'j' });
    await queue.send({ id: 'b', job: 'j' }, 10);
    await queue.receive(1, 0);
    assert.deepEqual(await queue.depth(), { queued: 0, delayed: 1, inFlight: 1 });
    await clock.advance(10);
    assert.deepEqual(await queue.depth(), { queued: 1, delayed: 0, inFlight: 1 });
    await clock.advance(20);
    assert.deepEqual(await queue.depth(), { queued: 2, delayed: 0, inFlight: 0 });
  });

  it('nextVisibleAt tells a fake-clock harness where to move the clock', async () => {
    const { clock, queue } = setup();
    const start = clock.now();
    assert.equal(queue.nextVisibleAt(), undefined);
    await queue.send({ id: 'a', job: 'j' }, 45);
    await queue.send({ id: 'b', job: 'j' });
    assert.equal(queue.nextVisibleAt(), start + 45);
    await queue.receive(10, 0);
    assert.equal(queue.nextVisibleAt(), start + 30);
    await clock.advance(queue.nextVisibleAt()! - clock.now());
    assert.deepEqual(
      (await queue.receive(10, 0)).map((m) => JSON.parse(m.body).id),
      ['b'],
    );
  });

  it('visibleNow ends delays and visibility timeouts without moving the clock', async () => {
    const { clock, queue } = setup();
    const start = clock.now();
    await queue.send({ id: 'a', job: 'j' }, 900);
    await queue.send({ id: 'b', job: 'j' });
    const [inFlight] = await queue.receive(1, 0);
    assert.equal(queue.visibleNow(), 2);
    assert.equal(clock.now(), start);
    assert.equal(queue.nextVisibleAt(), undefined);
    const received = await queue.receive(10, 0);
    assert.equal(received.length, 2);
    // The old handle of a message received again deletes nothing; the new ones do.
    await queue.deleteMessages([inFlight.receiptHandle]);
    assert.equal((await queue.depth()).inFlight, 2);
    await queue.deleteMessages(received.map((m) => m.receiptHandle));
    assert.deepEqual(await queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
  });

  it('as in SQS, a lapsed message not yet received again: its handle still deletes it, but cannot change its visibility', async () => {
    const { clock, queue } = setup();
    await queue.send({ id: 'a', job: 'j' });
    const [m] = await queue.receive(1, 0);
    await clock.advance(31);
    await assert.rejects(queue.changeVisibility(m.receiptHandle, 10), { name: 'MessageNotInflight' });
    await queue.deleteMessages([m.receiptHandle]);
    assert.deepEqual(await queue.depth(), { queued: 0, delayed: 0, inFlight: 0 });
  });

  it('peekDeadLetters shows bodies and reasons without receiving them', async () => {
    const { queue } = setup();
    await queue.deadLetter('not json', 'x'.repeat(2000));
    await queue.send({ id: 'p', job: 'j' });
    for (let i = 0; i < 4; i++) {
      const [m] = await queue.receive(1, 0);
      if (m) await queue.changeVisibility(m.receiptHandle, 0);
    }
    const dead = queue.peekDeadLetters();
    assert.deepEqual(
      dead.map(({ body, reason, receiveCount }) => ({ body, reason, receiveCount })),
      [
        { body: 'not json', reason: `${'x'.repeat(1021)}…`, receiveCount: 0 }, // 1,024 UTF-8 bytes
        { body: '{"v":1,"id":"p","job":"j"}', reason: undefined, receiveCount: 4 },
      ],
    );
    assert.equal(await queue.deadLetterCount(), 2);
  });

  it('with a fake clock a long poll costs little real time: it gives up after maxRealWaitMs', async () => {
    const { queue } = setup();
    let started = performance.now();
    assert.deepEqual(await queue.receive(10, 20), []);
    assert.ok(performance.now() - started < 1000, 'waited the default 100 ms, not 20 s');
    const patient = setup({ maxRealWaitMs: 300 }).queue;
    started = performance.now();
    assert.deepEqual(await patient.receive(10, 20), []);
    assert.ok(performance.now() - started >= 290);
  });

  it('with the default clock a long poll waits for real, and a delay passes for real', async () => {
    const queue = createMemoryQueue();
    await queue.send({ id: 'a', job: 'j' }, 1);
    const started = performance.now();
    const received = await queue.receive(10, 2);
    assert.equal(received.length, 1);
    assert.ok(performance.now() - started >= 900);
  });

  it("errors are named by SQS's codes, as the SDK's are", async () => {
    const { queue } = setup();
    await assert.rejects(queue.send({ id: 'a', job: '\uFFFE' }), (err) => {
      assert.ok(err instanceof QueueRequestError);
      assert.equal(err.name, 'InvalidMessageContents');
      assert.equal(err.code, 'InvalidMessageContents');
      return true;
    });
    await assert.rejects(queue.deadLetter('', 'empty'), { name: 'MissingParameter' });
    await assert.rejects(queue.receive(1, -1), { name: 'InvalidParameterValue' });
    // Not a whole number of seconds: refused as SQS does (this long poll never ended).
    await assert.rejects(queue.receive(1, Number.NaN), { name: 'InvalidParameterValue' });
    await queue.send({ id: 'v', job: 'j' });
    const [held] = await queue.receive(1, 0);
    const hiddenUntil = queue.nextVisibleAt();
    await assert.rejects(queue.changeVisibility(held.receiptHandle, Number.NaN), { name: 'InvalidParameterValue' });
    assert.equal(queue.nextVisibleAt(), hiddenUntil, 'its visibility timeout unchanged');
    await queue.deleteMessages([held.receiptHandle]);
    // Characters outside the Basic Multilingual Plane are valid SQS text.
    await queue.send({ id: 'a', job: 'emoji-\u{1F600}' });
    assert.equal((await queue.receive(1, 0))[0].body, '{"v":1,"id":"a","job":"emoji-\u{1F600}"}');
  });
});
