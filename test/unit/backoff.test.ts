/**
 * Backing off from AWS (lib/aws/backoff.ts): the waits, with an injected sleep and random
 * number, and the two adapters that use them — DynamoDB batches answered in part, and a
 * throttled CreateSchedule. The fake clients here stand for AWS answers no emulator
 * gives (UnprocessedKeys, ThrottlingException); what they check is our loop, not the SDK.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConflictException, ThrottlingException } from '@aws-sdk/client-scheduler';
import {
  type Backoff,
  backoffDelay,
  DYNAMO_BATCH_BACKOFF,
  isThrottling,
  retryThrottled,
  SCHEDULER_THROTTLE_BACKOFF,
  sendUntilDone,
} from '../../lib/aws/backoff.js';
import { batchGet, flushTable, type TaskTable } from '../../lib/aws/dynamo/table.js';
import { createEventBridgeTimer } from '../../lib/aws/eventbridge-timer.js';

/** A backoff whose waits are recorded, not slept; random() is always `r`. */
function recorded(base: Omit<Backoff, 'sleep' | 'random'>, r = 0.5) {
  const waits: number[] = [];
  const backoff: Backoff = { ...base, random: () => r, sleep: async (ms) => void waits.push(ms) };
  return { backoff, waits };
}

const throttled = () =>
  new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });

describe('backoffDelay', () => {
  test('full jitter: random × min(cap, base × 2^(round − 1))', () => {
    const caps = [1, 2, 3, 4, 5, 6, 7, 8].map((round) =>
      backoffDelay(round, { ...DYNAMO_BATCH_BACKOFF, random: () => 1 }),
    );
    assert.deepEqual(caps, [50, 100, 200, 400, 800, 1600, 2000, 2000]);
    assert.equal(backoffDelay(3, { ...DYNAMO_BATCH_BACKOFF, random: () => 0.25 }), 50);
    assert.equal(backoffDelay(1, { ...SCHEDULER_THROTTLE_BACKOFF, random: () => 0 }), 0);
  });

  test('the defaults: at most ~11 s of waits for a DynamoDB batch, 3.5 s for CreateSchedule', () => {
    const total = (b: Backoff) =>
      Array.from({ length: b.retries }, (_, i) => backoffDelay(i + 1, { ...b, random: () => 1 })).reduce(
        (a, c) => a + c,
      );
    assert.equal(total(DYNAMO_BATCH_BACKOFF), 11_150);
    assert.equal(total(SCHEDULER_THROTTLE_BACKOFF), 3_500);
  });
});

describe('sendUntilDone', () => {
  test('an answer that did part of the work is followed at once; one that did none waits, growing, until progress', async () => {
    const { backoff, waits } = recorded({ baseMs: 100, capMs: 1000, retries: 5 });
    const sent: number[][] = [];
    // Per call: true = the answer did one item (a size-capped answer), false = none (throttled).
    const progress = [true, false, false, true, false, true, true];
    await sendUntilDone(
      [1, 2, 3, 4],
      async (items) => {
        sent.push(items);
        return progress.shift() ? items.slice(1) : items;
      },
      backoff,
      'test',
    );
    assert.deepEqual(sent, [[1, 2, 3, 4], [2, 3, 4], [2, 3, 4], [2, 3, 4], [3, 4], [3, 4], [4]]);
    // None before the first call nor after progress; 50, 100 after two stalls; 50 again after the next.
    assert.deepEqual(waits, [50, 100, 50]);
  });

  test('gives up after its rounds, naming what and how many were left', async () => {
    const { backoff, waits } = recorded({ baseMs: 100, capMs: 300, retries: 3 });
    await assert.rejects(
      sendUntilDone([1, 2], async (items) => items, backoff, 'BatchGetItem'),
      /^SkytaskError: BatchGetItem: 2 left unprocessed after 4 tries in a row without progress \(throttled\)$/,
    );
    assert.deepEqual(waits, [50, 100, 150]);
  });

  test('nothing to send: no call', async () => {
    await sendUntilDone([], async () => assert.fail('called'), recorded(DYNAMO_BATCH_BACKOFF).backoff, 'x');
  });
});

