/**
 * What a workflow costs in DynamoDB write units on the head/body item layout, index writes
 * included, measured by the write meter (test/write-meter.ts) rather than by skytask's own
 * accounting: the figures docs/workflows.md#cost gives, per member, per chain step, per join.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callbackTaskId, chain, chord, group, signature, workflowTaskId } from '../../lib/index.js';
import * as jobs from '../fixtures/workflow-jobs.js';
import { testStack, type TestStack } from '../helpers.js';
import { createWriteMeter, type Units, type WriteMeter } from '../write-meter.js';

const N = 20;
let s: TestStack;
let meter: WriteMeter;
const all = (u: Units) => u.table + u.index;
const ofTask = (id: string) => all(meter.of(`task#${id}`));
const members = () => Array.from({ length: N }, (_, i) => signature(jobs.add, { a: i, b: 1 }));

before(async () => {
  s = await testStack({ jobs });
  meter = createWriteMeter({ endpoint: s.config.dynamodbEndpoint });
  meter.attach(s.clients.dynamodb);
});
after(() => meter.destroy());

/** The units a plain task of the same job costs, enqueue to end. */
async function plainUnits(): Promise<number> {
  meter.reset();
  const task = await s.backend.queueTask('add', { a: 1, b: 1 });
  await s.drain();
  return ofTask(task!.id);
}

describe('write units of a workflow (docs/workflows.md#cost)', () => {
  it('a member of a group costs a plain task + 1: its count on the join shard', async () => {
    const plain = await plainUnits();
    assert.equal(plain, 6, 'a plain task: 3 writes and 3 index writes (docs/storage.md)');
    meter.reset();
    const workflow = await s.backend.queueWorkflow(group(members()));
    await s.drain();
    for (let n = 0; n < N; n++) assert.equal(ofTask(workflowTaskId(workflow.id, n)), plain, `member ${n}`);
    assert.deepEqual(meter.of(`join#${workflow.id}#0`), { table: N, index: 0, writes: N });
    // The workflow item's put and its end; the top item's count of the one shard.
    assert.equal(all(meter.of(`flow#${workflow.id}`)), 2);
    assert.equal(all(meter.of(`join#${workflow.id}`)), 1);
  });

  it('a chord join costs 3 + N/200 and the callback, a task released once (plain + 1)', async () => {
    const plain = await plainUnits();
    meter.reset();
    const workflow = await s.backend.queueWorkflow(chord(members(), signature(jobs.sum)));
    await s.drain();
    assert.equal((await s.backend.getTask(callbackTaskId(workflow.id)))?.status, 'SUCCESS');
    for (let n = 0; n < N; n++) assert.equal(ofTask(workflowTaskId(workflow.id, n)), plain, `member ${n}`);
    assert.equal(all(meter.of(`join#${workflow.id}#0`)), N);
    const join = all(meter.of(`flow#${workflow.id}`)) + all(meter.of(`join#${workflow.id}`));
    const callback = ofTask(callbackTaskId(workflow.id));
    assert.equal(join, 3, 'the workflow item put and ended, one top count');
    assert.equal(callback, plain + 1, 'the callback: a task, and its release');
  });

  it('a chain step after the first costs a plain task + 2: its release and its count', async () => {
    const plain = await plainUnits();
    meter.reset();
    const steps = [signature(jobs.add, { a: 1, b: 0 }), signature(jobs.double), signature(jobs.double)];
    const workflow = await s.backend.queueWorkflow(chain(steps));
    await s.drain();
    assert.equal((await s.backend.getTask(workflowTaskId(workflow.id, 2)))?.result, 4);
    assert.equal(ofTask(workflowTaskId(workflow.id, 0)), plain);
    for (const n of [1, 2]) assert.equal(ofTask(workflowTaskId(workflow.id, n)), plain + 1, `step ${n}`);
    assert.equal(all(meter.of(`join#${workflow.id}#0`)), 3, 'one count a step');
  });
});
