/**
 * The fuzz's inputs (test/emulator/fuzz.test.ts), from a seeded generator: a finding names
 * its seed and case, and a run is repeatable. What they hold, by kind:
 *
 * - text: multi-byte and non-BMP characters, lone surrogates (high and low), control
 *   characters, U+2028, U+FEFF, U+FFFE/U+FFFF, quotes and backslashes; long strings and ids
 *   just over DynamoDB's 2,048-byte key in few characters (3- and 4-byte ones, lone
 *   surrogates counted as U+FFFD);
 * - numbers for every numeric param: huge, tiny, negative, non-integer, -0, beyond 2^53, and
 *   what only JSON text can say (`1e400` is Infinity once parsed, 41-digit integers, `-0.0`);
 * - structure: nesting 8 to 100,000 deep (written as text: the generator never recurses on
 *   it), `__proto__`, `constructor`, `toString` and empty keys, duplicate keys;
 * - JSON-RPC: batches (empty, nested, over the 100-request cap), notifications, odd
 *   `jsonrpc`, `id`, `method` and `params`, extra members;
 * - SQS bodies: envelopes of any version and shape, task messages for no record and for a
 *   finished task, producer messages with odd kwargs and ids (the finished task's id
 *   among them), truncated JSON and plain text.
 */
import { INVALID_CHARACTER, SQS_LIMITS } from '../lib/aws-rules/sqs.js';
import { utf8Bytes } from '../lib/bytes.js';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}

const CHARS = [
  ...'abcxyz019 _-.:/{}[],',
  '"',
  '\\',
  '\n',
  '\t',
  '\r',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  '€',
  '\u2028',
  '\uFEFF',
  '\uFFFD',
  '\uFFFE',
  '\uFFFF',
  '😀',
  '\u{10FFFF}',
  '\uD800',
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
];

/**
 * Odd numbers: beyond what the SDK marshals (±1e16, 2^53 + 1), below DynamoDB's smallest
 * magnitude (1e-131, 5e-324), -0, fractions where an integer is due, times in ms, edges.
 */
const NUMBERS = [
  0,
  -1,
  1e308,
  -1e308,
  -1e-9,
  3.5,
  2 ** 53 + 1,
  2 ** 31,
  901,
  1000,
  1001,
  86_401,
  100_001,
  1e16,
  -1e16,
  1e21,
  1e126,
  1e-130,
  1e-131,
  5e-324,
  -0,
  0.1,
  1.5,
  1.7e12,
  25.5,
  900.5,
];
/** Numbers only JSON text can carry: `1e400` parses to Infinity, a 41-digit integer loses digits. */
const RAW_NUMBERS = ['1e400', '-1e400', '1E-400', '-0.0', '0e0', '12345678901234567890123456789012345678901', '1.0'];
/** Long strings, and ids whose key (`task#<id>`) is just over 2,048 UTF-8 bytes in few characters. */
export const LONG_STRINGS = [
  '',
  'x'.repeat(10),
  'x'.repeat(200_000),
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(2044),
  '€'.repeat(700),
  '😀'.repeat(520),
  '\uD800'.repeat(700),
  'é'.repeat(1025),
];
const DEPTHS = [8, 31, 32, 33, 64, 1000, 100_000];
const KEYS = [
  ...['id', 'ids', 'jobname', 'kwargs', 'name', 'status', 'from_task', 'limit', 'cursor', 'timeout', 'delay'],
  ...['eta', 'expiry', 'jobnames', 'a', 'b', 'lag', 'inputs', 'sample', 'message', 'value', 'v', 'job', 'meta'],
  ...['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then', ''],
];
const NAMES = ['addition', 'asynchronous', 'notoverlap', 'fail', 'echo', 'SUCCESS', 'QUEUED', 'nosuchjob', '', 'x:y'];
/** The numeric params of each method, each fuzzed with every kind of number. */
const NUMERIC_PARAMS: Record<string, string[]> = {
  queue_task: ['delay', 'eta', 'expiry'],
  get_tasks: ['limit'],
  redrive_dead_letters: ['limit'],
  wait_for_task: ['timeout'],
};
const ID_PARAMS = ['id', 'ids', 'name', 'from_task', 'cursor', 'jobnames'];

