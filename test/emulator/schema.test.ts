/**
 * Kwargs schemas on every way in, against the emulators: queue_task over JSON-RPC, both
 * clients, `ctx.queueTask`, a producer SQS message, periodic fires; then the consumer's
 * side: `run` receives the schema's output, and stored kwargs a changed schema refuses
 * fail the task at once. A refusal names the field and writes nothing.
 */
import assert from 'node:assert/strict';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { createDirectClient, createHttpClient } from '../../lib/client/index.js';
import { createRegistry, createRuntime, defineJob, ValidationError } from '../../lib/index.js';
import { startHttpServer } from '../../local/http.js';
import * as schemaJobs from '../fixtures/schema-jobs.js';
import { testStack, type TestStack } from '../helpers.js';

let s: TestStack;
before(async () => (s = await testStack({ jobs: schemaJobs })));

/** Items in the stack's table (tasks, locks, schedule entries; not the list of job names) and messages in its queue. */
async function written(stack: TestStack) {
  const scan = await stack.clients.dynamodb.send(
    new ScanCommand({
      TableName: stack.config.table,
      Select: 'COUNT',
      FilterExpression: 'pk <> :jobs',
      ExpressionAttributeValues: { ':jobs': { S: 'jobs' } },
    }),
  );
  const depth = await stack.queue.depth();
  return { items: scan.Count, messages: depth.queued + depth.delayed };
}

