/**
 * Trace context (lib/trace.ts): W3C traceparent checks, X-Ray headers read as the same
 * context, and the trace carried from queue_task through the message to the run — its log
 * lines, `ctx.traceparent`, its sub-tasks — on the in-memory ports (skytask/testing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope } from '../../lib/envelope.js';
import { defineJob } from '../../lib/index.js';
import { createLogger } from '../../lib/log.js';
import { createTestQueue } from '../../lib/testing/index.js';
import {
  ambientTraceparent,
  checkTraceparent,
  childTraceparent,
  parseTraceparent,
  traceparentOfXRay,
} from '../../lib/trace.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TP = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('traceparent (W3C Trace Context)', () => {
  it('takes version 00, and a later version read as 00 (its extra fields dropped)', () => {
    assert.deepEqual(parseTraceparent(TP), { traceId: TRACE_ID, parentId: '00f067aa0ba902b7', flags: '01' });
    assert.equal(
      checkTraceparent(`01-${TRACE_ID}-00f067aa0ba902b7-00-what-comes-later`),
      `00-${TRACE_ID}-00f067aa0ba902b7-00`,
    );
  });

  it('refuses, naming the param: uppercase, version ff, all-zero ids, wrong lengths, 00 with more fields', () => {
    for (const bad of [
      TP.toUpperCase(),
      `ff-${TRACE_ID}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.slice(1)}-00f067aa0ba902b7-01`,
      `${TP}-x`,
      '',
      42,
    ]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
      assert.throws(() => checkTraceparent(bad), /^ValidationError: traceparent must be a W3C traceparent/);
    }
  });

  it('reads an X-Ray header (Lambda `_X_AMZN_TRACE_ID`, SQS `AWSTraceHeader`) as the same trace', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    assert.equal(traceparentOfXRay(header), '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
    assert.equal(
      traceparentOfXRay('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a:1'),
      '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00',
    );
    assert.equal(traceparentOfXRay('Root=1-5759e988-bd862e3fe1be46a994272793'), undefined, 'no parent span');
    assert.equal(ambientTraceparent({ _X_AMZN_TRACE_ID: header }), traceparentOfXRay(header));
    assert.equal(ambientTraceparent({}), undefined);
  });

  it('a child keeps the trace and flags, with a span of its own', () => {
    const child = parseTraceparent(childTraceparent(TP))!;
    assert.equal(child.traceId, TRACE_ID);
    assert.equal(child.flags, '01');
    assert.notEqual(child.parentId, '00f067aa0ba902b7');
  });

  it('the envelope carries it; an invalid one in a body is ignored, not a reason to refuse the message', () => {
    const body = encodeEnvelope({ id: 't', job: 'j', traceparent: TP });
    assert.deepEqual(decodeEnvelope(body), { envelope: { v: 1, id: 't', job: 'j', traceparent: TP } });
    assert.equal(encodeEnvelope({ id: 't', job: 'j' }), '{"v":1,"id":"t","job":"j"}');
    const producer = decodeEnvelope(JSON.stringify({ v: 1, job: 'j', kwargs: {}, traceparent: 'nonsense' }));
    // Kept for the consumer's warning (lib/consumer/producer.ts), never stored as the trace.
    assert.deepEqual(producer, { producer: { v: 1, job: 'j', kwargs: {}, badTraceparent: '"nonsense"' } });
    const none = decodeEnvelope(JSON.stringify({ v: 1, job: 'j', kwargs: {}, traceparent: null }));
    assert.deepEqual(none, { producer: { v: 1, job: 'j', kwargs: {} } });
  });
});

const lines: Record<string, any>[] = [];
const logger = createLogger({ level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } });
const jobs = {
  parent: defineJob({
    name: 'parent',
    run: async (ctx) => {
      ctx.logger.info('working');
      const sub = await ctx.queueTask('child');
      return { seen: ctx.traceparent, sub: sub?.id };
    },
  }),
  child: defineJob({ name: 'child', run: (ctx) => ctx.traceparent ?? null }),
};

describe('enqueue → run', () => {
  it('queue_task takes a traceparent; the run logs in its trace, in a span of its own; sub-tasks continue it', async () => {
    const q = createTestQueue({ jobs, logger });
    const answer = JSON.parse(
      (await q.runtime.rpc.handle(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'parent', traceparent: TP } }),
      ))!,
    );
    assert.equal(answer.result.traceparent, TP, 'on the wire');
    await q.run();
    const parent = (await q.getTask(answer.result.id))!;
    const { seen, sub } = parent.result as { seen: string; sub: string };
    const run = parseTraceparent(seen)!;
    assert.equal(run.traceId, TRACE_ID);
    const working = lines.find((l) => l.msg === 'working')!;
    assert.deepEqual([working.trace_id, working.span_id], [TRACE_ID, run.parentId], 'the job`s lines: the run`s span');
    const queued = lines.find((l) => l.msg === 'task queued' && l.task_id === parent.id)!;
    assert.deepEqual(
      [queued.trace_id, queued.span_id],
      [TRACE_ID, '00f067aa0ba902b7'],
      'the enqueue: the caller`s span',
    );
    const child = (await q.getTask(sub))!;
    assert.equal(child.traceparent, seen, 'the sub-task hangs from the parent`s run');
    assert.equal(parseTraceparent(child.result)!.traceId, TRACE_ID);
  });

  it('a bad traceparent is -32602 naming the param, and nothing is written', async () => {
    const q = createTestQueue({ jobs });
    const call = { jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'parent', traceparent: 'x' } };
    const answer = JSON.parse((await q.runtime.rpc.handle(JSON.stringify(call)))!);
    assert.equal(answer.error.code, -32602);
    assert.match(answer.error.message, /^traceparent must be a W3C traceparent/);
    assert.equal((await q.getTasks()).tasks.length, 0);
  });
});
