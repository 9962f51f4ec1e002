/** toJson: what is stored as JSON is what was given, or refused naming the path (issue 11, item 6). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKwargs, ValidationError } from '../../lib/index.js';
import { toJson } from '../../lib/json.js';

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

const problem = (value: unknown) => {
  const out = toJson(value, 'kwargs', 32);
  return 'problem' in out ? out.problem : undefined;
};

describe('toJson', () => {
  it('refuses what JSON.stringify would change silently, naming the path', () => {
    const sparse: number[] = new Array(3);
    sparse[0] = 1;
    sparse[2] = 3;
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const cases: [unknown, string][] = [
      [{ tags: new Set(['a']) }, 'kwargs.tags: a Set is not JSON'],
      [{ m: new Map([['a', 1]]) }, 'kwargs.m: a Map is not JSON'],
      [{ e: new TypeError('x') }, 'kwargs.e: a TypeError is not JSON'],
      [{ e: new Error('x') }, 'kwargs.e: an Error is not JSON'],
      [{ x: Number.POSITIVE_INFINITY }, 'kwargs.x: Infinity is not JSON'],
      [{ x: [1, Number.NaN] }, 'kwargs.x[1]: NaN is not JSON'],
      [{ x: [undefined] }, 'kwargs.x[0]: undefined is not JSON (null is)'],
      [{ x: sparse }, 'kwargs.x[1]: undefined is not JSON (null is)'],
      [{ f: () => 1 }, 'kwargs.f: a function is not JSON'],
      [{ s: Symbol('s') }, 'kwargs.s: a symbol is not JSON'],
      [{ n: 1n }, 'kwargs.n: a BigInt is not JSON'],
      [{ 'a b': { r: /x/ } }, 'kwargs["a b"].r: a RegExp is not JSON'],
      [{ p: new Point(1, 2) }, 'kwargs.p: a Point is not JSON'],
      [{ u: new Uint8Array(2) }, 'kwargs.u: a Uint8Array is not JSON'],
      [{ s: new String('x') }, 'kwargs.s: a String is not JSON'],
      [{ d: new Date(Number.NaN) }, 'kwargs.d: an invalid Date is not JSON'],
      [cyclic, 'kwargs.self.back: a cycle is not JSON'],
      [{ j: { toJSON: () => new Set() } }, 'kwargs.j: a Set is not JSON'],
      // An assigned "__proto__" key sets the prototype (the CLI's `__proto__={"x":1}` did).
      [
        { o: Object.create({ x: 1 }) },
        'kwargs.o: an object whose prototype was set (a "__proto__" key assigned?) is not JSON',
      ],
      [
        { o: Object.create(Object.create(null)) },
        'kwargs.o: an object whose prototype was set (a "__proto__" key assigned?) is not JSON',
      ],
    ];
    for (const [value, why] of cases) assert.equal(problem(value), why);
  });

  it('accepts, as JSON writes them: a valid Date (its ISO string), -0 (0), undefined keys (left out), shared objects', () => {
    const shared = { a: 1 };
    const out = toJson(
      {
        at: new Date(Date.UTC(2026, 0, 2)),
        z: -0,
        gone: undefined,
        l: [shared, shared],
        n: null,
        o: Object.create(null),
      },
      'kwargs',
    );
    assert.deepEqual(out, {
      json: '{"at":"2026-01-02T00:00:00.000Z","z":0,"l":[{"a":1},{"a":1}],"n":null,"o":{}}',
      bytes: 77,
    });
    assert.deepEqual(toJson('€', 'result'), { json: '"€"', bytes: 5 }, 'bytes are UTF-8 bytes');
  });

  it('bounds the depth without walking further; a value that throws while read is refused', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(problem({ deep }), 'kwargs nests deeper than 32 levels');
    const hostile = {
      get x() {
        throw new Error('boom');
      },
    };
    assert.equal(problem(hostile), 'kwargs.x: cannot be read as JSON (boom)');
    // Without a depth bound (results), a value too deep for the stack is refused, not a crash.
    assert.match((toJson(deep, 'result') as { problem: string }).problem, /cannot be read as JSON/);
  });

  it('checkKwargs refuses the same with a ValidationError (→ -32602)', async () => {
    await assert.rejects(checkKwargs({ tags: new Set(['a']) }), (err: Error) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, 'kwargs.tags: a Set is not JSON');
      return true;
    });
    assert.deepEqual((await checkKwargs({ a: 1, b: undefined })).json, { a: 1 });
  });
});
