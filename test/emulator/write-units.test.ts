/**
 * What a task's writes cost on DynamoDB (issue 16), measured by an SDK middleware that sizes
 * every written item before and after and adds the index entries (test/write-meter.ts) —
 * independently of skytask's own accounting, which the cost test checks against it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWriteMeter, type WriteMeter } from '../write-meter.js';
import * as costJobs from '../fixtures/cost-jobs.js';
import { testStack, type TestStack } from '../helpers.js';

let stack: TestStack;
let meter: WriteMeter;
const pk = (id: string) => `task#${id}`;
const kwargsOf = (bytes: number, extra: object = {}) => ({ ...extra, pad: 'x'.repeat(bytes) });
/** The units a task's items cost from its enqueue to its end, index writes included. */
const unitsOf = (id: string) => {
  const u = meter.of(pk(id));
  return u.table + u.index;
};

before(async () => {
  // A 3 s lease: a heartbeat every second.
  stack = await testStack({ jobs: costJobs, env: { SKYTASK_LEASE_SECONDS: '3' } });
  meter = createWriteMeter({ endpoint: stack.config.dynamodbEndpoint });
  meter.attach(stack.clients.dynamodb);
});
after(() => meter.destroy());

async function run(job: string, kwargs: object) {
  const task = await stack.backend.queueTask(job, kwargs);
  await stack.drain();
  const done = await stack.backend.getTask(task!.id);
  assert.equal(done?.status, 'SUCCESS');
  return done!;
}

describe('write units per task', () => {
  it('a no-op task costs at most 6 write units, index writes included: 3 writes of 1 unit, 3 index writes', async () => {
    const task = await run('noop', { i: 1 });
    assert.deepEqual(meter.of(pk(task.id)), { table: 3, index: 3, writes: 3 });
  });

  for (const kb of [10, 100]) {
    it(`kwargs of ${kb} KB: the body is written once; claim, each heartbeat and the finish cost 1 unit each`, async () => {
      const noop = unitsOf((await run('noop', { i: 2 })).id);
      meter.reset();
      const task = await run('slow', kwargsOf(kb * 1024 - 100, { ms: 2500 }));
      const writes = meter.log().filter((w) => w.pk === pk(task.id));
      const body = writes.find((w) => w.sk.startsWith('body#'))!;
      assert.ok(body, 'the kwargs are in a body item');
      assert.equal(writes.filter((w) => w.sk.startsWith('body#')).length, 1, 'the body is written once');
      const head = writes.filter((w) => w.sk === 'head');
      assert.ok(head.length >= 4, `create, claim, heartbeats, finish: ${head.length} head writes`);
      for (const w of head) assert.equal(w.table, 1, `${w.api} of the head costs 1 unit`);
      // Within 2 units of the no-op figure plus the body's own first write.
      const beats = head.length - 3;
      assert.ok(unitsOf(task.id) - beats <= noop + body.table + 2, `${unitsOf(task.id)} units, ${beats} heartbeats`);
    });
  }

  it('the finish of a large result costs 1 + its size in KB', async () => {
    const task = await run('slow', { ms: 0, size: 20 * 1024 });
    const finish = meter
      .log()
      .filter((w) => w.pk === pk(task.id) && w.sk === 'head')
      .at(-1)!;
    assert.ok(finish.table <= 1 + 20, `${finish.table} units`);
  });

  it('reading a task is one request, its body included', async () => {
    const task = await stack.backend.queueTask('noop', kwargsOf(50 * 1024));
    const requests: string[] = [];
    stack.clients.dynamodb.middlewareStack.add(
      (next: any, context: any) => async (args: any) => (requests.push(context.commandName), next(args)),
      { step: 'initialize', name: 'readCounter' },
    );
    try {
      const read = await stack.backend.getTask(task!.id);
      assert.equal(read?.kwargs.pad, 'x'.repeat(50 * 1024));
      assert.equal(requests.length, 1, requests.join(', '));
    } finally {
      stack.clients.dynamodb.middlewareStack.remove('readCounter');
    }
  });

  it('no write answers with more than the head: never the kwargs of a body, never the result', async () => {
    meter.reset();
    const task = await run('slow', kwargsOf(30 * 1024, { ms: 0, size: 10 * 1024 }));
    for (const w of meter.log().filter((entry) => entry.pk === pk(task.id))) {
      assert.ok(w.returnedBytes <= 1024, `${w.api} ${w.sk} answered ${w.returnedBytes} bytes`);
    }
  });
});
