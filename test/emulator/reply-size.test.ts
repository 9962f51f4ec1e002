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

const COUNT = 80;
/** Just under the 100 KB kwargs cap: 80 of them make one listing read ~8 MB, past dynalite's 1 MB BatchGetItem answers. */
const heavy = (n: number) => ({ n, q: '"'.repeat(49_000) });

describe('JSON-RPC replies are bounded by bytes', () => {
  let stack: TestStack;
  const ids = Array.from({ length: COUNT }, (_, n) => `big-${n}`);

  before(async () => {
    stack = await testStack();
    for (const [n, id] of ids.entries()) await stack.backend.queueTask('addition', heavy(n), { id });
  });

  const replySize = (response: unknown) => replyBytes(response);

  it('a default listing of large tasks answers (a read answered in parts is not throttling)', async () => {
    const response = await stack.call('get_tasks', {});
    assert.equal(response.error, undefined);
    assert.ok(response.result.tasks.length > 0 && response.result.cursor);
  });

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
    const answered: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await stack.call('get_tasks', { ids: asked, cursor });
      assert.ok(replySize(page) <= LIMITS.maxReplyBytes);
      answered.push(...page.result.tasks.map((t: { id: string }) => t.id));
      cursor = page.result.cursor ?? undefined;
      pages++;
    } while (cursor);
    assert.ok(pages >= 2, 'a cursor for the ids left');
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
