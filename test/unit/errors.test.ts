/**
 * Error identity across two copies of skytask: a job module loaded through another
 * loader (tsx's CommonJS one, a second version in node_modules) gets its own copy of
 * lib/errors.ts, and the consumer must still recognise what it throws. The second copy
 * here is the same file imported under another URL (`?copy=2`), which Node loads as a
 * separate module.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as errors from '../../lib/errors.js';
import { defineJob, type Task } from '../../lib/index.js';
import { outcomeOf } from '../../lib/consumer/outcome.js';

const copy = (await import(new URL('../../lib/errors.ts?copy=2', import.meta.url).href)) as typeof errors;

const job = defineJob({ name: 'j', maxRetries: 3, run: () => 0 });
const task: Task = { id: 't', name: 'j', status: 'STARTED', kwargs: {}, timeQueued: 0, attempts: 1 };

/** Every error class of lib/errors.ts, by name. */
const classes = Object.entries(errors).filter(
  (entry): entry is [string, typeof errors.SkytaskError] =>
    typeof entry[1] === 'function' && entry[1].prototype instanceof Error,
);

/** One instance of each class, built by the given copy of the module. */
function instances(module: typeof errors): Record<string, Error> {
  const task = { id: 't', status: 'STARTED' } as Task;
  return {
    SkytaskError: new module.SkytaskError('x'),
    ValidationError: new module.ValidationError('x'),
    UnknownJobError: new module.UnknownJobError('j'),
    TaskNotFoundError: new module.TaskNotFoundError('t'),
    ConflictError: new module.ConflictError('x', task),
    WaitTimeoutError: new module.WaitTimeoutError(task),
    TaskExistsError: new module.TaskExistsError('t'),
    RegistryError: new module.RegistryError('x'),
    RetryTaskError: new module.RetryTaskError('x', 5),
    UnrecoverableError: new module.UnrecoverableError('x'),
    ScheduleError: new module.ScheduleError('j', 'x'),
    EndpointError: new module.EndpointError('x', 502),
    RemoteError: new module.RemoteError(-32603, 'x'),
    WorkflowNotFoundError: new module.WorkflowNotFoundError('w'),
    WorkflowConflictError: new module.WorkflowConflictError('w'),
    WorkflowWaitTimeoutError: new module.WorkflowWaitTimeoutError({
      id: 'w',
      kind: 'group',
      status: 'RUNNING',
      size: 1,
      depth: 1,
      timeQueued: 0,
      counts: { total: 1, pending: 1, succeeded: 0, failed: 0, revoked: 0 },
      members: [],
      cursor: null,
    }),
  };
}

describe('error classes across two copies of the module', () => {
  it('the copy is a separate module (its classes are other objects)', () => {
    assert.notEqual(copy.RetryTaskError, errors.RetryTaskError);
    assert.deepEqual(Object.keys(instances(errors)).sort(), classes.map(([name]) => name).sort());
  });

  it('instanceof answers the same for an error of either copy, against every class of either copy', () => {
    const ours = instances(errors);
    const theirs = instances(copy);
    for (const [name, error] of Object.entries(ours)) {
      for (const [className, cls] of classes) {
        const expected = Function.prototype[Symbol.hasInstance].call(cls, error);
        const copyClass = copy[className as keyof typeof copy] as typeof errors.SkytaskError;
        assert.equal(theirs[name] instanceof cls, expected, `${name} (copy 2) instanceof ${className}`);
        assert.equal(error instanceof copyClass, expected, `${name} instanceof ${className} (copy 2)`);
      }
    }
  });

  it('the hierarchy holds: an UnrecoverableError is a SkytaskError and an Error, not a RetryTaskError', () => {
    const error = new copy.UnrecoverableError('no');
    assert.ok(error instanceof errors.SkytaskError);
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof errors.RetryTaskError));
    assert.ok(new copy.ScheduleError('j', 'x') instanceof errors.RegistryError);
    assert.ok(!(new copy.RegistryError('x') instanceof errors.ScheduleError));
    assert.ok(!(new Error('plain') instanceof errors.SkytaskError));
    assert.ok(!({} instanceof errors.SkytaskError));
  });

  it("a subclass of one's own is checked as usual and keeps skytask's brands", () => {
    class Mine extends copy.UnrecoverableError {}
    assert.ok(new Mine('x') instanceof Mine);
    assert.ok(!(new copy.UnrecoverableError('x') instanceof Mine));
    assert.ok(new Mine('x') instanceof errors.UnrecoverableError);
  });

  it('the consumer decides the same: UnrecoverableError fails at once, RetryTaskError keeps its delay', () => {
    for (const module of [errors, copy]) {
      const failed = outcomeOf(task, job, { error: new module.UnrecoverableError('no') }, 100);
      assert.equal(failed?.status, 'FAILURE');
      const retried = outcomeOf(task, job, { error: new module.RetryTaskError('later', 42) }, 100);
      assert.equal(retried?.status, 'RETRY');
      assert.equal(retried?.eta, 142);
    }
  });
});