describe('retryThrottled', () => {
  test('a throttling error is tried again after a wait; the answer is returned', async () => {
    const { backoff, waits } = recorded(SCHEDULER_THROTTLE_BACKOFF);
    let calls = 0;
    const answer = await retryThrottled(async () => {
      if (++calls <= 2) throw throttled();
      return 'ok';
    }, backoff);
    assert.equal(answer, 'ok');
    assert.deepEqual(waits, [250, 500]);
  });

  test('another error is thrown at once; the last throttling error after the last round', async () => {
    const { backoff, waits } = recorded(SCHEDULER_THROTTLE_BACKOFF);
    await assert.rejects(
      retryThrottled(async () => {
        throw new Error('AccessDenied');
      }, backoff),
      /AccessDenied/,
    );
    assert.deepEqual(waits, []);
    let calls = 0;
    await assert.rejects(
      retryThrottled(async () => {
        calls++;
        throw throttled();
      }, backoff),
      ThrottlingException,
    );
    assert.equal(calls, 4);
    assert.deepEqual(waits, [250, 500, 1000]);
  });

  test('isThrottling: the SDK names, or HTTP 429', () => {
    assert.equal(isThrottling(throttled()), true);
    assert.equal(isThrottling({ name: 'ProvisionedThroughputExceededException' }), true);
    assert.equal(isThrottling({ name: 'Whatever', $metadata: { httpStatusCode: 429 } }), true);
    assert.equal(isThrottling(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} })), false);
    assert.equal(isThrottling(undefined), false);
  });
});

/** A TaskTable whose client answers from `answer` (one call each) and records the requests. */
function fakeTable(answers: any[], backoff: Backoff) {
  const requests: any[] = [];
  const doc = {
    send: async (command: { input: any }) => {
      requests.push(command.input);
      return answers.shift() ?? {};
    },
  };
  return { table: { doc, name: 'tasks', retentionSeconds: 1, backoff } as unknown as TaskTable, requests };
}

describe('DynamoDB batches answered in part', () => {
  test('batchGet sends the unprocessed keys again (after a backoff only when an answer did nothing), and returns every item', async () => {
    const { backoff, waits } = recorded(DYNAMO_BATCH_BACKOFF);
    const keys = [{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }];
    const { table, requests } = fakeTable(
      [
        { Responses: { tasks: [{ pk: 'a' }] }, UnprocessedKeys: { tasks: { Keys: [{ pk: 'b' }, { pk: 'c' }] } } },
        { Responses: { tasks: [] }, UnprocessedKeys: { tasks: { Keys: [{ pk: 'b' }, { pk: 'c' }] } } },
        { Responses: { tasks: [{ pk: 'b' }] }, UnprocessedKeys: { tasks: { Keys: [{ pk: 'c' }] } } },
        { Responses: { tasks: [{ pk: 'c' }] }, UnprocessedKeys: {} },
      ],
      backoff,
    );
    assert.deepEqual(await batchGet(table, keys), keys);
    assert.deepEqual(
      requests.map((r) => r.RequestItems.tasks.Keys.length),
      [3, 2, 2, 1],
    );
    assert.deepEqual(waits, [25]);
  });

  test('flushTable writes the unprocessed deletes again', async () => {
    const { backoff, waits } = recorded(DYNAMO_BATCH_BACKOFF);
    const left = [{ DeleteRequest: { Key: { pk: 'b' } } }];
    const { table, requests } = fakeTable(
      [{ Items: [{ pk: 'a' }, { pk: 'b' }] }, { UnprocessedItems: { tasks: left } }, { UnprocessedItems: {} }],
      backoff,
    );
    await flushTable(table);
    assert.deepEqual(requests[2].RequestItems.tasks, left);
    assert.deepEqual(waits, [], 'the first answer did one of two: no wait');
  });
});

describe('CreateSchedule throttled', () => {
  const options = { groupName: 'g', roleArn: 'arn:aws:iam::1:role/r', queueArn: 'arn:aws:sqs:us-east-1:1:q' };

  test('the timer arms after throttling, waiting between tries; a schedule that exists is armed', async () => {
    const { backoff, waits } = recorded(SCHEDULER_THROTTLE_BACKOFF);
    const answers: (() => unknown)[] = [
      () => {
        throw throttled();
      },
      () => {
        throw throttled();
      },
      () => ({}),
      () => {
        throw new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} });
      },
    ];
    const names: string[] = [];
    const client = {
      send: async (command: { input: { Name: string } }) => {
        names.push(command.input.Name);
        return answers.shift()!();
      },
    };
    const timer = createEventBridgeTimer({ client: client as never, backoff, ...options });
    await timer.arm({ id: 'late', job: 'j' }, 2_000_000_000);
    assert.deepEqual(names, ['t-late', 't-late', 't-late']);
    assert.deepEqual(waits, [250, 500]);
    await timer.arm({ id: 'late', job: 'j' }, 2_000_000_000);
  });

  test('throttled past the last round: the throttling error reaches the caller (the task keeps its send error)', async () => {
    const { backoff } = recorded(SCHEDULER_THROTTLE_BACKOFF);
    const client = {
      send: async () => {
        throw throttled();
      },
    };
    const timer = createEventBridgeTimer({ client: client as never, backoff, ...options });
    await assert.rejects(timer.arm({ id: 'late', job: 'j' }, 2_000_000_000), ThrottlingException);
  });
});
