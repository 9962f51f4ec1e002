/**
 * `revoke_workflow` within a time budget, on the in-memory ports: a call revokes the
 * callback first, then members a round at a time until its budget is spent, and answers
 * `more` with a cursor; the next call goes on from it; both clients go on until done. (A
 * chord of 3,000 members took one 123 s request before: API Gateway cuts it at 30 s.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpClient } from '../../lib/client/index.js';
import { callbackTaskId, chord, createLogger, signature, workflowTaskId } from '../../lib/index.js';
import { createRpc } from '../../lib/rpc/protocol.js';
import type { Backend } from '../../lib/tasks/backend.js';
import { createTestQueue } from '../../lib/testing/index.js';
import * as jobs from '../fixtures/workflow-jobs.js';

const { add, sum } = jobs;

async function chordOf(size: number) {
  const q = createTestQueue({ jobs });
  const members = Array.from({ length: size }, (_, a) => signature(add, { a, b: 0 }));
  const queued = await q.queueWorkflow(chord(members, signature(sum)));
  return { q, id: queued.id };
}

const statusOf = async (q: Awaited<ReturnType<typeof chordOf>>['q'], id: string) => (await q.getTask(id))!.status;

describe('revoke_workflow within a time budget', () => {
  it('the callback first, then a round of members a call; the cursor goes on; the last call says no more', async () => {
    const { q, id } = await chordOf(250);
    const { backend } = q.runtime;
    const first = await backend.revokeWorkflow(id, { budgetSeconds: 0 });
    assert.deepEqual(
      { ...first, cursor: undefined },
      { id, revoked: 101, requested: 0, ended: 0, more: true, cursor: undefined },
    );
    assert.equal(await statusOf(q, callbackTaskId(id)), 'REVOKED');
    assert.equal(await statusOf(q, workflowTaskId(id, 99)), 'REVOKED');
    assert.equal(await statusOf(q, workflowTaskId(id, 100)), 'QUEUED');
    assert.equal((await q.getWorkflow(id)).status, 'REVOKED', 'the callback can no longer run');
    const second = await backend.revokeWorkflow(id, { cursor: first.cursor!, budgetSeconds: 0 });
    assert.deepEqual([second.revoked, second.more], [100, true]);
    const last = await backend.revokeWorkflow(id, { cursor: second.cursor!, budgetSeconds: 0 });
    assert.deepEqual(last, { id, revoked: 50, requested: 0, ended: 0, more: false, cursor: null });
    assert.deepEqual((await q.getWorkflow(id, { limit: 0 })).counts, {
      total: 250,
      pending: 0,
      succeeded: 0,
      failed: 0,
      revoked: 250,
    });
    await assert.rejects(backend.revokeWorkflow(id, { cursor: 'bogus' }), /cursor is not one that revoke_workflow/);
  });

  it('within the default budget a call gets through a small workflow at once', async () => {
    const { q, id } = await chordOf(3);
    const r = await q.runtime.backend.revokeWorkflow(id);
    assert.deepEqual(r, { id, revoked: 4, requested: 0, ended: 0, more: false, cursor: null });
    assert.deepEqual(await q.runtime.backend.revokeWorkflow(id), { ...r, revoked: 0, ended: 4 });
  });

  it('the HTTP client calls revoke_workflow again with the cursor until done, and sums the calls', async () => {
    const { q, id } = await chordOf(250);
    const { backend, registry, scheduler } = q.runtime;
    const hurried: Backend = {
      ...backend,
      revokeWorkflow: (wid, o) => backend.revokeWorkflow(wid, { ...o, budgetSeconds: 0 }),
    };
    const rpc = createRpc({ backend: hurried, registry, scheduler, logger: createLogger({ level: 'silent' }) });
    const calls: unknown[] = [];
    const fetch = async (_url: unknown, init?: RequestInit) => {
      calls.push(JSON.parse(String(init!.body)).params);
      return new Response(await rpc.handle(String(init!.body)), { headers: { 'content-type': 'application/json' } });
    };
    const client = createHttpClient({ url: 'http://127.0.0.1:1/rpc', fetch: fetch as typeof globalThis.fetch });
    const r = await client.revokeWorkflow(id);
    assert.deepEqual(r, { id, revoked: 251, requested: 0, ended: 0, more: false, cursor: null });
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[0], { id });
    assert.equal(typeof (calls[1] as { cursor: string }).cursor, 'string');
  });
});
