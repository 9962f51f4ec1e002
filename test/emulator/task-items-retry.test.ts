/**
 * A retried task's writes (issue 16): a failed attempt's error, stack and history go to a fail
 * item beside the head (lib/task-items.ts), so the retry's claim and heartbeats still cost 1
 * write unit each. Measured by the SDK middleware that sizes every written item
 * (test/write-meter.ts), independently of skytask's own count; `get_task` shows at each stage
 * what it showed when the head held them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineJob } from '../../lib/index.js';
import { testStack, type TestStack } from '../helpers.js';
import { createWriteMeter, type WriteEntry, type WriteMeter } from '../write-meter.js';

let stack: TestStack;
let meter: WriteMeter;

const MESSAGE = `boom ${'m'.repeat(3000)}`;
const STACK = `Error: ${MESSAGE}\n${'    at deep (file:///jobs.ts:1:1)\n'.repeat(230)}`.slice(0, 8000);
/** Where the meter's log stood when each attempt's job began and when the second one returned. */
const marks: { attempt: number; logAt: number }[] = [];
let returnedAt = 0;
/** What `get_task` and the job's own context showed while the second attempt ran. */
let whileStarted: any;
let contextErrors: unknown;

const jobs = {
  twice: defineJob({
    name: 'twice',
    maxRetries: 1,
    retryBackoff: { base: 2, cap: 2 },
    run: async (ctx) => {
      marks.push({ attempt: ctx.task.attempts, logAt: meter.log().length });
      if (ctx.task.attempts === 1) {
        const error = new Error(MESSAGE);
        error.stack = STACK;
        throw error;
      }
      contextErrors = ctx.task.errors;
      whileStarted = (await stack.call('get_task', { id: ctx.taskId })).result;
      // A 3 s lease: a heartbeat every second.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      returnedAt = meter.log().length;
      return 'ok';
    },
  }),
};

before(async () => {
  stack = await testStack({ jobs, env: { SKYTASK_LEASE_SECONDS: '3' } });
  meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
  meter.attach(stack.clients.dynamodb);
});
after(() => meter.destroy());

const units = (w: WriteEntry) => w.table + w.index;

describe('a retried task: the failed attempt’s error, stack and history off the head', () => {
  it('the retry’s claim and each heartbeat cost 1 write unit; get_task shows the error, stack and history at each stage', async () => {
    const queued = await stack.backend.queueTask('twice', {});
    const id = queued!.id;
    const pk = `task#${id}`;
    await stack.drain();

    // RETRY: the last attempt's error and stack, and the history.
    const retry = (await stack.call('get_task', { id })).result;
    assert.equal(retry.status, 'RETRY');
    assert.equal(retry.error, MESSAGE);
    assert.equal(retry.stack, STACK);
    assert.equal(retry.errors.length, 1);
    assert.equal(retry.errors[0].attempt, 1);
    assert.ok(retry.errors[0].error.startsWith('boom mmm'));
    assert.ok(Buffer.byteLength(JSON.stringify(retry.errors[0].error)) - 2 <= 1024, 'a history entry is cut to 1 KB');

    // The retry's message is due in 1–2 s (whole seconds on SQS): drain until it has run.
    for (let round = 0; round < 40 && marks.length < 2; round++) await stack.drain();
    await stack.drain();
    const done = (await stack.call('get_task', { id })).result;
    assert.equal(done.status, 'SUCCESS');

    // STARTED again: the retry shows the failed attempt's error, stack and history, as RETRY did.
    assert.equal(whileStarted.status, 'STARTED');
    assert.deepEqual(
      { error: whileStarted.error, stack: whileStarted.stack, errors: whileStarted.errors },
      { error: retry.error, stack: retry.stack, errors: retry.errors },
    );
    assert.deepEqual(contextErrors, retry.errors, 'the claim gives the run the history its outcome builds on');
    // SUCCESS: the result and the history; the outcome replaced the error and the stack.
    assert.equal(done.result, 'ok');
    assert.deepEqual(done.errors, retry.errors);
    assert.equal(done.error, null);
    assert.equal(done.stack, undefined);

    // The writes: the meter's log, cut where each attempt's job began and the second returned.
    const [first, second] = marks;
    assert.deepEqual(
      marks.map((m) => m.attempt),
      [1, 2],
    );
    const log = meter.log();
    const mine = (from: number, to = log.length) => log.slice(from, to).filter((w) => w.pk === pk);
    const between = mine(first.logAt, second.logAt);
    const claim = between.at(-1)!;
    const finish = between.slice(0, -1);
    const beats = mine(second.logAt, returnedAt);
    assert.ok(beats.length >= 1, `${beats.length} heartbeats`);

    assert.deepEqual(
      [claim.api, claim.sk, claim.table, claim.index],
      ['UpdateItem', 'head', 1, 0],
      'the retry’s claim costs 1 unit',
    );
    for (const beat of beats) {
      assert.deepEqual(
        [beat.api, beat.sk, beat.table, beat.index],
        ['UpdateItem', 'head', 1, 0],
        'a heartbeat: 1 unit',
      );
    }
    // The RETRY finish: the fail item's put (its size in KB: the message, the stack, the
    // history), then the head's update (1 unit: no index key changes for a RETRY).
    assert.deepEqual(
      finish.map((w) => [w.api, w.sk.replace(/#.*/, '#')]),
      [
        ['PutItem', 'fail#'],
        ['UpdateItem', 'head'],
      ],
    );
    const held = Math.ceil((3005 + 8000 + 1024) / 1024);
    assert.ok(finish[0].table >= held && finish[0].table <= held + 1, `the fail item: ${finish[0].table} units`);
    assert.deepEqual([finish[1].table, finish[1].index], [1, 0]);

    // What the task records is what the meter counted: every write of its items.
    const metered = meter.of(pk);
    assert.equal(done.cost.write_units, metered.table + metered.index);
    const total = log.filter((w) => w.pk === pk).reduce((n, w) => n + units(w), 0);
    assert.equal(total, done.cost.write_units);
  });
});
