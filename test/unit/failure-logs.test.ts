/**
 * Every failure is logged, with the task id where there is one, and no log line or error
 * echoes a caller's whole input (issue 11, "Beyond the listed inputs"). In-memory ports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSchedulerHandler } from '../../functions/scheduler-handler.js';
import { defineJob, type Scheduler } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import { captureLogs } from '../periodic-helpers.js';

const huge = 'x'.repeat(300_000);
let deep: unknown = 1;
for (let i = 0; i < 100_000; i++) deep = [deep];

describe('failures are logged, echoes are bounded', () => {
  it('the scheduler handler: a bad event is refused with a bounded message, a failed fire logged with its job', async () => {
    const { logger, lines } = captureLogs('debug');
    const scheduler = { fire: () => Promise.reject(new Error('table unavailable')) } as unknown as Scheduler;
    const handler = createSchedulerHandler(scheduler, logger);
    for (const event of [
      { job: huge, time: 'soon' },
      { job: deep, time: deep },
    ]) {
      const err = await handler(event as never, {} as never).then(
        () => assert.fail('refused'),
        (e: Error) => e,
      );
      assert.match(err.message, /^not a scheduler event/);
      assert.ok(err.message.length < 600, `bounded: ${err.message.length}`);
    }
    await assert.rejects(handler({ job: 'nightly', time: '2026-01-01T00:00:00Z' }, {} as never), /unavailable/);
    const fire = lines.find((l) => l.msg.startsWith('periodic fire failed'));
    assert.equal(fire?.job, 'nightly');
    assert.match(fire?.err?.message, /unavailable/);
    assert.ok(lines.every((l) => JSON.stringify(l).length < 4096));
  });

  it('JSON-RPC: a huge method or param name is echoed bounded; an internal error is logged with the method and task', async () => {
    const { logger, lines } = captureLogs('debug');
    const q = createTestQueue({ jobs: { add: defineJob({ name: 'add', run: () => 1 }) }, logger });
    const call = async (method: string, params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 })))!);
    const unknownMethod = await call(huge, {});
    assert.ok(unknownMethod.error.message.length < 300);
    const unknownParam = await call('get_task', { id: 'a', [huge]: 1 });
    assert.ok(unknownParam.error.message.length < 300);
    q.runtime.store.getTask = () => Promise.reject(new Error('store down'));
    const internal = await call('get_task', { id: 't-1' });
    assert.equal(internal.error.code, -32603);
    const logged = lines.find((l) => l.msg === 'internal error in a JSON-RPC call');
    assert.equal(logged?.method, 'get_task');
    assert.equal(logged?.task_id, 't-1');
  });

  it('a task message with no record is dropped, and its log line says what a producer message needs', async () => {
    const { logger, lines } = captureLogs('debug');
    const q = createTestQueue({ jobs: { add: defineJob({ name: 'add', run: () => 1 }) }, logger });
    // A producer that left out kwargs: the body of a task message for a task never recorded.
    const body = JSON.stringify({ v: 1, job: 'add', id: 'k1' });
    await q.runtime.consumer.handleMessage({ messageId: 'm-1', receiptHandle: 'r-1', body, attributes: {} } as never);
    const dropped = lines.find((l) => l.task_id === 'k1' && /no record/.test(l.msg));
    assert.equal(dropped?.job, 'add');
    assert.match(dropped?.msg, /a producer message needs "kwargs"/);
    assert.equal(q.deadLetters().length, 0, 'dropped, not dead-lettered: a deleted task looks the same');
  });

  it('the logger cuts any long string field and error message, and job and task_id in bindings', () => {
    const { logger, lines } = captureLogs('debug');
    logger.child({ job: huge, task_id: huge }).error({ body: huge, err: new Error(huge), other: new Error('x') }, 'm');
    const [line] = lines;
    assert.ok(JSON.stringify(line).length < 20_000);
    assert.ok(line.job.length <= 200 && line.task_id.length <= 200);
    assert.equal(line.other.message, 'x', 'an Error under any key is serialized, not {}');
  });
});
