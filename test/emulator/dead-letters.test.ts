/**
 * `list_dead_letters` and `purge_dead_letters` (issue 13) over JSON-RPC and both clients,
 * on the emulators: a task dead-lettered by the consumer's last delivery and SQS's redrive
 * policy is listed, purged by id or with every letter; the read route lists, never purges.
 */
import assert from 'node:assert/strict';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, it } from 'node:test';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { createConsumer, RPC_ERRORS } from '../../lib/index.js';
import { createDirectClient, createHttpClient } from '../../lib/client/index.js';
import type { TaskStore } from '../../lib/store.js';
import { startHttpServer } from '../../local/http.js';
import { testStack, type TestStack } from '../helpers.js';

let s: TestStack;
beforeEach(async () => (s = await testStack()));

/**
 * Queue a task whose every delivery fails (a store that cannot claim): the last delivery
 * marks the task and puts its message on the dead-letter queue with the reason, as the
 * consumer does, and the poller deletes it from the task queue.
 */
async function deadLettered(kwargs = { a: 5 }): Promise<string> {
  const broken: TaskStore = { ...s.store, claimTask: () => Promise.reject(new Error('throttled')) };
  const failing = createConsumer({ ...s.runtime, store: broken, maxReceiveCount: 3 });
  const { id } = (await s.backend.queueTask('addition', kwargs))!;
  for (let i = 1; i <= 3; i++) {
    const [message] = await s.queue.receive(1, 2);
    if (i < 3) {
      await assert.rejects(failing.handleMessage(message), /throttled/);
      await s.queue.changeVisibility(message.receiptHandle, 0);
    } else {
      await failing.handleMessage(message);
      await s.queue.deleteMessages([message.receiptHandle]);
    }
  }
  return id;
}

/** A JSON-RPC call on a route, through the Lambda handler. */
async function onRoute(path: string, method: string, params: unknown) {
  const handler = createRpcHandler(s.rpc);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const out = await handler({ routeKey: `POST ${path}`, body, requestContext: {} } as never, {} as never);
  return JSON.parse(out.body as string);
}

describe('list_dead_letters and purge_dead_letters', () => {
  it('a task dead-lettered by its deliveries is listed with why and when; purged by id, it stays FAILURE', async () => {
    const id = await deadLettered();
    const listed = await s.call('list_dead_letters', {});
    assert.equal(listed.error, undefined, JSON.stringify(listed.error));
    const [task] = listed.result.tasks;
    assert.equal(task.id, id);
    assert.equal(task.status, 'FAILURE');
    assert.equal(task.dead_lettered, true);
    assert.match(task.error, /^dead-lettered after 3 deliveries: throttled/);
    assert.ok(task.time_ended >= task.time_queued);
    assert.deepEqual(
      { cursor: listed.result.cursor, messages: listed.result.messages, unrecorded: listed.result.unrecorded },
      { cursor: null, messages: 1, unrecorded: 0 },
    );
    const purged = await s.call('purge_dead_letters', { ids: [id] });
    assert.deepEqual(purged.result, { purged: [id], deleted: 1, kept: 0, failed: 0, more: false, remaining: 0 });
    assert.deepEqual((await s.call('list_dead_letters', {})).result.tasks, []);
    const after = (await s.call('get_task', { id })).result;
    assert.equal(after.status, 'FAILURE');
    assert.equal(after.dead_lettered, false);
    assert.deepEqual((await s.call('redrive_dead_letters', {})).result.moved, [], 'nothing left to redrive');
  });

  it('purge of every letter: the tasks’ and a body that is no task message; letters without a task are counted', async () => {
    const ids = [await deadLettered({ a: 1 }), await deadLettered({ a: 2 })];
    await s.clients.sqs.send(new SendMessageCommand({ QueueUrl: s.config.dlqUrl, MessageBody: 'not JSON' }));
    const listed = (await s.call('list_dead_letters', [1])).result;
    assert.equal(listed.tasks.length, 1, 'positional limit');
    assert.ok(listed.cursor);
    assert.equal(listed.unrecorded, null, 'a page that does not list them all cannot tell');
    assert.equal((await s.call('list_dead_letters', {})).result.unrecorded, 1);
    const purged = (await s.call('purge_dead_letters', {})).result;
    assert.deepEqual(purged.purged.sort(), [...ids].sort());
    assert.equal(purged.deleted, 3);
    assert.equal(purged.remaining, 0);
    assert.equal((await s.call('queue_stats')).result.dead_letters, 0);
  });

  it('the read route lists dead letters and refuses to purge them (-32601), purging nothing', async () => {
    const id = await deadLettered();
    const listed = await onRoute('/rpc/read', 'list_dead_letters', {});
    assert.deepEqual(
      listed.result.tasks.map((t: { id: string }) => t.id),
      [id],
    );
    const refused = await onRoute('/rpc/read', 'purge_dead_letters', { ids: [id] });
    assert.equal(refused.error.code, RPC_ERRORS.methodNotFound);
    assert.equal((await s.backend.getTask(id))?.deadLettered, true);
    assert.equal((await onRoute('/rpc', 'purge_dead_letters', { ids: [id] })).result.deleted, 1);
  });

  it('bad params are -32602 naming the param, and nothing is purged', async () => {
    const id = await deadLettered();
    const cases: [string, unknown, RegExp][] = [
      ['purge_dead_letters', { ids: id }, /^ids must be a list/],
      ['purge_dead_letters', { ids: [''] }, /^ids\[0\] must be a non-empty string/],
      ['purge_dead_letters', { ids: ['x'.repeat(3000)] }, /^ids\[0\] is too long/],
      ['purge_dead_letters', { limit: 0 }, /^limit must be an integer from 1 to 100000/],
      ['purge_dead_letters', { all: true }, /all/],
      ['list_dead_letters', { limit: 1001 }, /^limit must be an integer from 1 to 1000/],
      ['list_dead_letters', { cursor: 'bogus' }, /^cursor is not one that get_tasks returned/],
    ];
    for (const [method, params, message] of cases) {
      const out = await s.call(method, params);
      assert.equal(out.error?.code, RPC_ERRORS.invalidParams, `${method} ${JSON.stringify(params)}`);
      assert.match(out.error.message, message);
    }
    assert.equal((await s.call('queue_stats')).result.dead_letters, 1);
  });

  it('both clients: listDeadLetters and purgeDeadLetters give the same answers, tasks in their public view', async () => {
    const server = await startHttpServer({ port: 0, handler: createRpcHandler(s.rpc), logger: s.logger });
    try {
      const http = createHttpClient({ url: server.url });
      const direct = createDirectClient({ runtime: s.runtime });
      const id = await deadLettered();
      const [overHttp, overSdk] = [await http.listDeadLetters(), await direct.listDeadLetters()];
      assert.deepEqual(overHttp, overSdk);
      assert.equal(overHttp.tasks[0].id, id);
      assert.equal(overHttp.tasks[0].deadLettered, true);
      assert.equal(overHttp.tasks[0].leaseUntil, undefined, 'no bookkeeping fields');
      assert.deepEqual(await http.purgeDeadLetters({ ids: [id] }), {
        purged: [id],
        deleted: 1,
        kept: 0,
        failed: 0,
        more: false,
        remaining: 0,
      });
      assert.deepEqual(await direct.listDeadLetters({ limit: 5 }), {
        tasks: [],
        cursor: null,
        messages: 0,
        unrecorded: 0,
      });
    } finally {
      await server.close();
    }
  });
});
