/**
 * Hostile and odd inputs (issue 11, items 4-6) through JSON-RPC and the consumer, on the
 * emulators: every id, name and number that becomes a DynamoDB key or a stored value is
 * refused up front (-32602 naming the param, nothing written); a finish write always fits
 * the 400 KB item; values JSON cannot carry are refused, never emptied.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as sampleJobs from '../../examples/jobs.js';
import { defineJob, LIMITS, RPC_ERRORS, ValidationError } from '../../lib/index.js';
import { testStack } from '../helpers.js';

/** Item 5: ten attempts throw 5,000 control characters (6 bytes each in JSON), the eleventh returns 256 KB. */
let bloatedRuns = 0;
const bloated = defineJob({
  name: 'bloated',
  maxRetries: 10,
  retryBackoff: { base: 0.001, cap: 0.001 },
  run(ctx) {
    bloatedRuns++;
    if (ctx.task.attempts <= 10) throw new Error('\u0001'.repeat(5000));
    return 'r'.repeat(LIMITS.resultBytes - 2);
  },
});
/** Item 6: values JSON cannot carry, as a result and as a sub-task's kwargs. */
const returnsSet = defineJob({ name: 'returnsSet', run: () => new Set([1, 2]) });
const queuesSet = defineJob({
  name: 'queuesSet',
  run: (ctx) => ctx.queueTask('addition', { tags: new Set(['a']) }),
});
const jobs = { ...sampleJobs, bloated, returnsSet, queuesSet };

/** A raw DynamoDB item's size counted independently: names and strings in UTF-8 bytes, a number at most its digits. */
function storedBytes(item: Record<string, { S?: string; N?: string; BOOL?: boolean }>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += Buffer.byteLength(name);
    if (value.S !== undefined) total += Buffer.byteLength(value.S);
    else if (value.N !== undefined) total += value.N.length;
    else total += 1;
  }
  return total;
}

/** The -32602 cases: method, params, and the param the message must name. */
const REFUSED: [string, Record<string, unknown>, string][] = [
  // A task id is the key `task#<id>`: at most 2,048 UTF-8 bytes (DynamoDB counts bytes).
  ['get_tasks', { ids: ['a'.repeat(2044)] }, 'ids'],
  ['get_tasks', { ids: ['ok', '€'.repeat(700)] }, 'ids'],
  ['delete_tasks', { ids: ['a'.repeat(2044)] }, 'ids'],
  ['get_task', { id: '€'.repeat(700) }, 'id'],
  ['revoke_task', { id: '€'.repeat(700) }, 'id'],
  ['wait_for_task', { id: '€'.repeat(700), timeout: 0 }, 'id'],
  // A job name is the index key `<name>#<shard>`; a parent id is the index key itself.
  ['get_tasks', { name: '€'.repeat(700) }, 'name'],
  ['get_tasks', { from_task: '€'.repeat(700) }, 'from_task'],
  // Integers where DynamoDB (Limit) or a count wants one.
  ['get_tasks', { limit: 1.5 }, 'limit'],
  ['redrive_dead_letters', { limit: 2.5 }, 'limit'],
  // Times: each must be a number DynamoDB stores and the SDK marshals (finite, |n| ≤ 2^53, not below 1e-130).
  ['queue_task', { jobname: 'addition', expiry: 1e16 }, 'expiry'],
  ['queue_task', { jobname: 'addition', expiry: 400 * 86_400 }, 'expiry'],
  ['queue_task', { jobname: 'addition', eta: -1e16 }, 'eta'],
  ['queue_task', { jobname: 'addition', eta: 1e-131 }, 'eta'],
  ['queue_task', { jobname: 'addition', eta: -1 }, 'eta'],
  ['queue_task', { jobname: 'addition', eta: 60 }, 'eta'], // seconds from now given as a time: 1970
  ['queue_task', { jobname: 'addition', delay: 1e16 }, 'delay'],
];

