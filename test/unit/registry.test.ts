import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sampleJobs from '../../examples/jobs.js';
import { canOverlap, createRegistry, defineJob, RegistryError, UnknownJobError } from '../../lib/index.js';
import { canOverlapLabel } from '../../lib/job.js';

const a = defineJob({ name: 'a', run: () => 1 });
const b = defineJob({ name: 'b', runEvery: 60, run: () => 2 });

describe('registry', () => {
  it('collects the sample jobs, regular and periodic', () => {
    const registry = createRegistry(sampleJobs);
    assert.deepEqual(
      registry.regular().map((j) => j.name),
      ['addition', 'asynchronous', 'checkworker', 'notoverlap', 'standarddeviation'],
    );
    assert.deepEqual(
      registry.periodic().map((j) => j.name),
      ['anchoredeveryhour', 'testperiodic', 'testperiodicerror', 'weekdaymorning'],
    );
  });

  it('finds jobs in named exports, arrays and objects, once each', () => {
    const registry = createRegistry({ a, default: [a, b], more: { b } });
    assert.deepEqual(
      registry.all().map((j) => j.name),
      ['a', 'b'],
    );
    assert.equal(registry.get('a'), a);
    assert.equal(registry.get('nope'), undefined);
  });

  it('refuses two jobs with one name', () => {
    assert.throws(() => createRegistry([a, defineJob({ name: 'a', run: () => 0 })]), RegistryError);
  });

  it('refuses a job name that cannot travel in a message', () => {
    assert.throws(() => createRegistry([defineJob({ name: 'has space', run: () => 0 })]), /job name/);
  });

  it('refuses an expires that would make an expiry DynamoDB cannot store (issue 11)', () => {
    for (const expires of [1e16, Number.POSITIVE_INFINITY, Number.NaN, -1]) {
      assert.throws(() => createRegistry([defineJob({ name: 'e', expires, run: () => 0 })]), /expires must be/);
    }
  });

  it('require() names the unknown job', () => {
    const registry = createRegistry([a]);
    assert.throws(
      () => registry.require('missing'),
      (err: unknown) => {
        assert.ok(err instanceof UnknownJobError);
        assert.match(err.message, /"missing"/);
        return true;
      },
    );
  });

  it('canOverlap: default true, false, or a function of the kwargs', () => {
    assert.equal(canOverlap(a, {}), true);
    assert.equal(canOverlapLabel(a), true);
    assert.equal(canOverlap(sampleJobs.notoverlap, {}), false);
    assert.equal(canOverlapLabel(sampleJobs.notoverlap), false);
    assert.equal(canOverlap(sampleJobs.standarddeviation, {}), false);
    assert.equal(canOverlap(sampleJobs.standarddeviation, { inputs: [1] }), true);
    assert.equal(canOverlapLabel(sampleJobs.standarddeviation), 'maybe');
  });
});