/** Asserts a ValidationError naming `field` in its message and its data's issues. */
function namesField(field: string, path: (string | number)[]) {
  return (err: unknown) => {
    assert.ok(err instanceof ValidationError, String(err));
    assert.match(err.message, new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
    assert.deepEqual(
      (err.data as { issues: { path: unknown }[] }).issues.map((i) => i.path),
      [path],
    );
    return true;
  };
}

describe('kwargs schemas: the ways in', () => {
  it('queue_task over JSON-RPC: -32602 naming the field, nothing written', async () => {
    const fresh = await testStack({ jobs: schemaJobs });
    const wrongType = await fresh.call('queue_task', { jobname: 'add', a: 1, b: 'two' });
    assert.equal(wrongType.error.code, -32602);
    assert.match(wrongType.error.message, /^kwargs\.b: .*expected number, received string$/);
    assert.deepEqual(wrongType.error.data, {
      issues: [{ path: ['b'], message: 'Invalid input: expected number, received string' }],
    });
    // A mistyped option lands among the kwargs: the schema would strip it; skytask refuses it.
    const typo = await fresh.call('queue_task', { jobname: 'add', a: 1, b: 2, delya: 60 });
    assert.equal(typo.error.code, -32602);
    assert.match(typo.error.message, /^kwargs\.delya: unknown key/);
    assert.deepEqual(
      typo.error.data.issues.map((i: { path: unknown }) => i.path),
      [['delya']],
    );
    const nested = await fresh.call('queue_task', {
      jobname: 'order',
      kwargs: { customer: { name: 'Ada' }, lines: [{ sku: 'x', qty: 0 }] },
    });
    assert.match(nested.error.message, /^kwargs\.lines\[0\]\.qty: /);
    assert.deepEqual(await written(fresh), { items: 0, messages: 0 });

    const ok = await fresh.call('queue_task', { jobname: 'add', a: 1, b: 2 });
    assert.deepEqual(ok.result.kwargs, { a: 1, b: 2 });
    assert.deepEqual(await written(fresh), { items: 1, messages: 1 });
  });

  it('the direct and HTTP clients: a ValidationError naming the field', async () => {
    const fresh = await testStack({ jobs: schemaJobs });
    const direct = createDirectClient<typeof schemaJobs>({ runtime: fresh.runtime, logger: fresh.logger });
    const server = await startHttpServer({ port: 0, handler: createRpcHandler(fresh.rpc), logger: fresh.logger });
    try {
      const http = createHttpClient<typeof schemaJobs>({ url: server.url });
      for (const client of [direct, http]) {
        await assert.rejects(client.queueTask('add', { a: 1, b: 'two' as never }), namesField('kwargs.b', ['b']));
        await assert.rejects(client.queueTask('remind', { at: 'not a date' }), namesField('kwargs.at', ['at']));
        const [bad, good] = await client.queueTasks([
          { job: 'add', kwargs: { a: 1, b: 2, c: 3 } as never },
          { job: 'add', kwargs: { a: 1, b: 2 } },
        ]);
        assert.equal(bad.ok, false);
        assert.ok(!bad.ok && namesField('kwargs.c', ['c'])(bad.error));
        assert.equal(good.ok, true);
      }
    } finally {
      await server.close();
    }
    assert.deepEqual(await written(fresh), { items: 2, messages: 2 });
  });

  it('ctx.queueTask: a refused sub-task fails the parent, naming the field; none is written', async () => {
    const parent = await s.backend.queueTask('parent', { b: 'two' });
    await s.drain();
    const failed = await s.waitReady(parent!.id);
    assert.equal(failed.status, 'FAILURE');
    assert.match(failed.error!, /^kwargs\.b: .*expected number/);
    assert.equal((await s.backend.getTasks({ fromTask: parent!.id })).tasks.length, 0);

    const good = await s.backend.queueTask('parent', { b: 2 });
    await s.drain();
    const done = await s.waitReady(good!.id);
    assert.equal(done.status, 'SUCCESS');
    const child = await s.waitReady(done.result as string);
    assert.equal(child.fromTask, good!.id);
    assert.equal(child.result, 3);
  });

  it('a producer SQS message: dead-lettered with the field in its reason, no task record', async () => {
    const fresh = await testStack({ jobs: schemaJobs });
    for (const [id, kwargs] of [
      ['p-type', { a: 1, b: 'two' }],
      ['p-typo', { a: 1, b: 2, delya: 60 }],
    ] as const) {
      const body = JSON.stringify({ v: 1, job: 'add', kwargs, id });
      await fresh.clients.sqs.send(new SendMessageCommand({ QueueUrl: fresh.config.queueUrl, MessageBody: body }));
    }
    await fresh.drain();
    const reasons = (await fresh.deadLetters()).map((m) => m.MessageAttributes?.reason?.StringValue ?? '').sort();
    assert.equal(reasons.length, 2, reasons.join(' | '));
    assert.match(reasons[0], /^kwargs\.b: .*expected number/);
    assert.match(reasons[1], /^kwargs\.delya: unknown key/);
    assert.equal(await fresh.backend.getTask('p-type'), undefined);
    assert.equal(await fresh.backend.getTask('p-typo'), undefined);
    assert.deepEqual(await written(fresh), { items: 0, messages: 0 });
  });

  it('periodic fires: {} stored, the default given to run; an async schema that refuses {} fails the fire', async () => {
    const fresh = await testStack({ jobs: schemaJobs });
    const { task } = await fresh.runtime.scheduler.fire('tick', 1_800_000_000);
    assert.deepEqual(task?.kwargs, {});
    await fresh.drain();
    assert.equal((await fresh.waitReady(task!.id)).result, 6);

    const before = await written(fresh);
    await assert.rejects(
      fresh.runtime.scheduler.fire('asyncTick', 1_800_000_000),
      namesField('kwargs.token', ['token']),
    );
    assert.deepEqual(await written(fresh), before, 'no task, no schedule entry');
  });
});

describe('kwargs schemas: the consumer', () => {
  it('run receives the output (a Date from a date string); the JSON input is stored', async () => {
    const task = await s.backend.queueTask('remind', { at: '2030-01-01T09:00:00Z' });
    assert.deepEqual(task?.kwargs, { at: '2030-01-01T09:00:00Z' });
    await s.drain();
    const done = await s.waitReady(task!.id);
    assert.equal(done.status, 'SUCCESS', done.error);
    assert.deepEqual(done.result, { isDate: true, iso: '2030-01-01T09:00:00.000Z', year: 2030, note: '' });
    assert.deepEqual(done.kwargs, { at: '2030-01-01T09:00:00Z' });
  });

  it('stored kwargs that a changed schema refuses fail the task at once, naming the field', async () => {
    const task = await s.backend.queueTask('add', { a: 1, b: 2 });
    // A deploy changes the schema while the task waits: a new consumer over the same table and queue.
    const v2 = defineJob({
      name: 'add',
      maxRetries: 3,
      schema: z.object({ a: z.number(), b: z.number(), c: z.number() }),
      run: (_ctx, { a, b, c }) => a + b + c,
    });
    const { consumer, queue } = createRuntime(s.config, createRegistry({ ...schemaJobs, add: v2 }), s.logger, {
      clients: s.clients,
    });
    for (let i = 0; i < 20; i++) {
      const messages = await queue.receive(10, 0);
      if (!messages.length) break;
      await consumer.handleBatch(messages);
      await queue.deleteMessages(messages.map((m) => m.receiptHandle));
    }
    const failed = await s.waitReady(task!.id);
    assert.equal(failed.status, 'FAILURE');
    assert.equal(failed.attempts, 1, 'not retried');
    assert.match(failed.error!, /^the stored kwargs do not pass the job's schema: kwargs\.c: /);
  });
});
