/** What tasks cost (issue 16): prices, the cost a task records in memory, the sums by job over a period, `cost` over JSON-RPC. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costSummary } from '../../local/cli-output.js';
import { addCost, dollarsOf, emptySum, LIST_PRICES } from '../../lib/cost.js';
import { defineJob } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = {
  add: defineJob({ name: 'add', run: (_ctx, { a, b }: { a: number; b: number }) => a + b }),
  echo: defineJob({ name: 'echo', run: (_ctx, kwargs: { text: string }) => kwargs.text }),
};

describe('cost', () => {
  it('a task costs its units at list prices: a no-op, about $4.2 a million with one send a task', () => {
    const noop = { writeUnits: 6, sqsRequests: 3, lambdaRequests: 1, lambdaMs: 5, heartbeats: 0 };
    assert.ok(Math.abs(dollarsOf(noop, LIST_PRICES) - (6 * 0.625e-6 + 3 * 0.4e-6 + 1 * 0.2e-6)) < 1e-15);
    // queue_task, then an event source batch of 10: send 1, receive and delete 0.1 each.
    const single = { ...noop, sqsRequests: 1.2, lambdaRequests: 0.1 };
    assert.ok(Math.abs(dollarsOf(single, LIST_PRICES) * 1e6 - 4.25) < 0.01, `${dollarsOf(single, LIST_PRICES) * 1e6}`);
    // queueTasks in tens: send 0.1.
    const batched = { ...single, sqsRequests: 0.3 };
    assert.ok(dollarsOf(batched, LIST_PRICES) * 1e6 <= 4, `${dollarsOf(batched, LIST_PRICES) * 1e6}`);
    const gb = { ...noop, gbSeconds: 2 };
    assert.ok(Math.abs(dollarsOf(gb, { ...LIST_PRICES, gbSecond: 1 }) - dollarsOf(noop, LIST_PRICES) - 2) < 1e-12);
  });

  it('sums add up task by task', () => {
    const sum = emptySum();
    addCost(sum, { writeUnits: 6, sqsRequests: 3, lambdaRequests: 1, lambdaMs: 5, heartbeats: 0 }, LIST_PRICES);
    addCost(
      sum,
      { writeUnits: 7, sqsRequests: 4, lambdaRequests: 1, lambdaMs: 5, heartbeats: 1, gbSeconds: 1 },
      LIST_PRICES,
    );
    assert.deepEqual(
      { ...sum, dollars: undefined },
      {
        tasks: 2,
        writeUnits: 13,
        sqsRequests: 7,
        lambdaRequests: 2,
        lambdaMs: 10,
        gbSeconds: 1,
        heartbeats: 1,
        dollars: undefined,
        unpricedMs: 5,
      },
    );
  });

  it('the memory store records a cost as the adapter does: a no-op task, 6 write units', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('add', { a: 1, b: 2 });
    assert.equal(task.result, 3);
    assert.deepEqual(
      { ...task.cost, lambdaMs: undefined },
      {
        writeUnits: 6,
        sqsRequests: 3,
        lambdaRequests: 1,
        lambdaMs: undefined,
        heartbeats: 0,
      },
    );
  });

  it('the report sums each job’s tasks queued in the period, and prices them', async () => {
    const q = createTestQueue({ jobs });
    const early = await q.runTask('add', { a: 1, b: 1 });
    q.clock.advance(3600);
    const since = q.clock.now();
    await q.runTask('add', { a: 2, b: 2 });
    await q.runTask('echo', { text: 'x'.repeat(2000) });
    const report = await q.runtime.backend.costReport({
      since,
      prices: { writeUnit: 1, sqsRequest: 0, lambdaRequest: 0 },
    });
    assert.equal(report.complete, true);
    const add = report.jobs.find((j) => j.name === 'add')!;
    const echo = report.jobs.find((j) => j.name === 'echo')!;
    assert.equal(add.tasks, 1, `the task queued before ${since} (${early.timeQueued}) is not counted`);
    assert.equal(add.dollars, add.writeUnits);
    // Its 2 KB of kwargs in a body (3 units) beside the head (1) and its index entry (1); the
    // claim (1); the finish writing a 2 KB result into the head (3) and moving the entry (2).
    assert.equal(echo.writeUnits, 11);
    assert.equal(report.total.tasks, 2);
    assert.equal(report.total.writeUnits, add.writeUnits + echo.writeUnits);
  });

  it('`cost` over JSON-RPC: snake_case sums; prices checked up front', async () => {
    const q = createTestQueue({ jobs });
    await q.runTask('add', { a: 1, b: 2 });
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params })))!);
    const { result } = await call({ jobnames: ['add'], since: q.clock.now() - 60 });
    assert.equal(result.jobs[0].name, 'add');
    assert.equal(result.jobs[0].write_units, 6);
    assert.equal(result.total.tasks, 1);
    assert.equal(result.prices.write_unit, LIST_PRICES.writeUnit);
    const bad = await call({ prices: { write_unit: -1 } });
    assert.equal(bad.error.code, -32602);
    assert.match(bad.error.message, /prices\.write_unit/);
    assert.equal((await call({ prices: { writes: 1 } })).error.code, -32602);
  });
});

describe("skytask get: a task's cost for a person", () => {
  it('rounds the shares of batches for display (2 decimals, GB-seconds 4)', () => {
    const cost = {
      writeUnits: 6,
      sqsRequests: 7.966019,
      lambdaRequests: 0.333333,
      lambdaMs: 12,
      gbSeconds: 0.0123456,
      heartbeats: 0,
    };
    const text = costSummary(cost);
    assert.match(text, /^6 write units, 7\.97 SQS requests, 0\.33 Lambda invocations, 12 ms run, 0\.0123 GB-s, \$/);
    assert.match(costSummary({ ...cost, sqsRequests: 3 }), /, 3 SQS requests,/);
  });
});
