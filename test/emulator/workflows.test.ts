/**
 * Workflows against the emulators (dynalite + fauxqs), through the local poller and the
 * JSON-RPC handler: chords whose members end at the same instant or are delivered twice,
 * chains with an error path, results larger than an item or a message, a crash in the
 * middle of a join, parents awaiting children, revoke, and the methods' param checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import {
  createDirectClient,
  createHttpClient,
  type SkytaskClient,
  WorkflowNotFoundError,
} from '../../lib/client/index.js';
import { callbackTaskId, chain, chord, reconcile, signature, workflowTaskId } from '../../lib/index.js';
import { MOVED_BY_SQS } from '../../lib/tasks/dead-letter-sweep.js';
import { startHttpServer } from '../../local/http.js';
import * as jobs from '../fixtures/workflow-jobs.js';
import { testStack, type TestStack } from '../helpers.js';

const { add, sum, lengths, big } = jobs;
let s: TestStack;
let poller: { stop(seconds: number): Promise<unknown> };
before(async () => {
  s = await testStack({ jobs });
  poller = s.poll(10);
});
after(() => poller.stop(5));

/** Wait until the workflow is not RUNNING, by its JSON-RPC state. */
async function ended(id: string, seconds = 20) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    const { result } = await s.call('get_workflow', { id, limit: 0 });
    if (result.status !== 'RUNNING') return result;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workflow ${id} still running`);
}

describe('chords on the emulators', () => {
  it('50 members ending at once, 10 at a time: counted once each, the callback queued and run once', async () => {
    const members = Array.from({ length: 50 }, (_, i) => ({ jobname: 'add', kwargs: { a: i, b: 1 } }));
    const { result: queued, error } = await s.call('queue_chord', { members, callback: { jobname: 'sum' } });
    assert.equal(error, undefined);
    assert.equal(queued.callback.status, 'WAITING');
    const done = await ended(queued.id);
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, (49 * 50) / 2 + 50);
    assert.deepEqual(done.counts, { total: 50, pending: 0, succeeded: 50, failed: 0, revoked: 0 });
    assert.equal(done.callback.attempts, 1);
    assert.equal(jobs.runs.get(callbackTaskId(queued.id)), 1);
  });

  it('every member delivered twice at the same time: one run each, counted once, one callback', async () => {
    await poller.stop(5);
    const members = Array.from({ length: 12 }, (_, i) => signature(add, { a: i, b: 0 }));
    const queued = await s.backend.queueWorkflow(chord(members, signature(sum)));
    for (let n = 0; n < 12; n++) await s.queue.send({ id: workflowTaskId(queued.id, n), job: 'add' });
    poller = s.poll(10);
    const done = await ended(queued.id);
    assert.equal(done.result, 66);
    assert.equal(done.counts.succeeded, 12);
    for (let n = 0; n < 12; n++) assert.equal(jobs.runs.get(workflowTaskId(queued.id, n)), 1);
    assert.equal(jobs.runs.get(callbackTaskId(queued.id)), 1);
  });

  it('results larger together than an item (400 KB) and a message (1 MiB) stay in the records; the callback reads them', async () => {
    const members = Array.from({ length: 6 }, () => signature(big, { kb: 200 }));
    const queued = await s.backend.queueWorkflow(chord(members, signature(lengths)));
    const done = await ended(queued.id, 30);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.result, Array(6).fill(200 * 1024));
  });

  it('results over the item budget, kept in the payload bucket, reach the callback and the next step as values', async () => {
    // 300 KiB each: over a result's 256 KiB in the item, so each is an object of the bucket.
    const queued = await s.backend.queueWorkflow(
      chord([signature(big, { kb: 300 }), signature(big, { kb: 300 })], signature(lengths)),
    );
    const done = await ended(queued.id, 30);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(done.result, [300 * 1024, 300 * 1024]);
    // The next step gets the string itself, not the marker naming its object.
    const steps = await s.backend.queueWorkflow(chain(signature(big, { kb: 300 }), signature(jobs.size)));
    assert.equal((await ended(steps.id, 30)).result, 300 * 1024);
  });

  it("a crash between a member's end and its count, its message gone: the reconciler counts it and releases the callback", async () => {
    await poller.stop(5);
    const queued = await s.backend.queueWorkflow(chord([signature(add, { a: 2, b: 3 })], signature(sum)));
    await s.queue.purge();
    const id = workflowTaskId(queued.id, 0);
    const now = Date.now() / 1000;
    const claim = await s.store.claimTask({ id, now, leaseUntil: now + 30, worker: 'killed' });
    assert.ok(claim.claimed);
    await s.store.finishTask(id, 1, { status: 'SUCCESS', resultJson: '5', time: now });
    assert.equal((await s.backend.getWorkflow(queued.id)).counts.pending, 1, 'ended, not counted');
    const result = await reconcile(s.runtime, { olderThan: 0 });
    assert.equal(result.waiting, 1);
    poller = s.poll(10);
    assert.equal((await ended(queued.id)).result, 5);
  });
});

describe('members that do not succeed, on the emulators', () => {
  it("a member revoked fails an 'all' chord: the callback FAILURE without running, the error path run once", async () => {
    await poller.stop(5);
    const spec = chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(sum), {
      linkError: signature(jobs.handled),
    });
    const queued = await s.backend.queueWorkflow(spec);
    await s.backend.revokeTask(workflowTaskId(queued.id, 1));
    poller = s.poll(10);
    const done = await ended(queued.id);
    assert.equal(done.status, 'FAILURE');
    assert.match(done.callback.error, /member .*:1 ended REVOKED/);
    assert.equal(jobs.runs.get(callbackTaskId(queued.id)), undefined);
    const errorPath = await s.waitReady(`${queued.id}:error`);
    assert.equal(errorPath.result, `handled ${workflowTaskId(queued.id, 1)}: revoked`, 'its input: the member');
  });

  it('a member whose message SQS dead-lettered: the sweep ends it FAILURE, the join counts it', async () => {
    await poller.stop(5);
    const spec = chord([signature(add, { a: 1, b: 1 }), signature(add, { a: 2, b: 2 })], signature(jobs.tally), {
      policy: 'allSettled',
    });
    const queued = await s.backend.queueWorkflow(spec);
    const member = workflowTaskId(queued.id, 0);
    const messages = await s.queue.receive(10, 1);
    const letter = messages.find((m) => JSON.parse(m.body).id === member)!;
    await s.queue.deadLetter(letter.body, 'moved by the redrive policy');
    await s.queue.deleteMessages([letter.receiptHandle]);
    await s.queue.changeVisibility(messages.find((m) => m !== letter)!.receiptHandle, 0);
    const result = await reconcile(s.runtime, { olderThan: 3600 });
    assert.equal(result.deadLettered, 1);
    poller = s.poll(10);
    const done = await ended(queued.id);
    assert.equal(done.result.succeeded, 1);
    assert.deepEqual(done.result.errors, [`FAILURE: ${MOVED_BY_SQS}`]);
    assert.equal(done.counts.failed, 1);
  });

  it('a callback that fails: the workflow fails, with the callback’s error', async () => {
    const spec = chord([signature(add, { a: 1, b: 1 })], signature(jobs.boom, { message: 'callback broke' }));
    const queued = await s.backend.queueWorkflow(spec);
    const done = await ended(queued.id);
    assert.equal(done.status, 'FAILURE');
    assert.equal(done.callback.error, 'callback broke');
    assert.deepEqual(done.counts, { total: 1, pending: 0, succeeded: 1, failed: 0, revoked: 0 });
  });
});

describe('chains and parents on the emulators', () => {
  it('a chain with a failing step over JSON-RPC: later steps REVOKED, the error path run with the failed task', async () => {
    const steps = [
      { jobname: 'add', kwargs: { a: 1, b: 2 } },
      { jobname: 'boom', kwargs: { message: 'step two broke' } },
      { jobname: 'double' },
    ];
    const { result: queued } = await s.call('queue_chain', {
      steps,
      link_error: { jobname: 'handled' },
      id: 'chain-1',
    });
    const done = await ended(queued.id);
    assert.equal(done.status, 'FAILURE');
    const { result: page } = await s.call('get_workflow', ['chain-1']);
    assert.deepEqual(
      page.members.map((t: { status: string }) => t.status),
      ['SUCCESS', 'FAILURE', 'REVOKED'],
    );
    const errorPath = await s.waitReady('chain-1:error');
    assert.equal(errorPath.result, 'handled chain-1:1: step two broke');
  });

  it('a parent awaits its children holding no run, and ends with its continuation’s result', async () => {
    const parent = (await s.backend.queueTask('report', { n: 5 }))!;
    const done = await s.waitReady(parent.id, 20);
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 20);
    assert.equal(jobs.runs.get(parent.id), 1);
  });

  it('revoke_workflow: the callback and the members not ready', async () => {
    await poller.stop(5);
    const queued = await s.backend.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
    const { result } = await s.call('revoke_workflow', { id: queued.id });
    assert.deepEqual(result, { id: queued.id, revoked: 2, requested: 0, ended: 0, more: false, cursor: null });
    poller = s.poll(10);
    assert.equal((await ended(queued.id)).status, 'REVOKED');
    const { error } = await s.call('revoke_workflow', { id: 'nope' });
    assert.equal(error.code, -32002);
    assert.deepEqual(error.data, { workflow: 'nope' });
  });
});

describe('the workflow methods refuse bad params, naming them, and write nothing', () => {
  const refused = async (method: string, params: unknown, message: RegExp) => {
    const { error } = await s.call(method, params);
    assert.equal(error?.code, -32602, JSON.stringify(error));
    assert.match(error.message, message);
  };

  it('each task and option', async () => {
    await refused('queue_chord', { members: [{ jobname: 'add' }] }, /callback is required/);
    await refused('queue_chord', { members: [], callback: { jobname: 'sum' } }, /members must be a list of 1 to 10000/);
    await refused('queue_group', { members: [{ kwargs: {} }] }, /^members\[0\]\.jobname is required/);
    await refused('queue_group', { members: [{ jobname: 'add', delya: 1 }] }, /members\[0\]: unknown field delya/);
    await refused(
      'queue_chain',
      { steps: [{ jobname: 'add' }, { jobname: 'nope' }] },
      /^steps\[1\]: unknown job "nope"/,
    );
    await refused(
      'queue_chain',
      { steps: [{ jobname: 'add', kwargs: [1] }] },
      /^steps\[0\]: kwargs must be a JSON object/,
    );
    await refused(
      'queue_chord',
      { members: [{ jobname: 'add' }], callback: { jobname: 'sum' }, policy: 'some' },
      /policy/,
    );
    await refused('queue_group', { members: [{ jobname: 'add' }], id: 'a:b' }, /workflow id must be 1-100/);
    await refused('queue_group', { members: [{ jobname: 'add' }], link_error: { jobname: 'handled' } }, /link_error/);
    await refused('get_workflow', { id: 'x'.repeat(3000) }, /id is too long/);
    await refused('get_workflow', { id: 'x', limit: 1001 }, /limit must be an integer from 0 to 1000/);
  });

  it('a conflict names the workflow (-32003); the read route serves get_workflow only', async () => {
    const members = [{ jobname: 'add', kwargs: { a: 1, b: 1 } }];
    await s.call('queue_group', { members, id: 'same' });
    const { error } = await s.call('queue_group', {
      members: [{ jobname: 'add', kwargs: { a: 2, b: 2 } }],
      id: 'same',
    });
    assert.equal(error.code, -32003);
    assert.deepEqual(error.data, { workflow: 'same' });
    const read = async (method: string, params: unknown) =>
      JSON.parse((await s.rpc.handle(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), { access: 'read' }))!);
    assert.equal((await read('get_workflow', { id: 'same' })).result.id, 'same');
    assert.equal((await read('queue_group', { members })).error.code, -32601);
    assert.equal((await read('revoke_workflow', { id: 'same' })).error.code, -32601);
  });
});

describe('both clients', () => {
  for (const kind of ['direct', 'http'] as const) {
    it(`${kind}: queue a typed chain and chord, wait, page, revoke`, async () => {
      const server =
        kind === 'http'
          ? await startHttpServer({ port: 0, handler: createRpcHandler(s.rpc), logger: s.logger })
          : undefined;
      const client: SkytaskClient<import('../../lib/client/index.js').JobsOf<typeof jobs>> = server
        ? createHttpClient<typeof jobs>({ url: server.url })
        : createDirectClient<typeof jobs>({ runtime: s.runtime, logger: s.logger });
      try {
        const flow = await client.queueWorkflow(
          chain(client.signature('add', { a: 2, b: 3 }), client.signature('double'), { id: `typed-${kind}` }),
        );
        const done = await client.waitForWorkflow(flow, { timeout: 20 });
        const result: number | undefined = done.result;
        assert.equal(result, 10);
        const members = Array.from({ length: 3 }, (_, i) => client.signature('add', { a: i, b: i }));
        const c = await client.waitForWorkflow(await client.queueWorkflow(chord(members, client.signature('sum'))), {
          timeout: 20,
        });
        assert.equal(c.result, 6);
        const page = await client.getWorkflow(c.id, { limit: 2 });
        assert.equal(page.members.length, 2);
        const rest = await client.getWorkflow(c.id, { cursor: page.cursor! });
        assert.deepEqual(
          rest.members.map((t) => t.id),
          [workflowTaskId(c.id, 2)],
        );
        assert.deepEqual(await client.revokeWorkflow(c.id), {
          id: c.id,
          revoked: 0,
          requested: 0,
          ended: 4,
          more: false,
          cursor: null,
        });
        await assert.rejects(client.getWorkflow('missing'), WorkflowNotFoundError);
      } finally {
        await server?.close();
      }
    });
  }
});
