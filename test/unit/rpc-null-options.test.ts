/**
 * queue_task's optional params given as `null` are left out, as JSON-RPC callers write an
 * omitted optional (Python's None) and as a positional call's null already is: get_task
 * answers `traceparent: null`, `eta: null`, … for a task without them, and the same values
 * sent back queue a task. On the in-memory ports.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defineJob } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = { add: defineJob({ name: 'add', run: (_ctx, { a = 0 }: { a?: number }) => a + 1 }) };

const OPTIONS = ['id', 'expiry', 'delay', 'eta', 'traceparent', 'priority', 'kwargs_ref', 'meta'];

it('each optional param of queue_task given as null is absent', async () => {
  const q = createTestQueue({ jobs });
  const call = async (params: unknown) =>
    JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params })))!);
  for (const name of OPTIONS) {
    const answer = await call({ jobname: 'add', kwargs: { a: 1 }, [name]: null });
    assert.equal(answer.error, undefined, `${name}: null → ${JSON.stringify(answer.error)}`);
    assert.equal(answer.result.status, 'QUEUED', name);
    assert.equal(answer.result.traceparent ?? null, null, name);
  }
  const all = await call({ jobname: 'add', a: 1, ...Object.fromEntries(OPTIONS.map((n) => [n, null])) });
  assert.deepEqual(all.result?.kwargs, { a: 1 }, JSON.stringify(all));
});

it('a wire task sent back as queue_task params queues a task like it', async () => {
  const q = createTestQueue({ jobs });
  const call = async (method: string, params: unknown) =>
    JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })))!);
  const first = (await call('queue_task', { jobname: 'add', kwargs: { a: 1 } })).result;
  const { eta, traceparent, priority } = first;
  const again = await call('queue_task', { jobname: 'add', kwargs: { a: 2 }, eta, traceparent, priority });
  assert.equal(again.error, undefined, JSON.stringify(again.error));
});
