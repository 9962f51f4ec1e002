/**
 * Progress through the DynamoDB store (dynalite): `get_task` shows a running task's progress,
 * and reporting costs no write of its own beyond one every PROGRESS_INTERVAL_SECONDS — metered
 * by test/write-meter.ts, independently of skytask's accounting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineJob } from '../../lib/index.js';
import { PROGRESS_INTERVAL_SECONDS } from '../../lib/progress.js';
import { createWriteMeter, type WriteMeter } from '../write-meter.js';
import { testStack, type TestStack } from '../helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reports every 50 ms for `ms`, its last report 100 %. */
export const reporter = defineJob({
  name: 'reporter',
  run: async (ctx, { ms }: { ms: number }) => {
    const start = Date.now();
    for (let n = 0; Date.now() - start < ms; n++) {
      await ctx.progress(Math.min(99, Math.floor(((Date.now() - start) / ms) * 100)), `report ${n}`);
      await sleep(50);
    }
    await ctx.progress(100, 'done');
    return 'ok';
  },
});

const headWrites = (meter: WriteMeter, id: string) =>
  meter.log().filter((w) => w.pk === `task#${id}` && w.sk === 'head');

describe('progress on the DynamoDB store', () => {
  let stack: TestStack;
  let meter: WriteMeter;
  before(async () => {
    // A 60 s lease: the first heartbeat comes after 20 s, past this run.
    stack = await testStack({ jobs: { reporter }, visibilityTimeout: 120, env: { SKYTASK_LEASE_SECONDS: '60' } });
    meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
    meter.attach(stack.clients.dynamodb);
  });
  after(() => meter.destroy());

  it('get_task shows it while the task runs; ~130 reports cost one write, of 1 unit', async () => {
    const ms = (PROGRESS_INTERVAL_SECONDS + 1.5) * 1000;
    const queued = await stack.backend.queueTask('reporter', { ms });
    const draining = stack.drain();
    let seen: any;
    for (let i = 0; i < 200 && !seen; i++) {
      await sleep(100);
      const { result } = await stack.call('get_task', { id: queued!.id });
      if (result.status === 'STARTED' && result.progress) seen = result.progress;
    }
    await draining;
    assert.ok(seen, 'progress seen while the task ran');
    assert.equal(typeof seen.value, 'number');
    assert.match(seen.message, /^report \d+$/);
    const done = (await stack.call('get_task', { id: queued!.id })).result;
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.progress, { value: 100, message: 'done' }, 'the last report, written by the finish');
    // create, claim, one progress write (the lease left where it was), the finish.
    const writes = headWrites(meter, queued!.id);
    assert.equal(writes.length, 4, `head writes: ${writes.map((w) => w.api).join(', ')}`);
    for (const w of writes) assert.equal(w.table, 1, 'each costs 1 write unit');
    assert.equal(done.cost.heartbeats, 0, 'no heartbeat (no visibility change) was spent on progress');
  });
});

describe('progress with heartbeats more often than the interval', () => {
  let stack: TestStack;
  let meter: WriteMeter;
  before(async () => {
    // A 3 s lease: a heartbeat every second carries the reports.
    stack = await testStack({ jobs: { reporter }, env: { SKYTASK_LEASE_SECONDS: '3' } });
    meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
    meter.attach(stack.clients.dynamodb);
  });
  after(() => meter.destroy());

  it('reports ride on the heartbeats: no write beyond create, claim, beats and finish', async () => {
    const queued = await stack.backend.queueTask('reporter', { ms: 2500 });
    await stack.drain();
    const done = (await stack.call('get_task', { id: queued!.id })).result;
    assert.equal(done.status, 'SUCCESS');
    const writes = headWrites(meter, queued!.id);
    assert.ok(done.cost.heartbeats >= 2, `${done.cost.heartbeats} heartbeats`);
    assert.equal(writes.length, 3 + done.cost.heartbeats);
  });
});
