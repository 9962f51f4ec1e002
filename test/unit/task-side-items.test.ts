/**
 * A task's side items (lib/task-side-items.ts): the fail item's layout, which of its fields a
 * task shows, and which items of a partition a head names; read back through the adapter's
 * `fromItems` (pure: no SDK call).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromItems } from '../../lib/aws/dynamo/item.js';
import { bodyKey, failKey } from '../../lib/keys.js';
import { toItems } from '../../lib/task-items.js';
import {
  BODY_ATTR,
  FAIL_ATTR,
  failItem,
  failureOf,
  sideKeys,
  sidesOf,
  withFailure,
} from '../../lib/task-side-items.js';
import type { Task } from '../../lib/task.js';

const time = 1_796_023_393.5;
const errors = [{ attempt: 1, error: 'boom', time }];
const retry: Task = {
  id: 't1',
  name: 'job',
  status: 'RETRY',
  kwargs: { a: 1 },
  timeQueued: time - 10,
  timeStarted: time - 5,
  timeEnded: time,
  eta: time + 30,
  attempts: 1,
  worker: 'w1',
  error: 'boom',
  stack: 'Error: boom\n    at job',
  errors,
};
/** The task's items as a RETRY finish leaves them: a head without the error fields, naming its fail item. */
function retriedItems(task: Task, ref = 'f'.repeat(12)) {
  const { error, stack, errors: history, ...rest } = task;
  const { head } = toItems(rest as Task, 'b'.repeat(12), { [FAIL_ATTR]: ref });
  return { head, fail: failItem(task.id, ref, failureOf({ error, stack, errors: history }), 42) };
}

describe('the fail item', () => {
  it('holds the error, the stack and the history as the head held them, under its own key, with a TTL', () => {
    const item = failItem('t1', 'ref', failureOf(retry), 1234);
    assert.deepEqual(item, {
      ...failKey('t1', 'ref'),
      error: 'boom',
      stack: 'Error: boom\n    at job',
      errors: JSON.stringify(errors),
      ttl: 1234,
    });
    assert.deepEqual(failKey('t1', 'ref'), { pk: 'task#t1', sk: 'fail#ref' });
    assert.deepEqual(
      failItem('t1', 'ref', failureOf({ errors: [] }), 1),
      { ...failKey('t1', 'ref'), ttl: 1 },
      'none absent',
    );
  });

  it('fills the fields the head lacks; the head’s own win', () => {
    const fail = failItem('t1', 'ref', failureOf(retry), 1);
    const head = { pk: 'task#t1', sk: 'head', error: 'revoked' };
    assert.deepEqual(withFailure(head, fail), { ...head, stack: retry.stack, errors: JSON.stringify(errors) });
    assert.equal(withFailure(head, undefined), head);
    assert.deepEqual(head, { pk: 'task#t1', sk: 'head', error: 'revoked' }, 'the head is not changed');
  });
});

describe('the side items a head names', () => {
  it('among its partition: its body and its fail item, not those a crash or an earlier attempt left', () => {
    const head = { pk: 'task#t1', sk: 'head', [BODY_ATTR]: 'b1', [FAIL_ATTR]: 'f2' };
    const partition = [
      head,
      { ...bodyKey('t1', 'b0'), kwargs: 'lost' },
      { ...bodyKey('t1', 'b1'), kwargs: 'mine' },
      { ...failKey('t1', 'f1'), error: 'attempt 1' },
      { ...failKey('t1', 'f2'), error: 'attempt 2' },
      { ...failKey('t2', 'f2'), error: 'another task' },
    ];
    assert.deepEqual(sideKeys(head), [bodyKey('t1', 'b1'), failKey('t1', 'f2')]);
    assert.deepEqual(sidesOf(head, partition), { body: partition[2], fail: partition[4] });
    assert.deepEqual(sidesOf({ pk: 'task#t1', sk: 'head' }, partition), {}, 'none named: none');
    assert.deepEqual(sideKeys({ pk: 'task#t1', sk: 'head' }), []);
  });
});

describe('a task read back from its head and fail item', () => {
  it('a RETRY (and the same task claimed again) shows the error, stack and history the fail item holds', () => {
    const { head, fail } = retriedItems(retry);
    for (const attr of ['error', 'stack', 'errors']) assert.equal(head[attr], undefined, `${attr} is off the head`);
    assert.deepEqual(fromItems(head, sidesOf(head, [head, fail]), time), retry);
    assert.equal(fromItems(head, {}, time)?.error, undefined, 'a fail item past its TTL and gone: the head alone');
  });

  it('ended idle after the RETRY: the head’s reason is the error; the stack and history are the fail item’s', () => {
    const { head, fail } = retriedItems(retry);
    const ended = { ...head, status: 'FAILURE', error: 'dead-lettered' };
    const task = fromItems(ended, { fail }, time);
    assert.deepEqual([task?.error, task?.stack, task?.errors], ['dead-lettered', retry.stack, errors]);
  });

  it('a head with kwargs in a body and a fail item: both read', () => {
    const big = { ...retry, kwargs: { pad: 'x'.repeat(2000) } };
    const { error, stack, errors: history, ...rest } = big;
    const { head, body } = toItems(rest as Task, 'b'.repeat(12), { [FAIL_ATTR]: 'f'.repeat(12) });
    assert.ok(body, 'the kwargs are in a body');
    const fail = failItem('t1', 'f'.repeat(12), failureOf({ error, stack, errors: history }), 42);
    assert.deepEqual(fromItems(head, sidesOf(head, [head, body, fail]), time), big);
    assert.throws(() => fromItems(head, { fail }, time), /body item .* is missing/);
  });
});
