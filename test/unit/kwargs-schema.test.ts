/**
 * Kwargs schemas, the pure parts: naming refused fields, finding dropped keys, reading a
 * Standard Schema result; then checkKwargs with Zod schemas (sync and async) and the
 * registry's checks at load.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import * as schemaJobs from '../fixtures/schema-jobs.js';
import { checkKwargs, createRegistry, defineJob, RegistryError, ValidationError } from '../../lib/index.js';
import { droppedKeys, formatPath, isStandardSchema, kwargsError, kwargsFromResult } from '../../lib/kwargs-schema.js';

/** Asserts that `fn` rejects with a ValidationError of this message and these issues. */
async function refuses(fn: () => Promise<unknown> | unknown, message: string | RegExp, issues?: unknown) {
  await assert.rejects(
    async () => fn(),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, String(err));
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      if (issues) assert.deepEqual((err.data as { issues: unknown }).issues, issues);
      return true;
    },
  );
}

describe('kwargs schema: naming fields', () => {
  it('formats paths as a reader finds them in the kwargs', () => {
    assert.equal(formatPath([]), 'kwargs');
    assert.equal(formatPath(['b']), 'kwargs.b');
    assert.equal(formatPath(['lines', 1, 'qty']), 'kwargs.lines[1].qty');
    assert.equal(formatPath(['a b', '0', '$ok_1']), 'kwargs["a b"]["0"].$ok_1');
  });

  it('names each issue in the message and keeps them all in data.issues', () => {
    const err = kwargsError([
      { path: ['b'], message: 'Expected number, received string' },
      { path: [], message: 'bad' },
    ]);
    assert.equal(err.message, 'kwargs.b: Expected number, received string; kwargs: bad');
    assert.deepEqual(err.data, {
      issues: [
        { path: ['b'], message: 'Expected number, received string' },
        { path: [], message: 'bad' },
      ],
    });
  });

  it('spells out five issues and counts the rest', () => {
    const issues = Array.from({ length: 8 }, (_, i) => ({ path: [i], message: 'no' }));
    const err = kwargsError(issues);
    assert.match(err.message, /^kwargs\[0\]: no; .*kwargs\[4\]: no \(and 3 more\)$/);
    assert.equal((err.data as { issues: unknown[] }).issues.length, 8);
  });
});

describe('kwargs schema: dropped keys', () => {
  it('finds top-level keys the output lacks', () => {
    assert.deepEqual(droppedKeys({ a: 1, delya: 60 }, { a: 1 }), [['delya']]);
    assert.deepEqual(droppedKeys({ a: 1 }, { a: 1, added: 2 }), []);
  });

  it('recurses through nested plain objects, and arrays by index', () => {
    const input = { user: { name: 'x', nmae: 'y' }, lines: [{ sku: 'a' }, { sku: 'b', extra: 1 }] };
    const output = { user: { name: 'x' }, lines: [{ sku: 'a' }, { sku: 'b' }] };
    assert.deepEqual(droppedKeys(input, output), [
      ['user', 'nmae'],
      ['lines', 1, 'extra'],
    ]);
  });

  it('leaves transformed values alone, and does not count a shorter array', () => {
    assert.deepEqual(droppedKeys({ at: { y: 2024 } }, { at: new Date(0) }), []);
    assert.deepEqual(droppedKeys({ list: [{ a: 1 }, { b: 1 }] }, { list: [{ a: 1 }] }), []);
    assert.deepEqual(droppedKeys({ list: [1, 2] }, { list: 'joined' }), []);
  });
});

