/** The end-of-attempt decision, pure: no emulators, no clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob, LIMITS, RetryTaskError, UnrecoverableError, type Task } from '../../lib/index.js';
import { failedOutcome, outcomeOf } from '../../lib/consumer/outcome.js';

const job = defineJob({ name: 'j', maxRetries: 2, retryBackoff: { base: 10, cap: 100 }, run: () => 0 });
const task = (attempts: number, errors?: Task['errors']): Task => ({
  id: 't',
  name: 'j',
  status: 'STARTED',
  kwargs: {},
  timeQueued: 0,
  attempts,
  errors,
});
const half = () => 0.5;

describe('outcomeOf', () => {
  it('a returned value is SUCCESS with its JSON, keeping earlier errors', () => {
    const errors = [{ attempt: 1, error: 'x', time: 1 }];
    assert.deepEqual(outcomeOf(task(2, errors), job, { value: { a: 1 } }, 100), {
      status: 'SUCCESS',
      resultJson: '{"a":1}',
      time: 100,
      errors,
    });
    assert.equal(outcomeOf(task(1), job, { value: undefined }, 100)?.resultJson, 'null');
  });

  it('a result that is not JSON or too large fails the task at once, whatever retries are left', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(outcomeOf(task(1), job, { value: cyclic }, 1)?.status, 'FAILURE');
    const huge = outcomeOf(task(1), job, { value: 'x'.repeat(LIMITS.resultBytes) }, 1);
    assert.equal(huge?.status, 'FAILURE');
    assert.match(huge!.error!, /over the \d+-byte limit/);
  });

  it("a RetryTaskError's delay that is not a finite number uses the backoff; a negative one is 0", () => {
    const backoff = failedOutcome(task(1), job, new Error('x'), 100, half).eta;
    assert.equal(failedOutcome(task(1), job, new RetryTaskError('no header', Number.NaN), 100, half).eta, backoff);
    assert.equal(failedOutcome(task(1), job, new RetryTaskError('x', Infinity), 100, half).eta, backoff);
    assert.equal(failedOutcome(task(1), job, new RetryTaskError('x', '30' as never), 100, half).eta, backoff);
    assert.equal(failedOutcome(task(1), job, new RetryTaskError('x', -5), 100, half).eta, 100);
    assert.equal(failedOutcome(task(1), job, new RetryTaskError('x', 30), 100, half).eta, 130);
  });

  it('a thrown value that cannot be read (throwing getters, a Proxy) still gives an outcome', () => {
    const getterThrows = new Error('hidden');
    Object.defineProperty(getterThrows, 'message', {
      get() {
        throw new Error('no');
      },
    });
    const proxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('no');
        },
        get() {
          throw new Error('no');
        },
      },
    );
    const hostileToString = {
      toString: () => {
        throw new Error('no');
      },
    };
    for (const thrown of [getterThrows, proxy, hostileToString]) {
      const outcome = failedOutcome(task(3), job, thrown, 100, half);
      assert.equal(outcome.status, 'FAILURE');
      assert.match(outcome.error!, /cannot be read/);
      assert.equal(outcome.errors?.at(-1)?.attempt, 3);
    }
  });

  it('an error with retries left is RETRY after the backoff (equal jitter), then FAILURE', () => {
    const first = outcomeOf(task(1), job, { error: new Error('boom') }, 1000, half);
    assert.equal(first?.status, 'RETRY');
    assert.equal(first?.eta, 1000 + 7.5); // base 10: half of it plus half the jitter range
    assert.deepEqual(first?.errors, [{ attempt: 1, error: 'boom', time: 1000 }]);
    assert.equal(outcomeOf(task(2), job, { error: new Error('boom') }, 1000, half)?.eta, 1000 + 15);
    const last = outcomeOf(task(3), job, { error: 'not an Error' }, 1000, half);
    assert.equal(last?.status, 'FAILURE');
    assert.equal(last?.error, 'not an Error');
  });

  it('RetryTaskError sets the delay (capped at SQS 900 s); UnrecoverableError fails at once', () => {
    assert.equal(outcomeOf(task(1), job, { error: new RetryTaskError('later', 42) }, 0)?.eta, 42);
    assert.equal(outcomeOf(task(1), job, { error: new RetryTaskError('later', 5000) }, 0)?.eta, 900);
    assert.equal(outcomeOf(task(1), job, { error: new UnrecoverableError('no') }, 0)?.status, 'FAILURE');
  });

  it('stopped attempts: a lost claim records nothing, a revoke is REVOKED, a time limit is an error', () => {
    assert.equal(outcomeOf(task(1), job, { stopped: { kind: 'lost-claim' } }, 0), undefined);
    assert.equal(outcomeOf(task(1), job, { stopped: { kind: 'revoked' } }, 0)?.status, 'REVOKED');
    const limit = outcomeOf(task(3), job, { stopped: { kind: 'time-limit', seconds: 5, lambda: false } }, 0);
    assert.equal(limit?.error, 'time limit of 5 s exceeded');
    const lambda = outcomeOf(task(3), job, { stopped: { kind: 'time-limit', seconds: 5, lambda: true } }, 0);
    assert.match(lambda!.error!, /before the Lambda invocation's timeout/);
  });

  it('keeps the last 10 errors, each cut to 1 KB; the error message to its cap', () => {
    const errors = Array.from({ length: 10 }, (_, i) => ({ attempt: i + 1, error: 'e', time: i }));
    const out = failedOutcome(task(11, errors), job, new Error('x'.repeat(LIMITS.errorBytes * 2)), 50);
    assert.equal(out.errors?.length, 10);
    assert.equal(out.errors?.[9].attempt, 11);
    assert.ok(out.errors![9].error.length <= 1024);
    assert.ok(out.error!.length <= LIMITS.errorBytes);
    assert.equal(errors.length, 10, 'the input is not changed');
  });

  it('every cap counts the bytes DynamoDB stores: control characters in the history JSON, multi-byte text', () => {
    const bytes = (s: string) => Buffer.byteLength(s);
    // A record from before the caps counted bytes: 1,024 control characters an entry, 6 KB of JSON each.
    const old = Array.from({ length: 10 }, (_, i) => ({ attempt: i + 1, error: '\u0001'.repeat(1024), time: i }));
    const control = failedOutcome(task(11, old), job, new Error('\u0001'.repeat(20_000)), 50);
    for (const entry of control.errors!) assert.ok(bytes(JSON.stringify(entry.error)) - 2 <= LIMITS.historyEntryBytes);
    assert.ok(bytes(JSON.stringify(control.errors)) <= 10 * (LIMITS.historyEntryBytes + 64));
    const wide = failedOutcome(task(1), job, new Error('€'.repeat(20_000)), 50);
    assert.ok(bytes(wide.error!) <= LIMITS.errorBytes);
    assert.ok(bytes(wide.stack!) <= LIMITS.stackBytes);
    assert.match(wide.error!, /^€+… \[truncated\]$/, 'cut between characters');
    const success = outcomeOf(task(11, old), job, { value: 1 }, 50);
    assert.ok(
      bytes(JSON.stringify(success!.errors)) <= 10 * (LIMITS.historyEntryBytes + 64),
      'a SUCCESS cuts them too',
    );
  });

  it('a result JSON cannot carry as it is fails the task, naming the path', () => {
    const cases: [unknown, RegExp][] = [
      [new Set([1, 2]), /result: a Set is not JSON/],
      [{ m: new Map() }, /result\.m: a Map is not JSON/],
      [[1, new Error('x')], /result\[1\]: an Error is not JSON/],
      [{ n: Number.NaN }, /result\.n: NaN is not JSON/],
    ];
    for (const [value, why] of cases) {
      const out = outcomeOf(task(1), job, { value }, 1);
      assert.equal(out?.status, 'FAILURE');
      assert.match(out!.error!, why);
    }
  });

  it('a thrown plain object or array is recorded as its JSON, cut to the cap; one JSON cannot give falls back to String()', () => {
    const error = (thrown: unknown) => failedOutcome(task(9), job, thrown, 1).error;
    assert.equal(error({ code: 42, msg: 'x' }), '{"code":42,"msg":"x"}');
    assert.equal(error([1, 'two']), '[1,"two"]');
    const bare = Object.assign(Object.create(null), { code: 7 });
    assert.equal(error(bare), '{"code":7}');
    assert.equal(error('plain text'), 'plain text');
    assert.equal(error(42), '42');
    assert.equal(error(undefined), 'undefined');
    class Custom {
      toString() {
        return 'custom text';
      }
    }
    assert.equal(error(new Custom()), 'custom text', 'its own toString is its text');
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    assert.equal(error(cycle), '[object Object]');
    assert.equal(error({ big: 10n }), '[object Object]');
    const getter = {
      get boom() {
        throw new Error('no');
      },
    };
    assert.equal(error(getter), '[object Object]');
    assert.match(error(Object.assign(Object.create(null), { self: null, big: 1n }))!, /cannot be read/);
    const long = error({ text: 'x'.repeat(LIMITS.errorBytes * 2) })!;
    assert.ok(Buffer.byteLength(long) <= LIMITS.errorBytes, `${Buffer.byteLength(long)} bytes`);
    assert.ok(long.startsWith('{"text":"xxx'));
  });

  it('a thrown value whose text throws is still recorded', () => {
    const hostile = {
      toString: () => {
        throw new Error('no');
      },
    };
    assert.equal(failedOutcome(task(9), job, hostile, 1).status, 'FAILURE');
  });
});
