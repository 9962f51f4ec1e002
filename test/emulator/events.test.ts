/**
 * Task events end to end over the emulators and the strict PutEvents endpoint: each state
 * change of a job with `events: true` arrives once, the outbox is empty after, a job without
 * `events` sends nothing, a result too large for 256 KB is cut with a marker, the publisher
 * fits its requests to AWS's limits and retries only the entries PutEvents failed, and an
 * outage leaves the events pending until they go out.
 */
import assert from 'node:assert/strict';
import { before, describe, it, mock } from 'node:test';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEventBridgePublisher } from '../../lib/aws/eventbridge-publisher.js';
import { chain, createLogger, eventEntry, signature, type Task, workflowTaskId } from '../../lib/index.js';
import * as eventJobs from '../fixtures/event-jobs.js';
import { busEvents, eventsOfTask, setFaults, until } from '../event-helpers.js';
import { emulators, type TestStack, testStack } from '../helpers.js';

let stack: TestStack;
let endpoint: string;
before(async () => {
  stack = await testStack({ jobs: eventJobs, visibilityTimeout: 5 });
  endpoint = (await emulators()).eventsEndpoint;
});

const task = (id: string, result: unknown): Task => ({
  id,
  name: 'add',
  status: 'SUCCESS',
  kwargs: {},
  result,
  timeQueued: 1,
  timeEnded: 2,
  attempts: 1,
});

describe('task events', () => {
  it('sends queued, started, succeeded once each, and leaves the outbox empty', async () => {
    const queued = await stack.backend.queueTask('add', { a: 1, b: 2 });
    await stack.drain();
    assert.deepEqual(await eventsOfTask(endpoint, queued!.id), ['Task Queued', 'Task Started', 'Task Succeeded']);
    const done = await stack.store.getTask(queued!.id);
    assert.equal(done?.outbox, undefined, 'every mark removed');
    const [succeeded] = (await busEvents(endpoint)).filter((e) => e.detailType === 'Task Succeeded');
    assert.deepEqual(
      { ...(succeeded.detail as object), time_queued: 0, time_started: 0, time_ended: 0, time: 0, event_id: '' },
      {
        event_id: '',
        id: queued!.id,
        name: 'add',
        status: 'SUCCESS',
        attempt: 1,
        time: 0,
        time_queued: 0,
        time_started: 0,
        time_ended: 0,
        eta: null,
        from_task: null,
        result: 3,
      },
    );
    assert.equal(succeeded.source, 'skytask');
  });

  it("a workflow's steps, recorded WAITING up front, send Task Queued once, then their run's events", async () => {
    const flow = await stack.backend.queueWorkflow(chain(signature(eventJobs.add, { a: 1 }), signature(eventJobs.add)));
    await stack.drain();
    await until(
      'the chain',
      async () => (await stack.backend.getTask(workflowTaskId(flow.id, 1)))?.status === 'SUCCESS',
    );
    for (const n of [0, 1])
      assert.deepEqual(await eventsOfTask(endpoint, workflowTaskId(flow.id, n)), [
        'Task Queued',
        'Task Started',
        'Task Succeeded',
      ]);
  });

  it('sends retrying and failed, revoked; nothing for a job without events', async () => {
    const flaky = await stack.backend.queueTask('flaky', {});
    const quiet = await stack.backend.queueTask('quiet', {});
    const revoked = await stack.backend.queueTask('add', {}, { delay: 60 });
    await stack.backend.revokeTask(revoked!.id);
    await stack.drain();
    await until('the retry', async () => (await stack.backend.getTask(flaky!.id))?.status === 'FAILURE');
    await stack.drain();
    assert.deepEqual(await eventsOfTask(endpoint, flaky!.id), [
      'Task Queued',
      'Task Started',
      'Task Retrying',
      'Task Started',
      'Task Failed',
    ]);
    assert.deepEqual(await eventsOfTask(endpoint, revoked!.id), ['Task Queued', 'Task Revoked']);
    assert.deepEqual(await eventsOfTask(endpoint, quiet!.id), []);
  });

  it('cuts a result too large for an entry, with the marker', async () => {
    const big = await stack.backend.queueTask('big', { bytes: 256 * 1024 - 100 });
    await stack.drain();
    const [event] = (await busEvents(endpoint)).filter(
      (e) => e.detailType === 'Task Succeeded' && (e.detail as Task).id === big!.id,
    );
    const detail = event.detail as { result?: string; result_truncated: string };
    assert.equal(detail.result, undefined);
    assert.ok(detail.result_truncated.endsWith('… [truncated]'));
  });

  it('keeps events pending through an outage and sends them after', async () => {
    await setFaults(endpoint, { fail: { code: 'InternalFailure', count: 1_000, detailType: 'Task Succeeded' } });
    const queued = await stack.backend.queueTask('add', { a: 2 });
    await stack.drain({ idleRounds: 1, maxRounds: 3 });
    assert.equal((await stack.store.getTask(queued!.id))?.status, 'SUCCESS');
    assert.deepEqual((await stack.store.getTask(queued!.id))?.outbox, {
      succeeded: (await stack.store.getTask(queued!.id))!.timeEnded,
    });
    await setFaults(endpoint, { fail: { code: 'InternalFailure', count: 0 } });
    // The message was kept for them: its next delivery sends them.
    await until(
      'the late event',
      async () =>
        (await eventsOfTask(endpoint, queued!.id)).includes('Task Succeeded') ||
        (await stack.drain({ idleRounds: 1 }), false),
    );
    assert.equal((await stack.store.getTask(queued!.id))?.outbox, undefined);
  });
});

