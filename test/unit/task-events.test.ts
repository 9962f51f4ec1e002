/**
 * Task events, pure: the detail-types, the kind of each state, the entry fitted to
 * EventBridge's 256 KB as AWS counts it (a result too large cut with the marker, multi-byte
 * text counted in bytes), and the publisher's requests within 10 entries and 1 MB.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENTBRIDGE_LIMITS, entryBytes } from '../../lib/aws-rules/eventbridge.js';
import { requestsOf } from '../../lib/aws/eventbridge-publisher.js';
import type { Task } from '../../lib/index.js';
import { eventEntry, eventKindOf, TASK_EVENTS } from '../../lib/task-events.js';
import { traceparentOfXRay } from '../../lib/trace.js';

const task = (result: unknown): Task => ({
  id: 't1',
  name: 'job',
  status: 'SUCCESS',
  kwargs: {},
  result,
  timeQueued: 1,
  timeStarted: 1.5,
  timeEnded: 2,
  attempts: 1,
});

describe('task events', () => {
  it('has exactly the seven documented detail-types, one per state (FAILURE dead-lettered apart)', () => {
    assert.deepEqual(Object.values(TASK_EVENTS), [
      'Task Queued',
      'Task Started',
      'Task Retrying',
      'Task Succeeded',
      'Task Failed',
      'Task Revoked',
      'Task Dead-Lettered',
    ]);
    assert.equal(eventKindOf({ status: 'RETRY' }), 'retrying');
    assert.equal(eventKindOf({ status: 'FAILURE' }), 'failed');
    assert.equal(eventKindOf({ status: 'FAILURE', deadLettered: true }), 'deadLettered');
  });

  it('sends a result that fits whole, with a stable event id', () => {
    const entry = eventEntry(task({ a: 1 }), 'succeeded', 2);
    const detail = JSON.parse(entry.Detail!);
    assert.deepEqual(detail.result, { a: 1 });
    assert.equal(detail.event_id, 't1/succeeded/2');
    assert.equal(entry.Source, 'skytask');
    assert.equal(entry.DetailType, 'Task Succeeded');
  });

  it("carries the task's trace as the entry's X-Ray TraceHeader, outside the counted size", () => {
    const traceparent = '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00';
    const entry = eventEntry({ ...task(1), traceparent }, 'succeeded', 2);
    assert.equal(entry.TraceHeader, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0');
    assert.equal(traceparentOfXRay(entry.TraceHeader), traceparent);
    assert.equal(entryBytes(entry), entryBytes(eventEntry(task(1), 'succeeded', 2)));
    assert.equal(eventEntry(task(1), 'succeeded', 2).TraceHeader, undefined);
  });

  it('cuts a result over 256 KB to fit, counted in UTF-8 bytes, ending with the marker', () => {
    for (const char of ['x', '€', '😀', '"']) {
      const entry = eventEntry(task(char.repeat(300_000)), 'succeeded', 2);
      const bytes = entryBytes(entry);
      assert.ok(bytes <= EVENTBRIDGE_LIMITS.entryBytes, `${char}: ${bytes}`);
      assert.ok(bytes > EVENTBRIDGE_LIMITS.entryBytes - 8, `${char}: as much as fits (${bytes})`);
      const detail = JSON.parse(entry.Detail!);
      assert.equal(detail.result, undefined);
      assert.ok(detail.result_truncated.endsWith('… [truncated]'));
    }
  });
});

describe('the publisher’s requests', () => {
  const sized = (bytes: number) => ({ Source: 's', DetailType: 'd', Detail: 'x'.repeat(bytes - 2) });
  it('at most 10 entries a request', () => {
    const requests = requestsOf(
      Array.from({ length: 25 }, () => sized(10)),
      (e) => e,
    );
    assert.deepEqual(
      requests.map((r) => r.length),
      [10, 10, 5],
    );
  });
  it('at most 1 MB of entries a request, as EventBridge counts them', () => {
    const quarter = sized(EVENTBRIDGE_LIMITS.requestBytes / 4);
    assert.equal(entryBytes(quarter), 262_144);
    const requests = requestsOf([quarter, quarter, quarter, quarter, sized(10), quarter], (e) => e);
    assert.deepEqual(
      requests.map((r) => r.length),
      [4, 2],
    );
  });
});