describe('kwargs schema: reading a result', () => {
  it('returns the output when nothing was refused or dropped', () => {
    assert.deepEqual(kwargsFromResult({ value: { a: 1, d: 2 } }, { a: 1 }), { a: 1, d: 2 });
  });

  it('turns issues into a ValidationError, path segments and symbols made plain', async () => {
    const result: StandardSchemaV1.Result<unknown> = {
      issues: [
        { message: 'Required', path: [{ key: 'user' }, 'name'] },
        { message: 'Odd', path: [Symbol.for('s')] },
        { message: 'Whole object' },
      ],
    };
    await refuses(
      () => kwargsFromResult(result, {}),
      'kwargs.user.name: Required; kwargs["Symbol(s)"]: Odd; kwargs: Whole object',
      [
        { path: ['user', 'name'], message: 'Required' },
        { path: ['Symbol(s)'], message: 'Odd' },
        { path: [], message: 'Whole object' },
      ],
    );
  });

  it('refuses a dropped key by name, and an output that is not an object', async () => {
    await refuses(
      () => kwargsFromResult({ value: { a: 1 } }, { a: 1, delya: 60 }),
      "kwargs.delya: unknown key (the job's schema does not keep it)",
      [{ path: ['delya'], message: "unknown key (the job's schema does not keep it)" }],
    );
    await refuses(() => kwargsFromResult({ value: [1] }, {}), /^kwargs: the job's schema did not give an object$/);
  });

  it('knows a Standard Schema from other values', () => {
    assert.equal(isStandardSchema(z.object({})), true);
    assert.equal(isStandardSchema({ '~standard': { version: 2, validate() {} } }), false);
    assert.equal(isStandardSchema({ parse() {} }), false);
    assert.equal(isStandardSchema(null), false);
  });
});

describe('checkKwargs with a schema', () => {
  const { add, remind, order } = schemaJobs;

  it('stores the JSON input and gives run the output (a transform)', async () => {
    const checked = await checkKwargs({ at: '2030-01-01T09:00:00Z' }, remind.schema);
    assert.deepEqual(checked.json, { at: '2030-01-01T09:00:00Z' });
    assert.ok(checked.value.at instanceof Date);
    assert.equal(checked.value.note, '');
  });

  it('refuses a wrong type naming the field, with the issues as data', async () => {
    await refuses(
      () => checkKwargs({ a: 1, b: 'two' }, add.schema),
      /^kwargs\.b: .*expected number, received string$/,
      [{ path: ['b'], message: 'Invalid input: expected number, received string' }],
    );
  });

  it('refuses a key that an object schema strips silently (a mistyped option)', async () => {
    await refuses(() => checkKwargs({ a: 1, b: 2, delya: 60 }, add.schema), /^kwargs\.delya: unknown key/);
    await refuses(
      () => checkKwargs({ customer: { name: 'Ada', nmae: 'x' }, lines: [{ sku: 'a', qty: 1, qyt: 2 }] }, order.schema),
      /^kwargs\.customer\.nmae: unknown key.*; kwargs\.lines\[0\]\.qyt: unknown key/,
    );
  });

  it('awaits an asynchronous schema', async () => {
    await refuses(() => checkKwargs({}, schemaJobs.asyncTick.schema), 'kwargs.token: a token is required');
    const ok = await checkKwargs({ token: 't' }, schemaJobs.asyncTick.schema);
    assert.deepEqual(ok.value, { token: 't' });
  });

  it("runs skytask's own checks first: the schema sees JSON only", async () => {
    let seen: unknown;
    const spy: StandardSchemaV1<Record<string, unknown>> = {
      '~standard': { version: 1, vendor: 'test', validate: (value) => ((seen = value), { value: value as never }) },
    };
    await refuses(() => checkKwargs([1], spy), 'kwargs must be a JSON object');
    assert.equal(seen, undefined);
    await checkKwargs({ when: new Date(0), skip: undefined }, spy);
    assert.deepEqual(seen, { when: '1970-01-01T00:00:00.000Z' });
  });

  it('without a schema, value is the JSON copy itself', async () => {
    const checked = await checkKwargs({ a: 1 });
    assert.equal(checked.value, checked.json);
  });
});

describe('registry: schemas at load', () => {
  it('refuses a schema that is not a Standard Schema, naming the job', () => {
    const job = defineJob({ name: 'bad', schema: { parse: () => ({}) } as never, run: () => 0 });
    assert.throws(() => createRegistry([job]), /job "bad": schema is not a Standard Schema/);
  });

  it('refuses a periodic job whose schema refuses the empty kwargs, naming the field', () => {
    const job = defineJob({ name: 'p', runEvery: 60, schema: z.object({ n: z.number() }), run: () => 0 });
    assert.throws(
      () => createRegistry([job]),
      (err: unknown) => {
        assert.ok(err instanceof RegistryError);
        assert.match(err.message, /^periodic job "p": its schema refuses the empty kwargs every run gets: kwargs\.n: /);
        return true;
      },
    );
  });

  it('accepts a periodic schema that fills {} with defaults, and leaves an async one to the fire', () => {
    const registry = createRegistry(schemaJobs);
    assert.deepEqual(
      registry.periodic().map((j) => j.name),
      ['asyncTick', 'tick'],
    );
  });
});
