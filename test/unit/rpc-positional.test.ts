/**
 * Every JSON-RPC method takes its params by position too, in the order docs/rpc.md shows
 * them (JSON-RPC 2.0 §4.2; rpc.md: "by position (an array, in the order shown)"): the order
 * is read from rpc.md's method tables, and each method answers a positional call as it
 * answers the same call by name. On the in-memory ports, each call on a fresh queue.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defineJob } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import { root } from '../markdown.js';

const jobs = {
  add: defineJob({ name: 'add', run: (_ctx, { a = 0 }: { a?: number }) => a + 1 }),
  sum: defineJob({ name: 'sum', run: (_ctx, _kwargs, input: number[]) => input.reduce((x, y) => x + y, 0) }),
};

/**
 * The params of each method, in the order rpc.md shows them: the backticked names of its
 * row's params cell (`limit?` is `limit`; values such as `"all"` are not names). A row of
 * several methods that points elsewhere names none: the workflow table below gives theirs.
 */
export function documentedParams(markdown: string): Map<string, string[]> {
  const order = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const method = /^`([a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!method || cells.length < 4) continue;
    const names = [...cells[2].matchAll(/`([a-z_][a-z0-9_]*)\??(?::[^`]*)?`/g)].map((m) => m[1]);
    order.set(method, [...new Set(names)]);
  }
  return order;
}

const DOCUMENTED = documentedParams(readFileSync(join(root, 'docs/rpc.md'), 'utf8'));

/** What a fresh queue holds before each call: a task `t1`, a revoked `t2`, a group `g1`, a chord `c1`. */
async function setup() {
  const q = createTestQueue({ jobs });
  await q.queueTask('add', { a: 1 }, { id: 't1' });
  await q.queueTask('add', { a: 2 }, { id: 't2' });
  await q.runtime.backend.revokeTask('t2');
  const call = async (method: string, params: unknown) =>
    JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })))!);
  await call('queue_group', { members: [{ jobname: 'add' }], id: 'g1' });
  await call('queue_chord', { members: [{ jobname: 'add' }], callback: { jobname: 'sum' }, id: 'c1' });
  return call;
}

const task = (a: number) => ({ jobname: 'add', kwargs: { a } });

/** A call by name of each method, with as many of its params as make sense together. */
const NAMED: Record<string, Record<string, unknown>> = {
  ping: {},
  job_list: { jobnames: ['add'] },
  next_scheduled_tasks: { jobnames: ['add'] },
  queue_task: { jobname: 'add', kwargs: { a: 2 }, id: 'q1', expiry: 60, delay: 5 },
  get_task: { id: 't1' },
  get_tasks: { name: 'add', status: 'QUEUED', limit: 2 },
  wait_for_task: { id: 't2', timeout: 0 },
  num_tasks: {},
  queue_stats: {},
  cost: {
    jobnames: ['add'],
    since: 1_767_225_000,
    until: 1_767_226_000,
    prices: { write_unit: 1 },
    limit: 10,
    memory_mb: 1024,
  },
  delete_tasks: { ids: ['t1', 'nope'] },
  revoke_task: { id: 't1' },
  redrive_dead_letters: { limit: 5 },
  list_dead_letters: { limit: 5 },
  purge_dead_letters: { ids: ['t1'], limit: 5 },
  queue_chain: { steps: [task(1), task(2)], id: 'ch', link_error: task(3) },
  queue_group: { members: [task(1)], id: 'gr' },
  queue_chord: {
    members: [task(1)],
    callback: { jobname: 'sum' },
    policy: 'allSettled',
    id: 'cd',
    link_error: task(3),
  },
  get_workflow: { id: 'c1', limit: 1 },
  revoke_workflow: { id: 'g1' },
  presign_kwargs: { size: 200_000, sha256: 'a'.repeat(64), id: 'big' },
};

/** What a call's answer must agree on: all of it, but a presigned upload's URL and key (a fresh nonce each call). */
const comparable = (method: string, answer: { result?: any }) =>
  method === 'presign_kwargs' && answer.result
    ? { id: answer.result.id, size: answer.result.ref.size, method: answer.result.method }
    : answer;

/** The same call by position, in the documented order: a param left out is null, trailing ones dropped. */
function positional(method: string, named: Record<string, unknown>): unknown[] {
  const values = DOCUMENTED.get(method)!.map((name) => named[name] ?? null);
  while (values.length && values.at(-1) === null) values.pop();
  return values;
}

describe('positional params, in the order docs/rpc.md shows', () => {
  it('rpc.md documents the params of every method, and this test calls every method', async () => {
    const { methods } = createTestQueue({ jobs }).runtime.rpc;
    assert.deepEqual(
      methods.filter((m) => !DOCUMENTED.has(m)),
      [],
    );
    assert.deepEqual([...methods].sort(), Object.keys(NAMED).sort());
  });

  for (const [method, named] of Object.entries(NAMED)) {
    it(`${method}: by position as by name`, async () => {
      const byName = await (await setup())(method, named);
      const byPosition = await (await setup())(method, positional(method, named));
      assert.equal(byName.error, undefined, JSON.stringify(byName.error));
      assert.deepEqual(comparable(method, byPosition), comparable(method, byName));
    });
  }

  it('a null leaves a param out; too many is -32602', async () => {
    const call = await setup();
    const { result } = await call('get_tasks', [null, 'add', null, null, 1]);
    assert.equal(result.tasks.length, 1);
    const { error } = await call('get_workflow', ['c1', 1, null, 'extra']);
    assert.equal(error.code, -32602);
  });

  it('reads the order from the tables', () => {
    const doc = ['| method | params | result |', '|---|---|---|', '| `m` | `a`, `b?` (`"x"`), `kwargs: {…}` | r |'];
    assert.deepEqual([...documentedParams(doc.join('\n'))], [['m', ['a', 'b', 'kwargs']]]);
  });
});