describe('the EventBridge publisher', () => {
  const publisher = (backoff = { baseMs: 1, capMs: 5, retries: 5 }) =>
    createEventBridgePublisher({
      client: new EventBridgeClient({ endpoint }),
      busName: 'skytask',
      logger: createLogger({ level: 'silent' }),
      backoff,
    });

  it('sends 25 entries and five of 250 KB in requests within AWS limits', async () => {
    const small = Array.from({ length: 25 }, (_, i) => eventEntry(task(`pub-small-${i}`, i), 'succeeded', 2));
    const large = Array.from({ length: 5 }, (_, i) =>
      eventEntry(task(`pub-large-${i}`, 'x'.repeat(250 * 1024)), 'succeeded', 2),
    );
    assert.deepEqual(await publisher().publish([...small, ...large]), Array(30).fill(true));
    const ids = (await busEvents(endpoint)).map((e) => (e.detail as Task).id).filter((id) => id.startsWith('pub-'));
    assert.equal(ids.length, 30, 'each once');
  });

  it('retries only the entries PutEvents failed (FailedEntryCount), with backoff', async () => {
    await setFaults(endpoint, { fail: { code: 'ThrottlingException', count: 3 } });
    const entries = Array.from({ length: 8 }, (_, i) => eventEntry(task(`retry-${i}`, i), 'succeeded', 2));
    assert.deepEqual(await publisher().publish(entries), Array(8).fill(true));
    const ids = (await busEvents(endpoint)).map((e) => (e.detail as Task).id).filter((id) => id.startsWith('retry-'));
    assert.deepEqual(ids.sort(), entries.map((_, i) => `retry-${i}`).sort(), 'each exactly once');
  });

  it("logs each accepted event with its task's trace id (logEvents, the local stack's log)", async () => {
    const logger = createLogger({ level: 'silent' });
    const info = mock.method(logger, 'info');
    const logging = createEventBridgePublisher({
      client: new EventBridgeClient({ endpoint }),
      busName: 'skytask',
      logger,
      logEvents: true,
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = eventEntry({ ...task('log-traced', 1), traceparent }, 'succeeded', 2);
    assert.equal(traced.TraceHeader, 'Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1');
    const untraced = eventEntry(task('log-untraced', 1), 'succeeded', 2);
    assert.deepEqual(await logging.publish([traced, untraced]), [true, true]);
    const lines = info.mock.calls.filter((c) => c.arguments[1] === 'task event').map((c) => c.arguments[0] as any);
    assert.deepEqual(
      lines.map((l) => [l.task_id, l.trace_id]),
      [
        ['log-traced', '4bf92f3577b34da6a3ce929d0e0e4736'],
        ['log-untraced', undefined],
      ],
    );
  });

  it('gives up after its retries: false for those entries, true for the others', async () => {
    await setFaults(endpoint, { fail: { code: 'InternalFailure', count: 100, detailType: 'Task Failed' } });
    const ok = eventEntry(task('give-up-ok', 1), 'succeeded', 2);
    const failing = eventEntry({ ...task('give-up-failing', 1), status: 'FAILURE' }, 'failed', 2);
    assert.deepEqual(await publisher({ baseMs: 1, capMs: 2, retries: 2 }).publish([ok, failing]), [true, false]);
    await setFaults(endpoint, { fail: { code: 'InternalFailure', count: 0 } });
  });
});