/** The generator for one seed. `methods`: the server's method names, to which odd ones are added. */
export function fuzzInputs(seed: number, methods: readonly string[]) {
  const r = prng(seed);
  /** Texts JSON.stringify cannot write (`1e400`, nesting 100,000 deep), for the body being built. */
  let raws: string[] = [];
  /** A value that `jsonText` writes as `text` itself. */
  const raw = (text: string) => `@@RAW:${raws.push(text) - 1}@@`;
  /** JSON text of `value`, each `raw` marker written as its text. */
  const jsonText = (value: unknown) =>
    (JSON.stringify(value) ?? 'null').replace(/"@@RAW:(\d+)@@"/g, (_, n) => raws[Number(n)]);
  const allMethods = [...methods, 'nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'rpc.discover'];
  const string = (max = 12) => Array.from({ length: r.int(max) }, () => r.pick(CHARS)).join('');
  const number = () => (r.chance(0.2) ? raw(r.pick(RAW_NUMBERS)) : r.pick(NUMBERS));
  /** Nesting `depth` deep, as text. */
  const deep = () => {
    const depth = r.pick(DEPTHS);
    return r.chance(0.5)
      ? raw('['.repeat(depth) + ']'.repeat(depth))
      : raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
  };
  const value = (depth = 0): unknown => {
    switch (r.int(depth > 3 ? 6 : 10)) {
      case 0:
        return null;
      case 1:
        return r.chance(0.5);
      case 2:
        return number();
      case 3:
        return string();
      case 4:
        return r.pick(NAMES);
      case 5:
        return r.chance(0.3) ? r.pick(LONG_STRINGS) : string(40);
      case 6:
        return r.chance(0.2) ? deep() : Array.from({ length: r.int(5) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(KEYS), value(depth + 1)]));
    }
  };
  const id = () => r.pick([r.pick(LONG_STRINGS) || 'x', string(), number(), value(2)]);

  /** A well-formed call with one odd value where it becomes a key, a stored value or a count. */
  function oddCall(): { method: string; params: unknown } {
    const method = r.pick([...Object.keys(NUMERIC_PARAMS), 'get_task', 'revoke_task', 'delete_tasks', 'get_tasks']);
    const numeric = NUMERIC_PARAMS[method];
    const params: Record<string, unknown> = method === 'queue_task' ? { jobname: r.pick(NAMES) } : {};
    if (numeric && r.chance(0.6)) params[r.pick(numeric)] = number();
    else if (method === 'queue_task') params[r.pick(['id', 'a', 'kwargs'])] = r.chance(0.5) ? id() : deep();
    else params[method === 'delete_tasks' ? 'ids' : r.pick(ID_PARAMS)] = r.chance(0.5) ? [id()] : id();
    if (method === 'redrive_dead_letters' && r.chance(0.5)) return { method, params: [params.limit] };
    return { method, params };
  }

  /** A request object: mostly well-formed JSON-RPC with random params, sometimes not. */
  function request(): Record<string, unknown> {
    const req: Record<string, unknown> = {};
    if (!r.chance(0.02)) req.jsonrpc = r.chance(0.95) ? '2.0' : r.pick(['1.0', 2, null, value()]);
    req.method = r.chance(0.97) ? r.pick(allMethods) : value();
    const shape = r.int(4);
    if (shape === 0) req.params = value();
    else if (shape === 1) req.params = Array.from({ length: r.int(3) }, () => (r.chance(0.3) ? number() : value(2)));
    else if (shape === 2)
      req.params = Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(KEYS), value(2)]));
    const roll = r.next();
    if (roll < 0.1) Object.assign(req, { jsonrpc: '2.0', method: 'queue_task', params: addition() });
    else if (roll < 0.25) Object.assign(req, { jsonrpc: '2.0', ...oddCall() });
    if (req.method === 'wait_for_task') neverExisting(req);
    if (r.chance(0.9)) req.id = r.pick([1, 'x', null, r.int(1e6), 1.5, -0, 1e308, {}, [], true, '', string(), id()]);
    if (r.chance(0.03)) req[r.pick(['result', 'error', 'extra', '__proto__'])] = value(2);
    return req;
  }

  /** `queue_task` of addition with odd kwargs, so that the fuzz writes records too. */
  const addition = () => ({ jobname: 'addition', kwargs: { a: r.chance(0.5) ? number() : value(2), b: value(1) } });

  /** A wait for a task that cannot exist (it answers at once), whatever its timeout. */
  function neverExisting(req: Record<string, unknown>) {
    const params = req.params as any;
    if (Array.isArray(params) && typeof params[0] === 'string') params[0] = `nosuch-${params[0]}`;
    else if (params && typeof params === 'object' && typeof params.id === 'string') params.id = `nosuch-${params.id}`;
  }

  /** A JSON-RPC body: one request, a batch, truncated JSON, plain text, duplicate keys. */
  function rpcBody(): string {
    raws = [];
    switch (r.int(10)) {
      case 0:
        return jsonText(value());
      case 1:
        return jsonText(Array.from({ length: r.int(6) }, () => (r.chance(0.1) ? [request()] : request())));
      case 2:
        return jsonText(Array.from({ length: r.pick([100, 101]) }, () => ({ jsonrpc: '2.0', method: 'ping', id: 1 })));
      case 3: {
        const text = jsonText(request());
        return text.slice(0, r.int(text.length));
      }
      case 4:
        return string(40);
      case 5: // duplicate keys: JSON.parse keeps the last
        return `{"method":"queue_task","__proto__":{"method":"delete_tasks"},${jsonText(request()).slice(1)}`;
      default:
        return jsonText(request());
    }
  }

  const SQS_JOBS = ['addition', 'fail', 'echo', 'checkworker', 'nosuchjob', ''];
  /** A producer message: odd kwargs, and an odd id (the finished task's among them) or none. */
  function producer(doneId: string): Record<string, unknown> {
    const kwargs = r.pick([
      () => value(),
      () => ({ a: number(), b: number() }),
      () => ({ message: r.pick([string(40), r.pick(LONG_STRINGS)]) }),
      () => ({ value: value() }),
      () => ({ a: deep() }),
      () => ({ a: 1, b: 2 }),
    ])();
    const message: Record<string, unknown> = { v: 1, job: r.pick(SQS_JOBS), kwargs };
    if (r.chance(0.6)) message.id = r.pick([null, string(), doneId, 'x:y', 'sqs:abc', id(), `fuzz-${r.int(1e9)}`]);
    return message;
  }

  /** An SQS body SQS accepts (its characters, at most 1 MiB). `doneId`: a finished task's id. */
  function sqsBody(doneId: string, n: number): string {
    raws = [];
    let body: string;
    switch (r.int(9)) {
      case 0:
        body = jsonText(value());
        break;
      case 1:
        body = jsonText({ v: r.pick([1, 2, '1', true, null, raw('1.0'), raw('1e0')]), id: id(), job: value() });
        break;
      case 2: // a duplicate of a finished task
        body = jsonText({ v: 1, id: doneId, job: 'addition' });
        break;
      case 3:
        body = string(60);
        break;
      case 4:
      case 5:
        body = jsonText(producer(doneId));
        break;
      case 6: // odd members around an envelope
        body = `{"__proto__":{"v":1,"job":"addition","kwargs":{}},"v":1,"job":"addition","job":${jsonText(value(2))},"id":${jsonText(id())}}`;
        break;
      default:
        body = jsonText({ v: 1, id: `fuzz-${n}`, job: r.pick(['addition', 'nosuchjob']) });
    }
    body = body.replace(new RegExp(INVALID_CHARACTER.source, 'gu'), '?') || 'x';
    return utf8Bytes(body) > SQS_LIMITS.messageBytes ? body.slice(0, 100_000) : body;
  }

  return { rpcBody, sqsBody };
}