describe('inputs refused up front (issue 11)', async () => {
  const stack = await testStack({ jobs, visibilityTimeout: 1 });
  const count = async () => (await stack.call('get_tasks', { limit: 1000 })).result.tasks.length;

  it('ids, names and numbers that would reach DynamoDB unchecked: -32602 naming the param, nothing written', async () => {
    await stack.call('queue_task', { jobname: 'addition', id: 'kept', delay: 60 });
    const before = await count();
    for (const [method, params, param] of REFUSED) {
      const where = `${method} ${JSON.stringify(params).slice(0, 80)}`;
      const { error } = await stack.call(method, params);
      assert.equal(error?.code, RPC_ERRORS.invalidParams, `${where} → ${JSON.stringify(error)}`);
      assert.match(error.message, new RegExp(`^${param}\\b`), `${where}: ${error.message}`);
    }
    assert.equal(await count(), before);
    assert.equal((await stack.call('get_task', { id: 'kept' })).result.status, 'QUEUED');
  });

  it('the largest key that fits is a plain answer, not an error', async () => {
    const id = `${'€'.repeat(681)}`; // 2,043 bytes: task#<id> is 2,048
    assert.deepEqual((await stack.call('get_tasks', { ids: [id] })).result, { tasks: [], cursor: null });
    assert.equal((await stack.call('get_task', { id })).result, null);
    assert.deepEqual((await stack.call('delete_tasks', { ids: [id] })).result, []);
  });

  it('a finish write always fits: 10 control-character errors, a 256 KB result and 100 KB kwargs end SUCCESS, once', async () => {
    const kwargs = { pad: 'k'.repeat(LIMITS.kwargsBytes - 10) };
    assert.equal(Buffer.byteLength(JSON.stringify(kwargs)), LIMITS.kwargsBytes);
    const task = await stack.backend.queueTask('bloated', kwargs);
    await stack.drain();
    await stack.drain(); // what would come back after the visibility timeout
    const done = await stack.backend.getTask(task!.id);
    assert.equal(done?.status, 'SUCCESS', `${done?.status} after ${bloatedRuns} runs`);
    assert.equal(done?.attempts, 11);
    assert.equal(bloatedRuns, 11, 'the body ran once per attempt, never again for a failed finish');
    assert.equal((done!.result as string).length, LIMITS.resultBytes - 2);
    assert.equal(done?.errors?.length, 10);
    for (const entry of done!.errors!) assert.match(entry.error, /… \[truncated\]$/);
    const { Item } = await stack.clients.dynamodb.send(
      new GetItemCommand({ TableName: stack.config.table, Key: { pk: { S: `task#${task!.id}` }, sk: { S: 'head' } } }),
    );
    const size = storedBytes(Item as never);
    assert.ok(size <= LIMITS.itemBytes, `the stored item is ${size} bytes`);
    assert.deepEqual(await stack.deadLetters(), []);
  });

  it('a result JSON cannot carry is a FAILURE naming the path, not SUCCESS with {}', async () => {
    const task = await stack.backend.queueTask('returnsSet', {});
    await stack.drain();
    const done = await stack.backend.getTask(task!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.equal(done?.result, undefined);
    assert.match(done!.error!, /result: a Set is not JSON/);
  });

  it('kwargs JSON cannot carry are refused naming the path, from a job (ctx.queueTask) or a client; nothing written', async () => {
    const parent = await stack.backend.queueTask('queuesSet', {});
    await stack.drain();
    const done = await stack.backend.getTask(parent!.id);
    assert.equal(done?.status, 'FAILURE');
    assert.match(done!.error!, /kwargs\.tags: a Set is not JSON/);
    assert.deepEqual((await stack.call('get_tasks', { from_task: parent!.id })).result.tasks, []);
    const before = await count();
    for (const [kwargs, why] of [
      [{ x: Number.POSITIVE_INFINITY }, 'kwargs.x: Infinity is not JSON'],
      [{ m: new Map([['a', 1]]) }, 'kwargs.m: a Map is not JSON'],
      [{ e: new Error('x') }, 'kwargs.e: an Error is not JSON'],
      [{ xs: [1, Number.NaN] }, 'kwargs.xs[1]: NaN is not JSON'],
    ] as const) {
      await assert.rejects(stack.backend.queueTask('addition', kwargs), (err: Error) => {
        assert.ok(err instanceof ValidationError, String(err));
        assert.equal(err.message, why);
        return true;
      });
    }
    assert.equal(await count(), before);
  });

  it('a Date in kwargs is stored as its ISO 8601 string (documented), an undefined key left out', async () => {
    const at = new Date(Date.UTC(2026, 10, 5, 12));
    const task = await stack.backend.queueTask('addition', { a: 1, at, gone: undefined }, { delay: 60 });
    assert.deepEqual((await stack.backend.getTask(task!.id))?.kwargs, { a: 1, at: '2026-11-05T12:00:00.000Z' });
  });
});
