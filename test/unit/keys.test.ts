import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHARDS, canonicalJson, lockIdFor, shardOf, timeSortKey } from '../../lib/keys.js';

describe('keys', () => {
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
