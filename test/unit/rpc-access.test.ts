/** The read-only route through the Lambda handler, on the in-memory ports: the route API Gateway matched decides. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRpcHandler, type RpcEvent } from '../../functions/rpc-handler.js';
import { defineJob, READ_METHODS, RPC_ERRORS } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = { add: defineJob({ name: 'add', run: () => 1 }) };

function setup() {
  const q = createTestQueue({ jobs });
  const handler = createRpcHandler(q.runtime.rpc);
  const call = async (routeKey: string, method: string, params?: unknown) => {
    const event = { routeKey, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), requestContext: {} };
    const out = await handler(event as unknown as RpcEvent, {} as never);
    return JSON.parse(out.body!);
  };
  return { q, call };
}

describe('the read-only route (POST /rpc/read)', () => {
  it('every read method is a method of the server; the write methods are exactly those that change tasks or uploads', () => {
    const { q } = setup();
    for (const name of READ_METHODS) assert.ok(q.runtime.rpc.methods.includes(name), name);
    assert.deepEqual(q.runtime.rpc.methods.filter((m) => !READ_METHODS.has(m)).sort(), [
      'delete_tasks',
      'presign_kwargs',
      'purge_dead_letters',
      'queue_chain',
      'queue_chord',
      'queue_group',
      'queue_task',
      'redrive_dead_letters',
      'revoke_task',
      'revoke_workflow',
    ]);
  });

  it('POST /rpc/read refuses queue_task with -32601 and queues nothing; POST /rpc queues it', async () => {
    const { q, call } = setup();
    const refused = await call('POST /rpc/read', 'queue_task', { jobname: 'add', id: 'x-1' });
    assert.equal(refused.error.code, RPC_ERRORS.methodNotFound);
    assert.equal(await q.getTask('x-1'), undefined);
    assert.equal((await call('POST /rpc/read', 'get_task', { id: 'x-1' })).result, null);
    assert.equal((await call('POST /rpc', 'queue_task', { jobname: 'add', id: 'x-1' })).result.id, 'x-1');
    assert.equal((await call('POST /rpc/read', 'get_task', { id: 'x-1' })).result.id, 'x-1');
  });
});
