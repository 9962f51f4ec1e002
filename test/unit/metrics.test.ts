/**
 * Task metrics (lib/metrics.ts): the EMF lines, parsed — names, units, dimensions, the
 * namespace, the trace and task properties — and where they come from: the consumer's claim
 * and the one end path, through the production runtime on the in-memory ports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob, RetryTaskError } from '../../lib/index.js';
import { createLogger } from '../../lib/log.js';
import { createTaskMetrics, METRIC } from '../../lib/metrics.js';
import { createRegistry } from '../../lib/registry.js';
import { wireRuntime } from '../../lib/runtime.js';
import type { Task } from '../../lib/task.js';
import { drainQueue } from '../../lib/testing/drain.js';
import { createFakeClock, createMemoryQueue, createMemoryStore, createMemoryTimer } from '../../lib/testing/index.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A metrics writer whose lines are parsed and kept. */
function captured() {
  const lines: any[] = [];
  return {
    lines,
    metrics: createTaskMetrics({ namespace: 'skytask/test', write: (line) => lines.push(JSON.parse(line)) }),
  };
}

/** The metric names and units an EMF line declares, and its values. */
const declared = (line: any) =>
  Object.fromEntries(line._aws.CloudWatchMetrics[0].Metrics.map((m: any) => [m.Name, [m.Unit, line[m.Name]]]));

const task: Task = {
  id: 't1',
  name: 'addition',
  status: 'STARTED',
  kwargs: {},
  timeQueued: 1000,
  eta: 1010,
  timeStarted: 1012.5,
  attempts: 1,
  traceparent: TRACEPARENT,
};

describe('EMF lines', () => {
  it('a start: TasksStarted and QueueWait from the due time, per job, with the task and its trace', () => {
    const { lines, metrics } = captured();
    metrics.started(task);
    assert.equal(lines.length, 1);
    const [line] = lines;
    const directive = line._aws.CloudWatchMetrics[0];
    assert.equal(directive.Namespace, 'skytask/test');
    assert.deepEqual(directive.Dimensions, [['service', 'job']]);
    assert.equal(typeof line._aws.Timestamp, 'number');
    assert.equal(line.service, 'skytask');
    assert.equal(line.job, 'addition');
    assert.deepEqual(declared(line), {
      [METRIC.started]: ['Count', 1],
      [METRIC.queueWait]: ['Milliseconds', 2500],
    });
    assert.equal(line.task_id, 't1');
    assert.equal(line.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('an end: one count by status, and the run duration when an attempt ended', () => {
    const { lines, metrics } = captured();
    const time = 1014;
    metrics.ended({ ...task, status: 'SUCCESS' }, { status: 'SUCCESS', time });
    metrics.ended({ ...task, status: 'RETRY' }, { status: 'RETRY', time });
    metrics.ended({ ...task, status: 'FAILURE' }, { status: 'FAILURE', time });
    metrics.ended({ ...task, status: 'REVOKED', timeStarted: undefined, traceparent: undefined });
    assert.deepEqual(lines.map(declared), [
      { [METRIC.succeeded]: ['Count', 1], [METRIC.runDuration]: ['Milliseconds', 1500] },
      { [METRIC.retried]: ['Count', 1], [METRIC.runDuration]: ['Milliseconds', 1500] },
      { [METRIC.failed]: ['Count', 1], [METRIC.runDuration]: ['Milliseconds', 1500] },
      { [METRIC.revoked]: ['Count', 1] },
    ]);
    assert.equal(lines[3].trace_id, undefined);
  });

  it('each line has its own job: nothing carries over from the last', () => {
    const { lines, metrics } = captured();
    metrics.started(task);
    metrics.started({ ...task, name: 'other' });
    assert.deepEqual(
      lines.map((l) => [l.job, Object.keys(declared(l)).length]),
      [
        ['addition', 2],
        ['other', 2],
      ],
    );
  });
});

let attempts = 0;
const runs: (string | undefined)[] = [];
const jobs = {
  ok: defineJob({ name: 'ok', run: (ctx) => (runs.push(ctx.traceparent), 'ok') }),
  again: defineJob({
    name: 'again',
    maxRetries: 1,
    run: () => {
      if (attempts++ === 0) throw new RetryTaskError('once more', 1);
      return 'done';
    },
  }),
  waits: defineJob({ name: 'waits', run: () => 'never' }),
};

describe('where the metrics come from', () => {
  it('the consumer counts starts, the end path counts ends (a revoke through the backend too)', async () => {
    const clock = createFakeClock(1_767_225_600);
    const store = createMemoryStore({ clock: clock.now });
    const queue = createMemoryQueue({ clock: clock.now, visibilityTimeout: 30, maxReceiveCount: 5 });
    const timer = createMemoryTimer({ queue, clock: clock.now });
    const { lines, metrics } = captured();
    const logger = createLogger({ level: 'silent' });
    const runtime = wireRuntime(
      { store, queue, timer, registry: createRegistry(jobs), logger, clock: clock.now, metrics },
      { leaseSeconds: 0.3 },
    );
    await runtime.backend.queueTask('ok', {}, { traceparent: TRACEPARENT });
    await runtime.backend.queueTask('again', {});
    const waiting = await runtime.backend.queueTask('waits', {}, { delay: 60, traceparent: TRACEPARENT });
    await runtime.backend.revokeTask(waiting!.id);
    await drainQueue({ queue, timer, clock, consumer: runtime.consumer });
    const seen = lines.map((l) => `${l.job} ${Object.keys(declared(l)).sort().join(',')}`).sort();
    assert.deepEqual(seen, [
      'again QueueWait,TasksStarted',
      'again QueueWait,TasksStarted',
      'again RunDuration,TasksRetried',
      'again RunDuration,TasksSucceeded',
      'ok QueueWait,TasksStarted',
      'ok RunDuration,TasksSucceeded',
      'waits TasksRevoked',
    ]);
    assert.ok(lines.filter((l) => l.job === 'ok').every((l) => l.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736'));
    // A run's lines carry the run's span (as its log lines do), not the enqueue's caller's;
    // an end without a run (the revoke) the trace id alone.
    const runSpan = runs[0]?.split('-')[2];
    assert.ok(runSpan && runSpan !== TRACEPARENT.split('-')[2], String(runs[0]));
    assert.deepEqual(
      lines.filter((l) => l.job === 'ok').map((l) => l.span_id),
      [runSpan, runSpan],
    );
    const revoked = lines.find((l) => l.job === 'waits')!;
    assert.deepEqual([revoked.trace_id, revoked.span_id], ['4bf92f3577b34da6a3ce929d0e0e4736', undefined]);
  });
});
