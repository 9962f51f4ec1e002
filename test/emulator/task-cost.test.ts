/**
 * The cost a finished task records (issue 16), checked against what the test counts itself:
 * write units by an SDK middleware that sizes every written item (test/write-meter.ts), SQS
 * requests by an SDK middleware that counts them. Estimated by skytask, and so only checked
 * for their form: the shares of the receive and delete batches (docs/cost.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineJob, RetryTaskError } from '../../lib/index.js';
import { testStack, type TestStack } from '../helpers.js';
import { createWriteMeter, type WriteMeter } from '../write-meter.js';

let stack: TestStack;
let meter: WriteMeter;
const sqsCalls: string[] = [];
let failedOnce = false;

const jobs = {
  noop: defineJob({ name: 'noop', run: () => null }),
  slow: defineJob({
    name: 'slow',
    run: async (_ctx, { ms }: { ms: number; pad?: string }) => new Promise((r) => setTimeout(() => r('done'), ms)),
  }),
  flaky: defineJob({
    name: 'flaky',
    maxRetries: 1,
    run: () => {
      if (failedOnce) return 'ok';
      failedOnce = true;
      throw new RetryTaskError('once', 0);
    },
  }),
  single: defineJob({ name: 'single', canOverlap: false, run: () => 'alone' }),
};

before(async () => {
  stack = await testStack({ jobs, env: { SKYTASK_LEASE_SECONDS: '3' } });
  meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
  meter.attach(stack.clients.dynamodb);
  stack.clients.sqs.middlewareStack.add(
    (next: any, context: any) => async (args: any) => (sqsCalls.push(context.commandName), next(args)),
    { step: 'initialize', name: 'sqsCounter' },
  );
});
after(() => meter.destroy());

async function runOne(job: string, kwargs: object = {}) {
  meter.reset();
  sqsCalls.length = 0;
  const queued = await stack.backend.queueTask(job, kwargs);
  await stack.drain();
  const task = (await stack.backend.getTask(queued!.id))!;
  assert.equal(task.status, 'SUCCESS');
  assert.ok(task.cost, 'a finished task shows its cost');
  const units = meter.of(`task#${task.id}`);
  return { task, cost: task.cost!, metered: units.table + units.index };
}

const count = (name: string) => sqsCalls.filter((c) => c === `${name}Command`).length;

describe('the cost a task records', () => {
  it('a no-op task: its write units as metered, its send, its share of a receive and a delete, one invocation', async () => {
    const { cost, metered } = await runOne('noop');
    assert.equal(cost.writeUnits, metered);
    assert.equal(cost.writeUnits, 6);
    assert.equal(count('SendMessage'), 1);
    // One message received alone: its receive and its delete are whole requests.
    assert.equal(cost.sqsRequests, 3);
    assert.equal(cost.lambdaRequests, 1);
    assert.equal(cost.heartbeats, 0);
    assert.ok(cost.lambdaMs >= 0 && cost.gbSeconds === undefined, 'no GB-seconds off Lambda');
  });

  it('kwargs in a body, heartbeats: every write counted, the visibility changes too', async () => {
    const { cost, metered } = await runOne('slow', { ms: 2500, pad: 'x'.repeat(20 * 1024) });
    assert.equal(cost.writeUnits, metered);
    assert.ok(cost.heartbeats >= 1, `${cost.heartbeats} heartbeats`);
    assert.equal(count('ChangeMessageVisibility'), cost.heartbeats);
    assert.equal(cost.sqsRequests, 3 + cost.heartbeats);
    assert.ok(cost.lambdaMs >= 2500);
  });

  it('a retried task: both attempts, and the retry’s new message', async () => {
    const { cost, metered } = await runOne('flaky');
    assert.equal(cost.writeUnits, metered);
    assert.equal(count('SendMessage'), 2, 'its first message and the retry’s');
    // Two deliveries alone (a receive and a delete each), the first send and the retry's.
    assert.equal(cost.sqsRequests, 2 + 2 * 2);
    assert.equal(cost.lambdaRequests, 2);
  });

  it('a non-overlap task: its lock’s put and release are counted too', async () => {
    const { task, cost, metered } = await runOne('single');
    const lock = meter.log().filter((w) => w.pk.startsWith('lock#'));
    assert.equal(lock.length, 2, 'the lock taken, the lock released');
    assert.equal(cost.writeUnits, metered + lock.reduce((n, w) => n + w.table + w.index, 0), `task ${task.id}`);
  });

  it('a batch of ten queued at once: a tenth of the send each, the shares of the receive and delete', async () => {
    meter.reset();
    const results = await stack.backend.queueTasks(Array.from({ length: 10 }, () => ({ job: 'noop', kwargs: {} })));
    await stack.drain();
    for (const r of results) {
      const task = (await stack.backend.getTask(r.ok ? r.task!.id : ''))!;
      assert.equal(task.cost?.writeUnits, meter.of(`task#${task.id}`).table + meter.of(`task#${task.id}`).index);
      assert.ok(task.cost!.sqsRequests < 1, `${task.cost!.sqsRequests} SQS requests`);
    }
  });
});
