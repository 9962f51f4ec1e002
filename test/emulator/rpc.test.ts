import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { createDynamoStore, wireRuntime, LIMITS, RPC_ERRORS } from '../../lib/index.js';
import { startHttpServer } from '../../local/http.js';
import { testStack, NO_PAYLOAD_BUCKET } from '../helpers.js';

describe('JSON-RPC over HTTP (the local server, the Lambda handler)', async () => {
  const stack = await testStack({ env: NO_PAYLOAD_BUCKET });
  const http = await startHttpServer({ port: 0, handler: createRpcHandler(stack.rpc), logger: stack.logger });
  after(() => http.close());

  const post = async (body: string) => {
    const res = await fetch(http.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const rpc = async (method: string, params?: unknown) =>
    (await post(JSON.stringify({ jsonrpc: '2.0', method, params, id: 7 }))).body;
  const errorCode = async (method: string, params?: unknown) => (await rpc(method, params)).error?.code;

  it('ping', async () => {
    assert.deepEqual(await rpc('ping'), { jsonrpc: '2.0', result: 'pong', id: 7 });
  });

  it('job_list: every job, or the ones named', async () => {
    const { result } = await rpc('job_list');
    assert.equal(result.length, 9);
    const { result: two } = await rpc('job_list', { jobnames: ['addition', 'standarddeviation'] });
    assert.deepEqual(two, [
      {
        name: 'addition',
        doc: 'Add two numbers, `a` and `b` (default 0).',
        doc_syntax: 'markdown',
        type: 'regular',
        can_overlap: true,
        expires: 60,
        queue: 'default',
        priority: 'default',
        concurrency: null,
        rate_limit: null,
        events: false,
      },
      {
        name: 'standarddeviation',
        doc: two[1].doc,
        doc_syntax: 'markdown',
        type: 'regular',
        can_overlap: 'maybe',
        expires: null,
        queue: 'default',
        priority: 'default',
        concurrency: null,
        rate_limit: null,
        events: false,
      },
    ]);
    // Pulsar's job_list leaves out the names it does not know.
    assert.deepEqual((await rpc('job_list', { jobnames: ['nope'] })).result, []);
  });

  it('queue_task: kwargs Pulsar-style or in kwargs, options, who asked; get_task; wait_for_task', async () => {
    const { result: queued } = await rpc('queue_task', { jobname: 'addition', a: 4, b: 5, id: 'rpc-1' });
    assert.equal(queued.id, 'rpc-1');
    assert.equal(queued.status, 'QUEUED');
    assert.deepEqual(queued.kwargs, { a: 4, b: 5 });
    assert.match(queued.caller, /^ip:/);
    const { result: explicit } = await rpc('queue_task', { jobname: 'addition', kwargs: { a: 1, id: 'kwarg' } });
    assert.deepEqual(explicit.kwargs, { a: 1, id: 'kwarg' });
    const { result: positional } = await rpc('queue_task', ['addition', { b: 2 }]);
    assert.deepEqual(positional.kwargs, { b: 2 });

    const poller = stack.poll();
    const { result: done } = await rpc('wait_for_task', { id: 'rpc-1', timeout: 10 });
    await poller.stop();
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.result, 9);
    for (const field of ['time_queued', 'time_started', 'time_ended']) assert.equal(typeof done[field], 'number');
    assert.deepEqual((await rpc('get_task', ['rpc-1'])).result, done);
    assert.equal((await rpc('get_task', { id: 'unknown' })).result, null);
  });

  it('queue_task: a held lock answers null', async () => {
    assert.ok((await rpc('queue_task', { jobname: 'notoverlap', lag: 5 })).result);
    assert.deepEqual(await rpc('queue_task', { jobname: 'notoverlap', lag: 5 }), {
      jsonrpc: '2.0',
      result: null,
      id: 7,
    });
  });

  it('queue_task: invalid params are -32602 with nothing written', async () => {
    const before = (await rpc('get_tasks', { limit: 1000 })).result.tasks.length;
    const bad: unknown[] = [
      {},
      { jobname: 7 },
      { jobname: 'nosuchjob' },
      { jobname: 'addition', kwargs: [1] },
      { jobname: 'addition', kwargs: { a: 1 }, b: 2 },
      { jobname: 'addition', kwargs: { a: 'x'.repeat(LIMITS.kwargsBytes) } },
      { jobname: 'addition', delay: 'soon' },
      { jobname: 'addition', delay: 10_000 },
      { jobname: 'addition', expiry: -1 },
      { jobname: 'addition', id: 'no/slashes' },
      { jobname: 'addition', eta: 'tomorrow' },
      { jobname: 'addition', eta: Date.now() / 1000 + 400 * 86_400 },
      { jobname: 'addition', meta: {} },
    ];
    for (const params of bad)
      assert.equal(
        await errorCode('queue_task', params),
        RPC_ERRORS.invalidParams,
        JSON.stringify(params).slice(0, 80),
      );
    const unknown = await rpc('queue_task', { jobname: 'nosuchjob' });
    assert.match(unknown.error.message, /nosuchjob/);
    const big = await rpc('queue_task', { jobname: 'addition', kwargs: { a: 'x'.repeat(LIMITS.kwargsBytes) } });
    assert.equal(big.error.data.limit, LIMITS.kwargsBytes);
    assert.equal((await rpc('get_tasks', { limit: 1000 })).result.tasks.length, before);
  });

  it('get_tasks: filters, cursor, bad params', async () => {
    const { result: parent } = await rpc('queue_task', { jobname: 'standarddeviation', sample: 2, size: 3 });
    await stack.drain();
    const { result: children } = await rpc('get_tasks', { from_task: parent.id });
    assert.equal(children.tasks.length, 2);
    assert.equal(children.cursor, null);
    const { result: page } = await rpc('get_tasks', { name: 'standarddeviation', status: 'SUCCESS', limit: 2 });
    assert.equal(page.tasks.length, 2);
    assert.equal(typeof page.cursor, 'string');
    const { result: rest } = await rpc('get_tasks', {
      name: 'standarddeviation',
      status: 'SUCCESS',
      cursor: page.cursor,
    });
    assert.deepEqual(
      rest.tasks.map((t: any) => t.id),
      [parent.id],
    );
    const { result: byIds } = await rpc('get_tasks', { ids: [parent.id] });
    assert.equal(byIds.tasks[0].result, 'produced 2 new tasks');
    for (const params of [
      { status: 'DONE' },
      { limit: 0 },
      { limit: 5000 },
      { ids: 'x' },
      { cursor: 'bad' },
      { nme: 'x' },
    ]) {
      assert.equal(await errorCode('get_tasks', params), RPC_ERRORS.invalidParams, JSON.stringify(params));
    }
  });

  it('wait_for_task: -32001 with the task as it is; -32002 for an unknown id', async () => {
    const { result: task } = await rpc('queue_task', { jobname: 'addition', delay: 60 });
    const timedOut = await rpc('wait_for_task', { id: task.id, timeout: 0.2 });
    assert.equal(timedOut.error.code, RPC_ERRORS.waitTimeout);
    assert.equal(timedOut.error.data.task.id, task.id);
    assert.equal(timedOut.error.data.task.status, 'QUEUED');
    assert.equal(await errorCode('wait_for_task', { id: 'nope', timeout: 1 }), RPC_ERRORS.notFound);
    assert.equal(await errorCode('wait_for_task', { id: task.id, timeout: 'x' }), RPC_ERRORS.invalidParams);
  });

  it('num_tasks and delete_tasks', async () => {
    await stack.queue.purge();
    await rpc('queue_task', { jobname: 'addition', delay: 30 });
    const { result: one } = await rpc('queue_task', { jobname: 'addition', delay: 30 });
    assert.equal((await rpc('num_tasks')).result, 2);
    assert.deepEqual((await rpc('delete_tasks', { ids: [one.id, 'nope'] })).result, [one.id]);
    assert.equal((await rpc('get_task', [one.id])).result, null);
    assert.equal(await errorCode('delete_tasks', {}), RPC_ERRORS.invalidParams);
  });

  it('protocol errors: parse, invalid request, unknown method, internal errors without a stack', async () => {
    assert.deepEqual((await post('{"jsonrpc":')).body, {
      jsonrpc: '2.0',
      error: { code: RPC_ERRORS.parseError, message: 'Parse error' },
      id: null,
    });
    for (const body of [
      '1',
      '"x"',
      '{"method":"ping","id":1}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","method":"ping","params":3,"id":1}',
      '{"jsonrpc":"2.0","method":"ping","id":{}}',
      // JSON.parse reads these as ±Infinity, which no answer can echo (JSON has no Infinity).
      '{"jsonrpc":"2.0","method":"ping","id":1e999}',
      '{"jsonrpc":"2.0","method":"ping","id":-1e999}',
      '[]',
    ]) {
      assert.equal((await post(body)).body.error.code, RPC_ERRORS.invalidRequest, body);
    }
    // An id JSON text can hold but no answer can echo (1e400 parses to Infinity, which JSON
    // writes as null): refused before it acts, as an id of the wrong type is (found by the fuzz).
    for (const id of ['1e400', '-1e400']) {
      const body = `{"jsonrpc":"2.0","method":"queue_task","params":{"jobname":"addition","id":"inf-id"},"id":${id}}`;
      assert.deepEqual((await post(body)).body, {
        jsonrpc: '2.0',
        error: { code: RPC_ERRORS.invalidRequest, message: 'Invalid Request' },
        id: null,
      });
    }
    assert.equal((await rpc('get_task', ['inf-id'])).result, null, 'nothing queued');
    assert.equal(await errorCode('no_such_method'), RPC_ERRORS.methodNotFound);
    assert.equal(await errorCode('__proto__'), RPC_ERRORS.methodNotFound);
    assert.equal(await errorCode('ping', ['extra']), RPC_ERRORS.invalidParams);
    const tooLarge = await post(
      JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: { x: 'y'.repeat(LIMITS.maxRequestBytes) }, id: 1 }),
    );
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.error.code, RPC_ERRORS.invalidRequest);

    // The store fails (here: its table does not exist): -32603, no stack, no details.
    const store = createDynamoStore({ client: stack.clients.dynamodb, table: 'no-such-table' });
    const broken = wireRuntime({ store, queue: stack.queue, registry: stack.registry, logger: stack.logger }).rpc;
    const internal = JSON.parse((await broken.handle('{"jsonrpc":"2.0","method":"get_task","params":["x"],"id":1}'))!);
    assert.deepEqual(internal, {
      jsonrpc: '2.0',
      error: { code: RPC_ERRORS.internalError, message: 'Internal error' },
      id: 1,
    });
  });

  it('batches and notifications', async () => {
    const { status, body } = await post(
      JSON.stringify([
        { jsonrpc: '2.0', method: 'ping', id: 'a' },
        { jsonrpc: '2.0', method: 'ping' },
        { jsonrpc: '2.0', method: 'nope', id: 'b' },
        { foo: 1 },
      ]),
    );
    assert.equal(status, 200);
    assert.deepEqual(body, [
      { jsonrpc: '2.0', result: 'pong', id: 'a' },
      { jsonrpc: '2.0', error: { code: RPC_ERRORS.methodNotFound, message: 'Method not found: nope' }, id: 'b' },
      { jsonrpc: '2.0', error: { code: RPC_ERRORS.invalidRequest, message: 'Invalid Request' }, id: null },
    ]);
    const notifications = await post(
      JSON.stringify([
        { jsonrpc: '2.0', method: 'ping' },
        { jsonrpc: '2.0', method: 'nope' },
      ]),
    );
    assert.equal(notifications.status, 204);
    assert.equal(notifications.body, undefined);
    // A notification still acts: it queues the task.
    assert.equal(
      (
        await post(
          JSON.stringify({ jsonrpc: '2.0', method: 'queue_task', params: { jobname: 'addition', id: 'note-1' } }),
        )
      ).status,
      204,
    );
    assert.equal((await rpc('get_task', ['note-1'])).result.id, 'note-1');
  });

  it('only POST /rpc', async () => {
    assert.equal((await fetch(http.url, { method: 'GET' })).status, 405);
    assert.equal((await fetch(http.url.replace('/rpc', '/other'), { method: 'POST', body: '{}' })).status, 404);
  });
});
