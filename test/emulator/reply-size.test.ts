/**
 * Replies stay under Lambda's 6 MB response limit (issue 12 item 3): over it, API Gateway
 * answers a bare 500 instead of JSON-RPC. 40 tasks whose kwargs are 90 KB of quotes weigh
 * 3.6 MB as JSON but over 7 MB once the reply is escaped as the Lambda response's `body`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LIMITS, RPC_ERRORS } from '../../lib/index.js';
import { replyBytes } from '../../lib/rpc/reply-size.js';
import { testStack, type TestStack } from '../helpers.js';

const COUNT = 40;
const heavy = (n: number) => ({ n, q: '"'.repeat(45_000) });

describe('JSON-RPC replies are bounded by bytes', () => {
  let stack: TestStack;
  const ids = Array.from({ length: COUNT }, (_, n) => `big-${n}`);

  before(async () => {
    stack = await testStack();
    for (const [n, id] of ids.entries()) await stack.backend.queueTask('addition', heavy(n), { id });
  });

  const replySize = (response: unknown) => replyBytes(response);

  it('a listing stops early with a cursor, and paging answers each task once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await stack.call('get_tasks', { name: 'addition', limit: 1000, cursor: cursor ?? undefined });
      assert.ok(replySize(response) <= LIMITS.maxReplyBytes, `page ${pages} is ${replySize(response)} bytes`);
      seen.push(...response.result.tasks.map((t: { id: string }) => t.id));
      cursor = response.result.cursor;
      pages++;
    } while (cursor);
    assert.ok(pages >= 2, 'the 7 MB listing takes more than one page');
    assert.deepEqual([...seen].sort(), [...ids].sort());
  });

  it('an ids query answers what fits, and the same ids with the cursor answer the rest', async () => {
    const asked = [...ids, 'missing', ids[0]];
    const first = await stack.call('get_tasks', { ids: asked });
    assert.ok(replySize(first) <= LIMITS.maxReplyBytes);
    assert.ok(first.result.cursor, 'a cursor for the ids left');
    const rest = await stack.call('get_tasks', { ids: asked, cursor: first.result.cursor });
    assert.equal(rest.result.cursor, null);
    const answered = [...first.result.tasks, ...rest.result.tasks].map((t: { id: string }) => t.id);
    assert.deepEqual(answered, [...ids, ids[0]]);
    const forged = await stack.call('get_tasks', { ids: asked, cursor: 'eyJpIjo5OTl9' });
    assert.equal(forged.error.code, RPC_ERRORS.invalidParams);
  });

  it('a batch whose answers would not fit gets an error for each call that did not', async () => {
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'get_tasks', params: { name: 'addition', limit: 25 } });
    const body = await stack.rpc.handle(JSON.stringify([call(1), call(2), { jsonrpc: '2.0', id: 3, method: 'ping' }]));
    assert.ok(Buffer.byteLength(JSON.stringify(body)) <= LIMITS.maxReplyBytes);
    const [one, two, three] = JSON.parse(body!);
    assert.equal(one.result.tasks.length, 25);
    assert.equal(two.error.code, RPC_ERRORS.replyTooLarge);
    assert.match(two.error.message, /call it on its own/);
    assert.equal(three.result, 'pong');
  });
});
