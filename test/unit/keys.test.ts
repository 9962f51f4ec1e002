import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SHARDS,
  callbackTaskId,
  canonicalJson,
  isCallerTaskId,
  lockIdFor,
  periodicTaskId,
  producerTaskId,
  shardOf,
  timeSortKey,
  workflowTaskId,
} from '../../lib/keys.js';
import { LIMITS } from '../../lib/limits.js';

describe('keys', () => {
  it('a colon marks the ids skytask derives: no caller may give one', () => {
    for (const id of ['order-42', 'a', 'A.b_c-9', 'x'.repeat(128)]) assert.ok(isCallerTaskId(id), id);
    for (const id of ['order:42', 'x'.repeat(129), '', 'a b', 'é', 42, undefined])
      assert.ok(!isCallerTaskId(id), String(id));
    // Dots alone are path segments an HTTP client or S3 normalizes away (`tasks/../result-…`).
    for (const id of ['.', '..', '...']) assert.ok(!isCallerTaskId(id), id);
    for (const id of ['.a', 'a..', '..-', '.'.repeat(127) + 'x']) assert.ok(isCallerTaskId(id), id);
    const derived = [
      periodicTaskId('testperiodic', Date.parse('2026-01-01T10:00:00Z') / 1000),
      periodicTaskId('j'.repeat(200), 0),
      producerTaskId('0c6e9f4e-1d9a-4c55-a3a8-5b8e7f3c2d10'),
    ];
    assert.deepEqual(derived.slice(0, 1), ['testperiodic:20260101T100000Z']);
    for (const id of derived) {
      assert.ok(LIMITS.idPattern.test(id), `${id} is a task id`);
      assert.ok(!isCallerTaskId(id), `${id} is not a caller's`);
    }
    // No derived id is a dots-alone path segment, even from dotted names.
    for (const id of [workflowTaskId('.a', 0), callbackTaskId('a.'), producerTaskId('..'), periodicTaskId('..', 0)])
      assert.ok(id.includes(':') && !/^\.+$/.test(id) && !id.includes('/'), id);
  });

  it('canonicalJson sorts object keys at every level and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  });

  it('lockIdFor depends on the job name and the kwargs, not their order', () => {
    assert.equal(lockIdFor('notoverlap', { a: 1, b: 2 }), lockIdFor('notoverlap', { b: 2, a: 1 }));
    // Pulsar keyed the lock by the queue, so two jobs with equal kwargs blocked each other.
    assert.notEqual(lockIdFor('notoverlap', { a: 1 }), lockIdFor('other', { a: 1 }));
    assert.notEqual(lockIdFor('notoverlap', { a: 1 }), lockIdFor('notoverlap', { a: 2 }));
    assert.match(lockIdFor('x', {}), /^[0-9a-f]{40}$/);
  });

  it('shardOf is stable and spreads ids over every shard', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const shard = shardOf(`task-${i}`);
      assert.ok(shard >= 0 && shard < SHARDS);
      assert.equal(shardOf(`task-${i}`), shard);
      seen.add(shard);
    }
    assert.equal(seen.size, SHARDS);
  });

  it('timeSortKey sorts as time, then id', () => {
    const keys = [timeSortKey(1_800_000_000.5, 'b'), timeSortKey(99.001, 'z'), timeSortKey(1_800_000_000.5, 'a')];
    assert.deepEqual([...keys].sort(), [keys[1], keys[2], keys[0]]);
  });
});
