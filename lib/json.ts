import { utf8Bytes } from './bytes.js';

/** A value's JSON text and its UTF-8 bytes (what DynamoDB counts). */
export interface JsonText {
  json: string;
  bytes: number;
}

/** Why a value cannot be stored as given: `kwargs.tags: a Set is not JSON`. */
export interface NotJson {
  problem: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const TOO_DEEP = Symbol('too deep');

/** One step of a path as JavaScript writes it: `.tags`, `[2]`, `["a b"]` (a long key is cut). */
const step = (key: string | number) =>
  typeof key === 'number'
    ? `[${key}]`
    : IDENTIFIER.test(key) && key.length <= 64
      ? `.${key}`
      : `[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;

/**
 * `a Set`, `an Error`: the kind of an object JSON cannot carry, by its constructor's name. A
 * plain object's prototype is itself a plain object when a `__proto__` key was assigned
 * (`kwargs['__proto__'] = {…}` sets the prototype, not a key): that is said.
 */
function kindOf(proto: { constructor?: { name?: string } }): string {
  const above = Object.getPrototypeOf(proto);
  const plain = (above === Object.prototype || above === null) && !Object.hasOwn(proto, 'constructor');
  if (plain) return 'an object whose prototype was set (a "__proto__" key assigned?)';
  const name = proto.constructor?.name || 'object';
  return `${/^[AEIO]/i.test(name) ? 'an' : 'a'} ${name}`; // a Uint8Array, an Error
}

/** The walk's state: the path so far and the objects above the current one (for cycles). */
interface Walk {
  path: (string | number)[];
  above: Set<object>;
  maxDepth: number;
}

/** Why one value cannot be JSON as given, or undefined; its children are checked too. */
function problemOf(input: unknown, key: string, walk: Walk): string | typeof TOO_DEEP | undefined {
  if (input instanceof Date && Number.isNaN(input.getTime())) return 'an invalid Date is not JSON';
  const toJSON = input !== null && typeof input === 'object' ? (input as { toJSON?: unknown }).toJSON : undefined;
  const value = typeof toJSON === 'function' ? toJSON.call(input, key) : input;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} is not JSON`;
    case 'bigint':
      return 'a BigInt is not JSON';
    case 'undefined':
      return 'undefined is not JSON (null is)';
    case 'function':
    case 'symbol':
      return `a ${typeof value} is not JSON`;
  }
  if (value === null) return undefined;
  if (walk.path.length >= walk.maxDepth) return TOO_DEEP;
  if (walk.above.has(value)) return 'a cycle is not JSON';
  const proto = Object.getPrototypeOf(value);
  const array = Array.isArray(value);
  if (!array && proto !== Object.prototype && proto !== null) return `${kindOf(proto)} is not JSON`;
  walk.above.add(value);
  const keys: (string | number)[] = array ? [...Array(value.length).keys()] : Object.keys(value);
  for (const k of keys) {
    walk.path.push(k);
    const child = (value as Record<string | number, unknown>)[k];
    // JSON leaves out a key whose value is undefined; reading it gives undefined either way.
    const problem = child === undefined && !array ? undefined : problemOf(child, String(k), walk);
    if (problem) return problem;
    walk.path.pop();
  }
  walk.above.delete(value);
  return undefined;
}

/**
 * `value` as JSON text, or why it cannot be stored as given, naming where (`root` then the
 * path: `kwargs.tags: a Set is not JSON`, `result[2]: NaN is not JSON`). What
 * `JSON.stringify` would change without a word is refused: NaN and ±Infinity (it writes
 * null), undefined, a function or a symbol in an array (null) or as a property (left out),
 * an array's empty slot (null), a BigInt, a cycle, an invalid Date, and every object that
 * is not a plain object or an array — a Set, Map, Error, RegExp, typed array, boxed
 * primitive or class instance (it would write `{}` or its bare fields). Nesting deeper
 * than `maxDepth` levels is refused without walking further (hostile input may nest very
 * deep); a value that throws while it is read is refused with the error's message.
 *
 * Accepted as JSON writes them (documented in docs/storage.md): a key whose value is
 * undefined is left out; -0 is 0; an object with a `toJSON()` method is stored as what it
 * returns, itself checked — a valid Date is its ISO 8601 string (a job with a schema can
 * turn it back into a Date). Symbol keys are not data and are left out, as JSON does.
 */
export function toJson(value: unknown, root: string, maxDepth = Number.POSITIVE_INFINITY): JsonText | NotJson {
  const walk: Walk = { path: [], above: new Set(), maxDepth };
  const where = () => root + walk.path.map(step).join('');
  try {
    const problem = problemOf(value, '', walk);
    if (problem === TOO_DEEP) return { problem: `${root} nests deeper than ${maxDepth} levels` };
    if (problem) return { problem: `${where()}: ${problem}` };
    const json = JSON.stringify(value);
    return { json, bytes: utf8Bytes(json) };
  } catch (err) {
    return { problem: `${where()}: cannot be read as JSON (${(err as Error)?.message ?? String(err)})` };
  }
}
